"""Analytics for proposals and reviews: backtests, metrics, stress scenarios, goal projections, performance.

Everything here works over plain pandas objects — a DataFrame of periodic simple returns (dates × product
codes, month-end dates for monthly data) and a Series of weights (code → weight) — so it serves the demo
market, a firm's own data and tests alike. Each function's module states its rules in its docstring:

* :func:`backtest`, :func:`compare` — ``wealthlib._analytics.backtest`` (common start, rebalancing, costs, fees)
* :func:`metrics` — ``wealthlib._analytics.metrics`` (quantstats, imported lazily, rcParams restored)
* :func:`stress`, :func:`scenarios`, :func:`shocks` — ``wealthlib._analytics.stress`` (named windows and
  rate / currency shocks in ``wealthlib/data/stress.yaml``; products without data: scenario skipped, proxied,
  or — ``partial=True`` — named and the rest counted)
* :func:`downside` — ``wealthlib._analytics.downside`` (worst calendar year and worst 12 months over the
  portfolio's own available history)
* :func:`project` — ``wealthlib._analytics.project`` (block bootstrap or normal Monte Carlo, seeded)
* :func:`performance`, :func:`xirr` — ``wealthlib._analytics.performance`` (TWR and MWR, labelled)
* :func:`risk_contribution`, :func:`currency_risk` — ``wealthlib._analytics.risk`` (Euler shares; the share of
  variance from currency)
"""

from __future__ import annotations

from ._analytics.backtest import REBALANCE_RULES, BacktestResult, Comparison, backtest, compare
from ._analytics.downside import Downside, downside, portfolio_returns
from ._analytics.metrics import METRIC_KEYS, metrics
from ._analytics.performance import KINDS as FLOW_KINDS
from ._analytics.performance import Performance, performance, xirr
from ._analytics.project import PERCENTILES, Projection, project
from ._analytics.risk import currency_risk, risk_contribution
from ._analytics.stress import Scenario, Shock, scenarios, scenarios_version, shock_scenarios, shocks, stress

__all__ = [
    "BacktestResult", "Comparison", "Downside", "Shock", "downside", "portfolio_returns", "shock_scenarios",
    "shocks", "FLOW_KINDS", "METRIC_KEYS", "PERCENTILES", "Performance", "Projection",
    "REBALANCE_RULES", "Scenario", "backtest", "compare", "currency_risk", "metrics", "performance", "project",
    "risk_contribution", "scenarios", "scenarios_version", "stress", "xirr",
]
