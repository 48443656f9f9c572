"""Allocation engine: peers cross-check, constraints, infeasibility explained, properties, integration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _paths import PARAMS
from wealthlib._allocate import model as _model
from wealthlib.allocate import (
    AllocationError,
    AllocationInfeasible,
    AllocationSpec,
    efficient_frontier,
    solve,
)

CLASSES = ("cash", "bond", "equity", "alternative")


def _plain(sp500, **kw) -> AllocationSpec:
    r, mu, cov = sp500
    n = len(mu)
    base = dict(codes=tuple(mu.index), asset_classes=("equity",) * n, mu=mu.to_numpy(), cov=cov.to_numpy(),
                max_product_weight={"equity": 0.25}, scenarios=r.to_numpy())
    base.update(kw)
    return AllocationSpec(**base)


def _mixed(sp500, **kw) -> AllocationSpec:
    r, mu, cov = sp500
    n = len(mu)
    base = dict(codes=tuple(mu.index), asset_classes=tuple(CLASSES[i % 4] for i in range(n)), mu=mu.to_numpy(),
                cov=cov.to_numpy(), grades=tuple(1 + i % 5 for i in range(n)), scenarios=r.to_numpy(),
                currencies=tuple("TWD" if i % 3 == 0 else "USD" for i in range(n)), base_currency="TWD",
                class_label="Moderate")
    base.update(kw)
    return AllocationSpec(**base)


# ---------------------------------------------------------------------------------------------- peers


@pytest.mark.parametrize("gamma", [0.5, 2.0, 7.5, 50.0])
def test_matches_pypfopt_max_quadratic_utility(sp500, gamma):
    from pypfopt import EfficientFrontier

    _, mu, cov = sp500
    ef = EfficientFrontier(mu, cov, weight_bounds=(0, 0.25), solver="CLARABEL",
                           solver_options={"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10})
    ref = pd.Series(ef.max_quadratic_utility(risk_aversion=gamma))
    ours = solve(_plain(sp500, risk_aversion=gamma), "mean_variance")
    assert np.abs(ours.weights - ref.reindex(ours.weights.index)).max() < 1e-4
    assert ours.weights.sum() == pytest.approx(1.0, abs=1e-9)


def test_class_bands_match_pypfopt_sector_constraints(sp500):
    from pypfopt import EfficientFrontier

    _, mu, cov = sp500
    spec = _mixed(sp500, risk_aversion=3.0, max_product_weight={c: 0.3 for c in CLASSES},
                  bands={"cash": (0.1, 0.3), "bond": (0.2, 0.5), "equity": (0.0, 0.4), "alternative": (0.05, 0.2)})
    ef = EfficientFrontier(mu, cov, weight_bounds=(0, 0.3), solver="CLARABEL",
                           solver_options={"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10})
    mapper = dict(zip(spec.codes, spec.asset_classes))
    ef.add_sector_constraints(mapper, {c: spec.bands[c][0] for c in CLASSES}, {c: spec.bands[c][1] for c in CLASSES})
    ref = pd.Series(ef.max_quadratic_utility(risk_aversion=3.0))
    ours = solve(spec, "mean_variance")
    assert np.abs(ours.weights - ref.reindex(ours.weights.index)).max() < 1e-4


def test_matches_skfolio_mean_risk(sp500):
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction
    from skfolio.prior import EmpiricalPrior
    from skfolio.moments import LedoitWolf

    r, _, _ = sp500
    gamma = 4.0
    mdl = MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_UTILITY, risk_measure=RiskMeasure.VARIANCE,
                   risk_aversion=gamma / 2, max_weights=0.25,
                   prior_estimator=EmpiricalPrior(covariance_estimator=LedoitWolf())).fit(r)
    ours = solve(_plain(sp500, risk_aversion=gamma), "mean_variance")
    assert np.abs(ours.weights.to_numpy() - mdl.weights_).max() < 1e-4


# ---------------------------------------------------------------------------------------------- model


def test_compiled_once_and_reused(sp500):
    _model.clear_cache()
    solve(_mixed(sp500, risk_aversion=2.0))
    assert len(_model._CACHE) == 1
    model = next(iter(_model._CACHE.values()))
    assert model.problem.is_dpp()
    for g in (1.0, 5.0, 30.0):
        solve(_mixed(sp500, risk_aversion=g, ceiling=3))
    assert len(_model._CACHE) == 1 and next(iter(_model._CACHE.values())) is model


def test_suitability_and_exclusions_get_zero_and_are_explained(sp500):
    spec = _mixed(sp500, ceiling=3, excluded_products=frozenset({"AAPL"}), risk_aversion=1.0)
    a = solve(spec)
    grades = dict(zip(spec.codes, spec.grades))
    assert all(a.weights[c] == 0 for c, g in grades.items() if g > 3)
    assert a.weights["AAPL"] == 0
    assert "ceiling RR3" in a.excluded[[c for c, g in grades.items() if g > 3][0]]
    assert a.excluded["AAPL"] == "excluded by the client" or "ceiling" in a.excluded["AAPL"]


@pytest.mark.parametrize("objective", ["mean_variance", "max_return", "min_cvar", "risk_parity", "min_variance"])
def test_every_objective_respects_constraints(sp500, objective):
    spec = _mixed(sp500, ceiling=4, risk_aversion=4.0, volatility_cap=0.22, min_position=0.03, cash_min=0.1,
                  bands={"cash": (0.05, 0.4), "equity": (0.2, 0.6)}, max_foreign=0.7,
                  max_product_weight={"equity": 0.25, "bond": 0.3})
    a = solve(spec, objective)
    w = a.weights.to_numpy()
    _check(spec, w)
    assert not ((w > 1e-9) & (w < 0.03 - 1e-6)).any()
    assert set(a.to_json_dict()) >= {"weights", "expected_return", "volatility", "binding", "status"}
    assert a.status.startswith("optimal")
    if objective == "max_return":
        assert a.volatility <= 0.22 + 1e-5


def test_risk_parity_without_binding_constraints_equalizes_contributions(sp500):
    a = solve(_plain(sp500, max_product_weight={}), "risk_parity")
    rc = a.risk_contributions.to_numpy()
    assert np.allclose(rc, 1 / len(rc), atol=1e-5)


def _risk_budgeting(returns: pd.DataFrame) -> np.ndarray:
    """skfolio's equal-risk-contribution portfolio on the sample covariance of these returns."""
    from skfolio import RiskMeasure
    from skfolio.moments import EmpiricalCovariance
    from skfolio.optimization import RiskBudgeting
    from skfolio.prior import EmpiricalPrior

    prior = EmpiricalPrior(covariance_estimator=EmpiricalCovariance(nearest=False))
    return RiskBudgeting(risk_measure=RiskMeasure.VARIANCE, prior_estimator=prior).fit(returns).weights_


