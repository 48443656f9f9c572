"""``wealth verify --rebuild`` of a PDF made by ``wealth review`` (not a batch): an untouched review re-renders from
its embedded inputs to the same text on every page; a PDF changed after signing, a PDF whose embedded client file
was replaced and one whose embedded parameters ask for another locale are each refused — exit 1, the reason in
words, the verdict NOT OK."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from _cli import run_subprocess as run
from _paths import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def review_pdf(tmp_path_factory) -> tuple[Path, Path]:
    """lin's 2018Q3 review as ``wealth review`` prints it, and the params folder it was made from."""
    tmp = tmp_path_factory.mktemp("review-verify")
    params = tmp / "params"
    shutil.copytree(ROOT / "params", params)
    proc = run("--params", str(params), "review", "lin", "--quarter", "2018Q3", "--format", "pdf", "--out",
               str(tmp / "o"), cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (pdf,) = (tmp / "o").glob("*.pdf")
    return pdf, params


def _verify(pdf: Path, params: Path, *extra: str):
    return run("--params", str(params), "verify", str(pdf), *extra, cwd=pdf.parent)


def _with_attachment(pdf: Path, out: Path, name: str, change) -> Path:
    """A copy of ``pdf`` whose embedded file ``name`` is ``change(its bytes)`` (the signature no longer covers it)."""
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=str(pdf))
    stack = [w._root_object["/Names"]["/EmbeddedFiles"]]
    while stack:
        node = stack.pop().get_object()
        arr = node["/Names"].get_object() if "/Names" in node else []
        for i in range(0, len(arr), 2):
            if str(arr[i]) == name:
                stream = arr[i + 1].get_object()["/EF"]["/F"].get_object()
                stream.set_data(change(stream.get_data()))
        stack.extend(node["/Kids"].get_object() if "/Kids" in node else [])
    with out.open("wb") as f:
        w.write(f)
    return out


def test_an_untouched_review_rebuilds_to_a_match(review_pdf):
    pdf, params = review_pdf
    proc = _verify(pdf, params, "--rebuild")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rebuild: matches" in proc.stdout and "verdict: OK" in proc.stdout


def test_a_review_changed_after_signing_is_refused(review_pdf, tmp_path):
    pdf, params = review_pdf
    data = bytearray(pdf.read_bytes())
    at = data.index(b"/Producer")  # inside the signed byte range: one letter of the document information
    data[at + 1] = ord("Q")
    bad = tmp_path / "tampered.pdf"
    bad.write_bytes(bytes(data))
    proc = _verify(bad, params)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "signature: CHANGED after signing" in proc.stdout and "verdict: NOT OK" in proc.stdout


def test_a_review_whose_embedded_client_file_was_replaced_is_refused(review_pdf, tmp_path):
    pdf, params = review_pdf
    bad = _with_attachment(pdf, tmp_path / "other-client.pdf", "client.yaml", lambda b: b + b"\n# edited\n")
    proc = _verify(bad, params, "--rebuild")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "rebuild: DIFFERS — embedded input client.yaml is missing or does not match its recorded sha256" in proc.stdout
    assert "verdict: NOT OK" in proc.stdout


def test_a_review_whose_embedded_parameters_changed_rebuilds_to_a_difference(review_pdf, tmp_path):
    """The inputs ask for the English review of a client whose file says zh-TW: the re-render's pages differ."""
    pdf, params = review_pdf

    def english(raw: bytes) -> bytes:
        m = json.loads(raw)
        assert m["parameters"]["locale"] in ("", "zh-TW")  # lin's file: zh-TW (params/clients/lin.yaml)
        m["parameters"]["locale"] = "en"
        return json.dumps(m, ensure_ascii=False).encode("utf-8")

    bad = _with_attachment(pdf, tmp_path / "english.pdf", "wealth-inputs.json", english)
    proc = _verify(bad, params, "--rebuild")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "rebuild: DIFFERS — " in proc.stdout and "page" in proc.stdout, proc.stdout
    assert "verdict: NOT OK" in proc.stdout
