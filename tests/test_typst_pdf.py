"""The second PDF engine (wealthlib._typst) against WeasyPrint, on the documents wealthlib/data/documents/pdf.yaml
has it print: the same number of pages, the same text on every page (pdftotext), the same embedded fonts
(pdffonts) and the same images (pdfimages). WeasyPrint, which prints print.css as written, is the reference.
And nothing a client or an advisor wrote is read as typst markup."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from _cli import run_in_process
from _paths import PARAMS
from _pdftext import fonts, images, page_texts, pages, poppler
from wealthlib import render

CN_BANK = PARAMS / "cn-bank"
REVIEWS = [(PARAMS, p.stem) for p in sorted((PARAMS / "clients").glob("*.yaml"))] + \
          [(CN_BANK, p.stem) for p in sorted((CN_BANK / "clients").glob("*.yaml"))]
FAST = {(PARAMS, "chen"), (CN_BANK, "wang")}  # one of each firm, zh-TW and zh-CN, in the fast tier


def review_html(firm: Path, client: str, sample_review) -> str:
    from wealthlib.clients import load_client
    from wealthlib.review import document_meta

    review = sample_review(client, firm)
    meta = document_meta(load_client(client, firm / "clients"), firm, "2018Q3")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": review.html()})])]
    return render.to_html(nb, lang=meta["lang"], title=meta["title"], footer=meta["footer"], audit=meta["audit"])


def test_the_documents_print_through_typst_as_the_data_says():
    data = yaml.safe_load((Path(render.__file__).parent / "data" / "documents" / "pdf.yaml").read_text("utf-8"))
    for kind in ("proposal", "review", "book"):
        assert data[kind] == "typst" and render.pdf_engine(kind) == "typst"
    assert render.pdf_engine(None) == data["default"] == "weasyprint"  # a document of no kind: print.css as written


def assert_same_print(html: str, min_images: int = 0) -> None:
    """``html`` printed by both engines: the same pages, each page's text, fonts, images and title."""
    weasy, typst = render._pdf_bytes(html, engine="weasyprint"), render._pdf_bytes(html, engine="typst")
    assert pages(typst) == pages(weasy)
    w_pages, t_pages = page_texts(weasy), page_texts(typst)
    for n, (w, t) in enumerate(zip(w_pages, t_pages), 1):
        assert t == w, f"page {n} differs"
    assert fonts(typst) == fonts(weasy)
    assert all(kind.startswith("CID") and emb == "yes" for _, kind, emb in fonts(typst))
    assert images(typst) == images(weasy) and len(images(typst)) >= min_images
    assert re.search(r"Title:\s+(.+)", poppler("pdfinfo", typst)).group(1) == \
        re.search(r"Title:\s+(.+)", poppler("pdfinfo", weasy)).group(1)


@pytest.mark.parametrize("firm,client", [
    pytest.param(f, c, id=f"{f.name}-{c}", marks=() if (f, c) in FAST else pytest.mark.slow) for f, c in REVIEWS])
def test_a_review_prints_the_same_through_both_engines(firm, client, sample_review):
    assert_same_print(review_html(firm, client, sample_review), min_images=2)  # the review's two charts


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """``made(args, path)``: the HTML ``wealth <args> --format html`` writes at ``path`` (under its ``--out``),
    each command run once a module."""
    out, done = tmp_path_factory.mktemp("made"), {}

    def get(args: tuple[str, ...], name: str):
        if args not in done:
            folder = out / str(len(done))
            done[args] = run_in_process(*args, "--format", "html", "--out", str(folder)), folder
        ran, folder = done[args]
        return ran, folder / name

    return get


@pytest.mark.parametrize("firm,client", [
    pytest.param(f, c, id=f"{f.name}-{c}", marks=() if (f, c) == (CN_BANK, "wang") else pytest.mark.slow)
    for f, c in REVIEWS])
def test_a_proposal_prints_the_same_through_both_engines(firm, client, made):
    # every sample client's proposal as `wealth propose` makes it (wang's: full-width marks side by side, a list
    # right under a paragraph at a page's foot), but those the product refuses to make
    ran, html = made(("--params", str(firm), "propose", client), f"{client}.html")
    if ran.returncode != 0:
        assert "expired" in ran.stderr and not html.exists()  # huang: KYC expired before the as-of date
        pytest.skip(ran.stderr.strip())
    assert_same_print(html.read_text(encoding="utf-8"), min_images=1)


BOOKS = [(PARAMS, "en"), (PARAMS, "zh-TW"), (CN_BANK, "zh-CN")]


@pytest.mark.slow
@pytest.mark.parametrize("firm,lang", BOOKS, ids=[f"{f.name}-{lang}" for f, lang in BOOKS])
def test_the_book_reports_print_the_same_through_both_engines(firm, lang, made):
    # the whole book's and each advisor's relationship report (CJK names in English lines; a one-row signature
    # table under a long audit table)
    ran, folder = made(("--params", str(firm), "book", "report", "--lang", lang), "")
    assert ran.returncode == 0, ran.stderr
    printed = sorted(folder.glob("*.html"))
    assert len(printed) >= 2  # the whole book's and at least one advisor's
    for html in printed:
        assert_same_print(html.read_text(encoding="utf-8"))


