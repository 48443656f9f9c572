"""The quarter's numbers a review shows beside its performance (:func:`wealthlib.review.build_review`): the
market recap of the shelf, the benchmark's return over each period, the account's realized risk and the stress
scenarios on its current holdings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .valuation import CASH, level_at, levels

__all__ = ["market_recap", "performance_by_period", "period_benchmark", "realized_risk", "current_stress"]


def market_recap(ctx: Any, start: pd.Timestamp, end: pd.Timestamp, ytd_start: pd.Timestamp) -> pd.DataFrame:
    """code, asset_class, type, quarter and year-to-date return of every product of the shelf, by the policy's
    asset-class order."""
    lv = levels(ctx.returns)
    lq, ls, ly = lv.loc[end], lv.loc[start], lv.loc[ytd_start]
    order = {c: i for i, c in enumerate(ctx.policy.asset_classes)}
    market = pd.DataFrame([{"code": p.code, "asset_class": p.asset_class, "type": p.type, "quarter": lq[p.code] / ls[p.code] - 1,
                            "ytd": lq[p.code] / ly[p.code] - 1} for p in ctx.shelf])
    return market.sort_values("asset_class", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def period_benchmark(bench_levels: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """The benchmark's return over ``(start, end]`` from its levels (interpolated inside a month)."""
    frame = bench_levels.to_frame("b")
    return float(level_at(frame, end)["b"] / level_at(frame, start)["b"] - 1.0)


def performance_by_period(val: Any, returns: pd.DataFrame, target: pd.Series, starts: dict[str, pd.Timestamp],
                          end: pd.Timestamp) -> tuple[dict[str, Any], dict[str, float]]:
    """The account's performance (:func:`wealthlib.analytics.performance`) and the benchmark's return — the
    target at constant weights, rebalanced monthly — over each period of ``starts`` and since inception, to
    ``end``. A period starting before inception starts at it when the account held something then (else with
    an opening value of 0)."""
    from ..analytics import performance

    flows = val.flows[["date", "amount", "kind"]].astype({"kind": object})
    bench_levels = pd.concat([pd.Series([1.0], index=[returns.index[0] - pd.offsets.MonthEnd(1)]),
                              (1.0 + returns[target.index] @ target).cumprod()])
    perf, bench = {}, {}
    for key, s in {**starts, "inception": val.opening_date}.items():
        if s < val.opening_date and float(val.values.iloc[0]) > 0:
            s = val.opening_date
        perf[key] = performance(val.values, flows, s, end)
        bench[key] = period_benchmark(bench_levels, max(s, val.opening_date), end)
    return perf, bench


def realized_risk(inception: Any, weights: pd.Series) -> dict[str, Any]:
    """Volatility of the month-end time-weighted returns since inception (annualized), maximum drawdown,
    the largest position and the concentration (Herfindahl index of the weights, cash included)."""
    sub = inception.subperiods.dropna(subset=["return"])
    idx = (1.0 + sub.set_index("date")["return"]).cumprod()
    monthly = idx[idx.index.is_month_end].pct_change().dropna()
    vol = float(monthly.std(ddof=1) * np.sqrt(12)) if len(monthly) > 1 else float("nan")
    dd = float((idx / idx.cummax() - 1.0).min()) if len(idx) else float("nan")
    prod_w = weights.drop(CASH, errors="ignore")
    largest = prod_w.idxmax() if len(prod_w) else CASH
    return {"volatility": vol, "max_drawdown": dd, "largest_weight": float(weights.get(largest, 0.0)),
            "hhi": float((weights ** 2).sum()), "largest_code": largest, "months": int(len(monthly))}


def current_stress(ctx: Any, weights: pd.Series, closing: float, locale: str) -> pd.DataFrame:
    """The stress scenarios on the current holdings, as shares of the whole account. Uninvested cash is held in
    the base currency and earns nothing: no market or FX move (it is left out of the stressed products and its
    value kept whole)."""
    from ..analytics import stress

    w = weights.drop(CASH, errors="ignore")
    w = w[w > 0]
    if not len(w):
        return pd.DataFrame(columns=["name", "return", "pnl"])
    invested = float(w.sum())
    st = stress(ctx.returns, w / invested, value=closing * invested, locale=locale)
    st["return"] = st["return"] * invested  # as a share of the whole account, cash included
    return st[st["covered"]].reset_index(drop=True)
