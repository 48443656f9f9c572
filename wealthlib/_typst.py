"""The second PDF engine: one of our HTML documents typeset by typst (issue 14, item 1).

WeasyPrint lays our documents out in Python (0.34-0.70 s of CPU a review, most of it line breaking, the automatic
table layout and drawing); typst does the same in compiled code (0.04-0.07 s). This module maps the HTML that
:func:`wealthlib.render.to_html` makes -- the tags the sanitizer lets through, the classes print.css styles -- to
typst markup carrying print.css's page, type sizes, spacing and table rules, and compiles it with the typst Python
binding and the faces WeasyPrint prints with (the common-use cut of Noto Sans CJK from
:mod:`wealthlib._print_fonts`, then the full faces, Liberation Sans and DejaVu for the rest), embedded as CID fonts.

Every piece of text reaches typst as a string literal (``#"..."``): nothing a client or an advisor wrote is read
as markup. Images are the document's own embedded PNG/JPEG/SVG, written to a private folder the compile may read;
nothing else is reachable (the compile's root is that folder, no package is fetched).

How print.css becomes typst, so that a page holds what WeasyPrint's holds:

* every line is a CSS line box: text edges put the baseline where CSS does (half the leading plus the ascent of
  the first face of the stack) and typst's leading is 0 (:func:`_edges`);
* blocks are flattened (our divs carry no box of their own) and their vertical margins collapse to the larger,
  as weak spacing a page break drops (:func:`_join`);
* tables take CSS's automatic layout, each column between its narrowest and widest content (``_autotable``,
  :meth:`_Converter.pieces`), rows whole, the last row never alone on a page, the header repeated;
* a page's list markers, then its margin boxes (title, running footer, page label), are drawn after its body, as
  WeasyPrint paints them, so that a page's text reads in the same order;
* full-width marks keep their full width (:func:`_t`: typst narrows them beside another or at a line's end), a
  list stays with the block before it (WeasyPrint's ``ol, ul { break-before: avoid }``; :func:`_join`), and a
  CJK run in an English line is placed by the CJK face's metrics beside the line's strut (``_fallback``).

The HTML stays what the notebook and the browser show; which documents print through which engine is data
(``wealthlib/data/documents/pdf.yaml``), chosen on measurements (``benchmarks/pdf_engines.py``;
``tests/test_typst_pdf.py`` compares pages, each page's text, fonts and images with WeasyPrint's).
"""

from __future__ import annotations

import base64
import os
import re
import struct
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Any

NS = "{http://www.w3.org/1999/xhtml}"

#: print.css ``@page`` (A4, margins 18 16 26 16 mm) and its sizes, in typst units.
_TEXT_WIDTH_PT = (210 - 32) / 25.4 * 72
_PX = 0.75  # CSS px in pt (96 px an inch)

_BLOCK_SKIP = frozenset({"wl-running-footer", "wl-doc-footer", "wl-title"})  # page furniture, printed by the page set-up
_NOWRAP_CELL = frozenset({"num", "date", "code"})  # print.css: td.num, td.date, td.code { white-space: nowrap }
_WS = re.compile(r"[ \t\n\r\f]+")
_CJK_RUN = re.compile("([\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60"
                      "\uffe0-\uffe6\U00020000-\U0003fffd]+)")  # East Asian wide and full-width
_IMG_SRC = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,(.*)", re.S | re.I)
_LABEL_TOKEN = re.compile(r'"([^"]*)"|counter\((pages?)\)')

_lock = threading.Lock()
_compiler: Any = None


def _s(text: str) -> str:
    """``text`` as typst content: a string literal, so no character of it is read as markup."""
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


#: The full-width punctuation typst narrows (beside another mark, at a line's start or end) and Pango does not:
#: closing marks sit on a glyph's left, opening ones on its right (typst's layout/inline/shaping.rs).
_MARKS = frozenset("，。．、：；？！》）』」】〗〕〉］｝《（『「【〖〔〈［｛")


def _t(text: str) -> str:
    """``text`` as typst content (string literals), its full-width marks at full width, as WeasyPrint prints
    them. typst narrows a mark only as the first or last glyph of a line or beside another mark in the same
    run; so each piece of the text no line may break that holds a mark is one box, and each mark in it is
    between zero-width boxes (``_z``), which end the run and never end or start a line. (A word joiner would
    keep the breaks too, but pdftotext reads it back as a character.)"""
    if not _MARKS.intersection(text):
        return _s(text)
    out, plain = [], ""
    for unit in _units(text):
        if not _MARKS.intersection(unit):
            plain += unit
            continue
        if plain:
            out.append(_s(plain))
            plain = ""
        parts = _MARK.split(unit)  # text, mark, text, ...
        out.append("#box[" + "".join(f"#_z{_s(p)}#_z" if i % 2 else _s(p) if p else ""
                                     for i, p in enumerate(parts)) + "]")
    return "".join(out) + (_s(plain) if plain else "")


_MARK = re.compile(f"([{''.join(sorted(_MARKS))}])")


