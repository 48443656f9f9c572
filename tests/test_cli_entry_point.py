"""The installed ``wealth`` console script, in a process of its own as a user runs it, prints what the in-process
runs of the other CLI tests see (``_cli.run_in_process``): the same exit code, the same stdout and stderr.

One refusal per command group (``wealthlib.cli.app.GROUPS``), so a difference between the two ways — the
entry point's error handling, the program name, the warning format, the environment — shows here, while the
many bad-input tests run in-process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _cli import run_in_process, run_subprocess
from _paths import PARAMS


def _bad_client(params: Path) -> Path:
    text = (params / "clients" / "lin.yaml").read_text(encoding="utf-8")
    assert "USD-MMF: {amount: 16305.24}" in text
    (params / "clients" / "neg.yaml").write_text(
        text.replace("id: lin", "id: neg").replace("USD-MMF: {amount: 16305.24}", "USD-MMF: {amount: -5}"),
        encoding="utf-8")
    return params


# (command group, arguments after --params, expected exit code, a piece of the message); "{tmp}" is the test's
# folder, where each command runs
CASES = [
    ("advice", ["validate"], 1, "params/clients/neg.yaml: holdings.USD-MMF.amount: must be ≥ 0"),
    ("advice-usage", ["allocate"], 2, "error: wealth allocate: Missing argument 'client'. (see 'wealth allocate --help')"),
    ("market", ["market", "info", "--as-of", "31/12/2018"], 2, "error: wealth market info: No such option: --as-of"),
    ("documents", ["propose", "lin", "--format", "docx", "--out", "{tmp}/out"], 1, "error: --format: unknown format(s) docx"),
    ("batch", ["batch", "review", "--quarter", "2030Q1", "--out", "{tmp}/b", "--no-progress"], 2,
     "is after the end of the market data"),
    ("book", ["book", "summary"], 1, "skipped: params/clients/neg.yaml: holdings.USD-MMF.amount: must be ≥ 0"),
    ("guard", ["verify", "{tmp}/nope.pdf"], 1, "nope.pdf"),
    ("records", ["accept", "lin", "--proposal", "{tmp}/nope.pdf", "--date", "10/07/2018"], 1,
     "error: --date: not a date in YYYY-MM-DD form"),
]


@pytest.mark.slow  # runs the installed `wealth` script as a process
@pytest.mark.parametrize("group,args,code,message", CASES, ids=[c[0] for c in CASES])
def test_the_console_script_prints_what_the_in_process_run_prints(params_copy: Path, tmp_path: Path, group, args,
                                                                   code, message):
    _bad_client(params_copy)
    argv = ["--params", str(params_copy), *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    real = run_subprocess(*argv, cwd=tmp_path)
    inside = run_in_process(*argv, cwd=tmp_path)
    assert real.returncode == code, real.stderr
    assert message in real.stderr, real.stderr
    assert (inside.returncode, inside.stdout, inside.stderr) == (real.returncode, real.stdout, real.stderr)
    assert [p.name for p in tmp_path.iterdir()] == ["params"]  # neither run wrote anything


def test_in_process_runs_leave_the_test_process_as_it_was(params_copy: Path, tmp_path: Path, monkeypatch):
    """Working directory, environment, warning format and the program name are restored after each run, a run
    sees none of the shell's WEALTH_PARAMS / WEALTH_DEBUG, and a policy edited between two runs is read anew."""
    import os
    import sys
    import warnings

    monkeypatch.setenv("WEALTH_PARAMS", str(tmp_path / "nowhere"))
    monkeypatch.setenv("WEALTH_DEBUG", "1")
    cwd, argv, fmt = os.getcwd(), list(sys.argv), warnings.formatwarning
    first = run_in_process("--params", str(params_copy), "validate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (os.getcwd(), sys.argv, warnings.formatwarning) == (cwd, argv, fmt)
    assert os.environ["WEALTH_PARAMS"] == str(tmp_path / "nowhere") and os.environ["WEALTH_DEBUG"] == "1"
    # WEALTH_PARAMS unset inside: with no --params the command reads ./params of its working directory
    here = run_in_process("validate", cwd=params_copy.parent)
    assert here.returncode == 0 and "no problems" in here.stdout, here.stderr
    policy = params_copy / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("ladders:", "ladders_typo:", 1), encoding="utf-8")
    again = run_in_process("--params", str(params_copy), "allocate", "lin", cwd=tmp_path)
    assert again.returncode == 1 and "params/policy.yaml" in again.stderr, again.stderr
    assert run_in_process("--params", str(PARAMS), "allocate", "lin", "--json", cwd=tmp_path).returncode == 0
