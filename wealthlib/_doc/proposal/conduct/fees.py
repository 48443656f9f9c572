"""The costs section's blocks: the firm's advisory fee and the cumulative effect of every cost; 通路報酬."""

from __future__ import annotations

from typing import Any

from ...base import Labels
from ...html import h3, p, table
from ._common import _texts, _t, _rules, _signature_labels, _client_signature


# ---- costs: the advisory fee and the cumulative effect of every cost --------------------------------------
def advisory(inp: Any) -> dict[str, Any] | None:
    """The firm's advisory fee per product and in total, one-off costs, and the cumulative effect of all costs
    (:func:`wealthlib.fees.fee_schedule`); ``None`` when the policy has no ``fees.advisory``."""
    from ....fees import fee_schedule

    rules, tx = getattr(inp.policy, "fees", None), _texts(inp)
    if rules is None or rules.advisory is None or not tx.get("advisory"):
        return None  # no advisory fee, or no texts to print it with in this jurisdiction
    years = [row["year"] for row in inp.fee["cumulative"]] or [1]
    s = fee_schedule(inp.shelf, inp.policy, inp.c.tier, inp.amount, {str(k): float(v) for k, v in inp.w.items()},
                     inp.trades, float(inp.alloc.expected_return), years)
    lines = [{"code": x.code, "name": inp.pname(x.code), "weight": x.weight, "product_rate": x.product_rate,
              "product_fee": x.product_fee, "advisory_rate": s.advisory_rate, "advisory_fee": x.amount * s.advisory_rate,
              "all_in_rate": x.product_rate + s.advisory_rate,
              "all_in_fee": x.product_fee + x.amount * s.advisory_rate} for x in s.lines]
    return {"lines": lines, "advisory_rate": s.advisory_rate, "advisory_fee": s.advisory_fee,
            "product_fee": s.product_fee, "product_rate": s.product_rate, "annual_rate": s.annual_rate,
            "annual_fee": s.annual_fee, "subscription_fee": s.subscription_fee, "trading_cost": s.trading_cost,
            "one_off": s.one_off, "expected_return": s.expected_return, "cumulative": list(s.cumulative),
            "texts": {k: _t(v, inp.loc) for k, v in (tx.get("columns") or {}).items()},
            "note": tx.get("advisory", {}).get("note", {}).get(inp.loc) if tx else None,
            "heading": _t(tx["headings"]["advisory"], inp.loc) if tx else None}


