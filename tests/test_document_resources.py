"""A document loads only what is its own: embedded raster images and the package's files. WeasyPrint's fetcher
refuses the file system and the network; SVG is sanitized before it reaches a document. Checked through what the
PDF holds (poppler's ``pdfimages -list``)."""

from __future__ import annotations

import base64
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from wealthlib import render  # noqa: E402
from wealthlib._svg import sanitize_svg  # noqa: E402


def _png(path):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, 1])
    fig.savefig(path, format="png", dpi=50)
    plt.close(fig)
    return path.read_bytes()


def _images(pdf) -> int:
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return len(out.splitlines()) - 2  # two header lines


@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils not installed")
def test_the_pdf_embeds_data_images_but_never_reads_a_file(tmp_path):
    png = _png(tmp_path / "local.png")
    b64 = base64.b64encode(png).decode()
    render.to_pdf(f'<html><body><img src="data:image/png;base64,{b64}"></body></html>', tmp_path / "data.pdf")
    assert _images(tmp_path / "data.pdf") >= 1  # the image (and its alpha mask)
    render.to_pdf(f'<html><body><img src="{(tmp_path / "local.png").as_uri()}"></body></html>', tmp_path / "file.pdf")
    assert _images(tmp_path / "file.pdf") == 0
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
           f'height="10"><image xlink:href="{(tmp_path / "local.png").as_uri()}" width="10" height="10"/></svg>')
    svg_b64 = base64.b64encode(svg.encode()).decode()
    render.to_pdf(f'<html><body><img src="data:image/svg+xml;base64,{svg_b64}"></body></html>', tmp_path / "svg.pdf")
    assert _images(tmp_path / "svg.pdf") == 0


def test_the_fetcher_allows_the_package_and_embedded_rasters_only():
    f = render._document_fetcher()
    assert f.fetch((render.TEMPLATE_DIR / "print.css").as_uri()).read().startswith(b"")
    assert f.fetch("data:image/png;base64,iVBORw0KGgo=").read() == base64.b64decode("iVBORw0KGgo=")
    for url in ("file:///etc/passwd", "https://example.org/x.png", "http://127.0.0.1/", "data:image/svg+xml;base64,PHN2Zy8+",
                "data:text/html,<b>x</b>", (render.TEMPLATE_DIR / ".." / ".." / "params" / "policy.yaml").as_uri(),
                "ftp://example.org/x"):
        with pytest.raises(ValueError):
            f.fetch(url)


def test_sanitize_svg_removes_what_reaches_outside_and_keeps_a_chart():
    hostile = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="x()">'
               '<script>alert(1)</script><image xlink:href="file:///etc/passwd"/><use xlink:href="https://e.org/a#b"/>'
               '<use xlink:href="#glyph"/><rect style="fill:url(https://e.org/p)" fill="url(#grad)"/>'
               '<style>@import url(file:///etc/x.css); .a{fill:url(file:///y)}</style>'
               '<foreignObject><div>x</div></foreignObject><a href="javascript:x()"><text>t</text></a></svg>')
    clean = sanitize_svg(hostile)
    for bad in ("script", "alert", "onload", "passwd", "e.org", "@import", "file:", "foreignObject", "javascript"):
        assert bad not in clean, bad
    assert 'href="#glyph"' in clean and 'fill="url(#grad)"' in clean and "<text>t</text>" in clean.replace("ns0:", "")
    assert sanitize_svg("<!DOCTYPE svg [<!ENTITY a 'aaaa'>]><svg xmlns='http://www.w3.org/2000/svg'>&a;</svg>") == ""
    assert sanitize_svg("not svg at all") == ""
    # a matplotlib chart keeps every path and glyph reference
    import io

    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1, 0, 2], label="Save $5k")
    ax.legend()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    original = buf.getvalue()
    kept = sanitize_svg(original)
    assert kept.count("<path") == original.count("<path") and kept.count("<use") == original.count("<use")
