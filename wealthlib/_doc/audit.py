"""A document's audit record — one value, built once per document (:func:`record`, over :func:`digest` of its
inputs) — as it prints: one line for the running
footer of every page (the inputs hash cut to 16 hex digits: the reference), and the whole record (label/value
rows) on the audit page. The same record is sealed into the signed PDF, whichever command made it
(``wealth propose``, ``wealth render``, ``wealth review``, ``wealth batch``: the kernel leaves it in a file,
:func:`save`, that the batch's worker reads, :func:`load`, for the footer and the seal). A batch's own resume
key is another value (``resume_key``), never printed as the inputs hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

from ..errors import WealthError
from ..i18n import t


def digest(*parts: bytes) -> str:
    """sha256 (hex) over ``parts``, each preceded by its length (so no two different inputs run together)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def canonical(parameters: Mapping[str, Any]) -> bytes:
    """A run's parameters as canonical JSON (sorted keys), the form :func:`digest` hashes."""
    return json.dumps(dict(parameters), sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def override_text(ov: Any, class_name: str, by_name: str) -> str:
    """A risk-class override as the audit record prints it: the class's and the author's names, date, reason."""
    return f"{class_name} ({by_name}, {ov.date.isoformat()}): {ov.reason}"


def record(inputs_hash: str, ctx: Any, profile: Any, *, as_of: Any, seed: Any = None,
           template: Mapping[str, str] | None = None, overrides: str | None = None) -> dict[str, Any]:
    """The audit record of one client's document (:func:`make` from the run's context and the client's profile):
    its inputs hash, the market data's vintage and the market file's identity, the policy, shelf, questionnaire
    (its id and version), disclosures and software versions, the as-of date, the seed (a document with
    randomness), the risk-class override in force (``overrides``: its :func:`override_text`; "—" when there is
    none) and — for a document rendered from a template — the template's record (``template``, and
    ``modified_template`` for a draft rendered with changed code)."""
    return make(inputs_hash, data_vintage=ctx.data_vintage, policy_version=ctx.policy.version,
                shelf_version=ctx.shelf.version, market=market_identity(ctx.params),
                questionnaire=f"{profile.questionnaire} {profile.questionnaire_version}", as_of=as_of, seed=seed,
                template=template, overrides=overrides)


def make(inputs_hash: str, *, data_vintage: str, policy_version: str, shelf_version: str, market: str,
         questionnaire: str, as_of: Any, seed: Any = None, template: Mapping[str, str] | None = None,
         overrides: str | None = None) -> dict[str, Any]:
    """The one audit record every document prints (proposal, review, relationship report), from its parts; see
    :func:`record`. ``market``: :func:`market_identity`; ``questionnaire``: id and version (a book's: each in use)."""
    from .. import __version__
    from ..disclosures import DISCLOSURES_VERSION

    out = {"inputs_hash": inputs_hash, "data_vintage": data_vintage, "market_version": market,
           "policy_version": policy_version, "shelf_version": shelf_version, "questionnaire_version": questionnaire,
           "disclosures_version": DISCLOSURES_VERSION, "software_version": __version__,
           "as_of": as_of.isoformat() if hasattr(as_of, "isoformat") else str(as_of)}
    if seed is not None:
        out["seed"] = str(seed)
    out["overrides"] = overrides or "—"
    out.update({k: str(v) for k, v in (template or {}).items() if k in ("template", "modified_template")})
    return out


def market_identity(params: Any) -> str:
    """The market file a document's data come from: ``market.yaml``'s version and the hash of what it configures
    (the file, every file it names, the bundled data's package versions): ``2026.12.1 · content <16 hex>`` (not
    written ``sha256:…``, the form of the document's own reference in its footer)."""
    from ..market import market_config

    try:
        cfg = market_config(params)
    except (WealthError, OSError):  # a context built without a params folder's market file
        return "—"
    return f"{cfg.version} · content {hashlib.sha256(cfg.data_key().encode('utf-8')).hexdigest()[:16]}"


def audit_line(a: Mapping[str, Any], locale: str, override: bool) -> str:
    """The footer line: inputs hash (short), market file, policy, questionnaire, disclosures and software versions, and —
    when there is one — the override; a draft rendered with a modified template says so first."""
    parts = [f"{t('documents.audit_inputs_hash', locale)} {reference(a)}",
             *([f"{t('documents.audit_market_version', locale)} {a['market_version'].split(' ')[0]}"]
               if a.get("market_version", "—") != "—" else []),
             f"{t('documents.audit_policy_version', locale)} {a['policy_version']}",
             f"{t('documents.audit_questionnaire_version', locale)} {_versions(a['questionnaire_version'])}",
             f"{t('documents.audit_disclosures_version', locale)} {a['disclosures_version']}",
             f"{t('documents.audit_software_version', locale)} wealthlib {a['software_version']}"]
    if override:
        parts.append(f"{t('documents.audit_overrides', locale)}: {a['overrides']}")
    if a.get("modified_template"):  # a draft rendered on purpose with changed code: said first, on every page
        parts.insert(0, f"{t('documents.audit_modified_template', locale)}: {a['modified_template']}")
    return " · ".join(parts)


def _versions(questionnaires: str) -> str:
    """The versions alone of a record's questionnaires (``"firm_kyc 2018.1"`` → ``"2018.1"``): a page footer
    a client reads carries no file id; the audit page keeps the whole record."""
    return ", ".join(q.rsplit(" ", 1)[-1] for q in questionnaires.split(", "))


def audit_rows(a: Mapping[str, Any], labels: Any) -> list[tuple[str, str]]:
    """The whole record, label by label, for the audit page."""
    L = labels.L
    rows = [(L("audit_inputs_hash"), f"sha256:{a['inputs_hash']}"),
            (L("audit_as_of"), a["as_of"]),
            (L("audit_data_vintage"), a["data_vintage"]),
            *([(L("audit_market_version"), a["market_version"])] if "market_version" in a else []),
            (L("audit_policy_version"), f"{a['policy_version']} · {a['shelf_version']}"),
            (L("audit_questionnaire_version"), a["questionnaire_version"]),
            (L("audit_disclosures_version"), a["disclosures_version"]),
            (L("audit_software_version"), f"wealthlib {a['software_version']}"),
            *([(L("field_seed"), a["seed"])] if "seed" in a else []),
            (L("audit_overrides"), a["overrides"])]
    if a.get("what_if"):
        rows.append((L("audit_what_if"), a["what_if"]))
    if a.get("template"):
        rows.append((L("audit_template"), a["template"]))
    if a.get("modified_template"):
        rows.append((L("audit_modified_template"), a["modified_template"]))
    return rows


def reference(a: Mapping[str, Any]) -> str:
    """The short form of the record printed in every page's footer: ``sha256:`` and 16 hex digits."""
    return f"sha256:{a['inputs_hash'][:16]}"


def save(path: str | Path, audit: Mapping[str, Any], line: str) -> Path:
    """Write the record and its footer line where the process that started the kernel reads them (atomic)."""
    from ..render import write_atomic

    return write_atomic(Path(path), json.dumps({"audit": dict(audit), "audit_line": line}, ensure_ascii=False))


def load(path: str | Path) -> tuple[dict[str, Any], str] | None:
    """``(record, footer line)`` saved by :func:`save`, or None when the kernel left none."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return dict(data["audit"]), str(data["audit_line"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
