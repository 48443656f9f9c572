"""The target a review measures drift against, and when it should be revisited.

* **Agreed target**: the target weights of the client's latest accepted proposal dated on or before the review's
  as-of date (:func:`wealthlib.records.agreed_target`). A product of it that has left the shelf cannot be
  priced or bought: it is taken out and the rest renormalized to 100%, and the target is flagged.
* **No agreed target on record**: the allocation the engine proposes at the as-of date (the review says so).

The agreed target should be **revisited** (:attr:`Target.revisit`, reason codes) when the client's risk class
at the as-of date differs from the class the proposal was made for (``class_changed``), when the KYC
assessment has expired (``kyc_expired``), or when a product of the target left the shelf (``off_shelf``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Target", "choose_target"]


@dataclass
class Target:
    weights: pd.Series                 # code -> weight, sums to 1, shelf products only
    source: str                        # "agreed" | "engine"
    decision: Any = None               # wealthlib.records.Decision when agreed
    revisit: list[str] = field(default_factory=list)   # class_changed, kyc_expired, off_shelf
    off_shelf: list[str] = field(default_factory=list)  # codes of the agreed target no longer on the shelf
    agreed_class: str = ""


def _normalized(w: pd.Series) -> pd.Series:
    w = w[w > 1e-6]
    return w / w.sum()


def choose_target(decision: Any, engine_weights: pd.Series, *, profile: Any, shelf: Any) -> Target:
    """The review's target (module docstring); ``profile`` is the client's risk profile at the as-of date."""
    if decision is None or not decision.target:
        return Target(weights=_normalized(engine_weights), source="engine")
    agreed = pd.Series({str(k): float(v) for k, v in decision.target.items()}, dtype=float)
    off = sorted(c for c in agreed.index if c not in shelf)
    revisit = []
    if decision.risk_class and decision.risk_class != profile.final_class:
        revisit.append("class_changed")
    if profile.kyc_expired:
        revisit.append("kyc_expired")
    if off:
        revisit.append("off_shelf")
    kept = agreed.drop(off)
    if kept.sum() <= 1e-6:  # nothing of the agreed target is still on the shelf: the engine's, flagged
        return Target(weights=_normalized(engine_weights), source="engine", decision=decision, revisit=revisit,
                      off_shelf=off, agreed_class=decision.risk_class)
    return Target(weights=_normalized(kept), source="agreed", decision=decision, revisit=revisit, off_shelf=off,
                  agreed_class=decision.risk_class)