def _mixed_volatility(sp500) -> tuple[pd.DataFrame, np.ndarray]:
    """The S&P 500 returns with four stocks scaled to a money-market fund's and a bond's volatility (×0.02,
    ×0.1): volatilities spanning two orders of magnitude, as on a real shelf; (returns, their covariance)."""
    r = sp500[0].copy()
    r.iloc[:, :2] *= 0.02
    r.iloc[:, 2:4] *= 0.1
    return r, 252 * np.cov(r.to_numpy().T)


@pytest.mark.parametrize("scaled", [False, True])
def test_risk_parity_matches_skfolio_risk_budgeting(sp500, scaled):
    r, cov = _mixed_volatility(sp500) if scaled else (sp500[0], 252 * np.cov(sp500[0].to_numpy().T))
    ref = _risk_budgeting(r)
    ours = solve(_plain(sp500, cov=cov, max_product_weight={}), "risk_parity")
    assert np.abs(ours.weights.to_numpy() - ref).max() < 1e-4
    assert ours.solver == "CLARABEL" and not ours.fallback
    if scaled:
        vol = np.sqrt(np.diag(cov))
        assert vol.max() / vol.min() > 100  # the case the unscaled form failed on


def _barrier_reference(spec: AllocationSpec, cov: np.ndarray, held: np.ndarray, rows, bounds) -> np.ndarray:
    """Constrained risk parity found another way: over the policy polytope (fully invested, the rows given as
    (a, lo, hi) with lo ≤ a·w ≤ hi, per-product bounds), minimize ½·log(wᵀΣw) − mean over the held products of
    log wᵢ, by scipy's SLSQP. It is the engine's homogeneous problem with the scale t of x = t·w minimized out
    (t* = 1/√(wᵀΣw)), so both have the same minimizer w."""
    from scipy.optimize import minimize

    idx = np.flatnonzero(held)
    m = len(idx)
    c = cov[np.ix_(idx, idx)]

    def f(v):
        return 0.5 * np.log(v @ c @ v) - np.log(v).mean()

    def grad(v):
        return (c @ v) / (v @ c @ v) - 1.0 / (m * v)

    cons = [{"type": "eq", "fun": lambda v: v.sum() - 1.0, "jac": lambda v: np.ones(m)}]
    for a, lo, hi in rows:
        a = np.asarray(a, float)[idx]
        cons += [{"type": "ineq", "fun": lambda v, a=a, hi=hi: hi - a @ v, "jac": lambda v, a=a: -a},
                 {"type": "ineq", "fun": lambda v, a=a, lo=lo: a @ v - lo, "jac": lambda v, a=a: a}]
    lo_b, hi_b = bounds
    box = [(max(lo_b[i], 1e-9), hi_b[i]) for i in idx]
    start = np.array([(b[0] + b[1]) / 2 for b in box])
    res = minimize(f, start / start.sum(), jac=grad, bounds=box, constraints=cons, method="SLSQP",
                   options={"ftol": 1e-15, "maxiter": 2000})
    assert res.success, res.message
    w = np.zeros(spec.n)
    w[idx] = res.x
    return w


