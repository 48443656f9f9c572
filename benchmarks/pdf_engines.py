"""A probe, not the product path: our documents' PDF through typst instead of WeasyPrint (issue 14, item 1 (e)).

The documents' PDF costs ~1–2.5 s of CPU a document in WeasyPrint, most of it layout (line breaking, the automatic
table layout, the cascade) and drawing, spread over WeasyPrint's Python code: no option (fonts, caches, compression,
hinting) halves it while keeping the same pages and text (see README, "The PDF"). This probe measures the second
engine the issue names on the SAME documents, so the choice can be made on numbers: each document's HTML (what
``render.to_html`` makes) is mapped to typst markup by a small converter (the tags our sanitizer lets through that
the documents use: headings, paragraphs, lists, tables with ``num`` columns and colspans, embedded PNG charts; the
running footer, the title in the header and the "Page N of M" label), typeset with the typst Python binding using
the same faces (the common-use cut of Noto Sans CJK from wealthlib._print_fonts, Liberation Sans, the full Noto Sans
CJK face for rare characters), and compared with today's export: CPU seconds, pages, embedded fonts (pdffonts) and
the text (pdftotext, compared without white space, since line breaks differ, and without the header and footer
every page repeats, since the page counts differ).

What it does not do: match WeasyPrint's layout line for line (its page count differs), nor every tag the sanitizer
allows (``dl``, ``pre``, ``blockquote`` and ``caption`` print as plain paragraphs). It needs ``pip install typst``
and poppler-utils.

    .venv/bin/python benchmarks/pdf_engines.py [--params params] [--clients chen,lee,lin]

Prints one JSON line per document and a last line ``typst_ratio_to_weasyprint=… pages_weasyprint=… pages_typst=…
text_equal=k/n``.

Measured 2026-12-02 19:44 UTC (load average 5-7; the reviews as they were before the section seam), the reviews of chen, lee, lin and the proposals of chen (zh-TW),
wang (cn-bank, zh-CN) and lee (en), CPU seconds per document, best of 3 warm: WeasyPrint 0.76-1.95 s, typst
0.14-0.19 s including the conversion (~0.05-0.08 s) -> ``typst_ratio_to_weasyprint=0.13 pages_weasyprint=59
pages_typst=54 text_equal=0/6``. Pages 7/6, 6/6, 6/6, 15/13, 12/12, 13/11; fonts the cut Noto Sans CJK faces and
Liberation Sans, CID-keyed and embedded (pdffonts: Type 0C and TrueType, no Type 3; the audit line's DejaVu Sans
Mono is not mapped by this converter); the text differs by the table headers repeated at other page
breaks, the list bullets (• against ·) and, in the proposals, a few cells this converter drops: typst would meet
the PDF target with room to spare, but not with the same pages, which the issue asks to keep.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

NS = "{http://www.w3.org/1999/xhtml}"
TEXT_WIDTH_PT = (210 - 32) / 25.4 * 72  # A4 less the page's side margins (print.css)


def _s(text: str) -> str:
    """A typst string literal (as content: #"..."), so no character of the text is read as markup."""
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _tag(el) -> str:
    return el.tag.replace(NS, "") if isinstance(el.tag, str) else ""


class Converter:
    """Our HTML (``render.to_html``'s document) to typst markup; images written next to it."""

    def __init__(self, folder: Path):
        self.folder, self.images = folder, 0

    def inline(self, el) -> str:
        parts = [_s(el.text)] if el.text else []
        for ch in el:
            tag, inner = _tag(ch), self.inline(ch)
            if tag in ("strong", "b"):
                parts.append(f"#strong[{inner}]")
            elif tag in ("em", "i"):
                parts.append(f"#emph[{inner}]")
            elif tag == "br":
                parts.append("#linebreak()")
            elif tag == "img":
                parts.append(f"#box({self.image(ch)[1:]})" if self.image(ch) else "")
            elif tag in ("sub", "sup"):
                parts.append(f"#{tag}[{inner}]")
            else:
                parts.append(inner)
            if ch.tail:
                parts.append(_s(ch.tail))
        return "".join(parts)

    def image(self, el) -> str:
        m = re.match(r"data:image/png;base64,(.*)", el.get("src", ""), re.S)
        if not m:
            return ""
        data = base64.b64decode(m.group(1))
        self.images += 1
        name = f"image{self.images}.png"
        (self.folder / name).write_bytes(data)
        width_px = struct.unpack(">I", data[16:20])[0]  # the PNG header's width; WeasyPrint prints 1 px as 0.75 pt
        return f'#image("{name}", width: {min(width_px * 0.75, TEXT_WIDTH_PT):.1f}pt)'

    def table(self, el) -> str:
        rows = []
        for part in el:
            trs = [part] if _tag(part) == "tr" else [r for r in part if _tag(r) == "tr"]
            rows += [(_tag(part) == "thead", [c for c in tr if _tag(c) in ("td", "th")]) for tr in trs]
        columns = max((sum(int(c.get("colspan", 1)) for c in cells) for _, cells in rows), default=1)
        kv = "wl-kv" in (el.get("class") or "")  # print.css: a key-value table's values read left
        out, header = [], []
        for head, cells in rows:
            for c in cells:
                opts = [f"colspan: {c.get('colspan')}"] if int(c.get("colspan", 1)) > 1 else []
                if "num" in (c.get("class") or "") and not kv:
                    opts.append("align: right")
                if head:
                    opts.append('fill: rgb("#eef2f7")')
                body = self.inline(c)
                if _tag(c) == "th":  # print.css: th { font-weight: 600 }, the bold face
                    body = f"#strong[{body}]"
                (header if head else out).append(f"table.cell({', '.join(opts)})[{body}]")
        if header:  # print.css: thead { display: table-header-group } repeats it on every page the table spans
            out.insert(0, "table.header(" + ", ".join(header) + ")")
        return f"#table(columns: {columns},\n  " + ",\n  ".join(out) + ")\n"

    def block(self, el) -> str:
        out = []
        for ch in el:
            tag, cls = _tag(ch), ch.get("class") or ""
            if any(k in cls for k in ("wl-running-footer", "wl-doc-footer", "wl-title")):
                continue
            if re.fullmatch(r"h[1-6]", tag):
                out.append(f"#heading(level: {tag[1]})[{self.inline(ch)}]\n")
            elif tag in ("p", "pre", "blockquote", "caption", "dt", "dd"):
                out.append(f"#par[{self.inline(ch)}]\n")
            elif tag in ("ul", "ol"):
                items = ", ".join(f"[{self.inline(li)}]" for li in ch if _tag(li) == "li")
                out.append(f"#{'list' if tag == 'ul' else 'enum'}({items})\n")
            elif tag == "table":
                out.append(self.table(ch))
            elif tag == "img":  # a block of its own (inside #par[...] typst 0.15 drops it)
                out.append(f"{self.image(ch)}\n\n")
            else:
                out.append(self.block(ch))
        return "".join(out)


def typst_source(html: str, folder: Path, lang: str) -> str:
    """The typst document for one of our HTML documents: print.css's page, type sizes and table rules."""
    import tinyhtml5

    from wealthlib import _print_fonts as PF

    body = tinyhtml5.parse(html).find(NS + "body")
    title = next((p.text or "" for p in body if "wl-title" in (p.get("class") or "")), "")
    running = next((d for d in body if "wl-running-footer" in (d.get("class") or "")), [])
    footer = "#linebreak()".join(_s(p.text or "") for p in running)
    script = PF.SCRIPT[lang]
    latin = ['"Liberation Sans"'] if lang == "en" else []
    fonts = ", ".join(latin + [f'"{PF.common_family(script)}"', f'"{PF.full_family(script)}"', '"DejaVu Sans"'])
    label = {"en": "Page #context counter(page).display() of #context counter(page).final().first()",
             "zh-TW": "第 #context counter(page).display() 頁，共 #context counter(page).final().first() 頁",
             "zh-CN": "第 #context counter(page).display() 页，共 #context counter(page).final().first() 页"}[lang]
    grey = 'rgb("#555")'
    # CSS line-height 1.5 is 1.5 em from baseline to baseline; a line of typst spans ascender to descender (about
    # 1.1 em for Liberation Sans, 1.0 em for Noto Sans CJK), the rest is leading; a table cell adds half of it
    leading, half = ("0.38em", "0.19em") if lang == "en" else ("0.5em", "0.25em")
    return f"""#set page(paper: "a4", margin: (top: 18mm, x: 16mm, bottom: 26mm),
  header: align(right, text(7.5pt, fill: rgb("#777"))[{_s(title)}]),
  footer: grid(columns: (142mm, 1fr),
    block(width: 100%, stroke: (top: 0.5pt + rgb("#999")), inset: (top: 1mm),
          text(6.5pt, fill: {grey}, top-edge: "ascender", bottom-edge: "descender")[#set par(leading: 0.05em); {footer}]),
    align(right, text(7.5pt, fill: {grey})[{label}])))
#set text(font: ({fonts}), size: 10.5pt, fill: rgb("#1a1a1a"), top-edge: "ascender", bottom-edge: "descender",
          cjk-latin-spacing: none)
#set par(leading: {leading}, spacing: 1em)
#show heading: it => block(above: 1.1em, below: 0.45em, sticky: true, text(fill: rgb("#1f3b63"), it.body))
#show heading.where(level: 1): it => block(above: 1.1em, below: 0.45em, sticky: true, width: 100%, inset: (bottom: 0.15em),
  stroke: (bottom: 1.5pt + rgb("#1f3b63")), text(size: 1.7em, fill: rgb("#1f3b63"), it.body))
#show heading.where(level: 2): set text(size: 1.35em)
#show heading.where(level: 3): set text(size: 1.12em)
#show table: set text(size: 0.92em)
#set table(stroke: (x: none, top: none, bottom: 0.75pt + rgb("#d0d5dd")), inset: (x: 0.6em, y: 0.25em + {half}),
           align: left + top)
#show table: set block(above: 0.6em, below: 0.6em)
{Converter(folder).block(body)}
"""


def typst_pdf(html: str, lang: str) -> bytes:
    import typst

    from wealthlib import _print_fonts as PF

    with tempfile.TemporaryDirectory(prefix="wealth-typst-") as tmp:
        src = Path(tmp) / "doc.typ"
        src.write_text(typst_source(html, Path(tmp), lang), encoding="utf-8")
        PF.common_face(PF.SCRIPT[lang], 400), PF.common_face(PF.SCRIPT[lang], 700)  # made into the cache once
        return typst.compile(str(src), root=tmp, font_paths=[str(PF.cache_dir())])


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        return subprocess.run([tool, *args, fh.name, *(["-"] if tool == "pdftotext" else [])], capture_output=True,
                              text=True, check=True).stdout


def _fonts(pdf: bytes) -> list[str]:
    rows = [line.split() for line in _poppler("pdffonts", pdf).splitlines()[2:] if line.strip()]
    return [f"{r[0].split('+', 1)[-1]} {r[1]} emb={r[-5]}" for r in rows]  # name, CID or Type 3, embedded


def _pages(pdf: bytes) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _poppler("pdfinfo", pdf)).group(1))


