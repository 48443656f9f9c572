"""The render pipeline with real parts: a papermill kernel, nbconvert, WeasyPrint, poppler.

The tiny template (tests/data/render/tiny.ipynb) has a ``parameters`` cell, a Chinese heading, a pandas table,
a matplotlib chart with a CJK title, stdout/stderr/warning noise, a markdown cell with raw ``<script>`` and
``<img onerror>``, and shows client-provided text (name, note) in markdown and in a DataFrame.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from wealthlib import render as R
from wealthlib.errors import WealthError

TINY = Path(__file__).parent / "data" / "render" / "tiny.ipynb"
HOSTILE_NAME = "陳大文 <script>alert(1)</script>"
HOSTILE_NOTE = "<img src=x onerror=alert(3)> <script>alert(1)</script>"
PARAMS = {"client_name": HOSTILE_NAME, "client_note": HOSTILE_NOTE, "audit_token": "INJECTED-ONLY-7f3a"}
FOOTER = "投資一定有風險，基金投資有賺有賠，申購前應詳閱公開說明書。\nPast performance does not guarantee future results."
AUDIT = "inputs=sha256:abc123 policy=v1 wealthlib=0.1.0"

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


# ------------------------------------------------------------------------------------------ fast, no kernel


@pytest.mark.parametrize("stem", ["../x", "/etc/passwd", "a/b", "a\\b", "", ".hidden", "..", "x..y", "a b", "c" * 200])
def test_unsafe_stem_rejected_before_anything_runs(tmp_path, stem):
    with pytest.raises(R.RenderError, match="unsafe output name"):
        R.render(TINY, {}, tmp_path / "out", stem, lang="en", title="t")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("stem", ["C001", "wang-xiaoming_2018Q3", "c.1"])
def test_safe_stems(stem):
    assert R.check_stem(stem) == stem


def test_render_error_is_a_wealth_error():
    assert issubclass(R.RenderError, WealthError)


def test_unknown_format_and_locale(tmp_path):
    with pytest.raises(R.RenderError, match="docx"):
        R.render(TINY, {}, tmp_path, "c1", formats=("docx",), lang="en", title="t")
    with pytest.raises(ValueError, match="locale"):
        R.render(TINY, {}, tmp_path, "c1", lang="fr", title="t")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_str_bytes_chunks(tmp_path):
    p = tmp_path / "sub" / "a.txt"
    R.write_atomic(p, "王小明")
    assert p.read_text(encoding="utf-8") == "王小明"
    R.write_atomic(p, b"bytes")
    assert p.read_bytes() == b"bytes"
    R.write_atomic(p, (c for c in ["a", b"b", "c"]))
    assert p.read_bytes() == b"abc"
    assert oct(p.stat().st_mode & 0o777) == oct(0o644)
    assert [q.name for q in p.parent.iterdir()] == ["a.txt"]


def test_write_atomic_keeps_old_file_when_data_fails_midway(tmp_path):
    p = tmp_path / "report.html"
    p.write_text("OLD")

    def chunks():
        yield "NEW PART ONE"
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        R.write_atomic(p, chunks())
    assert p.read_text() == "OLD"
    assert [q.name for q in tmp_path.iterdir()] == ["report.html"]  # no temp file left behind


def test_write_atomic_keeps_old_file_when_replace_fails(tmp_path, monkeypatch):
    p = tmp_path / "report.pdf"
    p.write_bytes(b"OLD")

    def boom(src, dst):
        raise OSError("replace failed")

    monkeypatch.setattr(R.os, "replace", boom)
    with pytest.raises(OSError, match="replace failed"):
        R.write_atomic(p, b"NEW")
    assert p.read_bytes() == b"OLD"
    assert [q.name for q in tmp_path.iterdir()] == ["report.pdf"]


def test_sanitizer_keeps_tables_escapes_active_content():
    import pandas as pd

    table = pd.DataFrame({"name": ["<script>alert(1)</script>", "王"]})._repr_html_()
    out = R._clean_html(table)
    assert "<thead>" in out and "<th>" in out and "<tbody>" in out  # nbconvert's own clean_html escapes these
    assert "<style" not in out and "vertical-align" not in out  # pandas' scoped style block dropped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    raw = (
        '<p>a <script>alert(1)</script> b</p><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
        '<img src="https://cdn.example/x.png"><img src="data:image/png;base64,AAAA" onload="alert(4)">'
    )
    out = R._clean_html(raw)
    assert re.search(r"<script", out, re.I) is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out  # visible text, in place
    assert "onerror" not in out and "onload" not in out and "javascript:" not in out
    assert "cdn.example" not in out
    assert '<img src="data:image/png;base64,AAAA">' in out


# ------------------------------------------------------------------------------------------ real kernel


@pytest.fixture(scope="module")
def executed():
    return R.execute(TINY, PARAMS, timeout=120)


@pytest.fixture(scope="module")
def html_tw(executed):
    return R.to_html(executed, lang="zh-TW", title="資產配置建議書 測試", footer=FOOTER, audit=AUDIT)


@pytest.mark.slow
def test_execute_injects_parameters(executed):
    assert executed.metadata.papermill.parameters["client_name"] == HOSTILE_NAME
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    assert ["injected-parameters"] in tags


@pytest.mark.slow
def test_html_is_clean_offline_and_sanitized(html_tw):
    h = html_tw
    assert h.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-Hant-TW">' in h
    assert "Traceback" not in h
    assert "In&nbsp;[" not in h and "In [" not in h and "Out[" not in h
    # no scripts of any kind, nothing fetched
    assert re.search(r"<script", h, re.I) is None
    assert re.search(r"<link\b", h, re.I) is None
    assert re.search(r"""src=["']?(https?:|//)""", h, re.I) is None
    assert "mathjax" not in h.lower() and "require.js" not in h.lower()
    # no code, no stream noise
    assert "import pandas" not in h and "plt.subplots" not in h
    assert "STDOUT-NOISE" not in h and "STDERR-NOISE" not in h and "WARNING-NOISE" not in h
    # client text and raw HTML in markdown are visible text, never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in h
    assert re.search(r"<img[^>]*onerror", h, re.I) is None
    assert "陳大文" in h
    # content survived: Chinese heading, a real table, the chart embedded
    assert "資產配置建議書（測試範本）" in h and "投資建議" in h
    assert "<thead>" in h and "<th>權重</th>" in h
    assert "data:image/png;base64," in h
    # locale font stack and page furniture
    assert '"Noto Sans CJK TC"' in h
    assert "counter(pages)" in h and "A4" in h
    assert "投資一定有風險" in h and "sha256:abc123" in h


