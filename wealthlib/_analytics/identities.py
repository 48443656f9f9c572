"""The identities a document's tables must satisfy, checked when the document is built.

A failed identity is a bug in the program, not something to print: :func:`check` raises
:class:`IdentityError` naming the client, the table and the two sides of the identity (not their amounts:
client data stays out of messages), and the document stops.

The review's identities (:func:`check_review_numbers`):

* performance: opening + contributions − withdrawals + income − fees + market gain = closing;
* attribution: the holdings' market gains add up to the performance table's market gain, income and fees to
  theirs;
* weights: current weights (products and uninvested cash) and target weights each sum to 100%;
* drift: current − target = drift, for every row;
* trades: for every trade not scaled down for want of cash, weight change = target − current and amount =
  weight change × closing value; a scaled buy is that times its scale;
* fees: cost = rate × |amount| for every trade;
* stress: loss amount = loss % (of the whole account, cash kept whole) × closing value.

Amounts are to the cent; the tolerance is one cent per term (a table of seven terms may be 7 cents off from
rounding each position to the cent, never more). Weights: 1e-9.
"""

from __future__ import annotations

from typing import Iterable

from ..errors import WealthError

__all__ = ["IdentityError", "check", "check_review_numbers"]

CENT = 0.01
WEIGHT_TOL = 1e-9


class IdentityError(WealthError):
    """A table of a document does not reconcile (``<client>: <table>: <left> = … ≠ <right> = …``)."""


def check(client: str, table: str, left: tuple[str, float], right: tuple[str, float], tol: float) -> None:
    """Raise :class:`IdentityError` unless ``left`` and ``right`` (label, value) agree within ``tol``.

    The message names the client file, the table and both sides, and says how far apart they are as a share of
    the larger side: never the amounts themselves (client data stays out of messages, logs and manifests)."""
    (ln, lv), (rn, rv) = left, right
    if not abs(float(lv) - float(rv)) <= tol:
        scale = max(abs(float(lv)), abs(float(rv)), 1e-12)
        raise IdentityError(f"{client}: {table}: {ln} ≠ {rn} (apart by {abs(lv - rv) / scale:.4%} of the larger "
                            "side; a bug, not a figure to print)")


def _sum(values: Iterable[float]) -> float:
    return float(sum(float(v) for v in values))


def check_performance(client: str, p) -> None:
    """opening + contributions − withdrawals + income − fees + market gain = closing."""
    left = p.opening_value + p.contributions - p.withdrawals + p.income - p.fees + p.market_gain
    check(client, "performance", ("opening + contributions − withdrawals + income − fees + market gain", left),
          ("closing", p.closing_value), 7 * CENT)


def check_attribution(client: str, attribution, p) -> None:
    """The attribution's columns add up to the performance table's market gain, income and fees."""
    n = max(len(attribution), 1) * CENT
    check(client, "attribution", ("sum of market gains", _sum(attribution["gain"])), ("market gain", p.market_gain), n + 7 * CENT)
    check(client, "attribution", ("sum of income", _sum(attribution["income"])), ("income", p.income), n)
    check(client, "attribution", ("sum of fees", _sum(attribution["fees"])), ("fees", p.fees), n)


def check_weights(client: str, table: str, weights, *, empty_ok: bool = False) -> None:
    """Weights sum to 100% (an empty account has no weights: allowed when ``empty_ok``)."""
    total = _sum(weights)
    if empty_ok and abs(total) <= WEIGHT_TOL:
        return
    check(client, table, ("sum of weights", total), ("100%", 1.0), WEIGHT_TOL * max(len(weights), 1))


def check_drift(client: str, drift) -> None:
    for row in drift.itertuples():
        check(client, "drift", (f"{row.code}: current − target", row.current - row.target), ("drift", row.drift),
              WEIGHT_TOL)


def check_trades(client: str, trades, drift, closing: float, rate: float) -> None:
    """Each trade is target − current (times its scale) and its cost is rate × amount."""
    d = drift.set_index("code")
    for row in trades.itertuples():
        want = (float(d.at[row.code, "target"]) - float(d.at[row.code, "current"])) * float(row.scale)
        check(client, "rebalancing", (f"{row.code}: weight change", row.weight_change),
              ("(target − current) × scale", want), WEIGHT_TOL)
        check(client, "rebalancing", (f"{row.code}: amount", row.amount), ("weight change × closing",
              row.weight_change * closing), CENT)
        check(client, "rebalancing", (f"{row.code}: cost", row.cost), ("rate × |amount|", rate * abs(row.amount)),
              CENT)


def check_stress(client: str, stress, closing: float) -> None:
    """Each scenario's loss amount = its loss (a share of the whole account) × the account's value."""
    for name, share, pnl in zip(stress["name"], stress["return"], stress["pnl"]):
        check(client, "stress", (f"{name}: loss amount", pnl), ("loss % × value", share * closing), CENT)


def check_review_numbers(client: str, *, performance, attribution, weights, target, drift, trades,
                         closing: float, cost_rate: float, stress=None) -> None:
    """Every identity of the quarterly review (module docstring); the first that fails raises."""
    for p in performance.values():
        check_performance(client, p)
    check_attribution(client, attribution, performance["quarter"])
    check_weights(client, "current weights", weights, empty_ok=True)
    check_weights(client, "target weights", target)
    check_drift(client, drift)
    check_trades(client, trades, drift, closing, cost_rate)
    if stress is not None:
        check_stress(client, stress, closing)


def check_book_numbers(scope: str, *, clients, aum_change, acceptance) -> None:
    """The relationship report's identities: per currency, implied opening + change = closing and net new money
    = deposits − withdrawals, the currencies' client counts add up to the book's; per advisor, proposals made =
    accepted + declined + pending."""
    for row in aum_change.itertuples():
        n = max(int(row.clients), 1) * CENT
        check(scope, "AUM change", (f"{row.currency}: opening + change", row.opening + row.change),
              ("closing", row.closing), n)
        check(scope, "AUM change", (f"{row.currency}: net new money", row.net_new_money),
              ("deposits − withdrawals", row.deposits - row.withdrawals), n)
    if len(aum_change):
        check(scope, "AUM change", ("clients by currency", _sum(aum_change["clients"])), ("clients", len(clients)), 0)
    for row in acceptance.itertuples():
        check(scope, "acceptance", (f"{row.advisor}: proposals made", row.proposals),
              ("accepted + declined + pending", row.accepted + row.declined + row.pending), 0)
