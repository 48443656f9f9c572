"""Signed, verifiable documents (issue 17, item 3). The documents here are printed by WeasyPrint and sealed by
wealthlib.guard.signing with certificates made by the test; tampering is done with other tools (raw bytes,
pypdf, pyHanko's own incremental writer) and must be reported as a change."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from wealthlib.guard.certs import make_self_signed, write_pem, write_pkcs12
from wealthlib.guard.signing import SigningKey, seal_pdf, verify_pdf

from _paths import ROOT
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """Two firms' certificates, each as PKCS#12 (password) and PEM."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.sign import signers

    folder = tmp_path_factory.mktemp("certs")
    out = {}
    for name in ("firm", "other"):
        key, cert = make_self_signed(f"Test {name} signing", f"Test {name} Co.")
        write_pkcs12(folder / f"{name}.p12", key, cert, b"pw-" + name.encode())
        write_pem(folder / f"{name}.crt", cert)
        signer = signers.SimpleSigner.load_pkcs12(str(folder / f"{name}.p12"), passphrase=b"pw-" + name.encode())
        out[name] = (SigningKey(signer, signer.signing_cert, folder / f"{name}.p12"),
                     load_cert_from_pemder(str(folder / f"{name}.crt")))
    out["folder"] = folder
    return out


@pytest.fixture(scope="module")
def printed() -> bytes:
    import weasyprint

    html = "".join(f"<p style='page-break-after: always'>第 {i} 頁 PAGE-{i} 林志明</p>" for i in range(1, 4))
    return weasyprint.HTML(string=html).write_pdf()


AUDIT = {"inputs_hash": "ab" * 32, "policy_version": "p-1", "as_of": "2018-12-31", "data_vintage": "v"}
INPUTS = {"wealth-inputs.json": json.dumps({"files": {}, "parameters": {"client": "lin"}}).encode(),
          "client.yaml": "name: 林志明\n".encode()}


def _signed(tmp_path: Path, printed: bytes, key) -> Path:
    path = tmp_path / "doc.pdf"
    path.write_bytes(seal_pdf(printed, audit=AUDIT, attachments=INPUTS, key=key))
    return path


def test_untouched_signed_pdf_verifies_and_carries_audit_and_inputs(tmp_path, printed, certs):
    key, firm = certs["firm"]
    v = verify_pdf(_signed(tmp_path, printed, key), firm)
    assert v.ok and v.signed and v.intact and not v.changed and v.firm is True
    assert v.coverage == "ENTIRE_FILE"
    assert v.audit == AUDIT
    assert v.files["client.yaml"] == INPUTS["client.yaml"] and v.inputs["parameters"] == {"client": "lin"}
    assert "Test firm signing" in v.signer
    # read back with another library too: pypdf sees the attachments and the info entry
    from pypdf import PdfReader

    r = PdfReader(tmp_path / "doc.pdf")
    assert r.attachments["client.yaml"] == [INPUTS["client.yaml"]]
    assert json.loads(r.metadata["/WealthAudit"]) == AUDIT


def test_one_byte_changed_is_reported(tmp_path, printed, certs):
    key, firm = certs["firm"]
    path = _signed(tmp_path, printed, key)
    data = bytearray(path.read_bytes())
    i = len(data) // 3  # inside the first signed byte range (the signature's own bytes sit near the end)
    contents = data.index(b"/Contents <")
    assert i < contents
    data[i] = (data[i] + 1) % 256
    path.write_bytes(bytes(data))
    v = verify_pdf(path, firm)
    assert not v.ok and v.changed


def test_a_page_removed_and_a_resave_by_pypdf_are_reported(tmp_path, printed, certs):
    from pypdf import PdfReader, PdfWriter

    key, firm = certs["firm"]
    path = _signed(tmp_path, printed, key)
    for drop in (True, False):
        w = PdfWriter(clone_from=PdfReader(path))
        if drop:
            w.remove_page(1)
        out = tmp_path / f"resaved-{drop}.pdf"
        with open(out, "wb") as fh:
            w.write(fh)
        v = verify_pdf(out, firm)
        assert not v.ok and v.changed, (drop, v.lines())


