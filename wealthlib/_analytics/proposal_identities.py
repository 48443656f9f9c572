"""The proposal's identities, checked when the proposal is built (issue 12 item 3).

* weights: the proposed weights, and the current ones when there are holdings, each sum to 100% (the tables
  by asset class and by product print them);
* trades: for every product, trade = target value − current value (a difference under half a unit of
  currency is not traded, so that is the tolerance), and each trade's cost = rate × |trade|;
* fees: each product's fee = rate × amount invested in it (weight × amount); the total is their sum and the
  weighted rate times the amount;
* stress: every scenario's loss = return × value counted (the whole value when every product has data), for
  the proposed and the current portfolio, historical windows and shocks alike.

A failure raises :class:`~wealthlib._analytics.identities.IdentityError` naming the client, the table and both
sides (never the amounts): it is a bug, and the document is not written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .identities import CENT, check, check_weights

__all__ = ["check_proposal_numbers", "check_trades", "check_fees", "check_stress"]

#: trades under this many units of currency are not listed (documents' prepare step)
MIN_TRADE = 0.5


def check_trades(client: str, target: Mapping[str, float], current: Mapping[str, float],
                 trades: Mapping[str, float], rate: float, costs: Mapping[str, float] | None = None) -> None:
    """trade = target − current for every product (values in the base currency); cost = rate × |trade|."""
    for code in dict.fromkeys([*target, *current, *trades]):
        want = float(target.get(code, 0.0)) - float(current.get(code, 0.0))
        check(client, "trades", (f"{code}: trade", float(trades.get(code, 0.0))),
              ("target value − current value", want), MIN_TRADE + CENT)
        if costs is not None and code in trades:
            check(client, "trades", (f"{code}: cost", float(costs[code])),
                  ("rate × |trade|", rate * abs(float(trades[code]))), CENT)


def check_fees(client: str, rows: Iterable[Mapping[str, Any]], amount: float, total_rate: float,
               total_amount: float) -> None:
    """fee = rate × weight × amount per product; total = sum of fees = weighted rate × amount."""
    rows = list(rows)
    for r in rows:
        check(client, "fees", (f"{r['code']}: fee", float(r["amount"])),
              ("rate × amount invested", float(r["rate"]) * float(r["weight"]) * amount), CENT)
    n = max(len(rows), 1) * CENT
    check(client, "fees", ("total fee", total_amount), ("sum of fees", sum(float(r["amount"]) for r in rows)), n)
    check(client, "fees", ("total fee", total_amount), ("weighted rate × amount", total_rate * amount), n)


def check_stress(client: str, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """loss = return × value counted, for every row that has a return (``return``, ``pnl``, ``value_counted``)."""
    for r in rows:
        ret = float(r["return"])
        if ret != ret:  # no data at all in this window: nothing printed, nothing to reconcile
            continue
        check(client, table, (f"{r['scenario']}: loss", float(r["pnl"])),
              ("return × value counted", ret * float(r["value_counted"])), CENT)


def check_proposal_numbers(client: str, *, weights: Mapping[str, float], current_weights: Mapping[str, float],
                           target_values: Mapping[str, float], current_values: Mapping[str, float],
                           trades: Mapping[str, float], trade_rate: float, trade_costs: Mapping[str, float],
                           fees: Mapping[str, Any], amount: float,
                           stress: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
    """Every identity of the proposal (module docstring); the first that fails raises."""
    check_weights(client, "proposed weights", weights.values())
    check_weights(client, "current weights", current_weights.values(), empty_ok=True)
    check_trades(client, target_values, current_values, trades, trade_rate, trade_costs)
    check_fees(client, fees["rows"], amount, fees["total_rate"], fees["total_amount"])
    for table, rows in stress.items():
        check_stress(client, table, rows)
