"""The extra steps of the sale a proposal leads to (the policy's ``sales_care``; a mainland bank): the
audio-video recording of the sale (双录) done or pending, and a second person's review where the client is
elderly or buys a high-risk product — each as the client file records it (``sale``), printed, never assumed."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import kv, p
from ..registry import register


@register("proposal")
class SalesCare(Section):
    key, heading = "sales_care", "proposal_sales_care"

    def compute(self, inp: Any) -> dict[str, Any]:
        rules = inp.policy.sales_care
        rec = inp.c.sale
        age = inp.c.age(inp.ctx.as_of)
        buys = [k for k, v in inp.trades.items() if v > 0]
        high = [k for k in buys if rules.second_review_grade is not None
                and inp.shelf.get(k).grade >= rules.second_review_grade]
        elderly = rules.second_review_age is not None and age >= rules.second_review_age
        reviewer = None
        if rec is not None and rec.second_review_by:
            from ...advisors import display_names

            reviewer = display_names(inp.policy, inp.ctx.params, inp.loc).get(rec.second_review_by)
        return {
            "recording": rules.dual_recording,
            "recorded": rec is not None and rec.dual_recording == "done",
            "recorded_on": rec.recorded_on.isoformat() if rec is not None and rec.recorded_on else None,
            "review_rule": rules.second_review_age is not None or rules.second_review_grade is not None,
            "review_needed": elderly or bool(high), "elderly": elderly, "age": age,
            "review_age": rules.second_review_age, "review_grade": rules.second_review_grade,
            "high_risk": [inp.L("care_product", name=inp.pname(k), grade=inp.labels.grade(inp.shelf.get(k).grade))
                          for k in high],
            "reviewed": reviewer is not None and rec.second_review_on is not None,
            "reviewer": reviewer, "reviewed_on": rec.second_review_on.isoformat() if rec and rec.second_review_on else None,
        }

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        if not d["recording"] and not d["review_rule"]:
            return p(lb.L("care_none"))
        rows = []
        if d["recording"]:
            rows.append((lb.L("care_recording"), lb.L("care_done", date=lb.date(d["recorded_on"]))
                         if d["recorded"] and d["recorded_on"] else lb.L("care_pending")))
        if d["review_rule"]:
            if not d["review_needed"]:
                status = lb.L("care_review_not_needed")
            elif d["reviewed"]:
                status = lb.L("care_reviewed", who=d["reviewer"], date=lb.date(d["reviewed_on"]))
            else:
                status = lb.L("care_pending")
            rows.append((lb.L("care_review"), status))
        out = kv(rows)
        if d["elderly"]:
            out += p(lb.L("care_why_elderly", age=d["review_age"]))
        if d["high_risk"]:
            out += p(lb.L("care_why_grade", grade=lb.grade(d["review_grade"]),
                          products=_listed(lb, d["high_risk"])))
        if (d["recording"] and not d["recorded"]) or (d["review_needed"] and not d["reviewed"]):
            out += p(lb.L("care_no_sale_before"))
        return out


def _listed(lb: Labels, items: list[str]) -> str:
    """``a, b, c`` in the locale's way of listing (``care_list`` joins two at a time)."""
    text = items[0] if items else ""
    for item in items[1:]:
        text = lb.L("care_list", a=text, b=item)
    return text