def test_constrained_risk_parity_matches_an_independent_minimization(sp500):
    """Bands, per-class caps, a liquidity floor and a pin all binding, on mixed volatilities."""
    r, cov = _mixed_volatility(sp500)
    n = len(sp500[1])
    classes = tuple(("cash", "cash", "bond", "bond") + ("equity",) * (n - 4))
    spec = _plain(sp500, cov=cov, asset_classes=classes, bands={"cash": (0.1, 0.3), "bond": (0.3, 0.6)},
                  max_product_weight={"bond": 0.35, "equity": 0.05}, cash_min=0.15,
                  pinned={sp500[1].index[5]: 0.04})
    ours = solve(spec, "risk_parity")
    w = ours.weights.to_numpy()
    member = lambda c: np.array([a == c for a in classes], float)
    lo = np.array([0.04 if i == 5 else 0.0 for i in range(n)])
    hi = np.array([0.04 if i == 5 else (1.0 if a == "cash" else 0.35 if a == "bond" else 0.05)
                   for i, a in enumerate(classes)])
    rows = [(member("cash"), 0.15, 0.3), (member("bond"), 0.3, 0.6), (member("equity"), 0.0, 1.0)]
    ref = _barrier_reference(spec, cov, np.ones(n, bool), rows, (lo, hi))
    assert np.abs(w - ref).max() < 1e-4
    assert w[5] == pytest.approx(0.04, abs=1e-7)
    _check(spec, w)
    assert ours.binding  # the constraints do bind: this is not the unconstrained answer
    assert ours.solver == "CLARABEL" and not ours.fallback


def test_risk_parity_leaves_out_what_the_constraints_hold_at_zero(sp500):
    """Pinning the bond products at the bond band's top leaves the other bond no weight: Spinu's log barrier
    needs every held product above zero, so those are left out (a note says so) and the risk is balanced over
    the rest; before, no solver found a point and the what-if failed."""
    r, cov = _mixed_volatility(sp500)
    n = len(sp500[1])
    codes = tuple(sp500[1].index)
    classes = tuple(("cash", "bond", "bond", "bond") + ("equity",) * (n - 4))
    spec = _plain(sp500, cov=cov, asset_classes=classes, bands={"bond": (0.0, 0.5)},
                  max_product_weight={"bond": 0.3, "equity": 0.2}, pinned={codes[1]: 0.3, codes[2]: 0.2})
    ours = solve(spec, "risk_parity")
    w = ours.weights.to_numpy()
    assert w[3] == 0.0 and w[1] == pytest.approx(0.3, abs=1e-7) and w[2] == pytest.approx(0.2, abs=1e-7)
    assert any(codes[3] in note and "no weight" in note for note in ours.notes)
    held = np.ones(n, bool)
    held[3] = False
    lo = np.array([0.3 if i == 1 else 0.2 if i == 2 else 0.0 for i in range(n)])
    hi = np.array([0.3 if i == 1 else 0.2 if i == 2 else 0.0 if i == 3 else 1.0 if i == 0 else 0.2 for i in range(n)])
    bond = np.array([a == "bond" for a in classes], float)
    ref = _barrier_reference(spec, cov, held, [(bond, 0.0, 0.5)], (lo, hi))
    assert np.abs(w - ref).max() < 1e-4
    _check(spec, w)


def test_infeasible_risk_parity_is_decided_without_the_fallback_solver(sp500, monkeypatch):
    """A conflict (the liquidity need above the cash band) and a state with no point holding every product are
    decided by Clarabel and one LP: the cvxpy fallback (SCS at its iteration limit, seconds) never runs."""
    called = []
    monkeypatch.setattr(_model._DPP, "solve", lambda self, *a: called.append(a) or ("failed", None))
    n = len(sp500[1])
    classes = tuple(("cash", "bond") + ("equity",) * (n - 2))
    spec = _plain(sp500, asset_classes=classes, bands={"cash": (0.0, 0.2)}, cash_min=0.3,
                  max_product_weight={"equity": 0.25})
    with pytest.raises(AllocationInfeasible) as err:
        solve(spec, "risk_parity")
    assert "liquidity" in str(err.value) and "cash" in str(err.value)
    with pytest.raises(AllocationInfeasible):
        solve(spec, "risk_parity", explain=False)
    assert not called


