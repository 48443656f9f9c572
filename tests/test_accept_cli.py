"""``wealth accept``: a signed proposal PDF's audit hash and target weights recorded as the client's decision
(the client YAML untouched), the review after it measuring drift against that target, the book counting it;
bad input is one line naming file and field, exit 1, no traceback, no client value."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from _cli import run_subprocess as run  # the installed console script, no traceback allowed
from _paths import ROOT

from wealthlib.book import build_book
from wealthlib.records import open_store
from wealthlib.review import CASH, build_review


def _audit_of(pdf: Path) -> dict:
    """The audit record in the PDF's document information, read with pypdf (not the workbench's reader)."""
    from pypdf import PdfReader

    return json.loads(PdfReader(io.BytesIO(pdf.read_bytes())).metadata["/WealthAudit"])


@pytest.fixture(scope="module")
def proposal(tmp_path_factory):
    """lin's proposal as of 2018-06-30, signed and archived in a copy of the shipped params."""
    base = tmp_path_factory.mktemp("accept")
    params = base / "params"
    shutil.copytree(ROOT / "params", params)
    proc = run("--params", str(params), "propose", "lin", "--as-of", "2018-06-30", "--format", "pdf",
               "--out", str(base / "o"), cwd=base)
    assert proc.returncode == 0, proc.stderr
    return base, params, base / "o" / "lin.pdf"


@pytest.mark.slow
def test_accept_records_the_proposals_target_and_the_review_drifts_against_it(proposal):
    base, params, pdf = proposal
    before = (params / "clients" / "lin.yaml").read_bytes()
    proc = run("--params", str(params), "accept", "lin", "--proposal", str(pdf), "--date", "2018-07-10", cwd=base)
    assert proc.returncode == 0, proc.stderr
    assert (params / "clients" / "lin.yaml").read_bytes() == before  # the advisor's YAML is never rewritten
    audit = _audit_of(pdf)
    with open_store(params) as s:
        (d,) = s.decisions("lin")
        docs = s.documents("lin")
    assert d.decision == "accepted" and d.proposal_hash == audit["inputs_hash"]
    assert d.target == pytest.approx(audit["target_weights"]) and abs(sum(d.target.values()) - 1) < 1e-6
    assert [x["kind"] for x in docs] == ["proposal"]  # the archive's index is in the store
    r = build_review("lin", params=params, quarter="2018Q3", locale="en")
    tgt = r.drift.set_index("code").drop(CASH)["target"]
    assert tgt[tgt > 0].to_dict() == pytest.approx(audit["target_weights"], abs=1e-6)
    a = build_book(params=params, as_of="2018-09-30").acceptance.set_index("advisor")
    assert a.loc["adv-chen", ["proposals", "accepted", "declined", "pending"]].tolist() == [1, 1, 0, 0]


@pytest.mark.slow
@pytest.mark.parametrize("args,expected", [
    (["chen", "--date", "2018-07-10"], "lin.pdf: client: the proposal is not this client's"),
    (["lin", "--date", "2018-06-01"], "lin.pdf: --date: the decision is dated before the proposal"),
    (["lin", "--date", "10/07/2018"], "--date: not a date in YYYY-MM-DD form"),
    (["lin", "--date", "2018-07-10", "--declined", " "], "lin.pdf: --declined: give the client's reason"),
])
def test_bad_input_is_one_line_naming_file_and_field(proposal, args, expected):
    base, params, pdf = proposal
    proc = run("--params", str(params), "accept", *args[:1], "--proposal", str(pdf), *args[1:], cwd=base)
    assert proc.returncode == 1
    assert expected in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "林" not in proc.stderr and "10/07/2018" not in proc.stderr


@pytest.mark.slow
def test_a_changed_or_missing_pdf_is_refused(proposal, tmp_path):
    base, params, pdf = proposal
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(pdf.read_bytes() + b"\n% appended\n")
    proc = run("--params", str(params), "accept", "lin", "--proposal", str(changed), "--date", "2018-07-10", cwd=base)
    assert proc.returncode == 1 and "changed.pdf: signature: the proposal is not signed by the firm or changed" in proc.stderr
    proc = run("--params", str(params), "accept", "lin", "--proposal", str(tmp_path / "none.pdf"), "--date", "2018-07-10",
               cwd=base)
    assert proc.returncode == 1 and "none.pdf: --proposal: no such file" in proc.stderr
