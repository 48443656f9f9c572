r"""The compiled allocation problems and the solve path.

A problem is compiled once per *structure* — the objective, the shelf's size and the left-hand sides of its
constraints (asset-class membership, the cash and foreign-currency rows, whether traded amounts t exist,
the risk model's factor F, the CVaR scenarios) — and re-solved per client with new right-hand sides (bands,
bounds, the liquidity need, the turnover allowance, …) and new objective vectors (μ scaled by γ, costs).
See :mod:`.constraints` for how each constraint states its rows once.

Two compiled forms share that structure:

* **Direct (the fast path).** For ``mean_variance``, ``min_variance``, ``max_return`` and ``min_cvar`` the
  problem is stuffed once into Clarabel's standard form
  minimize ½zᵀPz + qᵀz subject to Az + s = b, s ∈ K (zero, non-negative and second-order cones);
  per client only b, q and P's values are filled in (numpy slices) and Clarabel is called directly. This
  skips cvxpy's per-solve work: profiling the benchmark's 20-product problem A through the earlier DPP
  re-solve (2.2 ms per client), ``Problem.solve`` was 68% of the time (the parameter tensor products of
  ``get_problem_data`` 39%, unpacking 10%), Clarabel's own solve 8%, building the result 18%.
* **DPP (cvxpy).** The same constraints in their ``cp.Parameter`` form (:meth:`Constraint.dpp`), built on
  first need: for the other solvers of the fallback chain (OSQP, SCS, HiGHS), for a solver named by the
  caller, and for ``risk_parity`` (a log barrier, an exponential cone).

Risk: wᵀΣw. With a dense Σ (a Cholesky factor F, k = n) the direct form puts 2Σ in P; with a factor model
Σ = FFᵀ + diag(d) (k < n/2) it adds k variables y = Fᵀw and P is diagonal (2 on y, 2d on w), so 500
products cost no dense n×n block.

Objectives (``t`` are the traded amounts, c the proportional cost rate):

* ``mean_variance``  maximize μᵀw − γ/2·wᵀΣw − c·1ᵀt; solved as the equivalent
  minimize κ(wᵀΣw − (2/γ)μᵀw + (2/γ)c·1ᵀt), κ from :func:`_objective_scale`.
* ``max_return``     maximize μᵀw − c·1ᵀt subject to √(wᵀΣw) ≤ σ_max of the class (:class:`VolatilityCap`).
* ``min_variance``   minimize wᵀΣw (used for the frontier's left end).
* ``min_cvar``       minimize CVaR_α of the historical scenarios R (T×n, periodic returns):
  ζ + 1/((1−α)T)·Σ_t max(−r_tᵀw − ζ, 0) + c·1ᵀt (Rockafellar & Uryasev 2000).
* ``risk_parity``    equal risk contributions, convex log-barrier form (Spinu 2013): over x ≥ 0, minimize
  ½xᵀΣx − Σ_{i∈E} (1/|E|) log x_i, then w = x/1ᵀx, over the eligible products E (those whose upper bound is
  positive). The policy constraints are imposed in homogeneous form (:meth:`Constraint.homogeneous`:
  lhs(x) ⋈ rhs·1ᵀx, bounds ℓ_i·1ᵀx ≤ x_i ≤ u_i·1ᵀx) so they hold exactly after normalizing; when one binds
  the contributions are no longer equal (constrained risk budgeting). Turnover limits and transaction
  costs are not supported by this objective (they are not homogeneous) and a note says so.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import clarabel
import cvxpy as cp
import numpy as np
import pandas as pd
from scipy import sparse

from . import diagnose
from .constraints import (
    Constraint,
    MinimumPosition,
    PinnedWeights,
    Turnover,
    VolatilityCap,
    _fingerprint,
    _pct,
    exclusion_reasons,
    merged_bounds,
    policy_constraints,
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
DIRECT = ("mean_variance", "min_variance", "max_return", "min_cvar")
"""Objectives with a direct Clarabel form."""


# ------------------------------------------------------------------------------------------ per-client data


@dataclass
class ClientData:
    """One client's numbers for a compiled problem: the constraint instances and the objective's data."""

    spec: AllocationSpec
    objective: str
    constraints: list[Constraint]
    lower: np.ndarray
    upper: np.ndarray
    vol_cap: float | None = None

    @property
    def trades(self) -> bool:
        return any(c.at is not None for c in self.constraints)


def _objective_scale(spec: AllocationSpec) -> float:
    r"""κ for the mean-variance objective, solved as κ·(wᵀΣw − (2/γ)μᵀw + (2/γ)c·1ᵀt) (same minimizer).

    κ makes the linear part's largest coefficient 1, so the solver's equilibration sees the same
    magnitudes whatever γ (with (2/γ)μ spanning two orders of magnitude over the clients' γ, a badly scaled
    start cost iterations on the n = 500 problem: 18 → 14). Bounded to [1e-3, 1e3] so a near-zero μ cannot
    blow up the quadratic term.
    """
    lin = 2.0 / spec.risk_aversion * max(spec.mu_scale, float(spec.transaction_cost))
    return min(1e3, max(1e-3, 1.0 / lin)) if lin > 0 else 1.0


def _linear_terms(c: ClientData) -> tuple[np.ndarray | None, float, float]:
    """(μ coefficient vector on w, cost rate on t, κ): the objective's linear data for this client."""
    spec, obj = c.spec, c.objective
    if obj == "mean_variance":
        k = _objective_scale(spec)
        s = k * 2.0 / spec.risk_aversion
        return s * spec.mu, s * float(spec.transaction_cost), k
    if obj == "min_variance":
        return None, 0.0, 1.0
    if obj == "max_return":
        return spec.mu, float(spec.transaction_cost), 1.0
    return None, float(spec.transaction_cost), 1.0  # min_cvar


