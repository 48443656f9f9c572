"""Performance of real holdings from valuations and transactions: TWR and MWR, always labelled.

Conventions (state them with the numbers):

* ``valuations`` are account values at the end of a day, **including** that day's flows. ``flows`` has
  columns ``date``, ``amount`` (always positive) and ``kind``:

  - ``contribution``: money the client puts in (an external flow into the account);
  - ``withdrawal``: money the client takes out (an external flow out, including a full exit);
  - ``income``: dividends and coupons received into the account (already in the valuations; reported only);
  - ``fee``: fees charged to the account (already deducted in the valuations; reported only).

  Returns are therefore net of fees, and income counts as return.
* The period's table reconciles: ``opening + contributions − withdrawals + income − fees + market_gain =
  closing``. ``market_gain`` is what is left once the flows are taken out: price moves of the holdings (and FX),
  income and fees *not* included (they have their own lines); ``investment_gain`` = market gain + income − fees.
* The period is ``(start, end]``: the opening value is the valuation at ``start``; flows dated after ``start``
  up to and including ``end`` belong to the period. For *since inception* pass a ``start`` before the first
  valuation: the opening value is then 0 and the first deposit is a contribution.
* **Time-weighted return** (TWR) chain-links the sub-periods between consecutive valuation dates:
  ``r_k = (V_k - F_k) / V_{k-1} - 1`` with ``F_k`` the day's net external flow (contributions minus
  withdrawals). Every flow date needs a valuation (a true TWR; no Modified-Dietz approximation). Sub-periods
  with nothing invested (after a full exit, before inception) are skipped.
* **Money-weighted return** (MWR) is the XIRR: the annual rate ``r`` with
  ``-V_start - sum F_k (1+r)^{-t_k} + V_end (1+r)^{-T} = 0``, ``t`` in days / 365, solved with scipy's
  ``brentq``. The period MWR is ``(1 + r)^T - 1``.
* Following GIPS, returns for periods shorter than a year are **not annualized** (the ``*_annualized`` fields
  are ``None`` then).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..i18n import t

KINDS: tuple[str, ...] = ("contribution", "withdrawal", "income", "fee")
_EXTERNAL_SIGN = {"contribution": 1.0, "withdrawal": -1.0, "income": 0.0, "fee": 0.0}


@dataclass(frozen=True)
class Performance:
    start: pd.Timestamp
    end: pd.Timestamp
    days: int
    opening_value: float
    contributions: float
    withdrawals: float
    income: float
    fees: float
    market_gain: float  # closing - opening - contributions + withdrawals - income + fees (income and fees apart)
    closing_value: float
    twr: float  # time-weighted, for the period (not annualized)
    twr_annualized: float | None
    mwr: float  # money-weighted (XIRR), for the period
    mwr_annualized: float | None
    subperiods: pd.DataFrame  # date, value, flow, return: the chain of the TWR

    @property
    def investment_gain(self) -> float:
        """Market gain plus income less fees: closing − opening − contributions + withdrawals."""
        return self.market_gain + self.income - self.fees

    def summary(self, locale: str = "en") -> pd.Series:
        """The figures with their labels in ``locale`` (TWR and MWR always named as such)."""
        items = [
            ("opening_value", self.opening_value), ("contributions", self.contributions),
            ("withdrawals", self.withdrawals), ("income", self.income), ("fees", self.fees),
            ("market_gain", self.market_gain), ("closing_value", self.closing_value),
            ("twr", self.twr), ("twr_annualized", self.twr_annualized),
            ("mwr", self.mwr), ("mwr_annualized", self.mwr_annualized),
        ]
        return pd.Series({t(f"analytics.{k}", locale): (np.nan if v is None else v) for k, v in items},
                         dtype=float, name=f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}")


def _check_flows(flows: pd.DataFrame | None) -> pd.DataFrame:
    if flows is None or len(flows) == 0:
        return pd.DataFrame({"date": pd.to_datetime([]), "amount": np.array([], float), "kind": []})
    if not isinstance(flows, pd.DataFrame):
        raise InputError("flows", "", f"expected a DataFrame with date, amount, kind; got {type(flows).__name__}")
    for col in ("date", "amount", "kind"):
        if col not in flows.columns:
            raise InputError("flows", col, "column is missing")
    out = flows[["date", "amount", "kind"]].copy()
    out["date"] = pd.to_datetime(out["date"])
    out["amount"] = out["amount"].astype(float)
    for i, row in out.iterrows():
        if row["kind"] not in KINDS:
            raise InputError("flows", f"{i}.kind", f"unknown kind {row['kind']!r}; use one of {', '.join(KINDS)}")
        if not (np.isfinite(row["amount"]) and row["amount"] > 0):
            raise InputError("flows", f"{i}.amount",
                             f"amount {row['amount']} must be positive (the kind gives the direction)")
    return out


def xirr(dates, amounts) -> float:
    """Annual internal rate of return of dated cash flows (days / 365); NaN when there is no sign change."""
    from scipy.optimize import brentq

    d = pd.to_datetime(pd.Series(dates)).to_numpy()
    a = np.asarray(amounts, dtype=float)
    if not ((a > 0).any() and (a < 0).any()):
        return float("nan")
    years = (d - d.min()) / np.timedelta64(1, "D") / 365.0

    def npv(r: float) -> float:
        return float(np.sum(a * (1.0 + r) ** (-years)))

    lo, hi = -0.999999, 1.0
    f_lo = npv(lo)
    while npv(hi) * f_lo > 0 and hi < 1e6:
        hi *= 10.0
    if npv(hi) * f_lo > 0:
        return float("nan")
    return float(brentq(npv, lo, hi, xtol=1e-14, rtol=1e-12, maxiter=500))


def performance(valuations: pd.Series, flows: pd.DataFrame | None, start, end) -> Performance:
    """Opening and closing value, flows by kind, market gain, TWR and MWR over ``(start, end]``."""
    if not isinstance(valuations, pd.Series) or len(valuations) == 0:
        raise InputError("valuations", "", "expected a non-empty Series of account values by date")
    vals = valuations.copy()
    vals.index = pd.to_datetime(vals.index)
    vals = vals.astype(float)
    if not vals.index.is_unique:
        raise InputError("valuations", str(vals.index[vals.index.duplicated()][0].date()), "two values for one date")
    vals = vals.sort_index()
    if (vals < 0).any() or vals.isna().any():
        bad = vals[(vals < 0) | vals.isna()].index[0]
        raise InputError("valuations", str(bad.date()), "value must be a number, zero or more")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end <= start:
        raise InputError("performance", "end", f"end {end.date()} must be after start {start.date()}")
    fl = _check_flows(flows)

    if start in vals.index:
        opening = float(vals[start])
    elif start < vals.index[0] and not (fl["date"] <= start).any():
        opening = 0.0  # before inception
    else:
        raise InputError("valuations", str(start.date()), "no valuation on the start date")
    if end not in vals.index:
        raise InputError("valuations", str(end.date()), "no valuation on the end date")

    in_period = fl[(fl["date"] > start) & (fl["date"] <= end)]
    ext = in_period.assign(signed=in_period["amount"] * in_period["kind"].map(_EXTERNAL_SIGN))
    ext = ext[ext["signed"] != 0]
    net_by_day = ext.groupby("date")["signed"].sum()
    for day in net_by_day.index:
        if day not in vals.index:
            raise InputError("valuations", str(day.date()),
                             "no valuation on this flow date; a time-weighted return needs one")

    points = vals[(vals.index > start) & (vals.index <= end)]
    rows = []
    prev = opening
    growth = 1.0
    for day, v in points.items():
        f = float(net_by_day.get(day, 0.0))
        if prev > 0:
            r = (v - f) / prev - 1.0
            growth *= 1.0 + r
        elif abs(v - f) <= 1e-9 * max(1.0, abs(f)):
            r = float("nan")  # nothing invested in this sub-period
        else:
            raise InputError("valuations", str(day.date()),
                             f"value {v:,.2f} with nothing invested before and a net flow of {f:,.2f}")
        rows.append({"date": day, "value": float(v), "flow": f, "return": r})
        prev = float(v)
    sub = pd.DataFrame(rows, columns=["date", "value", "flow", "return"])

    closing = float(vals[end])
    sums = in_period.groupby("kind")["amount"].sum()
    contributions = float(sums.get("contribution", 0.0))
    withdrawals = float(sums.get("withdrawal", 0.0))
    days = int((end - start).days)
    twr = growth - 1.0
    income, fees = float(sums.get("income", 0.0)), float(sums.get("fee", 0.0))

    cf_dates = [start, *net_by_day.index, end]
    cf_amounts = [-opening, *(-net_by_day.to_numpy()), closing]
    rate = xirr(cf_dates, cf_amounts)
    mwr = (1.0 + rate) ** (days / 365.0) - 1.0 if np.isfinite(rate) else float("nan")
    long_enough = days >= 365
    return Performance(
        start=start, end=end, days=days, opening_value=opening, contributions=contributions,
        withdrawals=withdrawals, income=income, fees=fees,
        market_gain=closing - opening - contributions + withdrawals - income + fees, closing_value=closing,
        twr=twr, twr_annualized=(1.0 + twr) ** (365.0 / days) - 1.0 if long_enough else None,
        mwr=mwr, mwr_annualized=rate if long_enough else None, subperiods=sub,
    )
