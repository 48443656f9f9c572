"""The manifest and the documents on disk agree: a folder whose manifest cannot be written renders nobody, and a
manifest that becomes unwritable mid-run stops the batch with this run's unlisted documents removed."""

from __future__ import annotations

import csv
import shutil
import subprocess

import pytest

from wealthlib._batch import faults

from _paths import PARAMS, WEALTH



@pytest.fixture()
def book(tmp_path):
    params = tmp_path / "params"
    (params / "clients").mkdir(parents=True)
    for name in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):
        shutil.copy(PARAMS / name, params)
    for cid in ("lee", "lin"):
        shutil.copy(PARAMS / "clients" / f"{cid}.yaml", params / "clients")
    return params


@pytest.mark.parametrize("blocked", ["manifest.json", "manifest.csv", "index.html"])
def test_a_folder_whose_record_cannot_be_written_renders_nobody(book, tmp_path, blocked):
    from _cli import run_in_process

    out = tmp_path / "out"
    (out / blocked).mkdir(parents=True)  # a folder where the record should be: no write can succeed
    r = run_in_process("batch", "review", "--quarter", "2018Q3", "--params", str(book), "--out", str(out),
                       "--format", "html", "--workers", "1", "--no-progress", cwd=tmp_path)  # refused up front
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and blocked in lines[0] and "cannot write" in lines[0], r.stderr
    assert lines[0].endswith("nothing was rendered"), r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) in (
        [blocked], sorted([blocked, "manifest.csv", "manifest.json"]))  # no document
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


@pytest.mark.slow  # real kernels
def test_a_manifest_that_becomes_unwritable_mid_run_stops_the_batch_and_leaves_no_unlisted_document(book, tmp_path):
    import time

    out, hook = tmp_path / "out", tmp_path / "hook"
    hook.mkdir()
    (hook / "lee.written.hold").touch()  # lee's documents are on disk, the result not yet reported
    proc = subprocess.Popen([str(WEALTH), "batch", "review", "--quarter", "2018Q3", "--params", str(book),
                             "--out", str(out), "--format", "html", "--workers", "1", "--no-progress"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**__import__("os").environ, faults.ENV: str(hook)})
    try:
        deadline = time.monotonic() + 900
        while not (hook / "lee.written.1").exists():  # an event the worker writes
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert (out / "lee.html").is_file()
        (out / "manifest.json").unlink()
        (out / "manifest.json").mkdir()  # the record can no longer be written
        (hook / "lee.written.hold").unlink()
        stdout, stderr = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "manifest.json" in lines[0] and "cannot write" in lines[0] and "the batch stopped" in lines[0]
    assert "removed the documents the manifest does not list (lee.html)" in lines[0], stderr
    assert not (out / "lee.html").exists() and not (out / "lin.html").exists()  # lin was never rendered
    with open(out / "manifest.csv", newline="") as fh:  # the last record written: both clients still to do
        rows = {r["client"]: r for r in csv.DictReader(fh)}
    assert {c: r["status"] for c, r in rows.items()} == {"lee": "skipped", "lin": "skipped"}
    assert all(r["outputs"] == "" for r in rows.values())
