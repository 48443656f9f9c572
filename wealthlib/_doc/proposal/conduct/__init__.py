"""The blocks the firm's client-protection rules add to a proposal's sections (``conduct:`` in ``policy.yaml``,
texts from ``wealthlib/data/disclosures/conduct.yaml`` of the policy's jurisdiction). Each block is a pair:
``<block>(inp)`` → plain data (``None`` when the rule is off or has nothing to say, so a firm without the
rule prints nothing), ``render_<block>(data, lb)`` → safe HTML. The sections call them:

* ``kyc``: :func:`investor_status` — professional-investor status, for professional investors the statement
  that consumer-protection duties and the ombudsman route do not apply and their acknowledgement; 高資產客戶
  status; the foreign-securities gates met;
* ``suitability``: :func:`decisions` — every holding above the ceiling: sold, or kept under a recorded
  exception with its approver; :func:`elderly` — a reason per recommended product and the review of
  high-risk buys;
* ``costs``: :func:`advisory` (the firm's advisory fee per product and in total, one-off costs, the
  cumulative effect of all of them) and :func:`distribution` (the 通路報酬 table with the client's signature);
* ``product_disclosures``: :func:`fund_warning`; ``complaints``: :func:`complaint_note`.
"""

from __future__ import annotations

from .kyc import investor_status, render_investor_status
from .suitability import decisions, render_decisions, elderly, render_elderly
from .fees import advisory, render_advisory, render_cumulative, distribution, render_distribution
from .notices import fund_warning, render_fund_warning, complaint_note

__all__ = ["investor_status", "render_investor_status", "decisions", "render_decisions", "elderly",
           "render_elderly", "advisory", "render_advisory", "render_cumulative", "distribution",
           "render_distribution", "fund_warning", "render_fund_warning", "complaint_note"]
