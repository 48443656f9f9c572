"""A document's audit record as it prints: one line for the running footer of every page, and the whole
record (label/value rows) on the audit page."""

from __future__ import annotations

from typing import Any, Mapping

from ..i18n import t


def audit_line(a: Mapping[str, Any], locale: str, override: bool) -> str:
    """The footer line: inputs hash (short), policy, questionnaire, disclosures and software versions, and —
    when there is one — the override; a draft rendered with a modified template says so first."""
    parts = [f"{t('documents.audit_inputs_hash', locale)} sha256:{a['inputs_hash'][:16]}",
             f"{t('documents.audit_policy_version', locale)} {a['policy_version']}",
             f"{t('documents.audit_questionnaire_version', locale)} {a['questionnaire_version']}",
             f"{t('documents.audit_disclosures_version', locale)} {a['disclosures_version']}",
             f"{t('documents.audit_software_version', locale)} wealthlib {a['software_version']}"]
    if override:
        parts.append(f"{t('documents.audit_overrides', locale)}: {a['overrides']}")
    if a.get("modified_template"):  # a draft rendered on purpose with changed code: said first, on every page
        parts.insert(0, f"{t('documents.audit_modified_template', locale)}: {a['modified_template']}")
    return " · ".join(parts)


def audit_rows(a: Mapping[str, Any], labels: Any) -> list[tuple[str, str]]:
    """The whole record, label by label, for the audit page."""
    L = labels.L
    rows = [(L("audit_inputs_hash"), f"sha256:{a['inputs_hash']}"),
            (L("audit_as_of"), a["as_of"]),
            (L("audit_data_vintage"), a["data_vintage"]),
            (L("audit_policy_version"), f"{a['policy_version']} · {a['shelf_version']}"),
            (L("audit_questionnaire_version"), a["questionnaire_version"]),
            (L("audit_disclosures_version"), a["disclosures_version"]),
            (L("audit_software_version"), f"wealthlib {a['software_version']}"),
            (L("field_seed"), a["seed"]),
            (L("audit_overrides"), a["overrides"])]
    if a.get("what_if"):
        rows.append((L("audit_what_if"), a["what_if"]))
    if a.get("template"):
        rows.append((L("audit_template"), a["template"]))
    if a.get("modified_template"):
        rows.append((L("audit_modified_template"), a["modified_template"]))
    return rows
