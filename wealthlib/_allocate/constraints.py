r"""Policy and client constraints, each a small class whose docstring states its math.

Notation: w ∈ ℝⁿ the proposed weights, w⁰ the current weights, G ∈ {0,1}^{k×n} the asset-class membership
matrix (G_{ci} = 1 when product i is in class c), t ∈ ℝⁿ the traded amounts (t ≥ |w − w⁰|).

Every constraint does three jobs:

* ``compile(v)`` — its cvxpy form with the data as ``cp.Parameter`` s, so the problem is DPP: compiled once per
  shape and objective, re-solved per client by :meth:`values` setting new parameter values. Constraints that
  are per-product bounds (:class:`MaxProductWeight`, :class:`Suitability`, :class:`Exclusions`, and the
  fixings of :class:`MinimumPosition`) are merged into one upper-bound vector u = min over them (``upper``),
  so the compiled problem carries a single ``w ≤ u``.
* ``groups(spec)`` — the same constraint, numerically, with an elastic slack s ≥ 0 per group, for the
  infeasibility diagnosis (:mod:`._diagnose`), and the sentence that names it for people.
* ``binding(spec, w, …)`` — which of its parts hold with equality at the optimum, in words.

Inactive constraints keep their place in the compiled problem with harmless values (a band of [0, 1], a
turnover allowance of 2), so every client of a shelf shares one compiled problem. The one exception is t:
it exists only for clients whose trades matter (:meth:`Turnover.needed`), so a shelf has at most two
compiled problems per objective, with and without t.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cvxpy as cp
import numpy as np

from .spec import AllocationSpec

TOL = 1e-6


def _pct(x: float) -> str:
    s = f"{100 * x:.1f}".rstrip("0").rstrip(".")
    return f"{s}%"


def _list(codes: list[str], limit: int = 6) -> str:
    if len(codes) <= limit:
        return ", ".join(codes)
    return ", ".join(codes[:limit]) + f" and {len(codes) - limit} more"


@dataclass
class Group:
    """One relaxable group for the diagnosis: ``build(w, t, s)`` returns its constraints with slack s ≥ 0."""

    key: str
    words: str
    build: Callable[[cp.Variable, cp.Variable, cp.Variable], list]
    order: int = 50


class Vars:
    """The compiled problem's variables and parameters, and the fixed structure of its shelf.

    ``membership`` is the shelf's asset-class matrix G as a constant (sparse, one entry per product). The
    class labels are part of the cache key, so G need not be a parameter; as a dense k×n parameter each of its
    k·n entries would be a stored entry of the solver's constraint matrix (at n = 500 that is 4× the work for
    the band rows). ``t`` (the traded amounts) exists only when trades matter (:meth:`Turnover.needed`).
    """

    def __init__(self, n: int, k: int, membership=None, trades: bool = True):
        self.n, self.k = n, k
        self.w = cp.Variable(n, name="w")
        self.t = cp.Variable(n, name="t") if trades else None
        self.membership = membership
        self.p: dict[str, cp.Parameter] = {}
        self._last: dict[str, np.ndarray] = {}

    def set(self, name: str, value) -> None:
        """Set a parameter's value, skipping cvxpy's validation when it has not changed."""
        value = np.asarray(value, dtype=float) if not np.isscalar(value) else float(value)
        last = self._last.get(name)
        if last is not None and np.shape(last) == np.shape(value) and np.array_equal(last, value):
            return
        self.p[name].value = value
        self._last[name] = np.array(value, copy=True)

    def param(self, name: str, shape=(), **kw) -> cp.Parameter:
        if name not in self.p:
            self.p[name] = cp.Parameter(shape, name=name, **kw)
        return self.p[name]


class Constraint:
    """Base class."""

    key = "constraint"

    def compile(self, v: Vars) -> list:  # pragma: no cover - interface
        return []

    def values(self, spec: AllocationSpec, v: Vars) -> None:  # pragma: no cover - interface
        return None

    def upper(self, spec: AllocationSpec) -> np.ndarray | None:
        return None

    def groups(self, spec: AllocationSpec) -> list[Group]:
        return []

    def binding(self, spec: AllocationSpec, w: np.ndarray, u: np.ndarray, lower: np.ndarray) -> list[str]:
        return []


class FullyInvestedLongOnly(Constraint):
    r"""Fully invested and long only: :math:`\mathbf 1^\top w = 1,\ \ \ell \le w \le u`.

    ℓ is 0, except where :class:`MinimumPosition` forces a position to at least its minimum; u is the
    merged per-product upper bound. This pair is never relaxed by the diagnosis.
    """

    key = "budget"

    def compile(self, v: Vars) -> list:
        lo = v.param("lower", v.n, nonneg=True)
        up = v.param("upper", v.n, nonneg=True)
        return [cp.sum(v.w) == 1, v.w >= lo, v.w <= up]


class AssetClassBands(Constraint):
    r"""Asset-class bands of the client's risk class: :math:`b^{lo}_c \le (Gw)_c \le b^{hi}_c` for each class c.

    Diagnosis groups: ``band_min:<class>`` and ``band_max:<class>``, each relaxable on its own.
    """

    key = "bands"

    def compile(self, v: Vars) -> list:
        g = v.membership
        lo = v.param("band_lo", v.k, nonneg=True)
        hi = v.param("band_hi", v.k, nonneg=True)
        return [g @ v.w >= lo, g @ v.w <= hi]

    @staticmethod
    def arrays(spec: AllocationSpec) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([spec.bands.get(c, (0.0, 1.0))[0] for c in spec.classes])
        hi = np.array([spec.bands.get(c, (0.0, 1.0))[1] for c in spec.classes])
        return lo, hi

    def values(self, spec: AllocationSpec, v: Vars) -> None:
        lo, hi = self.arrays(spec)
        v.set("band_lo", lo)
        v.set("band_hi", hi)

    def groups(self, spec: AllocationSpec) -> list[Group]:
        out = []
        g = spec.class_matrix()
        for j, c in enumerate(spec.classes):
            lo, hi = spec.bands.get(c, (0.0, 1.0))
            row = g[j]
            if lo > 0:
                out.append(Group(f"band_min:{c}", f"class {spec.class_label} requires {c} ≥ {_pct(lo)}",
                                 lambda w, t, s, row=row, lo=lo: [row @ w >= lo - s], order=10))
            if hi < 1:
                out.append(Group(f"band_max:{c}", f"class {spec.class_label} allows at most {_pct(hi)} in {c}",
                                 lambda w, t, s, row=row, hi=hi: [row @ w <= hi + s], order=11))
        return out

    def binding(self, spec, w, u, lower) -> list[str]:
        out = []
        x = spec.class_matrix() @ w
        lo, hi = self.arrays(spec)
        for j, c in enumerate(spec.classes):
            if hi[j] < 1 and x[j] >= hi[j] - TOL and hi[j] > 0:
                out.append(f"{c} at its maximum {_pct(hi[j])} for class {spec.class_label}")
            elif lo[j] > 0 and x[j] <= lo[j] + TOL:
                out.append(f"{c} at its minimum {_pct(lo[j])} for class {spec.class_label}")
        return out


class MaxProductWeight(Constraint):
    r"""Per-product cap: :math:`w_i \le \min(m_{a(i)}, c_i)` with a(i) the class of product i and
    :math:`c_i` an optional cap of the product itself (``product_caps``, e.g. the policy's cap on every
    single stock, whatever its class).

    A per-product upper bound (merged into u). Diagnosis group ``cap:<class>`` per capped class and
    ``cap:products`` for the product caps.
    """

    key = "max_product_weight"

    def upper(self, spec: AllocationSpec) -> np.ndarray:
        # vectorized over the classes (a per-product Python loop was ~0.3 ms per solve at n = 500)
        by_class = np.array([min(1.0, spec.max_product_weight.get(c, 1.0)) for c in spec.classes])
        u = by_class[spec.class_index()] if len(by_class) else np.ones(spec.n)
        if spec.product_caps:
            pos = {c: i for i, c in enumerate(spec.codes)}
            for code, cap in spec.product_caps.items():
                u[pos[code]] = min(u[pos[code]], cap)
        return u

    def groups(self, spec: AllocationSpec) -> list[Group]:
        out = []
        for c in spec.classes:
            cap = spec.max_product_weight.get(c, 1.0)
            idx = [i for i, a in enumerate(spec.asset_classes) if a == c]
            if cap < 1 and idx:
                out.append(Group(f"cap:{c}", f"policy caps each {c} product at {_pct(cap)}",
                                 lambda w, t, s, idx=idx, cap=cap: [w[idx] <= cap + s], order=30))
        capped = [(spec.codes.index(code), cap) for code, cap in spec.product_caps.items() if cap < 1]
        if capped:
            idx = [i for i, _ in capped]
            caps = np.array([cap for _, cap in capped])
            names = _list([spec.codes[i] for i in idx])
            out.append(Group("cap:products", f"policy caps {names} at {_pct(float(caps.max()))} each",
                             lambda w, t, s, idx=idx, caps=caps: [w[idx] <= caps + s], order=31))
        return out

    def binding(self, spec, w, u, lower) -> list[str]:
        caps = self.upper(spec)
        out = []
        at_cap = (0 < caps) & (caps < 1) & (u >= caps - 1e-12) & (w >= caps - TOL)
        for i in np.flatnonzero(at_cap):
            code, a = spec.codes[i], spec.asset_classes[i]
            if spec.product_caps.get(code, 1.0) < spec.max_product_weight.get(a, 1.0):
                out.append(f"{code} at its per-product cap {_pct(caps[i])}")
            else:
                out.append(f"{code} at the {a} per-product cap {_pct(caps[i])}")
        return out


class Suitability(Constraint):
    r"""Suitability: products graded above the client's ceiling get no weight, :math:`w_i \le 0` if
    :math:`\text{grade}_i > \text{ceiling}`.

    Implemented as an upper bound of 0, so an unsuitable product is never proposed (DOMAIN.md §1: only a
    recorded exception, outside the optimizer, can put one in a portfolio).
    """

    key = "suitability"

    @staticmethod
    def blocked(spec: AllocationSpec) -> list[int]:
        return [i for i, g in enumerate(spec.grades) if g > spec.ceiling]

    def upper(self, spec: AllocationSpec) -> np.ndarray:
        u = np.ones(spec.n)
        u[self.blocked(spec)] = 0.0
        return u

    def groups(self, spec: AllocationSpec) -> list[Group]:
        idx = self.blocked(spec)
        if not idx:
            return []
        codes = [spec.codes[i] for i in idx]
        words = f"the suitability ceiling RR{spec.ceiling} rules out {_covering(spec, codes)}"
        return [Group("suitability", words, lambda w, t, s, idx=idx: [w[idx] <= s], order=20)]


def _covering(spec: AllocationSpec, codes: list[str]) -> str:
    """Name a set of products, saying 'all <class> products' where it covers a whole class."""
    chosen = set(codes)
    parts, used = [], set()
    for c in spec.classes:
        mem = spec.members(c)
        if mem and set(mem) <= chosen:
            parts.append(f"all {c} products ({_list(mem)})")
            used |= set(mem)
    rest = [c for c in codes if c not in used]
    if rest:
        parts.append(_list(rest))
    return " and ".join(parts)


class Exclusions(Constraint):
    r"""Client exclusions: :math:`w_i \le 0` for excluded products and for every product of an excluded class.

    Diagnosis groups ``excluded_products`` and ``excluded_classes``.
    """

    key = "exclusions"

    @staticmethod
    def product_idx(spec):
        return [i for i, c in enumerate(spec.codes) if c in spec.excluded_products]

    @staticmethod
    def class_idx(spec):
        return [i for i, a in enumerate(spec.asset_classes) if a in spec.excluded_classes]

    def upper(self, spec: AllocationSpec) -> np.ndarray:
        u = np.ones(spec.n)
        u[self.product_idx(spec) + self.class_idx(spec)] = 0.0
        return u

    def groups(self, spec: AllocationSpec) -> list[Group]:
        out = []
        pi, ci = self.product_idx(spec), self.class_idx(spec)
        if pi:
            words = f"the client excludes {_covering(spec, [spec.codes[i] for i in pi])}"
            out.append(Group("excluded_products", words, lambda w, t, s, idx=pi: [w[idx] <= s], order=90))
        if ci:
            cls = sorted(spec.excluded_classes & set(spec.asset_classes))
            words = f"the client excludes the asset class{'es' if len(cls) > 1 else ''} {', '.join(cls)}"
            out.append(Group("excluded_classes", words, lambda w, t, s, idx=ci: [w[idx] <= s], order=91))
        return out


class LiquidityReserve(Constraint):
    r"""Liquidity reserve: :math:`\sum_{i \in \text{cash}} w_i \ge m`, m = liquidity need / portfolio value."""

    key = "liquidity"

    def compile(self, v: Vars) -> list:
        row = v.param("cash_row", v.n, nonneg=True)
        m = v.param("cash_min", nonneg=True)
        return [row @ v.w >= m]

    @staticmethod
    def row(spec):
        return np.array([1.0 if a == spec.cash_class else 0.0 for a in spec.asset_classes])

    def values(self, spec, v) -> None:
        v.set("cash_row", self.row(spec))
        v.set("cash_min", float(max(0.0, spec.cash_min)))

    def groups(self, spec):
        if spec.cash_min <= 0:
            return []
        row, m = self.row(spec), spec.cash_min
        return [Group("liquidity", f"the client's liquidity need requires {spec.cash_class} ≥ {_pct(m)}",
                      lambda w, t, s: [row @ w >= m - s], order=80)]

    def binding(self, spec, w, u, lower):
        if spec.cash_min > 0 and self.row(spec) @ w <= spec.cash_min + TOL:
            return [f"liquidity reserve: {spec.cash_class} at the client's need {_pct(spec.cash_min)}"]
        return []


class Turnover(Constraint):
    r"""Turnover limit and traded amounts: :math:`t \ge w - w^0,\ t \ge w^0 - w,\ \tfrac12(\mathbf 1^\top t + o) \le L`.

    o is the weight held outside the shelf (sold in full). Only active when the client holds something;
    otherwise L is set to a value that cannot bind. The transaction cost term c·1ᵀt uses the same t.
    """

    key = "turnover"

    def compile(self, v: Vars) -> list:
        if v.t is None:
            return []
        w0 = v.param("w0", v.n, nonneg=True)
        rhs = v.param("turnover_rhs", nonneg=True)
        return [v.t >= v.w - w0, v.t >= w0 - v.w, cp.sum(v.t) <= rhs]

    @staticmethod
    def active(spec) -> bool:
        return spec.turnover_limit is not None and spec.has_holdings()

    @staticmethod
    def needed(spec) -> bool:
        r"""Whether the problem needs t at all: a turnover limit applies, or costs apply to current holdings.

        Without holdings t = |w| = w, so the cost c·1ᵀt = c is a constant and changes no weights; leaving
        t (n variables, 2n rows) out then makes the problem about half the size.
        """
        held = spec.current_weights is not None and bool((spec.current_weights > 0).any())
        return Turnover.active(spec) or (spec.transaction_cost > 0 and held)

    @staticmethod
    def w0(spec) -> np.ndarray:
        return spec.current_weights if spec.current_weights is not None else np.zeros(spec.n)

    def values(self, spec, v) -> None:
        if v.t is None:
            return
        v.set("w0", self.w0(spec))
        if self.active(spec):
            v.set("turnover_rhs", max(0.0, 2 * spec.turnover_limit - spec.off_shelf_weight))
        else:
            v.set("turnover_rhs", 4.0)

    def groups(self, spec):
        if not self.active(spec):
            return []
        w0, rhs = self.w0(spec), 2 * spec.turnover_limit - spec.off_shelf_weight
        words = f"turnover is limited to {_pct(spec.turnover_limit)} of the portfolio"
        if spec.off_shelf_weight > 0:
            words += f" ({_pct(spec.off_shelf_weight)} is held outside the shelf and must be sold)"
        return [Group("turnover", words,
                      lambda w, t, s: [t >= w - w0, t >= w0 - w, cp.sum(t) <= rhs + 2 * s], order=85)]

    def binding(self, spec, w, u, lower):
        if not self.active(spec):
            return []
        to = 0.5 * (np.abs(w - self.w0(spec)).sum() + spec.off_shelf_weight)
        if to >= spec.turnover_limit - TOL:
            return [f"turnover at its limit {_pct(spec.turnover_limit)}"]
        return []


class ForeignCurrencyCap(Constraint):
    r"""Currency exposure cap: :math:`\sum_{i:\ \text{ccy}_i \ne \text{base}} w_i \le F`."""

    key = "foreign"

    def compile(self, v: Vars) -> list:
        f = v.param("fx_row", v.n, nonneg=True)
        cap = v.param("fx_cap", nonneg=True)
        return [f @ v.w <= cap]

    @staticmethod
    def active(spec):
        return spec.max_foreign is not None and spec.foreign_mask().any()

    def values(self, spec, v) -> None:
        v.set("fx_row", spec.foreign_mask())
        v.set("fx_cap", float(spec.max_foreign) if self.active(spec) else 1.0)

    def groups(self, spec):
        if not self.active(spec):
            return []
        f, cap = spec.foreign_mask(), float(spec.max_foreign)
        words = f"products outside the base currency {spec.base_currency} are capped at {_pct(cap)} in total"
        return [Group("foreign", words, lambda w, t, s: [f @ w <= cap + s], order=70)]

    def binding(self, spec, w, u, lower):
        if self.active(spec) and spec.foreign_mask() @ w >= spec.max_foreign - TOL:
            return [f"foreign-currency exposure at its cap {_pct(spec.max_foreign)}"]
        return []


class VolatilityCap(Constraint):
    r"""Volatility cap of the class (max-return objective only): :math:`\lVert (F^\top w,\ d \circ w) \rVert_2 \le \sigma_{max}`."""

    key = "volatility_cap"

    def groups(self, spec):
        if spec.volatility_cap is None:
            return []
        f, d, cap = spec.cov_factor, spec.idio_var, spec.volatility_cap

        def build(w, t, s):
            parts = [f.T @ w] + ([cp.multiply(np.sqrt(d), w)] if d is not None else [])
            return [cp.norm(cp.hstack(parts), 2) <= cap + s]

        return [Group("volatility_cap", f"class {spec.class_label} caps volatility at {_pct(cap)}", build, order=12)]


class MinimumPosition(Constraint):
    r"""Minimum position m: no weight strictly between 0 and m, i.e. :math:`w_i = 0 \ \lor\ w_i \ge m`.

    Not convex. Heuristic (documented, deterministic): solve; every position in (0, m) below m/2 is fixed to
    0 (upper bound 0), every one in [m/2, m) is forced to ≥ m (lower bound m); re-solve and repeat until no
    position lies in (0, m). Each round fixes at least one more product, so it ends within n rounds. If
    forcing makes the problem infeasible, the forced positions are dropped to 0 instead. The result is
    feasible and suitable, but not guaranteed to be the mixed-integer optimum.
    """

    key = "min_position"

    def __init__(self, fixed_zero: np.ndarray | None = None, forced: np.ndarray | None = None):
        self.fixed_zero = fixed_zero
        self.forced = forced

    def groups(self, spec):
        out = []
        m = spec.min_position
        if self.forced is not None and self.forced.any():
            idx = list(np.flatnonzero(self.forced))
            out.append(Group("min_position", f"the minimum position {_pct(m)} forces "
                             f"{_list([spec.codes[i] for i in idx])} to at least {_pct(m)}",
                             lambda w, t, s, idx=idx: [w[idx] >= m - s], order=95))
        if self.fixed_zero is not None and self.fixed_zero.any():
            idx = list(np.flatnonzero(self.fixed_zero))
            out.append(Group("min_position_drop", f"the minimum position {_pct(m)} drops "
                             f"{_list([spec.codes[i] for i in idx])}",
                             lambda w, t, s, idx=idx: [w[idx] <= s], order=96))
        return out

    def binding(self, spec, w, u, lower):
        return [f"{spec.codes[i]} held at the minimum position {_pct(spec.min_position)}"
                for i in np.flatnonzero(lower > 0) if w[i] <= lower[i] + TOL]


POLICY_CONSTRAINTS: tuple[Constraint, ...] = (
    FullyInvestedLongOnly(),
    AssetClassBands(),
    MaxProductWeight(),
    Suitability(),
    Exclusions(),
    LiquidityReserve(),
    Turnover(),
    ForeignCurrencyCap(),
)
"""The constraints every compiled problem carries (in this order)."""

BOUND_CONSTRAINTS = (MaxProductWeight(), Suitability(), Exclusions())


def upper_bounds(spec: AllocationSpec) -> np.ndarray:
    """u = min over the per-product bound constraints."""
    u = np.ones(spec.n)
    for c in BOUND_CONSTRAINTS:
        u = np.minimum(u, c.upper(spec))
    return u


def exclusion_reasons(spec: AllocationSpec) -> dict[str, str]:
    """Why each product with zero allowed weight is out (suitability first, then the client's wishes)."""
    out: dict[str, str] = {}
    for i in Suitability.blocked(spec):
        out[spec.codes[i]] = f"RR{spec.grades[i]} is above the client's ceiling RR{spec.ceiling}"
    for i in Exclusions.class_idx(spec):
        out.setdefault(spec.codes[i], f"the client excludes the asset class {spec.asset_classes[i]}")
    for i in Exclusions.product_idx(spec):
        out.setdefault(spec.codes[i], "excluded by the client")
    for i, a in enumerate(spec.asset_classes):
        if spec.max_product_weight.get(a, 1.0) <= 0:
            out.setdefault(spec.codes[i], f"policy allows no single {a} product")
    return out
