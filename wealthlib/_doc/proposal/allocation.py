"""The proposal's allocation sections: the allocation (by asset class, by product, chart, trades) and the
suitability check with its exception record."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import chart_png, h3, img, none_or, p, table, ul
from ..registry import register


def tables(inp: Any) -> dict[str, Any]:
    """The allocation's three tables as plain data: by asset class, by product (weights, and values: the
    current value is what the client holds, the proposed one weight × amount) and the trades (the
    allocation's trade amounts; a position off the shelf is sold whole)."""
    import pandas as pd

    shelf, cost = inp.shelf, inp.policy.allocation.transaction_cost
    classes = shelf.asset_classes()
    w, w0 = inp.w, inp.w0 if inp.w0 is not None else pd.Series(dtype=float)
    held = inp.c.holding_values()
    by_p = w.groupby(classes.reindex(w.index)).sum()
    by_c = w0.groupby(classes.reindex(w0.index)).sum() if len(w0) else pd.Series(dtype=float)
    by_class = []
    for a in inp.policy.asset_classes:
        pw, cw = float(by_p.get(a, 0.0)), float(by_c.get(a, 0.0))
        if pw or cw:
            by_class.append({"asset_class": a, "current": cw, "proposed": pw})
    products = []
    for code in dict.fromkeys([*w.index, *w0.index]):
        pr = shelf.get(code)
        pw, cw = float(w.get(code, 0.0)), float(w0.get(code, 0.0))
        products.append({"code": code, "name": pr.name(inp.loc), "asset_class": pr.asset_class, "grade": pr.grade,
                         "current": cw, "proposed": pw, "current_value": float(held.get(code, 0.0)) if cw else 0.0,
                         "proposed_value": pw * inp.amount})
    trades = [{"code": code, "name": inp.pname(code), "amount": amt, "cost": abs(amt) * cost}
              for code, amt in inp.trades.items()]
    trades += [{"code": code, "name": code, "amount": -v, "cost": v * cost}  # off the shelf: sold
               for code, v in held.items() if code not in shelf and v > 0]
    return {"by_class": by_class, "products": products, "trades": trades}


@register("proposal")
class Allocation(Section):
    key, heading = "allocation", "proposal_allocation"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...charts import allocation as chart

        d = tables(inp)
        codes = [r["code"] for r in d["products"]]
        fig = chart(inp.w0, inp.w, locale=inp.loc, names={k: inp.pname(k) for k in codes})
        return {**d, "fx_note": inp.fx.note,
                "first_investment": None if inp.value > 0 else {
                    "amount": inp.amount, "financial": inp.c.assets.financial, "need": inp.c.liquidity_need},
                "charts": {"allocation": chart_png(fig)}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        rows = [[lb.asset(r["asset_class"]), lb.pct(r["current"]), lb.pct(r["proposed"]),
                 lb.pct(r["proposed"] - r["current"], signed=True)] for r in d["by_class"]]
        out = h3(lb.L("proposal_by_asset_class"))
        out += table([lb.L("col_asset_class"), lb.L("col_current_weight"), lb.L("col_proposed_weight"),
                      lb.L("col_change")], rows)
        prow = [[r["name"], r["code"], lb.asset(r["asset_class"]), lb.grade(r["grade"]), lb.pct(r["current"]),
                 lb.pct(r["proposed"]), lb.money_c(r["current_value"]), lb.money_c(r["proposed_value"])]
                for r in d["products"]]
        out += h3(lb.L("proposal_by_product"))
        out += table([lb.L("col_product"), lb.L("col_code"), lb.L("col_asset_class"), lb.L("col_grade"),
                      lb.L("col_current_weight"), lb.L("col_proposed_weight"), lb.L("col_current_value"),
                      lb.L("col_proposed_value")], prow)
        out += img(d["charts"]["allocation"], lb.L("proposal_allocation"))
        out += h3(lb.L("proposal_trades"))
        trows = [[t["name"], t["code"], lb.L("term_buy") if t["amount"] > 0 else lb.L("term_sell"),
                  lb.money_c(abs(t["amount"])), lb.money_c(t["cost"])] for t in d["trades"]]
        out += none_or(table([lb.L("col_product"), lb.L("col_code"), lb.L("col_action"), lb.L("col_amount"),
                              lb.L("col_cost")], trows) if trows else "", lb)
        first = d["first_investment"]
        if first is not None:
            out += p(lb.L("alloc_no_holdings", amount=lb.money(first["amount"]),
                          financial=lb.money(first["financial"]), need=lb.money(first["need"])))
        out += p(d["fx_note"])
        return out


@register("proposal")
class Suitability(Section):
    key, heading = "suitability", "proposal_suitability"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...disclosures import suitability_statement

        rows = [(code, inp.pname(code), inp.shelf.get(code).grade) for code in inp.w.index]
        text = suitability_statement(rows, inp.profile.ceiling, inp.class_name, inp.loc, jurisdiction=inp.jur)
        from .conduct import decisions, elderly

        return {"products": [{"code": c, "name": n, "grade": g} for c, n, g in rows],
                "ceiling": int(inp.profile.ceiling), "statement": text.split("\n"),
                "decisions": decisions(inp), "elderly": elderly(inp)}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        ceiling, lines = d["ceiling"], d["statement"]
        table_html = table([lb.L("col_product"), lb.L("col_code"), lb.L("col_grade"), lb.L("col_ceiling"),
                            lb.L("col_suitable")],
                           [[r["name"], r["code"], lb.grade(r["grade"]), lb.grade(ceiling),
                             lb.L("term_within_ceiling") if r["grade"] <= ceiling else lb.L("term_above_ceiling")]
                            for r in d["products"]])
        out = p(lines[0]) + table_html + ul(lines[1:])
        from .conduct import render_decisions, render_elderly

        out += h3(lb.L("proposal_exception"))  # every holding above the ceiling: sold, or kept under an exception
        out += render_decisions(d.get("decisions") or [], lb)
        return out + render_elderly(d.get("elderly"), lb)
