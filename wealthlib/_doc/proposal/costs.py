"""The proposal's costs: each product's yearly fee, the trading cost, and the fees' cumulative effect."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import h3, p, table
from ..registry import register


@register("proposal")
class Costs(Section):
    key, heading = "costs", "proposal_costs"

    def compute(self, inp: Any) -> dict[str, Any]:
        f = dict(inp.fee)
        f["rows"] = [{**r, "name": inp.pname(r["code"])} for r in f["rows"]]
        f["expected_return"] = float(f["expected_return"])
        from .conduct import advisory, distribution

        f["advisory"], f["distribution"] = advisory(inp), distribution(inp)
        return f

    def render(self, f: dict[str, Any], lb: Labels) -> str:
        rows = [[r["name"], r["code"], lb.pct(r["weight"]), lb.pct(r["rate"], 2), lb.money(r["amount"])]
                for r in f["rows"]]
        rows.append([lb.L("term_total"), "", lb.pct(1.0), lb.pct(f["total_rate"], 2), lb.money(f["total_amount"])])
        out = table([lb.L("col_product"), lb.L("col_code"), lb.L("col_proposed_weight"), lb.L("col_fee_rate"),
                     lb.L("col_fee_amount")], rows)
        out += p(lb.L("cost_trading", traded=lb.money(f["traded"]), rate=lb.pct(f["trading_cost_rate"], 2),
                      cost=lb.money(f["trading_cost"])))
        from .conduct import render_advisory, render_cumulative, render_distribution

        adv = f.get("advisory")
        out += render_advisory(adv, lb)  # the firm's fee per product and in total
        out += h3(lb.L("proposal_cost_effect"))
        if adv:  # the effect of every cost: product and advisory fees, one-off costs
            return out + render_cumulative(adv, lb) + render_distribution(f.get("distribution"), lb)
        out += table([lb.L("col_year"), lb.L("cost_value_without"), lb.L("cost_value_with"),
                      lb.L("cost_reduction"), lb.L("col_cumulative")],
                     [[str(r["year"]), lb.money(r["gross"]), lb.money(r["net"]), lb.money(r["reduction"]),
                       lb.pct(r["reduction_pct"], 2)] for r in f["cumulative"]])
        out += p(lb.L("cost_effect_note", r=lb.pct(f["expected_return"], 2), fee=lb.pct(f["total_rate"], 2)))
        return out + render_distribution(f.get("distribution"), lb)
