"""Signed, verifiable documents: every PDF carries its audit record and the exact inputs it was built from,
and is signed with the firm's certificate (PAdES, pyHanko).

:func:`seal_pdf` takes the PDF WeasyPrint printed and appends, in one incremental update, the audit record in
the document information (``/WealthAudit``, JSON) and the inputs as embedded files (PDF attachments):
``wealth-inputs.json`` (template and its fingerprint, parameter values, advisor texts, market and software
versions, sha256 of every file) and the files themselves (``client.yaml``, ``policy.yaml``, ``products.yaml``,
a views file, the draft itself when it was rendered as a modified template). Then it signs (PAdES B-B,
SHA-256) when the policy names a certificate (``guard.signing``).

:func:`verify_pdf` says whether the signature holds and whether the file changed after signing. The
signature must cover the **entire file**: pyHanko reports a signature followed by an appended update (say,
one that only rewrites the document information) as valid with coverage ``ENTIRE_REVISION``; anything but
``ENTIRE_FILE`` is reported as changed. It also says who signed (the firm's certificate or not, by the
SHA-256 of the certificate) and which inputs and versions made the document.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from wealthlib.errors import WealthError, display_path

__all__ = ["INPUTS_NAME", "SigningKey", "Verification", "embedded_files", "firm_certificate", "load_signing_key",
           "seal_pdf", "verify_pdf"]

INPUTS_NAME = "wealth-inputs.json"
SIGNATURE_FIELD = "WealthlibSignature"
AUDIT_KEY = "/WealthAudit"


class SigningError(WealthError):
    """The firm's certificate cannot be used (``<file>: signing certificate: <problem>``)."""


@dataclass
class SigningKey:
    signer: Any  # pyhanko SimpleSigner
    certificate: Any  # asn1crypto x509.Certificate
    source: Path


def _resolve(path: str, params: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else params / p


_SIGNER_CLASS = None


def _signer_class() -> type:
    """pyHanko's ``SimpleSigner``, signing once per document instead of twice, with its key decoded once.

    * To size the room a signature needs, pyHanko first builds the whole CMS object in a dry run, and
      ``SimpleSigner`` signs for real then too. Here a dry run gets zero bytes of the length this key's last
      real signature had for that digest, as pyHanko's own CSC signer answers a dry run with zero bytes of its
      estimate; pyHanko then reserves that size plus its usual slack. The first dry run of each digest still
      signs, so the size always comes from this key.
    * ``SimpleSigner.sign_raw`` decodes the private key from DER at every signature (~50 ms of CPU for an RSA
      key, mostly the key's consistency check). For RSA PKCS#1 v1.5, the mechanism a firm's RSA certificate
      signs PAdES with, the decoded key is kept; any other mechanism is left to pyHanko as it is.
    """
    global _SIGNER_CLASS
    if _SIGNER_CLASS is None:
        from pyhanko.sign import signers

        class FirmSigner(signers.SimpleSigner):
            def __init__(self, *args: Any, **kwargs: Any):
                super().__init__(*args, **kwargs)
                self._raw_sizes: dict[str, int] = {}
                self._rsa_key: Any = None

            def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
                try:
                    mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
                except ValueError:  # a mechanism asn1crypto cannot name: pyHanko's own path handles it
                    mechanism = None
                if mechanism != "rsassa_pkcs1v15":
                    return super().sign_raw(data, digest_algorithm)
                from cryptography.hazmat.primitives import serialization
                from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
                from pyhanko_certvalidator.util import get_pyca_cryptography_hash

                if self._rsa_key is None:
                    self._rsa_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
                return self._rsa_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

            async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
                if dry_run and digest_algorithm in self._raw_sizes:
                    return bytes(self._raw_sizes[digest_algorithm])
                raw = self.sign_raw(data, digest_algorithm)
                self._raw_sizes[digest_algorithm] = len(raw)
                return raw

        _SIGNER_CLASS = FirmSigner
    return _SIGNER_CLASS


def load_signing_key(policy: Any, params: str | Path) -> SigningKey | None:
    """The firm's signing key from ``guard.signing`` (or the certificate named by its environment variable),
    or None when the policy names none. The password comes from the environment variable ``password_env``;
    ``demo_password`` is accepted only for a certificate whose subject says DEMO."""
    cfg = policy.guard.signing
    named = os.environ.get(cfg.certificate_env) or cfg.certificate
    if not named:
        return None
    path = _resolve(named, Path(params))
    shown = display_path(path)
    password = os.environ.get(cfg.password_env)
    demo = password is None and cfg.demo_password is not None
    if demo:
        password = cfg.demo_password
    if password is None:
        raise SigningError(f"{shown}: signing certificate: set {cfg.password_env} to its password")
    if not path.is_file():
        if demo:  # the sample firm's DEMO certificate left behind (a copied policy.yaml): say so, do not stop
            import warnings

            warnings.warn(f"{shown}: DEMO signing certificate not found; documents are not signed", stacklevel=2)
            return None
        raise SigningError(f"{shown}: signing certificate: no such file")
    from pyhanko.sign import signers

    try:
        loaded = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password.encode("utf-8"))
    except Exception:  # noqa: BLE001 - pyHanko raises several kinds for a bad file or password
        loaded = None
    if loaded is None:
        raise SigningError(f"{shown}: signing certificate: cannot open it (not PKCS#12, or the wrong password)")
    signer = _signer_class()(signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
                             cert_registry=loaded.cert_registry, signature_mechanism=loaded.signature_mechanism)
    cert = signer.signing_cert
    if demo and "DEMO" not in cert.subject.human_friendly:
        raise SigningError(f"{shown}: signing certificate: demo_password is for DEMO certificates only; "
                           f"set {cfg.password_env}")
    return SigningKey(signer, cert, path)


