"""The review's closing sections: disclosures with the signature block, how the figures are computed, and the
audit record (the footer of every page carries its short form, :mod:`wealthlib._doc.audit`)."""

from __future__ import annotations

from typing import Any

from ...i18n import t
from ..audit import audit_rows
from ..base import Labels, Section
from ..html import escape, kv, ul
from ..registry import register


@register("review")
class Disclosures(Section):
    """The review is not a statement; the general disclosures and the complaint channel; who signs, by name and
    registration numbers (never an id)."""

    key, heading = "disclosures", "review_disclosures"

    def compute(self, r: Any) -> dict[str, Any]:
        from ...disclosures import acknowledgement, complaint_channel, general_disclosures

        loc, pol = r.locale, r.ctx.policy
        texts = [r.labels.L("review_not_statement"), *general_disclosures(loc, pol.jurisdiction),
                 complaint_channel(loc, pol.jurisdiction, firm=pol.firm_name(loc), contact=pol.firm_contact_in(loc) or None)]
        sign = None
        if r.signers is not None:
            labels = acknowledgement(loc, pol.jurisdiction)["signature_labels"]
            sign = {"date": labels["date"], "rows": [[labels["advisor"], r.signers.advisor_label(loc)],
                                                     [labels["supervisor"], r.signers.supervisor_label(loc)]]}
        return {"texts": texts, "signature": sign}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return ul(d["texts"]) + _signature(d["signature"])


def _signature(sign: dict[str, Any] | None) -> str:
    """The advisor's and the supervisor's signature lines, each with a date line."""
    if sign is None:
        return ""
    line = "_" * 24
    return '<table class="wl-signature"><tbody>' + "".join(
        f'<tr><th>{escape(a)}</th><td><span class="wl-signer">{escape(who)}</span><br>{line}</td>'
        f'<th>{escape(sign["date"])}</th><td>{line}</td></tr>' for a, who in sign["rows"]) + "</tbody></table>"


def method_notes(r: Any) -> list[str]:
    """Valuation, returns and benchmark, the drift bands in force (policy ``review.drift_bands``), currencies,
    then the review's own notes."""
    b = r.ctx.policy.review.drift_bands
    bands = t("lifecycle.review_method_trading", r.locale, absolute=f"{b.absolute * 100:g}",
              small=f"{b.small_weight * 100:g}%", relative=f"{b.relative * 100:g}%")
    fx = [] if r.fx is None else [r.fx.note, *(f"{k}: {v}" for k, v in r.fx.assumptions)]
    return [r.labels.L("review_method_valuation"), r.labels.L("review_method_benchmark"), bands,
            *[x for x in fx if x], *r.notes]


@register("review")
class Method(Section):
    """Valuation, returns and benchmark, the drift bands in force, currencies, and the review's own notes
    (its target, refused or scaled buys, implied flows)."""

    key, heading, level = "method", "review_method", 3

    def compute(self, r: Any) -> dict[str, Any]:
        return {"notes": method_notes(r)}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return ul(d["notes"])


@register("review")
class Audit(Section):
    """The review's audit record, whole: the value its footer prints in short."""

    key, heading, required = "audit", "proposal_audit", True

    def compute(self, r: Any) -> dict[str, Any]:
        return {"audit": {k: v for k, v in r.audit.items() if isinstance(v, str)}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return kv(audit_rows(d["audit"], lb))