def _units(text: str) -> list[str]:
    """``text`` cut where a line may break: each space on its own, each piece between (:func:`_break_between`)."""
    units, cur = [], ""
    for ch in text:
        if cur and (ch == " " or cur == " " or _break_between(cur[-1], ch)):
            units.append(cur)
            cur = ""
        cur += ch
    return units + [cur] if cur else units


def _tag(el: Any) -> str:
    return el.tag.replace(NS, "") if isinstance(el.tag, str) else ""


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


class _Leaf:
    """A block of the flattened flow: its markup and its CSS margins (pt), which collapse with its neighbours'."""

    __slots__ = ("markup", "top", "bottom", "keep_with_previous", "keep_tail")

    def __init__(self, markup: str, top: float, bottom: float, keep_with_previous: bool = False):
        self.markup, self.top, self.bottom = markup, top, bottom
        self.keep_with_previous = keep_with_previous  # no page break before it (WeasyPrint's UA: ol, ul)
        self.keep_tail: str | None = None  # its markup when its end must stay with the next block, if not whole


def _join(leaves: list[_Leaf], outer: bool = False) -> str:
    """The leaves one after the other, separated as CSS separates them: adjoining vertical margins collapse to the
    larger (WeasyPrint's lines carry their own half-leading, and so do ours: see :func:`_edges`). The gaps are weak,
    so a page break drops them, as WeasyPrint truncates margins at an unforced page break; the document's first
    margin stays (``outer``), as WeasyPrint keeps it on the first page."""
    out, prev = [], None
    for leaf in leaves:
        if leaf.keep_with_previous and prev is not None and prev.keep_tail is not None:
            out[-1] = prev.keep_tail
        elif leaf.keep_with_previous and prev is not None and prev.markup.startswith(("#_par(", "#heading(")):
            # the paragraph or heading goes to the next page with it (WeasyPrint would break a paragraph of six
            # lines or more and keep only its last three with the list: typst cannot keep a paragraph's last lines
            # with the next block)
            out[-1] = f"#block(sticky: true)[{out[-1]}]\n"
        gap = leaf.top if prev is None else max(prev.bottom, leaf.top)
        if gap > 0:
            out.append(f"#v({gap:.3f}pt{', weak: true' if prev is not None or not outer else ''})\n")
        out.append(leaf.markup)
        prev = leaf
    return "".join(out)


def _contained(leaves: list[_Leaf]) -> str:
    """The leaves of a box whose children's margins stay inside it (a table cell: CSS margins do not collapse
    through it), the first and last margins kept."""
    tail = f"#v({leaves[-1].bottom:.3f}pt)\n" if leaves and leaves[-1].bottom > 0 else ""
    return _join(leaves, outer=True) + tail


