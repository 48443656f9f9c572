"""The book's advisor measures (per advisor: clients, new accounts, reviews due and on time, follow-up visits and
satisfaction where the policy plans visits, sales and loans introduced per currency; then AUM growth per advisor
and currency) and the proposals' acceptance per advisor (資產配置建議客戶接受度). Computed by
:mod:`wealthlib._analytics.book` and :func:`wealthlib.records.book_acceptance`; written here."""

from __future__ import annotations

from typing import Any

from ...i18n import t
from ..base import Labels, Section
from ..registry import register
from ._common import BookInputs, cell, cells, grid, plain, table_data


def measures_data(b: BookInputs) -> dict[str, Any]:
    """The advisor measures as plain data: the rule of satisfaction, the currencies, and one row per advisor."""
    book = b.book
    m = book.advisor_measures
    ccys = book.currencies
    cols = ["clients", "new_accounts", "reviews_due", "reviews_on_time", "follow_ups", "satisfaction",
            *[f"{k}_{c}" for c in ccys for k in ("sales", "loans")]]
    rows = [{"advisor": book.person(r["advisor"], b.locale), **{k: plain(r.get(k)) for k in cols}}
            for r in m.to_dict("records")]
    return {"rule": list(book.satisfaction_rule) if book.satisfaction_rule else None, "currencies": ccys,
            "loans": book.loans_measured, "rows": rows}


def measures_cells(d: dict[str, Any], lb: Labels) -> tuple[list[str], list[list[str]]]:
    na = lb.L("term_not_available")
    share = lambda v: na if v is None else lb.pct(v, 0)  # noqa: E731
    head = [lb.L("field_advisor"), lb.L("col_book_clients"), lb.L("book_new_accounts"), lb.L("book_reviews_due"),
            lb.L("book_reviews_on_time")]
    rule, many = d["rule"], len(d["currencies"]) > 1
    head += ([lb.L("book_follow_ups"), lb.L("book_satisfied", **{"from": rule[0], "scale": rule[1]})] if rule
             else [lb.L("book_satisfaction")])
    for ccy in d["currencies"]:
        head.append(lb.L("book_wealth_sales") + (f" ({ccy})" if many else ""))
        if d["loans"]:
            head.append(lb.L("book_loans_introduced") + (f" ({ccy})" if many else ""))
    rows = []
    for r in d["rows"]:
        row = [r["advisor"], *[cell(r[k], "int", lb) for k in ("clients", "new_accounts", "reviews_due")],
               lb.pct(r["reviews_on_time"], 0)]
        row += [cell(r["follow_ups"], "int", lb), share(r["satisfaction"])] if rule else [na]
        for ccy in d["currencies"]:
            row.append(cell(r[f"sales_{ccy}"], "money", lb, ccy))
            if d["loans"]:
                row.append(cell(r[f"loans_{ccy}"], "money", lb, ccy))
        rows.append(row)
    return head, rows


@register("book")
class AdvisorMeasures(Section):
    key, heading = "advisor_measures", "book_advisor_measures"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        return {"measures": measures_data(b), "aum": table_data(b, "advisor_aum")}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return grid(*measures_cells(d["measures"], lb), lb) + grid(*cells(d["aum"], lb), lb)


def acceptance_data(b: BookInputs) -> list[dict[str, Any]]:
    """Proposals made, accepted, declined and pending, and the acceptance rate, per advisor."""
    return [{"advisor": b.book.person(r["advisor"], b.locale),
             **{k: plain(r[k]) for k in ("proposals", "accepted", "declined", "pending", "rate")}}
            for r in b.book.acceptance.to_dict("records")]


def acceptance_cells(rows: list[dict[str, Any]], lb: Labels) -> tuple[list[str], list[list[str]]]:
    cols = (("proposals", "col_proposals_made"), ("accepted", "col_accepted"), ("declined", "col_declined"),
            ("pending", "col_pending"))
    head = [lb.L("field_advisor"), *[t(f"lifecycle.{k}", lb.loc) for _c, k in cols],
            t("lifecycle.col_acceptance_rate", lb.loc)]
    from ...i18n import MISSING

    return head, [[r["advisor"], *[cell(r[c], "int", lb) for c, _k in cols],
                   MISSING if r["rate"] is None else lb.pct(r["rate"], 0)] for r in rows]


@register("book")
class Acceptance(Section):
    """資產配置建議客戶接受度: proposals made, accepted, declined and pending per advisor (:mod:`wealthlib.records`)."""

    key, heading = "acceptance", "book_acceptance"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        return {"rows": acceptance_data(b)}

    def title(self, d: dict[str, Any], lb: Labels) -> str:
        return t("lifecycle.book_acceptance", lb.loc)

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return grid(*acceptance_cells(d["rows"], lb), lb)
