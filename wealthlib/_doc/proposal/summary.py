"""The proposal's one-page summary, first after the cover: the risk class, current vs proposed by asset
class, the expected return and its range, the main risks and the trades — the same numbers as the detailed
sections (the same data: :func:`.allocation.tables`, the expected figures, the worst periods, the stress rows),
so the summary and the tables cannot disagree."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import h3, kv, none_or, p, table, ul
from ..registry import register
from .risk import expected_range


def _risks(inp: Any) -> dict[str, Any]:
    """The main risks in figures: the worst 12 months on its own history, the worst stress row, the share
    priced in other currencies."""
    worst = inp.worst.get("proposed", {})
    rows = [r for r in inp.stress if r["return"] == r["return"] and (r["covered"] or r["shock"])]
    bad = min(rows, key=lambda r: r["pnl"]) if rows else None
    foreign = sum(float(w) for k, w in inp.w.items() if inp.shelf.get(k).currency != inp.cur)
    return {"worst_12m": worst.get("worst_12m"), "worst_12m_start": worst.get("worst_12m_start"),
            "worst_12m_end": worst.get("worst_12m_end"),
            "stress": None if bad is None else {"name": bad["name"], "return": bad["return"], "pnl": bad["pnl"]},
            "foreign": foreign}


@register("proposal")
class Summary(Section):
    key, heading = "summary", "proposal_summary"

    def compute(self, inp: Any) -> dict[str, Any]:
        from .allocation import tables

        t = tables(inp)
        return {"class_name": inp.class_name, "ceiling": int(inp.profile.ceiling), "by_class": t["by_class"],
                "has_current": inp.w0 is not None, "expected": dict(inp.exp), "risks": _risks(inp),
                "trades": t["trades"], "trading_cost": float(inp.fee["trading_cost"])}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        e = d["expected"]
        lo, hi = expected_range(e)
        out = kv([(lb.L("field_risk_class"), d["class_name"]), (lb.L("col_ceiling"), lb.grade(d["ceiling"])),
                  (lb.L("metric_expected_return"), lb.pct(e["proposed_return"], 2)),
                  (lb.L("proposal_summary_range"), f"{lb.pct(lo)} – {lb.pct(hi)}")])
        out += h3(lb.L("proposal_by_asset_class"))
        out += table([lb.L("col_asset_class"), lb.L("col_current_weight"), lb.L("col_proposed_weight")],
                     [[lb.asset(r["asset_class"]), lb.pct(r["current"]) if d["has_current"] else "—",
                       lb.pct(r["proposed"])] for r in d["by_class"]])
        out += h3(lb.L("proposal_summary_risks")) + ul(_risk_lines(d["risks"], lb))
        out += h3(lb.L("proposal_trades"))
        rows = [[t["name"], t["code"], lb.L("term_buy") if t["amount"] > 0 else lb.L("term_sell"),
                 lb.money_c(abs(t["amount"]))] for t in d["trades"]]
        out += none_or(table([lb.L("col_product"), lb.L("col_code"), lb.L("col_action"), lb.L("col_amount")], rows)
                       if rows else "", lb)
        if rows:
            out += p(lb.L("proposal_summary_trading_cost", cost=lb.money(d["trading_cost"])))
        return out


def _risk_lines(r: dict[str, Any], lb: Labels) -> list[str]:
    out = []
    if r["worst_12m"] is not None and r["worst_12m"] == r["worst_12m"]:
        out.append(lb.L("proposal_summary_worst_12m", loss=lb.pct(r["worst_12m"]), start=r["worst_12m_start"],
                        end=r["worst_12m_end"]))
    if r["stress"] is not None:
        out.append(lb.L("proposal_summary_stress", scenario=r["stress"]["name"], loss=lb.pct(r["stress"]["return"]),
                        amount=lb.money_c(r["stress"]["pnl"])))
    if r["foreign"] > 1e-9:
        out.append(lb.L("proposal_summary_foreign", share=lb.pct(r["foreign"]), currency=lb.cur))
    out.append(lb.L("proposal_summary_not_guaranteed"))
    return out