def test_an_appended_info_only_update_is_reported_as_changed(tmp_path, printed, certs):
    """pyHanko itself calls this signature valid (coverage ENTIRE_REVISION): wealthlib must not."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    key, firm = certs["firm"]
    path = _signed(tmp_path, printed, key)
    w = IncrementalPdfFileWriter(io.BytesIO(path.read_bytes()))
    info = w.prev.trailer_view["/Info"].get_object()
    forged = generic.DictionaryObject({generic.NameObject(k): v for k, v in info.items()})
    forged[generic.NameObject("/WealthAudit")] = generic.TextStringObject(json.dumps({**AUDIT, "policy_version": "forged"}))
    w.set_info(forged)
    buf = io.BytesIO()
    w.write(buf)
    path.write_bytes(buf.getvalue())

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    status = validate_pdf_signature(PdfFileReader(io.BytesIO(buf.getvalue())).embedded_signatures[0],
                                    ValidationContext(trust_roots=[firm]))
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_REVISION"  # pyHanko: "valid"
    v = verify_pdf(path, firm)
    assert not v.ok and v.changed and "not the entire file" in " ".join(v.problems)


def test_signed_by_another_certificate_is_not_the_firms(tmp_path, printed, certs):
    other_key, _ = certs["other"]
    _, firm = certs["firm"]
    v = verify_pdf(_signed(tmp_path, printed, other_key), firm)
    assert v.intact and not v.changed and v.firm is False and not v.ok
    assert any("NOT the firm's certificate" in line for line in v.lines())


def test_unsigned_document_is_reported(tmp_path, printed, certs):
    v = verify_pdf(_signed(tmp_path, printed, None), certs["firm"][1])
    assert not v.signed and not v.ok and v.audit == AUDIT


def test_signing_key_from_policy_and_environment(tmp_path, certs, monkeypatch):
    from wealthlib.guard.rules import GuardRules, SigningRules
    from wealthlib.guard.signing import SigningError, load_signing_key

    class P:
        def __init__(self, **kw):
            self.guard = GuardRules(signing=SigningRules(**kw))

    folder = certs["folder"]
    monkeypatch.delenv("WEALTH_SIGNING_PASSWORD", raising=False)
    assert load_signing_key(P(), folder) is None
    with pytest.raises(SigningError, match="set WEALTH_SIGNING_PASSWORD"):
        load_signing_key(P(certificate="firm.p12"), folder)
    monkeypatch.setenv("WEALTH_SIGNING_PASSWORD", "wrong")
    with pytest.raises(SigningError, match="wrong password"):
        load_signing_key(P(certificate="firm.p12"), folder)
    monkeypatch.setenv("WEALTH_SIGNING_PASSWORD", "pw-firm")
    assert "Test firm" in load_signing_key(P(certificate="firm.p12"), folder).certificate.subject.human_friendly
    monkeypatch.delenv("WEALTH_SIGNING_PASSWORD")
    with pytest.raises(SigningError, match="DEMO certificates only"):  # a demo password for a real certificate
        load_signing_key(P(certificate="firm.p12", demo_password="pw-firm"), folder)
    demo = load_signing_key(P(certificate=str(ROOT / "params/certs/demo-firm.p12"), demo_password="demo-only"), folder)
    assert "DEMO ONLY" in demo.certificate.subject.human_friendly


@pytest.mark.slow
@needs_poppler
def test_rendered_draft_is_signed_verifies_and_rebuilds(tmp_path):
    import nbformat

    from wealthlib.documents import render_draft, write_draft
    from wealthlib.guard.signing import firm_certificate, rebuild
    from wealthlib.policy import load_policy

    draft = write_draft(ROOT / "templates" / "proposal.ipynb", "lin", tmp_path / "d", params=ROOT / "params",
                        as_of=date(2018, 12, 31))
    nb = nbformat.read(draft, as_version=4)
    next(c for c in nb.cells if c.get("id") == "advisor-rationale").source = "REBUILD-WORDS 適合您的目標。"
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = cell.source.replace("exclude = []", 'exclude = ["CORP-BAA10"]')
    nbformat.write(nb, draft)
    pdf = render_draft(draft, tmp_path / "out", ("pdf",))["pdf"]
    firm = firm_certificate(load_policy(ROOT / "params" / "policy.yaml"), ROOT / "params")
    v = verify_pdf(pdf, firm)
    assert v.ok, v.lines()
    assert v.inputs["advisor_text"] == {"rationale": "REBUILD-WORDS 適合您的目標。"}
    assert v.inputs["parameters"]["exclude"] == ["CORP-BAA10"]
    assert v.files["client.yaml"] == (ROOT / "params" / "clients" / "lin.yaml").read_bytes()
    assert rebuild(v, pdf, tmp_path / "rb") == []


def test_the_firm_signer_signs_each_document_once_and_every_copy_verifies(tmp_path, printed, certs, monkeypatch):
    """pyHanko sizes a signature's room in a dry run; the firm's signer (``load_signing_key``) signs for real only
    in the first dry run, so three documents cost four RSA signatures, not six as with a plain SimpleSigner, its
    key is decoded from DER once, not at each of the six, and each document still verifies over the entire file."""
    from types import SimpleNamespace

    from cryptography.hazmat.primitives import serialization

    from wealthlib.guard.signing import load_signing_key

    monkeypatch.setenv("TEST_FIRM_P12_PW", "pw-firm")
    cfg = SimpleNamespace(certificate_env="TEST_FIRM_P12_UNSET", certificate=str(certs["folder"] / "firm.p12"),
                          password_env="TEST_FIRM_P12_PW", demo_password=None)
    key = load_signing_key(SimpleNamespace(guard=SimpleNamespace(signing=cfg)), tmp_path)
    real = []
    sign_raw = key.signer.sign_raw
    monkeypatch.setattr(key.signer, "sign_raw", lambda data, digest: real.append(digest) or sign_raw(data, digest))
    decoded = []
    load_der = serialization.load_der_private_key
    monkeypatch.setattr(serialization, "load_der_private_key", lambda *a, **k: decoded.append(1) or load_der(*a, **k))
    firm = certs["firm"][1]
    for i in range(3):
        path = tmp_path / f"doc-{i}.pdf"
        path.write_bytes(seal_pdf(printed, audit=AUDIT, attachments=INPUTS, key=key))
        v = verify_pdf(path, firm)
        assert v.ok and v.signed and v.intact and v.firm is True and v.coverage == "ENTIRE_FILE"
    assert real == ["sha256"] * 4
    assert len(decoded) == 1
