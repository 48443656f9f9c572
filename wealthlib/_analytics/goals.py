"""Goal progress in a review, on the proposal's assumptions.

For each goal (by priority, then date): funded = account value ÷ goal amount; **required return** = the yearly
return ``r`` at which today's value plus the client's yearly savings reach the goal by its date:
``V (1+r)^n + S ((1+r)^n − 1) / r = G`` (``n`` years, fractional; ``S`` = income − expenses − debt payments,
not below zero: the contributions the proposal's projection assumes, :mod:`wealthlib.documents`). A goal is
**on track** when it is funded or its required return is at most the target's expected return. A goal that
even a −99% return would reach has a required return of −99%; one no return up to 100% a year reaches is
reported as unreachable (∞).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["goal_progress", "required_return", "yearly_savings"]


def yearly_savings(client) -> float:
    """Income − expenses − debt payments, not below zero (the proposal's projection contributions)."""
    return max(0.0, float(client.income.annual - client.annual_expenses - client.debts.annual_debt_service))


def _future(value: float, savings: float, r: float, years: float) -> float:
    g = (1.0 + r) ** years
    return value * g + (savings * years if abs(r) < 1e-12 else savings * (g - 1.0) / r)


def required_return(value: float, savings: float, goal: float, years: float) -> float:
    """The yearly return that makes ``value`` plus ``savings`` a year reach ``goal`` in ``years``."""
    from scipy.optimize import brentq

    if years <= 0:
        return 0.0 if value >= goal else float("inf")
    lo, hi = -0.99, 1.0
    if _future(value, savings, lo, years) >= goal:
        return lo
    if _future(value, savings, hi, years) < goal:
        return float("inf")
    return float(brentq(lambda r: _future(value, savings, r, years) - goal, lo, hi, xtol=1e-10))


def goal_progress(client, closing: float, end: pd.Timestamp, expected: float) -> pd.DataFrame:
    """name, target, year, funded, required, on_track — one row per goal of ``client``."""
    savings = yearly_savings(client)
    rows = []
    for goal in sorted(client.goals, key=lambda g: (g.priority, g.target_date)):
        years = max((pd.Timestamp(goal.target_date) - end).days / 365.25, 0.0)
        funded = closing / goal.target_amount
        required = required_return(closing, savings, goal.target_amount, years)
        rows.append({"name": goal.name, "target": goal.target_amount, "year": goal.target_date.year,
                     "funded": funded, "required": required, "on_track": funded >= 1 or required <= expected})
    return pd.DataFrame(rows, columns=["name", "target", "year", "funded", "required", "on_track"])
