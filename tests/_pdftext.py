"""Reading a PDF back through poppler (pdfinfo, pdftotext, pdffonts, pdfimages), as the tests that compare the two
PDF engines do (tests/test_typst_pdf.py); benchmarks/pdf_engines.py compares with the same functions."""

from __future__ import annotations

import re
import subprocess
import tempfile


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    """What poppler's ``tool`` prints for the PDF ``pdf`` (bytes)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        out = [fh.name, "-"] if tool == "pdftotext" else [fh.name]
        return subprocess.run([tool, *args, *out], capture_output=True, text=True, check=True).stdout


def pages(pdf: bytes) -> int:
    return int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", pdf)).group(1))


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text in drawing order, without white space (the engines place words identically but may emit
    spaces between glyph runs differently), bullets, middle dots and zero-width spaces: the CJK face has one
    glyph for U+2022 and U+00B7, which WeasyPrint's text maps back to the one and typst's to the other."""
    out = []
    for i in range(1, pages(pdf) + 1):
        text = poppler("pdftotext", pdf, "-raw", "-f", str(i), "-l", str(i))
        out.append(re.sub(r"[\s•·\u200b]", "", text))
    return out


def fonts(pdf: bytes) -> list[tuple[str, str, str]]:
    """(family, kind, embedded) of each font: the subset tag, punctuation, ``Regular`` and typst's ``-Identity-H``
    suffix dropped from the name (WeasyPrint writes ``Noto-Sans-CJK-TC-Common``, typst
    ``NotoSansCJKTCCommon-Regular-Identity-H``)."""
    rows = [line.split() for line in poppler("pdffonts", pdf).splitlines()[2:] if line.strip()]
    out = []
    for r in rows:
        name = re.sub(r"-Identity-H$", "", r[0].split("+", 1)[-1])
        name = re.sub(r"[^a-z]", "", name.lower()).removesuffix("regular")
        out.append((name, r[1], r[-5]))
    return sorted(out)


def images(pdf: bytes) -> list[tuple[str, str]]:
    """(width, height) in pixels of each image drawn (soft masks left out)."""
    rows = [line.split() for line in poppler("pdfimages", pdf, "-list").splitlines()[2:] if line.strip()]
    return sorted((r[3], r[4]) for r in rows if r[2] == "image")
