"""Constraints that own their data (the forms derived from one statement) and the what-if API."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

from wealthlib._allocate import model as _model
from wealthlib._allocate.constraints import (
    AssetClassBands,
    Constraint,
    ForeignCurrencyCap,
    LiquidityReserve,
    merged_bounds,
    policy_constraints,
)
from wealthlib.allocate import AllocationInfeasible, AllocationSpec, ClientProblem, solve

CLASSES = ("cash", "bond", "equity", "alternative")
CLARABEL_TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}


def _plain(sp500, **kw) -> AllocationSpec:
    r, mu, cov = sp500
    n = len(mu)
    base = dict(codes=tuple(mu.index), asset_classes=("equity",) * n, mu=mu.to_numpy(), cov=cov.to_numpy(),
                max_product_weight={"equity": 0.25})
    base.update(kw)
    return AllocationSpec(**base)


def _mixed(sp500, **kw) -> AllocationSpec:
    r, mu, cov = sp500
    n = len(mu)
    base = dict(codes=tuple(mu.index), asset_classes=tuple(CLASSES[i % 4] for i in range(n)), mu=mu.to_numpy(),
                cov=cov.to_numpy(), grades=tuple(1 + i % 5 for i in range(n)), scenarios=r.to_numpy(),
                currencies=tuple("TWD" if i % 3 == 0 else "USD" for i in range(n)), base_currency="TWD",
                class_label="Moderate", ceiling=4, risk_aversion=3.0, cash_min=0.1, max_foreign=0.7,
                bands={"cash": (0.05, 0.4), "equity": (0.2, 0.6)}, max_product_weight={"equity": 0.25, "bond": 0.3})
    base.update(kw)
    return AllocationSpec(**base)


def _pypfopt(sp500, gamma, bounds):
    from pypfopt import EfficientFrontier

    _, mu, cov = sp500
    ef = EfficientFrontier(mu, cov, weight_bounds=bounds, solver="CLARABEL", solver_options=CLARABEL_TIGHT)
    return pd.Series(ef.max_quadratic_utility(risk_aversion=gamma))


# ------------------------------------------------------------------------------ forms derived from one statement


def test_one_statement_gives_every_form():
    """A band stated once (lo ≤ Gw ≤ hi) gives the DPP, elastic, binding and homogeneous forms, checked by hand."""
    g = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # two classes over three products
    bands = AssetClassBands(("bond", "equity"), g, [0.3, 0.0], [1.0, 0.5], "C2")
    w = np.array([0.2, 0.3, 0.5])  # bond 50%, equity 50%: equity at its maximum, bond above its minimum
    assert np.allclose(bands.lhs(w), [0.5, 0.5])
    assert bands.binding(w, None, np.zeros(3), np.ones(3)) == ["equity at its maximum 50% for class C2"]
    # the groups name only the rows that constrain: bond's minimum and equity's maximum
    assert [(x.key, x.side) for x in bands.groups()] == [("band_min:bond", "lo"), ("band_max:equity", "hi")]

    x = cp.Variable(3)
    params: dict[str, cp.Parameter] = {}

    def param(name, shape):
        return params.setdefault(name, cp.Parameter(shape, name=name))

    dpp = bands.dpp(x, None, param)
    bands.values(lambda name, value: setattr(params[name], "value", value))
    # the DPP form with these values: maximize equity subject to the bands and a budget → equity 50%
    prob = cp.Problem(cp.Maximize(x[2]), dpp + [cp.sum(x) == 1, x >= 0])
    assert prob.is_dpp()
    prob.solve(solver="CLARABEL")
    assert x.value[2] == pytest.approx(0.5, abs=1e-7)

    # elastic: with bond's minimum relaxed by s, a portfolio of 90% equity needs s ≥ 0.2 on bond… and equity's
    # maximum 0.5 relaxed by 0.4: the elastic problem finds exactly those slacks
    s = {"band_min:bond": cp.Variable(nonneg=True), "band_max:equity": cp.Variable(nonneg=True)}
    prob = cp.Problem(cp.Minimize(s["band_min:bond"] + s["band_max:equity"]),
                      bands.elastic(x, None, s) + [cp.sum(x) == 1, x >= 0, x[2] == 0.9])
    prob.solve(solver="CLARABEL")
    assert s["band_min:bond"].value == pytest.approx(0.2, abs=1e-6)
    assert s["band_max:equity"].value == pytest.approx(0.4, abs=1e-6)

    # homogeneous (risk parity): lo·1ᵀx ≤ Gx ≤ hi·1ᵀx holds for x = 3·w where w meets the bands
    hom = bands.homogeneous(x, cp.sum(x), np.arange(3), param)
    prob = cp.Problem(cp.Maximize(x[2]), hom + [cp.sum(x) == 3, x >= 0])
    prob.solve(solver="CLARABEL")
    assert x.value[2] == pytest.approx(1.5, abs=1e-6)  # equity ≤ 50% of the total 3


def test_direct_rows_are_the_statement():
    """The solver rows (A z + s = b form) reproduce lhs ⋈ rhs: a ≥ row is stored negated."""
    cash = LiquidityReserve(np.array([1.0, 0.0, 1.0]), 0.15)
    [(side, a, sign)] = cash.rows(3, trades=False)
    assert side == "lo" and sign == -1.0
    assert np.allclose(a.toarray(), [[-1.0, 0.0, -1.0]])
    fx = ForeignCurrencyCap(np.array([0.0, 1.0, 1.0]), 0.4, "TWD")
    [(side, a, sign)] = fx.rows(3, trades=True)  # with t, the row carries zeros on t
    assert side == "hi" and a.shape == (1, 6) and np.allclose(a.toarray(), [[0, 1, 1, 0, 0, 0]])


def test_bounds_merge_into_one_pair(sp500):
    spec = _mixed(sp500, ceiling=3, excluded_products=frozenset({"AAPL"}), product_caps={"AMD": 0.05},
                  pinned={"BAC": 0.07})
    lower, upper = merged_bounds(policy_constraints(spec), spec.n)
    i = {c: k for k, c in enumerate(spec.codes)}
    assert upper[i["AAPL"]] == 0.0  # excluded
    assert upper[i["AMD"]] == 0.05  # its own cap, below the class's
    assert lower[i["BAC"]] == upper[i["BAC"]] == 0.07  # pinned
    for k, g in enumerate(spec.grades):
        if g > 3:
            assert upper[k] == 0.0  # unsuitable
    assert all(isinstance(c, Constraint) for c in policy_constraints(spec))


@pytest.mark.parametrize("objective", ["mean_variance", "min_variance", "max_return", "min_cvar"])
def test_direct_solve_equals_the_cvxpy_form_with_another_solver(sp500, objective):
    """The direct Clarabel rows and the DPP form solved by SCS (another solver, another path) agree."""
    n = len(sp500[1])
    spec = _mixed(sp500, volatility_cap=0.22, current_weights=np.full(n, 1 / n), turnover_limit=0.4,
                  transaction_cost=0.002)
    direct = solve(spec, objective)
    assert direct.solver == "CLARABEL" and not direct.fallback
    other = solve(spec, objective, solver="SCS")
    assert np.abs(direct.weights - other.weights).max() < 1e-4


# ------------------------------------------------------------------------------------------------ what-ifs


def test_what_if_risk_aversion_matches_pypfopt(sp500):
    problem = ClientProblem(_plain(sp500, risk_aversion=2.0))
    for gamma in (0.7, 2.0, 25.0):
        ours = problem.solve(risk_aversion=gamma)
        ref = _pypfopt(sp500, gamma, (0, 0.25))
        assert np.abs(ours.weights - ref.reindex(ours.weights.index)).max() < 1e-4


def test_what_if_exclusion_and_pin_match_pypfopt_bounds(sp500):
    """Excluding a product is a bound of 0, pinning one is ℓ = u; PyPortfolioOpt's per-asset bounds say the same."""
    _, mu, _ = sp500
    top = mu.sort_values(ascending=False).index
    problem = ClientProblem(_plain(sp500, risk_aversion=1.0))
    ours = problem.solve(excluded={top[0]}, pinned={top[5]: 0.12})
    bounds = [(0.0, 0.0) if c == top[0] else (0.12, 0.12) if c == top[5] else (0.0, 0.25) for c in mu.index]
    ref = _pypfopt(sp500, 1.0, bounds)
    assert np.abs(ours.weights - ref.reindex(ours.weights.index)).max() < 1e-4
    assert ours.weights[top[0]] == 0.0 and ours.weights[top[5]] == pytest.approx(0.12, abs=1e-7)
    assert ours.excluded[top[0]] == "excluded by the client"
    # the client's own data is untouched: the next what-if starts from the proposal
    assert problem.solve().weights[top[0]] > 0.0