@pytest.mark.parametrize("objective", ["mean_variance", "min_variance", "max_return", "min_cvar"])
def test_an_infeasible_state_is_proved_by_the_certificate_and_asks_no_other_solver(sp500, objective, monkeypatch):
    """n products each capped at 0.8/n cannot fill the budget (n × 0.8/n = 80% < 100%, by hand). Clarabel's
    certificate of infeasibility, checked in numpy (Farkas), decides it: the other solvers of the chain (cvxpy,
    OSQP / HiGHS / SCS, 50–150 ms on a new structure) never run, with or without the diagnosis."""
    called = []
    monkeypatch.setattr(_model._DPP, "solve", lambda self, *a: called.append(a) or ("failed", None))
    n = len(sp500[1])
    spec = _plain(sp500, max_product_weight={"equity": 0.8 / n}, risk_aversion=2.0)
    with pytest.raises(AllocationInfeasible):
        solve(spec, objective, explain=False)
    with pytest.raises(AllocationInfeasible) as err:
        solve(spec, objective)
    assert "No allocation satisfies every constraint" in str(err.value)
    assert not called


def test_the_certificate_check_accepts_a_farkas_vector_by_hand_and_nothing_else(sp500, monkeypatch):
    """The same problem's certificate written by hand: z = −1 on the budget row 1ᵀw = 1 and +1 on each upper
    bound row w_i ≤ u_i gives Aᵀz = −1 + 1 = 0 per product and bᵀz = −1 + n·u = −0.2 < 0. Half of it on the
    bounds (Aᵀz ≠ 0), its negative (bᵀz > 0) and non-finite values are refused."""
    seen = {}
    real = _model._Direct.solve

    def spy(self, c, settings):
        seen["model"], seen["client"] = self, c
        return real(self, c, settings)

    monkeypatch.setattr(_model._Direct, "solve", spy)
    n = len(sp500[1])
    with pytest.raises(AllocationInfeasible):
        solve(_plain(sp500, max_product_weight={"equity": 0.8 / n}), "min_variance", explain=False)
    d, c = seen["model"], seen["client"]
    b = d.data(c)[2]
    budget = [(a, e) for a, e, j, _, _ in d.eq_slots if c.constraints[j].key == "budget"]
    assert len(budget) == 1 and budget[0][1] - budget[0][0] == 1
    lo_a, hi_a, hi_e = d.bound_rows
    assert b[hi_a:hi_e] == pytest.approx(np.full(n, 0.8 / n))
    z = np.zeros(d.m)
    z[budget[0][0]] = -1.0
    z[hi_a:hi_e] = 1.0
    assert float(b @ z) == pytest.approx(-0.2)
    assert d.certifies(b, z)
    half = z.copy()
    half[hi_a:hi_e] = 0.5
    assert not d.certifies(b, half)
    assert not d.certifies(b, -z)
    assert not d.certifies(b, np.full(d.m, np.nan))


def test_the_diagnosis_pauses_before_each_of_its_solves(sp500, monkeypatch):
    """explain(pause=…) calls pause before every feasibility solve (the panel holds it there while a change is
    answered) and gives the same words as without."""
    from wealthlib._allocate import diagnose

    solves = []
    real = diagnose._status
    monkeypatch.setattr(diagnose, "_status", lambda *a, **k: solves.append(1) or real(*a, **k))
    n = len(sp500[1])
    with pytest.raises(AllocationInfeasible) as err:
        solve(_plain(sp500, max_product_weight={"equity": 0.8 / n}), "min_variance", explain=False)
    pauses = []
    paused = err.value.explain(pause=lambda: pauses.append(len(solves)))
    assert len(solves) >= 2 and pauses == list(range(len(solves)))  # each pause before its solve
    assert str(paused) == str(err.value.explain())


def test_turnover_limit_and_trades(sp500):
    n = len(sp500[1])
    w0 = np.full(n, 0.9 / n)
    spec = _mixed(sp500, current_weights=w0, off_shelf_weight=0.1, turnover_limit=0.3, transaction_cost=0.002,
                  risk_aversion=1.0, portfolio_value=2_000_000.0, ceiling=5)
    a = solve(spec)
    assert a.turnover <= 0.3 + 1e-6
    assert "turnover at its limit 30%" in a.binding
    assert np.allclose(a.trades.to_numpy(), a.weights.to_numpy() - w0)
    assert np.allclose(a.trade_amounts.to_numpy(), 2_000_000.0 * a.trades.to_numpy())


