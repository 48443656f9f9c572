"""Attribution of a review period's result by holding (and so by asset class).

For each product over ``(start, end]``: market gain = closing − opening − net purchases (buys − sells) + any
implied withdrawal of the position (a holding worth less than its recorded purchases imply, see
:func:`wealthlib.review.valuation`); income = the income recorded against it. Account fees are one row of their
own (code ``FEES``). Uninvested cash earns nothing: it has a row (``CASH``) only for income recorded without a
product. So the columns add up to the performance
table: Σ market gain = its market gain, Σ income = its income, Σ fees = its fees.

Contribution = (market gain + income − fees) ÷ the Modified-Dietz capital of the period (opening value plus the
external flows weighted by the share of the period they were invested): the contributions add up to the
period's Modified-Dietz return, which is stated as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["attribution"]

CASH = "CASH"


def _dietz_capital(opening: float, flows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    days = max((end - start).days, 1)
    ext = flows[flows["kind"].isin(["contribution", "withdrawal"])]
    return opening + float(sum((a if k == "contribution" else -a) * (end - d).days / days
                               for d, a, k in zip(ext["date"], ext["amount"], ext["kind"])))


def attribution(val, perf, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """code, opening, closing, net_flows, gain, income, fees, contribution (module docstring); ``val`` is a
    :class:`wealthlib.review.Valuation`, ``perf`` the period's :class:`~wealthlib.analytics.Performance`."""
    qs = max(start, val.opening_date)
    pos = val.positions
    open_pos = pos.loc[qs] if qs in pos.index else pos.iloc[0] * 0.0
    cur = pos.loc[end]
    trades = val.trades[(val.trades["date"] > qs) & (val.trades["date"] <= end)]
    flows = val.flows[(val.flows["date"] > qs) & (val.flows["date"] <= end)]
    rows = []
    for code in [c for c in pos.columns if c != CASH]:
        o, c_ = float(open_pos.get(code, 0.0)), float(cur.get(code, 0.0))
        tr = trades[trades["product"] == code]
        net, inc = float(tr["net"].sum()), float(tr["income"].sum())
        deficit = sum(a for d, k, p, a in val.implied if p == code and k == "withdrawal" and qs < d <= end)
        gain = c_ - o - net + deficit
        if max(abs(o), abs(c_), abs(gain), abs(inc)) < 1e-9:
            continue
        rows.append({"code": code, "opening": o, "closing": c_, "net_flows": net, "gain": gain, "income": inc,
                     "fees": 0.0})
    unattributed = float(perf.income) - sum(r["income"] for r in rows)
    if abs(unattributed) > 0.005:  # income recorded without a product (interest on cash): on the cash row
        rows.append({"code": CASH, "opening": 0.0, "closing": 0.0, "net_flows": 0.0, "gain": 0.0,
                     "income": unattributed, "fees": 0.0})
    rows.append({"code": "FEES", "opening": 0.0, "closing": 0.0, "net_flows": 0.0, "gain": 0.0, "income": 0.0,
                 "fees": float(perf.fees)})
    out = pd.DataFrame(rows)
    capital = _dietz_capital(perf.opening_value, flows, qs, end)
    result = out["gain"] + out["income"] - out["fees"]
    out["contribution"] = result / capital if capital > 0 else np.nan
    return out
