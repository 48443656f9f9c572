"""The project's set-up files agree with each other and with the layout DESIGN.md promises."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_norm(r) for r in project["dependencies"]}
    wanted |= {_norm(r) for r in project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    have = {_norm(r) for r in pip_section}
    assert have == wanted, f"only in environment.yml: {sorted(have - wanted)}; only in pyproject: {sorted(wanted - have)}"
    assert "python=3.11" in env["dependencies"]


def test_top_level_layout():
    for name in ["notebooks", "templates", "wealthlib", "params", "reports", "tests", "benchmarks", ".ci"]:
        assert (ROOT / name).is_dir(), name
    for name in ["environment.yml", "README.md", "pyproject.toml", "Makefile", ".ci/run"]:
        assert (ROOT / name).is_file(), name


def test_readme_starts_with_the_two_commands():
    lines = [ln.strip() for ln in (ROOT / "README.md").read_text().splitlines() if ln.strip()]
    commands = [ln for ln in lines if ln.startswith("make ")]
    assert commands[:2] == ["make demo", "make test"]
    # the two commands come before any other section of the README
    first_section = next(i for i, ln in enumerate(lines) if ln.startswith("## "))
    assert lines.index("make demo") < first_section


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_outputs_and_drafts_are_ignored_by_git():
    ignore = (ROOT / ".gitignore").read_text()
    assert "/reports/*" in ignore and "!/reports/README.md" in ignore
    assert "/notebooks/drafts/*" in ignore
