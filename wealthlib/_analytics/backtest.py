"""Historical backtest of a target allocation with rebalancing, transaction costs and product fees.

The rules, stated once (they are printed in documents through :meth:`BacktestResult.note`):

* **Common start.** A backtest runs only over the months where *every* held product has a return; the start
  is the latest first observation among them (``BacktestResult.start``; ``limited_by`` names the products
  whose shorter history set it). No proxy is spliced in and no gap is filled: a gap inside the window is an
  error.
* **Timing.** ``returns`` are simple returns per period, dated at the period end. The portfolio starts at the
  target weights one period before ``start`` (no purchase cost: the starting portfolio is taken as held).
* **Fees** are annual rates charged pro rata each period (``fee / periods_per_year`` of each holding's value
  after the period's return), deducted from the holding.
* **Rebalancing** happens at period ends after fees: ``monthly`` every period, ``quarterly`` at calendar
  quarter ends (Mar, Jun, Sep, Dec), ``annual`` at December, ``none`` never (buy and hold), ``bands`` when a
  weight has drifted from its target by more than ``band`` (absolute) — for targets of ``band`` or less the
  threshold is half the target weight (DOMAIN.md §5 practice: ±3 points, or ±½ of the weight for positions
  of 3% or less).
* **Costs** are ``cost_rate`` times the traded amount (buys plus sells), paid out of the portfolio; the
  post-trade value ``V'`` solves ``V' = V - cost_rate * sum|w V' - h|`` exactly. **Turnover** is one-sided:
  ``sum|trades| / 2 / V``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..i18n import join_terms, t
from ._common import check_fees, check_weights, common_window, period_before

Rebalance = Literal["monthly", "quarterly", "annual", "bands", "none"]
REBALANCE_RULES: tuple[str, ...] = ("monthly", "quarterly", "annual", "bands", "none")


@dataclass(frozen=True)
class BacktestResult:
    """One portfolio's simulated history. All Series share the value path's dates.

    ``value`` starts with ``initial`` one period before ``start``; ``returns`` are the portfolio's net returns
    (after fees and costs) from ``start``; ``weights`` are end-of-period weights after any rebalancing;
    ``turnover`` (one-sided fraction), ``costs`` and ``fees`` (currency) are per period.
    """

    value: pd.Series
    returns: pd.Series
    weights: pd.DataFrame
    turnover: pd.Series
    costs: pd.Series
    fees: pd.Series
    rebalance_dates: pd.DatetimeIndex
    start: pd.Timestamp
    end: pd.Timestamp
    rebalance: str
    band: float
    cost_rate: float
    target: pd.Series
    limited_by: tuple[str, ...] = ()

    @property
    def total_costs(self) -> float:
        return float(self.costs.sum())

    @property
    def total_fees(self) -> float:
        return float(self.fees.sum())

    @property
    def final_value(self) -> float:
        return float(self.value.iloc[-1])

    def note(self, locale: str = "en") -> str:
        """The common-start rule as applied here, in words for a document."""
        if self.limited_by:
            return t("analytics.note_common_start_limited", locale, start=f"{self.start:%Y-%m}",
                     end=f"{self.end:%Y-%m}", products=join_terms(self.limited_by, locale))
        return t("analytics.note_common_start", locale, start=f"{self.start:%Y-%m}", end=f"{self.end:%Y-%m}")


def _due(rule: str, date: pd.Timestamp) -> bool:
    if rule == "monthly":
        return True
    if rule == "quarterly":
        return date.month in (3, 6, 9, 12)
    if rule == "annual":
        return date.month == 12
    return False


def _post_trade_value(v: float, h: np.ndarray, target: np.ndarray, cost_rate: float) -> float:
    """Solve ``V' = V - c * sum|target V' - h|`` (a contraction for c < 1)."""
    vp = v
    for _ in range(200):
        new = v - cost_rate * float(np.abs(target * vp - h).sum())
        if abs(new - vp) <= 1e-13 * max(1.0, abs(v)):
            return new
        vp = new
    return vp


def _simulate(frame: pd.DataFrame, full_index: pd.DatetimeIndex, target: pd.Series, rebalance: str,
              band: float, cost_rate: float, fee_rates: np.ndarray, initial: float, periods_per_year: int,
              limited_by: tuple[str, ...]) -> BacktestResult:
    codes = list(target.index)
    tw = target.to_numpy(dtype=float)
    r = frame.to_numpy(dtype=float)
    n = len(frame)
    thresholds = np.where(tw > band, band, tw / 2.0)
    per_fee = fee_rates / periods_per_year

    values = np.empty(n + 1)
    weights = np.empty((n + 1, len(codes)))
    turnover = np.zeros(n + 1)
    costs = np.zeros(n + 1)
    fees = np.zeros(n + 1)
    rebalanced = []
    h = initial * tw
    values[0] = initial
    weights[0] = tw
    dates = frame.index
    for i in range(n):
        h = h * (1.0 + r[i])
        fee = h * per_fee
        h = h - fee
        fees[i + 1] = fee.sum()
        v = float(h.sum())
        if v > 0:
            drift = h / v
            if rebalance == "bands":
                due = bool((np.abs(drift - tw) > thresholds + 1e-12).any())
            else:
                due = _due(rebalance, dates[i])
            if due:
                vp = _post_trade_value(v, h, tw, cost_rate)
                traded = float(np.abs(tw * vp - h).sum())
                turnover[i + 1] = traded / 2.0 / v
                costs[i + 1] = v - vp
                h = tw * vp
                v = vp
                rebalanced.append(dates[i])
            weights[i + 1] = h / v
        else:
            weights[i + 1] = 0.0
        values[i + 1] = v

    idx = pd.DatetimeIndex([period_before(dates, dates[0], full_index), *dates])
    value = pd.Series(values, index=idx, name="value")
    rets = value.pct_change().iloc[1:].rename("return")
    return BacktestResult(
        value=value,
        returns=rets,
        weights=pd.DataFrame(weights, index=idx, columns=codes),
        turnover=pd.Series(turnover, index=idx, name="turnover"),
        costs=pd.Series(costs, index=idx, name="costs"),
        fees=pd.Series(fees, index=idx, name="fees"),
        rebalance_dates=pd.DatetimeIndex(rebalanced),
        start=dates[0],
        end=dates[-1],
        rebalance=rebalance,
        band=band,
        cost_rate=cost_rate,
        target=target.copy(),
        limited_by=limited_by,
    )


def _check_args(rebalance: str, band: float, cost_rate: float, initial: float) -> None:
    if rebalance not in REBALANCE_RULES:
        raise InputError("backtest", "rebalance", f"unknown rule {rebalance!r}; use one of {', '.join(REBALANCE_RULES)}")
    if not 0 < band < 1:
        raise InputError("backtest", "band", f"band {band} must be a fraction between 0 and 1, e.g. 0.03")
    if not 0 <= cost_rate < 1:
        raise InputError("backtest", "cost_rate", f"cost rate {cost_rate} must be a fraction in [0, 1)")
    if not initial > 0:
        raise InputError("backtest", "initial", f"initial value {initial} must be positive")


def backtest(
    returns: pd.DataFrame,
    weights: pd.Series | Mapping[str, float],
    rebalance: Rebalance = "quarterly",
    band: float = 0.03,
    cost_rate: float = 0.0,
    fees: pd.Series | Mapping[str, float] | None = None,
    initial: float = 1.0,
    start=None,
    end=None,
    periods_per_year: int = 12,
) -> BacktestResult:
    """Backtest target ``weights`` on historical ``returns`` (see the module docstring for every rule)."""
    _check_args(rebalance, band, cost_rate, initial)
    target = check_weights(weights)
    codes = list(target.index)
    frame, limited = common_window(returns, codes, start, end)
    fee_rates = check_fees(fees, codes)
    return _simulate(frame, returns.index, target, rebalance, band, cost_rate, fee_rates, initial,
                     periods_per_year, limited)


@dataclass(frozen=True)
class Comparison:
    """Backtests of several portfolios over one common window (``start`` … ``end``)."""

    results: dict[str, BacktestResult]
    start: pd.Timestamp
    end: pd.Timestamp
    limited_by: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def values(self) -> pd.DataFrame:
        return pd.DataFrame({k: r.value for k, r in self.results.items()})

    @property
    def returns(self) -> pd.DataFrame:
        return pd.DataFrame({k: r.returns for k, r in self.results.items()})

    def metrics(self, rf=0.0, periods_per_year: int = 12) -> pd.DataFrame:
        from .metrics import metrics

        return pd.DataFrame({k: metrics(r.returns, rf=rf, periods_per_year=periods_per_year)
                             for k, r in self.results.items()})

    def note(self, locale: str = "en") -> str:
        return next(iter(self.results.values())).note(locale)


def compare(
    returns: pd.DataFrame,
    proposed: pd.Series | Mapping[str, float],
    current: pd.Series | Mapping[str, float] | None = None,
    benchmark: pd.Series | Mapping[str, float] | None = None,
    *,
    rebalance: Rebalance = "quarterly",
    band: float = 0.03,
    cost_rate: float = 0.0,
    fees: pd.Series | Mapping[str, float] | None = None,
    initial: float = 1.0,
    start=None,
    end=None,
    benchmark_rebalance: Rebalance = "monthly",
    periods_per_year: int = 12,
) -> Comparison:
    """Proposed vs current vs benchmark over the *same* window (common start over all their products).

    Proposed and current get the same rebalancing rule, costs and fees; the benchmark is an index: rebalanced
    ``benchmark_rebalance`` (monthly by default), with no fees and no costs.
    """
    _check_args(rebalance, band, cost_rate, initial)
    _check_args(benchmark_rebalance, band, cost_rate, initial)
    named = {"proposed": check_weights(proposed, "proposed")}
    if current is not None:
        named["current"] = check_weights(current, "current")
    if benchmark is not None:
        named["benchmark"] = check_weights(benchmark, "benchmark")
    codes = list(dict.fromkeys(c for w in named.values() for c in w.index))
    window, limited = common_window(returns, codes, start, end)
    results = {}
    for name, w in named.items():
        frame = window[list(w.index)]
        if name == "benchmark":
            results[name] = _simulate(frame, returns.index, w, benchmark_rebalance, band, 0.0,
                                      np.zeros(len(w)), initial, periods_per_year, limited)
        else:
            results[name] = _simulate(frame, returns.index, w, rebalance, band, cost_rate,
                                      check_fees(fees, list(w.index)), initial, periods_per_year, limited)
    return Comparison(results=results, start=window.index[0], end=window.index[-1], limited_by=limited)
