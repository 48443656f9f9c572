"""The blocks the firm's client-protection rules add to a proposal's sections (``conduct:`` in ``policy.yaml``,
texts from ``wealthlib/data/disclosures/conduct.yaml`` of the policy's jurisdiction). Each block is a pair:
``<block>(inp)`` → plain data (``None`` when the rule is off or has nothing to say, so a firm without the
rule prints nothing), ``render_<block>(data, lb)`` → safe HTML. The sections call them:

* ``kyc``: :func:`investor_status` — professional-investor status, for professional investors the statement
  that consumer-protection duties and the ombudsman route do not apply and their acknowledgement; 高資產客戶
  status; the foreign-securities gates met;
* ``suitability``: :func:`decisions` — every holding above the ceiling: sold, or kept under a recorded
  exception with its approver; :func:`elderly` — a reason per recommended product and the review of
  high-risk buys;
* ``costs``: :func:`advisory` (the firm's advisory fee per product and in total, one-off costs, the
  cumulative effect of all of them) and :func:`distribution` (the 通路報酬 table with the client's signature);
* ``product_disclosures``: :func:`fund_warning`; ``complaints``: :func:`complaint_note`.
"""

from __future__ import annotations

from typing import Any

from ..base import Labels
from ..html import escape, h3, kv, p, table, ul


def _texts(inp: Any) -> dict[str, Any]:
    from ...disclosures import conduct_texts

    return conduct_texts(inp.jur)


def _t(node: Any, loc: str, **fmt: Any) -> str:
    text = node.get(loc) or node["en"]
    return text.format(**fmt) if fmt else text


def _rules(inp: Any):
    return inp.policy.conduct


def _held(inp: Any) -> list[str]:
    return [str(k) for k, v in inp.w.items() if float(v) > 1e-9]


# ---- kyc: investor status ----------------------------------------------------------------------------
def investor_status(inp: Any) -> dict[str, Any] | None:
    from ...conduct import foreign_products

    r, tx, loc = _rules(inp), _texts(inp), inp.loc
    if not tx or (r.professional_investor is None and not r.high_net_worth_status and r.foreign_securities is None):
        return None
    c = inp.c
    pro = bool(c.flags.professional_investor)
    out: dict[str, Any] = {"heading": _t(tx["headings"]["investor_status"], loc), "rows": [], "paragraphs": [],
                           "acknowledgement": None}
    pt = tx["professional_investor"]
    if r.professional_investor is not None:
        out["rows"].append([_t(pt["status"], loc) if pro else _t(pt["not_professional"], loc), ""])
        if pro and r.professional_investor.protections_excluded:
            out["paragraphs"].append(_t(pt["statement"], loc))
            rec = c.professional
            if rec is not None and rec.acknowledged is not None:
                out["paragraphs"].append(_t(pt["recorded"], loc, verified=inp.labels.date(rec.verified),
                                            basis=rec.basis, acknowledged=inp.labels.date(rec.acknowledged)))
            out["acknowledgement"] = _t(pt["acknowledgement"], loc)
    if r.high_net_worth_status:
        ht = tx["high_net_worth"]
        yes = _t(tx["columns"]["answer_yes"], loc) if c.flags.high_net_worth else _t(ht["none"], loc)
        out["rows"].append([_t(ht["status"], loc), yes])
    foreign = foreign_products(inp.policy, inp.shelf, _held(inp))
    g = r.foreign_securities
    if g is not None and foreign and not pro and c.foreign_securities and c.foreign_securities.consent:
        out["paragraphs"].append(_t(tx["foreign_securities"]["met"], loc,
                                    consent=inp.labels.date(c.foreign_securities.consent),
                                    as_of=inp.labels.date(inp.ctx.as_of)))
    out["signature"] = _signature_labels(tx, loc)
    return out


def _signature_labels(tx: dict[str, Any], loc: str) -> dict[str, str]:
    cols = tx["columns"]
    return {"client": _t(cols["client_signature"], loc), "date": _t(cols["date"], loc)}


def _client_signature(labels: dict[str, str]) -> str:
    line = "_" * 24
    return (f'<table class="wl-signature wl-client-signature"><tbody><tr><th>{escape(labels["client"])}</th>'
            f'<td>{line}</td><th>{escape(labels["date"])}</th><td>{line}</td></tr></tbody></table>')


