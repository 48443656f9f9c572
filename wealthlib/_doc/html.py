"""HTML pieces every document's sections share: escaped text, tables (numeric columns marked, see
:mod:`wealthlib._html`), label/value rows, lists, sub-headings and embedded charts. Client text is never markup."""

from __future__ import annotations

import base64
import re
from typing import Any, Sequence

from .._html import escape, kv, ul
from .._html import table as _table

__all__ = ["escape", "kv", "table", "ul", "p", "h3", "img", "chart_png", "none_or"]


#: a run of Chinese characters in a header: a word that must not break (the printer may break a header only
#: between its words: at spaces, before a bracket, after a slash, or where the label marks it with U+200B)
_CJK_WORD = re.compile(r"[^\s\u200b（(／/]*[\u3400-\u9fff][^\s\u200b（(／/]*|[（(][^）)]*[）)]")


#: the numbers of columns from which a table prints in a smaller type, and smaller still with its figures
#: allowed to wrap (print.css: table.wl-wide, table.wl-wider)
WIDE, WIDER = 7, 9


def _words(header: str) -> str:
    """A header's escaped text with each Chinese word kept whole (``<span class="wl-word">``, no wrap inside)."""
    out = _CJK_WORD.sub(lambda m: f'<span class="wl-word">{m.group()}</span>' if len(m.group()) > 1 else m.group(),
                        header)
    # Two words side by side ("不利情境（第 5 百分位）") may break between them: a printer finds no break
    # opportunity at the seam of two unbreakable spans, so the seam is marked (<wbr>; print.css gives it a
    # zero-width space for WeasyPrint, which has no <wbr> of its own). The header's text is unchanged.
    return out.replace('</span><span class="wl-word">', '</span><wbr><span class="wl-word">')


def table(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, cls: str = "wl-table") -> str:
    """:func:`wealthlib._html.table`, its Chinese header words kept whole on print (「風險等級」, never 「風險等/級」);
    a table of :data:`WIDE` / :data:`WIDER` columns or more is marked ``wl-wide`` / ``wl-wider`` (printed
    smaller, so that it fits the page with whole header words)."""
    n = len(header)
    out = _table(header, rows, cls=cls + (" wl-wide" if n >= WIDE else "") + (" wl-wider" if n >= WIDER else ""))
    head, sep, rest = out.partition("</thead>")
    return re.sub(r"(<th(?:\s[^>]*)?>)(.*?)(</th>)", lambda m: m.group(1) + _words(m.group(2)) + m.group(3), head) + sep + rest


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