def _dense(spec: AllocationSpec) -> bool:
    """Put Σ itself in P (a dense Σ) rather than y = Fᵀw auxiliaries (a factor model)."""
    return spec.idio_var is None and spec.cov_factor.shape[1] >= spec.n // 2


def _structure_key(c: ClientData, eligible: tuple | None) -> tuple:
    spec = c.spec
    t = spec.scenarios.shape[0] if c.objective == "min_cvar" else 0
    return (c.objective, spec.n, c.trades, _dense(spec), _fingerprint(spec.cov_factor),
            None if spec.idio_var is None else _fingerprint(spec.idio_var),
            _fingerprint(spec.scenarios) if t else None, eligible,
            tuple(x.structure() for x in c.constraints))


# --------------------------------------------------------------------------------------------- direct form


class _Direct:
    """The problem in Clarabel's form, A z + s = b, s ∈ K; per client only b, q and P's values change.

    z = (w, t if trades, then y = Fᵀw (factor risk) or ζ, e (CVaR)). Row order: equalities (zero cone),
    then inequalities (non-negative cone), then the volatility cap's second-order cone.
    """

    def __init__(self, c: ClientData):
        spec, obj = c.spec, c.objective
        n = self.n = spec.n
        nt = n if c.trades else 0
        self.trades = c.trades
        self.dense = _dense(spec) and obj in ("mean_variance", "min_variance")
        k = spec.cov_factor.shape[1]
        self.k = 0 if self.dense or obj not in ("mean_variance", "min_variance") else k
        self.T = spec.scenarios.shape[0] if obj == "min_cvar" else 0
        nz = self.nz = n + nt + self.k + (1 + self.T if self.T else 0)

        def widen(a: sparse.spmatrix) -> sparse.csr_matrix:
            return sparse.hstack([a, sparse.csr_matrix((a.shape[0], nz - a.shape[1]))], format="csr")

        eq_rows, eq_slots, in_rows, in_slots = [], [], [], []
        eq_n = in_n = 0
        for j, con in enumerate(c.constraints):
            if con.is_bound or isinstance(con, VolatilityCap):
                continue
            for side, a, sign in con.rows(n, c.trades):
                a = widen(a)
                if side == "eq":
                    eq_rows.append(a)
                    eq_slots.append((eq_n, eq_n + a.shape[0], j, "hi", 1.0))
                    eq_n += a.shape[0]
                else:
                    in_rows.append(a)
                    in_slots.append((in_n, in_n + a.shape[0], j, side, sign))
                    in_n += a.shape[0]
        if self.k:  # Fᵀw − y = 0
            f = sparse.hstack([sparse.csr_matrix(spec.cov_factor.T), sparse.csr_matrix((k, nt)),
                               -sparse.identity(k), sparse.csr_matrix((k, nz - n - nt - k))], format="csr")
            eq_rows.append(f)
            eq_n += k
        # ℓ ≤ w ≤ u as −w ≤ −ℓ, w ≤ u
        eye = widen(sparse.identity(n, format="csr"))
        in_rows += [-eye, eye]
        self.bound_rows = (in_n, in_n + n, in_n + 2 * n)
        in_n += 2 * n
        if self.T:  # e ≥ −Rw − ζ, e ≥ 0
            r = spec.scenarios
            zeta_col = n + nt
            blk = sparse.hstack([sparse.csr_matrix(-r), sparse.csr_matrix((self.T, nt)),
                                 -np.ones((self.T, 1)), -sparse.identity(self.T)], format="csr")
            nonneg = sparse.hstack([sparse.csr_matrix((self.T, zeta_col + 1)), -sparse.identity(self.T)],
                                   format="csr")
            in_rows += [blk, nonneg]
            in_n += 2 * self.T
        cones = []
        if eq_n:
            cones.append(clarabel.ZeroConeT(eq_n))
        cones.append(clarabel.NonnegativeConeT(in_n))
        blocks = eq_rows + in_rows
        self.soc = None
        vc = [x for x in c.constraints if isinstance(x, VolatilityCap)]
        if vc:  # (σ, Fᵀw, √d∘w) ∈ SOC: s = b − Az with b = (σ, 0, …), A = (0; −Fᵀ; −diag √d)
            v = vc[0]
            parts = [sparse.csr_matrix((1, n)), sparse.csr_matrix(-v.factor.T)]
            if v.idio_var is not None:
                parts.append(-sparse.diags(np.sqrt(v.idio_var)).tocsr())
            soc = widen(sparse.vstack(parts, format="csr"))
            blocks.append(soc)
            self.soc = eq_n + in_n
            cones.append(clarabel.SecondOrderConeT(soc.shape[0]))
        self.A = sparse.vstack(blocks, format="csc")
        self.cones = cones
        self.eq_slots = eq_slots
        self.in_slots = [(a + eq_n, b + eq_n, j, side, sign) for a, b, j, side, sign in in_slots]
        self.bound_rows = tuple(x + eq_n for x in self.bound_rows)
        self.m = self.A.shape[0]
        if self.dense:  # the upper triangle of Σ, column by column (CSC)
            rows = np.concatenate([np.arange(j + 1) for j in range(n)])
            cols = np.concatenate([np.full(j + 1, j) for j in range(n)])
            self._tri = (rows, cols)
            indptr = np.concatenate([[0], np.cumsum(np.arange(1, n + 1)), np.full(nz - n, n * (n + 1) // 2)])
            self._p_struct = (rows.astype(np.int32), indptr.astype(np.int32))
        self._local = threading.local()

    def _p_dense(self, values: np.ndarray) -> sparse.csc_matrix:
        """P with this structure's pattern and these values, on a matrix kept per thread.

        Clarabel copies P when a solver is built, so the matrix can be refilled for the next client; making
        a new scipy matrix per client (its format checks) cost about as much as the solve at n = 20.
        """
        p = getattr(self._local, "p", None)
        if p is None:
            rows, indptr = self._p_struct
            p = self._local.p = sparse.csc_matrix((values.copy(), rows, indptr), shape=(self.nz, self.nz))
        else:
            p.data[:] = values
        return p

    def data(self, c: ClientData) -> tuple:
        """(P, q, b) for this client."""
        spec = c.spec
        n, nz = self.n, self.nz
        b = np.zeros(self.m)
        cons = c.constraints
        for a, e, j, side, sign in self.eq_slots:
            b[a:e] = cons[j].hi
        for a, e, j, side, sign in self.in_slots:
            b[a:e] = sign * getattr(cons[j], side)
        lo_a, hi_a, hi_e = self.bound_rows
        b[lo_a:hi_a] = -c.lower
        b[hi_a:hi_e] = c.upper
        mu, cost, kappa = _linear_terms(c)
        q = np.zeros(nz)
        if mu is not None:
            q[:n] = -mu
        if self.trades:
            q[n:2 * n] = cost
        if self.T:
            zeta = nz - self.T - 1
            q[zeta] = 1.0
            q[zeta + 1:] = 1.0 / ((1.0 - spec.cvar_alpha) * self.T)
        if self.soc is not None:
            b[self.soc] = float(c.vol_cap)
        if self.dense:
            sigma = spec.cov if spec.cov is not None else spec.covariance
            p = self._p_dense((2.0 * kappa) * sigma[self._tri])
        elif self.k:
            diag = np.zeros(nz)
            if spec.idio_var is not None:
                diag[:n] = 2.0 * kappa * spec.idio_var
            nt = n if self.trades else 0
            diag[n + nt:n + nt + self.k] = 2.0 * kappa
            p = sparse.diags(diag, format="csc")
        else:
            p = sparse.csc_matrix((nz, nz))
        return p, q, b

    def solve(self, c: ClientData, settings: "clarabel.DefaultSettings") -> tuple[str, np.ndarray | None]:
        """(status in cvxpy's words, w or None)."""
        p, q, b = self.data(c)
        sol = clarabel.DefaultSolver(p, q, self.A, b, self.cones, settings).solve()
        status = str(sol.status)
        if status == "Solved":
            return cp.OPTIMAL, np.asarray(sol.x)[: self.n]
        if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
            return cp.INFEASIBLE if status == "PrimalInfeasible" else cp.INFEASIBLE_INACCURATE, None
        if status == "AlmostSolved":
            return cp.OPTIMAL_INACCURATE, None
        return f"clarabel {status}", None


_SETTINGS: dict[tuple, "clarabel.DefaultSettings"] = {}


def _settings(opts: dict) -> "clarabel.DefaultSettings":
    key = tuple(sorted(opts.items()))
    s = _SETTINGS.get(key)
    if s is None:
        s = clarabel.DefaultSettings()
        s.verbose = False
        for name, value in opts.items():
            setattr(s, name, value)
        _SETTINGS[key] = s
    return s


# ---------------------------------------------------------------------------------------------- DPP form


class Vars:
    """The cvxpy problem's variables and parameters."""

    def __init__(self, n: int, trades: bool):
        self.n = n
        self.w = cp.Variable(n, name="w")
        self.t = cp.Variable(n, name="t") if trades else None
        self.p: dict[str, cp.Parameter] = {}
        self._last: dict[str, np.ndarray] = {}

    def param(self, name: str, shape=(), **kw) -> cp.Parameter:
        if name not in self.p:
            self.p[name] = cp.Parameter(shape, name=name, **kw)
        return self.p[name]

    def set(self, name: str, value) -> None:
        """Set a parameter's value, skipping cvxpy's validation when it has not changed."""
        value = np.asarray(value, dtype=float) if not np.isscalar(value) else float(value)
        last = self._last.get(name)
        if last is not None and np.shape(last) == np.shape(value) and np.array_equal(last, value):
            return
        self.p[name].value = value
        self._last[name] = np.array(value, copy=True)


class _DPP:
    """The cvxpy problem: each constraint's :meth:`~Constraint.dpp` form (or homogeneous form for risk parity)."""

    def __init__(self, c: ClientData, eligible: np.ndarray | None = None):
        spec, obj = c.spec, c.objective
        self.objective = obj
        f, d = spec.cov_factor, spec.idio_var
        if obj == "risk_parity":
            idx = self.eligible = np.flatnonzero(eligible)
            v = self.v = Vars(len(idx), trades=False)
            x, tot = v.w, cp.sum(v.w)
            risk = cp.sum_squares(f[idx].T @ x)
            if d is not None:
                risk = risk + cp.sum_squares(cp.multiply(np.sqrt(d[idx]), x))
            cons = [x <= cp.multiply(v.param("upper", len(idx), nonneg=True), tot),
                    x >= cp.multiply(v.param("lower", len(idx), nonneg=True), tot)]
            for con in c.constraints:
                cons += con.homogeneous(x, tot, idx, v.param)
            self.problem = cp.Problem(cp.Minimize(0.5 * risk - cp.sum(cp.log(x)) / len(idx)), cons)
            return
        v = self.v = Vars(spec.n, c.trades)
        cons = [v.w >= v.param("lower", spec.n), v.w <= v.param("upper", spec.n)]
        for con in c.constraints:
            if not con.is_bound:
                cons += con.dpp(v.w, v.t, v.param)
        trade = v.param("cost", nonneg=True) * cp.sum(v.t) if v.t is not None else 0.0
        if obj == "max_return":
            obj_ = cp.Maximize(v.param("mu", spec.n) @ v.w - trade)
        else:
            risk = cp.sum_squares(f.T @ v.w)
            if d is not None:
                risk = risk + cp.sum(cp.multiply(d, cp.square(v.w)))
            scale = v.param("risk_weight", nonneg=True)
            if obj == "mean_variance":
                obj_ = cp.Minimize(scale * risk - v.param("mu", spec.n) @ v.w + trade)
            elif obj == "min_variance":
                obj_ = cp.Minimize(risk + trade)
            elif obj == "min_cvar":
                r = spec.scenarios
                zeta = cp.Variable(name="zeta")
                e = cp.Variable(r.shape[0], nonneg=True, name="excess")
                cons.append(e >= -r @ v.w - zeta)
                obj_ = cp.Minimize(zeta + cp.sum(e) / ((1.0 - spec.cvar_alpha) * r.shape[0]) + trade)
            else:  # pragma: no cover
                raise ValueError(obj)
        self.problem = cp.Problem(obj_, cons)
        assert self.problem.is_dpp()

    def set_values(self, c: ClientData) -> None:
        v = self.v
        if self.objective == "risk_parity":
            idx = self.eligible
            v.set("upper", c.upper[idx])
            v.set("lower", c.lower[idx])
            for con in c.constraints:
                if con.homogeneous_ok and not con.is_bound:
                    con.values(v.set)
            return
        v.set("lower", c.lower)
        v.set("upper", c.upper)
        for con in c.constraints:
            if not con.is_bound:
                con.values(v.set)
        mu, cost, kappa = _linear_terms(c)
        if "mu" in v.p:
            v.set("mu", mu)
        if "risk_weight" in v.p:
            v.set("risk_weight", kappa)
        if v.t is not None:
            v.set("cost", cost)

    def solve(self, c: ClientData, solver: str, opts: dict) -> tuple[str, np.ndarray | None]:
        self.set_values(c)
        self.problem.solve(solver=solver, **opts)
        w = self.v.w.value
        if self.problem.status != cp.OPTIMAL or w is None:
            return self.problem.status, None
        w = np.asarray(w, dtype=float).copy()
        if self.objective == "risk_parity":
            out = np.zeros(c.spec.n)
            out[self.eligible] = w / w.sum()
            return cp.OPTIMAL, out
        return cp.OPTIMAL, w


class _Compiled:
    """One structure's compiled forms: the direct one (built at once where it exists) and the DPP one (on need).

    ``lock`` guards the DPP problem's parameter values between set and solve; the direct form holds no
    per-client state (each solve builds its own Clarabel solver from the shared A), so it needs none.
    """

    def __init__(self, c: ClientData, eligible: np.ndarray | None = None):
        self.objective = c.objective
        self.n = c.spec.n
        self.lock = threading.Lock()
        self.eligible = eligible
        self.direct = _Direct(c) if c.objective in DIRECT else None
        self._dpp: _DPP | None = None
        self._first = c

    def dpp(self, c: ClientData) -> _DPP:
        with self.lock:
            if self._dpp is None:
                self._dpp = _DPP(c, self.eligible)
            return self._dpp

    @property
    def problem(self) -> cp.Problem:
        """The cvxpy problem of this structure (built on first use)."""
        return self.dpp(self._first).problem


_CACHE: "OrderedDict[tuple, _Compiled]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 64


def compiled(c: ClientData, eligible: np.ndarray | None = None) -> _Compiled:
    """The compiled problem for this client's structure (built on first use, then cached)."""
    elig = tuple(bool(b) for b in eligible) if eligible is not None else None
    key = _structure_key(c, elig)
    with _CACHE_LOCK:
        model = _CACHE.get(key)
        if model is not None:
            _CACHE.move_to_end(key)
            return model
    model = _Compiled(c, eligible)
    with _CACHE_LOCK:
        _CACHE[key] = model
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return model


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


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


def _run(model: _Compiled, c: ClientData, solver: str | None, conflict: Any = None) -> _Outcome:
    """Try the solver chain (or the one solver named); Clarabel through the direct form where it exists.

    ``conflict`` (a callable, optional): asked once, after the first attempt that gives neither a solution nor
    a verdict, whether the constraints alone conflict; if they do, the chain stops there as infeasible (the
    next solvers, SCS at its iteration limit, can take seconds to fail on such a problem)."""
    chain = (solver,) if solver else SOLVER_CHAINS[c.objective]
    tried: list[str] = []
    infeasible_votes = 0
    for s in chain:
        for label, opts in _attempts(s, model.n):
            try:
                if s == "CLARABEL" and model.direct is not None:
                    status, w = model.direct.solve(c, _settings(opts))
                else:
                    dpp = model.dpp(c)
                    with model.lock:
                        status, w = dpp.solve(c, s, opts)
            except cp.error.SolverError as exc:
                tried.append(f"{label}: {str(exc).splitlines()[0][:120]}")
                continue
            except Exception as exc:  # noqa: BLE001 - a solver crash must not escape as a bare traceback
                tried.append(f"{label}: {type(exc).__name__}: {str(exc)[:120]}")
                continue
            if status == cp.OPTIMAL and w is not None:
                return _Outcome(w, status, s, tried)
            tried.append(f"{label}: status {status}")
            if status in _INFEASIBLE:
                infeasible_votes += 1
                break  # a verdict, not a numerical failure: the same solver need not be asked again
            if conflict is not None:
                ask, conflict = conflict, None
                if ask():
                    return _Outcome(None, "infeasible", "", tried, infeasible=True)
    return _Outcome(None, tried[-1] if tried else "no solver", "", tried, infeasible=infeasible_votes > 0)


def _clean(w: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    w = np.clip(w, 0.0, upper)
    w[w < ZERO] = 0.0
    w = np.maximum(w, np.where(lower > 0, np.minimum(lower, w + 1e-6), 0.0))
    return w / w.sum()


def client_constraints(spec: AllocationSpec, objective: str, minpos: MinimumPosition | None = None,
                       vol_cap: float | None = None) -> list[Constraint]:
    """The constraint instances of one client and objective (risk parity carries no traded amounts)."""
    cons = policy_constraints(spec, minpos, trades=False if objective == "risk_parity" else None)
    if objective == "max_return" and vol_cap is not None:
        cons.append(VolatilityCap(spec.cov_factor, spec.idio_var, vol_cap, spec.class_label))
    return cons


@dataclass
class Solution:
    """What :func:`solve_weights` found: weights, the outcome, rounds, and the constraints at the optimum."""

    w: np.ndarray
    outcome: _Outcome
    rounds: int
    constraints: list[Constraint]
    lower: np.ndarray
    upper: np.ndarray
    notes: list[str]
    vol_cap: float | None = None


def solve_weights(spec: AllocationSpec, objective: str | None = None, solver: str | None = None,
                  vol_cap: float | None = None, explain: bool = True) -> Solution:
    """Solve with the minimum-position heuristic (see :class:`MinimumPosition`).

    ``explain=False``: an infeasible problem raises :class:`AllocationInfeasible` at once, without the
    conflict diagnosis (many small solves); its ``explain()`` runs the diagnosis later and returns the
    explained error (the what-if panel shows the verdict first and the words when they are ready)."""
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
    if objective == "risk_parity" and (Turnover.is_active(spec) or spec.transaction_cost > 0):
        notes.append("risk parity ignores the turnover limit and transaction costs")
    m = spec.min_position
    rounds = 0
    fixed = np.zeros(spec.n, bool)
    forced = np.zeros(spec.n, bool)
    pinned = PinnedWeights(spec.codes, spec.pinned).rhs[0] > 0 if spec.pinned else np.zeros(spec.n, bool)
    while True:
        minpos = MinimumPosition(spec.codes, m, fixed, forced)
        cons = client_constraints(spec, objective, minpos, vol_cap)
        lower, upper = merged_bounds(cons, spec.n)
        c = ClientData(spec, objective, cons, lower, upper, vol_cap)
        if objective == "risk_parity" and not (upper > 0).any():
            out = _Outcome(None, "infeasible", "", [], infeasible=True)
        elif (lower > upper + 1e-12).any():  # bounds that contradict each other (a pin above a cap)
            out = _Outcome(None, "infeasible", "", [], infeasible=True)
        else:
            model = compiled(c, upper > 0 if objective == "risk_parity" else None)
            out = _run(model, c, solver) if explain else _run(model, c, solver, lambda: diagnose.has_conflict(
                spec.n, client_constraints(spec if objective != "max_return" else spec.replace(volatility_cap=vol_cap),
                                           objective, None, vol_cap)))
        if out.w is None:
            if rounds and forced.any():
                # forcing positions up made it infeasible: drop the forced ones instead and try again
                fixed |= forced
                forced[:] = False
                rounds += 1
                continue
            spec_eff = spec if objective != "max_return" else spec.replace(volatility_cap=vol_cap)
            explain_with = client_constraints(spec_eff, objective, MinimumPosition(
                spec.codes, m, fixed if rounds else None, None), vol_cap)
            if out.infeasible or diagnose.has_conflict(spec.n, client_constraints(spec_eff, objective, None, vol_cap)):
                if not explain:
                    verdict = AllocationInfeasible("No allocation satisfies every constraint.")
                    verdict.explain = lambda n=spec.n, cons=explain_with: diagnose.explain(n, cons)
                    raise verdict
                raise diagnose.explain(spec.n, explain_with)
            raise AllocationError(
                f"the {objective} problem could not be solved reliably (tried: {'; '.join(out.fallback)})"
            )
        w = _clean(out.w, lower, upper)
        if m <= 0:
            return Solution(w, out, rounds, cons, lower, upper, notes, vol_cap)
        small = (w > 0) & (w < m - 1e-6) & (lower < m) & ~pinned
        if not small.any():
            return Solution(w, out, rounds, cons, lower, upper, notes, vol_cap)
        drop = small & (w < m / 2)
        fixed |= drop
        forced |= small & ~drop
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
          vol_cap: float | None = None, explain: bool = True) -> Allocation:
    """Allocate one client: the full path (solve, fall back, min-position rounds, explain; see
    :func:`solve_weights` for ``explain=False``)."""
    objective = objective or spec.objective
    return build_allocation(spec, objective, solve_weights(spec, objective, solver, vol_cap, explain))


_INDEX: "OrderedDict[tuple, pd.Index]" = OrderedDict()


def _index(labels: tuple) -> pd.Index:
    """One pandas index per shelf, shared by every client's result (building one costs more than a solve)."""
    idx = _INDEX.get(labels)
    if idx is None:
        idx = _INDEX[labels] = pd.Index(labels)
        while len(_INDEX) > CACHE_SIZE:
            _INDEX.popitem(last=False)
    return idx


def build_allocation(spec: AllocationSpec, objective: str, sol: Solution) -> Allocation:
    w, out, notes = sol.w, sol.outcome, list(sol.notes)
    codes = _index(spec.codes)
    sw = _sigma_w(spec, w)
    var = float(w @ sw)
    vol = float(np.sqrt(max(var, 0.0)))
    er = float(spec.mu @ w)
    rc = w * sw / var if var > 0 else np.zeros(spec.n)
    w0 = Turnover.w0(spec)
    trades = w - w0
    traded = np.abs(trades)
    turnover = 0.5 * (traded.sum() + spec.off_shelf_weight)
    costs = spec.transaction_cost * (traded.sum() + spec.off_shelf_weight)
    cvar = _cvar(spec, w)
    if objective == "mean_variance":
        value = er - 0.5 * spec.risk_aversion * var - spec.transaction_cost * traded.sum()
    elif objective == "max_return":
        value = er - spec.transaction_cost * traded.sum()
    elif objective == "min_cvar":
        value = cvar if cvar is not None else float("nan")
    elif objective == "min_variance":
        value = var
    else:
        value = float(np.std(rc[w > 0])) if (w > 0).any() else 0.0
    binding: list[str] = []
    for c in sol.constraints:
        binding += c.binding(w, traded, sol.lower, sol.upper)
    if out.fallback:
        notes.append(f"solved by {out.solver} after: {'; '.join(out.fallback)}")
    if costs > 0:
        notes.append(f"estimated transaction costs {_pct(costs)} of the portfolio")
    amounts = None
    if spec.portfolio_value is not None:
        amounts = pd.Series(trades * spec.portfolio_value, index=codes, name="trade_amount")
    return Allocation(
        weights=pd.Series(w, index=codes, name="weight"),
        by_class=pd.Series(np.bincount(spec.class_index(), w, len(spec.classes)), index=_index(spec.classes),
                           name="weight"),
        expected_return=er,
        volatility=vol,
        risk_contributions=pd.Series(rc, index=codes, name="risk_contribution"),
        trades=pd.Series(trades, index=codes, name="trade"),
        trade_amounts=amounts,
        binding=binding,
        excluded=exclusion_reasons(spec, sol.constraints),
        status=out.status if not out.fallback else f"{out.status} (fallback {out.solver})",
        solver=out.solver,
        objective=objective,
        objective_value=float(value),
        turnover=float(turnover),
        cvar=cvar,
        fallback=list(out.fallback),
        min_position_rounds=sol.rounds,
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
    w_lo = solve_weights(spec, "min_variance", solver).w
    big = 10.0 * float(np.sqrt(max(_diag(spec).max(), 1e-12)))
    w_hi = solve_weights(spec.replace(volatility_cap=None), "max_return", solver, vol_cap=big).w
    v_lo = float(np.sqrt(w_lo @ _sigma_w(spec, w_lo)))
    v_hi = float(np.sqrt(w_hi @ _sigma_w(spec, w_hi)))
    rows = []
    for i, cap in enumerate(np.linspace(v_lo, v_hi, points)):
        if i == 0:
            w = w_lo
        elif i == points - 1:
            w = w_hi
        else:
            w = solve_weights(spec, "max_return", solver, vol_cap=float(cap)).w
        rows.append([float(np.sqrt(w @ _sigma_w(spec, w))), float(spec.mu @ w), *w])
    return pd.DataFrame(rows, columns=["volatility", "expected_return", *spec.codes])


__all__ = ["solve", "solve_weights", "efficient_frontier", "compiled", "clear_cache", "ClientData", "Solution"]
