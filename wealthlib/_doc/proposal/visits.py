"""The follow-up plan after a sale (回访; the policy's ``follow_up``, listed as section ``follow_up`` by a firm
that has one): each visit's days after the sale, who makes it and how, and that the contact log records it
(``contact_log`` entries of ``kind: follow_up``, with the client's rating) — the ratings the book report's
advisor measures read."""

from __future__ import annotations

from typing import Any

from ...errors import InputError
from ..base import Labels, Section
from ..html import p, table
from ..registry import register


@register("proposal")
class FollowUp(Section):
    key, heading = "follow_up", "proposal_follow_up"

    def compute(self, inp: Any) -> dict[str, Any]:
        rules, loc = inp.policy.follow_up, inp.loc
        if rules is None:
            raise InputError(inp.policy.source or "policy.yaml", "follow_up.visits",
                             "the proposal lists the follow_up section (documents.proposal) but the policy "
                             "plans no follow-up visit")
        return {"visits": [{"days": v.days_after_sale, "by": v.by.get(loc) or v.by.get("en", ""),
                            "channel": v.channel.get(loc) or v.channel.get("en", "")} for v in rules.visits],
                "scale": rules.satisfaction_scale}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        rows = [[lb.L("follow_up_when", days=v["days"]), v["by"], v["channel"]] for v in d["visits"]]
        out = table([lb.L("follow_up_col_when"), lb.L("follow_up_col_by"), lb.L("follow_up_col_channel")], rows)
        return out + p(lb.L("follow_up_note", scale=d["scale"]))
