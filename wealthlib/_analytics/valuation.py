"""How a review values the client's account (:func:`valuation`; the rules are stated in the module docstring
of :mod:`wealthlib.review` and in every review): holdings are values at the as-of date, rolled backwards with
the products' monthly returns and the recorded buys and sells; uninvested cash rolled forwards from the
transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from ..clients import Client

__all__ = ["CASH", "Valuation", "level_at", "levels", "valuation"]

#: The pseudo-code of uninvested cash in position tables.
CASH = "CASH"


def levels(returns: pd.DataFrame) -> pd.DataFrame:
    idx = (1.0 + returns.fillna(0.0)).cumprod()
    first = returns.index[0] - pd.offsets.MonthEnd(1)
    base = pd.DataFrame([[1.0] * returns.shape[1]], index=[first], columns=returns.columns)
    return pd.concat([base, idx])


def level_at(lv: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    """Product levels at any date: month-end values, geometric interpolation inside a month."""
    me = when + pd.offsets.MonthEnd(0)
    if me not in lv.index:
        raise InputError("market", str(when.date()), "no product returns for this month (data end "
                         f"{lv.index[-1].date()})")
    if when == me:
        return lv.loc[me]
    prev = me - pd.offsets.MonthEnd(1)
    if prev not in lv.index:
        raise InputError("market", str(when.date()), "no product returns before this date")
    frac = when.day / me.day
    return lv.loc[prev] * (lv.loc[me] / lv.loc[prev]) ** frac


@dataclass
class Valuation:
    """The account rolled over time (see the module docstring)."""

    values: pd.Series            # account value after the day's flows, by valuation date
    positions: pd.DataFrame      # value of each product (and CASH) after the day's flows
    flows: pd.DataFrame          # date, amount (> 0), kind (contribution/withdrawal/income/fee), note
    trades: pd.DataFrame         # date, product, buy (+) / sell (−) amount, income amount: per product
    implied: list[tuple[pd.Timestamp, str, str, float]]  # (date, kind, product or CASH, amount)
    opening_date: pd.Timestamp


def valuation(client: "Client", returns: pd.DataFrame, as_of: pd.Timestamp | date | str) -> Valuation:
    """Value the client's account at month ends and flow dates up to ``as_of`` (holdings = values at ``as_of``)."""
    as_of = pd.Timestamp(as_of)
    src = client.source or client.id
    txs = [tx for tx in client.transactions if pd.Timestamp(tx.date) <= as_of]
    holdings = client.holding_values()
    codes = sorted(set(holdings) | {tx.product for tx in txs if tx.product and tx.type in ("buy", "sell")})
    missing = [c for c in codes if c not in returns.columns]
    if missing:
        raise InputError(src, f"holdings.{missing[0]}", "no market returns for this product on the shelf")
    lv_all = levels(returns[codes] if codes else returns.iloc[:, :0])
    if txs:
        opening = pd.Timestamp(min(tx.date for tx in txs)) - pd.Timedelta(days=1)
    else:
        opening = pd.Timestamp(year=as_of.year - 1, month=12, day=31)
    month_ends = pd.date_range(opening + pd.offsets.MonthEnd(0), as_of, freq="ME")
    dates = sorted({opening, *month_ends, *(pd.Timestamp(tx.date) for tx in txs), as_of})
    dates = [d for d in dates if opening <= d <= as_of]
    lv = {d: level_at(lv_all, d) for d in dates} if codes else {d: pd.Series(dtype=float) for d in dates}

    net = {c: {d: 0.0 for d in dates} for c in codes}  # product buys (+) / sells (−) per date
    for tx in txs:
        if tx.type == "buy":
            net[tx.product][pd.Timestamp(tx.date)] += tx.amount
        elif tx.type == "sell":
            net[tx.product][pd.Timestamp(tx.date)] -= tx.amount

    implied: list[tuple[pd.Timestamp, str, str, float]] = []
    pos = pd.DataFrame(0.0, index=pd.DatetimeIndex(dates), columns=[*codes, CASH])
    for c in codes:  # backwards from the holding value at as_of
        v = float(holdings.get(c, 0.0))
        for k in range(len(dates) - 1, -1, -1):
            d = dates[k]
            pos.at[d, c] = v
            before = v - net[c][d]
            if abs(before) < 0.5:  # amounts are recorded to the cent: rounding, not a position
                before = 0.0
            if before < 0.0:
                implied.append((d, "withdrawal", c, -before))
                before = 0.0
            before = max(before, 0.0)
            if k > 0:
                g = float(lv[d][c] / lv[dates[k - 1]][c])
                v = before / g

    cash = 0.0
    flows = []
    by_day: dict[pd.Timestamp, list] = {}
    for tx in txs:
        by_day.setdefault(pd.Timestamp(tx.date), []).append(tx)
    for d in dates:
        for tx in by_day.get(d, []):
            kind = {"deposit": "contribution", "withdrawal": "withdrawal", "income": "income", "fee": "fee"}.get(tx.type)
            if kind:
                flows.append({"date": d, "amount": float(tx.amount), "kind": kind, "note": ""})
            sign = {"deposit": 1, "sell": 1, "income": 1, "buy": -1, "fee": -1, "withdrawal": -1}[tx.type]
            cash += sign * float(tx.amount)
        if cash < -1e-9:
            implied.append((d, "contribution", CASH, -cash))
            cash = 0.0
        pos.at[d, CASH] = cash
    for d, kind, code, amount in implied:
        if amount > 1e-9:
            flows.append({"date": d, "amount": float(amount), "kind": kind, "note": f"implied:{code}"})
    flows_df = pd.DataFrame(flows, columns=["date", "amount", "kind", "note"])
    if len(flows_df):
        flows_df = flows_df.sort_values("date", kind="stable").reset_index(drop=True)
    trades = pd.DataFrame(
        [{"date": pd.Timestamp(tx.date), "product": tx.product,
          "net": tx.amount if tx.type == "buy" else -tx.amount if tx.type == "sell" else 0.0,
          "income": tx.amount if tx.type == "income" else 0.0}
         for tx in txs if tx.product],
        columns=["date", "product", "net", "income"],
    )
    pos = pos.round(2)  # to the cent, as amounts are recorded
    values = pos.sum(axis=1).round(2)
    return Valuation(values=values, positions=pos, flows=flows_df, trades=trades, implied=implied,
                     opening_date=opening)
