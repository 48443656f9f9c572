"""The proposal's numbers, computed once per proposal from its inputs (:class:`ProposalInputs`) with
:mod:`wealthlib.analytics`: benchmark, household ratios, expected return and volatility, backtest, goal
projection, fees (the stress rows and worst periods: :func:`.downside.stress`). The sections only read them."""

from __future__ import annotations

from typing import Any

#: The benchmark: 60% equity index / 40% bond when the class may hold the equity index, else 80% bond / 20% cash.
BENCH_EQUITY_SHARE = 0.60
BENCH_BOND_SHARE_NO_EQUITY = 0.80
#: How the backtest rebalances.
REBALANCE = "quarterly"


def benchmark(inp: Any):
    """60/40 equity index / bond when the class may hold the equity index, else 80/20 bond / cash."""
    import pandas as pd

    ceiling = inp.profile.ceiling

    def pick(types: tuple[str, ...]) -> str | None:
        ok = [p for p in inp.shelf if p.type in types and p.grade <= ceiling and p.code in inp.ctx.returns]
        return min(ok, key=lambda p: p.grade).code if ok else None

    eq, bd, cash = pick(("equity_index_fund",)), pick(("bond_fund",)), pick(("money_market",))
    if eq and bd:
        return pd.Series({eq: BENCH_EQUITY_SHARE, bd: 1 - BENCH_EQUITY_SHARE})
    if bd and cash:
        return pd.Series({bd: BENCH_BOND_SHARE_NO_EQUITY, cash: 1 - BENCH_BOND_SHARE_NO_EQUITY})
    return pd.Series({(bd or cash or inp.w.index[0]): 1.0})


def household(inp: Any) -> tuple[dict[str, float], dict[str, float]]:
    """The household's balance sheet and cash flow, and the four ratios (see :mod:`wealthlib.documents`)."""
    c = inp.c
    cash_held = sum(v for k, v in c.holding_values().items()
                    if k in inp.shelf and inp.shelf.get(k).asset_class == "cash")
    outside = max(0.0, c.assets.financial - inp.value)
    reserve = outside + cash_held
    monthly = c.annual_expenses / 12.0
    savings = c.income.annual - c.annual_expenses - c.debts.annual_debt_service
    hh = {"financial": c.assets.financial, "property": c.assets.property, "other": c.assets.other,
          "total_assets": c.assets.total, "mortgage": c.debts.mortgage, "other_debt": c.debts.other,
          "total_debt": c.debts.total, "net_worth": c.assets.total - c.debts.total,
          "income": c.income.annual, "expenses": c.annual_expenses, "debt_service": c.debts.annual_debt_service,
          "savings": savings, "liquid_reserve": reserve, "portfolio": inp.value}
    nan = float("nan")
    ratios = {
        "emergency_months": reserve / monthly if monthly > 0 else nan,
        "debt_to_assets": c.debts.total / c.assets.total if c.assets.total > 0 else nan,
        "debt_service_to_income": c.debts.annual_debt_service / c.income.annual if c.income.annual > 0 else nan,
        "savings_rate": savings / c.income.annual if c.income.annual > 0 else nan,
    }
    return hh, ratios


def expected(inp: Any) -> dict[str, float]:
    import numpy as np

    est = inp.ctx.estimates
    out = {"proposed_return": float(inp.alloc.expected_return), "proposed_volatility": float(inp.alloc.volatility)}
    for name, w in (("current", inp.w0), ("benchmark", inp.bench)):
        if w is None:
            continue
        codes = [k for k in w.index if k in est.mu.index]
        ww = w.reindex(codes).to_numpy()
        out[f"{name}_return"] = float(est.mu.reindex(codes).to_numpy() @ ww)
        out[f"{name}_volatility"] = float(np.sqrt(ww @ est.cov.loc[codes, codes].to_numpy() @ ww))
    return out


