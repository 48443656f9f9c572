"""Draft integrity: a draft made by ``wealth draft`` may differ from its template only where the advisor is free to.

The advisor's freedom is the *values* of the parameters cell and the text of the markdown cells tagged
``advisor-text``. Everything else — every code cell, every other markdown or raw cell, the order of the cells,
their ids and tags — must be the template's. ``wealth draft`` records which template a draft came from and that
template's fingerprint in the draft's metadata (``metadata.wealthlib``); ``wealth render`` recomputes the
fingerprint *of the draft* and compares it with the *installed* template's, so editing the recorded value does
not help: the record only says which template to compare with and whether the template changed since.

The parameters cell is checked statement by statement with :mod:`ast` before anything runs: each statement
must assign a plain value (``ast.literal_eval``) to one name the template's own parameters cell defines.
Anything else — an expression, an import, an annotated or augmented assignment, a call, several targets — is
refused naming its line, and so is a parameter wealthlib sets itself (:data:`INTERNAL_PARAMETERS`: a draft
setting ``prebuilt`` would have the kernel print a proposal that was never computed).

An analyst may render a changed draft with an explicit reason (``wealth render --allow-modified REASON``); the
document then says "modified template" and the reason on every page and in its audit record.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from wealthlib.errors import InputError, WealthError
from wealthlib.resources import TEMPLATES_DIR

__all__ = [
    "INTERNAL_PARAMETERS",
    "TEMPLATES",
    "DraftCheck",
    "DraftModified",
    "cell_fingerprints",
    "check_draft",
    "parameters_cell",
    "parse_parameters",
    "record_template",
    "template_fingerprint",
]

#: The folder of the installed templates (drafts are compared with these, never with a copy they name).
TEMPLATES = TEMPLATES_DIR

#: Parameters the machinery sets itself (``wealth propose`` hands the kernel a proposal it built); a draft may
#: not set them.
INTERNAL_PARAMETERS = frozenset({"prebuilt", "audit_out"})

#: Where a draft records its template (notebook metadata).
METADATA_KEY = "wealthlib"


class DraftModified(WealthError):
    """A draft whose code or structure differs from its template (``<draft>: <what changed>; …``)."""


# --------------------------------------------------------------------------------------------- cells


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _is_parameters(cell: Any) -> bool:
    return cell.get("cell_type") == "code" and "parameters" in _tags(cell)


def _is_advisor(cell: Any) -> bool:
    return cell.get("cell_type") == "markdown" and "advisor-text" in _tags(cell)


def parameters_cell(nb: Any) -> tuple[int, Any] | None:
    """``(index, cell)`` of the first cell tagged ``parameters``, or None."""
    for i, cell in enumerate(nb.cells):
        if _is_parameters(cell):
            return i, cell
    return None


def _cell_record(cell: Any) -> dict[str, Any]:
    """What of one cell the template fixes: type, id, tags, and the source unless the advisor may change it."""
    meta = cell.get("metadata", {}) or {}
    record: dict[str, Any] = {"type": cell.get("cell_type"), "id": cell.get("id"), "tags": sorted(_tags(cell))}
    if _is_advisor(cell):
        record["advisor_section"] = meta.get("advisor_section")
    elif not _is_parameters(cell):  # the parameters cell's values are checked by parse_parameters instead
        record["source"] = _source(cell)
    return record


def cell_fingerprints(nb: Any) -> list[str]:
    """One sha256 per cell over what the template fixes of it (see :func:`_cell_record`)."""
    return [hashlib.sha256(json.dumps(_cell_record(c), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            for c in nb.cells]


def template_fingerprint(nb: Any) -> str:
    """sha256 over the cells' fingerprints in order: the template's code, text and structure."""
    return hashlib.sha256("\n".join(cell_fingerprints(nb)).encode()).hexdigest()


def _cell_name(nb: Any, index: int) -> str:
    cell = nb.cells[index]
    cid = cell.get("id")
    return f"cell {index + 1}" + (f" ({cid!r})" if cid else "") + f", a {cell.get('cell_type')} cell"


def first_change(template: Any, draft: Any) -> str | None:
    """The first way ``draft`` departs from ``template`` in words (``cell 14 ('section-expected'), a code cell,
    was changed``), or None when they agree."""
    t_fp, d_fp = cell_fingerprints(template), cell_fingerprints(draft)
    if t_fp == d_fp:
        return None
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=t_fp, b=d_fp, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op in ("insert", "replace") and j1 < len(d_fp):
            moved = d_fp[j1] in t_fp
            if op == "insert":
                what = "is out of order (it comes later in the template)" if moved else "was added"
            else:
                what = "is out of order" if moved else "was changed"
            return f"{_cell_name(draft, j1)}, {what}"
        # delete: the template's cell i1 is missing from the draft
        return f"template {_cell_name(template, i1)} was removed or moved"
    return "the cells differ from the template"  # pragma: no cover - SequenceMatcher always finds the op


# --------------------------------------------------------------------------------------------- parameters


_STATEMENT_KINDS = {
    ast.Expr: "an expression", ast.Import: "an import", ast.ImportFrom: "an import",
    ast.AnnAssign: "an annotated assignment", ast.AugAssign: "an augmented assignment",
    ast.FunctionDef: "a function definition", ast.AsyncFunctionDef: "a function definition",
    ast.ClassDef: "a class definition", ast.Delete: "a del statement",
}


def parse_parameters(
    src: str,
    source: str | None = None,
    *,
    allowed: frozenset[str] | set[str] | None = None,
    internal: frozenset[str] | set[str] = INTERNAL_PARAMETERS,
) -> dict[str, Any]:
    """The values of a parameters cell, read without executing anything, each statement checked.

    Every statement must be ``name = <plain value>`` (text, number, bool, None, list/tuple/dict/set of those:
    :func:`ast.literal_eval`); ``name`` must be in ``allowed`` (when given) and not in ``internal``. Each problem
    is an :class:`~wealthlib.errors.InputError` ``<source>: parameters cell: line N: <problem>``.
    """

    def problem(field: str, text: str) -> InputError:
        where = f"parameters cell: {field}" if field else "parameters cell"
        return InputError(source, where, text) if source is not None else InputError("parameters cell", field, text)

    try:
        tree = ast.parse(src)
    except SyntaxError as exc:
        raise problem(f"line {exc.lineno}", f"not valid Python: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise problem("", f"not valid Python: {type(exc).__name__}") from None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for node in tree.body:
        line = f"line {node.lineno}"
        if not isinstance(node, ast.Assign):
            kind = _STATEMENT_KINDS.get(type(node), f"a {type(node).__name__.lower()} statement")
            raise problem(line, f"{kind} is not allowed here; the parameters cell holds only "
                                "`name = value` lines with plain values (text, number, list, None)")
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            raise problem(line, "assign one plain value to one parameter name per line")
        name = node.targets[0].id
        if name in internal:
            raise problem(line, f"{name!r} is set by wealthlib itself, never by a draft; remove this line")
        if allowed is not None and name not in allowed:
            raise problem(line, f"{name!r} is not a parameter of the template (it has "
                                f"{', '.join(sorted(allowed)) or 'none'})")
        if name in lines:
            raise problem(line, f"{name!r} is already set on line {lines[name]}")
        try:
            values[name] = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            raise problem(f"{line}: {name}", "must be a plain value (text, number, list, None)") from None
        lines[name] = node.lineno
    return values


def template_parameters(template: Any) -> dict[str, Any]:
    """The defaults of a (trusted) template's parameters cell, internal ones included."""
    found = parameters_cell(template)
    if found is None:
        raise WealthError("the template has no cell tagged 'parameters'")
    return parse_parameters(_source(found[1]), "template", internal=frozenset())


