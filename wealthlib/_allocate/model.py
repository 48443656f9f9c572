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
  ``risk_parity`` (a log barrier: exponential cones) has its own direct form, rescaled to unit variances
  (:class:`_RiskParity`); an LP decides at once when no allocation can hold every eligible product.
* **DPP (cvxpy).** The same constraints in their ``cp.Parameter`` form (:meth:`Constraint.dpp`), built on
  first need: for the other solvers of the fallback chain (OSQP, SCS, HiGHS) and for a solver named by the
  caller (risk parity's in the same rescaled variables).

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
  costs are not supported by this objective (they are not homogeneous) and a note says so. The log needs
  every eligible x_i > 0: products the constraints hold at zero (e.g. pins filling a class band) are left
  out once, with a note (:meth:`_RiskParity.held_at_zero`).
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
    _list,
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
RISK_PARITY_CLARABEL: dict = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}
"""Clarabel's settings for risk parity (:class:`_RiskParity`): on 370 feasible states of the panel's sample clients,
weights within 2.7e-6 of a 1e-13 solve (9.3e-6 at the usual 1e-9), in the same time (about 2 ms)."""
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
        self.eq_n = eq_n  # rows [0, eq_n): zero cone; [eq_n, soc or m): non-negative; [soc, m): the cap's SOC
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
            if self.certifies(b, np.asarray(sol.z, dtype=float)):
                return CERTIFIED, None
            return cp.INFEASIBLE if status == "PrimalInfeasible" else cp.INFEASIBLE_INACCURATE, None
        if status == "AlmostSolved":
            return cp.OPTIMAL_INACCURATE, None
        return f"clarabel {status}", None

    def certifies(self, b: np.ndarray, z: np.ndarray) -> bool:
        """Whether z proves that no z' satisfies A z' + s = b, s ∈ K (Farkas), checked here in numpy.

        z is Clarabel's certificate of primal infeasibility. Projected onto the dual cone K* (the zero cone's
        dual is free; the non-negative and second-order cones are self-dual) and scaled to bᵀz = −1, it
        proves infeasibility when Aᵀz = 0: for a feasible point 0 ≤ zᵀs = bᵀz − (Aᵀz)ᵀz' = −1 − (Aᵀz)ᵀz'.
        With ‖Aᵀz‖₁ ≤ :data:`CERTIFICATE_TOL` a feasible point would need a coordinate of size 1/TOL; every
        variable here is a weight, a traded amount, a factor exposure or a CVaR auxiliary, which a feasible
        point keeps far below that. Only the constraint rows enter (P and q do not), so the check is the
        constraints' own, not the solver's word."""
        if not np.isfinite(z).all():
            return False
        z = z.copy()
        e, soc = self.eq_n, self.soc if self.soc is not None else self.m
        z[e:soc] = np.maximum(z[e:soc], 0.0)
        if self.soc is not None:
            t, v = z[soc], z[soc + 1:]
            r = float(np.linalg.norm(v))
            if r > t:
                z[soc:] = 0.0 if r <= -t else np.concatenate([[(t + r) / 2], v * ((t + r) / (2 * r))])
        bz = float(b @ z)
        if not bz < 0:
            return False
        return float(np.abs(self.A.T @ (z / -bz)).sum()) <= CERTIFICATE_TOL


CERTIFIED = "infeasible (certificate checked)"
"""The status :meth:`_Direct.solve` gives when Clarabel's certificate of infeasibility passes :meth:`_Direct.certifies`:
a proof, so no other solver is asked."""
CERTIFICATE_TOL = 1e-6

RP_NO_INTERIOR = "no risk-parity point"
"""The status :class:`_RiskParity` gives when no allocation holds every eligible product (see there)."""


def _rp_scale(spec: AllocationSpec, idx: np.ndarray) -> np.ndarray:
    """d_i = 1/σ_i over the eligible products: risk parity is solved for y with x = d∘y (see :class:`_RiskParity`)."""
    f = spec.cov_factor[idx]
    var = np.einsum("ij,ij->i", f, f) + (spec.idio_var[idx] if spec.idio_var is not None else 0.0)
    return 1.0 / np.sqrt(np.maximum(var, 1e-12 * max(float(var.max()), 1e-300)))


