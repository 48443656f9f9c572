"""HTML pieces every document's sections share: escaped text, tables (numeric columns marked, see
:mod:`wealthlib._html`), label/value rows, lists, sub-headings and embedded charts. Client text is never markup."""

from __future__ import annotations

import base64
from typing import Any

from .._html import escape, kv, table, ul

__all__ = ["escape", "kv", "table", "ul", "p", "h3", "img", "chart_png", "none_or"]


def p(text: Any, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


def h3(text: Any) -> str:
    return f"<h3>{escape(text)}</h3>"


def chart_png(fig: Any, dpi: int = 110) -> str:
    """A matplotlib figure as base64 PNG text: how a section's data carries a chart."""
    from ..charts import to_png

    return base64.b64encode(to_png(fig, dpi=dpi)).decode()


def img(png_b64: str, alt: str) -> str:
    """A chart (:func:`chart_png`) embedded in the page, at the documents' width."""
    return f'<p><img src="data:image/png;base64,{png_b64}" alt="{escape(alt)}" width="680"></p>'


def none_or(html: str, labels: Any) -> str:
    """``html``, or the document's "none" when it is empty."""
    return html if html else p(labels.L("book_none"))
