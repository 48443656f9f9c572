"""The guard commands as people use them (issue 17): ``wealth verify``, ``wealth archive list``, ``wealth render
--allow-modified`` and ``--advisor``. Documents for ``verify`` are sealed here without a kernel; the end-to-end
test renders with ``wealth propose`` (and a batch review) and rebuilds with ``wealth verify --rebuild``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import nbformat
import pytest

from _cli import run_in_process as run, run_subprocess  # the end-to-end (slow) tests run the installed script
from _paths import ROOT

from wealthlib.guard.archive import archive_document
from wealthlib.guard.certs import make_self_signed, write_pem, write_pkcs12


@pytest.fixture()
def firm(params_copy) -> Path:
    """A params copy whose policy signs with a certificate made here (password from the environment)."""
    params = params_copy
    for name in ("firm", "other"):
        key, cert = make_self_signed(f"Test {name} signing", f"Test {name} Co.")
        write_pkcs12(params / "certs" / f"{name}.p12", key, cert, b"pw")
        write_pem(params / "certs" / f"{name}.crt", cert)
    policy = params / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    text = (text.replace("certificate: certs/demo-firm.p12", "certificate: certs/firm.p12")
                .replace("verify_certificate: certs/demo-firm.crt", "verify_certificate: certs/firm.crt")
                .replace("    demo_password: demo-only\n", ""))
    policy.write_text(text, encoding="utf-8")
    return params


def _sealed(params: Path, cert: str, out: Path) -> Path:
    import weasyprint

    from wealthlib.guard.signing import load_signing_key, seal_pdf
    from wealthlib.policy import load_policy

    import os

    os.environ["WEALTH_SIGNING_PASSWORD"] = "pw"
    os.environ["WEALTH_SIGNING_CERTIFICATE"] = str(params / "certs" / cert)
    try:
        key = load_signing_key(load_policy(params / "policy.yaml"), params)
    finally:
        del os.environ["WEALTH_SIGNING_CERTIFICATE"], os.environ["WEALTH_SIGNING_PASSWORD"]
    pdf = weasyprint.HTML(string="<p>VERIFY-ME</p>").write_pdf()
    out.write_bytes(seal_pdf(pdf, audit={"inputs_hash": "cd" * 32, "policy_version": "p"},
                             attachments={"wealth-inputs.json": b'{"files": {}}'}, key=key))
    return out


def test_verify_reports_the_firms_unchanged_document_and_exits_0(firm: Path, tmp_path: Path):
    doc = _sealed(firm, "firm.p12", tmp_path / "doc.pdf")
    proc = run("--params", str(firm), "verify", str(doc), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "signature: valid — intact, covers the entire file" in proc.stdout
    assert "Test firm signing" in proc.stdout and "— the firm's certificate" in proc.stdout
    assert "audit: inputs sha256:" + "cd" * 32 in proc.stdout


def test_verify_reports_a_changed_or_foreign_document_and_exits_1(firm: Path, tmp_path: Path):
    doc = _sealed(firm, "other.p12", tmp_path / "other.pdf")
    proc = run("--params", str(firm), "verify", str(doc), cwd=tmp_path)
    assert proc.returncode == 1 and "NOT the firm's certificate" in proc.stdout
    doc = _sealed(firm, "firm.p12", tmp_path / "doc.pdf")
    doc.write_bytes(doc.read_bytes() + b"\n% appended after signing\n")
    proc = run("--params", str(firm), "verify", str(doc), cwd=tmp_path)
    assert proc.returncode == 1 and "CHANGED after signing" in proc.stdout, proc.stdout


def test_archive_list_shows_what_was_given_when(params_copy, tmp_path: Path):
    params = params_copy
    archive_document(tmp_path / "archive", "lin", b"%PDF one", {}, {"kind": "proposal", "as_of": "2018-12-31",
                                                                      "inputs_hash": "ef" * 32})
    proc = run("--params", str(params), "archive", "list", "lin", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "lin" in proc.stdout and "proposal" in proc.stdout and "2018-12-31" in proc.stdout
    assert "sha256:efefefefefef" in proc.stdout
    proc = run("--params", str(params), "archive", "list", "lee", cwd=tmp_path)
    assert "nothing archived for lee yet" in proc.stdout


def test_render_refuses_a_modified_draft_and_an_advisor_another_advisors_client(tmp_path: Path, params_copy: Path):
    params = params_copy
    proc = run("--params", str(params), "draft", "lin", "--dir", str(tmp_path / "d"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    draft = tmp_path / "d" / "lin" / "proposal.ipynb"
    nb = nbformat.read(draft, as_version=4)
    # the changed cell's position in the draft, counted here (1-based, as an editor shows it)
    n = next(i for i, c in enumerate(nb.cells, 1) if c.get("id") == "sections-closing")
    nb.cells[n - 1].source = "print('保證年報酬 30%')"
    nbformat.write(nb, draft)
    proc = run("--params", str(params), "render", str(draft), cwd=tmp_path)
    assert proc.returncode == 1
    assert f"cell {n} ('sections-closing'), a code cell, was changed" in proc.stderr
    assert "--allow-modified" in proc.stderr and proc.stderr.strip().count("\n") == 0
    proc = run("--params", str(params), "draft", "lee", "--advisor", "adv-chen", "--dir", str(tmp_path / "d"),
               cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("error: advisor adv-chen may not see client 'lee': not in advisor adv-chen's "
                                   "book (guard.access.books)")
    proc = run("--params", str(params), "propose", "lee", "--advisor", "adv-chen", "--out", str(tmp_path / "o"),
               cwd=tmp_path)
    assert proc.returncode == 1 and "may not see client 'lee'" in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_propose_is_signed_archived_and_rebuilds(params_copy, tmp_path: Path):
    params = params_copy
    proc = run_subprocess("--params", str(params), "propose", "lin", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "o" / "lin.pdf"
    proc = run_subprocess("--params", str(params), "verify", str(pdf), "--rebuild", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "DEMO ONLY" in proc.stdout and "rebuild: matches" in proc.stdout
    archived = list((tmp_path / "archive" / "lin").glob("*.pdf"))
    assert [p.read_bytes() for p in archived] == [pdf.read_bytes()]
    proc = run_subprocess("--params", str(params), "archive", "list", "lin", cwd=tmp_path)
    assert archived[0].name in proc.stdout.replace("\n", "") or archived[0].name[:20] in proc.stdout


@pytest.mark.slow
def test_a_batch_review_pdf_carries_the_vintage_and_versions(params_copy, tmp_path: Path):
    """A batch PDF's audit record has what a proposal's has: checked against the params files read here."""
    import yaml

    params = params_copy
    proc = run_subprocess("--params", str(params), "batch", "review", "--quarter", "2018Q3", "--clients", "lin",
               "--format", "html,pdf", "--out", str(tmp_path / "o"), "--workers", "1", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pdf = tmp_path / "o" / "lin.pdf"
    proc = run_subprocess("--params", str(params), "verify", str(pdf), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    read = lambda name: yaml.safe_load((params / name).read_text(encoding="utf-8"))  # noqa: E731
    lin = read("clients/lin.yaml")
    qname = lin["kyc"]["questionnaire"]
    questionnaire = yaml.safe_load((ROOT / "wealthlib" / "data" / "questionnaires" / f"{qname}.yaml").read_text("utf-8"))
    audit = next(line for line in map(str.strip, out.splitlines()) if line.startswith("audit:"))
    assert f"policy {read('policy.yaml')['version']} ·" in audit, out
    assert f"shelf {read('products.yaml')['version']} ·" in audit, out
    assert f"questionnaire {qname} {questionnaire['version']} ·" in audit, out
    assert "2018-09-30" in audit and "?" not in audit, out  # the quarter's end; no version left unknown
    market = next(line for line in map(str.strip, out.splitlines()) if line.startswith("market:"))
    assert str(read("market.yaml")["version"]) in market and "?" not in market, out
    assert "data to 2018-09-30" in market, out  # the market as the review knew it, cut at the quarter's end


@pytest.mark.slow
def test_an_untouched_batch_review_rebuilds_to_a_match(params_copy, tmp_path: Path):
    params = params_copy
    proc = run_subprocess("--params", str(params), "batch", "review", "--quarter", "2018Q3", "--clients", "lin",
               "--format", "pdf", "--out", str(tmp_path / "o"), "--workers", "1", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_subprocess("--params", str(params), "verify", str(tmp_path / "o" / "lin.pdf"), "--rebuild", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rebuild: matches" in proc.stdout, proc.stdout
