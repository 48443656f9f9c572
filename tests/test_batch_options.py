"""Batch options are checked first: a bad option is one line, exit 2, and no folder or file is created."""

from __future__ import annotations

from pathlib import Path

import pytest

from _cli import Ran, run_in_process
from _paths import ROOT


def _batch(*args: str, cwd: Path) -> Ran:
    """``wealth batch ARGS`` in-process (``_cli``; ``test_cli_entry_point`` runs one batch refusal as a process)."""
    return run_in_process("batch", *args, "--params", str(ROOT / "params"), "--no-progress", cwd=cwd)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf", "abc", ""])
def test_a_cell_timeout_that_is_not_a_positive_number_or_none_is_refused(tmp_path, value):
    r = _batch("review", "--cell-timeout", value, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"error: --cell-timeout: must be a positive number of seconds or 'none', got {value!r}"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args,message", [
    (("review", "--quarter", "2018Q5"), "quarter"),
    (("review", "--quarter", "2031Q1"), "quarter 2031Q1"),
    (("propose", "--as-of", "2018-13-45"), "is not a date"),
    (("review", "--clients", "nobody*"), "no client files match"),
    (("review", "--format", "docx"), "docx"),
    (("review", "--engine", "warp"), "unknown engine"),
])
def test_a_bad_option_creates_no_folder(tmp_path, args, message):
    out = tmp_path / "a" / ".." / "b" / "out"  # also through '..'
    r = _batch(*args, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []  # nothing at all: not out, not a, not b


@pytest.mark.parametrize("value,problem", [
    ("localhost:8786", "(scheme://host:port)"),
    ("", "(scheme://host:port)"),
    ("http://localhost:8786", "scheme 'http' is not one of tcp, tls, ws, wss"),
    ("inproc://127.0.0.1/1/2", "scheme 'inproc' is not one of tcp, tls, ws, wss"),
    ("tcp://localhost", "(host and a numeric port)"),
    ("tcp://localhost:port", "(host and a numeric port)"),
    ("tcp://:8786", "(the host is missing)"),
    ("tcp://localhost:70000", "(port 70000 is not between 1 and 65535)"),
])
def test_a_scheduler_that_is_not_a_dask_address_is_refused_before_anything_is_created(tmp_path, value, problem):
    r = _batch("review", "--scheduler", value, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"error: --scheduler: must be a Dask scheduler address like tcp://host:8786 {problem}"
        if problem.startswith("(") else
        f"error: --scheduler: must be a Dask scheduler address like tcp://host:8786; {problem}"]
    assert list(tmp_path.iterdir()) == []


def test_dask_addresses_are_accepted():
    from wealthlib.cli.batch import parse_scheduler

    for address in ("tcp://127.0.0.1:8786", "tls://scheduler.example:8786", "tcp://[::1]:8786", "ws://h:1"):
        assert parse_scheduler(address) == address
    assert parse_scheduler(None) is None


def test_none_disables_the_cell_timeout():
    from wealthlib.cli.batch import parse_timeout

    assert parse_timeout("none") is None and parse_timeout("NONE") is None
    assert parse_timeout("2.5") == 2.5