def firm_certificate(policy: Any, params: str | Path) -> Any | None:
    """The firm's certificate, to compare a document's signer with: ``guard.signing.verify_certificate`` (PEM
    or DER), else the one in the signing PKCS#12. None when the policy names neither."""
    cfg = policy.guard.signing
    if cfg.verify_certificate:
        from pyhanko.keys import load_cert_from_pemder

        path = _resolve(cfg.verify_certificate, Path(params))
        try:
            return load_cert_from_pemder(str(path))
        except Exception as exc:  # noqa: BLE001
            raise SigningError(f"{display_path(path)}: firm certificate: cannot read it ({type(exc).__name__})") from None
    key = load_signing_key(policy, params)
    return None if key is None else key.certificate


def _sha256_cert(cert: Any) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


# --------------------------------------------------------------------------------------------- sealing


def seal_pdf(pdf: bytes, *, audit: Mapping[str, Any], attachments: Mapping[str, bytes],
             key: SigningKey | None = None, reason: str = "Issued to the client by wealthlib") -> bytes:
    """``pdf`` with the audit record in its document information, ``attachments`` embedded and — with a key —
    signed so that the signature covers the entire file."""
    from pyhanko.pdf_utils import embed, generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    old = w.prev.trailer_view.get("/Info")
    info = generic.DictionaryObject()
    if old is not None:
        for k, v in old.get_object().items():
            info[generic.NameObject(k)] = v
    info[generic.NameObject(AUDIT_KEY)] = generic.TextStringObject(json.dumps(dict(audit), ensure_ascii=False,
                                                                                sort_keys=True))
    w.set_info(info)
    for name, data in attachments.items():
        mime = "application/json" if name.endswith(".json") else (
            "application/x-ipynb+json" if name.endswith(".ipynb") else "application/yaml")
        spec = embed.FileSpec(file_spec_string=name, file_name=name, description=f"wealthlib input: {name}",
                              embedded_data=embed.EmbeddedFileObject.from_file_data(w, data, mime_type=mime))
        embed.embed_file(w, spec)
    out = io.BytesIO()
    if key is None:
        w.write(out)
        return out.getvalue()
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

    meta = PdfSignatureMetadata(field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                md_algorithm="sha256", reason=reason)
    signers.sign_pdf(w, meta, signer=key.signer, output=out)
    return out.getvalue()