class _Converter:
    """The body of one HTML document to typst markup; its images written to ``folder``."""

    def __init__(self, folder: Path, fallback: bool = False):
        self.folder, self.images, self.depth = folder, 0, 0  # depth: of the lists the converter is inside
        self.fallback = fallback  # CJK text prints in a face after the stack's first (``_fallback``)
        self.indent, self.cells = 0.0, 0  # pt the column is narrower than the body's; depth of table cells

    # ------------------------------------------------------------------ inline content
    def text(self, text: str | None) -> str:
        # HTML collapses white space; a run becomes one space (typst's own spaces are breakable like CSS's)
        if not text:
            return ""
        text = _WS.sub(" ", text)
        if not self.fallback:
            return _t(text)
        return "".join(f"#_fallback[{_t(part)}]" if i % 2 else _t(part) if part else ""
                       for i, part in enumerate(_CJK_RUN.split(text)))

    def inline(self, el: Any) -> str:
        parts, kids = [self.text(el.text)], list(el)
        for i, ch in enumerate(kids):
            if _tag(ch) == "wbr" and _beside_word(kids, i):
                pass  # typst breaks beside a kept word anyway; a zero-width space there would print a glyph
            else:
                parts.append(self.inline_element(ch))
            parts.append(self.text(ch.tail))
        return "".join(parts)

    def inline_element(self, ch: Any) -> str:
        tag, cls = _tag(ch), _classes(ch)
        if tag == "br":
            return "#linebreak()"
        if tag == "wbr":
            return "#sym.zws"  # the break opportunity print.css makes of <wbr>
        if tag == "img":
            return self.image(ch)
        inner = self.inline(ch)
        if "wl-word" in cls:  # print.css: a word of wealthlib/data/terms/words.yaml never breaks inside
            return f"#box[{inner}]"
        wrap = {"strong": "#strong[{}]", "b": "#strong[{}]", "em": "#emph[{}]", "i": "#emph[{}]",
                "sub": "#sub[{}]", "sup": "#super[{}]", "u": "#underline[{}]", "ins": "#underline[{}]",
                "s": "#strike[{}]", "del": "#strike[{}]", "small": "#text(size: 0.83em)[{}]",
                "code": "#text(font: _mono, size: 0.9em)[{}]", "kbd": "#text(font: _mono, size: 0.9em)[{}]",
                "q": "“{}”"}.get(tag)
        if tag == "a" and ch.get("href"):
            href = ch.get("href").strip()
            if re.match(r"(https?|mailto):", href, re.I):
                return f"#link({_s(href)[1:]})[#underline[#text(fill: _link)[{inner}]]]"
        return wrap.format(inner) if wrap else inner

    def image(self, el: Any) -> str:
        """An embedded image, inline (it sits on the baseline, as CSS sets it), at WeasyPrint's size."""
        m = _IMG_SRC.match((el.get("src") or "").strip())
        if not m:
            return ""
        kind, data = m.group(1).lower(), base64.b64decode(m.group(2))
        self.images += 1
        ext = {"svg+xml": "svg", "jpeg": "jpg"}.get(kind, kind)
        name = f"image{self.images}.{ext}"
        (self.folder / name).write_bytes(data)
        width = _image_width_px(kind, data, el.get("width"))
        size = f"width: {min(width * _PX, _TEXT_WIDTH_PT):.2f}pt" if width else "width: 100%"
        # a line holding only an image still has CSS's strut below the baseline (typst's would have none)
        return f'#_strut#box(image("{name}", {size}))'

    # ------------------------------------------------------------------ blocks
    def leaves(self, el: Any, size: float) -> list[_Leaf]:
        """The blocks of ``el`` flattened (our divs carry no margin, border or padding, so their children's
        margins collapse through them as in CSS); runs of inline content become anonymous paragraphs."""
        out: list[_Leaf] = []
        pending: list[str] = [self.text(el.text)]

        def flush() -> None:
            # white space alone between blocks makes no line box in CSS
            if any(p and p != _s(" ") for p in pending):
                out.append(_Leaf(self.par("".join(pending)), 0.0, 0.0))
            pending.clear()

        for ch in el:
            tag, cls = _tag(ch), _classes(ch)
            if cls & _BLOCK_SKIP:
                pass
            elif tag in _INLINE_TAGS:
                pending.append(self.inline_element(ch))
            else:
                flush()
                out += self.block_element(ch, tag, cls, size)
            pending.append(self.text(ch.tail))
        flush()
        return out

    def block_element(self, ch: Any, tag: str, cls: set[str], size: float) -> list[_Leaf]:
        em = size
        if re.fullmatch(r"h[1-6]", tag):
            level = int(tag[1])
            hs = size * _HEADING_SIZE[level]
            top, bottom = (1.1, 0.45) if level <= 4 else _UA_HEADING_MARGIN[level]  # print.css styles h1-h4
            return [_Leaf(f"#heading(level: {level})[{self.inline(ch)}]\n", top * hs, bottom * hs)]
        if tag == "p":
            font = "#set text(font: _mono, size: 0.95em); " if "wl-audit" in cls else ""
            return [_Leaf(self.par(font + self.inline(ch)), em, em)]
        if tag == "pre":
            return [_Leaf(f"#block[#set text(font: _mono, size: 0.9em); {self.pre(ch)}]\n", em, em)]
        if tag == "blockquote":
            return [_Leaf(f"#pad(left: 30pt, right: 30pt)[{_join(self.indented(60.0, ch, size))}]\n", em, em)]
        if tag in ("ul", "ol"):
            bullet = _BULLETS[min(self.depth, len(_BULLETS) - 1)]
            self.depth += 1
            items = [self.item(li, size, bullet if tag == "ul" else f"{n}.")
                     for n, li in enumerate((li for li in ch if _tag(li) == "li"), 1)]
            self.depth -= 1
            margin = em if self.depth == 0 else 0.0  # the UA stylesheet: a list inside a list has no margin
            # WeasyPrint's UA stylesheet: ol, ul { break-before: avoid }
            return [_Leaf("".join(items), margin, margin, keep_with_previous=True)]
        if tag == "dl":
            body = [_Leaf(f"#par[{self.inline(d)}]\n", 0, 0) if _tag(d) == "dt" else
                    _Leaf(f"#pad(left: 30pt)[{_join(self.indented(30.0, d, size))}]\n", 0, 0)
                    for d in ch if _tag(d) in ("dt", "dd")]
            return [_Leaf(_join(body), em, em)]
        if tag == "hr":
            return [_Leaf('#line(length: 100%, stroke: 0.75pt + rgb("#999"))\n', 0.5 * em, 0.5 * em)]
        if tag == "table":
            # print.css: table 0.92em, .wl-wide 0.78em, .wl-wider (nine columns or more; it has both) 0.68em
            scale = 0.68 if "wl-wider" in cls else 0.78 if "wl-wide" in cls else 0.92
            leaf = self.table(ch, cls, scale, size)
            # WeasyPrint's tbody tr:last-child { break-before: avoid } on a table of one row: no break before it
            leaf.keep_with_previous = _one_row(ch)
            return [leaf]
        return self.leaves(ch, size)  # div, main, section...: no box of their own in our print.css

    def item(self, li: Any, size: float, marker: str) -> str:
        """A list item: its content 40 px (30 pt) in, and where its marker goes; the page draws every marker
        after its body (``_markers``), as WeasyPrint paints a page's list markers, so the text reads alike."""
        body = _join(self.indented(30.0, li, size))
        return f"#block(inset: (left: 30pt), width: 100%)[#metadata({_s(marker)[1:]})<wl-marker>{body}]\n"

    def indented(self, by: float, el: Any, size: float) -> list[_Leaf]:
        """The leaves of ``el``, set in a column ``by`` pt narrower."""
        self.indent += by
        try:
            return self.leaves(el, size)
        finally:
            self.indent -= by

    def par(self, inline: str) -> str:
        """A paragraph (``_par``: print.css's orphans and widows); in a table cell, whose row never breaks, a plain
        one."""
        if self.cells:
            return f"#par[{inline}]\n"
        return f"#_par({_TEXT_WIDTH_PT - self.indent:.2f}pt)[{inline}]\n"

    def pre(self, el: Any) -> str:
        text = "".join(el.itertext())
        return "".join(_s(line) + "#linebreak()" for line in text.rstrip("\n").split("\n"))

    # ------------------------------------------------------------------ tables
    def table(self, el: Any, cls: set[str], scale: float, size: float) -> _Leaf:
        """A table laid out as WeasyPrint's automatic table layout does (``_autotable`` in the preamble): each
        column between its narrowest and widest content, the room left shared in proportion to the difference."""
        caption, rows = "", []
        for part in el:
            tag = _tag(part)
            if tag == "caption":
                caption = f"#par[{self.inline(part)}]\n"  # WeasyPrint sets it at the table's left
            trs = [part] if tag == "tr" else [r for r in part if _tag(r) == "tr"]
            rows += [(tag == "thead", [c for c in tr if _tag(c) in ("td", "th")]) for tr in trs]
        margin = 0.6 * size * scale
        if not rows:
            return _Leaf(caption, margin, margin)
        kv, wider = "wl-kv" in cls, "wl-wider" in cls
        whole_th = kv or "wl-signature" in cls  # print.css: .wl-kv th, .wl-signature th { white-space: nowrap }
        grid, taken = [], set()  # taken: (row, column) slots a rowspan above fills
        for r, (head, tds) in enumerate(rows):
            col, row = 0, []
            for c in tds:
                while (r, col) in taken:
                    col += 1
                span, rspan = int(c.get("colspan") or 1), int(c.get("rowspan") or 1)
                taken |= {(r + i, col + j) for i in range(rspan) for j in range(span)}
                row.append(self.cell(c, head, kv, wider, r, col, span, _BODY_PT * scale, whole_th))
                col += span
            grid.append(row)
        columns = max(col for _, col in taken) + 1
        heads = sum(head for head, _ in rows)  # thead rows come first
        body_rows = len(rows) - heads
        spans = any(int(c.get("rowspan") or 1) > 1 for _, tds in rows for c in tds)

        def table(cells: list[list[str]], n: int, whole: bool, part: str = "") -> str:
            body = ",\n  ".join(c for row in cells for c in row)
            head = sum(len(row) for row in cells[:heads])  # the header rows' cells
            return (f"#block({'breakable: false' if whole else ''})[#set text(size: {scale}em); "
                    f"#_autotable({n}, {head}, (\n  {body},\n){part})]\n")

        # print.css keeps every row whole and a table's last row off a page of its own (tbody tr:last-child
        # { break-before: avoid }): a table of two rows or fewer under its header does not break at all; in a
        # longer one an extra column, 0 pt wide, holds one unbreakable cell spanning the last two rows
        if body_rows > 2 and not spans:
            extra = [row + ([] if r == len(grid) - 1 else [
                f"(row: {r}, col: {columns}, span: 1, pad: 0pt, wide: 0, atoms: (), body: [], "
                f"cell: table.cell.with(inset: 0pt, stroke: none{', rowspan: 2' if r == len(grid) - 2 else ''}))"])
                for r, row in enumerate(grid)]
            markup = table(extra, columns + 1, False)
        else:
            markup = table(grid, columns, body_rows <= 2)
        leaf = _Leaf(caption + markup, margin, margin)
        if body_rows > 2 and not spans and not heads:
            # when the block after it may not start a page (WeasyPrint finds the break before the last two rows
            # instead): the rows before, then the last two unbroken and kept with that block (:func:`_join`)
            last = len(grid) - 2
            leaf.keep_tail = caption + table(grid, columns, False, f", rows: (0, {last})") + \
                f"#block(sticky: true)[{table(grid, columns, True, f', rows: ({last}, {len(grid)})')}]\n"
        return leaf

    def cell(self, c: Any, head: bool, kv: bool, wider: bool, row: int, col: int, span: int, size: float,
             whole_th: bool) -> str:
        """One cell for ``_autotable``: its column, its content, and the pieces of it no line may break (for
        the narrowest width the column can take)."""
        tag, cls = _tag(c), _classes(c)
        opts = [f"{k}: {int(c.get(k))}" for k in ("colspan", "rowspan") if int(c.get(k) or 1) > 1]
        if "num" in cls and not kv:
            opts.append("align: right")
        if tag == "th" and head:
            opts.append("fill: _th")
        pad = "2.1em" if tag == "th" and kv else "1.2em"
        if tag == "th" and kv:
            opts.append("inset: (left: 0.6em, right: 1.5em, top: 0.25em, bottom: 0.25em + 0.75pt)")
        nowrap = (tag == "td" and bool(cls & _NOWRAP_CELL) and not wider) or (tag == "th" and whole_th)
        if any(_tag(x) in _BLOCK_TAGS for x in c):
            self.cells += 1
            try:
                inner, pieces, wide = _contained(self.leaves(c, size)), [], 0
            finally:
                self.cells -= 1
        else:
            inner = self.inline(c)
            pieces, wide = ([inner], 0) if nowrap else self.pieces(c)
        if nowrap:
            inner = f"#_nowrap[{inner}]"
        if "num" in cls:
            inner = f"#text(number-width: \"tabular\")[{inner}]"
            pieces = [f"#text(number-width: \"tabular\")[{p}]" for p in pieces]
        if tag == "th":  # print.css: th { font-weight: 600 }, the bold face
            inner, pieces = f"#strong[{inner}]", [f"#strong[{p}]" for p in pieces]
            if kv:
                inner = f"#text(fill: rgb(\"#333\"))[{inner}]"
        atoms = "".join(f"[{p}], " for p in dict.fromkeys(pieces))
        return (f"(row: {row}, col: {col}, span: {span}, pad: {pad}, wide: {wide}, atoms: ({atoms}), body: [{inner}], "
                f"cell: table.cell.with({', '.join(opts)}))")

    def pieces(self, el: Any) -> tuple[list[str], int]:
        """The unbreakable pieces of a cell's text (as typst content) and the longest run of full-width
        characters that cannot break (counted, 1 em each): its min-content width is the widest of them."""
        units: list[tuple[str, str]] = []  # (kind, text): "box" a word kept whole, "brk" a break, "ch" a char

        def walk(e: Any) -> None:
            for_text(e.text)
            for ch in e:
                tag, cls = _tag(ch), _classes(ch)
                if tag in ("wbr", "br"):
                    units.append(("brk", ""))
                elif "wl-word" in cls:
                    units.append(("box", "".join(ch.itertext())))
                elif tag != "img":
                    walk(ch)
                for_text(ch.tail)

        def for_text(t: str | None) -> None:
            units.extend(("ch", x) for x in _WS.sub(" ", t or ""))

        walk(el)
        pieces, wide, cur = [], 0, ""

        def end() -> None:
            nonlocal cur, wide
            if cur.strip():
                if all(_full_width(x) for x in cur):
                    wide = max(wide, len(cur))
                else:
                    pieces.append(_t(cur))
            cur = ""

        prev = ""
        for kind, text in units:
            if kind == "brk" or text == " ":
                end()
            else:
                if cur and _break_between(prev, text[:1]):
                    end()
                cur += text
                prev = text[-1:]
        end()
        return pieces, wide