def running_texts(html: str) -> list[str]:
    """The texts every page repeats (the title in the header, the footer's lines), for comparing body texts."""
    import tinyhtml5

    body = tinyhtml5.parse(html).find(NS + "body")
    texts = [p.text or "" for p in body if "wl-title" in (p.get("class") or "")]
    for d in body:
        if "wl-running-footer" in (d.get("class") or ""):
            texts += [p.text or "" for p in d]
    return texts


_PAGE_LABEL = re.compile(r"Page\d+of\d+|第\d+[頁页]，共\d+[頁页]")


def body_text(pdf: bytes, html: str) -> str:
    """pdftotext of ``pdf`` without white space (the engines break lines differently), the header and footer
    every page repeats and the page labels: what the document says, in order."""
    text = re.sub(r"\s+", "", _poppler("pdftotext", pdf, "-raw"))  # in drawing order: a table row by row
    for t in sorted(running_texts(html), key=len, reverse=True):
        text = text.replace(re.sub(r"\s+", "", t), "")
    return _PAGE_LABEL.sub("", text)


def _cpu(fn, *args, reps: int = 3) -> tuple[float, bytes]:
    fn(*args)  # warm-up: imports, fonts
    best, out = float("inf"), b""
    for _ in range(reps):
        t = time.process_time()
        out = fn(*args)
        best = min(best, time.process_time() - t)
    return best, out