@pytest.mark.slow
def test_parameters_and_injected_cells_removed(html_tw):
    for marker in ("INJECTED-ONLY-7f3a", "PARAM-DEFAULT-TOKEN", "audit_token", "client_note =", "Parameters"):
        assert marker not in html_tw, marker


@pytest.mark.slow
@pytest.mark.parametrize(
    "lang,attr,font", [("en", "en", '"Liberation Sans"'), ("zh-CN", "zh-Hans-CN", '"Noto Sans CJK SC"')]
)
def test_html_lang_and_font_per_locale(executed, lang, attr, font):
    h = R.to_html(executed, lang=lang, title="Proposal", footer="Past performance …", audit="a")
    assert f'<html lang="{attr}">' in h
    assert f"html, body {{ font-family: {font}" in h


@pytest.mark.slow
def test_to_html_refuses_notebook_with_error_output(executed):
    nb = nbformat.from_dict(executed)
    nb.cells[3].outputs = [
        nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=["Traceback …", "KeyError: 'x'"])
    ]
    with pytest.raises(R.RenderError, match="cell 4 holds an error output.*KeyError"):
        R.to_html(nb, lang="en", title="t")


def _pdffonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


@pytest.mark.slow
@needs_poppler
def test_pdf_text_fonts_and_paper(html_tw, tmp_path):
    from pypdf import PdfReader

    pdf = R.to_pdf(html_tw, tmp_path / "doc.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "資產配置建議書（測試範本）" in text
    assert "陳大文" in text
    assert "<script>alert(1)</script>" in text  # the hostile name, as inert text
    assert "第 1 頁，共 1 頁" in text
    assert "投資一定有風險" in text and "sha256:abc123" in text
    assert "Traceback" not in text
    fonts = _pdffonts(pdf)
    names = [f[0] for f in fonts]
    assert any("Noto-Sans-CJK-TC" in n for n in names), names
    assert not any(re.search(r"CJK-(JP|SC|KR|HK)", n) for n in names), names  # TC shapes only
    # every font embedded: the "emb" column (third from the right before object id) says yes
    for f in fonts:
        assert f[-5] == "yes", f
    page = PdfReader(str(pdf)).pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(w - 595.3) < 1 and abs(h - 841.9) < 1  # A4 in points


@pytest.mark.slow
def test_failing_cell_becomes_render_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(R.RenderError) as info:
        R.render(TINY, {"fail": True}, out, "c1", formats=("html", "pdf", "ipynb"), lang="en", title="t")
    err = info.value
    msg = str(err)
    # cell 4 of the template as its author sees it (papermill's injected cell is not counted)
    assert msg == "tests/data/render/tiny.ipynb: cell 4: ValueError: the sample failure for tests" or msg.endswith(
        "tiny.ipynb: cell 4: ValueError: the sample failure for tests"
    ), msg
    assert err.cell == 4 and err.ename == "ValueError"
    assert "Traceback" not in msg and "\x1b[" not in msg
    assert "ValueError" in err.traceback and "raise ValueError" in err.traceback  # kept for developers
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.slow
def test_unknown_parameter_is_refused(tmp_path):
    with pytest.raises(R.RenderError, match="unknown parameter.*clent_name"):
        R.render(TINY, {"clent_name": "x"}, tmp_path, "c1", lang="en", title="t")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_missing_template_and_kernel(tmp_path):
    with pytest.raises(R.RenderError, match="no such notebook"):
        R.execute(tmp_path / "nope.ipynb", {})
    with pytest.raises(R.RenderError, match="execution stopped: NoSuchKernel"):
        R.execute(TINY, {}, kernel_name="no-such-kernel-xyz")


@pytest.mark.slow
@needs_poppler
def test_render_writes_every_format_atomically(tmp_path):
    out = tmp_path / "reports"
    paths = R.render(
        TINY,
        {"client_name": "林美華", "client_note": "Retiring in 2030."},
        out,
        "C001",
        formats=("html", "pdf", "ipynb"),
        lang="zh-TW",
        title="資產配置建議書",
        footer=FOOTER,
        audit=AUDIT,
    )
    assert paths == {f: out / f"C001.{f}" for f in ("html", "pdf", "ipynb")}
    assert sorted(p.name for p in out.iterdir()) == ["C001.html", "C001.ipynb", "C001.pdf"]
    assert "林美華" in paths["html"].read_text(encoding="utf-8")
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    nbformat.validate(nbformat.read(paths["ipynb"], as_version=4))


@pytest.mark.slow
@needs_poppler
def test_render_notebook_authoring_round_trip(tmp_path):
    """Draft → edit a parameter and a markdown cell with nbformat → render exactly that draft."""
    draft_dir = tmp_path / "drafts" / "C002"
    draft_dir.mkdir(parents=True)
    draft = draft_dir / "proposal.ipynb"
    nb = nbformat.read(TINY, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = params.source.replace('"王小明"', '"張志明"')
    nb.cells.append(nbformat.v4.new_markdown_cell("### 為何適合您\n\n顧問親筆：<script>x()</script> 保守配置。"))
    nbformat.write(nb, draft)

    paths = R.render_notebook(draft, lang="zh-TW", title="草稿", footer=FOOTER, audit=AUDIT)
    assert paths == {"html": draft_dir / "proposal.html", "pdf": draft_dir / "proposal.pdf"}
    h = paths["html"].read_text(encoding="utf-8")
    assert "張志明" in h and "王小明" not in h
    assert "顧問親筆：&lt;script&gt;x()&lt;/script&gt; 保守配置。" in h
    text = subprocess.run(["pdftotext", str(paths["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "為何適合您" in text and "張志明" in text
    assert nbformat.read(draft, as_version=4).cells[1].outputs == []  # the draft itself is not modified

    # export an already-executed notebook as it is, without running it again
    R.render(TINY, {}, tmp_path / "exec", "ran", formats=("ipynb",), lang="en", title="t")
    paths2 = R.render_notebook(
        tmp_path / "exec" / "ran.ipynb", tmp_path / "again", formats=("html",), execute_first=False,
        lang="en", title="t",
    )  # fmt: skip
    assert "王小明" in paths2["html"].read_text(encoding="utf-8")
    with pytest.raises(R.RenderError, match="give out_dir"):
        R.render_notebook(draft, formats=("ipynb",), lang="en", title="t")


@pytest.mark.slow
def test_no_kernel_left_behind(executed):
    import psutil

    kids = [p for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
    assert kids == []


@needs_poppler
def test_every_page_has_footer_audit_and_page_of_pages(tmp_path):
    """A multi-page document (markdown only, no kernel): footer and 'Page N of M' on every page."""
    cells = [nbformat.v4.new_markdown_cell(f"## Section {i}\n\n" + "Lorem ipsum dolor sit amet. " * 60) for i in range(12)]
    nb = nbformat.v4.new_notebook(cells=cells)
    html = R.to_html(nb, lang="en", title="Quarterly review", footer="Past performance does not guarantee future results.", audit="inputs=sha256:feed")
    pdf = R.to_pdf(html, tmp_path / "long.pdf")
    from pypdf import PdfReader

    n = len(PdfReader(str(pdf)).pages)
    assert n >= 2
    for page in range(1, n + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert f"Page {page} of {n}" in text, text[-300:]
        assert "Past performance does not guarantee future results." in text
        assert "inputs=sha256:feed" in text
    names = [f[0] for f in _pdffonts(pdf)]
    assert any("Liberation" in n for n in names), names  # a Latin face first for en


def test_write_all_atomic_writes_all_or_nothing(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"old pdf")
    (tmp_path / "a.html").mkdir()  # a folder where the HTML should go: the second write fails
    with pytest.raises(R.WriteError, match=r"a\.html: cannot write"):
        R.write_all_atomic({tmp_path / "a.pdf": b"new pdf", tmp_path / "a.html": "<p>new</p>"})
    assert (tmp_path / "a.pdf").read_bytes() == b"old pdf"  # untouched, not half of a new pair
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.pdf"]  # no temporary files left
    out = R.write_all_atomic({tmp_path / "b.pdf": b"1", tmp_path / "b.html": "2"})
    assert (tmp_path / "b.pdf").read_bytes() == b"1" and (tmp_path / "b.html").read_text() == "2"
    assert out == [tmp_path / "b.pdf", tmp_path / "b.html"]


def test_export_leaves_no_pdf_when_the_html_cannot_be_written(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hello")])
    (tmp_path / "doc.html").mkdir()
    with pytest.raises(R.WriteError, match=r"doc\.html: cannot write"):
        R.export(nb, tmp_path, "doc", ("pdf", "html"), lang="en", title="t", footer="", audit="")
    assert not (tmp_path / "doc.pdf").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["doc.html"]