class _RiskParity:
    r"""Risk parity in Clarabel's form, rescaled to unit variances.

    Spinu's problem over x (see the module docstring) is solved for y with x = d∘y, d_i = 1/σ_i: the risk
    ½xᵀΣx becomes ½yᵀCy with C = DΣD the correlation matrix, the barrier −(1/m)Σ log x_i becomes
    −(1/m)Σ log y_i plus a constant, and each homogeneous row g·x ≤ 0 becomes (g∘d)·y ≤ 0, so the
    minimizer is the same point (x = d∘y) and w = x/1ᵀx is unchanged. Unscaled, x_i ∝ 1/σ_i spans two
    orders of magnitude between a money-market fund and a single stock, and Clarabel called through cvxpy
    stopped without converging on many of the panel's states (SCS then ran its 200,000 iterations, ~1 s).

    z = (y, τ, v): y ∈ ℝᵐ over the m eligible products, τ_i ≤ log y_i as (τ_i, 1, y_i) ∈ K_exp, and with a
    factor model v = (DF)ᵀy; minimize ½yᵀCy − (1/m)1ᵀτ (P is C's upper triangle, or diag(d²∘idio, 1) in
    factor form). Per client only the linear rows change: the merged bounds (u_i·1ᵀx ≥ x_i where u_i < 1,
    x_i ≥ ℓ_i·1ᵀx where ℓ_i > 0, x_i = p·1ᵀx for a pin) and each constraint's :meth:`~Constraint.homogeneous`
    rows, built here as numbers. A row g·y ≤ 0 with g ≤ 0 holds for every y ≥ 0 and is left out: kept, its
    slack would be zero at every point (no interior), which is what stalls an interior-point method.

    The log needs every eligible x_i > 0. When Clarabel does not answer optimal, the LP y ≥ 1, Gy ≤ 0, Ey = 0
    (scale-free, so y ≥ 1 is y > 0) decides: infeasible means no allocation holds every eligible product, and
    the status is :data:`RP_NO_INTERIOR` (a verdict; :func:`solve_weights` says whether the constraints
    themselves conflict). Feasible means the failure was numerical, and the chain moves on.
    """

    def __init__(self, c: ClientData, eligible: np.ndarray):
        spec = c.spec
        self.n = spec.n
        idx = self.idx = np.flatnonzero(eligible)
        m = self.m = len(idx)
        d = self.d = _rp_scale(spec, idx)
        f = spec.cov_factor[idx] * d[:, None]
        dv = spec.idio_var[idx] * d * d if spec.idio_var is not None else None
        k = f.shape[1]
        self.k = k if dv is not None and k < m // 2 else 0
        nz = self.nz = 2 * m + self.k
        if self.k:
            diag = np.zeros(nz)
            diag[:m], diag[2 * m:] = dv, 1.0
            self.P = sparse.diags(diag, format="csc")
            self.factor_rows = sparse.hstack([sparse.csr_matrix(f.T), sparse.csr_matrix((k, m)),
                                              -sparse.identity(k)], format="csr")
        else:
            cmat = f @ f.T + (np.diag(dv) if dv is not None else 0.0)
            self.P = sparse.block_diag([sparse.triu(sparse.csc_matrix(cmat)), sparse.csc_matrix((m, m))],
                                       format="csc")
            self.factor_rows = None
        self.q = np.concatenate([np.zeros(m), np.full(m, -1.0 / m), np.zeros(self.k)])
        rows, cols = [], []  # the exponential cones: s = (τ_i, 1, y_i) = b − Az
        for i in range(m):
            rows += [3 * i, 3 * i + 2]
            cols += [m + i, i]
        self.exp_rows = sparse.csr_matrix((np.full(2 * m, -1.0), (rows, cols)), shape=(3 * m, nz))
        self.exp_b = np.tile([0.0, 1.0, 0.0], m)
        # the homogeneous constraints' left-hand sides over y (structure: the same for every client here)
        self.blocks = [(x.a.tocsc()[:, idx].toarray() if sparse.issparse(x.a) else np.asarray(x.a)[:, idx])
                       * d[None, :] for x in _homogeneous(c)]

    def rows(self, c: ClientData) -> tuple[np.ndarray, np.ndarray]:
        """(G, E): this client's rows G y ≤ 0 and E y = 0 over y, each scaled to a largest entry of 1."""
        d = self.d
        lo, up = c.lower[self.idx], c.upper[self.idx]
        pin = (lo > 0) & (lo >= up)
        cap, floor = (up < 1) & ~pin, (lo > 0) & ~pin
        dd = np.diag(d)
        ineq = [dd[cap] - up[cap, None] * d, lo[floor, None] * d - dd[floor]]
        for con, a in zip(_homogeneous(c), self.blocks):
            if con.hi is not None:
                ineq.append(a - con.hi[:, None] * d)
            if con.lo is not None:
                ineq.append(con.lo[:, None] * d - a)
        g = np.vstack(ineq)
        g = g[(g > 1e-14 * np.abs(g).max(axis=1, initial=0.0)[:, None]).any(axis=1)]  # g ≤ 0: implied by y ≥ 0
        return _unit_rows(g), _unit_rows(dd[pin] - lo[pin, None] * d)

    def solve(self, c: ClientData, settings: "clarabel.DefaultSettings") -> tuple[str, np.ndarray | None]:
        """(status in cvxpy's words or :data:`RP_NO_INTERIOR`, w or None)."""
        g, e = self.rows(c)
        if (g >= 0).all(axis=1).any():
            return RP_NO_INTERIOR, None  # a row g ≥ 0, g ≠ 0 (the rest were left out): g·y > 0 for every y > 0
        m, nz = self.m, self.nz
        eq = [sparse.hstack([sparse.csr_matrix(e), sparse.csr_matrix((len(e), nz - m))], format="csr")]
        if self.factor_rows is not None:
            eq.append(self.factor_rows)
        n_eq = sum(x.shape[0] for x in eq)
        ineq = sparse.hstack([sparse.csr_matrix(g), sparse.csr_matrix((len(g), nz - m))], format="csr")
        a = sparse.vstack([*eq, ineq, self.exp_rows], format="csc")
        b = np.concatenate([np.zeros(n_eq + len(g)), self.exp_b])
        cones = ([clarabel.ZeroConeT(n_eq)] if n_eq else []) + ([clarabel.NonnegativeConeT(len(g))] if len(g) else [])
        cones += [clarabel.ExponentialConeT()] * m
        sol = clarabel.DefaultSolver(self.P, self.q, a, b, cones, settings).solve()
        status = str(sol.status)
        if status == "Solved":
            x = self.d * np.asarray(sol.x)[:m]
            if (x > 0).all():
                w = np.zeros(self.n)
                w[self.idx] = x / x.sum()
                return cp.OPTIMAL, w
        if not self.interior(g, e):
            return RP_NO_INTERIOR, None
        return (cp.OPTIMAL_INACCURATE if status == "AlmostSolved" else f"clarabel {status}"), None

    def interior(self, g: np.ndarray, e: np.ndarray) -> bool:
        """Whether some y > 0 meets G y ≤ 0, E y = 0 (the LP y ≥ 1, scale-free)."""
        m = self.m
        a = sparse.vstack([sparse.csr_matrix(e), sparse.csr_matrix(g), -sparse.identity(m)], format="csc")
        b = np.concatenate([np.zeros(len(e) + len(g)), -np.ones(m)])
        return _lp(a, b, len(e), np.zeros(m))[0] is not False  # unknown: not a verdict

    def held_at_zero(self, c: ClientData) -> np.ndarray | None:
        """The products (over all n) that these constraints leave no weight (``upper > 0`` but every feasible
        allocation holds 0): the LP max 1ᵀs, 0 ≤ s ≤ 1, s ≤ y, y ≥ 0, G y ≤ 0, E y = 0. The feasible y form a
        convex cone, so the sum of two is feasible and one optimum holds every product that any allocation can
        hold (s_i = 1); the others are the ones returned. All eligible products when the constraints conflict;
        None when the LP gives no answer."""
        g, e = self.rows(c)
        m = self.m
        eye, zero = sparse.identity(m, format="csr"), sparse.csr_matrix
        a = sparse.vstack([sparse.hstack([zero(e), zero((len(e), m))]), sparse.hstack([zero(g), zero((len(g), m))]),
                           sparse.hstack([-eye, eye]), sparse.hstack([zero((m, m)), eye]),
                           sparse.hstack([zero((m, m)), -eye]), sparse.hstack([-eye, zero((m, m))])], format="csc")
        b = np.concatenate([np.zeros(len(e) + len(g) + m), np.ones(m), np.zeros(2 * m)])
        ok, x = _lp(a, b, len(e), np.concatenate([np.zeros(m), -np.ones(m)]))
        if ok is None:
            return None
        out = np.zeros(self.n, bool)
        out[self.idx] = True if x is None else x[m:] < 0.5
        return out


