"""The ``wealth`` command is a package without an import circle: one module per command group, each importing
only what it shares (``wealthlib.cli.common``), never the package or the app back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from _paths import ROOT


def cli_modules(root: Path) -> dict[str, Path]:
    """Every module of the command line under ``root/wealthlib``: the ``cli`` package's modules and any
    ``cli*.py`` beside it (the layout this test replaced had ``cli.py``, ``cli_batch.py``, ``cli_book.py``)."""
    lib = root / "wealthlib"
    found = {f"wealthlib.{p.stem}": p for p in [*lib.glob("cli.py"), *lib.glob("cli_*.py")]}
    for p in (lib / "cli").rglob("*.py") if (lib / "cli").is_dir() else ():
        parts = p.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Which module of the group imports which (any import statement, including those inside functions)."""
    modules = cli_modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")
                base = base[: len(base) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                # ``from . import x`` imports the submodule x when there is one, else a name of the package
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names]
            for target in targets:
                hit = max((m for m in modules if target == m or target.startswith(m + ".")), key=len, default=None)
                if hit is not None and hit != name:
                    graph[name].add(hit)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle found by a depth-first walk (each as the path that closes it)."""
    found, state = [], {}

    def walk(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    return found


def test_the_cli_is_a_package_of_command_groups():
    modules = cli_modules(ROOT)
    assert (ROOT / "wealthlib" / "cli" / "__init__.py").is_file()
    assert not [m for m in modules if not m.startswith("wealthlib.cli.") and m != "wealthlib.cli"], \
        "command-line modules outside the wealthlib.cli package"
    assert {"wealthlib.cli.app", "wealthlib.cli.common"} <= set(modules)


def test_no_module_of_the_cli_imports_the_package_or_the_app_back():
    graph = import_graph(ROOT)
    entry = {"wealthlib.cli", "wealthlib.cli.__main__"}  # the package's own face: they import the app
    back = sorted(f"{m} imports {t}" for m, ts in graph.items() if m not in entry
                  for t in ts if t in {"wealthlib.cli", "wealthlib.cli.app"})
    assert not back, back
    assert not cycles(graph), cycles(graph)


def test_the_check_sees_the_circle_of_a_flat_layout(tmp_path):
    """The checks above are real: the layout they replaced (cli.py mounting cli_batch.py, which imports
    ``state`` back inside a function) is caught."""
    lib = tmp_path / "wealthlib"
    lib.mkdir()
    (lib / "cli.py").write_text("from .cli_batch import batch_app\nstate = None\n")
    (lib / "cli_batch.py").write_text("batch_app = None\ndef run():\n    from .cli import state\n")
    graph = import_graph(tmp_path)
    assert graph == {"wealthlib.cli": {"wealthlib.cli_batch"}, "wealthlib.cli_batch": {"wealthlib.cli"}}
    assert cycles(graph) == [["wealthlib.cli", "wealthlib.cli_batch", "wealthlib.cli"]]


@pytest.mark.slow  # a fresh interpreter per CLI module
def test_each_cli_module_imports_alone_and_light():
    """In a fresh interpreter, in a fixed order, each module imports on its own (no half-initialized module
    of a circle) and pulls in none of the heavy libraries (``wealth --help`` stays fast)."""
    heavy = ("pandas", "numpy", "cvxpy", "papermill", "nbformat", "nbconvert", "weasyprint", "matplotlib")
    for name in sorted(m for m in cli_modules(ROOT) if not m.endswith("__main__")):
        code = (f"import importlib, sys; importlib.import_module({name!r}); "
                f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{name}: {proc.stderr.strip().splitlines()[-1:]}"
        assert proc.stdout.strip() == "", f"{name} imports {proc.stdout.strip()}"
