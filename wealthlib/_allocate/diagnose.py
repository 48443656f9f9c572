"""Infeasibility explained: which constraint groups conflict, in words.

1. **Elastic relaxation.** Every relaxable group g (a class band, the suitability ceiling, the client's
   exclusions, the liquidity reserve, …) gets one slack s_g ≥ 0 (see each constraint's ``groups``);
   minimize Σ s_g subject to the budget and long-only constraints, which are never relaxed. Groups with
   positive slack are the ones the cheapest repair has to loosen.
2. **Deletion filter** (Chinneck & Dravnieks 1991). Starting from all groups, drop one group at a time
   (elastic-positive groups last); if the rest is still infeasible, the dropped group is not needed to
   explain the conflict. What remains is a minimal conflicting set: remove any one group and a solution
   exists.

This runs only on the failure path, so it rebuilds small LP/SOCP problems from numbers (no DPP).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from .constraints import POLICY_CONSTRAINTS, Group, MinimumPosition, VolatilityCap
from .spec import AllocationInfeasible, AllocationSpec

_SOLVERS = ("CLARABEL", "SCS")


def _groups(spec: AllocationSpec, objective: str, minpos: MinimumPosition | None) -> list[Group]:
    out: list[Group] = []
    for c in POLICY_CONSTRAINTS:
        out.extend(c.groups(spec))
    if objective == "max_return":
        out.extend(VolatilityCap().groups(spec))
    if minpos is not None:
        out.extend(minpos.groups(spec))
    return out


def _status(spec: AllocationSpec, groups: list[Group], elastic: bool) -> tuple[bool, dict[str, float]]:
    n = spec.n
    w, t = cp.Variable(n), cp.Variable(n)
    cons = [cp.sum(w) == 1, w >= 0]
    slacks: dict[str, cp.Variable] = {}
    for g in groups:
        s = cp.Variable(nonneg=True) if elastic else 0.0
        if elastic:
            slacks[g.key] = s
        cons += g.build(w, t, s)
    obj = cp.Minimize(cp.sum(cp.hstack(list(slacks.values())))) if slacks else cp.Minimize(0)
    prob = cp.Problem(obj, cons)
    for solver in _SOLVERS:
        try:
            prob.solve(solver=solver)
        except cp.error.SolverError:
            continue
        if prob.status in (cp.OPTIMAL, cp.INFEASIBLE):
            break
    ok = prob.status == cp.OPTIMAL
    return ok, {k: float(v.value) for k, v in slacks.items()} if ok and elastic else {}


def explain(spec: AllocationSpec, objective: str, minpos: MinimumPosition | None = None) -> AllocationInfeasible:
    """Build the :class:`AllocationInfeasible` error for an infeasible ``spec`` (does not raise it)."""
    groups = _groups(spec, objective, minpos)
    if not groups:
        return AllocationInfeasible("No allocation exists: there are no products to invest in.")
    _, slack = _status(spec, groups, elastic=True)
    positive = {k for k, v in slack.items() if v > 1e-7}
    if _status(spec, groups, elastic=False)[0]:
        # the numeric re-check found a solution: the solver failure was numerical, not a conflict
        return AllocationInfeasible(
            "The optimizer reported the constraints as infeasible, but a check found a feasible allocation; "
            "the failure is numerical. Try another solver or rescale the inputs."
        )
    keep = list(groups)
    for g in sorted(groups, key=lambda g: (g.key in positive, g.order)):
        trial = [h for h in keep if h is not g]
        if not trial:
            continue
        if not _status(spec, trial, elastic=False)[0]:
            keep = trial
    keep.sort(key=lambda g: g.order)
    words = [g.words for g in keep]
    if len(words) == 1:
        body = words[0] + ", which leaves no way to invest 100%"
    else:
        body = words[0] + ", but " + " and ".join(words[1:])
    msg = f"No allocation satisfies every constraint: {body}."
    return AllocationInfeasible(msg, conflicts=[g.key for g in keep], reasons=words)


def has_conflict(spec: AllocationSpec, objective: str) -> bool:
    """True when the constraints (without the objective) admit no allocation."""
    return not _status(spec, _groups(spec, objective, None), elastic=False)[0]


__all__ = ["explain", "has_conflict", "np"]
