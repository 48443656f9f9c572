"""Scale-out on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on loopback. One worker is
killed (SIGKILL) mid-batch; every client still finishes exactly once, and nothing of the dead worker survives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from wealthlib.batch import run_batch

pytestmark = pytest.mark.slow

from _paths import ROOT, SAMPLES, sample_book
DASK = Path(sys.executable).parent / "dask"


def _wait_for(pred, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture()
def cluster(tmp_path):
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = []
    log = open(tmp_path / "dask.log", "wb")
    procs.append(subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(sched_file)], cwd=ROOT, env=env, stdout=log, stderr=log))
    _wait_for(lambda: sched_file.is_file() and sched_file.stat().st_size > 0, 60, "the scheduler")
    address = json.loads(sched_file.read_text())["address"]
    workers = []
    for name in ("w1", "w2"):
        w = subprocess.Popen([str(DASK), "worker", "--scheduler-file", str(sched_file), "--nthreads", "1",
                              "--no-nanny", "--no-dashboard", "--name", name, "--host", "127.0.0.1"],
                             cwd=ROOT, env=env, stdout=log, stderr=log)
        workers.append(w)
        procs.append(w)
    from distributed import Client

    with Client(address, timeout="30s") as c:
        c.wait_for_workers(2, timeout=60)
    t0 = time.time()
    try:
        yield address, workers, t0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def test_dask_batch_survives_a_killed_worker(cluster, tmp_path):
    address, workers, t0 = cluster
    params = tmp_path / "params"
    sample_book(params, SAMPLES)
    victim = workers[0]
    victim_tree: list[int] = []
    results: list[dict] = []

    def on_result(res: dict) -> None:
        results.append(res)
        if len(results) == 1:  # mid-batch: the victim is busy with a client (one thread each)
            proc = psutil.Process(victim.pid)
            victim_tree.extend([proc.pid, *(c.pid for c in proc.children(recursive=True))])
            os.kill(victim.pid, signal.SIGKILL)

    out = tmp_path / "out"
    m = run_batch("review", quarter="2018Q3", params=params, out=out, scheduler=address, formats=("html", "pdf"),
                  progress=on_result)
    # every client exactly once, all rendered, outputs on disk
    assert sorted(r["client"] for r in results) == SAMPLES
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["client"] for e in data["clients"]) == SAMPLES
    for cid in SAMPLES:
        e = m.entries[cid]
        assert e["status"] == "ok", (cid, e["reason"])
        for name in e["outputs"].values():
            assert (out / name).stat().st_size > 0
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert len(victim_tree) > 1  # the victim had its warm template (and a kernel) when it was killed
    # the dead worker's template and kernels died with it
    time.sleep(1.0)
    alive = [pid for pid in victim_tree[1:] if psutil.pid_exists(pid)
             and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert alive == []
    # the surviving worker rendered the rest
    assert len({r["worker"] for r in results}) >= 1