# --------------------------------------------------------------------------------------------- drafts


def record_template(draft: Any, template: Any, template_name: str) -> Any:
    """Record in ``draft``'s metadata which template it came from and that template's fingerprint; drop the
    internal parameters (and their comment lines) from its parameters cell. In place; returns ``draft``."""
    draft.metadata[METADATA_KEY] = {"template": template_name, "template_sha256": template_fingerprint(template)}
    found = parameters_cell(draft)
    if found is not None:
        cell = found[1]
        kept: list[str] = []
        for line in _source(cell).splitlines():
            head = line.split("=", 1)[0].strip()
            comment_of = line.lstrip("# ").split(":", 1)[0].strip() if line.lstrip().startswith("#") else None
            if head in INTERNAL_PARAMETERS or comment_of in INTERNAL_PARAMETERS:
                continue
            kept.append(line)
        cell["source"] = "\n".join(kept)
    return draft


@dataclass
class DraftCheck:
    """What :func:`check_draft` found: the template, whether the draft departs from it, and the values."""

    template_name: str
    template_path: Path
    template: Any  # the installed template (NotebookNode), trusted
    template_sha256: str
    parameters: dict[str, Any]
    defaults: dict[str, Any]
    change: str | None = None  # the first departure, in words
    modified_reason: str | None = None  # set when the draft departs and --allow-modified gave a reason
    notes: list[str] = field(default_factory=list)

    @property
    def modified(self) -> bool:
        return self.change is not None

    def audit(self) -> dict[str, str]:
        """The audit-record entries: ``template`` (name and fingerprint) and, for a modified draft,
        ``modified_template`` (the reason and the first change)."""
        out = {"template": f"{self.template_name} sha256:{self.template_sha256}"}
        if self.modified:
            out["modified_template"] = f"{self.modified_reason} ({self.change})"
        return out

    def notebook_to_run(self, draft: Any) -> Any:
        """The notebook ``wealth render`` executes: the template's own cells with the draft's advisor texts
        (the draft's code is the template's, proven above) — or, for a modified draft rendered on purpose, the
        draft's cells. Either way the parameters cell is the template's (defaults, internal ones included);
        the draft's values are injected after it."""
        import copy

        import nbformat

        if self.modified:
            nb = nbformat.from_dict(copy.deepcopy(dict(draft)))
        else:
            nb = nbformat.from_dict(copy.deepcopy(dict(self.template)))
            advisor = {c.get("metadata", {}).get("advisor_section"): _source(c) for c in draft.cells if _is_advisor(c)}
            for cell in nb.cells:
                if _is_advisor(cell):
                    section = cell.get("metadata", {}).get("advisor_section")
                    if section in advisor:
                        cell["source"] = advisor[section]
        found, tpl = parameters_cell(nb), parameters_cell(self.template)
        if found is not None and tpl is not None:
            found[1]["source"] = _source(tpl[1])
        nb.metadata.pop(METADATA_KEY, None)
        return nb


