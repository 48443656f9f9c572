"""The suitability section's blocks: every holding above the ceiling with its decision; the elderly steps."""

from __future__ import annotations

from typing import Any

from ...base import Labels
from ...html import h3, p, table, ul
from ._common import _texts, _t, _rules


# ---- suitability: holdings above the ceiling, their decisions -------------------------------------------
def decisions(inp: Any) -> list[dict[str, Any]]:
    """Every holding graded above the ceiling: sold in this proposal, or kept outside it under an exception."""
    from ....conduct import ceiling_decisions

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
    from ....conduct import elderly_steps

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
    review = (_t(et["review"], loc, products=lb.join(f"{inp.pname(c)} ({c})" for c in steps.review))
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
    from ....advisors import display_names

    who = display_names(inp.policy, inp.ctx.params, inp.loc).get(rec.second_review_by, rec.second_review_by)
    return who, rec.second_review_on.isoformat()


def render_elderly(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    return h3(d["heading"]) + p(d["intro"]) + ul(d["reasons"]) + p(d["review"])