def test_fallback_to_second_solver_is_recorded(sp500, monkeypatch):
    monkeypatch.setitem(_model.SOLVER_CHAINS, "mean_variance", ("ECOS", "CLARABEL"))
    a = solve(_mixed(sp500, risk_aversion=2.0))
    assert a.solver == "CLARABEL" and a.fallback and a.fallback[0].startswith("ECOS")
    assert "fallback" in a.status and any("ECOS" in n for n in a.notes)
    monkeypatch.setitem(_model.SOLVER_CHAINS, "mean_variance", ("ECOS", "MOSEK"))
    with pytest.raises(AllocationError, match="could not be solved"):
        solve(_mixed(sp500, risk_aversion=2.0))


def test_inaccurate_status_is_not_accepted(sp500, monkeypatch):
    real = _model._run

    def fake(model, client, solver):
        out = real(model, client, solver)
        if out.solver == "CLARABEL" and solver is None:
            return real(model, client, "OSQP").__class__(out.w, out.status, "OSQP", ["CLARABEL: status optimal_inaccurate"])
        return out

    monkeypatch.setattr(_model, "_run", fake)
    a = solve(_mixed(sp500, risk_aversion=2.0))
    assert a.fallback == ["CLARABEL: status optimal_inaccurate"] and a.solver == "OSQP"


# ---------------------------------------------------------------------------------- infeasibility


def _conflict(spec, objective="mean_variance") -> AllocationInfeasible:
    with pytest.raises(AllocationInfeasible) as err:
        solve(spec, objective)
    return err.value


def test_conflict_band_vs_excluded_products(sp500):
    spec = _mixed(sp500, bands={"bond": (0.6, 0.95)}, class_label="保守型")
    bonds = spec.members("bond")
    e = _conflict(spec.replace(excluded_products=frozenset(bonds)))
    assert e.conflicts == ["band_min:bond", "excluded_products"]
    assert str(e).startswith("No allocation satisfies every constraint: class 保守型 requires bond ≥ 60%, "
                             "but the client excludes all bond products (")


def test_conflict_liquidity_vs_cash_band(sp500):
    e = _conflict(_mixed(sp500, bands={"cash": (0.0, 0.3)}, cash_min=0.37))
    assert set(e.conflicts) == {"band_max:cash", "liquidity"}
    assert "at most 30% in cash" in str(e) and "cash ≥ 37%" in str(e)


def test_conflict_suitability_vs_equity_minimum(sp500):
    spec = _mixed(sp500, ceiling=2, bands={"equity": (0.2, 0.6)})
    spec = spec.replace(grades=tuple(4 if a == "equity" else 2 for a in spec.asset_classes))
    e = _conflict(spec)
    assert set(e.conflicts) == {"band_min:equity", "suitability"}
    assert "ceiling RR2 rules out" in str(e)


def test_conflict_caps_leave_less_than_full_investment(sp500):
    spec = _mixed(sp500, excluded_classes=frozenset({"cash", "alternative"}),
                  max_product_weight={"bond": 0.05, "equity": 0.05})
    e = _conflict(spec)
    assert "excluded_classes" in e.conflicts and "cap:bond" in e.conflicts and "cap:equity" in e.conflicts


def test_conflict_turnover_and_foreign_cap(sp500):
    n = len(sp500[1])
    spec = _mixed(sp500, current_weights=np.full(n, 1.0 / n), turnover_limit=0.05, max_foreign=0.1)
    e = _conflict(spec)
    assert set(e.conflicts) == {"turnover", "foreign"}
    assert "turnover is limited to 5%" in str(e) and "capped at 10%" in str(e)


def test_conflict_volatility_cap(sp500):
    e = _conflict(_mixed(sp500, volatility_cap=0.01, class_label="C1"), "max_return")
    assert e.conflicts == ["volatility_cap"] and "caps volatility at 1%" in str(e)


# ---------------------------------------------------------------------------------- properties