def render_advisory(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    c = d["texts"]
    col = lambda k, default: c.get(k) or default  # noqa: E731
    rows = [[x["name"], x["code"], lb.pct(x["weight"]), lb.pct(x["product_rate"], 2), lb.money_c(x["product_fee"]),
             lb.pct(x["advisory_rate"], 2), lb.money_c(x["advisory_fee"]), lb.pct(x["all_in_rate"], 2),
             lb.money_c(x["all_in_fee"])] for x in d["lines"]]
    rows.append([lb.L("term_total"), "", lb.pct(1.0), lb.pct(d["product_rate"], 2), lb.money_c(d["product_fee"]),
                 lb.pct(d["advisory_rate"], 2), lb.money_c(d["advisory_fee"]), lb.pct(d["annual_rate"], 2),
                 lb.money_c(d["annual_fee"])])
    out = h3(d["heading"] or "") + table(
        [lb.L("col_product"), lb.L("col_code"), lb.L("col_proposed_weight"), lb.L("col_fee_rate"),
         lb.L("col_fee_amount"), col("advisory_rate", "Advisory fee"), col("advisory_amount", "Advisory fee"),
         col("all_in_rate", "All costs"), col("all_in_amount", "All costs")], rows)
    return out


def render_cumulative(d: dict[str, Any], lb: Labels) -> str:
    """The cumulative effect of every cost (yearly product and advisory fees, one-off costs at the start)."""
    out = ""
    if d["note"]:
        out += p(d["note"].format(rate=lb.pct(d["advisory_rate"], 2), amount=lb.money(d["advisory_fee"]),
                                  subscription=lb.money(d["subscription_fee"]), trading=lb.money(d["trading_cost"]),
                                  all_in=lb.pct(d["annual_rate"], 2), one_off=lb.money(d["one_off"]),
                                  r=lb.pct(d["expected_return"], 2)))
    out += table([lb.L("col_year"), lb.L("cost_value_without"), lb.L("cost_value_with"), lb.L("cost_reduction"),
                  lb.L("col_cumulative")],
                 [[str(r["year"]), lb.money(r["gross"]), lb.money(r["net"]), lb.money(r["reduction"]),
                   lb.pct(r["reduction_pct"], 2)] for r in d["cumulative"]])
    return out


# ---- costs: 通路報酬 -----------------------------------------------------------------------------------
def distribution(inp: Any) -> dict[str, Any] | None:
    """The distribution-fee table (通路報酬) of every proposed product with distribution terms, the annualized
    rate the firm receives on each foreign product, the cap, and the client's signature line."""
    from ....conduct import foreign_products
    from ....fees import fee_schedule

    r, tx = _rules(inp).distribution_fees, _texts(inp)
    if r is None or not r.table or not tx:
        return None
    s = fee_schedule(inp.shelf, inp.policy, inp.c.tier, inp.amount, {str(k): float(v) for k, v in inp.w.items()},
                     inp.trades, float(inp.alloc.expected_return), [1])
    lines = [x for x in s.lines if x.disclosed]
    if not lines:
        return None
    foreign = set(foreign_products(inp.policy, inp.shelf, [x.code for x in lines]))
    dt, loc = tx["distribution_fees"], inp.loc
    cap = r.foreign_annual_cap_non_professional
    cap_text = _t(dt["cap"], loc, cap=inp.labels.pct(cap, 2)) if cap is not None else ""
    rows = [{"code": x.code, "name": inp.pname(x.code), "subscription_rate": x.subscription_rate,
             "subscription_share": inp.shelf.get(x.code).distribution.subscription_share,
             "management_share_rate": x.management_share_rate, "management_share": x.management_share,
             "bonus_rate": x.bonus_rate, "bonus": x.bonus, "sponsorship": x.sponsorship or x.other_rewards,
             "foreign": x.code in foreign, "received_rate": x.received_rate,
             "received_first_year": x.subscription_kept + x.management_share + x.bonus} for x in lines]
    return {"heading": _t(tx["headings"]["distribution"], loc), "intro": _t(dt["intro"], loc),
            "thresholds": _t(dt["thresholds"], loc), "foreign_rate": _t(dt["foreign_rate"], loc, cap=cap_text),
            "signature_text": _t(dt["signature"], loc), "rows": rows, "cap": cap,
            "columns": {k: _t(v, loc) for k, v in tx["columns"].items()}, "signature": _signature_labels(tx, loc)}


def render_distribution(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    c = d["columns"]
    rows = [[r["name"], r["code"], lb.pct(r["subscription_rate"], 2), lb.pct(r["subscription_share"], 0),
             f"{lb.pct(r['management_share_rate'], 2)} ({lb.money_c(r['management_share'])})",
             f"{lb.pct(r['bonus_rate'], 2)} ({lb.money_c(r['bonus'])})",
             c["answer_yes"] if r["sponsorship"] else c["answer_no"],
             lb.pct(r["received_rate"], 2) if r["foreign"] else "—", lb.money_c(r["received_first_year"])]
            for r in d["rows"]]
    out = h3(d["heading"]) + p(d["intro"])
    out += table([lb.L("col_product"), lb.L("col_code"), c["subscription_fee"], c["subscription_share"],
                  c["management_share"], c["sales_bonus"], c["sponsorship"], c["received"], c["received_amount"]],
                 rows)
    out += p(d["foreign_rate"]) + p(d["thresholds"], "wl-note") + p(d["signature_text"])
    return out + _client_signature(d["signature"])
