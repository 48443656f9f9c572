"""One audit value per review: a review printed by ``wealth batch review`` carries in its footer the reference
(first 16 hex digits) of the inputs hash printed whole on its audit page, and both equal what ``wealth review``
prints for the same inputs; the batch's resume key (its manifest's ``input_hash``) is another value, never
printed. Read back from the rendered HTML (and, for the PDF, from its sealed record)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from _cli import run_subprocess as run  # the installed console script, no traceback allowed

pytestmark = pytest.mark.slow

REF = re.compile(r"sha256:([0-9a-f]{16})(?![0-9a-f])")
FULL = re.compile(r"sha256:([0-9a-f]{64})")


#: The labels the review prints, read from the catalog (zh-TW: lin's language).
CATALOG = yaml.safe_load((Path(__file__).parents[1] / "wealthlib/data/i18n/documents.yaml").read_text(encoding="utf-8"))
AUDIT_PAGE, INPUTS_HASH = CATALOG["proposal_audit"]["zh-TW"], CATALOG["audit_inputs_hash"]["zh-TW"]


class _Printed(HTMLParser):
    """The footer lines (``<p class="wl-audit">``) and the audit page's rows (the table after its heading)."""

    def __init__(self):
        super().__init__()
        self.footers: list[str] = []
        self.rows: list[list[str]] = []
        self._text: list[str] | None = None
        self._h2 = self._after = False

    def handle_starttag(self, tag, attrs):
        if tag == "p" and ("class", "wl-audit") in attrs:
            self.footers.append("")
            self._text = self.footers
        elif tag == "h2":
            self._h2 = True
        elif tag == "tr" and self._after:
            self.rows.append([])
        elif tag in ("th", "td") and self._after:
            self.rows[-1].append("")
            self._text = self.rows[-1]

    def handle_endtag(self, tag):
        if tag in ("p", "th", "td"):
            self._text = None
        elif tag == "h2":
            self._h2 = False
        elif tag == "table":
            self._after = False

    def handle_data(self, data):
        if self._h2:
            self._after = data.strip() == AUDIT_PAGE
        elif self._text is not None:
            self._text[-1] += data


def _printed(html_file: Path) -> tuple[set[str], set[str]]:
    """The footer references of the document, and the inputs hash its audit page prints whole."""
    p = _Printed()
    p.feed(html_file.read_text(encoding="utf-8"))
    assert p.footers and p.rows, "no footer or no audit page"
    refs = {m for line in p.footers for m in REF.findall(line)}
    return refs, {m for label, value in p.rows if label.strip() == INPUTS_HASH for m in FULL.findall(value)}


def test_batch_review_footer_audit_page_and_wealth_review_print_one_audit_value(params_copy, tmp_path):
    from wealthlib.guard.signing import verify_pdf

    proc = run("--params", str(params_copy), "batch", "review", "--clients", "lin", "--format", "html,pdf",
               "--workers", "1", "--out", str(tmp_path / "batch"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = run("--params", str(params_copy), "review", "lin", "--format", "html", "--out", str(tmp_path / "one"),
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    batch_html, one_html = tmp_path / "batch" / "lin.html", tmp_path / "one" / "lin.html"

    refs, full = _printed(batch_html)
    assert len(full) == 1 and len(refs) == 1  # one value: the whole hash on the audit page, one footer reference
    (whole,) = full
    assert refs == {whole[:16]}
    manifest = json.loads((tmp_path / "batch" / "manifest.json").read_text(encoding="utf-8"))
    resume = [e["input_hash"] for e in manifest["clients"] if e["client"] == "lin"]
    assert resume and resume[0] and resume[0] not in batch_html.read_text(encoding="utf-8")  # the resume key is not printed
    assert resume[0][:16] not in whole

    assert _printed(one_html) == (refs, full)  # `wealth review` prints the same value
    # the market file (params/market.yaml's version): in short in every footer, whole on the audit page
    p = _Printed()
    p.feed(batch_html.read_text(encoding="utf-8"))
    market, label = yaml.safe_load((params_copy / "market.yaml").read_text(encoding="utf-8"))["version"], \
        CATALOG["audit_market_version"]["zh-TW"]
    assert all(f"{label} {market} ·" in line for line in p.footers), p.footers
    (row,) = [value for name, value in p.rows if name.strip() == label]
    assert re.fullmatch(rf"{re.escape(str(market))} · content [0-9a-f]{{16}}", row.strip())
    sealed = verify_pdf(tmp_path / "batch" / "lin.pdf").audit
    assert sealed["inputs_hash"] == whole and sealed["resume_key"] == resume[0]