def _check(spec: AllocationSpec, w: np.ndarray, tol: float = 1e-6) -> None:
    assert w.sum() == pytest.approx(1.0, abs=1e-8)
    assert (w >= -1e-12).all()
    g = spec.class_matrix() @ w
    for j, c in enumerate(spec.classes):
        lo, hi = spec.bands.get(c, (0.0, 1.0))
        assert lo - tol <= g[j] <= hi + tol, (c, g[j], lo, hi)
    for i, (code, a) in enumerate(zip(spec.codes, spec.asset_classes)):
        assert w[i] <= spec.max_product_weight.get(a, 1.0) + tol
        if spec.grades[i] > spec.ceiling or code in spec.excluded_products or a in spec.excluded_classes:
            assert w[i] == 0.0
    cash = sum(w[i] for i, a in enumerate(spec.asset_classes) if a == spec.cash_class)
    assert cash >= spec.cash_min - tol
    if spec.max_foreign is not None:
        assert spec.foreign_mask() @ w <= spec.max_foreign + tol
    if spec.turnover_limit is not None and spec.has_holdings():
        assert 0.5 * (np.abs(w - spec.current_weights).sum() + spec.off_shelf_weight) <= spec.turnover_limit + tol


@st.composite
def feasible_specs(draw, sp500):
    """Random specs on real returns that are feasible by construction: built around a random portfolio w*."""
    r, mu, cov = sp500
    n = draw(st.integers(5, 20))
    cols = draw(st.permutations(list(mu.index)))[:n]
    classes = tuple(draw(st.lists(st.sampled_from(CLASSES), min_size=n, max_size=n)))
    grades = tuple(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)))
    ceiling = draw(st.integers(1, 5))
    eligible = np.array([g <= ceiling for g in grades])
    excluded = {c for c, e in zip(cols, eligible) if e and draw(st.booleans()) and draw(st.booleans())}
    eligible &= np.array([c not in excluded for c in cols])
    if not eligible.any():
        eligible[0] = True
        grades = (1,) + grades[1:]
        excluded.discard(cols[0])
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    ws = np.zeros(n)
    ws[eligible] = rng.dirichlet(np.ones(eligible.sum()))
    g = np.array([[1.0 if a == c else 0.0 for a in classes] for c in CLASSES]) @ ws
    bands = {c: (float(max(0.0, g[j] - rng.uniform(0, 0.3))), float(min(1.0, g[j] + rng.uniform(0, 0.3))))
             for j, c in enumerate(CLASSES)}
    caps = {c: float(min(1.0, max([ws[i] for i in range(n) if classes[i] == c] + [0.0]) + rng.uniform(0, 0.5)))
            for c in CLASSES}
    cur = rng.dirichlet(np.ones(n)) if draw(st.booleans()) else None
    limit = float(0.5 * np.abs(ws - cur).sum() + rng.uniform(0, 0.3)) if cur is not None else None
    ccy = tuple("TWD" if x else "USD" for x in draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    fmask = np.array([c != "TWD" for c in ccy], float)
    fcap = float(min(1.0, fmask @ ws + rng.uniform(0, 0.2))) if draw(st.booleans()) else None
    cash_min = float(max(0.0, g[0] - rng.uniform(0, 0.2)))
    return AllocationSpec(
        codes=tuple(cols), asset_classes=classes, mu=mu[cols].to_numpy(), cov=cov.loc[cols, cols].to_numpy(),
        grades=grades, ceiling=ceiling, bands=bands, max_product_weight=caps, excluded_products=frozenset(excluded),
        current_weights=cur, turnover_limit=limit, transaction_cost=float(rng.uniform(0, 0.01)),
        currencies=ccy, base_currency="TWD", max_foreign=fcap, cash_min=cash_min,
        risk_aversion=float(np.exp(rng.uniform(np.log(0.5), np.log(50)))), scenarios=r[cols].to_numpy(),
        volatility_cap=float(np.sqrt(ws @ cov.loc[cols, cols].to_numpy() @ ws) * 1.05),
    )


_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def specs(sp500):
    return feasible_specs(sp500)


def test_property_mean_variance_holds_every_constraint(sp500):
    @_SETTINGS
    @given(feasible_specs(sp500), st.sampled_from(["mean_variance", "max_return", "min_cvar"]))
    def run(spec, objective):
        a = solve(spec, objective)
        _check(spec, a.weights.to_numpy())
        assert a.status.startswith("optimal")

    run()


def test_property_min_position(sp500):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(feasible_specs(sp500), st.sampled_from([0.02, 0.05, 0.1]))
    def run(spec, m):
        spec = spec.replace(min_position=m)
        try:
            a = solve(spec)
        except AllocationInfeasible as e:  # the heuristic may fail to find a feasible pattern; it must say so
            assert e.conflicts
            return
        w = a.weights.to_numpy()
        _check(spec, w)
        assert not ((w > 0) & (w < m - 1e-6)).any()

    run()


def test_property_frontier_monotone(sp500):
    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(feasible_specs(sp500))
    def run(spec):
        spec = spec.replace(volatility_cap=None)
        fr = efficient_frontier(spec, points=8)
        assert (np.diff(fr["volatility"]) >= -1e-6).all()
        assert (np.diff(fr["expected_return"]) >= -1e-6).all()
        for _, row in fr.iterrows():
            _check(spec, row[list(spec.codes)].to_numpy(dtype=float), tol=1e-5)

    run()


def test_a_frontier_point_the_minimum_position_cannot_meet_is_left_out(sp500, monkeypatch):
    """The minimum position is not convex, so an interior cap can be out of the heuristic's reach (wang's
    what-ifs met one). That point is left out, undiagnosed; the other points and both ends stay."""
    real = _model.solve_weights
    interior = []

    def flaky(spec, objective=None, solver=None, vol_cap=None, explain=True):
        big = 10.0 * float(np.sqrt(max(_model._diag(spec).max(), 1e-12)))
        if objective == "max_return" and vol_cap is not None and vol_cap < big:
            interior.append(explain)
            if len(interior) == 2:
                raise AllocationInfeasible("No allocation satisfies every constraint.")
        return real(spec, objective, solver, vol_cap, explain)

    monkeypatch.setattr(_model, "solve_weights", flaky)
    spec = _plain(sp500)
    fr = efficient_frontier(spec, points=8)
    assert len(interior) == 6 and not any(interior)  # six interior caps, none diagnosed
    assert len(fr) == 7
    assert (np.diff(fr["volatility"]) >= -1e-6).all() and (np.diff(fr["expected_return"]) >= -1e-6).all()


# ---------------------------------------------------------------------------------- integration


def test_allocate_real_objects():
    pytest.importorskip("wealthlib.products", reason="wealthlib.products not built yet")
    pytest.importorskip("wealthlib.market", reason="wealthlib.market not built yet")
    pytest.importorskip("wealthlib.risk", reason="wealthlib.risk not built yet")
    from datetime import date

    from wealthlib.allocate import allocate, build_spec
    from wealthlib.clients import load_clients
    from wealthlib.estimate import estimate
    from wealthlib.market import load_demo_market, shelf_returns
    from wealthlib.policy import load_policy
    from wealthlib.products import load_shelf
    from wealthlib.risk import profile_client

    policy = load_policy(PARAMS / "policy.yaml")
    shelf = load_shelf(PARAMS / "products.yaml", policy)
    as_of = date(2018, 11, 30)
    est = estimate(shelf_returns(shelf, load_demo_market(as_of), "monthly"), policy.allocation.estimator)
    clients, errors = load_clients(PARAMS / "clients")
    assert clients and not errors
    solved = 0
    for client in clients:
        profile = profile_client(client, policy, as_of)
        spec = build_spec(profile, shelf, policy, est, client)
        try:
            a = allocate(profile, shelf, policy, est, client)
        except AllocationInfeasible as e:
            assert e.conflicts and str(e).startswith("No allocation satisfies every constraint: ")
            continue
        solved += 1
        _check(spec, a.weights.to_numpy())
        grades = shelf.grades()
        assert all(grades[c] <= profile.ceiling for c, x in a.weights.items() if x > 0)
        assert (a.trade_amounts is not None) == (client.portfolio_value() > 0)
    assert solved > 0


# ---------------------------------------------------------------------------------------- product caps


def test_product_caps_bound_each_named_product(sp500):
    r, mu, _ = sp500
    top = list(mu.sort_values(ascending=False).index[:3])  # the products an aggressive client would pile into
    spec = _plain(sp500, risk_aversion=0.5, product_caps={c: 0.05 for c in top})
    a = solve(spec, "mean_variance")
    assert all(a.weights[c] <= 0.05 + 1e-6 for c in top)
    assert any(b == f"{top[0]} at its per-product cap 5%" for b in a.binding)
    free = solve(_plain(sp500, risk_aversion=0.5), "mean_variance")
    assert free.weights[top[0]] > 0.05 + 1e-3  # the cap changed something


def test_product_caps_that_cannot_reach_full_investment_are_named(sp500):
    r, mu, _ = sp500
    spec = _plain(sp500, product_caps={c: 0.01 for c in mu.index})
    with pytest.raises(AllocationInfeasible) as exc:
        solve(spec, "mean_variance")
    assert "cap:products" in exc.value.conflicts
    assert "policy caps" in str(exc.value) and "at 1% each" in str(exc.value)


def test_product_caps_for_unknown_codes_are_refused(sp500):
    with pytest.raises(ValueError, match=r"product_caps for unknown products \['NOPE'\]"):
        _plain(sp500, product_caps={"NOPE": 0.1})


# ---------------------------------------------------------------------------------- large factor form


def _factor_spec(n: int = 500, k: int = 10, **kw) -> AllocationSpec:
    """A SYNTHETIC factor-model shelf (Σ = BBᵀ + diag(d)) with the full constraint set, as benchmark C."""
    rng = np.random.default_rng(n)
    b = rng.normal(0, 0.15, (n, k)) / np.sqrt(k)
    d = rng.uniform(0.02, 0.09, n) ** 2
    base = dict(codes=tuple(f"S{i:03d}" for i in range(n)), asset_classes=tuple(CLASSES[i % 4] for i in range(n)),
                mu=0.03 + b @ rng.uniform(0.0, 0.3, k) + rng.normal(0, 0.02, n), cov_factor=b, idio_var=d,
                grades=tuple(1 + i % 5 for i in range(n)), ceiling=4, bands={"cash": (0.02, 0.4), "equity": (0.1, 0.8)},
                max_product_weight={"cash": 0.2, "bond": 0.05, "equity": 0.03, "alternative": 0.02}, cash_min=0.05,
                currencies=tuple("TWD" if i % 3 == 0 else "USD" for i in range(n)), base_currency="TWD",
                max_foreign=0.6, excluded_products=frozenset({"S002", "S010"}), transaction_cost=0.002)
    base.update(kw)
    return AllocationSpec(**base)


def _dense_reference(spec: AllocationSpec) -> np.ndarray:
    """The same mean-variance problem written independently with the dense Σ, solved to 1e-12."""
    import cvxpy as cp

    n = spec.n
    w = cp.Variable(n)
    w0 = spec.current_weights if spec.current_weights is not None else np.zeros(n)
    caps = np.array([spec.max_product_weight.get(a, 1.0) for a in spec.asset_classes])
    out = np.array([g > spec.ceiling or c in spec.excluded_products for c, g in zip(spec.codes, spec.grades)])
    g = spec.class_matrix()
    cons = [cp.sum(w) == 1, w >= 0, w <= np.where(out, 0.0, caps),
            spec.foreign_mask() @ w <= spec.max_foreign,
            g[list(spec.classes).index("cash")] @ w >= spec.cash_min]
    for j, c in enumerate(spec.classes):
        lo, hi = spec.bands.get(c, (0.0, 1.0))
        cons += [g[j] @ w >= lo, g[j] @ w <= hi]
    if spec.turnover_limit is not None:
        cons.append(0.5 * cp.norm1(w - w0) <= spec.turnover_limit)
    sigma = spec.cov_factor @ spec.cov_factor.T + np.diag(spec.idio_var)
    obj = cp.Maximize(spec.mu @ w - spec.risk_aversion / 2 * cp.quad_form(w, cp.psd_wrap(sigma))
                      - spec.transaction_cost * cp.norm1(w - w0))
    cp.Problem(obj, cons).solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12,
                                max_iter=500)
    return np.asarray(w.value)


