"""Pieces the book's units share: the inputs they compute from (:class:`BookInputs`: the built book and the
locale), a book table as plain data (:func:`table_data`: raw values, names resolved, dates ISO), a cell written
for people (:func:`cell`) and a table of that data (:func:`grid`, the documents' shared table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ..base import Labels
from ..html import p, table
from .columns import COLUMNS, SOURCES

#: The class of the book's tables (the documents' stylesheet's name for them).
TABLE = "wealth-table"


@dataclass(frozen=True)
class BookInputs:
    """What a book unit computes from: the built book (:class:`wealthlib.book.BookReport`) and the locale."""

    book: Any
    locale: str

    @property
    def labels(self) -> Labels:
        return labels_for(self.book, self.locale)


def labels_for(book: Any, locale: str) -> Labels:
    """The book's words in ``locale`` (money is written in each row's own currency, so none is set here)."""
    return Labels(locale, book.reporting_currency or "", book.jurisdiction)


def plain(v: Any) -> Any:
    """A table value as JSON-able data: None for a missing one, ISO text for a date, Python numbers."""
    if v is None or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def table_data(b: BookInputs, name: str, limit: int | None = None) -> dict[str, Any]:
    """The book table ``name`` (:data:`.columns.COLUMNS`) as plain data: its columns (label key, kind), each row's
    values (people and classes by name in the locale) and currency, and how many rows it has in full."""
    book = b.book
    src: pd.DataFrame = getattr(book, SOURCES.get(name, name))
    total = len(src)
    if limit is not None:
        src = src.head(limit)
    spec = [c for c in COLUMNS[name] if not (c[0] == "advisor" and book.advisor is not None and name != "advisor_aum")]
    has_ccy = "currency" in src.columns
    rows = []
    for rec in src.to_dict("records"):  # plain dicts: a pandas row per cell costs more than the formatting
        cells = []
        for col, _key, kind in spec:
            v = plain(rec.get(col))
            if kind == "person":
                v = book.person(v, b.locale) if isinstance(v, str) else None
            elif kind == "class":
                v = book.class_name(v, b.locale) if v is not None else None
            cells.append(v)
        rows.append({"cells": cells, "currency": rec.get("currency") if has_ccy else None})
    return {"columns": [[key, kind] for _col, key, kind in spec], "rows": rows, "total": total}


def cell(v: Any, kind: str, lb: Labels, currency: str | None = None) -> str:
    """One value as the book prints it: dates, money (in ``currency``), signed percentages, counts, yes/no, tiers,
    KYC status and exception kinds in words, grades as RR1–RR5; ``—`` for a missing one."""
    from ...i18n import MISSING, fmt_money

    if kind == "tier":
        return lb.maybe(f"tier_{v}", str(v))
    if kind == "kyc_status":
        return lb.L({"expired": "term_expired", "due": "term_due_soon"}.get(v, "term_valid"))
    if kind == "exception":
        return lb.L(f"book_exception_{v}")
    if v is None:
        return MISSING
    if kind == "grade":
        return f"RR{int(v)}"
    if kind == "date":
        return lb.date(v)
    if kind == "money":
        return fmt_money(v, currency, lb.loc, symbol=True) if currency else lb.number(v)
    if kind == "pct":
        return lb.pct(v, 1, signed=True)
    if kind == "int":
        return lb.number(int(v))
    if kind == "bool":
        return lb.L("term_yes" if v else "term_no")
    return str(v)


def cells(d: dict[str, Any], lb: Labels) -> tuple[list[str], list[list[str]]]:
    """The header and the written rows of :func:`table_data`'s data."""
    head = [lb.L(key) for key, _kind in d["columns"]]
    body = [[cell(v, kind, lb, r["currency"]) for v, (_key, kind) in zip(r["cells"], d["columns"])] for r in d["rows"]]
    return head, body


def grid(header: list[str], rows: list[list[str]], lb: Labels) -> str:
    """A book table (the documents' :func:`~wealthlib._doc.html.table`), or the document's "none" when it has no row."""
    return table(header, rows, cls=TABLE) if rows else p(lb.L("book_none"))


def frame(header: list[str], rows: list[list[str]]) -> pd.DataFrame:
    """Written rows as a DataFrame under their localized headers (:meth:`wealthlib.book.BookReport.table`)."""
    return pd.DataFrame({h: [r[i] for r in rows] for i, h in enumerate(header)}, columns=header)