def _homogeneous(c: ClientData) -> list[Constraint]:
    """The constraints risk parity imposes in homogeneous form (the bounds are merged into ℓ and u)."""
    return [x for x in c.constraints if x.homogeneous_ok and not x.is_bound]


def _unit_rows(g: np.ndarray) -> np.ndarray:
    """Each row divided by its largest absolute entry (the same half-space, better scaled for the solver)."""
    return g / np.maximum(np.abs(g).max(axis=1, initial=0.0), 1e-300)[:, None]


def _lp(a: sparse.csc_matrix, b: np.ndarray, n_eq: int, q: np.ndarray) -> tuple[bool | None, np.ndarray | None]:
    """minimize qᵀz subject to the first ``n_eq`` rows of a z = b and the rest a z ≤ b: (feasible, z).

    feasible is None (and z None) when Clarabel gives neither an optimum nor an infeasibility certificate."""
    cones = ([clarabel.ZeroConeT(n_eq)] if n_eq else []) + [clarabel.NonnegativeConeT(a.shape[0] - n_eq)]
    sol = clarabel.DefaultSolver(sparse.csc_matrix((len(q), len(q))), q, a, b, cones, _settings({})).solve()
    status = str(sol.status)
    if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        return False, None
    if status in ("Solved", "AlmostSolved"):
        return True, np.asarray(sol.x)
    return None, None


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
        if obj == "risk_parity":  # over y with x = s∘y, s_i = 1/σ_i, as :class:`_RiskParity` (same minimizer)
            idx = self.eligible = np.flatnonzero(eligible)
            v = self.v = Vars(len(idx), trades=False)
            s = self.scale = _rp_scale(spec, idx)
            x, tot = cp.multiply(s, v.w), s @ v.w
            risk = cp.sum_squares((f[idx] * s[:, None]).T @ v.w)
            if d is not None:
                risk = risk + cp.sum_squares(cp.multiply(np.sqrt(d[idx]) * s, v.w))
            cons = [x <= cp.multiply(v.param("upper", len(idx), nonneg=True), tot),
                    x >= cp.multiply(v.param("lower", len(idx), nonneg=True), tot)]
            for con in c.constraints:
                cons += con.homogeneous(x, tot, idx, v.param)
            self.problem = cp.Problem(cp.Minimize(0.5 * risk - cp.sum(cp.log(v.w)) / len(idx)), cons)
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
            x = self.scale * w
            out = np.zeros(c.spec.n)
            out[self.eligible] = x / x.sum()
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
        self.direct = (_Direct(c) if c.objective in DIRECT
                       else _RiskParity(c, eligible) if c.objective == "risk_parity" else None)
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