@pytest.mark.parametrize("holdings", [True, pytest.param(False, marks=pytest.mark.slow)])  # 1–2 s each
def test_large_factor_form_matches_dense_covariance(holdings):
    """n = 500 in factor form (the fast Clarabel settings of large problems) equals the dense-Σ optimum.

    With holdings the problem carries the traded amounts t (turnover limit and costs); without, it leaves
    them out (costs on a portfolio bought from cash are a constant), and must still give the same optimum.
    """
    kw = dict(current_weights=np.full(500, 1 / 500), turnover_limit=0.7) if holdings else {}
    for gamma in (1.0, 20.0):
        spec = _factor_spec(risk_aversion=gamma, **kw)
        a = solve(spec, "mean_variance")
        assert a.solver == "CLARABEL" and not a.fallback
        assert np.abs(a.weights.to_numpy() - _dense_reference(spec)).max() < 1e-4
        _check(spec, a.weights.to_numpy())


def test_frontier_leaves_transaction_costs_out(sp500):
    r, mu, _ = sp500
    n = len(mu)
    w0 = np.random.default_rng(0).dirichlet(np.ones(n))  # current holdings: every move away from them costs
    spec = _plain(sp500, current_weights=w0, transaction_cost=0.05)
    fr = efficient_frontier(spec, points=10)
    assert (np.diff(fr["expected_return"]) >= -1e-6).all()
    free = efficient_frontier(spec.replace(transaction_cost=0.0), points=10)
    np.testing.assert_allclose(fr[list(spec.codes)].to_numpy(), free[list(spec.codes)].to_numpy(), atol=1e-5)
