"""Drift against the target with bands, and the rebalancing trades of a review.

Rules (the review's method note states them, :func:`wealthlib.review.Review.method_notes`):

* **Drift** of every product held or targeted: current weight − target weight, against its band
  (:class:`wealthlib.policy.DriftBands`: a 0% target has no band, any holding of it is outside). Uninvested
  cash is shown with its weight and a target of 0 but has no band: it is not a position to trade.
* **Only positions outside their band are traded**, each back to its target weight; a position inside its band
  is never traded.
* **Only real positions**: cash is never bought or sold (and never charged a trading fee); it receives the
  sells and pays for the buys. When the buys (with their costs) need more than the cash and the sells (net of
  their costs) provide, every buy is scaled down by the same factor (``scale`` < 1) and the note says so.
* **Suitability re-run on every buy**: a buy of a product graded above the client's ceiling, one the client
  excludes, or one no longer on the shelf is refused (not traded, listed with its reason); the cash it would
  have used stays cash.
* Cost of a trade = the policy's transaction cost rate × |amount|.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["CASH", "Rebalance", "drift_table", "rebalance"]

CASH = "CASH"
_EPS = 1e-9


def drift_table(weights: pd.Series, target: pd.Series, bands: Any) -> pd.DataFrame:
    """code, current, target, drift, band, low, high, outside — for every product held or targeted and cash."""
    codes = list(dict.fromkeys([*target.index, *weights.index]))
    rows = []
    for code in codes:
        w0, tw = float(weights.get(code, 0.0)), float(target.get(code, 0.0))
        if code == CASH:
            rows.append({"code": code, "current": w0, "target": tw, "drift": w0 - tw, "band": float("nan"),
                         "low": float("nan"), "high": float("nan"), "outside": False})
            continue
        b = bands.half_width(tw)
        rows.append({"code": code, "current": w0, "target": tw, "drift": w0 - tw, "band": b,
                     "low": max(tw - b, 0.0), "high": tw + b, "outside": abs(w0 - tw) > b + _EPS})
    return pd.DataFrame(rows, columns=["code", "current", "target", "drift", "band", "low", "high", "outside"])


@dataclass
class Rebalance:
    """The trades (``code, action, weight_change, amount, cost, grade, scale``), every buy checked
    (``code, amount, grade, suitable, reason``), and the scale applied to the buys (1 when cash sufficed)."""

    trades: pd.DataFrame
    checks: pd.DataFrame
    scale: float


def _refusal(code: str, shelf: Any, ceiling: int, excluded: set[str], excluded_classes: set[str]) -> tuple[int, str]:
    """(grade, reason) of a proposed buy; reason "" when it may be bought."""
    from ..products import check_suitability

    if code not in shelf:
        return 0, "not_on_shelf"
    grade = int(shelf.get(code).grade)
    if code in excluded or shelf.get(code).asset_class in excluded_classes:
        return grade, "excluded"
    if check_suitability({code: 1.0}, shelf, int(ceiling)):
        return grade, "above_ceiling"
    return grade, ""


def rebalance(drift: pd.DataFrame, closing: float, *, shelf: Any, ceiling: int, excluded: set[str],
              cost_rate: float, excluded_classes: set[str] = frozenset()) -> Rebalance:
    """The trades that bring every position outside its band back to target (module docstring)."""
    # an empty account has nothing to trade (its drift is shown; investing new money is a new proposal)
    out = drift[drift["outside"] & (drift["code"] != CASH)] if closing > 0 else drift.iloc[:0]
    cash = float(drift.loc[drift["code"] == CASH, "current"].sum()) * closing
    checks, sells, buys = [], [], []
    for row in out.itertuples():
        change = float(row.target - row.current)
        if change < 0:
            grade = int(shelf.get(row.code).grade) if row.code in shelf else 0
            sells.append((row.code, change, grade))
            continue
        grade, reason = _refusal(row.code, shelf, ceiling, excluded, set(excluded_classes))
        checks.append({"code": row.code, "amount": change * closing, "grade": grade, "suitable": not reason,
                       "reason": reason})
        if not reason:
            buys.append((row.code, change, grade))
    proceeds = sum(-c * closing for _, c, _ in sells) * (1.0 - cost_rate)
    need = sum(c * closing for _, c, _ in buys) * (1.0 + cost_rate)
    scale = 1.0 if need <= cash + proceeds + 0.005 or need <= 0 else max((cash + proceeds) / need, 0.0)
    rows = []
    for code, change, grade in sells:
        rows.append(_trade(code, "sell", change, 1.0, grade, closing, cost_rate))
    for code, change, grade in buys:
        rows.append(_trade(code, "buy", change, scale, grade, closing, cost_rate))
    trades = pd.DataFrame(rows, columns=["code", "action", "weight_change", "amount", "cost", "grade", "scale"])
    checks_df = pd.DataFrame(checks, columns=["code", "amount", "grade", "suitable", "reason"])
    return Rebalance(trades=trades, checks=checks_df, scale=scale)


def _trade(code: str, action: str, change: float, scale: float, grade: int, closing: float, rate: float) -> dict:
    w = change * scale
    amount = w * closing
    return {"code": code, "action": action, "weight_change": w, "amount": amount, "cost": abs(amount) * rate,
            "grade": grade, "scale": scale}
