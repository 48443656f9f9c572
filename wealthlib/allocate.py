"""Suitable, constrained allocation: compiled once per shelf and objective, re-solved per client.

Public API
----------
* :class:`AllocationSpec` — plain arrays (codes, classes, grades, μ, Σ or a factor form, bands, caps, …).
* :func:`solve` (``solve(spec, objective=None, solver=None) -> Allocation``) — the engine.
* :func:`allocate` — the adapter from the real objects (risk profile, shelf, policy, estimates, client).
* :class:`ClientProblem` — one client's problem, compiled once and re-solved for what-ifs (a slider
  moving risk aversion or the volatility target, a product excluded or pinned):

  .. code-block:: python

      problem = ClientProblem.for_client(profile, shelf, policy, estimates, client)
      base = problem.solve()                                  # the proposal
      bolder = problem.solve(risk_aversion=1.5)               # γ changed
      capped = problem.solve(objective="max_return", volatility_cap=0.08)
      what_if = problem.solve(excluded={"TW0050"}, pinned={"TWGOV10": 0.2})

  Every re-solve only changes right-hand sides and objective vectors, so it re-uses the problem compiled
  for the client's shelf (a fraction of a millisecond at 20 products); an infeasible what-if raises
  :class:`AllocationInfeasible` naming the conflict, e.g. a pin above a cap.
* :func:`efficient_frontier` — the frontier under the same constraints.
* :class:`Allocation` — weights, by class, expected return, volatility, risk contributions, trades,
  binding constraints in words, status, solver; :meth:`Allocation.to_json_dict`.
* :class:`AllocationInfeasible` — raised when constraints conflict; its message names them, e.g.
  "class Conservative requires bond ≥ 60%, but the client excludes all bond products (…)".

The model, objectives and solver fallback are described in :mod:`wealthlib._allocate.model`; each
constraint, its math and the forms derived from it in :mod:`wealthlib._allocate.constraints`; the
diagnosis in :mod:`wealthlib._allocate.diagnose`.

Supported combinations: every objective honours the budget, long-only, class bands, per-product caps,
suitability, exclusions, pinned weights, liquidity reserve, foreign-currency cap and minimum position.
Turnover limits and transaction costs apply to ``mean_variance``, ``max_return``, ``min_cvar`` and
``min_variance``, not to ``risk_parity`` (a note on the result says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ._allocate.constraints import (
    AssetClassBands,
    ClassProductCap,
    Constraint,
    ExcludedClasses,
    ExcludedProducts,
    ForeignCurrencyCap,
    FullyInvested,
    LiquidityReserve,
    LongOnly,
    MinimumPosition,
    PinnedWeights,
    ProductCap,
    Suitability,
    TradedAmounts,
    Turnover,
    VolatilityCap,
    policy_constraints,
)
from ._allocate.model import SOLVER_CHAINS, clear_cache, efficient_frontier as _frontier, solve
from ._allocate.spec import OBJECTIVES, Allocation, AllocationError, AllocationInfeasible, AllocationSpec

if TYPE_CHECKING:  # pragma: no cover
    from .estimate import Estimates
    from .policy import Policy

__all__ = [
    "Allocation",
    "AllocationError",
    "AllocationInfeasible",
    "AllocationSpec",
    "OBJECTIVES",
    "SOLVER_CHAINS",
    "allocate",
    "build_spec",
    "ClientProblem",
    "clear_cache",
    "efficient_frontier",
    "solve",
    # constraint classes (documentation of the math lives in their docstrings)
    "Constraint",
    "policy_constraints",
    "FullyInvested",
    "LongOnly",
    "AssetClassBands",
    "ClassProductCap",
    "ProductCap",
    "Suitability",
    "ExcludedProducts",
    "ExcludedClasses",
    "PinnedWeights",
    "LiquidityReserve",
    "TradedAmounts",
    "Turnover",
    "ForeignCurrencyCap",
    "VolatilityCap",
    "MinimumPosition",
]


def efficient_frontier(spec: AllocationSpec, points: int = 20, solver: str | None = None) -> pd.DataFrame:
    """Columns ``volatility``, ``expected_return`` and one weight column per product; ascending risk."""
    return _frontier(spec, points=points, solver=solver)


def build_spec(
    profile: Any,
    shelf: Any,
    policy: "Policy",
    estimates: "Estimates",
    client: Any = None,
    objective: str | None = None,
    *,
    locale: str = "en",
) -> AllocationSpec:
    """Build the :class:`AllocationSpec` for one client from the real objects.

    ``profile`` is a :class:`wealthlib.risk.RiskProfile` (its final class gives bands, γ and the volatility cap;
    its ceiling the suitability limit); ``shelf`` a :class:`wealthlib.products.Shelf`; ``estimates`` an
    :class:`wealthlib.estimate.Estimates` covering the shelf; ``client`` (optional) a
    :class:`wealthlib.clients.Client` for holdings, liquidity need, base currency and exclusions.
    Products on the shelf without estimates cannot be proposed; they are left out of the spec.
    """
    ladder = policy.ladders[getattr(profile, "ladder", policy.ladder)]
    rc = ladder.get(profile.final_class)
    rules = policy.allocation
    codes = [c for c in shelf.codes if c in estimates.mu.index]
    if not codes:
        raise AllocationError("no product on the shelf has market estimates")
    est = estimates.subset(codes)
    classes = shelf.asset_classes().reindex(codes)
    grades = shelf.grades().reindex(codes)
    currencies = shelf.currencies().reindex(codes)
    all_classes = tuple(dict.fromkeys(list(policy.asset_classes) + list(classes)))

    excluded_products: set[str] = set()
    excluded_classes: set[str] = set()
    w0 = None
    off_shelf = 0.0
    cash_min = 0.0
    base = None
    value = None
    if client is not None:
        excluded_products = set(client.restrictions.excluded_products)
        excluded_classes = set(client.restrictions.excluded_classes)
        base = client.base_currency
        held = client.holding_values()
        value = float(client.portfolio_value())
        if value > 0:
            w0 = np.array([held.get(c, 0.0) / value for c in codes])
            off_shelf = float(sum(v for c, v in held.items() if c not in codes) / value)
            cash_min = min(1.0, float(client.liquidity_need) / value)
        else:
            value = None
    scenarios = est.scenarios.to_numpy() if len(est.scenarios) else None
    return AllocationSpec(
        codes=tuple(codes),
        asset_classes=tuple(classes),
        mu=est.mu.to_numpy(),
        cov=est.cov.to_numpy(),
        grades=tuple(int(g) for g in grades),
        currencies=tuple(str(c) for c in currencies),
        scenarios=scenarios,
        classes=all_classes,
        ceiling=int(profile.ceiling),
        bands={c: tuple(b) for c, b in rc.bands.items()},
        max_product_weight=dict(rules.max_product_weight),
        product_caps={c: rules.max_type_weight[shelf.get(c).type] for c in codes
                      if shelf.get(c).type in rules.max_type_weight},
        excluded_products=frozenset(excluded_products),
        excluded_classes=frozenset(excluded_classes),
        cash_min=cash_min,
        current_weights=w0,
        off_shelf_weight=off_shelf,
        turnover_limit=rules.turnover_limit,
        transaction_cost=rules.transaction_cost,
        min_position=rules.min_position,
        base_currency=base,
        max_foreign=rules.max_foreign_currency,
        risk_aversion=rc.risk_aversion,
        volatility_cap=rc.volatility_cap,
        class_label=rc.name(locale),
        portfolio_value=value,
        objective=objective or rules.objective,
    )


def allocate(
    profile: Any,
    shelf: Any,
    policy: "Policy",
    estimates: "Estimates",
    client: Any = None,
    objective: str | None = None,
    *,
    locale: str = "en",
    solver: str | None = None,
) -> Allocation:
    """Propose an allocation for one client (see :func:`build_spec`); objective defaults to the policy's."""
    spec = build_spec(profile, shelf, policy, estimates, client, objective, locale=locale)
    return solve(spec, spec.objective, solver=solver)


