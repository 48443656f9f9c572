"""The book's opening sections: the headline counts, clients by tier and risk class, AUM and its change."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import chart_png, img
from ..registry import register
from ._common import TABLE, BookInputs, cells, grid, table_data


@register("book")
class Summary(Section):
    """At a glance: clients, AUM per currency (and in the reporting currency), new accounts, KYC expired / due,
    reviews due, not contacted, exceptions, open complaints (and those past the answer deadline)."""

    key, heading = "summary", "book_summary"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        book = b.book
        return {**book.summary(), "contact_days": book.contact_days, "deadline": book.complaint_answer_days,
                "reporting_currency": book.reporting_currency}

    def render(self, s: dict[str, Any], lb: Labels) -> str:
        return grid([lb.L("book_headline"), lb.L("book_figure")], self.rows(s, lb), lb)

    @staticmethod
    def rows(s: dict[str, Any], lb: Labels) -> list[list[str]]:
        """The headline rows, label and figure, as written."""
        from ...i18n import fmt_money

        n = lb.number
        money = lambda v, ccy: fmt_money(v, ccy, lb.loc, symbol=True)  # noqa: E731
        complaints = n(s["open_complaints"])
        if s["deadline"] is not None:
            complaints += f" ({lb.L('col_book_past_deadline')}: {n(s['complaints_overdue'])})"
        rep = s["aum_reporting"]
        rows = [
            (lb.L("col_book_clients"), n(s["clients"])),
            (lb.L("col_aum"), " · ".join(money(v, ccy) for ccy, v in s["aum"].items())),
            *([(lb.L("col_aum_reporting", currency=rep["currency"]), money(rep["total"], rep["currency"]))] if rep else []),
            (lb.L("book_new_accounts"), n(s["new_accounts"])),
            (lb.L("book_kyc_due"), f"{lb.L('term_expired')} {n(s['kyc_expired'])} · {lb.L('term_due_soon')} {n(s['kyc_due'])}"),
            (lb.L("book_reviews_due"), n(s["reviews_due"])),
            (lb.L("book_not_contacted", days=s["contact_days"]), n(s["not_contacted"])),
            (lb.L("book_exceptions"), n(s["exceptions"])),
            (lb.L("book_complaints"), complaints),
        ]
        return [list(r) for r in rows]


def tier_class_data(b: BookInputs) -> dict[str, Any]:
    """The counts of clients by tier (rows, display order) and risk class (columns, ladder order), with totals."""
    tc = b.book.tier_class
    if not len(tc):
        return {"tiers": [], "classes": [], "counts": []}
    return {"tiers": [str(i) for i in tc.index],
            "classes": [[str(c), "" if c == "total" else b.book.class_name(c, b.locale)] for c in tc.columns],
            "counts": [[int(v) for v in row] for row in tc.to_numpy()]}


def tier_class_cells(d: dict[str, Any], lb: Labels) -> tuple[list[str], list[list[str]]]:
    total = lb.L("term_total")
    head = [lb.L("col_tier"), *[total if code == "total" else name for code, name in d["classes"]]]
    rows = [[total if t == "total" else lb.maybe(f"tier_{t}", t), *[lb.number(v) for v in row]]
            for t, row in zip(d["tiers"], d["counts"])]
    return head, rows


@register("book")
class ByTier(Section):
    """Clients by tier and risk class (counts with totals), and the chart of the same."""

    key, heading = "by_tier", "book_by_tier"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        from .charts import class_mix_chart

        return {**tier_class_data(b), "charts": {"class_mix": chart_png(class_mix_chart(b.book, b.locale))}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return grid(*tier_class_cells(d, lb), lb) + img(d["charts"]["class_mix"], lb.L("book_class_mix_chart"))


@register("book")
class Aum(Section):
    """AUM by tier and currency (and its chart), the AUM change per currency, and the period's flows."""

    key, heading = "aum", "book_aum"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        from .charts import aum_chart

        return {"by_tier": table_data(b, "aum_by_tier"), "change": table_data(b, "aum_change"),
                "flows": table_data(b, "aum_flows"), "charts": {"aum": chart_png(aum_chart(b.book, b.locale))}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return (grid(*cells(d["by_tier"], lb), lb) + img(d["charts"]["aum"], lb.L("book_aum_by_tier_chart"))
                + grid(*cells(d["change"], lb), lb) + grid(*cells(d["flows"], lb), lb))


__all__ = ["TABLE", "Aum", "ByTier", "Summary", "tier_class_cells", "tier_class_data"]
