"""One audit value per document: a proposal printed by ``wealth batch propose`` carries in every page's footer
the reference (first 16 hex digits) of the inputs hash printed whole on its audit page, and both equal what
``wealth propose`` prints for the same inputs; the PDF's sealed record is that same record, with the batch's
resume key beside it under its own name. Read back with pdftotext and the PDF's embedded record."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from _cli import run_subprocess as run  # the installed console script, no traceback allowed

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")]

REF = re.compile(r"sha256:([0-9a-f]{16})(?![0-9a-f])")
FULL = re.compile(r"sha256:([0-9a-f]{64})")


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def _printed(pdf: Path) -> tuple[set[str], set[str]]:
    """The footer references of every page, and the whole hashes the document prints."""
    pages = _pages(pdf)
    refs = [set(REF.findall(p)) for p in pages]
    assert all(refs), "a page without the audit reference in its footer"
    return set().union(*refs), set(FULL.findall("\n".join(pages)))


def test_batch_footer_audit_page_and_wealth_propose_print_one_audit_value(params_copy, tmp_path):
    from wealthlib.guard.signing import verify_pdf

    proc = run("--params", str(params_copy), "batch", "propose", "--clients", "lin", "--format", "pdf",
               "--workers", "1", "--out", str(tmp_path / "batch"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = run("--params", str(params_copy), "propose", "lin", "--format", "pdf", "--out", str(tmp_path / "one"),
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    batch_pdf, one_pdf = tmp_path / "batch" / "lin.pdf", tmp_path / "one" / "lin.pdf"

    sealed = verify_pdf(batch_pdf).audit
    inputs_hash = sealed["inputs_hash"]
    refs, full = _printed(batch_pdf)
    assert refs == {inputs_hash[:16]}  # the same short reference on every page
    assert inputs_hash in full  # and the whole hash on the audit page
    assert sealed["resume_key"] != inputs_hash and sealed["resume_key"] not in "".join(_pages(batch_pdf))
    assert sealed["target_weights"]  # the proposal's own record: `wealth accept` can read it

    # the market file (params/market.yaml's version) on every page's footer and, with its content hash, on the
    # audit page (labels: wealthlib/data/i18n/documents.yaml, lin's zh-TW)
    import yaml

    root = Path(__file__).parents[1]
    market = yaml.safe_load((params_copy / "market.yaml").read_text(encoding="utf-8"))["version"]
    label = yaml.safe_load((root / "wealthlib/data/i18n/documents.yaml").read_text(encoding="utf-8"))[
        "audit_market_version"]["zh-TW"]
    pages = _pages(batch_pdf)
    assert all(f"{label} {market}" in " ".join(pg.split()) for pg in pages)
    assert re.fullmatch(rf"{re.escape(str(market))} · content [0-9a-f]{{16}}", sealed["market_version"])
    assert sealed["market_version"].split()[-1] in "".join(pages)  # (the layout may wrap the audit page's row)

    one_refs, one_full = _printed(one_pdf)
    assert one_refs == refs and one_full == full  # inputs hash and template fingerprint alike
    assert verify_pdf(one_pdf).audit["inputs_hash"] == inputs_hash


def test_the_footer_names_the_questionnaire_by_its_version_only():
    """A page footer a client reads carries no file id (issue 12 item 7: 「問卷版本 firm_kyc 2018.1」 printed
    the questionnaire file's id on every page); the audit page keeps the whole record."""
    from wealthlib._doc.audit import audit_line

    a = {"inputs_hash": "ab" * 32, "market_version": "2026.12.1 · content 0123", "policy_version": "demo-2026.11",
         "questionnaire_version": "firm_kyc 2018.1, cn_bank_risk 2018.1-cn", "disclosures_version": "2026.12.1",
         "software_version": "0.1.0", "overrides": "—"}
    line = audit_line(a, "zh-TW", override=False)
    assert "問卷版本 2018.1, 2018.1-cn" in line and "firm_kyc" not in line and "cn_bank_risk" not in line
