"""Layout checks from the printed PDF (issue 12 item 7), one proposal per locale, read with ``pdftotext
-bbox-layout`` (every line with its box): no table header word split across lines (「風險等/級」), no table row
alone at the top of a page, nothing printed beyond the page's right margin.

A header's words are its Chinese runs, cut at spaces, brackets, slashes and the label's own U+200B marks (the
places a long header may break); pdftotext prints each line of a table cell as a line of its own at the
cell's left (or, right-aligned, right) edge, so a split word is a line ending in its start over a line at the
same edge beginning with its rest. A table continued on a page starts with its repeated header at the
table's cell inset; its body rows are told apart by the gap between rows (wider than between a cell's lines)."""

from __future__ import annotations

import html as _html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from _cli import run_subprocess as run
from _paths import BANK, PARAMS, ROOT

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")]

CASES = {"zh-TW": (PARAMS, "lin"), "en": (PARAMS, "morgan"), "zh-CN": (BANK, "wang")}
LINE, MARGIN = 14.5, 45.35  # pt: a line in a cell (in the tables' usual type), the page margin
CELL = 16  # characters: a line of a table cell is at most this long (a paragraph's are longer)
HEAD_RE = re.compile(r"<thead>(.*?)</thead>", re.S)


def _text(h: str) -> str:
    return _html.unescape(re.sub(r"<[^>]+>", "", h)).strip()


