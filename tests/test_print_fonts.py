"""The PDF's print fonts (wealthlib/_print_fonts.py): Noto Sans CJK cut to the characters of common use, the full
face for any other character; fonts embedded as CID fonts, never Type 3; the same pages and text as a PDF printed
with WeasyPrint's own font look-up. Checked through what the PDF prints (poppler's pdftotext and pdffonts)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from wealthlib import _print_fonts as PF
from wealthlib import render as R
from wealthlib._html import table

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
needs_fc = pytest.mark.skipif(PF._font_file("Noto Sans CJK TC", "Regular") is None,
                              reason="Noto Sans CJK (fonts-noto-cjk) not installed")

#: A character of Taiwanese given names outside GB2312 and Big5 level 1 (陳堃): it must still print.
RARE = "堃"


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty font cache and no stylesheet parsed yet in this process."""
    monkeypatch.setenv("WEALTHLIB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(PF, "_styles", {})
    return tmp_path / "cache" / "fonts"


def test_common_use_is_gb2312_and_big5_level_1():
    """Counts from the standards themselves: GB2312 has 6,763 Han characters, Big5 level 1 (常用字) 5,401."""
    cps = PF.common_codepoints()
    han = [chr(c) for c in cps if 0x4E00 <= c < 0xA000]

    def encodes(ch, enc):
        try:
            return ch.encode(enc)
        except UnicodeEncodeError:
            return None

    assert sum(1 for ch in han if encodes(ch, "gb2312")) == 6763
    big5_level_1 = [ch for ch in han if (b := encodes(ch, "big5")) and 0xA440 <= int.from_bytes(b, "big") <= 0xC67E]
    assert len(big5_level_1) == 5401
    # and nothing else: every Han character kept is one of the two sets
    assert len(han) == len({*big5_level_1, *(ch for ch in han if encodes(ch, "gb2312"))})
    assert ord(RARE) not in cps and ord("陳") in cps and ord("陈") in cps and ord("⚠") in cps


def _pdffonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def _document(extra: str = "") -> str:
    """A multi-page zh-TW document of ours: headings, paragraphs, a wide table of amounts, the audit footer."""
    rows = [[f"台灣高股息基金 第{i}號", f"新臺幣 {i * 12345:,} 元", f"{i * 0.37:.2f}%", "2018年9月30日"] for i in range(1, 40)]
    cells = [nbformat.v4.new_markdown_cell(f"## 第 {k} 節 投資組合檢視\n\n" + "投資一定有風險，基金投資有賺有賠，申購前應詳閱公開說明書。" * 12
                                           + extra) for k in range(1, 5)]
    code = nbformat.v4.new_code_cell("")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": table(["商品", "市值", "比重", "日期"], rows)})]
    nb = nbformat.v4.new_notebook(cells=[*cells, code])
    return R.to_html(nb, lang="zh-TW", title="季度檢視報告", footer="過去績效不代表未來績效之保證。",
                     audit="輸入資料雜湊值: ae55fe06 · 基準日: 2018-09-30 · 系統版本: wealthlib 0.1.0")


@pytest.mark.slow  # writes PDFs / cuts a CJK face (fast tier: README)
@needs_poppler
@needs_fc
def test_pdf_prints_common_and_rare_characters_in_embedded_cid_fonts(fresh_cache, tmp_path):
    html = _document(extra=f"\n\n客戶：陳{RARE}（{RARE}）")
    pdf = R.to_pdf(html, tmp_path / "doc.pdf")
    text = _text(pdf)
    assert f"客戶：陳{RARE}（{RARE}）" in text and "投資一定有風險" in text and "新臺幣 123,450 元" in text
    fonts = _pdffonts(pdf)
    names = [f[0].split("+", 1)[-1] for f in fonts]
    assert "Noto-Sans-CJK-TC-Common" in names and "Noto-Sans-CJK-TC-Common-Bold" in names, names
    assert "Noto-Sans-CJK-TC" in names, names  # the full face, for the rare character only
    assert not any(re.search(r"CJK-(JP|SC|KR|HK)", n) for n in names), names  # Traditional shapes only
    for f in fonts:
        assert f[1] == "CID" and f[-5] == "yes", f  # CID-keyed and embedded: never Type 3
    # the cut faces were made into the cache once
    made = sorted(p.name for p in fresh_cache.iterdir())
    assert len(made) == 2 and all(n.startswith("noto-sans-cjk-tc-") and n.endswith(".otf") for n in made), made


@pytest.mark.slow  # writes PDFs / cuts a CJK face (fast tier: README)
@needs_poppler
@needs_fc
def test_without_rare_characters_the_full_face_is_not_embedded(fresh_cache, tmp_path):
    names = [f[0].split("+", 1)[-1] for f in _pdffonts(R.to_pdf(_document(), tmp_path / "doc.pdf"))]
    assert "Noto-Sans-CJK-TC" not in names and "Noto-Sans-Mono-CJK-TC" not in names, names


@pytest.mark.slow  # writes PDFs / cuts a CJK face (fast tier: README)
@needs_poppler
@needs_fc
def test_same_pages_and_text_as_weasyprint_with_its_own_fonts(fresh_cache, tmp_path):
    import weasyprint

    html = _document(extra=f"\n\n陳{RARE}")
    ours = R.to_pdf(html, tmp_path / "ours.pdf")
    plain = tmp_path / "plain.pdf"  # the export as it was: fontconfig's full faces, nothing shared
    weasyprint.HTML(string=html).write_pdf(plain)
    assert _pages(ours) == _pages(plain) >= 2
    assert _text(ours) == _text(plain)


@pytest.mark.slow  # writes PDFs / cuts a CJK face (fast tier: README)
@needs_poppler
def test_without_the_cut_faces_the_full_faces_print(fresh_cache, tmp_path, monkeypatch):
    monkeypatch.setattr(PF, "_font_file", lambda family, style: None)  # as on a machine without fontconfig's tools
    assert PF.print_stylesheet("zh-TW", R.FONT_STACK["zh-TW"]) is None
    pdf = R.to_pdf(_document(), tmp_path / "doc.pdf")
    names = [f[0].split("+", 1)[-1] for f in _pdffonts(pdf)]
    assert "Noto-Sans-CJK-TC" in names and not any("Common" in n for n in names), names
    assert "投資一定有風險" in _text(pdf)
    assert not fresh_cache.exists()


@pytest.mark.slow  # writes PDFs / cuts a CJK face (fast tier: README)
@needs_fc
def test_cut_face_is_reused_not_remade(fresh_cache):
    first = PF.common_face("TC", 400)
    stamp = first.stat().st_mtime_ns
    assert PF.common_face("TC", 400) == first and first.stat().st_mtime_ns == stamp
    assert 1_000_000 < first.stat().st_size < 10_000_000  # the cut, not a copy of the 19 MB collection



@pytest.mark.slow  # prints PDFs
def test_the_font_folder_is_released_by_the_process_that_made_it_only():
    """WeasyPrint keeps a document's @font-face files in a temporary folder that it removes when the font
    configuration is collected; left to interpreter teardown, that clean-up can find WeasyPrint's module already
    emptied ("Exception ignored in FontConfiguration.__del__") and leave the folder behind. At exit the process
    that made the configuration releases it while the interpreter is whole; a forked child (a kernel, a batch
    worker sharing its template's folder) must not."""
    import os

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<p>資產配置 abc</p>"})])]
    page = R.to_html(nb, lang="zh-TW", title="t", footer="f", audit="a")
    assert R._pdf_bytes(page).startswith(b"%PDF")
    folder = Path(PF.font_config()._folder)
    assert folder.is_dir()
    PF._release(os.getpid() + 1)  # as in a child: not the process that made it
    assert folder.is_dir() and PF._font_config is not None
    PF._release(os.getpid())
    assert not folder.exists() and PF._font_config is None
    assert R._pdf_bytes(page).startswith(b"%PDF")  # the next PDF makes a new one