def documents(params: Path, clients: list[str]) -> list[tuple[str, str, str]]:
    """(name, locale, HTML) of each client's quarterly review, built in this process as the floor does."""
    import batch as B

    from wealthlib import render
    from wealthlib.clients import load_client
    from wealthlib.review import build_review, document_meta

    out = []
    for cid in clients:
        client = load_client(cid, params / "clients")
        meta = document_meta(client, params, B.QUARTER)
        nb = B._floor_notebook(build_review(client, params=params, quarter=B.QUARTER))
        out.append((f"review-{cid}", meta["lang"], render.to_html(nb, lang=meta["lang"], title=meta["title"],
                                                                  footer=meta["footer"], audit=meta["audit"])))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", default=str(ROOT / "params"))
    ap.add_argument("--clients", default="chen,lee,lin")
    ap.add_argument("--html", nargs="*", default=[], help="more documents: HTML files of ours (e.g. a proposal)")
    args = ap.parse_args(argv)
    try:
        import typst  # noqa: F401
    except ImportError:
        raise SystemExit("this probe needs the typst Python binding: pip install typst") from None
    from wealthlib import render

    docs = documents(Path(args.params), args.clients.split(","))
    for f in args.html:
        html = Path(f).read_text(encoding="utf-8")
        docs.append((Path(f).stem, render._pdf_lang(html), html))
    totals = [0.0, 0.0, 0, 0, 0]
    for name, lang, html in docs:
        w_s, w_pdf = _cpu(render._pdf_bytes, html)
        t_s, t_pdf = _cpu(typst_pdf, html, lang)
        w_text, t_text = body_text(w_pdf, html), body_text(t_pdf, html)
        same = w_text == t_text
        from collections import Counter

        missing = Counter(w_text) - Counter(t_text)  # characters today's PDF prints that typst's does not
        extra = Counter(t_text) - Counter(w_text)
        row = {"doc": name, "lang": lang, "weasyprint_cpu_s": round(w_s, 3), "typst_cpu_s": round(t_s, 3),
               "pages_weasyprint": _pages(w_pdf), "pages_typst": _pages(t_pdf), "text_equal": same,
               "chars_missing": "".join(sorted(missing.elements()))[:80], "chars_extra": "".join(sorted(extra.elements()))[:80],
               "fonts_weasyprint": _fonts(w_pdf), "fonts_typst": _fonts(t_pdf), "load": os.getloadavg()[0]}
        if not same:
            import difflib

            sm = difflib.SequenceMatcher(None, w_text, t_text, autojunk=False)
            row["text_similarity"] = round(sm.ratio(), 4)
        print(json.dumps(row, ensure_ascii=False))
        totals = [totals[0] + w_s, totals[1] + t_s, totals[2] + row["pages_weasyprint"],
                  totals[3] + row["pages_typst"], totals[4] + same]
    print(f"typst_ratio_to_weasyprint={totals[1] / totals[0]:.2f} pages_weasyprint={totals[2]} "
          f"pages_typst={totals[3]} text_equal={totals[4]}/{len(docs)}")


if __name__ == "__main__":
    main()
