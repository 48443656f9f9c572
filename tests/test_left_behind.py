"""Nothing left behind after any ending: ``wealth propose`` and ``wealth batch`` killed with SIGKILL at several
stages leave no client data in the temporary folder (private 0700 folders, removed by their watcher once the
process is gone) and nothing half-written that a re-run does not clean. Each command runs with its own TMPDIR, so
what is listed there is its own; every wait is on a file the code writes or a process exit."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from _paths import PARAMS, ROOT, WEALTH

pytestmark = pytest.mark.slow  # real kernels

WAIT_S = 300  # bound on a broken run only


def _until(cond, what: str, proc=None):
    deadline = time.monotonic() + WAIT_S
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the command ended before {what}: {proc.stderr.read().decode()[-2000:]}")
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def _start(args, tmp: Path, **env):
    return subprocess.Popen([str(WEALTH), *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env={**os.environ, "TMPDIR": str(tmp), **env})


def _kill(proc) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the command and every process of its group, at once
    proc.wait(timeout=60)


def _private_folders(tmp: Path) -> list[Path]:
    return [p for p in tmp.iterdir() if p.is_dir()]


@pytest.mark.parametrize("stage", ["folder", "prebuilt"])
def test_a_killed_propose_leaves_no_client_data_in_tmp(tmp_path, stage):
    tmp, out = tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    proc = _start(["propose", "lin", "--out", str(out), "--format", "html"], tmp)
    try:
        if stage == "folder":  # the private folder exists: the proposal is being built in the forked child
            _until(lambda: any(p.name.startswith("wealth-propose-") for p in tmp.iterdir()), "its folder", proc)
        else:  # the built proposal (client data) is on disk, the kernel is starting or running on it
            _until(lambda: list(tmp.glob("wealth-propose-*/proposal.json")), "proposal.json", proc)
        folder = next(p for p in tmp.iterdir() if p.name.startswith("wealth-propose-"))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    finally:
        _kill(proc)
    _until(lambda: not list(tmp.iterdir()), "the temporary folder emptied by the watcher")
    assert not out.exists() or [p.name for p in out.iterdir()] == []


def test_a_killed_batch_leaves_nothing_a_rerun_does_not_clean(tmp_path):
    params = tmp_path / "params"
    (params / "clients").mkdir(parents=True)
    for f in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):
        shutil.copy(PARAMS / f, params)
    shutil.copy(PARAMS / "clients" / "lee.yaml", params / "clients")
    tmp, out, hook = tmp_path / "tmp", tmp_path / "out", tmp_path / "hook"
    tmp.mkdir()
    hook.mkdir()
    (hook / "lee.execute.hold").touch()
    args = ["batch", "review", "--params", str(params), "--out", str(out), "--format", "html", "--no-progress"]
    proc = _start(args, tmp, WEALTHLIB_FAULT_HOOK=str(hook))
    try:
        _until(lambda: (hook / "lee.execute.1").exists(), "lee's kernel running", proc)
        # the worker's kernel folder: in TMPDIR, or in the private folder of the warm template it was forked from
        runtime = list(tmp.glob("**/wealth-kernels-*/runtime/*.json"))
        assert runtime, "the kernel's connection file lives in the private kernel folder"
        assert all(stat.S_IMODE(p.parent.parent.stat().st_mode) == 0o700 for p in runtime)
    finally:
        _kill(proc)
    _until(lambda: not list(tmp.iterdir()), "the kernel folders and connection files removed")
    (out / ".lee.html.abcdefgh.tmp").write_text("<html>half</html>")  # as a kill during a write leaves
    done = subprocess.run([str(WEALTH), *args], cwd=ROOT, capture_output=True, text=True, timeout=WAIT_S,
                          env={**os.environ, "TMPDIR": str(tmp)})
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "lee.html", "manifest.csv", "manifest.json"]
    assert list(tmp.iterdir()) == []