def check_draft(
    draft: Any,
    source: str,
    *,
    allow_modified: str | None = None,
    templates: str | Path = TEMPLATES,
) -> DraftCheck:
    """Check a draft against the installed template it names, before anything runs.

    Raises :class:`DraftModified` naming the first changed cell when the draft's code, cell order or
    non-advisor cells differ from the installed template (unless ``allow_modified`` gives a reason), and an
    :class:`~wealthlib.errors.InputError` naming the line for any parameters-cell statement that is not a
    plain assignment of one of the template's own parameters (always, ``allow_modified`` or not).
    """
    import nbformat

    reason = None if allow_modified is None else " ".join(str(allow_modified).split())
    if allow_modified is not None and not reason:
        raise WealthError(f"{source}: --allow-modified needs a reason (it is printed on every page)")
    record = (draft.get("metadata", {}) or {}).get(METADATA_KEY) or {}
    name = record.get("template") if isinstance(record, Mapping) else None
    recorded = record.get("template_sha256") if isinstance(record, Mapping) else None
    if not isinstance(name, str) or not name.endswith(".ipynb") or "/" in name or "\\" in name or name.startswith("."):
        if reason is None:
            raise DraftModified(f"{source}: not a draft made by `wealth draft` (no template record in its "
                                "metadata); make one with `wealth draft CLIENT`, or render it on purpose with "
                                "--allow-modified REASON")
        name = "proposal.ipynb"  # an analyst's own notebook, compared with the proposal template
    tpath = Path(templates) / name
    if not tpath.is_file():
        raise DraftModified(f"{source}: its template {name!r} is not installed in {templates}")
    template = nbformat.read(tpath, as_version=4)
    current = template_fingerprint(template)
    defaults = template_parameters(template)
    allowed = frozenset(defaults) - INTERNAL_PARAMETERS

    found = parameters_cell(draft)
    if found is None:
        raise DraftModified(f"{source}: the draft has no cell tagged 'parameters'")
    values = parse_parameters(_source(found[1]), source, allowed=allowed)

    change = first_change(template, draft)
    if change is not None and recorded != current:
        # the record is the draft's own claim: it can explain a difference, never excuse one
        change += (f" (the draft records template sha256:{str(recorded)[:12]}, the installed {name} is "
                   f"sha256:{current[:12]}: if the template was updated, make a new draft and copy your texts over)")
    if change is not None and reason is None:
        raise DraftModified(f"{source}: {change}; a draft may change only the parameter values and the "
                            "advisor-text cells (render it on purpose with --allow-modified REASON)")
    return DraftCheck(template_name=name, template_path=tpath, template=template, template_sha256=current,
                      parameters=values, defaults=defaults, change=change,
                      modified_reason=reason if change is not None else None)


def installed_template_record(name: str = "proposal.ipynb", templates: str | Path = TEMPLATES) -> dict[str, str]:
    """The audit entry of a document rendered straight from an installed template (``wealth propose``, the
    demo): the same ``template`` entry an untouched draft of it records."""
    import nbformat

    return {"template": f"{name} sha256:{template_fingerprint(nbformat.read(Path(templates) / name, as_version=4))}"}
