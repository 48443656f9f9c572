r"""The compiled allocation problems and the solve path.

One cvxpy problem per (shelf structure, objective): n products and their asset classes, k risk factors,
whether there is an idiosyncratic term, whether the traded amounts t are needed and, for CVaR, the number of
scenarios. All other data are ``cp.Parameter`` s (DPP), so the problem is canonicalized once and each client
only sets new values and re-solves.

Risk is always in factor form, wᵀΣw = ‖Fᵀw‖² + Σᵢ dᵢwᵢ² (F from a Cholesky factor of a dense Σ, or a factor
model's loadings with d the idiosyncratic variances), which keeps the problem DPP with F a parameter and
makes 500 products cheap when Σ has a low-rank-plus-diagonal structure: the solver sees k auxiliary
variables y = Fᵀw, a diagonal P, and no dense n×n block.

What the solver carries was measured on the benchmark's n = 500, k = 10 problem (full constraint set with
turnover, ``benchmarks/allocation.py`` problem C): d on the diagonal of P instead of ‖√d∘w‖² (n variables
and n equality rows fewer), G a constant instead of a dense parameter (6n stored zeros fewer in the band
rows), t only when trades matter, Clarabel without iterative refinement for large problems
(:data:`LARGE_CLARABEL`) and a per-client objective scale (:func:`_objective_scale`) took it from about
15.8 to 6.5 ms per client (two alternating A/B runs of the benchmark on the same, shared machine).

Objectives (``t`` are the traded amounts, c the proportional cost rate):

* ``mean_variance``  maximize μᵀw − γ/2·wᵀΣw − c·1ᵀt; solved as the equivalent
  minimize wᵀΣw − (2/γ)μᵀw + (2/γ)c·1ᵀt, so γ only scales linear terms.
* ``max_return``     maximize μᵀw − c·1ᵀt subject to √(wᵀΣw) ≤ σ_max of the class.
* ``min_variance``   minimize wᵀΣw (used for the frontier's left end).
* ``min_cvar``       minimize CVaR_α of the historical scenarios R (T×n, periodic returns):
  ζ + 1/((1−α)T)·Σ_t max(−r_tᵀw − ζ, 0) + c·1ᵀt (Rockafellar & Uryasev 2000).
* ``risk_parity``    equal risk contributions, convex log-barrier form (Spinu 2013): over x ≥ 0, minimize
  ½xᵀΣx − Σ_{i∈E} (1/|E|) log x_i, then w = x/1ᵀx, over the eligible products E (those whose upper bound is
  positive). The policy constraints are imposed in homogeneous form (x_i ≤ u_i·1ᵀx, b_lo·1ᵀx ≤ Gx ≤ b_hi·1ᵀx,
  cash ≥ m·1ᵀx, foreign ≤ F·1ᵀx, x_i ≥ ℓ_i·1ᵀx) so they hold exactly after normalizing; when one binds the
  contributions are no longer equal (constrained risk budgeting). Turnover limits and transaction costs
  are not supported by this objective (they are not homogeneous) and a note says so.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
import pandas as pd
from scipy import sparse

from . import diagnose
from .constraints import (
    POLICY_CONSTRAINTS,
    AssetClassBands,
    ForeignCurrencyCap,
    LiquidityReserve,
    MinimumPosition,
    Turnover,
    Vars,
    _pct,
    exclusion_reasons,
    upper_bounds,
)
from .spec import OBJECTIVES, Allocation, AllocationError, AllocationInfeasible, AllocationSpec

SOLVER_CHAINS: dict[str, tuple[str, ...]] = {
    "mean_variance": ("CLARABEL", "OSQP", "SCS"),
    "min_variance": ("CLARABEL", "OSQP", "SCS"),
    "max_return": ("CLARABEL", "SCS"),
    "min_cvar": ("CLARABEL", "HIGHS", "SCS"),
    "risk_parity": ("CLARABEL", "SCS"),
}
SOLVER_OPTIONS: dict[str, dict] = {
    "CLARABEL": {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9, "tol_ktratio": 1e-8},
    "OSQP": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iter": 200_000, "polishing": True},
    "SCS": {"eps_abs": 1e-8, "eps_rel": 1e-8, "max_iters": 200_000},
    "HIGHS": {},
}
LARGE = 200
"""From this many products on, Clarabel first runs with :data:`LARGE_CLARABEL` (see :func:`_attempts`)."""
LARGE_CLARABEL: dict = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8,
                        "iterative_refinement_enable": False}
"""Clarabel's settings for large problems.

