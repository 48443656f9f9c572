"""Pieces the review's units share: its tables' class, a label/value table, and the words a review prints for
a position (product name in the locale, uninvested cash)."""

from __future__ import annotations

from typing import Any, Sequence

from ...review import CASH
from ..html import kv, table

#: The class of the review's tables (its stylesheet's name for them).
TABLE = "wealth-table"


def grid(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """A review table: a header row, then the rows (numeric and date columns marked, :func:`~wealthlib._html.table`)."""
    return table(header, rows, cls=TABLE)


def rows(items: Sequence[tuple[Any, Any]]) -> str:
    """Label/value rows of a review (:func:`~wealthlib._html.kv`)."""
    return kv(items, cls=f"{TABLE} wl-kv")


def one_line(label: str, text: str) -> str:
    """A table of a single message under one header (no trades, no goals …)."""
    return grid([label], [[text]])


def name(r: Any, code: str) -> str:
    """A position's name in the review's locale (uninvested cash by its label)."""
    if code == CASH:
        return r.labels.L("review_uninvested_cash")
    return r.ctx.shelf.get(code).name(r.locale)


def asset_class(r: Any, code: str) -> str:
    """The asset class a position belongs to (uninvested cash: cash)."""
    return "cash" if code == CASH else r.ctx.shelf.get(code).asset_class


def iso(d: Any) -> str | None:
    """A date as ISO text for a section's data (None stays None)."""
    import pandas as pd

    return None if d is None or pd.isna(d) else pd.Timestamp(d).date().isoformat()