def backtest(inp: Any):
    """The proposed, current and benchmark portfolios over the estimation history, and their metrics."""
    import numpy as np

    from ...analytics import compare

    initial = inp.amount if inp.amount > 0 else 1_000_000.0
    inp.bt_initial = initial
    cmp = compare(inp.ctx.returns, inp.w, inp.w0, inp.bench, rebalance=REBALANCE,
                  cost_rate=inp.policy.allocation.transaction_cost, fees=inp.shelf.fees(), initial=initial)
    out: dict[str, dict[str, float]] = {}
    for name, r in cmp.results.items():
        v = r.value
        years = len(r.returns) / 12.0
        total = float(v.iloc[-1] / v.iloc[0] - 1.0)
        out[name] = {
            "total_return": total,
            "cagr": float((1 + total) ** (1 / years) - 1) if years > 0 else float("nan"),
            "volatility": float(r.returns.std(ddof=1) * np.sqrt(12)),
            "max_drawdown": float((v / v.cummax() - 1).min()),
            "worst_year": float(r.returns.rolling(12).apply(lambda x: np.prod(1 + x) - 1, raw=True).min()),
            "final_value": float(v.iloc[-1]),
        }
    return cmp, out


def projection(inp: Any):
    """The goal projection (block bootstrap of the history) and one row per goal."""
    from ...analytics import project

    as_of = inp.ctx.as_of
    goals = []
    for g in sorted(inp.c.goals, key=lambda g: (g.priority, g.target_date)):
        years = max(1, round((g.target_date - as_of).days / 365.25))
        goals.append((g, years))
    horizon = max([inp.c.horizon_years, *[y for _, y in goals]])
    horizon = min(horizon, 60)
    inp.projection_horizon = horizon
    contrib = max(0.0, inp.hh["savings"])
    names = [g.name for g, _ in goals]
    uniq = [n if names.count(n) == 1 else f"{n} ({i + 1})" for i, n in enumerate(names)]
    proj = project(inp.ctx.returns, inp.w, inp.amount, horizon, contributions=contrib,
                   goals=[(u, g.target_amount, min(y, horizon)) for u, (g, y) in zip(uniq, goals)],
                   n_paths=inp.n_paths, seed=inp.seed, inflation=inp.fx.cpi, fees=inp.shelf.fees())
    rows = []
    for u, (g, y) in zip(uniq, goals):
        r = proj.goals.loc[u]
        rows.append({"name": g.name, "amount": g.target_amount, "target_date": g.target_date, "years": int(y),
                     "priority": g.priority, "probability": float(r["probability"]),
                     "shortfall": float(r["shortfall"]), "median": float(proj.fan.loc[min(y, horizon), 50]),
                     "p5": float(proj.fan.loc[min(y, horizon), 5])})
    inp.proj_names = dict(zip(uniq, names))
    return proj, rows


def fees(inp: Any) -> dict[str, Any]:
    """Each product's yearly fee, the total, the trading cost and the cumulative effect over the horizon."""
    rates = inp.shelf.fees()
    value = inp.amount
    rows = []
    for code, w in inp.w.items():
        rate = float(rates[code])
        rows.append({"code": code, "weight": float(w), "rate": rate, "amount": float(w) * rate * value})
    total_rate = sum(r["rate"] * r["weight"] for r in rows)
    traded = float(sum(abs(v) for v in inp.trades.values()))
    trading_cost = traded * inp.policy.allocation.transaction_cost
    r = inp.alloc.expected_return
    horizon = int(inp.projection_horizon) if getattr(inp, "projection_horizon", None) is not None else inp.c.horizon_years
    cumulative = []
    for year in sorted({1, 3, 5, 10, horizon} - {0}):
        if year > horizon:
            continue
        gross = value * (1 + r) ** year
        net = value * (1 + r - total_rate) ** year
        paid = sum(value * (1 + r - total_rate) ** (k - 1) * total_rate for k in range(1, year + 1))
        cumulative.append({"year": year, "gross": gross, "net": net, "reduction": gross - net,
                           "reduction_pct": (gross - net) / gross if gross > 0 else 0.0, "fees_paid": paid})
    return {"rows": rows, "total_rate": total_rate, "total_amount": total_rate * value, "traded": traded,
            "trading_cost": trading_cost, "trading_cost_rate": inp.policy.allocation.transaction_cost,
            "cumulative": cumulative, "expected_return": r}
