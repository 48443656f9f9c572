"""The review's printed tables reconciled before any of their HTML is returned (issue 12, numbers that
reconcile): the identities of :mod:`wealthlib._analytics.identities` applied to the data the sections render —
the performance table, the drift table (current − target = drift; current and target weights each 100%), the
trades (cost = rate × amount) and the stress rows (loss = % × value). :func:`wealthlib.review.build_review`
checks the same identities on the review's numbers when it is built, so a section the firm's list leaves out
is checked too. A failure raises :class:`~wealthlib._analytics.identities.IdentityError` naming the client file,
the table and both sides (never an amount)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Mapping

from ..._analytics.identities import CENT, WEIGHT_TOL, check, check_performance, check_weights


def check_printed(r: Any, sections: Mapping[str, dict[str, Any]]) -> None:
    """Every identity of the printed tables of review ``r`` whose sections' data are ``sections`` (key → data)."""
    client = r.client.source or r.client.id
    perf = sections.get("performance")
    if perf is not None:
        check_performance(client, SimpleNamespace(**perf))
    closing = perf["closing_value"] if perf is not None else r.closing_value
    drift = sections.get("drift")
    if drift is not None:
        rows = drift["rows"]
        for x in rows:
            check(client, "drift", (f"{x['code']}: current − target", x["current"] - x["target"]),
                  ("drift", x["drift"]), WEIGHT_TOL)
        check_weights(client, "drift: current weights", [x["current"] for x in rows], empty_ok=True)
        check_weights(client, "drift: target weights", [x["target"] for x in rows])
    trades = sections.get("rebalancing")
    if trades is not None:
        rate = float(r.ctx.policy.allocation.transaction_cost)
        for x in trades["trades"]:
            check(client, "rebalancing", (f"{x['code']}: cost", x["cost"]), ("rate × |amount|", rate * abs(x["amount"])),
                  CENT)
    risk = sections.get("risk")
    if risk is not None:
        for s in risk["stress"]:
            check(client, "stress", (f"{s['name']}: loss amount", s["pnl"]), ("loss % × value", s["return"] * closing),
                  CENT)
