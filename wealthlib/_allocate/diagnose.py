"""Infeasibility explained: which constraint groups conflict, in words.

1. **Elastic relaxation.** Every relaxable group g (a class band, the suitability ceiling, the client's
   exclusions, the liquidity reserve, …) gets one slack s_g ≥ 0 in its constraint's elastic form
   (:meth:`~wealthlib._allocate.constraints.Constraint.elastic`: lhs ≤ hi + r·s or lhs ≥ lo − r·s);
   minimize Σ s_g subject to the rows that are never relaxed (budget, long-only, the definition of the
   traded amounts). Groups with positive slack are the ones the cheapest repair has to loosen.
2. **Deletion filter** (Chinneck & Dravnieks 1991). Starting from all groups, drop one group at a time
   (elastic-positive groups last); if the rest is still infeasible, the dropped group is not needed to
   explain the conflict. What remains is a minimal conflicting set: remove any one group and a solution
   exists.

This runs only on the failure path, so it builds small LP/SOCP problems from numbers (no DPP).
"""

from __future__ import annotations

import warnings
from typing import Any

import cvxpy as cp

from .constraints import Constraint, Group
from .spec import AllocationInfeasible

_SOLVERS = ("CLARABEL", "SCS")


def _groups(constraints: list[Constraint]) -> list[Group]:
    return [g for c in constraints if c.relaxable for g in c.groups()]


def _status(n: int, constraints: list[Constraint], keys: set[str], elastic: bool) -> tuple[bool, dict[str, float]]:
    """Feasibility of the groups ``keys`` (with a slack each when ``elastic``) plus the hard rows."""
    w, t = cp.Variable(n), cp.Variable(n)
    slack = {k: (cp.Variable(nonneg=True) if elastic else 0.0) for k in keys}
    cons = []
    for c in constraints:
        cons += c.elastic(w, t, slack)
    variables = [s for s in slack.values() if isinstance(s, cp.Variable)]
    obj = cp.Minimize(cp.sum(cp.hstack(variables))) if variables else cp.Minimize(0)
    prob = cp.Problem(obj, cons)
    for solver in _SOLVERS:
        try:
            with warnings.catch_warnings():
                # an inaccurate solution is handled here (the next solver is tried): not the user's to read
                warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
                prob.solve(solver=solver)
        except cp.error.SolverError:
            continue
        if prob.status in (cp.OPTIMAL, cp.INFEASIBLE):
            break
    ok = prob.status == cp.OPTIMAL
    return ok, {k: float(v.value) for k, v in slack.items()} if ok and elastic else {}


def explain(n: int, constraints: list[Constraint], pause: Any = None) -> AllocationInfeasible:
    """Build the :class:`AllocationInfeasible` error for infeasible ``constraints`` (does not raise it).

    ``pause`` (optional, no arguments) is called before each feasibility solve: a caller running the
    diagnosis in a background thread can hold it there while its foreground work runs (the what-if panel
    holds it while a change is answered, so the two do not share the interpreter)."""
    if pause is not None:
        real = _status

        def _status_(*a: Any, **k: Any) -> tuple[bool, dict[str, float]]:
            pause()
            return real(*a, **k)
    else:
        _status_ = _status
    groups = _groups(constraints)
    if not groups:
        return AllocationInfeasible("No allocation exists: there are no products to invest in.")
    all_keys = {g.key for g in groups}
    _, slack = _status_(n, constraints, all_keys, elastic=True)
    positive = {k for k, v in slack.items() if v > 1e-7}
    if _status_(n, constraints, all_keys, elastic=False)[0]:
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
        if not _status_(n, constraints, {h.key for h in trial}, elastic=False)[0]:
            keep = trial
    keep.sort(key=lambda g: g.order)
    words = [g.words for g in keep]
    if len(words) == 1:
        body = words[0] + ", which leaves no way to invest 100%"
    else:
        body = words[0] + ", but " + " and ".join(words[1:])
    msg = f"No allocation satisfies every constraint: {body}."
    return AllocationInfeasible(msg, conflicts=[g.key for g in keep], reasons=words)


def has_conflict(n: int, constraints: list[Constraint]) -> bool:
    """True when the constraints (without the objective) admit no allocation."""
    return not _status(n, constraints, {g.key for g in _groups(constraints)}, elastic=False)[0]


__all__ = ["explain", "has_conflict"]
