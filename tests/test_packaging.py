"""The project's set-up files agree with each other and with the layout DESIGN.md promises."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from _paths import ROOT


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


def test_templates_are_package_data_of_the_source_tree():
    """``wealthlib/templates`` is the top-level ``templates/`` folder (a link), and package data names it."""
    from wealthlib.resources import TEMPLATES_DIR, template_path

    link = ROOT / "wealthlib" / "templates"
    assert link.is_symlink() and link.resolve() == (ROOT / "templates").resolve()
    assert template_path("proposal.ipynb").read_bytes() == (ROOT / "templates" / "proposal.ipynb").read_bytes()
    assert (TEMPLATES_DIR / "wealth_html" / "index.html.j2").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["wealthlib"]
    assert {"templates/*.ipynb", "templates/wealth_html/**/*"} <= set(data)


@pytest.mark.slow
def test_a_regular_install_runs_the_demo_from_another_folder(tmp_path):
    """``pip install .`` (a wheel, not editable) into a fresh venv, then ``wealth demo`` from another folder with
    the sample params (``WEALTH_PARAMS``): the documents are written, by the installed package, not the repository.

    The venv gets the wheel only; the dependencies are those of the running interpreter's site-packages (a
    ``.pth`` line, and nbconvert's shared templates linked where pip would have put them), so nothing is
    downloaded and nothing of the repository is on the path.
    """
    import shutil
    import site
    import subprocess
    import sys
    import sysconfig

    src = tmp_path / "src"  # build from a copy: the build leaves build/ and *.egg-info behind
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    for name in ("wealthlib", "templates"):
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    run = dict(capture_output=True, text=True, timeout=600)
    proc = subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", ".", "-w", str(wheels)],
                          cwd=src, **run)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = wheels.glob("wealthlib-*.whl")

    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    assert subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], **run).returncode == 0
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  **run).stdout.strip())
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    assert not any(Path(p).resolve() == ROOT.resolve() for p in deps)
    (purelib / "shared-dependencies.pth").write_text("\n".join(deps) + "\n")
    nbconvert_share = Path(sysconfig.get_paths()["data"]) / "share" / "jupyter" / "nbconvert"
    (venv / "share" / "jupyter").mkdir(parents=True)
    (venv / "share" / "jupyter" / "nbconvert").symlink_to(nbconvert_share)
    proc = subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)], **run)
    assert proc.returncode == 0, proc.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH", "WEALTH_DEBUG")}
    env.update(WEALTH_PARAMS=str(ROOT / "params"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"))
    proc = subprocess.run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
                          cwd=elsewhere, env=env, **run)
    assert proc.returncode == 0, proc.stderr
    probe = ("import wealthlib; from jupyter_client.kernelspec import KernelSpecManager; "
             "print(wealthlib.__file__); print(KernelSpecManager().get_kernel_spec('python3').argv[0])")
    where, kernel_python = subprocess.run([python, "-c", probe], cwd=elsewhere, env=env, **run).stdout.split()
    assert Path(where).is_relative_to(venv) and not Path(where).resolve().is_relative_to(ROOT.resolve())
    assert Path(kernel_python) == python  # the kernels run the installed package too

    proc = subprocess.run([venv / "bin" / "wealth", "demo", "--out", "out"], cwd=elsewhere, env=env, **run)
    assert proc.returncode == 0, proc.stderr
    out = elsewhere / "out"
    for cid in ("chen", "lee", "lin", "morgan"):
        assert (out / f"{cid}.pdf").read_bytes().startswith(b"%PDF"), cid
        assert (out / f"{cid}.html").is_file(), cid
    for cid in ("liu", "wang", "zhang"):  # the bank's clients, in its own folder of the reports
        assert (out / "cn-bank" / f"{cid}.pdf").read_bytes().startswith(b"%PDF"), cid
    assert 'href="cn-bank/index.html"' in (out / "index.html").read_text(encoding="utf-8")
    assert "林志明" in (out / "lin.html").read_text(encoding="utf-8")  # the name in params/clients/lin.yaml
    assert not (out / "huang.html").exists() and "huang" in proc.stdout and "skipped" in proc.stdout
    assert 'href="lin.pdf"' in (out / "index.html").read_text(encoding="utf-8")