def _one_row(table: Any) -> bool:
    """The table's first row group is a body of one row (so that row is its body's last)."""
    groups = [g for g in table if _tag(g) in ("thead", "tbody", "tr")]
    return bool(groups) and _tag(groups[0]) == "tbody" and sum(_tag(r) == "tr" for r in groups[0]) == 1


def _beside_word(kids: list, i: int) -> bool:
    """The ``<wbr>`` at ``kids[i]`` sits right after or right before a kept word (``.wl-word``)."""
    before = i > 0 and "wl-word" in _classes(kids[i - 1]) and not (kids[i - 1].tail or "").strip()
    after = i + 1 < len(kids) and "wl-word" in _classes(kids[i + 1]) and not (kids[i].tail or "").strip()
    return before or after


#: The UA stylesheet's bullets by depth (disc, circle, square).
_BULLETS = ("•", "◦", "▪")

_NO_BREAK_BEFORE = set("）)]」』》〉、。，．,.：；:;！？!?%％・·ー")
_NO_BREAK_AFTER = set("（([「『《〈")


def _full_width(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _break_between(a: str, b: str) -> bool:
    """A line may break between characters ``a`` and ``b`` (no space between): next to a full-width character,
    unless punctuation forbids it (the line-breaking classes CL/OP of Unicode's UAX #14, as Pango applies them)."""
    if not a or not b or b in _NO_BREAK_BEFORE or a in _NO_BREAK_AFTER:
        return False
    return _full_width(a) or _full_width(b) or a == "-" and b.isalnum()


#: print.css: the body text's size (pt) and the headings' (em of it).
_BODY_PT = 10.5
_HEADING_SIZE = {1: 1.7, 2: 1.35, 3: 1.12, 4: 1.0, 5: 0.83, 6: 0.67}  # h5, h6: the UA stylesheet's
_UA_HEADING_MARGIN = {5: (1.67, 1.67), 6: (2.33, 2.33)}  # em of the heading


#: typst functions the converted document calls.
_HELPERS = """#let _z = box(width: 0pt)
// print.css: p, li { orphans: 3; widows: 3 }: a paragraph of five lines or fewer never breaks; its lines are 1.5 em
// each (a CJK run in English: 1.59); `width`: of the column it is set in. A longer one breaks where typst breaks
// it, which keeps two lines at either end of a page where CSS keeps three
#let _par(width, body) = context {
  let short = measure(block(width: width, par(body))).height < 5.5 * 1.5em.to-absolute()
  block(breakable: not short, par(body))
}
#let _nowrap(body) = context box(width: measure(body).width, body)
#let _autotable(n, header, cells, rows: none) = layout(size => {
  // CSS 2.1's automatic table layout as WeasyPrint does it: a column's narrowest width is its widest
  // unbreakable piece, its widest its longest line; fit all at their widest, else share the room between
  let lo = range(n).map(_ => 0pt)
  let hi = range(n).map(_ => 0pt)
  for c in cells.filter(c => c.span == 1) {
    let w = calc.max(c.wide * 1em.to-absolute(), ..c.atoms.map(a => measure(a).width)) + c.pad.to-absolute()
    lo.at(c.col) = calc.max(lo.at(c.col), w)
    hi.at(c.col) = calc.max(hi.at(c.col), measure(c.body).width + c.pad.to-absolute())
  }
  let (slo, shi) = (lo.sum(), hi.sum())
  let widths = if shi <= size.width { hi } else if slo >= size.width { lo } else {
    range(n).map(i => lo.at(i) + (hi.at(i) - lo.at(i)) * ((size.width - slo) / (shi - slo)))
  }
  // rows: (from, to), the body rows of one part of a table split in two (no header), at the whole's widths
  let body = if rows == none { cells.slice(header) } else { cells.filter(c => rows.at(0) <= c.row and c.row < rows.at(1)) }
  table(columns: widths, ..if header > 0 { (table.header(..cells.slice(0, header).map(c => (c.cell)(c.body))),) },
        ..body.map(c => (c.cell)(c.body)))
})
"""

_INLINE_TAGS = frozenset({"a", "abbr", "b", "br", "code", "del", "em", "i", "img", "ins", "kbd", "q", "s",
                          "small", "span", "strong", "sub", "sup", "u", "wbr"})
_BLOCK_TAGS = frozenset({"p", "div", "ul", "ol", "table", "pre", "blockquote", "dl", "h1", "h2", "h3", "h4",
                         "h5", "h6", "hr"})


def _image_width_px(kind: str, data: bytes, attr: str | None) -> float | None:
    """The image's width in CSS px, as WeasyPrint takes it: the ``width`` attribute, else its intrinsic width."""
    if attr and attr.strip().isdigit():
        return float(attr)
    if kind == "png" and data[12:16] == b"IHDR":
        return float(struct.unpack(">I", data[16:20])[0])
    return None  # JPEG, SVG: the text width (max-width: 100%)


def _page_label(label_css: str) -> str:
    """print.css's page label (a CSS ``content`` value, ``render.PAGE_LABEL``) as typst content."""
    parts = []
    for text, counter in _LABEL_TOKEN.findall(label_css):
        if counter == "page":
            parts.append("#context counter(page).display()")
        elif counter == "pages":
            parts.append("#context counter(page).final().first()")
        else:
            parts.append(_s(text))
    return "".join(parts)


def _families(font_stack: str, lang: str) -> list[str]:
    """The CSS font stack of ``lang`` as typst families: the common-use CJK cut before each full CJK face (as
    WeasyPrint prints), generic families dropped (typst has none)."""
    from wealthlib import _print_fonts as PF

    script = PF.SCRIPT[lang]
    out = []
    for name in re.findall(r'"([^"]+)"', font_stack):
        if name == PF.full_family(script):
            out.append(PF.common_family(script))
        out.append(name)
    return out


def _font_metrics(lang: str, family: str | None = None) -> tuple[float, float]:
    """Ascent and descent (em) of ``family`` (by default the first face of ``lang``'s stack), as HarfBuzz gives
    them to WeasyPrint's Pango: OS/2's typographic metrics where the font asks for them (USE_TYPO_METRICS), else
    hhea's."""
    from fontTools.ttLib import TTFont

    from wealthlib import _print_fonts as PF
    from wealthlib.render import FONT_STACK

    script = PF.SCRIPT[lang]
    family = family or _families(FONT_STACK[lang], lang)[0]
    found = (PF.common_face(script, 400), 0) if family == PF.common_family(script) else PF._font_file(family, "Regular")
    if found is None or found[0] is None:
        return 0.9, 0.2  # no such face here: typst falls back too; the pages may differ from WeasyPrint's
    font = TTFont(str(found[0]), lazy=True, fontNumber=found[1])
    hhea, os2, upm = font["hhea"], font["OS/2"], font["head"].unitsPerEm
    if os2.fsSelection & (1 << 7):
        return os2.sTypoAscender / upm, -os2.sTypoDescender / upm
    return hhea.ascent / upm, -hhea.descent / upm


def _fallback_metrics(lang: str) -> tuple[float, float] | None:
    """The metrics of the CJK face ``lang``'s stack falls back on, when its first face is not that face (``en``:
    Liberation Sans first): a CJK run's inline box is placed by its own face's ascent and descent, as CSS places
    it, so a line holding one is taller than a Latin line."""
    from wealthlib import _print_fonts as PF
    from wealthlib.render import FONT_STACK

    common = PF.common_family(PF.SCRIPT[lang])
    families = _families(FONT_STACK[lang], lang)
    return None if families[0] == common or common not in families else _font_metrics(lang, common)


def _edges(line_height: float, metrics: tuple[float, float]) -> str:
    """typst text edges that make each line a CSS line box of ``line_height`` em: the baseline half the leading
    below the box's top plus the ascent, as CSS places it; with no typst leading, lines follow at exactly the
    CSS line height and a page holds as many of them as WeasyPrint's does."""
    ascent, descent = metrics
    top = line_height / 2 + (ascent - descent) / 2
    return f"top-edge: {top:.4f}em, bottom-edge: {top - line_height:.4f}em"


def _preamble(lang: str, title: str, footer: list[tuple[str, bool]], metrics: tuple[float, float],
              fallback: tuple[float, float] | None = None) -> str:
    """print.css as typst set and show rules: the page and its margin boxes, type, lists, headings, tables."""
    from wealthlib import _print_fonts as PF
    from wealthlib import render

    fonts = ", ".join(f'"{f}"' for f in _families(render.FONT_STACK[lang], lang))
    script = PF.SCRIPT[lang]  # as _print_fonts prints .wl-audit: monospace Latin, the CJK labels in the common cut
    mono = ", ".join(f'"{f}"' for f in ("DejaVu Sans Mono", PF.common_family(script), PF.full_family(script)))
    h1, h2, h3 = (f"{_BODY_PT * _HEADING_SIZE[n]:.4f}pt" for n in (1, 2, 3))
    # the running footer's lines; the audit line in its monospace face, as print.css sets .wl-audit
    lines = "#linebreak()".join(f"#text(font: _mono, size: 0.95em)[{_s(_WS.sub(' ', t).strip())}]" if audit
                                else _s(_WS.sub(" ", t).strip()) for t, audit in footer)
    region = {"zh-TW": 'lang: "zh", region: "TW"', "zh-CN": 'lang: "zh", region: "CN"'}.get(lang, 'lang: "en"')
    below = 1.5 - (0.75 + (metrics[0] - metrics[1]) / 2)  # of a body line, under its baseline
    shift = (fallback[0] - fallback[1]) / 2 if fallback else 0.0
    return f"""#let _mono = ({mono})
// a run in the fallback face: its inline box placed by that face's metrics, beside the line's strut (CSS's
// line box always holds one of the first face's), as WeasyPrint lays a CJK name out in an English line
#let _fallback(body) = context {{
  let (t, b) = (text.top-edge, text.bottom-edge)
  let top = (t - b) / 2 + {shift:.4f}em
  box(width: 0pt, height: t - b, baseline: -b) + text(top-edge: top, bottom-edge: top - (t - b), body)
}}
#let _strut = box(width: 0pt, height: 1.5em, baseline: {below:.4f}em)
#let _link = rgb("#1f3b63")
#let _th = rgb("#eef2f7")
#set document(title: {_s(title)[1:]})
#set page(paper: "a4", margin: (top: 18mm, x: 16mm, bottom: 26mm), header: none, footer: none,
  // what WeasyPrint paints after a page's body, in its order: the page's list markers (each beside its item),
  // then the margin boxes: the title top right, centred in the top margin; the running footer (142 mm) and the
  // page label (34 mm) under the body
  foreground: {{
    context for m in query(<wl-marker>).filter(m => m.location().page() == here().page()) {{
      let at = m.location().position()
      place(top + left, dx: at.x - 30pt, dy: at.y, box(width: 30pt, align(right,
        text(font: ({fonts}), size: {_BODY_PT}pt, {_edges(1.5, metrics)})[#m.value#h(0.5em)])))
    }}
    place(top + right, dx: -16mm, block(height: 18mm, align(horizon + right,
      text(7.5pt, fill: rgb("#777"))[{_s(title)}])))
    place(top + left, dx: 16mm, dy: 274mm, block(width: 142mm, stroke: (top: 0.5pt + rgb("#999")),
      inset: (top: 1mm), text(6.5pt, fill: rgb("#555"), {_edges(1.3, metrics)})[{lines}]))
    place(top + right, dx: -16mm, dy: 274.6mm, block(width: 34mm, align(right,
      text(7.5pt, fill: rgb("#555"))[{_page_label(render.PAGE_LABEL[lang])}])))
  }})
#set text(font: ({fonts}), size: {_BODY_PT}pt, fill: rgb("#1a1a1a"), {region}, cjk-latin-spacing: none,
          {_edges(1.5, metrics)})
#set par(leading: 0pt, spacing: 0pt)
#set block(above: 0pt, below: 0pt)
#show heading: it => block(sticky: true, width: 100%, text(size: {_BODY_PT}pt * (1, 1, 1, 1, {_HEADING_SIZE[5]}, {_HEADING_SIZE[6]}).at(it.level - 1), weight: "bold", {_edges(1.25, metrics)}, it.body))
#show heading.where(level: 1): it => block(sticky: true, width: 100%, inset: (bottom: 0.15 * {h1} + 1.5pt),
  stroke: (bottom: 1.5pt + rgb("#1f3b63")),
  text(size: {h1}, fill: rgb("#1f3b63"), weight: "bold", {_edges(1.25, metrics)}, it.body))
#show heading.where(level: 2): it => block(sticky: true, width: 100%,
  text(size: {h2}, fill: rgb("#1f3b63"), weight: "bold", {_edges(1.25, metrics)}, it.body))
#show heading.where(level: 3): it => block(sticky: true, width: 100%,
  text(size: {h3}, weight: "bold", {_edges(1.25, metrics)}, it.body))
#set table(stroke: (x: none, top: none, bottom: 0.75pt + rgb("#d0d5dd")), align: left + top,
           inset: (x: 0.6em, top: 0.25em, bottom: 0.25em + 0.75pt))
#set table.cell(breakable: false)
""" + _HELPERS


def typst_source(html: str, folder: Path) -> tuple[str, str]:
    """(typst markup, locale) of one of our HTML documents; its images written to ``folder``."""
    import tinyhtml5

    from wealthlib import render

    root = tinyhtml5.parse(html)
    lang = render._pdf_lang(html) or "en"
    body = root.find(NS + "body")
    title = next(("".join(p.itertext()) for p in body.iter(NS + "p") if "wl-title" in _classes(p)), "")
    running = next((d for d in body.iter(NS + "div") if "wl-running-footer" in _classes(d)), None)
    footer = [("".join(p.itertext()), "wl-audit" in _classes(p)) for p in running if _tag(p) == "p"] \
        if running is not None else []
    metrics, fallback = _metrics(lang)
    flow = _join(_Converter(folder, fallback is not None).leaves(body, _BODY_PT), outer=True)
    return _preamble(lang, _WS.sub(" ", title).strip(), footer, metrics, fallback) + flow, lang


_metric_cache: dict[str, tuple[tuple[float, float], tuple[float, float] | None]] = {}


def _metrics(lang: str) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """The first face's metrics and those of the CJK face it falls back on (if another), once per process."""
    if lang not in _metric_cache:
        _metric_cache[lang] = _font_metrics(lang), _fallback_metrics(lang)
    return _metric_cache[lang]


def _font_paths() -> list[str]:
    """The folders typst may take fonts from: the cache holding the common-use CJK cuts (made there once) and
    the system folders of the families the stacks name; no other folder is scanned."""
    from wealthlib import _print_fonts as PF

    scripts = sorted(set(PF.SCRIPT.values()))
    paths = {str(p.parent) for script in scripts for w in PF.WEIGHTS if (p := PF.common_face(script, w)) is not None}
    wanted = [("Liberation Sans", "Regular"), ("DejaVu Sans", "Book"), ("DejaVu Sans Mono", "Book")]
    for family, style in wanted + [(PF.full_family(script), "Regular") for script in scripts]:
        found = PF._font_file(family, style)
        if found is not None:
            paths.add(str(found[0].parent))
    return sorted(paths)


def _get_compiler() -> Any:
    """One typst compiler per process: it keeps the fonts it has loaded and parsed between documents."""
    global _compiler
    if _compiler is None:
        import typst

        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=_font_paths())
        _compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
    return _compiler