def test_what_if_volatility_target(sp500):
    problem = ClientProblem(_mixed(sp500, volatility_cap=0.3))
    floor = problem.solve(objective="min_variance").volatility  # the least risk these constraints allow
    returns = []
    for cap in (np.ceil(100 * floor + 1) / 100, np.ceil(100 * floor + 4) / 100):
        a = problem.solve(objective="max_return", volatility_cap=float(cap))
        assert a.volatility <= cap + 1e-6
        assert f"volatility at the cap {round(100 * cap)}% for class Moderate" in a.binding
        returns.append(a.expected_return)
    assert returns[1] > returns[0]  # more risk allowed, more return


def test_what_ifs_reuse_one_compiled_problem(sp500):
    _model.clear_cache()
    problem = ClientProblem(_mixed(sp500))
    problem.solve()
    assert len(_model._CACHE) == 1
    model = next(iter(_model._CACHE.values()))
    problem.solve(risk_aversion=9.0)
    problem.solve(excluded={"AAPL", "AMD"})
    problem.solve(pinned={"BAC": 0.1})
    assert len(_model._CACHE) == 1 and next(iter(_model._CACHE.values())) is model


def test_pin_above_a_cap_is_named(sp500):
    problem = ClientProblem(_plain(sp500))
    with pytest.raises(AllocationInfeasible) as err:
        problem.solve(pinned={"AAPL": 0.4})
    assert set(err.value.conflicts) == {"cap:equity", "pinned"}
    assert "policy caps each equity product at 25%" in str(err.value)
    assert "the advisor pins AAPL at 40%" in str(err.value)


def test_what_if_refuses_unknown_products(sp500):
    problem = ClientProblem(_plain(sp500))
    with pytest.raises(ValueError, match=r"unknown products \['NOPE'\]"):
        problem.solve(excluded={"NOPE"})
    with pytest.raises(ValueError, match=r"pinned weights for unknown products \['NOPE'\]"):
        problem.solve(pinned={"NOPE": 0.1})
