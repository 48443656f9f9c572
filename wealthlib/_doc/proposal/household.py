"""The proposal's household sections: the household picture with its key ratios, and the goals and constraints."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import h3, none_or, table, ul
from ..registry import register


@register("proposal")
class Household(Section):
    key, heading = "household", "proposal_household"

    def compute(self, inp: Any) -> dict[str, Any]:
        return {"household": dict(inp.hh), "ratios": dict(inp.ratios)}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        h, r, m = d["household"], d["ratios"], lb.money
        total = lb.L("term_total")
        bs = table([lb.L("col_item"), lb.L("col_amount")], [
            [lb.L("household_financial_assets"), m(h["financial"])],
            [lb.L("household_real_estate"), m(h["property"])],
            [lb.L("household_other_assets"), m(h["other"])],
            [f"{lb.L('household_assets')} {total}", m(h["total_assets"])],
            [lb.L("household_mortgage"), m(h["mortgage"])],
            [lb.L("household_other_debt"), m(h["other_debt"])],
            [f"{lb.L('household_liabilities')} {total}", m(h["total_debt"])],
            [lb.L("household_net_worth"), m(h["net_worth"])],
        ])
        cf = table([lb.L("col_item"), lb.L("col_amount")], [
            [lb.L("household_income"), m(h["income"])],
            [lb.L("household_expenses"), m(h["expenses"])],
            [lb.L("household_debt_service"), m(h["debt_service"])],
            [lb.L("household_savings"), m(h["savings"])],
        ])
        ratio_rows = [
            [lb.L("ratio_emergency_months"), lb.L("ratio_months", months=lb.number(r["emergency_months"], 1)),
             lb.L("hh_def_emergency", reserve=m(h["liquid_reserve"]))],
            [lb.L("ratio_debt_to_assets"), lb.pct(r["debt_to_assets"]), lb.L("hh_def_debt_to_assets")],
            [lb.L("ratio_debt_service"), lb.pct(r["debt_service_to_income"]), lb.L("hh_def_debt_service")],
            [lb.L("ratio_savings_rate"), lb.pct(r["savings_rate"]), lb.L("hh_def_savings")],
        ]
        ratios = table([lb.L("col_item"), lb.L("col_value"), lb.L("hh_definition")], ratio_rows)
        return bs + cf + h3(lb.L("proposal_key_ratios")) + ratios


@register("proposal")
class Goals(Section):
    key, heading = "goals", "proposal_goals"

    def compute(self, inp: Any) -> dict[str, Any]:
        c, shelf = inp.c, inp.shelf
        what_if = [code for code in inp.alloc.excluded if code not in c.restrictions.excluded_products
                   and shelf.get(code).grade <= inp.profile.ceiling]
        return {
            "goals": [{"name": g.name, "amount": g.target_amount, "date": g.target_date.isoformat(),
                       "priority": g.priority} for g in sorted(c.goals, key=lambda g: (g.priority, g.target_date))],
            "horizon": c.horizon_years, "liquidity": c.liquidity_need,
            "client_excludes": bool(c.restrictions.excluded_products),
            "excluded": [[inp.pname(x), x] for x in c.restrictions.excluded_products if x in shelf],
            "excluded_now": [[inp.pname(x), x] for x in what_if],
            "excluded_classes": list(c.restrictions.excluded_classes),
            "class_name": inp.class_name, "ceiling": int(inp.profile.ceiling), "notes": c.notes.strip(),
        }

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        rows = [[g["name"], lb.money(g["amount"]), lb.date(g["date"]), str(g["priority"])] for g in d["goals"]]
        out = none_or(table([lb.L("col_goal"), lb.L("col_target_amount"), lb.L("col_target_year"),
                             lb.L("goal_priority")], rows) if rows else "", lb)
        named = lambda xs: lb.join(f"{name} ({code})" for name, code in xs)  # noqa: E731
        lines = [lb.L("goal_horizon", years=d["horizon"]), lb.L("goal_liquidity", amount=lb.money(d["liquidity"]))]
        if d["client_excludes"]:
            lines.append(lb.L("goal_excluded", products=named(d["excluded"])))
        if d["excluded_now"]:
            lines.append(lb.L("goal_excluded_now", products=named(d["excluded_now"])))
        if d["excluded_classes"]:
            lines.append(lb.L("goal_excluded_classes", classes=lb.join(lb.asset(a) for a in d["excluded_classes"])))
        lines.append(lb.L("goal_ceiling", class_name=d["class_name"], ceiling=lb.grade(d["ceiling"])))
        if d["notes"]:
            lines.append(lb.L("goal_notes", notes=d["notes"]))
        return out + ul(lines)
