"""The book's tables as pandas DataFrames for a notebook or a test (:meth:`wealthlib.book.BookReport.table`):
the very cells the report's sections print, under their localized headers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._common import BookInputs, cells, frame, labels_for, table_data
from .columns import COLUMNS

#: tables written by a section's own helpers: name → (data, cells)
_OWN = ("tier_class", "advisor_measures", "acceptance", "summary")


def frame_of(book: Any, name: str, locale: str = "en", limit: int | None = None) -> pd.DataFrame:
    """The display table ``name`` (:data:`.columns.COLUMNS`, or tier_class, advisor_measures, acceptance, summary)
    in ``locale``; ``limit``: at most that many of its first rows."""
    from ...i18n import check_locale

    check_locale(locale)
    if name not in COLUMNS and name not in _OWN:
        raise KeyError(f"no book table {name!r}; tables: {', '.join(sorted([*COLUMNS, *_OWN]))}")
    b, lb = BookInputs(book, locale), labels_for(book, locale)
    if name == "tier_class":
        from .overview import tier_class_cells, tier_class_data

        d = tier_class_data(b)
        if not d["tiers"]:
            return pd.DataFrame()
        head, rows = tier_class_cells(d, lb)
        return frame(head, rows).set_index(head[0])
    if name == "advisor_measures":
        from .measures import measures_cells, measures_data

        return frame(*measures_cells(measures_data(b), lb))
    if name == "acceptance":
        from .measures import acceptance_cells, acceptance_data

        return frame(*acceptance_cells(acceptance_data(b), lb))
    if name == "summary":
        from .overview import Summary

        u = Summary()
        html_rows = u.rows(u.compute(b), lb)
        return frame([lb.L("book_headline"), lb.L("book_figure")], html_rows)
    return frame(*cells(table_data(b, name, limit), lb))
