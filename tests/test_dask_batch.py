"""Scale-out on a real Dask cluster (``distributed.LocalCluster``: a scheduler and two nanny-managed worker
processes on loopback). A worker killed (SIGKILL) while it holds a client costs that client at most: the client
is retried once on another worker, and a client whose worker dies twice is failed for good, as in the local pool.

Deterministic: a client blocks on a file the test controls (the test-only hook of :mod:`wealthlib._batch.faults`)
and the test waits on the file the worker writes when it gets there, never on a sleep."""

from __future__ import annotations

import json
import os
import signal

import psutil
import pytest

from _paths import sample_book
from test_faults import Batch, hook, wait_for  # noqa: F401  (hook: the fault folder and a private TMPDIR)
from wealthlib.batch import run_batch

pytestmark = pytest.mark.slow  # a cluster, real kernels

BOOK = ("chen", "lee", "lin", "morgan")


@pytest.fixture()
def cluster(hook):
    import dask
    from distributed import LocalCluster

    # a worker starts its warm template and kernels as child processes: it must not be a daemonic process
    with dask.config.set({"distributed.worker.daemon": False}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1") as c:
            yield c.scheduler_address


def kill_worker(info: dict) -> None:
    """SIGKILL the Dask worker process a stage file names; its warm template and kernels must die with it."""
    tree = psutil.Process(info["pid"]).children(recursive=True)
    os.kill(info["pid"], signal.SIGKILL)
    gone, alive = psutil.wait_procs(tree, timeout=60)
    assert alive == [], [(p.pid, p.cmdline()) for p in alive]


def test_a_lost_dask_worker_costs_at_most_the_client_it_held(cluster, hook, tmp_path):
    params = sample_book(tmp_path / "params", BOOK)
    out = tmp_path / "out"
    (hook / "lee.start.hold").touch()  # lee: its worker dies once, before its engine is prepared
    (hook / "lin.execute.hold").touch()  # lin: its worker dies twice, with its kernel up
    b = Batch(params=params, out=out, scheduler=cluster)
    first = wait_for(hook / "lee.start.1", b)
    kill_worker(first)
    (hook / "lee.start.hold").unlink()
    for attempt in (1, 2):
        info = wait_for(hook / f"lin.execute.{attempt}", b)
        assert info["zygote"], "lin's worker had its warm template"
        kill_worker(info)
    (hook / "lin.execute.hold").unlink()
    m = b.result()
    assert {c: e["status"] for c, e in m.entries.items()} == {"chen": "ok", "lee": "ok", "lin": "failed", "morgan": "ok"}
    assert m.entries["lin"]["reason"] == "worker died twice: lost by the Dask scheduler"
    assert json.loads((hook / "lee.start.2").read_text())["pid"] != first["pid"]  # lee ran again, elsewhere
    assert not (hook / "lee.start.3").exists() and not (hook / "lin.start.3").exists()
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["client"] for e in data["clients"]) == sorted(BOOK)  # each client once
    for cid in ("chen", "lee", "morgan"):
        assert (out / f"{cid}.html").stat().st_size > 0
    assert not (out / "lin.html").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no attempt mark, no temporary file
    # a re-run renders lin, and nobody else
    seen: list[dict] = []
    m2 = run_batch("review", quarter="2018Q3", formats=("html",), params=params, out=out, scheduler=cluster,
                   progress=seen.append)
    assert [r["client"] for r in seen] == ["lin"]
    assert {c: e["status"] for c, e in m2.entries.items()} == {
        "chen": "unchanged", "lee": "unchanged", "lin": "ok", "morgan": "unchanged"}, m2.entries["lin"]["reason"]


def test_a_task_still_running_after_the_manifest_failed_adds_no_document(cluster, hook, tmp_path):
    """The manifest becomes unwritable while lin is still running on the other worker: the batch stops, and
    when lin's task then finishes its document must not appear (the manifest on disk does not list it)."""
    from wealthlib.errors import WealthError

    params = sample_book(tmp_path / "params", ("lee", "lin"))
    out = tmp_path / "out"
    (hook / "lee.written.hold").touch()  # lee: documents produced, result not yet reported
    (hook / "lin.execute.hold").touch()  # lin: kernel up on the other worker
    b = Batch(params=params, out=out, scheduler=cluster)
    wait_for(hook / "lee.written.1", b)
    wait_for(hook / "lin.execute.1", b)
    (out / "manifest.json").unlink()
    (out / "manifest.json").mkdir()  # the record can no longer be written
    (hook / "lee.written.hold").unlink()
    b.join(600)
    assert not b.is_alive()
    assert isinstance(b.error, WealthError) and "the batch stopped" in str(b.error), b.error
    assert "removed the documents the manifest does not list (lee.html)" in str(b.error)
    (hook / "lin.execute.hold").unlink()  # lin's task goes on, after the batch has stopped
    wait_for(hook / "lin.written.1")  # its documents are produced (the worker writes this after them)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "index.html", "manifest.csv", "manifest.json"]  # no lee.html, no lin.html
