"""Our documents' PDF through both engines, WeasyPrint and typst (wealthlib/_typst.py), on the same HTML (issue 14,
item 1): CPU seconds, pages, the text of every page, embedded fonts.

WeasyPrint lays our documents out in Python, most of it line breaking, the automatic table layout and drawing;
no option of its (fonts, caches, compression, hinting) halves that while keeping the same pages. The second engine
maps the same HTML and print.css's rules to typst (wealthlib/_typst.py: CSS line boxes as text edges, margins
collapsed as CSS collapses them, the automatic table layout, the rows CSS keeps together, the margin boxes) and
compiles it. This benchmark prints each sample client's quarterly review (every client of params/ and
params/cn-bank, built in this process as the floor of benchmarks/batch.py builds them), each client's proposal and
the relationship reports in each language the firm's clients read (``wealth propose`` / ``wealth book report
--format html``, run here; ``--reviews-only`` leaves them out) and any HTML given with ``--html`` through both,
and compares: CPU seconds (best of 3, warm, each from a
collected heap), pages, the text of each page (pdftotext, without white space and list markers: WeasyPrint draws
a list's markers after its items), the embedded fonts (pdffonts: family, CID, embedded).

    .venv/bin/python benchmarks/pdf_engines.py [--reviews-only] [--html more.html ...]

One JSON line per document; the last line ``typst_ratio_to_weasyprint=… pages_weasyprint=… pages_typst=…
pages_equal=k/n text_equal=k/n fonts_equal=k/n``.

Measured 2026-12-04 (quiet machine), the 8 sample reviews: WeasyPrint 0.34-0.70 s a review, typst 0.04-0.07 s ->
``typst_ratio_to_weasyprint=0.10``, every page of every review the same text, the same 50 pages, the same fonts;
hence ``wealthlib/data/documents/pdf.yaml`` prints reviews with typst. The 7 sample proposals (``--html``): the
same page counts (14-18 pages each) and fonts, but not yet the same text on every page (ordered-list markers, and
some page breaks inside tables one row apart): proposals stay with WeasyPrint. After nine-column tables took
print.css's size (23:10 UTC), with the 9 book reports added (``wealth book report --format html`` of both firms, in
en, zh-TW and zh-CN): ``typst_ratio_to_weasyprint=0.11 pages_weasyprint=190 pages_typst=190 pages_equal=24/24
text_equal=15/24 fonts_equal=24/24`` -- the 8 reviews and 7 of 9 book reports the same on every page. With every
list marker drawn after the page's body and the signature table's headers whole (23:08 UTC): ``text_equal=21/24``
(6 of 7 proposals; wang's differs where typst compresses adjacent CJK punctuation).

2026-12-05 01:07 UTC (load ~1), full-width marks at full width, lists kept with the block before them, CJK runs in
English lines placed by their face's metrics: ``typst_ratio_to_weasyprint=0.11 pages_weasyprint=190
pages_typst=190 pages_equal=24/24 text_equal=24/24 fonts_equal=24/24`` (proposals 0.82-1.27 s vs 0.10-0.14 s,
book reports 0.31-0.44 s vs 0.04-0.06 s); so pdf.yaml prints proposals and book reports with typst too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from _pdftext import fonts, page_texts  # noqa: E402  (the tests' comparison, read the same way)


def typst_pdf(html: str, lang: str) -> bytes:
    from wealthlib import render

    return render._pdf_bytes(html, engine="typst")


def _cpu(fn, *args, reps: int = 3) -> tuple[float, bytes]:
    import gc

    fn(*args)  # warm-up: imports, fonts
    best, out = float("inf"), b""
    for _ in range(reps):
        gc.collect()
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


def made(params: Path, out: Path) -> list[Path]:
    """The HTML of each client's proposal and of the relationship reports (the whole book's and each advisor's)
    in each language the firm's clients read, as ``wealth propose`` and ``wealth book report`` write them. A
    proposal the product refuses (an expired KYC) is left out."""
    import subprocess

    import yaml

    def wealth(folder: Path, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "wealthlib.cli", "--params", str(params), *args, "--format", "html",
                        "--out", str(folder)], capture_output=True, cwd=ROOT, check=False)

    langs = set()
    for client in sorted((params / "clients").glob("*.yaml")):
        langs.add(yaml.safe_load(client.read_text(encoding="utf-8"))["locale"])
        wealth(out, "propose", client.stem)
    for lang in sorted(langs):  # each language's reports in a folder of its own (they share file names)
        wealth(out / lang, "book", "report", "--lang", lang)
    return sorted(out.rglob("*.html"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", nargs="*", default=[str(ROOT / "params"), str(ROOT / "params" / "cn-bank")],
                    help="params folders: every client's review, proposal and the relationship reports")
    ap.add_argument("--reviews-only", action="store_true", help="only the reviews (built in this process)")
    ap.add_argument("--html", nargs="*", default=[], help="more documents: HTML files of ours")
    args = ap.parse_args(argv)
    import tempfile

    from wealthlib import render

    docs, html_files = [], list(args.html)
    tmp = tempfile.TemporaryDirectory(prefix="pdf-engines-")
    for folder in map(Path, args.params):
        docs += documents(folder, sorted(p.stem for p in (folder / "clients").glob("*.yaml")))
        if not args.reviews_only:
            html_files += made(folder, Path(tmp.name) / folder.name)
    for f in html_files:
        html = Path(f).read_text(encoding="utf-8")
        docs.append((f"{Path(f).parent.name}/{Path(f).stem}", render._pdf_lang(html), html))  # firm or language
    w_total = t_total = 0.0
    counts = {"pages_weasyprint": 0, "pages_typst": 0, "pages_equal": 0, "text_equal": 0, "fonts_equal": 0}
    for name, lang, html in docs:
        w_s, w_pdf = _cpu(render._pdf_bytes, html)
        t_s, t_pdf = _cpu(typst_pdf, html, lang)
        w_pages, t_pages = page_texts(w_pdf), page_texts(t_pdf)
        row = {"doc": name, "lang": lang, "weasyprint_cpu_s": round(w_s, 3), "typst_cpu_s": round(t_s, 3),
               "pages_weasyprint": len(w_pages), "pages_typst": len(t_pages),
               "pages_differing": [i for i, (w, t) in enumerate(zip(w_pages, t_pages), 1) if w != t],
               "text_equal": w_pages == t_pages, "fonts_equal": fonts(w_pdf) == fonts(t_pdf),
               "fonts_typst": fonts(t_pdf), "load": round(os.getloadavg()[0], 2)}
        print(json.dumps(row, ensure_ascii=False))
        w_total, t_total = w_total + w_s, t_total + t_s
        counts["pages_weasyprint"] += row["pages_weasyprint"]
        counts["pages_typst"] += row["pages_typst"]
        counts["pages_equal"] += row["pages_weasyprint"] == row["pages_typst"]
        counts["text_equal"] += row["text_equal"]
        counts["fonts_equal"] += row["fonts_equal"]
    n = len(docs)
    print(f"typst_ratio_to_weasyprint={t_total / w_total:.2f} pages_weasyprint={counts['pages_weasyprint']} "
          f"pages_typst={counts['pages_typst']} pages_equal={counts['pages_equal']}/{n} "
          f"text_equal={counts['text_equal']}/{n} fonts_equal={counts['fonts_equal']}/{n}")


if __name__ == "__main__":
    main()
