"""Plain inputs and outputs of the allocation engine: :class:`AllocationSpec` in, :class:`Allocation` out.

The spec holds arrays only (no shelf, client or policy objects), so the engine can be tested and benchmarked
on its own; :func:`wealthlib.allocate.allocate` builds one from the real objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..errors import WealthError

OBJECTIVES = ("mean_variance", "max_return", "min_cvar", "risk_parity", "min_variance")


class AllocationError(WealthError):
    """The optimizer could not produce a trustworthy allocation (every solver failed)."""


class AllocationInfeasible(AllocationError):
    """No allocation satisfies every constraint; the message names the conflicting ones in words.

    ``conflicts`` holds the keys of a minimal conflicting set of constraint groups (e.g. ``band_min:bond``,
    ``excluded_products``) and ``reasons`` the matching sentences.
    """

    def __init__(self, message: str, conflicts: list[str] | None = None, reasons: list[str] | None = None):
        self.conflicts = list(conflicts or [])
        self.reasons = list(reasons or [])
        super().__init__(message)


def _factor(cov: np.ndarray) -> np.ndarray:
    """F with F Fᵀ = Σ: Cholesky when Σ is positive definite, else the PSD square root from eigh."""
    cov = 0.5 * (cov + cov.T)
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        keep = vals > 1e-14 * max(1.0, vals.max())
        return vecs[:, keep] * np.sqrt(vals[keep])


@dataclass(frozen=True, eq=False)
class AllocationSpec:
    """Everything one client's allocation needs, as arrays over ``codes`` (all figures annualized).

    Risk: give ``cov`` (n×n) or a factor form ``cov_factor`` F (n×k) with optional ``idio_var`` d (n), meaning
    Σ = F Fᵀ + diag(d). Weights are fractions of the portfolio; ``current_weights`` are the client's current
    holdings of these products as fractions of the whole portfolio, ``off_shelf_weight`` the part held in
    products outside ``codes`` (sold by any proposal). ``turnover_limit`` is one-way: ½(Σ|w − w0| + off-shelf).
    ``pinned`` fixes some products' weights (an advisor's what-if, see :class:`wealthlib.allocate.ClientProblem`).
    """

    codes: tuple[str, ...]
    asset_classes: tuple[str, ...]
    mu: np.ndarray
    cov: np.ndarray | None = None
    cov_factor: np.ndarray | None = None
    idio_var: np.ndarray | None = None
    grades: tuple[int, ...] | None = None
    currencies: tuple[str, ...] | None = None
    scenarios: np.ndarray | None = None
    classes: tuple[str, ...] = ("cash", "bond", "equity", "alternative")
    ceiling: int = 5
    bands: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    max_product_weight: Mapping[str, float] = field(default_factory=dict)
    product_caps: Mapping[str, float] = field(default_factory=dict)  # code → cap, e.g. from a product-type rule
    excluded_products: frozenset[str] = frozenset()
    excluded_classes: frozenset[str] = frozenset()
    cash_min: float = 0.0
    cash_class: str = "cash"
    current_weights: np.ndarray | None = None
    off_shelf_weight: float = 0.0
    turnover_limit: float | None = None
    transaction_cost: float = 0.0
    min_position: float = 0.0
    base_currency: str | None = None
    max_foreign: float | None = None
    risk_aversion: float = 1.0
    volatility_cap: float | None = None
    cvar_alpha: float = 0.95
    class_label: str = "of the client"
    portfolio_value: float | None = None
    objective: str = "mean_variance"
    pinned: Mapping[str, float] = field(default_factory=dict)  # code → weight the advisor fixes (a what-if)

    def __post_init__(self) -> None:
        s = object.__setattr__
        codes = tuple(str(c) for c in self.codes)
        n = len(codes)
        if n == 0:
            raise ValueError("AllocationSpec: no products")
        if len(set(codes)) != n:
            raise ValueError("AllocationSpec: duplicate product codes")
        s(self, "codes", codes)
        s(self, "asset_classes", tuple(self.asset_classes))
        if len(self.asset_classes) != n:
            raise ValueError("AllocationSpec: asset_classes must have one entry per product")
        unknown = sorted(set(self.asset_classes) - set(self.classes))
        if unknown:
            raise ValueError(f"AllocationSpec: asset classes {unknown} are not among classes {list(self.classes)}")
        mu = np.asarray(self.mu, dtype=float).reshape(-1)
        if mu.shape != (n,) or not np.isfinite(mu).all():
            raise ValueError("AllocationSpec: mu must be n finite numbers")
        s(self, "mu", mu)
        if self.cov_factor is None:
            if self.cov is None:
                raise ValueError("AllocationSpec: give cov or cov_factor")
            cov = np.asarray(self.cov, dtype=float)
            if cov.shape != (n, n) or not np.isfinite(cov).all():
                raise ValueError("AllocationSpec: cov must be a finite n×n matrix")
            s(self, "cov", cov)
            s(self, "cov_factor", _factor(cov))
        else:
            f = np.asarray(self.cov_factor, dtype=float)
            if f.ndim != 2 or f.shape[0] != n:
                raise ValueError("AllocationSpec: cov_factor must be n×k")
            s(self, "cov_factor", f)
        if self.idio_var is not None:
            d = np.asarray(self.idio_var, dtype=float).reshape(-1)
            if d.shape != (n,) or (d < 0).any():
                raise ValueError("AllocationSpec: idio_var must be n non-negative numbers")
            s(self, "idio_var", d)
        s(self, "grades", tuple(int(g) for g in self.grades) if self.grades is not None else (1,) * n)
        if len(self.grades) != n:
            raise ValueError("AllocationSpec: grades must have one entry per product")
        if self.currencies is not None and len(self.currencies) != n:
            raise ValueError("AllocationSpec: currencies must have one entry per product")
        if self.scenarios is not None:
            sc = np.asarray(self.scenarios, dtype=float)
            if sc.ndim != 2 or sc.shape[1] != n:
                raise ValueError("AllocationSpec: scenarios must be T×n")
            s(self, "scenarios", sc)
        if self.current_weights is not None:
            w0 = np.asarray(self.current_weights, dtype=float).reshape(-1)
            if w0.shape != (n,) or (w0 < -1e-12).any():
                raise ValueError("AllocationSpec: current_weights must be n non-negative numbers")
            s(self, "current_weights", np.clip(w0, 0.0, None))
        s(self, "excluded_products", frozenset(self.excluded_products))
        s(self, "excluded_classes", frozenset(self.excluded_classes))
        s(self, "bands", dict(self.bands))
        s(self, "max_product_weight", dict(self.max_product_weight))
        s(self, "product_caps", {str(k): float(v) for k, v in self.product_caps.items()})
        s(self, "pinned", {str(k): float(v) for k, v in self.pinned.items()})
        unknown_pins = sorted(set(self.pinned) - set(codes))
        if unknown_pins:
            raise ValueError(f"AllocationSpec: pinned weights for unknown products {unknown_pins}")
        if any(not 0.0 <= v <= 1.0 for v in self.pinned.values()):
            raise ValueError("AllocationSpec: pinned weights must be in [0, 1]")
        unknown_caps = sorted(set(self.product_caps) - set(codes))
        if unknown_caps:
            raise ValueError(f"AllocationSpec: product_caps for unknown products {unknown_caps}")
        for c, (lo, hi) in self.bands.items():
            if c not in self.classes:
                raise ValueError(f"AllocationSpec: band for unknown asset class {c!r}")
            if not 0.0 <= lo <= hi <= 1.0:
                raise ValueError(f"AllocationSpec: band for {c} must satisfy 0 ≤ min ≤ max ≤ 1")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"AllocationSpec: objective must be one of {OBJECTIVES}")
        if self.risk_aversion <= 0:
            raise ValueError("AllocationSpec: risk_aversion must be positive")
        if not 0.0 <= self.min_position < 1.0:
            raise ValueError("AllocationSpec: min_position must be in [0, 1)")
        if not 0.5 <= self.cvar_alpha < 1.0:
            raise ValueError("AllocationSpec: cvar_alpha must be in [0.5, 1)")

    # ---- derived views -----------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def mu_scale(self) -> float:
        """max |μᵢ| (the objective's scale, see :func:`wealthlib._allocate.model._objective_scale`)."""
        return float(np.abs(self.mu).max())

    @property
    def covariance(self) -> np.ndarray:
        f = self.cov_factor
        out = f @ f.T
        if self.idio_var is not None:
            out = out + np.diag(self.idio_var)
        return out

    def class_index(self) -> np.ndarray:
        """Position in ``classes`` of each product's asset class (n integers)."""
        pos = {c: j for j, c in enumerate(self.classes)}
        return np.fromiter((pos[c] for c in self.asset_classes), dtype=np.intp, count=self.n)

    def class_matrix(self) -> np.ndarray:
        """G (k×n): G[c, i] = 1 when product i belongs to asset class c."""
        g = np.zeros((len(self.classes), self.n))
        g[self.class_index(), np.arange(self.n)] = 1.0
        return g

    def foreign_mask(self) -> np.ndarray:
        if self.currencies is None or self.base_currency is None:
            return np.zeros(self.n)
        return np.array([0.0 if c == self.base_currency else 1.0 for c in self.currencies])

    def members(self, asset_class: str) -> list[str]:
        return [c for c, a in zip(self.codes, self.asset_classes) if a == asset_class]

    def has_holdings(self) -> bool:
        return self.current_weights is not None and (self.current_weights.sum() + self.off_shelf_weight) > 0

    def replace(self, **changes: Any) -> "AllocationSpec":
        """A copy with some fields changed (derived factor recomputed when ``cov`` changes)."""
        if "cov" in changes and "cov_factor" not in changes:
            changes["cov_factor"] = None
            changes.setdefault("idio_var", None)
        return replace(self, **changes)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@dataclass
class Allocation:
    """A proposed allocation and everything needed to explain it.

    ``trades`` = w − w0 per product (plus ``off_shelf_sold``, the weight in products outside the shelf that the
    proposal sells); ``trade_amounts`` in currency when a portfolio value is known. ``binding`` lists, in
    words, the constraints that hold with equality at the optimum; ``excluded`` says why each product with
    zero allowed weight was kept out. ``fallback`` records solvers tried before the one that succeeded.
    """

    weights: pd.Series
    by_class: pd.Series
    expected_return: float
    volatility: float
    risk_contributions: pd.Series
    trades: pd.Series
    trade_amounts: pd.Series | None
    binding: list[str]
    excluded: dict[str, str]
    status: str
    solver: str
    objective: str
    objective_value: float
    turnover: float
    cvar: float | None = None
    fallback: list[str] = field(default_factory=list)
    min_position_rounds: int = 0
    off_shelf_sold: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: weights, by_class, expected_return, volatility, binding, status, …"""

        def ser(s: pd.Series | None) -> dict[str, float] | None:
            return None if s is None else {str(k): float(v) for k, v in s.items()}

        return {
            "status": self.status,
            "objective": self.objective,
            "solver": self.solver,
            "fallback": list(self.fallback),
            "weights": ser(self.weights),
            "by_class": ser(self.by_class),
            "expected_return": float(self.expected_return),
            "volatility": float(self.volatility),
            "cvar": None if self.cvar is None else float(self.cvar),
            "risk_contributions": ser(self.risk_contributions),
            "trades": ser(self.trades),
            "trade_amounts": ser(self.trade_amounts),
            "turnover": float(self.turnover),
            "binding": list(self.binding),
            "excluded": dict(self.excluded),
            "notes": list(self.notes),
        }