def embedded_files(reader: Any) -> dict[str, bytes]:
    """The embedded files of a PDF (pyHanko reader), by name."""
    out: dict[str, bytes] = {}
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return out
    stack = [tree]
    while stack:
        node = stack.pop()
        if "/Names" in node:
            arr = node["/Names"]
            for i in range(0, len(arr), 2):
                spec = arr[i + 1].get_object()
                try:
                    out[str(arr[i])] = spec["/EF"]["/F"].get_object().data
                except KeyError:
                    continue
        for kid in node.get("/Kids", []) or []:
            stack.append(kid.get_object())
    return out


# --------------------------------------------------------------------------------------------- verifying


@dataclass
class Verification:
    """What :func:`verify_pdf` found. ``ok``: signed, intact, unchanged since signing, by the firm."""

    path: str
    signed: bool = False
    intact: bool = False  # the signed bytes hash to what was signed and the signature checks out
    coverage: str = ""  # ENTIRE_FILE when nothing follows the signature
    changed: bool = True
    signer: str = ""
    signer_sha256: str = ""
    firm: bool | None = None  # None: no firm certificate to compare with
    audit: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and not self.changed and self.firm is not False

    def lines(self) -> list[str]:
        """The report, for people."""
        out = []
        if not self.signed:
            out.append("signature: NONE — the document is not signed, nothing proves it is unchanged")
        elif self.intact and not self.changed:
            out.append("signature: valid — intact, covers the entire file (unchanged since signing)")
        else:
            out.append("signature: CHANGED after signing — " + "; ".join(self.problems or ["it does not hold"]))
        if self.signer:
            whose = {True: "the firm's certificate", False: "NOT the firm's certificate",
                     None: "no firm certificate to compare with"}[self.firm]
            out.append(f"signed by: {self.signer} (sha256 {self.signer_sha256[:16]}…) — {whose}")
        a = self.audit
        if a:
            out.append(f"audit: inputs sha256:{a.get('inputs_hash', '?')} · as of {a.get('as_of', '?')} · policy "
                       f"{a.get('policy_version', '?')} · shelf {a.get('shelf_version', '?')} · questionnaire "
                       f"{a.get('questionnaire_version', '?')} · disclosures {a.get('disclosures_version', '?')} · "
                       f"wealthlib {a.get('software_version', '?')}")
            out.append(f"market: {a.get('data_vintage', '?')}"
                       + (f" · file {a['market_version']}" if a.get("market_version") else ""))
            if a.get("template"):
                out.append(f"template: {a['template']}")
            if a.get("modified_template"):
                out.append(f"MODIFIED TEMPLATE: {a['modified_template']}")
        else:
            out.append("audit: no audit record in the document information")
        if self.inputs:
            files = self.inputs.get("files", {})
            out.append("inputs: " + ", ".join(f"{n} sha256:{h[:12]}" for n, h in sorted(files.items())))
            params = self.inputs.get("parameters", {})
            if params:
                out.append("parameters: " + ", ".join(f"{k}={v!r}" for k, v in sorted(params.items())))
        return out


