"""The follow-up visits owed after each sale (回访; the policy's ``follow_up``) and what the contact log records
of them, for a review period ``(start, end]`` (:func:`visit_status`).

A sale is a ``buy`` transaction; the buys of one day are one sale (one set of visits covers them). Visit *k*
of a sale is due by ``sale date + follow_up.visits[k].days_after_sale`` (the proposal promises each visit
"within N days"); the contact log's ``kind: follow_up`` entries dated on or after the sale and before the next
sale are its recorded visits, matched to the planned visits in date order. Nothing dated after ``end`` is read
(the review's as-of discipline): a visit recorded later counts as not recorded yet.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

__all__ = ["visit_status"]


def _sales(client: Any, end: date) -> list[tuple[date, list[str]]]:
    """(date, products bought) of every sale on or before ``end``, oldest first."""
    days: dict[date, list[str]] = {}
    for t in client.transactions:
        if t.type == "buy" and t.date <= end:
            days.setdefault(t.date, []).append(t.product)
    return sorted(days.items())


def visit_status(client: Any, rules: Any, start: date, end: date) -> list[dict[str, Any]]:
    """One row per planned visit of every sale whose plan touches ``(start, end]`` — a visit due in it or after
    it, or recorded in it: sale date, products, the visit's number and its days, due date, the recorded visit
    (date, channel, rating; ``None`` when none is recorded by ``end``) and its status: ``done`` (recorded by the
    due date), ``late`` (recorded after it), ``missed`` (due by ``end``, none recorded) or ``open`` (due after
    ``end``, none recorded yet)."""
    logged = sorted((c for c in client.contact_log if c.kind == "follow_up" and c.date <= end), key=lambda c: c.date)
    sales = _sales(client, end)
    out: list[dict[str, Any]] = []
    for i, (sold, products) in enumerate(sales):
        upto = sales[i + 1][0] if i + 1 < len(sales) else date.max
        visits = [c for c in logged if sold <= c.date < upto]
        rows = []
        for k, plan in enumerate(rules.visits):
            due = sold + timedelta(days=plan.days_after_sale)
            got = visits[k] if k < len(visits) else None
            status = ("open" if due > end else "missed") if got is None else ("done" if got.date <= due else "late")
            rows.append({"sale": sold, "products": list(products), "visit": k + 1, "days": plan.days_after_sale,
                         "due": due, "recorded": None if got is None else got.date,
                         "channel": None if got is None else got.channel,
                         "rating": None if got is None else got.satisfaction, "status": status})
        if any(r["due"] > start or (r["recorded"] is not None and r["recorded"] > start) for r in rows):
            out.extend(rows)
    return out
