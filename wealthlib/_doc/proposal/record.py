"""The proposal's record sections: the advisor's two texts (cover letter, rationale), the assumptions and
the audit record."""

from __future__ import annotations

from typing import Any

from ..audit import audit_rows
from ..base import Labels, Section
from ..html import kv
from ..registry import register


@register("proposal")
class CoverLetter(Section):
    """The advisor's letter: a notebook cell of the advisor's markdown; the standard letter when none."""

    key, heading, advisor = "cover_letter", "proposal_cover_letter", True

    def compute(self, inp: Any) -> dict[str, Any]:
        return {}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return ""


@register("proposal")
class Rationale(Section):
    """Why this allocation fits: the advisor's markdown; the standard rationale when none."""

    key, heading, advisor = "rationale", "proposal_rationale", True

    def compute(self, inp: Any) -> dict[str, Any]:
        return {}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return ""


@register("proposal")
class Assumptions(Section):
    key, heading = "assumptions", "proposal_assumptions"

    def compute(self, inp: Any) -> dict[str, Any]:
        return {"rows": [list(r) for r in inp.assumptions()]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return kv([tuple(r) for r in d["rows"]])


@register("proposal")
class Audit(Section):
    """The audit record, whole (the footer of every page carries its short form)."""

    key, heading, required = "audit", "proposal_audit", True

    def compute(self, inp: Any) -> dict[str, Any]:
        return {"audit": {k: v for k, v in inp.audit.items() if isinstance(v, str)}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return kv(audit_rows(d["audit"], lb))
