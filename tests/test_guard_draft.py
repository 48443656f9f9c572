"""Tamper-evident drafts (issue 17, item 1): a draft may change its parameter values and its advisor texts,
nothing else; the parameters cell holds plain assignments of the template's own parameters; every refusal
happens before anything runs (a marker file the statement would create is never created)."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import nbformat
import pytest

from wealthlib.documents import render_draft, write_draft
from wealthlib.errors import InputError
from wealthlib.guard.draft import DraftModified, check_draft, parse_parameters, template_fingerprint

from _paths import ROOT
TEMPLATE = ROOT / "templates" / "proposal.ipynb"


@pytest.fixture()
def draft(tmp_path: Path) -> Path:
    return write_draft(TEMPLATE, "lin", tmp_path / "drafts", params=ROOT / "params", as_of=date(2018, 12, 31))


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _cell(nb, cid: str):
    return next(c for c in nb.cells if c.get("id") == cid)


def _params_cell(nb):
    return next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def _refused(draft: Path, exc_type=DraftModified) -> str:
    with pytest.raises(exc_type) as err:
        render_draft(draft, formats=("html",))
    assert sorted(p.name for p in draft.parent.iterdir()) == ["proposal.ipynb"]  # nothing written
    return str(err.value)


# --------------------------------------------------------------------------------------------- the record


def test_draft_records_the_template_and_drops_internal_parameters(draft: Path):
    nb = _read(draft)
    record = nb.metadata["wealthlib"]
    assert record["template"] == "proposal.ipynb"
    assert record["template_sha256"] == template_fingerprint(_read(TEMPLATE))
    assert "prebuilt" not in _params_cell(nb).source  # the machinery's own parameter is not the advisor's
    assert "prebuilt" in _params_cell(_read(TEMPLATE)).source


def test_untouched_draft_and_changed_values_and_texts_pass(draft: Path):
    nb = _read(draft)
    check = check_draft(nb, "d")
    assert not check.modified and check.parameters["client"] == "lin"
    cell = _params_cell(nb)
    cell.source = cell.source.replace("exclude = []", 'exclude = ["CORP-BAA10"]').replace("seed = 20181231", "seed = 7")
    _cell(nb, "advisor-rationale").source = "My own words, **in markdown**."
    check = check_draft(nb, "d")
    assert not check.modified and check.parameters["exclude"] == ["CORP-BAA10"] and check.parameters["seed"] == 7
    # what runs is the template's code with the draft's words
    run = check.notebook_to_run(nb)
    assert _cell(run, "advisor-rationale").source == "My own words, **in markdown**."
    assert "prebuilt = None" in _params_cell(run).source  # the template's parameters cell, defaults included


# --------------------------------------------------------------------------------------------- refusals


def test_changed_code_cell_is_refused_naming_it_and_nothing_runs(draft: Path, tmp_path: Path):
    marker = tmp_path / "MARKER-code"
    nb = _read(draft)
    _cell(nb, "sections-closing").source = (f"open({str(marker)!r}, 'w').close()\n"
                                            'display(HTML("<h2>保證年報酬 30%，保本保息</h2>")); proposal.show_rest()')
    nbformat.write(nb, draft)
    message = _refused(draft)
    assert "cell 11 ('sections-closing'), a code cell, was changed" in message
    assert not marker.exists()


def test_added_code_cell_is_refused(draft: Path, tmp_path: Path):
    marker = tmp_path / "MARKER-added"
    nb = _read(draft)
    nb.cells.insert(5, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').close()"))
    nbformat.write(nb, draft)
    message = _refused(draft)
    assert "cell 6 (" in message and "was added" in message
    assert not marker.exists()


def test_reordered_cells_are_refused(draft: Path):
    nb = _read(draft)
    i = next(i for i, c in enumerate(nb.cells) if c.get("id") == "sections-middle")
    nb.cells[i], nb.cells[i + 1] = nb.cells[i + 1], nb.cells[i]
    nbformat.write(nb, draft)
    message = _refused(draft)
    assert "out of order" in message and f"cell {i + 1} (" in message


def test_changed_non_advisor_markdown_and_removed_cell_are_refused(draft: Path):
    nb = _read(draft)
    _cell(nb, "how-to-use").source += "\nextra"
    nbformat.write(nb, draft)
    assert "cell 1 ('how-to-use'), a markdown cell, was changed" in _refused(draft)
    nb = _read(draft)
    _cell(nb, "how-to-use").source = _cell(_read(TEMPLATE), "how-to-use").source
    del nb.cells[7]
    nbformat.write(nb, draft)
    assert "removed" in _refused(draft)


def test_editing_the_recorded_fingerprint_does_not_help(draft: Path):
    nb = _read(draft)
    _cell(nb, "sections-closing").source = "print('forged')"
    nb.metadata["wealthlib"]["template_sha256"] = template_fingerprint(nb)  # the forger records the new code
    nbformat.write(nb, draft)
    assert "'sections-closing'" in _refused(draft)


def test_a_notebook_without_the_record_is_refused(draft: Path):
    nb = _read(draft)
    del nb.metadata["wealthlib"]
    nbformat.write(nb, draft)
    assert "not a draft made by `wealth draft`" in _refused(draft)


def test_allow_modified_needs_a_reason_and_is_recorded(draft: Path):
    nb = _read(draft)
    _cell(nb, "sections-closing").source = "proposal.show_rest()  # analyst"
    with pytest.raises(Exception, match="needs a reason"):
        check_draft(nb, "d", allow_modified="  ")
    check = check_draft(nb, "d", allow_modified="research: alternative chart")
    assert check.modified and check.audit()["modified_template"].startswith("research: alternative chart (cell 11")
    assert _cell(check.notebook_to_run(nb), "sections-closing").source.endswith("# analyst")


# --------------------------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("line,expected", [
    ("client = __import__('os').system('touch {m}')", "line 3: client: must be a plain value"),
    ("__import__('os').system('touch {m}')", "line 3: an expression is not allowed here"),
    ("import os; os.system('touch {m}')", "line 3: an import is not allowed here"),
    ("from os import system", "line 3: an import is not allowed here"),
    ("client: str = open('{m}', 'w').name", "line 3: an annotated assignment is not allowed here"),
    ("seed += 1", "line 3: an augmented assignment is not allowed here"),
    ("client = seed = 'lin'", "line 3: assign one plain value to one parameter name per line"),
    ("client, seed = 'lin', 1", "line 3: assign one plain value to one parameter name per line"),
    ("prebuilt = 'forged.json'", "line 3: 'prebuilt' is set by wealthlib itself"),
    ("get_ipython = 1", "line 3: 'get_ipython' is not a parameter of the template"),
    ("client = 'lin'", "line 4: 'client' is already set on line 3"),
    ("def f():\n    open('{m}', 'w')", "line 3: a function definition is not allowed here"),
])
def test_parameters_cell_statements_are_refused_naming_the_line(draft: Path, tmp_path: Path, line: str, expected: str):
    marker = tmp_path / "MARKER-param"
    nb = _read(draft)
    cell = _params_cell(nb)
    lines = cell.source.splitlines()
    lines.insert(2, line.format(m=marker))
    cell.source = "\n".join(lines)
    nbformat.write(nb, draft)
    message = _refused(draft, InputError)
    assert message.startswith(f"{draft}: parameters cell: {expected}") or f": parameters cell: {expected}" in message, message
    assert not marker.exists()


def test_parse_parameters_reads_plain_values():
    src = "# comment\nclient = 'lin'\nexclude = ['A', 'B']\nseed = 3\nlocale = None\nviews = {'x': 1.5}\n"
    assert parse_parameters(src, "d", allowed={"client", "exclude", "seed", "locale", "views"}) == {
        "client": "lin", "exclude": ["A", "B"], "seed": 3, "locale": None, "views": {"x": 1.5}}


# --------------------------------------------------------------------------------------------- end to end


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


@pytest.mark.slow
def test_render_untouched_and_modified_on_purpose(draft: Path, tmp_path: Path):
    nb = _read(draft)
    _cell(nb, "advisor-rationale").source = "ADVISOR-WORDS-17 fit your goals."
    nbformat.write(nb, draft)
    out = render_draft(draft, tmp_path / "ok", formats=("html", "pdf"))
    pages = _pdf_pages(out["pdf"])
    assert "ADVISOR-WORDS-17" in "".join(pages)
    assert not any("modified template" in p.lower() or "範本已修改" in p for p in pages)
    assert f"sha256:{template_fingerprint(_read(TEMPLATE))}" in out["html"].read_text(encoding="utf-8")

    _cell(nb, "sections-closing").source = 'proposal.show_rest()\nprint("ANALYST-CHANGE")'
    nbformat.write(nb, draft)
    out = render_draft(draft, tmp_path / "mod", formats=("pdf",), allow_modified="REASON-X research only")
    pages = _pdf_pages(out["pdf"])
    assert len(pages) > 3
    for page in pages:  # the mark and the reason run at the foot of every page
        flat = "".join(page.split())
        assert "範本已修改" in flat and "REASON-Xresearchonly" in flat, page[-400:]
