"""The worst calendar year and the worst 12 months of a portfolio over its own available history.

A proposal's expected range ("expected return ± two volatilities") is a normal approximation; beside it a
document states what the portfolio's own products actually did at their worst:

* **Own available history**: the months where every product *of this portfolio* (not of the whole shelf)
  has a return — the common-start rule of :func:`~wealthlib._analytics._common.common_window` applied to the
  portfolio's codes only. Pass returns with NaN where a product (or its exchange rate) has no data; the window
  and the products that set its start are reported.
* **Portfolio return**: rebalanced monthly to the weights, ``r_t = Σ_i w_i r_it``, net of each product's
  annual fee when ``fees`` are given (``(1 + r)(1 − fee)^(1/12) − 1`` per month, as the backtest charges).
* **Worst calendar year**: the lowest compounded return of a *complete* calendar year (12 monthly returns,
  January–December) inside the window; a partial first or last year is not a calendar year and is left out.
* **Worst 12 months**: the lowest compounded return over any 12 consecutive months (rolling, by month end),
  which is never better than the worst calendar year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ._common import check_fees, check_weights, common_window

PERIODS = 12


@dataclass(frozen=True)
class Downside:
    """Worst outcomes of one portfolio; returns are fractions (−0.289 = −28.9%), dates month ends."""

    start: pd.Timestamp  # first month-end return of the window
    end: pd.Timestamp
    months: int
    limited_by: tuple[str, ...]  # products whose history set the start (empty: all reach as far back)
    worst_year: float  # NaN when the window holds no complete calendar year
    worst_year_label: int | None
    worst_12m: float  # NaN when the window is shorter than 12 months
    worst_12m_end: pd.Timestamp | None  # the last month of the worst 12

    @property
    def worst_12m_start(self) -> pd.Timestamp | None:
        """The first month of the worst 12 (its month end)."""
        return None if self.worst_12m_end is None else self.worst_12m_end - pd.offsets.MonthEnd(PERIODS - 1)


def portfolio_returns(returns: pd.DataFrame, weights: pd.Series | Mapping[str, float],
                      fees: Mapping[str, float] | pd.Series | None = None) -> tuple[pd.Series, tuple[str, ...]]:
    """Monthly-rebalanced portfolio returns over the portfolio's own common window, and who set its start."""
    w = check_weights(weights)
    codes = list(w.index)
    frame, limited = common_window(returns, codes)
    if fees is not None:
        f = check_fees(fees, codes)
        frame = (1.0 + frame) * (1.0 - f) ** (1.0 / PERIODS) - 1.0
    return (frame @ w.reindex(codes)).rename("portfolio"), limited


def downside(returns: pd.DataFrame, weights: pd.Series | Mapping[str, float],
             fees: Mapping[str, float] | pd.Series | None = None) -> Downside:
    """The worst calendar year and worst 12 months of ``weights`` over its own available history (see module)."""
    r, limited = portfolio_returns(returns, weights, fees)
    if not isinstance(r.index, pd.DatetimeIndex) or len(r) < 2:
        raise InputError("returns", "", "need at least two monthly returns for the worst periods")
    growth = 1.0 + r
    rolling = growth.rolling(PERIODS).apply(np.prod, raw=True) - 1.0
    worst_12m = float(rolling.min()) if rolling.notna().any() else float("nan")
    worst_12m_end = rolling.idxmin() if rolling.notna().any() else None
    by_year = growth.groupby(r.index.year)
    full = by_year.count() == PERIODS
    years = (by_year.prod() - 1.0)[full]
    worst_year = float(years.min()) if len(years) else float("nan")
    label = int(years.idxmin()) if len(years) else None
    return Downside(start=r.index[0], end=r.index[-1], months=len(r), limited_by=limited, worst_year=worst_year,
                    worst_year_label=label, worst_12m=worst_12m, worst_12m_end=worst_12m_end)


def downside_panel(base: pd.DataFrame, local: pd.DataFrame, portfolios: Mapping[str, pd.Series], *, value: float,
                   fees: Mapping[str, float] | pd.Series | None, durations: Mapping[str, float | None],
                   currencies: Mapping[str, str], base_currency: str, locale: str = "en") -> dict[str, dict]:
    """For each named portfolio: its :class:`Downside`, its historical stress rows (each window on its own
    history: products without data named, the rest counted; a window before an exchange rate's data replayed
    in the products' own currencies, ``local``) and its rate and currency shocks — everything on ``value``.

    ``base`` / ``local``: monthly returns of every product in the base currency and in its own, NaN where there
    is no data (:meth:`wealthlib.context.Context.history`). Windows ending after ``base``'s last month are left
    out (the data cannot reach them)."""
    from .stress import scenarios, shocks, stress

    last = base.index[-1]
    chosen = [s for s in scenarios() if s.end <= last]
    out = {}
    for name, w in portfolios.items():
        out[name] = {
            "downside": downside(base, w, fees),
            "stress": stress(base, w, chosen, value=value, locale=locale, partial=True, fallback=local),
            "shocks": shocks(w, durations, currencies, base_currency, value=value, locale=locale),
        }
    return out
