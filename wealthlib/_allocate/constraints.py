r"""Policy and client constraints: each an instance that owns its data and states its math once.

Notation: w ∈ ℝⁿ the proposed weights, w⁰ the current weights, G ∈ {0,1}^{k×n} the asset-class membership
matrix (G_{ci} = 1 when product i is in class c), t ∈ ℝⁿ the traded amounts (t ≥ |w − w⁰|), 1ᵀx the total
of a risk-parity point x (w = x / 1ᵀx).

Each constraint is built for one client (:func:`policy_constraints` builds them from an
:class:`~wealthlib._allocate.spec.AllocationSpec`, which carries the policy's and the client's numbers) and
states three things, once:

* ``lhs(w, t)`` — its left-hand side, linear: ``a @ w (+ at @ t)``; ``a is None`` means w itself (a
  per-product bound);
* ``sense`` — ``"<="``, ``">="``, ``"=="`` or ``"in"`` (a range lo ≤ lhs ≤ hi);
* ``rhs`` — the right-hand side (a pair ``(lo, hi)`` for ``"in"``).

From these the base class :class:`Constraint` derives every form the engine needs:

* :meth:`Constraint.dpp` — the cvxpy form with the right-hand side as a ``cp.Parameter`` and the
  left-hand side a constant (it is part of the compiled problem's structure, see :meth:`structure`), so a
  problem compiles once per shelf and is re-solved per client by :meth:`values`;
* :meth:`Constraint.rows` — the same rows as numbers (Clarabel's ``A z + s = b, s ∈ K`` form), for the
  engine's direct solver call (:mod:`.model`);
* :meth:`Constraint.elastic` — each diagnosis group with one slack s ≥ 0: ``lhs ≤ hi + r·s`` or
  ``lhs ≥ lo − r·s`` (r = ``relax``), for the infeasibility diagnosis (:mod:`.diagnose`);
* :meth:`Constraint.binding` — which rows hold with equality at the optimum, in words;
* :meth:`Constraint.homogeneous` — ``lhs(x) ⋈ rhs·1ᵀx`` for risk parity, which holds exactly once x is
  normalized to w (constraints on t have no such form).

What a class adds by hand is only words: the diagnosis groups (:meth:`groups`, one sentence per group of
rows) and the sentence for a binding row (:meth:`binding_words`).

Per-product bounds (``a is None``: :class:`LongOnly`, :class:`MaxProductWeight`, :class:`Suitability`,
:class:`Exclusions`, :class:`PinnedWeights`, :class:`MinimumPosition`) are merged into one lower and one
upper bound vector ℓ ≤ w ≤ u (:func:`merged_bounds`), so a compiled problem carries a single pair of bound
rows whatever the number of bound constraints. Inactive constraints keep their rows with harmless values
(a band of [0, 1], a turnover allowance of 4), so every client of a shelf shares one compiled problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import cvxpy as cp
import numpy as np
from scipy import sparse

from .spec import AllocationSpec

TOL = 1e-6
SENSES = ("<=", ">=", "==", "in")


def _pct(x: float) -> str:
    s = f"{100 * x:.1f}".rstrip("0").rstrip(".")
    return f"{s}%"


def _list(codes: list[str], limit: int = 6) -> str:
    if len(codes) <= limit:
        return ", ".join(codes)
    return ", ".join(codes[:limit]) + f" and {len(codes) - limit} more"


def _fingerprint(m) -> tuple | None:
    """A constant matrix as a cache key (its values are part of a compiled problem's structure).

    The bytes themselves, not a hash of them: a key compares equal only for the same matrix, so two
    shelves can never share a compiled problem by a collision (the copy is at most a few hundred kB).
    """
    if m is None:
        return None
    if sparse.issparse(m):
        m = m.tocsr()
        return ("sparse", m.shape, m.indptr.tobytes(), m.indices.tobytes(), m.data.tobytes())
    m = np.ascontiguousarray(m, dtype=float)
    return ("dense", m.shape, m.tobytes())


@dataclass
class Group:
    """One relaxable group of rows for the diagnosis, and the sentence that names it for people.

    ``side`` is ``"hi"`` (lhs ≤ hi relaxed), ``"lo"`` (lhs ≥ lo relaxed) or ``"eq"`` (both, one slack).
    """

    key: str
    words: str
    rows: list[int]
    side: str
    order: int = 50


class Constraint:
    """A constraint ``lhs(w, t) ⋈ rhs`` owning its data; subclasses set ``a``/``at``, ``sense``, ``rhs``.

    ``relaxable`` is False for the rows the diagnosis never relaxes (the budget, long-only, the definition
    of t). ``homogeneous_ok`` is False where risk parity has no exact homogeneous form.
    """

    key = "constraint"
    sense = "<="
    relax = 1.0
    relaxable = True
    homogeneous_ok = True
    a = None  # m×n coefficients on w (numpy or scipy.sparse); None: the bound w itself
    at = None  # m×n coefficients on t, or None
    rhs: object = None

    # ---- what the subclass states ------------------------------------------------------------------------
    def groups(self) -> list[Group]:
        """The diagnosis groups (only the rows that actually constrain this client)."""
        return []

    def binding_words(self, i: int, side: str) -> str | None:
        """The sentence for row ``i`` holding with equality on ``side``; None when not worth reporting."""
        return None

    # ---- derived -------------------------------------------------------------------------------------------
    @property
    def is_bound(self) -> bool:
        return self.a is None and self.at is None

    @property
    def m(self) -> int:
        if self.a is None:
            return len(self.lo if self.lo is not None else self.hi)
        return self.a.shape[0]

    @property
    def lo(self) -> np.ndarray | None:
        if self.sense == "in":
            return np.asarray(self.rhs[0], dtype=float)
        return np.asarray(self.rhs, dtype=float) if self.sense in (">=", "==") else None

    @property
    def hi(self) -> np.ndarray | None:
        if self.sense == "in":
            return np.asarray(self.rhs[1], dtype=float)
        return np.asarray(self.rhs, dtype=float) if self.sense in ("<=", "==") else None

    @property
    def sides(self) -> tuple[str, ...]:
        return {"<=": ("hi",), ">=": ("lo",), "==": ("lo", "hi"), "in": ("lo", "hi")}[self.sense]

    def lhs(self, w, t=None):
        """The left-hand side at w (and t): numbers for numbers, a cvxpy expression for variables."""
        x = w if self.a is None else self.a @ w
        if self.at is not None:
            x = x + self.at @ t
        return x

    def structure(self) -> tuple:
        """What a compiled problem fixes about this constraint: its kind, sense and left-hand side."""
        if self.is_bound:
            return (self.key, self.sense, "bound")
        return (self.key, self.sense, _fingerprint(self.a), _fingerprint(self.at))

    def dpp(self, w, t, param) -> list:
        """cvxpy constraints ``lhs ⋈ p`` with p = ``param(name, m)`` a parameter (set by :meth:`values`)."""
        x = self.lhs(w, t)
        out = []
        if self.sense == "==":
            return [x == param(f"{self.key}:eq", self.m)]
        if "hi" in self.sides:
            out.append(x <= param(f"{self.key}:hi", self.m))
        if "lo" in self.sides:
            out.append(x >= param(f"{self.key}:lo", self.m))
        return out

    def values(self, setter) -> None:
        """Set this client's right-hand side into the parameters :meth:`dpp` made."""
        if self.sense == "==":
            setter(f"{self.key}:eq", self.hi)
            return
        for side in self.sides:
            setter(f"{self.key}:{side}", getattr(self, side))

    def rows(self, n: int, trades: bool) -> list[tuple[str, sparse.csr_matrix, float]]:
        """The rows as numbers over z = (w, t): (side, A block, sign), meaning sign·lhs ≤ sign·rhs_side.

        ``"eq"`` marks equality rows (zero cone). The solver form is A z + s = b with s ≥ 0, so a ≥ row is
        stored negated.
        """
        a = sparse.identity(n, format="csr") if self.a is None else sparse.csr_matrix(self.a)
        if trades:
            at = sparse.csr_matrix((a.shape[0], n)) if self.at is None else sparse.csr_matrix(self.at)
            a = sparse.hstack([a, at], format="csr")
        if self.sense == "==":
            return [("eq", a, 1.0)]
        return [(side, a if side == "hi" else -a, 1.0 if side == "hi" else -1.0) for side in self.sides]

    def elastic(self, w, t, slack: dict[str, cp.Variable]) -> list:
        """The diagnosis form: each group's rows with its slack (hard rows exactly, when not relaxable)."""
        if not self.relaxable:
            return self.exact(w, t)
        out = []
        x = None
        for g in self.groups():
            if g.key not in slack:  # a group the caller leaves out
                continue
            if x is None:
                x = self.lhs(w, t)
            s = slack[g.key] * self.relax
            rows = x[g.rows]
            if g.side in ("hi", "eq"):
                out.append(rows <= self.hi[g.rows] + s)
            if g.side in ("lo", "eq"):
                out.append(rows >= self.lo[g.rows] - s)
        return out

    def exact(self, w, t) -> list:
        """The constraint with numbers, not relaxed."""
        x = self.lhs(w, t)
        if self.sense == "==":
            return [x == self.hi]
        return ([x <= self.hi] if "hi" in self.sides else []) + ([x >= self.lo] if "lo" in self.sides else [])

    def homogeneous(self, x, total, idx: np.ndarray, param) -> list:
        """Risk parity's form over the eligible products ``idx``: ``lhs(x) ⋈ p·1ᵀx`` (p a parameter)."""
        if not self.homogeneous_ok or self.is_bound:
            return []
        a = self.a[:, idx] if not sparse.issparse(self.a) else self.a.tocsc()[:, idx]
        out = []
        if "hi" in self.sides:
            out.append(a @ x <= cp.multiply(param(f"{self.key}:hi", self.m), total))
        if "lo" in self.sides:
            out.append(a @ x >= cp.multiply(param(f"{self.key}:lo", self.m), total))
        return out

    def binding(self, w: np.ndarray, t: np.ndarray | None, lower: np.ndarray, upper: np.ndarray) -> list[str]:
        """The rows holding with equality at (w, t), in words (the upper side first on each row).

        A bound row counts only where it is the effective bound (ℓ, u merged over all bound constraints).
        """
        if self.sense == "==" or type(self).binding_words is Constraint.binding_words:
            return []  # nothing this constraint would report
        x = np.asarray(self.lhs(w, t), dtype=float)
        hi, lo = self.hi, self.lo
        m = len(x)
        at_hi = (x >= hi - TOL) if hi is not None else np.zeros(m, bool)
        at_lo = (x <= lo + TOL) if lo is not None else np.zeros(m, bool)
        if self.is_bound:  # only where this constraint is the effective bound
            if hi is not None:
                at_hi &= upper >= hi - 1e-12
            if lo is not None:
                at_lo &= lower <= lo + 1e-12
        out = []
        for i in np.flatnonzero(at_hi | at_lo):
            words = self.binding_words(int(i), "hi") if at_hi[i] else None
            if words is None and at_lo[i]:
                words = self.binding_words(int(i), "lo")
            if words:
                out.append(words)
        return out


# ------------------------------------------------------------------------------------------------ the budget


class FullyInvested(Constraint):
    r"""Fully invested: :math:`\mathbf 1^\top w = 1`. Never relaxed by the diagnosis."""

    key = "budget"
    sense = "=="
    relaxable = False
    homogeneous_ok = False  # 1ᵀx = 1ᵀx: nothing to impose

    def __init__(self, n: int):
        self.a = np.ones((1, n))
        self.rhs = np.ones(1)


class LongOnly(Constraint):
    r"""Long only: :math:`w \ge 0`. A bound; never relaxed by the diagnosis."""

    key = "long_only"
    sense = ">="
    relaxable = False

    def __init__(self, n: int):
        self.rhs = np.zeros(n)


# ------------------------------------------------------------------------------------------- the risk class


class AssetClassBands(Constraint):
    r"""Asset-class bands of the client's risk class: :math:`b^{lo} \le G w \le b^{hi}`.

    Diagnosis groups ``band_min:<class>`` (where b^lo_c > 0) and ``band_max:<class>`` (where b^hi_c < 1),
    each relaxable on its own.
    """

    key = "bands"
    sense = "in"

    def __init__(self, classes, membership: np.ndarray, lo, hi, class_label: str):
        self.classes = tuple(classes)
        self.a = membership
        self.rhs = (np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
        self.class_label = class_label

    @classmethod
    def from_spec(cls, spec: AllocationSpec) -> "AssetClassBands":
        lo = [spec.bands.get(c, (0.0, 1.0))[0] for c in spec.classes]
        hi = [spec.bands.get(c, (0.0, 1.0))[1] for c in spec.classes]
        return cls(spec.classes, spec.class_matrix(), lo, hi, spec.class_label)

    def groups(self) -> list[Group]:
        out = []
        lo, hi = self.rhs
        for j, c in enumerate(self.classes):
            if lo[j] > 0:
                out.append(Group(f"band_min:{c}", f"class {self.class_label} requires {c} ≥ {_pct(lo[j])}",
                                 [j], "lo", order=10))
            if hi[j] < 1:
                out.append(Group(f"band_max:{c}", f"class {self.class_label} allows at most {_pct(hi[j])} in {c}",
                                 [j], "hi", order=11))
        return out

    def binding_words(self, i, side):
        lo, hi = self.rhs
        c = self.classes[i]
        if side == "hi" and 0 < hi[i] < 1:
            return f"{c} at its maximum {_pct(hi[i])} for class {self.class_label}"
        if side == "lo" and lo[i] > 0:
            return f"{c} at its minimum {_pct(lo[i])} for class {self.class_label}"
        return None


class VolatilityCap(Constraint):
    r"""Volatility cap of the class (max-return objective): :math:`\lVert (F^\top w,\ \sqrt d \circ w) \rVert_2 \le \sigma_{max}`.

    Not linear: ``lhs`` is the volatility √(wᵀΣw) (Σ = FFᵀ + diag d), a second-order cone in the compiled
    problem (:mod:`.model` writes its cone rows). Diagnosis group ``volatility_cap``.
    """

    key = "volatility_cap"
    sense = "<="
    homogeneous_ok = False

    is_bound = False  # no a, but not a bound either: lhs is the volatility

    def __init__(self, factor: np.ndarray, idio_var: np.ndarray | None, cap: float, class_label: str):
        self.factor, self.idio_var = factor, idio_var
        self.rhs = np.array([float(cap)])
        self.class_label = class_label

    @property
    def m(self) -> int:
        return 1

    def lhs(self, w, t=None):
        if isinstance(w, np.ndarray):
            y = self.factor.T @ w
            var = y @ y + (self.idio_var @ (w * w) if self.idio_var is not None else 0.0)
            return np.array([np.sqrt(max(var, 0.0))])
        parts = [self.factor.T @ w] + ([cp.multiply(np.sqrt(self.idio_var), w)] if self.idio_var is not None else [])
        return cp.reshape(cp.norm(cp.hstack(parts), 2), (1,), order="C")

    def structure(self) -> tuple:
        return (self.key, self.sense, _fingerprint(self.factor), _fingerprint(self.idio_var))

    def rows(self, n, trades):  # pragma: no cover - a cone, written by the model
        raise NotImplementedError("the volatility cap is a second-order cone")

    def groups(self):
        return [Group("volatility_cap", f"class {self.class_label} caps volatility at {_pct(float(self.rhs[0]))}",
                      [0], "hi", order=12)]

    def binding(self, w, t, lower, upper):
        cap = float(self.rhs[0])
        if self.lhs(w)[0] >= cap - 1e-5:
            return [f"volatility at the cap {_pct(cap)} for class {self.class_label}"]
        return []


# ------------------------------------------------------------------------------------- per-product bounds


class ClassProductCap(Constraint):
    r"""Per-product cap of each asset class: :math:`w_i \le m_{a(i)}`, a(i) the class of product i. A bound.

    Diagnosis group ``cap:<class>`` per capped class.
    """

    key = "class_product_cap"
    sense = "<="

    def __init__(self, codes, asset_classes, classes, class_caps: dict):
        self.codes, self.asset_classes = tuple(codes), tuple(asset_classes)
        self.caps = {c: min(1.0, float(class_caps.get(c, 1.0))) for c in classes}
        # vectorized over the classes (a per-product Python loop was ~0.3 ms per solve at n = 500)
        pos = {c: j for j, c in enumerate(classes)}
        by_class = np.array([self.caps[c] for c in classes])
        self.rhs = by_class[np.fromiter((pos[a] for a in self.asset_classes), np.intp, len(self.codes))]

    @classmethod
    def from_spec(cls, spec):
        return cls(spec.codes, spec.asset_classes, spec.classes, spec.max_product_weight)

    def groups(self):
        out = []
        for c, cap in self.caps.items():
            idx = [i for i, a in enumerate(self.asset_classes) if a == c]
            if cap < 1 and idx:
                out.append(Group(f"cap:{c}", f"policy caps each {c} product at {_pct(cap)}", idx, "hi", order=30))
        return out

    def binding_words(self, i, side):
        cap = float(self.rhs[i])
        return f"{self.codes[i]} at the {self.asset_classes[i]} per-product cap {_pct(cap)}" if 0 < cap < 1 else None


class ProductCap(Constraint):
    r"""Cap of named products, whatever their class: :math:`w_i \le c_i` (``product_caps``, e.g. the policy's
    cap on every single stock). A bound. Diagnosis group ``cap:products``.
    """

    key = "product_cap"
    sense = "<="

    def __init__(self, codes, product_caps: dict, class_caps: np.ndarray):
        self.codes = tuple(codes)
        pos = {c: i for i, c in enumerate(self.codes)}
        self.capped = [(pos[c], float(v)) for c, v in product_caps.items()]
        self.rhs = np.ones(len(self.codes))
        for i, v in self.capped:
            self.rhs[i] = min(1.0, v)
        self.class_caps = class_caps  # a product cap is named as its own only where it is below the class's

    def groups(self):
        capped = [(i, c) for i, c in self.capped if c < 1]
        if not capped:
            return []
        names = _list([self.codes[i] for i, _ in capped])
        return [Group("cap:products", f"policy caps {names} at {_pct(max(c for _, c in capped))} each",
                      [i for i, _ in capped], "hi", order=31)]

    def binding_words(self, i, side):
        cap = float(self.rhs[i])
        if 0 < cap < 1 and cap < self.class_caps[i]:
            return f"{self.codes[i]} at its per-product cap {_pct(cap)}"
        return None


def _covering(codes_all, classes, asset_classes, codes: list[str]) -> str:
    """Name a set of products, saying 'all <class> products' where it covers a whole class."""
    chosen = set(codes)
    parts, used = [], set()
    for c in classes:
        mem = [p for p, a in zip(codes_all, asset_classes) if a == c]
        if mem and set(mem) <= chosen:
            parts.append(f"all {c} products ({_list(mem)})")
            used |= set(mem)
    rest = [c for c in codes if c not in used]
    if rest:
        parts.append(_list(rest))
    return " and ".join(parts)


class Suitability(Constraint):
    r"""Suitability: products graded above the client's ceiling get no weight, :math:`w_i \le 0` if
    :math:`\text{grade}_i > \text{ceiling}`. A bound (u_i = 0), so an unsuitable product is never proposed
    (DOMAIN.md §1: only a recorded exception, outside the optimizer, can put one in a portfolio).
    """

    key = "suitability"
    sense = "<="

    def __init__(self, codes, asset_classes, classes, grades, ceiling: int):
        self.codes, self.asset_classes, self.classes = tuple(codes), tuple(asset_classes), tuple(classes)
        self.grades, self.ceiling = tuple(grades), int(ceiling)
        self.blocked = [i for i, g in enumerate(self.grades) if g > self.ceiling]
        u = np.ones(len(self.codes))
        u[self.blocked] = 0.0
        self.rhs = u

    @classmethod
    def from_spec(cls, spec):
        return cls(spec.codes, spec.asset_classes, spec.classes, spec.grades, spec.ceiling)

    def groups(self):
        if not self.blocked:
            return []
        names = _covering(self.codes, self.classes, self.asset_classes, [self.codes[i] for i in self.blocked])
        return [Group("suitability", f"the suitability ceiling RR{self.ceiling} rules out {names}",
                      self.blocked, "hi", order=20)]

    def reasons(self) -> dict[str, str]:
        return {self.codes[i]: f"RR{self.grades[i]} is above the client's ceiling RR{self.ceiling}"
                for i in self.blocked}


class ExcludedProducts(Constraint):
    r"""Products the client excludes: :math:`w_i \le 0`. A bound. Diagnosis group ``excluded_products``."""

    key = "excluded_products"
    sense = "<="

    def __init__(self, codes, asset_classes, classes, excluded):
        self.codes, self.asset_classes, self.classes = tuple(codes), tuple(asset_classes), tuple(classes)
        self.idx = [i for i, c in enumerate(self.codes) if c in excluded]
        self.rhs = np.ones(len(self.codes))
        self.rhs[self.idx] = 0.0

    def groups(self):
        if not self.idx:
            return []
        names = _covering(self.codes, self.classes, self.asset_classes, [self.codes[i] for i in self.idx])
        return [Group("excluded_products", f"the client excludes {names}", self.idx, "hi", order=90)]

    def reasons(self) -> dict[str, str]:
        return {self.codes[i]: "excluded by the client" for i in self.idx}


class ExcludedClasses(Constraint):
    r"""Asset classes the client excludes: :math:`w_i \le 0` for every product of such a class. A bound.
    Diagnosis group ``excluded_classes``."""

    key = "excluded_classes"
    sense = "<="

    def __init__(self, codes, asset_classes, excluded):
        self.codes, self.asset_classes = tuple(codes), tuple(asset_classes)
        self.excluded = frozenset(excluded)
        self.idx = [i for i, a in enumerate(self.asset_classes) if a in self.excluded]
        self.rhs = np.ones(len(self.codes))
        self.rhs[self.idx] = 0.0

    def groups(self):
        if not self.idx:
            return []
        cls = sorted(self.excluded & set(self.asset_classes))
        words = f"the client excludes the asset class{'es' if len(cls) > 1 else ''} {', '.join(cls)}"
        return [Group("excluded_classes", words, self.idx, "hi", order=91)]

    def reasons(self) -> dict[str, str]:
        return {self.codes[i]: f"the client excludes the asset class {self.asset_classes[i]}" for i in self.idx}


class PinnedWeights(Constraint):
    r"""Weights the advisor fixes (a what-if): :math:`w_i = p_i` for each pinned product i. A bound
    (ℓ_i = u_i = p_i; the other products keep [0, 1]). Diagnosis group ``pinned``.
    """

    key = "pinned"
    sense = "in"

    def __init__(self, codes, pinned: dict[str, float]):
        self.codes = tuple(codes)
        pos = {c: i for i, c in enumerate(self.codes)}
        self.pins = {pos[c]: float(v) for c, v in pinned.items()}
        lo, hi = np.zeros(len(self.codes)), np.ones(len(self.codes))
        for i, v in self.pins.items():
            lo[i] = hi[i] = v
        self.rhs = (lo, hi)

    def groups(self):
        if not self.pins:
            return []
        parts = [f"{self.codes[i]} at {_pct(v)}" for i, v in self.pins.items()]
        return [Group("pinned", f"the advisor pins {_list(parts)}", list(self.pins), "eq", order=92)]


class MinimumPosition(Constraint):
    r"""Minimum position m: no weight strictly between 0 and m, i.e. :math:`w_i = 0 \ \lor\ w_i \ge m`.

    Not convex. Heuristic (documented, deterministic): solve; every position in (0, m) below m/2 is fixed to
    0 (upper bound 0), every one in [m/2, m) is forced to ≥ m (lower bound m); re-solve and repeat until no
    position lies in (0, m). Each round fixes at least one more product, so it ends within n rounds. If
    forcing makes the problem infeasible, the forced positions are dropped to 0 instead. The result is
    feasible and suitable, but not guaranteed to be the mixed-integer optimum.

    One instance holds one round's fixings, as bounds: ``forced`` ⇒ w_i ≥ m, ``fixed_zero`` ⇒ w_i ≤ 0.
    Diagnosis groups ``min_position`` (the forced ones) and ``min_position_drop`` (the dropped ones).
    """

    key = "min_position"
    sense = "in"

    def __init__(self, codes, m: float, fixed_zero: np.ndarray | None = None, forced: np.ndarray | None = None):
        self.codes, self.minimum = tuple(codes), float(m)
        n = len(self.codes)
        self.fixed_zero = np.zeros(n, bool) if fixed_zero is None else np.asarray(fixed_zero, bool)
        self.forced = np.zeros(n, bool) if forced is None else np.asarray(forced, bool)
        self.rhs = (np.where(self.forced, self.minimum, 0.0), np.where(self.fixed_zero, 0.0, 1.0))

    def groups(self):
        out = []
        m = self.minimum
        if self.forced.any():
            idx = list(np.flatnonzero(self.forced))
            out.append(Group("min_position", f"the minimum position {_pct(m)} forces "
                             f"{_list([self.codes[i] for i in idx])} to at least {_pct(m)}", idx, "lo", order=95))
        if self.fixed_zero.any():
            idx = list(np.flatnonzero(self.fixed_zero))
            out.append(Group("min_position_drop", f"the minimum position {_pct(m)} drops "
                             f"{_list([self.codes[i] for i in idx])}", idx, "hi", order=96))
        return out

    def binding_words(self, i, side):
        if side == "lo" and self.forced[i]:
            return f"{self.codes[i]} held at the minimum position {_pct(self.minimum)}"
        return None


# --------------------------------------------------------------------------------------- client-level rows


class LiquidityReserve(Constraint):
    r"""Liquidity reserve: :math:`\sum_{i \in \text{cash}} w_i \ge m`, m = liquidity need / portfolio value."""

    key = "liquidity"
    sense = ">="

    def __init__(self, cash_row: np.ndarray, minimum: float, cash_class: str = "cash"):
        self.a = np.asarray(cash_row, dtype=float).reshape(1, -1)
        self.rhs = np.array([max(0.0, float(minimum))])
        self.cash_class = cash_class

    @classmethod
    def from_spec(cls, spec):
        row = np.array([1.0 if a == spec.cash_class else 0.0 for a in spec.asset_classes])
        return cls(row, spec.cash_min, spec.cash_class)

    def groups(self):
        m = float(self.rhs[0])
        if m <= 0:
            return []
        return [Group("liquidity", f"the client's liquidity need requires {self.cash_class} ≥ {_pct(m)}",
                      [0], "lo", order=80)]

    def binding_words(self, i, side):
        m = float(self.rhs[0])
        return f"liquidity reserve: {self.cash_class} at the client's need {_pct(m)}" if m > 0 else None


class ForeignCurrencyCap(Constraint):
    r"""Currency exposure cap: :math:`\sum_{i:\ \text{ccy}_i \ne \text{base}} w_i \le F` (F = 1 when none applies)."""

    key = "foreign"
    sense = "<="

    def __init__(self, foreign_row: np.ndarray, cap: float | None, base_currency: str | None):
        self.a = np.asarray(foreign_row, dtype=float).reshape(1, -1)
        self.active = cap is not None and bool(self.a.any())
        self.rhs = np.array([float(cap) if self.active else 1.0])
        self.base_currency = base_currency

    @classmethod
    def from_spec(cls, spec):
        return cls(spec.foreign_mask(), spec.max_foreign, spec.base_currency)

    def groups(self):
        if not self.active:
            return []
        words = (f"products outside the base currency {self.base_currency} are capped at "
                 f"{_pct(float(self.rhs[0]))} in total")
        return [Group("foreign", words, [0], "hi", order=70)]

    def binding_words(self, i, side):
        return f"foreign-currency exposure at its cap {_pct(float(self.rhs[0]))}" if self.active else None


class TradedAmounts(Constraint):
    r"""The definition of the traded amounts: :math:`t \ge w - w^0,\ t \ge w^0 - w`, i.e.
    :math:`\begin{pmatrix} I & -I \\ -I & -I \end{pmatrix} \binom{w}{t} \le \binom{w^0}{-w^0}`. Never relaxed."""

    key = "trades"
    sense = "<="
    relaxable = False
    homogeneous_ok = False

    def __init__(self, w0: np.ndarray):
        self.n = len(w0)
        self.a, self.at = _trade_rows(self.n)
        self.rhs = np.concatenate([w0, -w0])

    def structure(self) -> tuple:
        return (self.key, self.n)  # the rows depend on n alone


@lru_cache(maxsize=16)
def _trade_rows(n: int) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(A on w, A on t) of :class:`TradedAmounts`; shared, since building them cost more than a solve."""
    eye = sparse.identity(n, format="csr")
    return sparse.vstack([eye, -eye], format="csr"), sparse.vstack([-eye, -eye], format="csr")


@lru_cache(maxsize=16)
def _turnover_rows(n: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    return sparse.csr_matrix((1, n)), np.ones((1, n))


class Turnover(Constraint):
    r"""Turnover limit: :math:`\tfrac12(\mathbf 1^\top t + o) \le L`, stated as :math:`\mathbf 1^\top t \le 2L - o`.

    o is the weight held outside the shelf (sold in full). Only active when the client holds something;
    otherwise the right-hand side is 4, which cannot bind. The transaction cost term c·1ᵀt uses the same t.
    Diagnosis group ``turnover``, relaxed by 2s (s in units of one-way turnover).
    """

    key = "turnover"
    sense = "<="
    relax = 2.0
    homogeneous_ok = False

    def __init__(self, n: int, limit: float | None, off_shelf: float, active: bool):
        self.n = n
        self.a, self.at = _turnover_rows(n)
        self.limit, self.off_shelf, self.active = limit, float(off_shelf), bool(active)
        self.rhs = np.array([max(0.0, 2 * limit - off_shelf) if self.active else 4.0])

    @staticmethod
    def is_active(spec) -> bool:
        return spec.turnover_limit is not None and spec.has_holdings()

    @staticmethod
    def needed(spec) -> bool:
        r"""Whether the problem needs t at all: a turnover limit applies, or costs apply to current holdings.

        Without holdings t = |w| = w, so the cost c·1ᵀt = c is a constant and changes no weights; leaving
        t (n variables, 2n rows) out then makes the problem about half the size.
        """
        held = spec.current_weights is not None and bool((spec.current_weights > 0).any())
        return Turnover.is_active(spec) or (spec.transaction_cost > 0 and held)

    @staticmethod
    def w0(spec) -> np.ndarray:
        return spec.current_weights if spec.current_weights is not None else np.zeros(spec.n)

    @classmethod
    def from_spec(cls, spec):
        return cls(spec.n, spec.turnover_limit, spec.off_shelf_weight, cls.is_active(spec))

    def structure(self) -> tuple:
        return (self.key, self.n)

    def groups(self):
        if not self.active:
            return []
        words = f"turnover is limited to {_pct(self.limit)} of the portfolio"
        if self.off_shelf > 0:
            words += f" ({_pct(self.off_shelf)} is held outside the shelf and must be sold)"
        return [Group("turnover", words, [0], "hi", order=85)]

    def binding(self, w, t, lower, upper):
        # the one-way turnover of w itself: t may exceed |w − w⁰| where nothing prices it
        if not self.active or t is None:
            return []
        if 0.5 * (t.sum() + self.off_shelf) >= self.limit - TOL:
            return [f"turnover at its limit {_pct(self.limit)}"]
        return []


# ---------------------------------------------------------------------------------------------- assembling


def policy_constraints(spec: AllocationSpec, minpos: MinimumPosition | None = None,
                       trades: bool | None = None) -> list[Constraint]:
    """This client's constraints, in the order the compiled problem and the binding list use.

    ``trades`` (default: :meth:`Turnover.needed`) says whether the problem carries t; without it the
    turnover rows are left out (the turnover limit cannot apply then).
    """
    trades = Turnover.needed(spec) if trades is None else trades
    caps = ClassProductCap.from_spec(spec)
    out: list[Constraint] = [
        FullyInvested(spec.n),
        LongOnly(spec.n),
        AssetClassBands.from_spec(spec),
        caps,
        ProductCap(spec.codes, spec.product_caps, caps.rhs),
        Suitability.from_spec(spec),
        ExcludedProducts(spec.codes, spec.asset_classes, spec.classes, spec.excluded_products),
        ExcludedClasses(spec.codes, spec.asset_classes, spec.excluded_classes),
        PinnedWeights(spec.codes, spec.pinned),
        LiquidityReserve.from_spec(spec),
    ]
    if trades:
        out += [TradedAmounts(Turnover.w0(spec)), Turnover.from_spec(spec)]
    out.append(ForeignCurrencyCap.from_spec(spec))
    out.append(minpos if minpos is not None else MinimumPosition(spec.codes, spec.min_position))
    return out


def merged_bounds(constraints: Iterable[Constraint], n: int) -> tuple[np.ndarray, np.ndarray]:
    """ℓ = max and u = min over the bound constraints' right-hand sides."""
    lower, upper = np.zeros(n), np.ones(n)
    for c in constraints:
        if not c.is_bound:
            continue
        if c.lo is not None:
            lower = np.maximum(lower, c.lo)
        if c.hi is not None:
            upper = np.minimum(upper, c.hi)
    return lower, upper


def exclusion_reasons(spec: AllocationSpec, constraints: Iterable[Constraint] | None = None) -> dict[str, str]:
    """Why each product with zero allowed weight is out (suitability first, then the client's wishes)."""
    constraints = list(constraints) if constraints is not None else policy_constraints(spec, trades=False)
    out: dict[str, str] = {}
    for kind in (Suitability, ExcludedClasses, ExcludedProducts):  # the order of precedence
        for c in constraints:
            if isinstance(c, kind):
                for k, v in c.reasons().items():
                    out.setdefault(k, v)
    for i, a in enumerate(spec.asset_classes):
        if spec.max_product_weight.get(a, 1.0) <= 0:
            out.setdefault(spec.codes[i], f"policy allows no single {a} product")
    return out
