"""Risk and return metrics, computed by quantstats (not re-implemented here).

quantstats imports pyplot and seaborn and rewrites matplotlib's global ``rcParams`` on import. We import it
lazily, on the first metrics call, and put every rcParam back the way it was, so our charts' house style (and
anybody else's) is unaffected.

Conventions: ``returns`` are simple returns per period (monthly by default). ``rf`` is either an annual rate
(a float, converted to a per-period rate ``(1+rf)**(1/periods_per_year) - 1``) or a Series of per-period
risk-free returns aligned by date (e.g. the monthly T-bill return). Excess returns are formed here and
quantstats is called with ``rf=0``, so both forms mean the same thing in every ratio. ``cagr``, drawdowns,
best/worst and VaR are on total (not excess) returns.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pandas as pd

from ..errors import InputError

_lock = threading.Lock()
_qs_stats = None

#: the metrics returned, in order; labels live in ``wealthlib/data/i18n/analytics.yaml`` under ``metric_<key>``
METRIC_KEYS: tuple[str, ...] = (
    "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "var_95", "cvar_95",
    "best_month", "worst_month", "best_year", "worst_year",
)


def quantstats_stats():
    """``quantstats.stats``, imported once with matplotlib's rcParams restored afterwards."""
    global _qs_stats
    if _qs_stats is None:
        with _lock:
            if _qs_stats is None:
                import matplotlib

                saved = {k: v for k, v in matplotlib.rcParams.items()}
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        import quantstats.stats as stats
                finally:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        dict.update(matplotlib.rcParams, saved)
                _qs_stats = stats
    return _qs_stats


def _per_period_rf(rf, index: pd.DatetimeIndex, periods_per_year: int) -> pd.Series:
    if isinstance(rf, pd.Series):
        aligned = rf.reindex(index)
        if aligned.isna().any():
            day = aligned[aligned.isna()].index[0]
            raise InputError("rf", str(day.date()), "no risk-free return for this date")
        return aligned.astype(float)
    rate = float(rf)
    return pd.Series((1.0 + rate) ** (1.0 / periods_per_year) - 1.0, index=index)


def metrics(returns: pd.Series, rf: pd.Series | float = 0.0, periods_per_year: int = 12) -> pd.Series:
    """CAGR, volatility, Sharpe, Sortino, max drawdown, Calmar, VaR/CVaR (95%, parametric, per period), and
    best/worst period and calendar year (compounded; a partial first or last year counts as it stands).

    ``best_month``/``worst_month`` are the best and worst single periods (months for monthly data).
    """
    if not isinstance(returns, pd.Series):
        raise InputError("returns", "", f"expected a Series of periodic returns, got {type(returns).__name__}")
    r = returns.dropna().astype(float)
    if len(r) < 2:
        raise InputError("returns", "", "need at least two returns to compute metrics")
    qs = quantstats_stats()
    excess = r - _per_period_rf(rf, r.index, periods_per_year)
    p = periods_per_year
    out = {
        "cagr": qs.cagr(r, periods=p),
        "volatility": qs.volatility(r, periods=p),
        "sharpe": qs.sharpe(excess, rf=0.0, periods=p),
        "sortino": qs.sortino(excess, rf=0.0, periods=p),
        "max_drawdown": qs.max_drawdown(r),
        "calmar": qs.calmar(r, periods=p),
        "var_95": qs.value_at_risk(r, confidence=0.95),
        "cvar_95": qs.conditional_value_at_risk(r, confidence=0.95),
        "best_month": qs.best(r),
        "worst_month": qs.worst(r),
        "best_year": qs.best(r, aggregate="year"),
        "worst_year": qs.worst(r, aggregate="year"),
    }
    return pd.Series({k: float(np.asarray(v)) for k, v in out.items()}, name=returns.name, dtype=float)
