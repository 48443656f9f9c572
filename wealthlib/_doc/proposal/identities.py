"""The proposal's tables reconciled before anything is written (issue 12, numbers that reconcile): the
identities of :func:`wealthlib._analytics.proposal_identities.check_proposal_numbers` applied to the data the
sections print — the allocation's tables by product and of trades, the costs table, the stress rows of the
proposed and the current portfolio. A section the firm's list leaves out is checked on the same data
computed from the inputs. A failure raises :class:`~wealthlib._analytics.identities.IdentityError` naming the
client file, the table and both sides."""

from __future__ import annotations

from typing import Any, Mapping


def _stress_rows(rows: list[dict[str, Any]], side: str) -> list[dict[str, Any]]:
    """The rows of one portfolio (``""`` proposed, ``"current_"`` current) in check_stress's keys."""
    return [{"scenario": r.get("scenario", r.get("name")), "return": r[f"{side}return"],
             "pnl": r[f"{side}pnl"], "value_counted": r[f"{side}value_counted"]}
            for r in rows if f"{side}return" in r]


def check(inp: Any, sections: Mapping[str, dict[str, Any]]) -> None:
    """Every identity of the proposal built from ``inp`` whose sections' data are ``sections`` (key → data)."""
    from ..._analytics.proposal_identities import check_proposal_numbers
    from .allocation import tables

    alloc = sections.get("allocation") or tables(inp)
    fees = sections.get("costs") or inp.fee
    stress = sections["stress"]["rows"] if "stress" in sections else inp.stress
    products, trades = alloc["products"], alloc["trades"]
    check_proposal_numbers(
        inp.c.source or inp.c.id,
        weights={r["code"]: r["proposed"] for r in products if r["proposed"]},
        current_weights={r["code"]: r["current"] for r in products if r["current"]},
        target_values={r["code"]: r["proposed_value"] for r in products},
        current_values={**{k: v for k, v in inp.c.holding_values().items() if k not in inp.shelf},
                        **{r["code"]: r["current_value"] for r in products}},
        trades={t["code"]: t["amount"] for t in trades}, trade_rate=inp.policy.allocation.transaction_cost,
        trade_costs={t["code"]: t["cost"] for t in trades}, fees=fees, amount=inp.amount,
        stress={"stress scenarios (proposed)": _stress_rows(stress, ""),
                "stress scenarios (current)": _stress_rows(stress, "current_")})
