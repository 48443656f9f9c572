"""The HTML pieces documents are built from: escaped text, tables, lists (client text is never markup).

Tables align by content, the way a printed statement does: a column whose every filled cell is a number (an
amount with its currency, a percentage, a count, a range of two; ``—`` for missing) is ``class="num"``
(right-aligned, never wrapped: "NT$ 1,234,567" must not break over two lines); a column of dates is
``class="date"`` (left, never wrapped); a column of codes (``CORP-AAA10``) is ``class="code"`` (never broken at
its hyphens); every other column is text (left-aligned). A label/value table
(:func:`kv`) has the labels as row headers and no header row.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

#: Placeholder cells that do not make a column text.
_MISSING = {"", "—", "-", "–", "n/a"}
#: One number with an optional currency before it (letters, a symbol or up to three CJK characters: "NT$",
#: "USD", "人民币") and an optional unit after it ("%", "元", "pts").
_ONE = (r"(?:[A-Za-z]{0,4}[$¥€£]?\s?|[\u4e00-\u9fff]{1,3}\s?)?"
        r"[+\-−]?\d[\d,]*(?:\.\d+)?"
        r"(?:\s?%|\s?[\u4e00-\u9fff]{1,2}|\s?pts?)?")
#: ... or a range of two ("27.00% – 33.00%", a drift band).
_NUMBER = re.compile(rf"{_ONE}(?:\s?[–~]\s?{_ONE})?")
#: A product or class code ("CORP-AAA10", "QDII-NASDAQ-CNY", "USD-MMF", "RR3"): one token, never broken at its hyphens.
_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:[-_.][A-Z0-9]+)*")
#: A date as wealthlib.i18n.fmt_date writes it (en "30 Sep 2018", zh "2018年9月30日") or ISO: never broken either.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2} [A-Z][a-z]{2} \d{4}")


def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def is_number(cell: Any) -> bool:
    """Whether a display cell reads as one number (``"+0.47%"``, ``"人民币 1,048,948 元"``, ``"NT$ 5,000"``) or a
    range of two (``"27.00% – 33.00%"``)."""
    return _NUMBER.fullmatch(str(cell).strip()) is not None


def column_kinds(rows: Sequence[Sequence[Any]], width: int) -> list[str]:
    """For each of ``width`` columns ``"num"`` (every filled cell a number), ``"date"`` (every filled cell a
    date), ``"code"`` (every filled cell a code) or ``""`` (text); a column with no filled cell is text."""
    out = []
    for j in range(width):
        cells = [str(r[j]).strip() for r in rows if j < len(r)]
        filled = [c for c in cells if c not in _MISSING]
        if filled and all(is_number(c) for c in filled):
            out.append("num")
        elif filled and all(_DATE.fullmatch(c) for c in filled):
            out.append("date")
        elif filled and all(_CODE.fullmatch(c) for c in filled):
            out.append("code")
        else:
            out.append("")
    return out


@functools.lru_cache(maxsize=1)
def _kept_words() -> re.Pattern[str] | None:
    """The words a table cell never breaks inside (wealthlib/data/terms/words.yaml), longest first."""
    from importlib import resources

    import yaml

    from .i18n import _SAFE  # the package data's one loader (libyaml's safe loader where built)

    ref = resources.files("wealthlib") / "data" / "terms" / "words.yaml"
    data = yaml.load(ref.read_text(encoding="utf-8"), Loader=_SAFE)  # noqa: S506
    words = sorted({str(w) for w in (data or {}).get("words", [])}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


_IDEOGRAPH = re.compile(r"[\u3400-\u9fff]")
#: the characters a line may break between when a kept word meets them (not brackets or punctuation)
_SEAMABLE = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


def _text_cell(text: Any) -> str:
    """A text cell's escaped text, each listed word kept whole on print (``<span class="wl-word">``, an atomic
    inline box in print.css, which the table's narrowest widths break around), with ``<wbr>`` where the word meets
    another word or a Chinese character, so a renderer showing the spans as plain nowrap text breaks there too.
    Brackets and punctuation keep their own rules (no break after 「（」, none before 「）」). The cell's text is
    unchanged."""
    out, pattern = escape(text), _kept_words()
    if pattern is None or not _IDEOGRAPH.search(out):
        return out
    pieces: list[tuple[str, bool]] = []  # (html, is a kept word)
    last = 0
    for m in pattern.finditer(out):
        if m.start() > last:
            pieces.append((out[last:m.start()], False))
        pieces.append((m.group(), True))
        last = m.end()
    if last < len(out):
        pieces.append((out[last:], False))
    html_out = ""
    for k, (piece, word) in enumerate(pieces):
        if k and (word or pieces[k - 1][1]):
            prev, nxt = pieces[k - 1][0][-1], piece[0]
            if _SEAMABLE.match(prev) and _SEAMABLE.match(nxt):
                html_out += "<wbr>"
        html_out += f'<span class="wl-word">{piece}</span>' if word else piece
    return html_out


def _cls(kind: str) -> str:
    return f' class="{kind}"' if kind else ""


def table(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, cls: str = "wl-table") -> str:
    """A table with a header row; every cell escaped; numeric and date columns marked."""
    kinds = column_kinds(rows, len(header))
    head = "".join(f"<th{_cls(k)}>{escape(h)}</th>" for h, k in zip(header, kinds))
    body = "".join("<tr>" + "".join(f"<td{_cls(k)}>{escape(c) if k else _text_cell(c)}</td>"
                                    for c, k in zip(row, kinds)) + "</tr>"
                   for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def kv(rows: Iterable[tuple[Any, Any]], *, cls: str = "wl-kv") -> str:
    """Label/value rows: the label is the row header; a number or date value is marked like a column of them
    (kept unbroken; the stylesheet aligns every value of a label/value table left, so the values read down)."""
    body = "".join(f'<tr><th scope="row">{escape(k)}</th><td{_cls(column_kinds([[v]], 1)[0])}>{escape(v)}</td></tr>'
                   for k, v in rows)
    return f'<table class="{cls}"><tbody>{body}</tbody></table>'


def ul(items: Iterable[Any]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def frame_table(df: Any, *, cls: str = "wealth-table") -> str:
    """A pandas display frame (already formatted text) as a table, without its index. A two-column frame whose
    second column has no name is label/value rows (:func:`kv`)."""
    cols = list(df.columns)
    rows = [list(r) for r in df.itertuples(index=False, name=None)]
    if len(cols) == 2 and str(cols[1]) == "":
        return kv([(a, b) for a, b in rows], cls=f"{cls} wl-kv")
    return table(cols, rows, cls=cls)