HOSTILE = ['#set page(width: 1pt)', '$x^2$', '*not bold*', '_not emph_', '] [ ) (', '"quoted" \\ back\\slash',
           '@ref <label>', '// not a comment', '/* nor this */', '#{panic("no")}', '= not a heading', '`raw`']


def test_client_text_is_printed_as_text_never_as_markup():
    # what an advisor may type into a document (a goal's name, a note): each one printed literally, on one page
    nb = nbformat.v4.new_notebook()
    body = "".join(f"<p>{line.replace('<', '&lt;').replace('>', '&gt;')}</p>" for line in HOSTILE)
    body += "<table><thead><tr><th>#strong[x]</th></tr></thead><tbody><tr><td class='num'>$1 #2</td></tr></tbody></table>"
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data",
                                                                              data={"text/html": body})])]
    html = render.to_html(nb, lang="en", title="#title[x]", footer="*f*", audit="a")
    pdf = render._pdf_bytes(html, engine="typst")
    assert pages(pdf) == 1
    text = re.sub(r"\s", "", poppler("pdftotext", pdf))
    for line in HOSTILE + ["#strong[x]", "$1#2", "#title[x]", "*f*"]:
        assert re.sub(r"\s", "", line) in text


def test_an_unknown_engine_is_refused_by_name():
    with pytest.raises(render.RenderError, match="unknown PDF engine 'nope'; use one of weasyprint, typst"):
        render._pdf_bytes("<html></html>", engine="nope")


def test_a_fork_of_a_process_that_has_compiled_still_prints(tmp_path):
    # typst compiles on threads a fork does not copy: the child of a process that has compiled (the test process,
    # now) compiles in a fresh process instead of waiting forever for them
    import os

    html = render.to_html(_one_paragraph("fork"), lang="en", title="t", footer="f", audit="a")
    render._pdf_bytes(html, engine="typst")
    out = tmp_path / "child.pdf"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        import signal

        signal.alarm(300)  # were it to hang, the child dies and the test fails, rather than the suite hanging
        try:
            out.write_bytes(render._pdf_bytes(html, engine="typst"))
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert "fork" in poppler("pdftotext", out.read_bytes())


def _one_paragraph(text: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data",
                                                                              data={"text/html": f"<p>{text}</p>"})])]
    return nb


EVERY_TAG = """
<h1>H1 heading</h1><h2>H2 heading</h2><h3>H3 heading</h3><h4>H4 heading</h4><h5>H5 heading</h5><h6>H6 heading</h6>
<p>plain <b>bold</b> <strong>strong</strong> <i>italic</i> <em>em</em> <u>under</u> <ins>ins</ins> <s>struck</s>
<del>deleted</del> <small>small</small> <sub>sub</sub> <sup>sup</sup> <code>code</code> <kbd>kbd</kbd> <q>quoted</q>
<abbr title="t">abbr</abbr> <span class="x">span</span> <a href="https://example.com/a?b=c">a link</a>
<a href="javascript:alert(1)">not a link</a> line<br>break long<wbr>word</p>
<blockquote><p>a quotation</p></blockquote><pre>pre line one
  pre line two</pre><hr>
<ul><li>bullet one</li><li>bullet <b>two</b><ul><li>nested bullet</li></ul></li></ul>
<ol><li>first</li><li>second</li></ol><dl><dt>term</dt><dd>definition</dd></dl>
<div><div>div in div</div></div>
<table><caption>the caption</caption><colgroup><col></colgroup>
<thead><tr><th colspan="2">two columns</th><th>third</th></tr></thead>
<tbody><tr><td rowspan="2">two rows</td><td class="num">1,234</td><td class="date">2018-09-30</td></tr>
<tr><td class="code">CODE-1</td><td><p>a paragraph in a cell</p></td></tr></tbody>
<tfoot><tr><td>foot</td><td></td><td class="num">9</td></tr></tfoot></table>
<p>中文段落：風險、報酬（年化）與費用。</p>
"""