def verify_pdf(path: str | Path, firm_cert: Any | None = None) -> Verification:
    """Check a document's signature, coverage and signer, and read its audit record and inputs."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    import logging

    # pyHanko logs an untrusted signer (another firm's certificate) with a traceback; the report says it in words
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    path = Path(path)
    v = Verification(display_path(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WealthError(f"{v.path}: cannot read: {exc.strerror or exc}") from None
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        info = reader.trailer_view.get("/Info")
        info = info.get_object() if info is not None else {}
        if AUDIT_KEY in info:
            v.audit = json.loads(str(info[AUDIT_KEY]))
        v.files = embedded_files(reader)
        if INPUTS_NAME in v.files:
            v.inputs = json.loads(v.files[INPUTS_NAME].decode("utf-8"))
        sigs = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - a damaged file is a finding, not a crash
        v.signed = bool(b"/ByteRange" in data)
        v.problems.append(f"the file cannot be read as a PDF ({type(exc).__name__})")
        return v
    if not sigs:
        v.problems.append("no signature")
        return v
    v.signed = True
    sig = sigs[-1]
    try:
        roots = [firm_cert] if firm_cert is not None else []
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots, allow_fetching=False))
    except Exception as exc:  # noqa: BLE001
        v.problems.append(f"the signature cannot be checked ({type(exc).__name__})")
        return v
    v.intact = bool(status.intact and status.valid)
    v.coverage = status.coverage.name if status.coverage is not None else ""
    if status.signing_cert is not None:
        v.signer = status.signing_cert.subject.human_friendly
        v.signer_sha256 = _sha256_cert(status.signing_cert)
        if firm_cert is not None:
            v.firm = v.signer_sha256 == _sha256_cert(firm_cert)
    if not v.intact:
        v.problems.append("the signed bytes do not match the signature")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        v.problems.append(f"the signature covers {v.coverage or 'an unknown part'}, not the entire file: "
                          "something was added after signing")
    if len(sigs) > 1:
        v.problems.append(f"{len(sigs)} signatures")
    v.changed = bool(v.problems)
    return v


def _registry_path(params: Path) -> Path | None:
    """The advisor registry the params folder's policy names (``None`` without one)."""
    from wealthlib.policy import load_policy

    rules = load_policy(Path(params) / "policy.yaml").advisors
    return None if rules is None else Path(params) / rules.registry


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_inputs(*, kind: str, client_id: str, client_file: Path, params: Path, parameters: Mapping[str, Any],
                    advisor_text: Mapping[str, str], audit: Mapping[str, Any], template: str,
                    views: str | None = None, draft: bytes | None = None,
                    modified_reason: str | None = None) -> dict[str, bytes]:
    """The attachments of a document: ``wealth-inputs.json`` and the files it names, exactly as read."""
    from importlib import metadata

    files: dict[str, bytes] = {"client.yaml": Path(client_file).read_bytes(),
                               "policy.yaml": (params / "policy.yaml").read_bytes(),
                               "products.yaml": (params / "products.yaml").read_bytes()}
    registry = _registry_path(params)
    if registry is not None and registry.is_file():  # the advisor registry: who signs, with which licences
        files["advisors.yaml"] = registry.read_bytes()
    market_files: dict[str, str] = {}
    if (params / "market.yaml").is_file():  # the market's version and files: the data files by hash only
        files["market.yaml"] = (params / "market.yaml").read_bytes()
        market_files = _market_files(params)
    if views:
        vp = Path(views)
        files["views.yaml"] = (vp if vp.is_absolute() or vp.is_file() else params / vp).read_bytes()
    if draft is not None:
        files["draft.ipynb"] = draft

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    manifest = {
        "format": "wealthlib-inputs/1", "kind": kind, "client": client_id, "template": template,
        "parameters": {k: v for k, v in parameters.items() if k not in ("params", "prebuilt")},
        "views_path": views, "advisor_text": dict(advisor_text), "audit": dict(audit),
        "modified_reason": modified_reason,
        "market": {"data_vintage": audit.get("data_vintage"), "files": market_files},
        "software": {d: version(d) for d in ("wealthlib", "papermill", "nbconvert", "weasyprint", "pyHanko")},
        "files": {name: file_sha256(data) for name, data in files.items()},
    }
    return {INPUTS_NAME: json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True, default=str).encode(),
            **files}


def _market_files(params: Path) -> dict[str, str]:
    """The data files ``market.yaml`` names (relative paths) with their SHA-256."""
    from wealthlib._yaml import load_yaml

    try:
        data = load_yaml(params / "market.yaml") or {}
    except WealthError:
        return {}
    names = [x.get("file") for key in ("sources", "fx") for x in (data.get(key) or []) if isinstance(x, dict)]
    out = {}
    for name in names:
        if isinstance(name, str) and (params / name).is_file():
            out[name] = file_sha256((params / name).read_bytes())
    return out


def sealer(policy: Any, params: str | Path, audit: Mapping[str, Any], attachments: Mapping[str, bytes]):
    """A ``pdf_finish`` for :func:`wealthlib.render.export`: the key is loaded now (a wrong password stops the
    run before any kernel starts)."""
    key = load_signing_key(policy, params)

    def finish(pdf: bytes) -> bytes:
        return seal_pdf(pdf, audit=audit, attachments=attachments, key=key)

    finish.signer = "" if key is None else key.certificate.subject.human_friendly  # type: ignore[attr-defined]
    return finish


