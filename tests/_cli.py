"""The ``wealth`` command run inside the test process (typer's ``CliRunner``), or as users run it (a subprocess).

A subprocess costs a Python start and the imports (pandas, cvxpy: 1–4 s when the command loads the market);
in-process the imports are paid once per test session. :func:`run_in_process` runs the same entry point as
the console script (:func:`wealthlib.cli.main`: its one-line errors, exit codes and warning format), and
gives each invocation what a fresh process would have, restoring the test process afterwards:

* the working directory ``cwd`` and ``sys.argv[0]`` ``wealth`` (then back), the environment with ``WEALTH_DEBUG`` and ``WEALTH_PARAMS``
  unset and ``env`` applied (``CliRunner.isolation``, then back);
* its own stdout and stderr (``CliRunner.isolation``: the commands' rich consoles write to ``sys.stdout`` /
  ``sys.stderr`` as they are at print time);
* warnings printed to stderr, as Python's defaults and :func:`wealthlib.cli.main`'s one-line format do,
  not collected by pytest (``warnings.catch_warnings``: filters, ``showwarning`` and ``formatwarning``
  restored afterwards);
* no context cached from an earlier invocation (``wealthlib.context._load_context`` is keyed by folder and
  market digest, not by the policy or shelf a test may edit between two runs). Caches keyed by content (the
  market by its configuration's digest, the advisor registry by mtime) are kept: that is the time saved.

The returned object has ``returncode``, ``stdout`` and ``stderr`` like ``subprocess.CompletedProcess``, and
``Traceback`` is asserted absent from both, as the subprocess helpers do. A few tests per command group still
run the real console script (:func:`run_subprocess`), since a user runs a process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from _paths import ROOT, WEALTH

#: Variables a user's shell may set that would change what a command reads or prints.
_UNSET = ("WEALTH_DEBUG", "WEALTH_PARAMS")


@dataclass
class Ran:
    """What one ``wealth`` invocation did (the fields of ``subprocess.CompletedProcess`` the tests read)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def _show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001 - warnings API
    """Python's default ``showwarning`` (print ``formatwarning``'s text to stderr), for pytest's recorder."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _python_default_filters() -> None:
    """The warning filters a fresh ``python`` process starts with (no -W, no PYTHONWARNINGS)."""
    warnings.resetwarnings()
    for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning, DeprecationWarning):
        warnings.simplefilter("ignore", category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")


def run_in_process(*args: str, cwd: Path = ROOT, env: dict | None = None) -> Ran:
    """``wealth ARGS`` in this process (see the module docstring), from ``cwd``, with ``env`` set on top."""
    from typer.testing import CliRunner

    from wealthlib.cli import main

    context = sys.modules.get("wealthlib.context")
    if context is not None:
        context._load_context.cache_clear()
    overrides: dict[str, str | None] = {name: None for name in _UNSET}
    overrides.update(env or {})
    before, argv = os.getcwd(), sys.argv
    entry = sys.modules["__main__"]
    package = entry.__dict__.get("__package__")
    code = 0
    with CliRunner().isolation(env=overrides) as (out, err, _), warnings.catch_warnings():
        _python_default_filters()
        warnings.showwarning = _show
        saved_format = warnings.formatwarning  # main() replaces it; catch_warnings does not restore it
        os.chdir(cwd)
        # the program name usage errors print ("wealth allocate: …"): click reads it from argv[0], and from
        # __main__.__package__ when that is set (pytest run as ``python -m pytest``), as for a console script
        sys.argv = ["wealth", *args]
        entry.__package__ = None
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.chdir(before)
            sys.argv = argv
            entry.__package__ = package
            warnings.formatwarning = saved_format
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8", "backslashreplace")
    assert "Traceback" not in stdout + stderr, stdout + stderr
    return Ran(list(args), code, stdout, stderr)


def run_subprocess(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """``wealth ARGS`` as a user runs it: the installed console script in a process of its own."""
    full_env = {**os.environ, **(env or {})}
    for name in _UNSET:
        if name not in (env or {}):
            full_env.pop(name, None)
    proc = subprocess.run([WEALTH, *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=300)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc
