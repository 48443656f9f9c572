"""The review's follow-up visits (回访; section ``follow_up``, listed by a firm whose policy plans visits): every
visit owed after a sale whose plan touches the quarter, due by when, and what the contact log records of it
(:func:`wealthlib._analytics.follow_up.visit_status`) — the proposal's plan (``_doc/proposal/visits.py``) with
its dates, once the sale has a date."""

from __future__ import annotations

from typing import Any

from ...errors import InputError
from ..base import Labels, Section
from ..registry import register
from ._common import grid, iso, name, one_line


@register("review")
class FollowUp(Section):
    key, heading = "follow_up", "review_follow_up"

    def compute(self, r: Any) -> dict[str, Any]:
        from ..._analytics.follow_up import visit_status

        rules = r.ctx.policy.follow_up
        if rules is None:
            raise InputError(r.ctx.policy.source or "policy.yaml", "follow_up.visits",
                             "the review lists the follow_up section (documents.review) but the policy plans "
                             "no follow-up visit")
        rows = visit_status(r.client, rules, r.start.date(), r.end.date())
        return {"scale": rules.satisfaction_scale, "visits": [
            {**x, "sale": iso(x["sale"]), "due": iso(x["due"]), "recorded": iso(x["recorded"]),
             "products": [name(r, c) for c in x["products"]]} for x in rows]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        if not d["visits"]:
            return one_line(lb.L("col_item"), lb.L("review_follow_up_none"))
        head = ["review_follow_up_sale", "col_product", "follow_up_col_when", "review_follow_up_due",
                "review_follow_up_recorded", "review_follow_up_status"]
        return grid([lb.L(k) for k in head], [self._row(x, d["scale"], lb) for x in d["visits"]])

    @staticmethod
    def _row(x: dict[str, Any], scale: int, lb: Labels) -> list[str]:
        rec = "—"
        if x["recorded"] is not None:
            how = lb.maybe(f"review_channel_{str(x['channel']).lower()}", str(x["channel"]))
            rated = "" if x["rating"] is None else " · " + lb.L("review_follow_up_rating", rating=x["rating"], scale=scale)
            rec = f"{lb.date(x['recorded'])} · {how}{rated}"
        status = lb.L(f"review_follow_up_{x['status']}")
        return [lb.date(x["sale"]), lb.join(x["products"]),
                lb.L("follow_up_when", days=x["days"]), lb.date(x["due"]), rec,
                ("⚠ " + status) if x["status"] == "missed" else status]