# --------------------------------------------------------------------------------------------- rebuilding


def pdf_pages(pdf: str | Path) -> list[str]:
    """The text of each page (poppler's pdftotext, layout kept)."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        raise WealthError("pdftotext (poppler-utils) is not installed; it is needed to compare documents")
    proc = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise WealthError(f"{display_path(pdf)}: pdftotext cannot read it")
    pages = proc.stdout.split("\f")
    while pages and not pages[-1].strip():
        pages.pop()
    return pages


def rebuild(v: Verification, pdf: str | Path, workdir: str | Path, firm_params: str | Path | None = None) -> list[str]:
    """Re-render the document (a proposal or a quarterly review) from its embedded inputs (in ``workdir``) and
    compare the text page by page with ``pdf``. Returns the differences in words; empty when every page matches. Market data files are not
    embedded (their hashes are): they are taken from ``firm_params`` when their hash still matches."""
    import nbformat

    from wealthlib.documents import render_draft, set_parameters, write_draft
    from wealthlib.guard.draft import TEMPLATES

    m, files = v.inputs, v.files
    if not m:
        return ["the document carries no inputs to rebuild from"]
    if m.get("kind") not in ("proposal", "review"):
        return [f"--rebuild re-renders proposals and quarterly reviews only; this document is a "
                f"{m.get('kind', 'document')}"]
    for name, digest in m.get("files", {}).items():
        if name not in files or file_sha256(files[name]) != digest:
            return [f"embedded input {name} is missing or does not match its recorded sha256"]
    work = Path(workdir)
    params = work / "params"
    (params / "clients").mkdir(parents=True, exist_ok=True)
    (params / "policy.yaml").write_bytes(files["policy.yaml"])
    (params / "products.yaml").write_bytes(files["products.yaml"])
    registry = _registry_path(params)
    if registry is not None and "advisors.yaml" in files:
        if not registry.resolve().is_relative_to(work.resolve()):  # an embedded policy must not write elsewhere
            return ["the embedded policy's advisors.registry leads outside the rebuild folder"]
        registry.parent.mkdir(parents=True, exist_ok=True)
        registry.write_bytes(files["advisors.yaml"])
    if "market.yaml" in files:
        (params / "market.yaml").write_bytes(files["market.yaml"])
        for name, digest in (m.get("market", {}).get("files") or {}).items():
            source = Path(firm_params or ".") / name
            if not source.is_file() or file_sha256(source.read_bytes()) != digest:
                return [f"market data file {name}: not found under {display_path(Path(firm_params or '.'))} "
                        "with the content the document was built from"]
            (params / name).parent.mkdir(parents=True, exist_ok=True)
            (params / name).write_bytes(source.read_bytes())
    client = str(m["client"])
    (params / "clients" / f"{client}.yaml").write_bytes(files["client.yaml"])
    if m["kind"] == "review":
        return _compare_pages(pdf, _rebuild_review(m, params, client, work))
    views = m.get("views_path")
    if views and "views.yaml" in files:
        target = Path(views) if Path(views).is_absolute() else params / views
        if not Path(views).is_absolute():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files["views.yaml"])
    values = dict(m.get("parameters", {}))
    template = TEMPLATES / str(m.get("template", "proposal.ipynb"))
    draft = write_draft(template, client, work / "drafts", params=params, as_of=values.get("as_of"))
    nb = nbformat.read(draft, as_version=4)
    if "draft.ipynb" in files:  # rendered as a modified template: rebuild from the draft itself
        original = nbformat.reads(files["draft.ipynb"].decode("utf-8"), as_version=4)
        original.metadata = nb.metadata
        nb = original
    saved = values.pop("choices_saved", None)  # the what-if panel's choices (wealthlib.studio), as rendered
    if saved is not None:
        (draft.parent / "choices.json").write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
        values["choices"] = "choices.json"
    values.update(client=client, params=os.path.relpath(params.resolve(), draft.parent.resolve()))
    set_parameters(nb, values)
    advisor = m.get("advisor_text", {}) or {}
    for cell in nb.cells:
        section = cell.get("metadata", {}).get("advisor_section")
        if section in advisor:
            cell["source"] = advisor[section]
    nbformat.write(nb, draft)
    out = render_draft(draft, work / "out", ("pdf",), allow_modified=m.get("modified_reason"), seal=False)
    return _compare_pages(pdf, out["pdf"])


def _rebuild_review(m: Mapping[str, Any], params: Path, client: str, work: Path) -> Path:
    """A quarterly review (a batch client's) executed again from its template with the embedded parameters,
    printed with the title and footer the batch gives it and the audit line the document records."""
    from wealthlib import render
    from wealthlib.clients import load_client
    from wealthlib.review import document_meta
    from wealthlib.resources import template_path

    values = dict(m.get("parameters", {}))
    audit = m.get("audit", {}) or {}
    client_file = params / "clients" / f"{client}.yaml"
    meta = document_meta(load_client(client_file, params / "clients"), params, str(values.get("quarter")),
                         locale=values.get("locale") or None)
    # the kernel leaves its audit record where it did when the review was made (it names the template)
    values.update(client=str(client_file), params=str(params), audit_out=str(work / "audit.json"))
    nb = render.execute(template_path(Path(str(m.get("template") or "quarterly_review.ipynb")).name), values, cwd=work)
    written = render.export(nb, work / "out", client, ("pdf",), lang=meta["lang"], title=meta["title"],
                            footer=meta["footer"], audit=str(audit.get("audit_line", meta["audit"])), kind="review")
    return Path(written["pdf"])


def _compare_pages(pdf: str | Path, rebuilt: str | Path) -> list[str]:
    """The differences between two PDFs' text, page by page (whitespace runs count as one space)."""
    old, new = pdf_pages(pdf), pdf_pages(rebuilt)
    problems = []
    if len(old) != len(new):
        problems.append(f"{len(old)} pages in the document, {len(new)} rebuilt")
    for i, (a, b) in enumerate(zip(old, new), 1):
        if " ".join(a.split()) != " ".join(b.split()):
            problems.append(f"page {i} differs")
            break
    return problems


# --------------------------------------------------------------------------------------------- other callers


_POLICIES: dict[str, tuple[Any, Any]] = {}


def _policy_and_key(params: Path) -> tuple[Any, Any]:
    """The policy and signing key of a params folder, once per process (a batch worker seals many)."""
    key = str(Path(params).resolve())
    if key not in _POLICIES:
        from wealthlib.policy import load_policy

        policy = load_policy(Path(params) / "policy.yaml")
        _POLICIES[key] = (policy, load_signing_key(policy, params))
    return _POLICIES[key]


def seal_and_archive(*, kind: str, client_id: str, client_file: Path, params: Path, parameters: Mapping[str, Any],
                     audit: Mapping[str, Any], template: str, advisor_text: Mapping[str, str] | None = None,
                     views: str | None = None):
    """``(pdf_finish, archive)`` for a document rendered outside ``wealth render`` (``wealth propose``, the
    demo, a batch client): ``pdf_finish`` embeds the audit record and inputs and signs; ``archive(pdf_path)``
    keeps the written PDF in the policy's archive (a no-op when the policy names none)."""
    from .archive import archive_document, archive_folder, record_for

    policy, key = _policy_and_key(params)
    attachments = document_inputs(kind=kind, client_id=client_id, client_file=client_file, params=params,
                                  parameters=parameters, advisor_text=advisor_text or {}, audit=audit,
                                  template=template, views=views)

    def finish(pdf: bytes) -> bytes:
        return seal_pdf(pdf, audit=audit, attachments=attachments, key=key)

    def archive(pdf_path: Path) -> Path | None:
        box = archive_folder(policy, params)
        if box is None:
            return None
        signer = "" if key is None else key.certificate.subject.human_friendly
        return archive_document(box, client_id, Path(pdf_path).read_bytes(), attachments,
                                record_for(audit, kind=kind, signer=signer))

    return finish, archive
