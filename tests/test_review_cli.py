"""``wealth review``'s bad inputs: one line naming what is wrong, exit 1, nothing written and no kernel started
(each message checked against the input given here)."""

from __future__ import annotations

import pytest

from _cli import run_in_process as run
from _paths import PARAMS


@pytest.mark.parametrize("args, said", [
    (["nobody"], "clients/nobody.yaml: file not found"),
    (["lin", "--quarter", "2018Q5"], "quarter: '2018Q5' is not a quarter like 2018Q3"),
    (["lin", "--quarter", "2031Q1"], "quarter 2031Q1: as_of: 2031-03-31 is after the end of the market data"),
    (["lin", "--lang", "fr"], "fr"),
])
def test_bad_review_inputs_are_one_line_and_write_nothing(tmp_path, args, said):
    out = tmp_path / "out"
    out.mkdir()
    proc = run("--params", str(PARAMS), "review", *args, "--format", "html", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert said in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and list(out.iterdir()) == []