* No iterative refinement: on the benchmark's n = 500 factor-form problem it was about 40% of Clarabel's
  time (8.6 → 5.4 ms on the same data) and changed neither the iteration count nor the distance to a
  1e-12 reference. It only polishes each Newton step; whether a point is optimal is decided on the
  unregularized residuals, so a "solved" answer meets the same tolerances with or without it.
* Tolerances 1e-10 rather than 1e-9: the objective wᵀΣw − (2/γ)μᵀw curves by at least 2·λ_min(Σ)
  (≥ 2·min dᵢ in factor form, dᵢ the idiosyncratic variances), so a duality gap g leaves the weights within
  √(g / λ_min) of the optimum. On that problem this was 4e-5 at 1e-9 and 1e-5 at 1e-10, for the same
  number of iterations. (At n = 20 refinement costs little, so small problems keep the usual settings.)

If this attempt does not end optimal (and not infeasible), Clarabel is tried again with the usual settings
and refinement before the chain moves on, and the first attempt is recorded as a fallback.
"""
_INFEASIBLE = (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE)
ZERO = 1e-7  # weights below this are solver noise and become exactly 0


# --------------------------------------------------------------------------------------------- compiled models


class _Compiled:
    """One DPP problem; ``lock`` guards the parameter values between set and solve.

    ``membership`` (the shelf's asset-class matrix, a constant) and ``trades`` (whether t exists) are part
    of the structure, so they are part of the cache key (see :func:`compiled`).
    """

    def __init__(self, objective: str, n: int, k: int, n_classes: int, idio: bool, scenarios: int,
                 eligible: tuple[bool, ...] | None = None, membership=None, trades: bool = True):
        self.objective = objective
        self.lock = threading.Lock()
        self.idio = idio
        if objective == "risk_parity":
            self._build_rp(n, k, n_classes, idio, eligible)
            return
        v = self.v = Vars(n, n_classes, membership, trades)
        cons: list = []
        for c in POLICY_CONSTRAINTS:
            cons += c.compile(v)
        f = v.param("F", (n, k))
        y = f.T @ v.w
        trade = v.param("cost", nonneg=True) * cp.sum(v.t) if v.t is not None else 0.0
        if objective == "max_return":
            # the cap is a second-order cone ‖(Fᵀw, d∘w)‖₂ ≤ σ, so it takes d = √idio as a vector
            terms = [y] + ([cp.multiply(v.param("d", n, nonneg=True), v.w)] if idio else [])
            cons.append(cp.norm(cp.hstack(terms), 2) <= v.param("sigma", nonneg=True))
            obj = cp.Maximize(v.param("mu", n) @ v.w - trade)
        else:
            # wᵀΣw = ‖Fᵀw‖² + Σ dᵢ wᵢ² with dᵢ the idiosyncratic variance: cvxpy gives ‖Fᵀw‖² k auxiliary
            # variables and Σ dᵢ wᵢ² goes straight onto the diagonal of P. (‖d^½∘w‖² instead would add n
            # variables and n equality rows, a third of the KKT system at n = 500.)
            risk = cp.sum_squares(y)
            if idio:
                risk = risk + cp.sum(cp.multiply(v.param("d2", n, nonneg=True), cp.square(v.w)))
            if objective == "mean_variance":
                obj = cp.Minimize(risk - v.param("mu", n) @ v.w + trade)
            elif objective == "min_variance":
                obj = cp.Minimize(risk + trade)
            elif objective == "min_cvar":
                r = v.param("R", (scenarios, n))
                zeta = cp.Variable(name="zeta")
                e = cp.Variable(scenarios, nonneg=True, name="excess")
                cons.append(e >= -r @ v.w - zeta)
                self.zeta = zeta
                obj = cp.Minimize(zeta + v.param("cvar_scale", nonneg=True) * cp.sum(e) + trade)
            else:  # pragma: no cover
                raise ValueError(objective)
        self.problem = cp.Problem(obj, cons)
        assert self.problem.is_dpp()

    def _build_rp(self, n, k, n_classes, idio, eligible) -> None:
        idx = np.flatnonzero(np.asarray(eligible))
        self.eligible = idx
        m = len(idx)
        v = self.v = Vars(m, n_classes, trades=False)
        x = v.w
        tot = cp.sum(x)
        f = v.param("F", (m, k))
        risk = cp.sum_squares(f.T @ x)
        if idio:
            risk = risk + cp.sum_squares(cp.multiply(v.param("d", m, nonneg=True), x))
        cons = [
            x <= cp.multiply(v.param("upper", m, nonneg=True), tot),
            x >= cp.multiply(v.param("lower", m, nonneg=True), tot),
            v.param("G", (n_classes, m), nonneg=True) @ x >= cp.multiply(v.param("band_lo", n_classes, nonneg=True), tot),
            v.param("G") @ x <= cp.multiply(v.param("band_hi", n_classes, nonneg=True), tot),
            v.param("cash_row", m, nonneg=True) @ x >= v.param("cash_min", nonneg=True) * tot,
            v.param("fx_row", m, nonneg=True) @ x <= v.param("fx_cap", nonneg=True) * tot,
        ]
        obj = cp.Minimize(0.5 * risk - cp.sum(cp.log(x)) / m)
        self.problem = cp.Problem(obj, cons)
        assert self.problem.is_dpp()


_CACHE: "OrderedDict[tuple, _Compiled]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 64


def compiled(spec: AllocationSpec, objective: str, eligible: np.ndarray | None = None) -> _Compiled:
    """The compiled problem for this spec's shape and ``objective`` (built on first use, then cached)."""
    k = spec.cov_factor.shape[1]
    t = spec.scenarios.shape[0] if (objective == "min_cvar") else 0
    elig = tuple(bool(b) for b in eligible) if objective == "risk_parity" else None
    # the class labels fix G's sparsity and t exists only when trades matter, so both are structure
    structure = None if objective == "risk_parity" else (spec.classes, spec.asset_classes, Turnover.needed(spec))
    key = (objective, spec.n, k, len(spec.classes), spec.idio_var is not None, t, elig, structure)
    with _CACHE_LOCK:
        model = _CACHE.get(key)
        if model is not None:
            _CACHE.move_to_end(key)
            return model
    if structure is None:
        model = _Compiled(objective, spec.n, k, len(spec.classes), spec.idio_var is not None, t, elig)
    else:
        model = _Compiled(objective, spec.n, k, len(spec.classes), spec.idio_var is not None, t, elig,
                          membership=sparse.csr_matrix(spec.class_matrix()), trades=structure[2])
    with _CACHE_LOCK:
        _CACHE[key] = model
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return model


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


# ------------------------------------------------------------------------------------------------ parameters


def _objective_scale(spec: AllocationSpec) -> float:
    r"""κ for the mean-variance objective, solved as κ·(wᵀΣw − (2/γ)μᵀw + (2/γ)c·1ᵀt) (same minimizer).

    κ makes the linear part's largest coefficient 1. Why: cvxpy re-uses one Clarabel solver per compiled
    problem and only updates its data, and Clarabel keeps the equilibration it computed for the first
    client; with (2/γ)μ spanning two orders of magnitude over the clients' γ, later clients start badly
    scaled. On the benchmark's n = 500 problem this took 18 interior-point iterations to 14. Bounded to
    [1e-3, 1e3] so a near-zero μ cannot blow up the quadratic term.
    """
    lin = 2.0 / spec.risk_aversion * max(float(np.abs(spec.mu).max()), float(spec.transaction_cost))
    return float(np.clip(1.0 / lin, 1e-3, 1e3)) if lin > 0 else 1.0


def _set_values(model: _Compiled, spec: AllocationSpec, objective: str, lower: np.ndarray, upper: np.ndarray,
                vol_cap: float | None) -> None:
    if objective == "risk_parity":
        idx = model.eligible
        model.v.set("F", spec.cov_factor[idx])
        if model.idio:
            model.v.set("d", np.sqrt(spec.idio_var[idx]))
        model.v.set("upper", upper[idx])
        model.v.set("lower", lower[idx])
        lo, hi = AssetClassBands.arrays(spec)
        model.v.set("G", spec.class_matrix()[:, idx])
        model.v.set("band_lo", lo)
        model.v.set("band_hi", hi)
        model.v.set("cash_row", LiquidityReserve.row(spec)[idx])
        model.v.set("cash_min", float(max(0.0, spec.cash_min)))
        model.v.set("fx_row", spec.foreign_mask()[idx])
        model.v.set("fx_cap", float(spec.max_foreign) if ForeignCurrencyCap.active(spec) else 1.0)
        return
    model.v.set("lower", lower)
    model.v.set("upper", upper)
    for c in POLICY_CONSTRAINTS[1:]:
        c.values(spec, model.v)
    k = _objective_scale(spec) if objective == "mean_variance" else 1.0
    model.v.set("F", spec.cov_factor if k == 1.0 else np.sqrt(k) * spec.cov_factor)
    if model.idio:
        if objective == "max_return":
            model.v.set("d", np.sqrt(spec.idio_var))
        else:
            model.v.set("d2", k * spec.idio_var)
    c = float(spec.transaction_cost)
    if objective == "mean_variance":
        s = 2.0 / spec.risk_aversion
        model.v.set("mu", k * s * spec.mu)
        c *= k * s
    elif objective == "min_variance":
        c = 0.0
    elif objective == "max_return":
        model.v.set("mu", spec.mu)
        model.v.set("sigma", float(vol_cap))
    elif objective == "min_cvar":
        model.v.set("R", spec.scenarios)
        model.v.set("cvar_scale", 1.0 / ((1.0 - spec.cvar_alpha) * spec.scenarios.shape[0]))
    if model.v.t is not None:
        model.v.set("cost", c)


# ------------------------------------------------------------------------------------------------- solving


@dataclass
class _Outcome:
    w: np.ndarray | None
    status: str
    solver: str
    fallback: list[str] = field(default_factory=list)
    infeasible: bool = False


def _attempts(solver: str, n: int) -> list[tuple[str, dict]]:
    """(label, options) to try for one solver of the chain; large problems get a fast Clarabel pass first.

    Both Clarabel attempts name ``iterative_refinement_enable``: cvxpy re-uses the solver object between
    solves and only overwrites the settings it is given.
    """
    opts = SOLVER_OPTIONS.get(solver, {})
    if solver == "CLARABEL" and n >= LARGE:
        return [("CLARABEL (no refinement)", LARGE_CLARABEL),
                ("CLARABEL", {**opts, "iterative_refinement_enable": True})]
    return [(solver, opts)]


def _run(model: _Compiled, objective: str, solver: str | None) -> _Outcome:
    chain = (solver,) if solver else SOLVER_CHAINS[objective]
    tried: list[str] = []
    infeasible_votes = 0
    prob = model.problem
    for s in chain:
        for label, opts in _attempts(s, model.v.n):
            try:
                prob.solve(solver=s, **opts)
            except cp.error.SolverError as exc:
                tried.append(f"{label}: {str(exc).splitlines()[0][:120]}")
                continue
            except Exception as exc:  # noqa: BLE001 - a solver crash must not escape as a bare traceback
                tried.append(f"{label}: {type(exc).__name__}: {str(exc)[:120]}")
                continue
            if prob.status == cp.OPTIMAL and model.v.w.value is not None:
                return _Outcome(np.asarray(model.v.w.value, dtype=float).copy(), prob.status, s, tried)
            tried.append(f"{label}: status {prob.status}")
            if prob.status in _INFEASIBLE:
                infeasible_votes += 1
                break  # a verdict, not a numerical failure: the same solver need not be asked again
    return _Outcome(None, tried[-1] if tried else "no solver", "", tried, infeasible=infeasible_votes > 0)


def _embed(spec, model, objective, x: np.ndarray) -> np.ndarray:
    if objective != "risk_parity":
        return x
    w = np.zeros(spec.n)
    w[model.eligible] = x / x.sum()
    return w


def _clean(w: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    w = np.clip(w, 0.0, upper)
    w[w < ZERO] = 0.0
    w = np.maximum(w, np.where(lower > 0, np.minimum(lower, w + 1e-6), 0.0))
    return w / w.sum()


def solve_weights(spec: AllocationSpec, objective: str | None = None, solver: str | None = None,
                  vol_cap: float | None = None) -> tuple[np.ndarray, _Outcome, int, np.ndarray, list[str]]:
    """Solve with the minimum-position heuristic; returns (w, outcome, rounds, lower bounds, notes)."""
    objective = objective or spec.objective
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    notes: list[str] = []
    if objective == "max_return":
        vol_cap = vol_cap if vol_cap is not None else spec.volatility_cap
        if vol_cap is None:
            vol_cap = 10.0 * float(np.sqrt(max(_diag(spec).max(), 1e-12)))
            notes.append("no volatility cap given: maximum return without one")
    if objective == "min_cvar" and (spec.scenarios is None or spec.scenarios.shape[0] < 2):
        raise AllocationError("the minimum-CVaR objective needs historical return scenarios")
    if objective == "risk_parity" and (Turnover.active(spec) or spec.transaction_cost > 0):
        notes.append("risk parity ignores the turnover limit and transaction costs")
    upper = upper_bounds(spec)
    lower = np.zeros(spec.n)
    m = spec.min_position
    rounds = 0
    fixed = np.zeros(spec.n, bool)
    forced = np.zeros(spec.n, bool)
    while True:
        if objective == "risk_parity" and not (upper > 0).any():
            out = _Outcome(None, "infeasible", "", [], infeasible=True)
        else:
            model = compiled(spec, objective, upper > 0 if objective == "risk_parity" else None)
            with model.lock:
                _set_values(model, spec, objective, lower, upper, vol_cap)
                out = _run(model, objective, solver)
                if out.w is not None:
                    out.w = _embed(spec, model, objective, out.w)
        if out.w is None:
            if rounds and forced.any():
                # forcing positions up made it infeasible: drop the forced ones instead and try again
                upper = np.where(forced & (lower > 0), 0.0, upper)
                lower = np.zeros(spec.n)
                fixed |= forced
                forced[:] = False
                rounds += 1
                continue
            spec_eff = spec if objective != "max_return" else spec.replace(volatility_cap=vol_cap)
            if out.infeasible or diagnose.has_conflict(spec_eff, objective):
                mp = MinimumPosition(fixed if fixed.any() else None, None) if rounds else None
                raise diagnose.explain(spec_eff, objective, mp)
            raise AllocationError(
                f"the {objective} problem could not be solved reliably (tried: {'; '.join(out.fallback)})"
            )
        w = _clean(out.w, lower, upper)
        if m <= 0:
            return w, out, rounds, lower, notes
        small = (w > 0) & (w < m - 1e-6) & (lower < m)
        if not small.any():
            return w, out, rounds, lower, notes
        drop = small & (w < m / 2)
        force = small & ~drop
        upper = np.where(drop, 0.0, upper)
        lower = np.where(force, m, lower)
        fixed |= drop
        forced |= force
        rounds += 1
        if rounds > spec.n + 2:  # pragma: no cover - each round fixes a product, so this cannot happen
            raise AllocationError("minimum-position heuristic did not settle")


def _diag(spec: AllocationSpec) -> np.ndarray:
    d = np.einsum("ij,ij->i", spec.cov_factor, spec.cov_factor)
    return d + (spec.idio_var if spec.idio_var is not None else 0.0)


def _sigma_w(spec: AllocationSpec, w: np.ndarray) -> np.ndarray:
    out = spec.cov_factor @ (spec.cov_factor.T @ w)
    if spec.idio_var is not None:
        out = out + spec.idio_var * w
    return out


def _cvar(spec: AllocationSpec, w: np.ndarray) -> float | None:
    if spec.scenarios is None or spec.scenarios.shape[0] < 2:
        return None
    losses = -(spec.scenarios @ w)
    var = np.quantile(losses, spec.cvar_alpha)
    tail = losses[losses >= var]
    return float(tail.mean())


def solve(spec: AllocationSpec, objective: str | None = None, solver: str | None = None,
          vol_cap: float | None = None) -> Allocation:
    """Allocate one client: the full path (solve, fall back, min-position rounds, explain)."""
    objective = objective or spec.objective
    w, out, rounds, lower, notes = solve_weights(spec, objective, solver, vol_cap)
    return build_allocation(spec, objective, w, out, rounds, lower, notes, vol_cap)


def build_allocation(spec, objective, w, out, rounds, lower, notes, vol_cap=None) -> Allocation:
    codes = pd.Index(spec.codes)  # one index shared by the four per-product series
    sw = _sigma_w(spec, w)
    var = float(w @ sw)
    vol = float(np.sqrt(max(var, 0.0)))
    er = float(spec.mu @ w)
    rc = w * sw / var if var > 0 else np.zeros(spec.n)
    w0 = Turnover.w0(spec)
    trades = w - w0
    turnover = 0.5 * (np.abs(trades).sum() + spec.off_shelf_weight)
    costs = spec.transaction_cost * (np.abs(trades).sum() + spec.off_shelf_weight)
    cvar = _cvar(spec, w)
    if objective == "mean_variance":
        value = er - 0.5 * spec.risk_aversion * var - spec.transaction_cost * np.abs(trades).sum()
    elif objective in ("max_return",):
        value = er - spec.transaction_cost * np.abs(trades).sum()
    elif objective == "min_cvar":
        value = cvar if cvar is not None else float("nan")
    elif objective == "min_variance":
        value = var
    else:
        value = float(np.std(rc[w > 0])) if (w > 0).any() else 0.0
    upper = upper_bounds(spec)
    binding: list[str] = []
    for c in POLICY_CONSTRAINTS:
        binding += c.binding(spec, w, upper, lower)
    binding += MinimumPosition().binding(spec, w, upper, lower)
    cap = vol_cap if vol_cap is not None else spec.volatility_cap
    if objective == "max_return" and cap is not None and vol >= cap - 1e-5:
        binding.append(f"volatility at the cap {_pct(cap)} for class {spec.class_label}")
    if out.fallback:
        notes = notes + [f"solved by {out.solver} after: {'; '.join(out.fallback)}"]
    if costs > 0:
        notes = notes + [f"estimated transaction costs {_pct(costs)} of the portfolio"]
    amounts = None
    if spec.portfolio_value is not None:
        amounts = pd.Series(trades * spec.portfolio_value, index=codes, name="trade_amount")
    return Allocation(
        weights=pd.Series(w, index=codes, name="weight"),
        by_class=pd.Series(np.bincount(spec.class_index(), w, len(spec.classes)), index=list(spec.classes),
                           name="weight"),
        expected_return=er,
        volatility=vol,
        risk_contributions=pd.Series(rc, index=codes, name="risk_contribution"),
        trades=pd.Series(trades, index=codes, name="trade"),
        trade_amounts=amounts,
        binding=binding,
        excluded=exclusion_reasons(spec),
        status=out.status if not out.fallback else f"{out.status} (fallback {out.solver})",
        solver=out.solver,
        objective=objective,
        objective_value=float(value),
        turnover=float(turnover),
        cvar=cvar,
        fallback=list(out.fallback),
        min_position_rounds=rounds,
        off_shelf_sold=float(spec.off_shelf_weight),
        notes=notes,
    )


def efficient_frontier(spec: AllocationSpec, points: int = 20, solver: str | None = None) -> pd.DataFrame:
    """Efficient frontier under the spec's constraints: one row per point, ascending volatility.

    From the minimum-variance allocation to the maximum-return one, maximizing return at ``points`` evenly
    spaced volatility caps. Columns: ``volatility``, ``expected_return``, then one weight column per product.
    (With a minimum position the heuristic can make neighbouring points slightly non-monotone.)

    Transaction costs are left out (turnover limits stay): the frontier is the trade-off of portfolios, not of
    trades. With costs in the objective each point would maximize return *net* of the cost of getting there
    from the current holdings, and the gross expected return it reports could fall as risk rises.
    """
    if points < 2:
        raise ValueError("points must be at least 2")
    spec = spec.replace(transaction_cost=0.0)
    w_lo, *_ = solve_weights(spec, "min_variance", solver)
    big = 10.0 * float(np.sqrt(max(_diag(spec).max(), 1e-12)))
    w_hi, *_ = solve_weights(spec.replace(volatility_cap=None), "max_return", solver, vol_cap=big)
    v_lo = float(np.sqrt(w_lo @ _sigma_w(spec, w_lo)))
    v_hi = float(np.sqrt(w_hi @ _sigma_w(spec, w_hi)))
    rows = []
    for i, cap in enumerate(np.linspace(v_lo, v_hi, points)):
        if i == 0:
            w = w_lo
        elif i == points - 1:
            w = w_hi
        else:
            w, *_ = solve_weights(spec, "max_return", solver, vol_cap=float(cap))
        rows.append([float(np.sqrt(w @ _sigma_w(spec, w))), float(spec.mu @ w), *w])
    return pd.DataFrame(rows, columns=["volatility", "expected_return", *spec.codes])


__all__ = ["solve", "solve_weights", "efficient_frontier", "compiled", "clear_cache", "AllocationInfeasible"]