@pytest.mark.parametrize("lang", ["en", "zh-TW", "zh-CN"])
def test_every_tag_the_sanitizer_allows_prints(lang):
    # what a review's advisor-written notes may hold (markdown and HTML through the allow-list): typst compiles it
    # and prints every word of it
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data",
                                                                              data={"text/html": EVERY_TAG})])]
    html = render.to_html(nb, lang=lang, title="every tag", footer="footer", audit="audit")
    pdf = render._pdf_bytes(html, engine="typst")
    text = re.sub(r"[\s\u200b]", "", poppler("pdftotext", pdf))  # <wbr> is a zero-width space
    for words in ["H1heading", "H6heading", "bold", "italic", "struck", "small", "code", "quoted", "alink",
                  "notalink", "linebreak", "longword", "aquotation", "prelineone", "prelinetwo", "bulletone",
                  "nestedbullet", "first", "second", "term", "definition", "divindiv", "thecaption", "twocolumns",
                  "tworows", "1,234", "2018-09-30", "CODE-1", "aparagraphinacell", "foot", "中文段落：風險、報酬（年化）與費用。"]:
        assert words in text, words
    assert "https://example.com/a?b=c" in poppler("pdfinfo", pdf, "-url") or b"example.com/a?b=c" in pdf


@pytest.mark.parametrize("classes", ["wealth-table", "wealth-table wl-wide", "wealth-table wl-wide wl-wider"])
def test_a_table_prints_at_the_size_print_css_gives_its_classes(classes):
    # print.css: a table 0.92 em, .wl-wide 0.78 em, .wl-wider 0.68 em (a nine-column table has both classes): the
    # height of a word in the table against one in the body, as WeasyPrint prints it
    body = f"<p>Body</p><table class='{classes}'><tbody><tr><td>Cell</td></tr></tbody></table>"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data",
                                                                              data={"text/html": body})])]
    html = render.to_html(nb, lang="en", title="t", footer="f", audit="a")

    def ratio(pdf: bytes) -> float:
        boxes = dict((w, float(y1) - float(y0)) for y0, y1, w in re.findall(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(Body|Cell)<', poppler("pdftotext", pdf, "-bbox")))
        return boxes["Cell"] / boxes["Body"]

    weasy, typst = ratio(render._pdf_bytes(html)), ratio(render._pdf_bytes(html, engine="typst"))
    assert typst == pytest.approx(weasy, rel=0.02)
    assert weasy == pytest.approx({"wealth-table": 0.92, "wealth-table wl-wide": 0.78}.get(classes, 0.68), rel=0.02)


@pytest.mark.parametrize("lang", ["en", "zh-TW", "zh-CN"])
def test_a_rare_character_prints_in_the_full_face_through_both_engines(lang):
    # 堃 is outside the common-use cut: both engines take it from the full face, and only it; a client's name in
    # an English document, full-width marks side by side and at a line's end, a list under a paragraph
    text = "客戶：陳堃（堃），" + "投資一定有風險，基金投資有賺有賠（申購前應詳閱公開說明書）。" * 6
    body = f"<p>Client 陳堃 (Chen Kun) and {text}</p><ul><li>{text}</li></ul>"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data",
                                                                              data={"text/html": body})])]
    html = render.to_html(nb, lang=lang, title="陳堃", footer="footer", audit="audit")
    assert_same_print(html)
    families = {name for name, _, _ in fonts(render._pdf_bytes(html, engine="typst"))}
    script = {"zh-CN": "sc"}.get(lang, "tc")
    assert f"notosanscjk{script}" in families and f"notosanscjk{script}common" in families, families


_FOUR_LINES = "Four lines of text in this one paragraph, or near enough to four lines of the page. " * 5
_LIST = "<ul><li>first item of the list, a line</li><li>second item</li><li>third item</li></ul>"
AT_A_PAGE_FOOT = {
    "a paragraph of four lines": f"<p>{_FOUR_LINES}</p>",  # print.css: p, li { orphans: 3; widows: 3 }
    "a list item of four lines": f"<ul><li>{_FOUR_LINES}</li></ul>",
    "a heading, a line, a list": f"<h2>Heading</h2><p>One line.</p>{_LIST}",  # UA: ol, ul { break-before: avoid }
}
# Not in the list: a paragraph of six lines or more right before a list, where the list does not fit under it.
# WeasyPrint breaks the paragraph and three of its lines go with the list; typst cannot keep a paragraph's last
# lines with the next block, and the whole paragraph goes (wealthlib/_typst.py, _join).


@pytest.mark.slow
@pytest.mark.parametrize("case", list(AT_A_PAGE_FOOT))
def test_what_css_keeps_together_at_a_page_foot_breaks_as_weasyprint_breaks_it(case):
    # the block is pushed down a line at a time (one-line list items above it) across the foot of the first page:
    # wherever the page ends, both engines print the same pages (typst by itself keeps two lines of a paragraph
    # at either end of a page, and breaks before a list; it failed so at 2 or 3 of these positions)
    for k in range(33, 42):
        filler = "<ol>" + "".join(f"<li>filler line {i}</li>" for i in range(k)) + "</ol><p>Between.</p>"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": filler + AT_A_PAGE_FOOT[case]})])]
        html = render.to_html(nb, lang="en", title="t", footer="f", audit="a")
        weasy, typst = render._pdf_bytes(html, engine="weasyprint"), render._pdf_bytes(html, engine="typst")
        assert page_texts(typst) == page_texts(weasy), f"{k} filler lines"