def header_words(src: str) -> set[str]:
    """The Chinese words of every table header (and of the signature blocks' labels) of an HTML document."""
    cells = [c for head in HEAD_RE.findall(src) for c in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    cells += re.findall(r'<table class="wl-signature[^"]*">(.*?)</table>', src, re.S)
    return {w for c in cells for w in re.split(r"[\s\u200b（）()／/、·：:_]+", _text(c))
            if len(w) >= 2 and re.search(r"[\u3400-\u9fff]", w)}


def pdf_lines(pdf: Path) -> list[tuple[float, list[tuple[float, float, float, str]]]]:
    """Per page: its width and its lines ``(x_min, y_min, x_max, text)`` top to bottom."""
    bbox = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = []
    for width, page in re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', bbox, re.S):
        lines = []
        for attrs, words in re.findall(r"<line (.*?)>(.*?)</line>", page, re.S):
            x0, y0, x1 = (float(v) for v in re.findall(r'[xy]M(?:in|ax)="([\d.]+)"', attrs)[:3])
            lines.append((x0, y0, x1, "".join(_html.unescape(w) for w in re.findall(r">([^<]*)</word>", words))))
        pages.append((float(width), sorted(lines, key=lambda ln: (ln[1], ln[0]))))
    return pages


def split_words(pages, words: set[str]) -> list[str]:
    found = []
    for n, (_, lines) in enumerate(pages, 1):
        for x0, y0, x1, a in lines:
            for u0, v0, u1, b in lines:
                if not (0.5 * LINE < v0 - y0 < 1.4 * LINE and (abs(x0 - u0) < 0.6 or abs(x1 - u1) < 0.6)):
                    continue
                if len(a) > CELL or len(b) > CELL:  # a paragraph's lines, not a cell's
                    continue
                for w in words:
                    if w not in a and w not in b and any(a.endswith(w[:k]) and b.startswith(w[k:])
                                                         for k in range(1, len(w))):
                        found.append(f"page {n}: {a}/{b}")
    return sorted(set(found))


def lone_rows(pages, heads: set[str]) -> list[str]:
    found = []
    for n, (_, lines) in enumerate(pages, 1):
        body = [ln for ln in lines[1:]]  # the running header first
        if not body:
            continue
        left = min(ln[0] for ln in body)
        x = body[0][0]
        if not 4 < x - left < 8:  # the page does not start inside a table (a cell is inset by its padding)
            continue
        after = [ln[1] for ln in body if ln[0] < x - 3]
        end = after[0] if after else None
        col = [(y0, t) for x0, y0, _, t in body if abs(x0 - x) < 0.6 and (end is None or y0 < end)
               and not any(h.startswith(t) for h in heads)]  # the repeated header left out
        gaps = [b[0] - a[0] for a, b in zip(col, col[1:])]
        # a cell's wrapped lines are closer than rows: the smallest gap is a line's, unless all gaps are alike
        pitch = min(gaps) if gaps and max(gaps) > 1.2 * min(gaps) else 0.0
        rows: list[list] = []
        for y0, t in col:
            if rows and y0 - rows[-1][0] <= 1.2 * pitch:
                rows[-1] = [y0, rows[-1][1] + t]
            else:
                rows.append([y0, t])
        if len(rows) == 1 and end is not None:
            found.append(f"page {n}: {rows[0][1][:30]}")
    return found


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("layout")
    docs = {}
    for loc, (firm, client) in CASES.items():
        proc = run("--params", str(firm), "propose", client, "--lang", loc, "--as-of", "2018-12-31",
                   "--out", str(out / loc))
        assert proc.returncode == 0, proc.stderr
        src = (out / loc / f"{client}.html").read_text(encoding="utf-8")
        docs[loc] = (src, pdf_lines(out / loc / f"{client}.pdf"))
    return docs


@pytest.mark.parametrize("loc", list(CASES))
def test_no_table_header_word_is_split_across_lines(printed, loc):
    src, pages = printed[loc]
    words = header_words(src)
    assert loc == "en" or len(words) > 30  # the check reads the headers it means to
    assert split_words(pages, words) == []


@pytest.mark.parametrize("loc", list(CASES))
def test_no_listed_word_of_a_table_cell_is_split_across_lines(printed, loc):
    """The words wealthlib/data/terms/words.yaml lists (product and goal names' 「指數」, 「基金」, 「份額」…) are
    never cut at a line's end inside a table cell (「QDII纳斯达克综合指/数基金」 was)."""
    import yaml

    words = yaml.safe_load((ROOT / "wealthlib" / "data" / "terms" / "words.yaml").read_text(encoding="utf-8"))["words"]
    src, pages = printed[loc]
    assert loc == "en" or sum(w in src for w in words) > 5  # the document prints some of them
    assert split_words(pages, {w for w in words if len(w) >= 2}) == []


@pytest.mark.parametrize("loc", list(CASES))
def test_no_table_row_alone_at_the_top_of_a_page(printed, loc):
    src, pages = printed[loc]
    heads = {re.sub(r"\s+", "", _text(c)) for h in HEAD_RE.findall(src) for c in re.findall(r"<th[^>]*>(.*?)</th>", h, re.S)}
    assert lone_rows(pages, heads) == []


@pytest.mark.parametrize("loc", list(CASES))
def test_nothing_prints_beyond_the_right_margin(printed, loc):
    _, pages = printed[loc]
    over = [(n, round(max(ln[2] for ln in lines))) for n, (width, lines) in enumerate(pages, 1)
            if lines and max(ln[2] for ln in lines) > width - MARGIN + 1]
    assert over == []


#: seven- and eight-column tables of other documents: the review's contribution table (chen's long product
#: names beside eight-figure amounts), a bank client's product table
MORE = {"chen review zh-TW": (PARAMS, ["review", "chen", "--quarter", "2018Q3"]),
        "liu proposal zh-CN": (BANK, ["propose", "liu", "--as-of", "2018-12-31"])}


@pytest.fixture(scope="module")
def printed_more(tmp_path_factory):
    out = tmp_path_factory.mktemp("layout_more")
    docs = {}
    for name, (firm, args) in MORE.items():
        proc = run("--params", str(firm), *args, "--format", "pdf", "--out", str(out / args[1]))
        assert proc.returncode == 0, proc.stderr
        docs[name] = pdf_lines(out / args[1] / f"{args[1]}.pdf")
    return docs


@pytest.mark.parametrize("name", list(MORE))
def test_wide_tables_of_other_documents_stay_inside_the_margin(printed_more, name):
    pages = printed_more[name]
    over = [(n, round(max(ln[2] for ln in lines))) for n, (width, lines) in enumerate(pages, 1)
            if lines and max(ln[2] for ln in lines) > width - MARGIN + 1]
    assert over == []


def test_the_checks_find_what_they_look_for():
    """The detectors on made-up page lines: a split header word, a lone row, and their absence."""
    head = [(0.0, [(464, 20, 550, "Header"), (51.15, 53.7, 90, "資產類別"), (51.15, 73.8, 80, "股票"),
                   (45.35, 102.9, 90, "依商品")])]
    assert lone_rows(head, {"資產類別"}) == ["page 1: 股票"]
    two = [(0.0, head[0][1][:3] + [(51.15, 93.8, 80, "債券"), (45.35, 122.9, 90, "依商品")])]
    assert lone_rows(two, {"資產類別"}) == []
    split = [(0.0, [(277.0, 127.3, 300, "風險等"), (277.0, 141.7, 290, "級")])]
    assert split_words(split, {"風險等級"}) == ["page 1: 風險等/級"]
    assert split_words([(0.0, [(277.0, 127.3, 300, "風險等級"), (277.0, 141.7, 290, "說明")])], {"風險等級"}) == []