# typst compiles on a pool of threads it starts on its first compile; a fork copies none of them, so in a child
# of a process that has compiled, a compile would wait forever for them. Such a child compiles in a fresh
# process instead (:func:`_compile_elsewhere`). A process that forks (the batch's warm template) loads the fonts
# (:func:`warm`) but never compiles, and its children compile in their own.
_compiled_in: int | None = None  # the pid whose typst has started its threads


def warm(html: str) -> None:
    """What a process's first document pays, without compiling it: typst and the fonts loaded, the converter's
    code run on ``html``. A process that forks workers calls this (see above), not :func:`pdf_bytes`."""
    _get_compiler()
    with tempfile.TemporaryDirectory(prefix="wealth-typst-") as tmp:
        typst_source(html, Path(tmp))


def _compile(source: str, root: str) -> bytes:
    global _compiled_in
    if _compiled_in is not None and _compiled_in != os.getpid():
        return _compile_elsewhere(source, root)
    with _lock:  # one compiler per process; its world is not for two threads at once
        _compiled_in = os.getpid()
        # untagged, as WeasyPrint's are (typst's structure tree makes poppler report a syntax error)
        return _get_compiler().compile(source.encode("utf-8"), root=root, format="pdf", pdf_tags=False)


def _compile_elsewhere(source: str, root: str) -> bytes:
    """Compile ``source`` in a new Python process (this one is a fork of a process whose typst threads it lacks)."""
    import subprocess
    import sys

    (Path(root) / "document.typ").write_text(source, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "wealthlib._typst", root], capture_output=True, timeout=600)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"typst: {lines[-1] if lines else f'exit status {proc.returncode}'}")
    return (Path(root) / "document.pdf").read_bytes()


def pdf_bytes(html: str) -> bytes:
    """The PDF of one of our HTML documents, typeset by typst."""
    with tempfile.TemporaryDirectory(prefix="wealth-typst-") as tmp:
        source, _lang = typst_source(html, Path(tmp))
        return _compile(source, tmp)


if __name__ == "__main__":  # _compile_elsewhere: python -m wealthlib._typst <folder with document.typ>
    import sys

    folder = sys.argv[1]
    source = (Path(folder) / "document.typ").read_text(encoding="utf-8")
    (Path(folder) / "document.pdf").write_bytes(_compile(source, folder))
