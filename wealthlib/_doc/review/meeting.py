"""The review's client sections: goal progress (:mod:`wealthlib._analytics.goals`), and the quarter's
meetings with the action items that follow from the review."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import h3
from ..registry import register
from ._common import grid, iso, one_line


@register("review")
class Goals(Section):
    key, heading = "goals", "review_goals"

    def compute(self, r: Any) -> dict[str, Any]:
        g = r.goals
        return {"goals": [] if g.empty else [
            {"name": x["name"], "target": float(x["target"]), "year": int(x["year"]), "funded": float(x["funded"]),
             "required": float(x["required"]), "on_track": bool(x["on_track"])} for x in g.to_dict("records")]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        if not d["goals"]:
            return one_line(lb.L("col_item"), lb.L("book_none"))
        yes, no = lb.L("term_yes"), lb.L("term_no")
        head = ("col_goal", "col_target_amount", "col_target_year", "review_funded", "review_required_return",
                "review_on_track")
        return grid([lb.L(k) for k in head],
                    [[x["name"], lb.money(x["target"]), str(x["year"]), lb.pct(x["funded"], 2), lb.pct(x["required"], 2),
                      yes if x["on_track"] else "⚠ " + no] for x in d["goals"]])


@register("review")
class Meeting(Section):
    """The quarter's contacts (nothing after the quarter end), then the action items, each with owner and due date."""

    key, heading = "meeting", "review_meeting"

    def compute(self, r: Any) -> dict[str, Any]:
        m = r.meetings
        return {"meetings": [{"date": iso(x["date"]), "channel": x["channel"], "note": x["note"]}
                             for x in m.to_dict("records")],
                "actions": [dict(a) for a in r.actions]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        if not d["meetings"]:
            out = one_line(lb.L("col_item"), lb.L("review_no_contact"))
        else:
            out = grid([lb.L("field_date"), lb.L("review_channel"), lb.L("review_note")],
                       [[lb.date(x["date"]), lb.maybe(f"review_channel_{x['channel'].lower()}", x["channel"]), x["note"]]
                        for x in d["meetings"]])
        out += h3(lb.L("review_action_items"))
        if not d["actions"]:
            return out + one_line(lb.L("col_item"), lb.L("book_none"))
        return out + grid([lb.L("col_item"), lb.L("col_owner"), lb.L("col_due")],
                          [[a["item"], a["owner"], a["due"]] for a in d["actions"]])