def _attempts(solver: str, n: int, objective: str = "") -> list[tuple[str, dict]]:
    """(label, options) to try for one solver of the chain; large problems get a fast Clarabel pass first.

    Both Clarabel attempts name ``iterative_refinement_enable``: cvxpy re-uses the solver object between
    solves and only overwrites the settings it is given.
    """
    opts = SOLVER_OPTIONS.get(solver, {})
    if solver == "CLARABEL" and objective == "risk_parity":
        return [(solver, RISK_PARITY_CLARABEL)]
    if solver == "CLARABEL" and n >= LARGE:
        return [("CLARABEL (no refinement)", LARGE_CLARABEL),
                ("CLARABEL", {**opts, "iterative_refinement_enable": True})]
    return [(solver, opts)]


def _run(model: _Compiled, c: ClientData, solver: str | None, conflict: Any = None) -> _Outcome:
    """Try the solver chain (or the one solver named); Clarabel through the direct form where it exists.

    ``conflict`` (a callable, optional): asked once, after the first attempt that gives neither a solution nor
    a verdict (a solver error included), whether the constraints alone conflict; if they do, the chain stops there as infeasible (the
    next solvers, SCS at its iteration limit, can take seconds to fail on such a problem)."""
    chain = (solver,) if solver else SOLVER_CHAINS[c.objective]
    tried: list[str] = []
    infeasible_votes = 0
    for s in chain:
        for label, opts in _attempts(s, model.n, c.objective):
            try:
                if s == "CLARABEL" and model.direct is not None:
                    status, w = model.direct.solve(c, _settings(opts))
                else:
                    dpp = model.dpp(c)
                    with model.lock:
                        status, w = dpp.solve(c, s, opts)
            except cp.error.SolverError as exc:
                status, w = None, None
                tried.append(f"{label}: {str(exc).splitlines()[0][:120]}")
            except Exception as exc:  # noqa: BLE001 - a solver crash must not escape as a bare traceback
                status, w = None, None
                tried.append(f"{label}: {type(exc).__name__}: {str(exc)[:120]}")
            if status == cp.OPTIMAL and w is not None:
                return _Outcome(w, status, s, tried)
            if status is not None:
                tried.append(f"{label}: status {status}")
            if status == RP_NO_INTERIOR:  # decided by an LP: no other solver can find a point
                return _Outcome(None, status, "", tried, infeasible=True)
            if status == CERTIFIED:  # proved (Farkas, checked): no other solver can find a point either
                return _Outcome(None, cp.INFEASIBLE, "", tried, infeasible=True)
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
    cut = False  # risk parity: the products the constraints hold at zero were left out once
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
            if out.status == RP_NO_INTERIOR and not cut:
                zero = model.direct.held_at_zero(c)
                if zero is not None and ((upper > 0) & ~zero).any():
                    # the constraints leave these products no weight: balance the risk over the others
                    cut = True
                    fixed |= zero
                    notes.append(f"risk parity: these constraints leave {_list([c for c, z in zip(spec.codes, zero) if z])} no weight, "
                                 "so the risk contributions are balanced over the other products")
                    continue
            spec_eff = spec if objective != "max_return" else spec.replace(volatility_cap=vol_cap)
            explain_with = client_constraints(spec_eff, objective, MinimumPosition(
                spec.codes, m, fixed if rounds else None, None), vol_cap)
            if out.infeasible or diagnose.has_conflict(spec.n, client_constraints(spec_eff, objective, None, vol_cap)):
                if not explain:
                    verdict = AllocationInfeasible("No allocation satisfies every constraint.")
                    verdict.explain = lambda pause=None, n=spec.n, cons=explain_with: diagnose.explain(n, cons, pause)
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

    An interior cap the minimum-position heuristic cannot meet (the minimum position is not convex: rounding
    small weights to zero or up can leave no allocation within a cap that the convex problem meets) is left
    out, so the frontier has fewer rows rather than none; no diagnosis is run for it (``explain=False``). The
    two ends must solve (they raise :class:`AllocationError` as :func:`solve_weights` does, undiagnosed).
    """
    if points < 2:
        raise ValueError("points must be at least 2")
    spec = spec.replace(transaction_cost=0.0)
    w_lo = solve_weights(spec, "min_variance", solver, explain=False).w
    big = 10.0 * float(np.sqrt(max(_diag(spec).max(), 1e-12)))
    w_hi = solve_weights(spec.replace(volatility_cap=None), "max_return", solver, vol_cap=big, explain=False).w
    v_lo = float(np.sqrt(w_lo @ _sigma_w(spec, w_lo)))
    v_hi = float(np.sqrt(w_hi @ _sigma_w(spec, w_hi)))
    rows = []
    for i, cap in enumerate(np.linspace(v_lo, v_hi, points)):
        if i == 0:
            w = w_lo
        elif i == points - 1:
            w = w_hi
        else:
            try:
                w = solve_weights(spec, "max_return", solver, vol_cap=float(cap), explain=False).w
            except AllocationInfeasible:
                continue
        rows.append([float(np.sqrt(w @ _sigma_w(spec, w))), float(spec.mu @ w), *w])
    return pd.DataFrame(rows, columns=["volatility", "expected_return", *spec.codes])


__all__ = ["solve", "solve_weights", "efficient_frontier", "compiled", "clear_cache", "ClientData", "Solution"]
