"""Monte Carlo projection of a portfolio towards a client's goals.

Model, stated once (``Projection.assumptions`` carries the numbers for the document):

* The portfolio is held at constant ``weights`` (rebalanced monthly); its historical monthly return is
  ``sum_i w_i r_it`` over the common window of its products, less ``fees / 12`` when fees are given.
* ``method="bootstrap"``: a circular block bootstrap of those historical months — blocks of ``block``
  consecutive months, starting at uniformly drawn months (wrapping round the end), are concatenated until the
  horizon is filled. Blocks keep the months' serial dependence (momentum, volatility clusters).
  ``method="normal"``: independent normal monthly returns with the history's mean and standard deviation.
* ``inflation`` (a Series of monthly inflation rates dated like ``returns``, e.g. CPI month-on-month, or a
  float annual rate) turns everything into today's money: the history is deflated month by month,
  ``(1 + r) / (1 + pi) - 1``, before it is resampled, so the bootstrap keeps returns and inflation together.
  Contributions and goal amounts are then read as today's money.
* ``contributions`` are per year (a number, or one number per year of the horizon); negative means
  withdrawals. Each year's amount is paid in twelve equal parts at the month ends. A path whose value would
  fall below zero is depleted and stays at zero.
* A goal ``(name, amount, years)`` is *reached* on a path when its value at the end of year ``years`` is at
  least ``amount``. A goal is a target, not a withdrawal (model spending as a negative contribution).
  ``shortfall`` is the median of ``amount - value`` over the paths that miss it.
* Same ``seed`` → identical numbers; a different seed gives different paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ._common import check_fees, check_weights, common_window

PERCENTILES: tuple[int, ...] = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class Projection:
    """``fan``: value percentiles (columns 5, 25, 50, 75, 95) by year 0…horizon; ``goals``: one row per goal
    with ``amount``, ``years``, ``probability``, ``shortfall`` (median when missed; NaN when never missed);
    ``paths``: year-end values, shape (n_paths, horizon + 1); ``assumptions``: the inputs as stated."""

    fan: pd.DataFrame
    goals: pd.DataFrame
    paths: np.ndarray
    assumptions: dict

    def probability(self, goal: str) -> float:
        return float(self.goals.loc[goal, "probability"])


def _contributions(contributions, horizon: int) -> np.ndarray:
    if np.isscalar(contributions):
        c = np.full(horizon, float(contributions))
    else:
        c = np.asarray(list(contributions), dtype=float)
        if c.shape != (horizon,):
            raise InputError("projection", "contributions",
                             f"give one amount per year of the horizon ({horizon}), got {c.size}")
    if not np.isfinite(c).all():
        raise InputError("projection", "contributions", "amounts must be numbers")
    return c


def _goals(goals, horizon: int) -> list[tuple[str, float, int]]:
    out = []
    for i, g in enumerate(goals or ()):
        try:
            name, amount, years = g
        except (TypeError, ValueError):
            raise InputError("projection", f"goals.{i}", "a goal is (name, amount, years)") from None
        if int(years) != years or not 1 <= int(years) <= horizon:
            raise InputError("projection", f"goals.{name}", f"years {years} must be a whole year in 1…{horizon}")
        if not float(amount) > 0:
            raise InputError("projection", f"goals.{name}", f"amount {amount} must be positive")
        out.append((str(name), float(amount), int(years)))
    names = [g[0] for g in out]
    if len(set(names)) != len(names):
        raise InputError("projection", "goals", "goal names must be distinct")
    return out


def _history(returns, weights, fees, inflation) -> tuple[pd.Series, dict]:
    w = check_weights(weights)
    codes = list(w.index)
    frame, limited = common_window(returns, codes)
    port = frame.to_numpy() @ w.to_numpy() - (check_fees(fees, codes) @ w.to_numpy()) / 12.0
    hist = pd.Series(port, index=frame.index)
    info = {"history_start": frame.index[0], "history_end": frame.index[-1], "limited_by": limited,
            "inflation": None}
    if inflation is not None:
        if isinstance(inflation, pd.Series):
            infl = inflation.reindex(hist.index)
            if infl.isna().all():
                raise InputError("inflation", "", "no inflation data in the return history's window")
            keep = infl.notna()
            hist, infl = hist[keep], infl[keep]
            info.update(history_start=hist.index[0], history_end=hist.index[-1],
                        inflation="historical monthly series, resampled with the returns")
        else:
            rate = float(inflation)
            infl = pd.Series((1 + rate) ** (1 / 12) - 1, index=hist.index)
            info["inflation"] = f"{rate:.4%} a year"
        hist = (1.0 + hist) / (1.0 + infl) - 1.0
    return hist, info


def project(
    returns: pd.DataFrame,
    weights: pd.Series | Mapping[str, float],
    start_value: float,
    horizon_years: int,
    contributions: float | Sequence[float] = 0.0,
    goals: Sequence[tuple[str, float, int]] = (),
    method: Literal["bootstrap", "normal"] = "bootstrap",
    block: int = 12,
    n_paths: int = 2000,
    *,
    seed: int,
    inflation: pd.Series | float | None = None,
    fees: pd.Series | Mapping[str, float] | None = None,
) -> Projection:
    """Simulate ``n_paths`` monthly paths over ``horizon_years`` (see the module docstring for the model)."""
    if int(horizon_years) != horizon_years or not 1 <= horizon_years <= 100:
        raise InputError("projection", "horizon_years", f"{horizon_years} must be a whole number of years, 1…100")
    horizon = int(horizon_years)
    if not start_value >= 0:
        raise InputError("projection", "start_value", f"{start_value} must be zero or more")
    if method not in ("bootstrap", "normal"):
        raise InputError("projection", "method", f"unknown method {method!r}; use 'bootstrap' or 'normal'")
    if not (isinstance(n_paths, int) and n_paths >= 1):
        raise InputError("projection", "n_paths", f"{n_paths} must be a positive whole number")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError("projection", "seed", "a whole-number seed is required (documents must be reproducible)")
    contrib = _contributions(contributions, horizon)
    goal_list = _goals(goals, horizon)
    hist, info = _history(returns, weights, fees, inflation)
    h = hist.to_numpy()
    n_months = 12 * horizon
    rng = np.random.default_rng(seed)
    if method == "bootstrap":
        if not (isinstance(block, int) and 1 <= block <= len(h)):
            raise InputError("projection", "block", f"block {block} must be 1…{len(h)} months")
        n_blocks = -(-n_months // block)
        starts = rng.integers(0, len(h), size=(n_paths, n_blocks))
        idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_paths, -1)[:, :n_months] % len(h)
        sim = h[idx]
    else:
        mu, sd = float(h.mean()), float(h.std(ddof=1))
        sim = np.maximum(rng.normal(mu, sd, size=(n_paths, n_months)), -1.0)

    monthly_flow = np.repeat(contrib / 12.0, 12)
    values = np.empty((n_paths, horizon + 1))
    values[:, 0] = start_value
    v = np.full(n_paths, float(start_value))
    for m in range(n_months):
        v = np.maximum(v * (1.0 + sim[:, m]) + monthly_flow[m], 0.0)
        if (m + 1) % 12 == 0:
            values[:, (m + 1) // 12] = v

    fan = pd.DataFrame(np.percentile(values, PERCENTILES, axis=0).T, index=pd.RangeIndex(horizon + 1, name="year"),
                       columns=list(PERCENTILES))
    rows = {}
    for name, amount, years in goal_list:
        at = values[:, years]
        missed = at < amount
        rows[name] = {"amount": amount, "years": years, "probability": float(1.0 - missed.mean()),
                      "shortfall": float(np.median(amount - at[missed])) if missed.any() else float("nan")}
    goals_df = pd.DataFrame.from_dict(rows, orient="index", columns=["amount", "years", "probability", "shortfall"])
    goals_df.index.name = "goal"
    assumptions = {
        "method": method, "block": block if method == "bootstrap" else None, "n_paths": n_paths, "seed": int(seed),
        "horizon_years": horizon, "start_value": float(start_value), "contributions": contrib.tolist(),
        "real_terms": inflation is not None,
        "monthly_mean": float(h.mean()), "monthly_std": float(h.std(ddof=1)), **info,
    }
    return Projection(fan=fan, goals=goals_df, paths=values, assumptions=assumptions)