class ClientProblem:
    """One client's allocation problem: compiled once, re-solved for what-ifs (see the module docstring).

    ``spec`` is the client's :class:`AllocationSpec` (``ClientProblem.for_client`` builds it from the real
    objects). :meth:`solve` takes the changes of one what-if; the client's own data is never modified, so
    each call starts from the proposal's inputs.
    """

    def __init__(self, spec: AllocationSpec, objective: str | None = None, solver: str | None = None):
        self.spec = spec
        self.objective = objective or spec.objective
        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}; choose one of {', '.join(OBJECTIVES)}")
        self.solver = solver

    @classmethod
    def for_client(cls, profile: Any, shelf: Any, policy: "Policy", estimates: "Estimates", client: Any = None,
                   objective: str | None = None, *, locale: str = "en", solver: str | None = None,
                   ) -> "ClientProblem":
        """The problem of one client (arguments as :func:`allocate`)."""
        spec = build_spec(profile, shelf, policy, estimates, client, objective, locale=locale)
        return cls(spec, spec.objective, solver)

    def what_if(self, *, risk_aversion: float | None = None, volatility_cap: float | None = None,
                excluded: Iterable[str] = (), pinned: Mapping[str, float] | None = None) -> AllocationSpec:
        """The spec of one what-if: γ or the volatility cap replaced, products excluded on top of the
        client's own exclusions, weights pinned (``{code: weight}``, replacing earlier pins)."""
        changes: dict[str, Any] = {}
        if risk_aversion is not None:
            changes["risk_aversion"] = float(risk_aversion)
        if volatility_cap is not None:
            changes["volatility_cap"] = float(volatility_cap)
        extra = set(excluded)
        if extra:
            unknown = sorted(extra - set(self.spec.codes))
            if unknown:
                raise ValueError(f"excluded: unknown products {unknown}")
            changes["excluded_products"] = self.spec.excluded_products | extra
        if pinned is not None:
            changes["pinned"] = dict(pinned)
        return self.spec.replace(**changes) if changes else self.spec

    def solve(self, *, objective: str | None = None, risk_aversion: float | None = None,
              volatility_cap: float | None = None, excluded: Iterable[str] = (),
              pinned: Mapping[str, float] | None = None, explain: bool = True) -> Allocation:
        """Re-solve with the changes given (``objective`` defaults to the problem's).

        ``explain=False``: an infeasible what-if raises :class:`AllocationInfeasible` after one solve, without
        the conflict diagnosis; the error's ``explain()`` returns the explained error (run it when convenient).

        ``volatility_cap`` is the cap of the ``max_return`` objective (the risk class's by default); the
        other objectives do not use it.
        """
        spec = self.what_if(risk_aversion=risk_aversion, volatility_cap=volatility_cap, excluded=excluded,
                            pinned=pinned)
        return solve(spec, objective or self.objective, solver=self.solver, explain=explain)