def render_investor_status(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    out = h3(d["heading"])
    rows = [(a, b) for a, b in d["rows"] if b]
    out += "".join(p(a) for a, b in d["rows"] if not b) + (kv(rows) if rows else "")
    out += "".join(p(x) for x in d["paragraphs"])
    if d["acknowledgement"]:
        out += p(d["acknowledgement"]) + _client_signature(d["signature"])
    return out


# ---- suitability: holdings above the ceiling, their decisions -------------------------------------------
def decisions(inp: Any) -> list[dict[str, Any]]:
    """Every holding graded above the ceiling: sold in this proposal, or kept outside it under an exception."""
    from ...conduct import ceiling_decisions

    held = {k: float(v) for k, v in getattr(inp, "held_all", {}).items() if k in inp.shelf and v > 0}
    kept = dict(getattr(inp, "kept", {}))
    target = {str(k): float(v) * inp.amount for k, v in inp.w.items()}
    target.update(kept)
    src = getattr(inp, "client_all", None) or inp.c
    tx = _texts(inp)
    out = []
    for d in ceiling_decisions(src, inp.shelf, int(inp.profile.ceiling), held, target, inp.ctx.as_of):
        row = {"code": d.code, "name": inp.pname(d.code), "grade": d.grade, "ceiling": d.ceiling, "held": d.held,
               "decision": d.decision, "approver": None, "date": None, "reason": None}
        if d.decision == "kept_exception":
            row.update(approver=inp.people.get(d.approved_by, d.approved_by), date=d.approved_on.isoformat(),
                       reason=d.reason)
        ex = tx.get("exceptions")
        if ex:
            key = "sold" if d.decision == "sold" else "kept"
            row["text"] = _t(ex[key], inp.loc, amount=inp.labels.money(d.held), approver=row["approver"] or "",
                             date=inp.labels.date(row["date"]) if row["date"] else "", reason=row["reason"] or "")
            warned = next((e.special_warning for e in src.exceptions if e.product == d.code), None)
            if d.decision == "kept_exception" and warned is not None and "special_warning" in ex:
                row["text"] += " " + _t(ex["special_warning"], inp.loc, grade=inp.labels.grade(d.grade),
                                        ceiling=inp.labels.grade(d.ceiling), date=inp.labels.date(warned))
        out.append(row)
    return out


def render_decisions(rows: list[dict[str, Any]], lb: Labels) -> str:
    if not rows:
        return p(lb.L("book_none"))
    return table([lb.L("col_product"), lb.L("col_code"), lb.L("col_grade"), lb.L("col_ceiling"), lb.L("col_amount"),
                  lb.L("col_reason")],
                 [[r["name"], r["code"], lb.grade(r["grade"]), lb.grade(r["ceiling"]), lb.money_c(r["held"]),
                   r.get("text") or r["decision"]] for r in rows])


# ---- suitability: the elderly steps ------------------------------------------------------------------
def elderly(inp: Any) -> dict[str, Any] | None:
    from ...conduct import elderly_steps

    e, tx = _rules(inp).elderly, _texts(inp)
    if e is None or not tx:
        return None
    steps = elderly_steps(inp.policy, inp.shelf, inp.c, {str(k): float(v) for k, v in inp.w.items()},
                          inp.trades, inp.ctx.as_of)
    if not steps.applies:
        return None
    et, loc, lb = tx["elderly"], inp.loc, inp.labels
    grade = lb.grade(e.review_grade) if e.review_grade is not None else "—"
    reasons = []
    for code in steps.reasons_for:
        pr = inp.shelf.get(code)
        role = et["roles"].get(pr.asset_class)
        reasons.append(_t(et["reason"], loc, product=f"{pr.name(loc)} ({code})",
                          role=_t(role, loc) if role else "", grade=lb.grade(pr.grade),
                          ceiling=lb.grade(inp.profile.ceiling), weight=lb.pct(float(inp.w[code]))))
    review = (_t(et["review"], loc, products=", ".join(f"{inp.pname(c)} ({c})" for c in steps.review))
              + " " + inp.signers.supervisor_label(loc)) if steps.review else _t(et["review_none"], loc)
    reviewed = _second_review(inp) if steps.review else None
    if steps.review:  # the client file's record of the review (sale.second_review_by / _on), else pending
        review += " " + (lb.L("care_reviewed", who=reviewed[0], date=lb.date(reviewed[1])) if reviewed
                         else lb.L("care_review_pending"))
    return {"heading": _t(tx["headings"]["elderly"], loc),
            "intro": _t(et["intro"], loc, age=inp.policy.kyc.elderly_age, grade=grade),
            "reasons": reasons, "review": review.strip(), "review_codes": list(steps.review),
            "reviewed": reviewed is not None}


def _second_review(inp: Any) -> tuple[str, str] | None:
    """(reviewer's name, ISO date) of the second person's review the client file records on or before the
    as-of date (``sale.second_review_by`` / ``second_review_on``), else None."""
    rec = inp.c.sale
    if rec is None or not rec.second_review_by or rec.second_review_on is None or rec.second_review_on > inp.ctx.as_of:
        return None
    from ...advisors import display_names

    who = display_names(inp.policy, inp.ctx.params, inp.loc).get(rec.second_review_by, rec.second_review_by)
    return who, rec.second_review_on.isoformat()


def render_elderly(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    return h3(d["heading"]) + p(d["intro"]) + ul(d["reasons"]) + p(d["review"])


# ---- costs: the advisory fee and the cumulative effect of every cost --------------------------------------
def advisory(inp: Any) -> dict[str, Any] | None:
    """The firm's advisory fee per product and in total, one-off costs, and the cumulative effect of all costs
    (:func:`wealthlib.fees.fee_schedule`); ``None`` when the policy has no ``fees.advisory``."""
    from ...fees import fee_schedule

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
    from ...conduct import foreign_products
    from ...fees import fee_schedule

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


# ---- product disclosures: the fund warning -------------------------------------------------------------
def fund_warning(inp: Any) -> dict[str, Any] | None:
    tx = _texts(inp)
    fw = tx.get("fund_warning") if tx else None
    if not fw:
        return None
    funds = [c for c in _held(inp) if inp.shelf.get(c).type in set(fw["product_types"])]
    if not funds:
        return None
    return {"heading": _t(tx["headings"]["fund_warning"], inp.loc), "text": _t(fw["text"], inp.loc),
            "applies": _t(fw["applies"], inp.loc, products=", ".join(f"{inp.pname(c)} ({c})" for c in funds)),
            "funds": funds}


def render_fund_warning(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    return h3(d["heading"]) + p(d["text"], "wl-warning") + p(d["applies"])


# ---- complaints: a professional investor's route --------------------------------------------------------
def complaint_note(inp: Any) -> str | None:
    r, tx = _rules(inp).professional_investor, _texts(inp)
    if r is None or not r.protections_excluded or not tx or not inp.c.flags.professional_investor:
        return None
    return _t(tx["professional_investor"]["complaints"], inp.loc)
