"""Fault injection into real batches (deterministic: every wait is on a file or a process exit the code
produces, through the test-only hook of :mod:`wealthlib._batch.faults`, never on a sleep).

A dead worker costs only the client it held; a kernel stuck in C code past its timeout is killed within the
grace; two batches into one folder (the second refused, nothing lost); a subset run then a full run (nothing
unchanged re-rendered); nothing left behind (processes, kernel folders, connection files, temporary files)."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from _paths import sample_book
from wealthlib import batch
from wealthlib._batch import faults
from wealthlib._batch.zygote import KILL_GRACE_S
from wealthlib.batch import BatchError, run_batch

pytestmark = pytest.mark.slow  # real kernels

BOOK = ("lee", "lin", "morgan")
WAIT_S = 900  # upper bound on any wait for an event (a loaded shared machine); never reached unless broken


def wait_for(path: Path, batch: "Batch | None" = None) -> dict:
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        if batch is not None and not batch.is_alive():
            m = batch.manifest
            raise AssertionError(f"the batch ended before {path.name}: {batch.error!r} "
                                 f"{ {c: (e['status'], e['reason']) for c, e in (m.entries.items() if m else [])} }")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} never appeared")
        time.sleep(0.02)
    return json.loads(path.read_text())


def kernel_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).iterdir()}


@pytest.fixture()
def book(tmp_path):
    params = tmp_path / "params"
    sample_book(params, BOOK)
    return params


@pytest.fixture()
def hook(tmp_path, monkeypatch):
    d = tmp_path / "hook"
    d.mkdir()
    monkeypatch.setenv(faults.ENV, str(d))
    # the batch's own temporary folder (workers inherit TMPDIR): what is left there is ours, no other run's
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return d


class Batch(threading.Thread):
    """``run_batch`` in a thread: its result or its exception."""

    def __init__(self, **kwargs):
        super().__init__(daemon=True)
        self.kwargs, self.manifest, self.error = kwargs, None, None
        self.start()

    def run(self):
        try:
            self.manifest = run_batch("review", quarter="2018Q3", formats=("html",), **self.kwargs)
        except BaseException as err:  # noqa: BLE001
            self.error = err

    def result(self):
        self.join(WAIT_S)
        assert not self.is_alive(), "batch did not finish"
        if self.error:
            raise self.error
        return self.manifest


def nothing_left(out: Path, folders_before: set[str]) -> None:
    """No process of ours, no kernel folder, no temporary or lock file in the output folder."""
    me = psutil.Process()
    procs = [c for c in me.children(recursive=True) if "resource_tracker" not in " ".join(c.cmdline())]
    gone, alive = psutil.wait_procs(procs, timeout=30)
    assert alive == [], [(p.pid, p.cmdline()) for p in alive]
    deadline = time.monotonic() + 30
    while kernel_folders() - folders_before and time.monotonic() < deadline:
        time.sleep(0.05)  # a dead worker's folder is removed by its watcher, which has just seen the pipe close
    assert kernel_folders() - folders_before == set()  # kernel folders, connection files: all in the temp folder
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("stage", faults.STAGES)
def test_a_worker_killed_twice_on_one_client_fails_that_client_only(book, hook, tmp_path, stage):
    out = tmp_path / "out"
    before = kernel_folders()
    (hook / f"lin.{stage}.hold").touch()
    b = Batch(params=book, out=out, workers=2)
    for attempt in (1, 2):  # the client goes back to the queue once, on a new worker; the second death is final
        info = wait_for(hook / f"lin.{stage}.{attempt}", b)
        tree = psutil.Process(info["pid"]).children(recursive=True)  # not the worker: the batch reaps it
        os.kill(info["pid"], signal.SIGKILL)
        gone, alive = psutil.wait_procs(tree, timeout=30)  # its zygote, launcher and kernel die with it
        assert alive == [], [(p.pid, p.cmdline()) for p in alive]
    (hook / f"lin.{stage}.hold").unlink()
    m = b.result()
    assert m.entries["lin"]["status"] == "failed"
    assert m.entries["lin"]["reason"] == "worker died twice: SIGKILL"
    assert {c: m.entries[c]["status"] for c in ("lee", "morgan")} == {"lee": "ok", "morgan": "ok"}
    nothing_left(out, before)
    # a re-run completes it and re-renders nothing else
    seen = []
    m2 = run_batch("review", quarter="2018Q3", formats=("html",), params=book, out=out, workers=1, progress=seen.append)
    assert [r["client"] for r in seen] == ["lin"]
    assert {c: e["status"] for c, e in m2.entries.items()} == {"lee": "unchanged", "lin": "ok", "morgan": "unchanged"}, m2.entries["lin"]["reason"]
    nothing_left(out, before)


def test_a_worker_killed_once_costs_nothing(book, hook, tmp_path):
    out = tmp_path / "out"
    before = kernel_folders()
    (hook / "lee.execute.hold").touch()
    b = Batch(params=book, out=out, workers=2)
    info = wait_for(hook / "lee.execute.1", b)
    os.kill(info["pid"], signal.SIGKILL)
    (hook / "lee.execute.hold").unlink()
    m = b.result()
    assert {c: e["status"] for c, e in m.entries.items()} == {c: "ok" for c in BOOK}
    assert (hook / "lee.execute.2").exists()  # it ran again, on another worker
    assert json.loads((hook / "lee.execute.2").read_text())["pid"] != info["pid"]
    nothing_left(out, before)


def test_a_kernel_stuck_in_c_past_its_timeout_is_killed_within_the_grace(book, hook, tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('client = ""\nquarter = ""\nparams = ""\nlocale = ""')
    p.metadata["tags"] = ["parameters"]
    # a catastrophic regex: C code that holds the GIL, so no Python signal handler or thread runs in the kernel
    nb.cells = [p, nbformat.v4.new_code_cell("import re, pathlib\nif pathlib.Path(client).stem == 'lin':\n"
                                             "    re.match(r'(a+)+$', 'a' * 64 + 'b')\nprint('ok')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    tpl = tmp_path / "stuck.ipynb"
    nbformat.write(nb, tpl)
    monkeypatch.setitem(batch.TEMPLATES, "review", tpl)
    (hook / "lin.execute.hold").touch()
    b = Batch(params=book, out=tmp_path / "out", workers=1, clients="[lm][io]*", cell_timeout=2)
    info = wait_for(hook / "lin.execute.1", b)
    # the template's children: the worker it forked, and lin's kernel
    kernels = [p for p in psutil.Process(info["zygote"]).children() if p.pid != info["pid"]]
    assert len(kernels) == 1  # lin's kernel, forked from the warm template
    (hook / "lin.execute.hold").unlink()
    kernel = kernels[0]
    # the cell times out after 2 s; then the kernel is interrupted and, as it cannot react, killed after the grace
    gone, alive = psutil.wait_procs([kernel], timeout=2 + KILL_GRACE_S + 10)
    assert alive == [], "the stuck kernel outlived its timeout and grace"
    m = b.result()
    assert m.entries["lin"]["status"] == "failed"
    assert m.entries["lin"]["reason"].endswith("stuck.ipynb: cell 2 exceeded 2 s"), m.entries["lin"]["reason"]
    assert m.entries["morgan"]["status"] == "ok"  # the same worker went on with the next client


def test_two_batches_into_one_folder_the_second_is_refused_and_nothing_is_lost(book, hook, tmp_path):
    out = tmp_path / "out"
    (hook / "lee.start.hold").touch()
    first = Batch(params=book, out=out, workers=1, clients="lee")
    info = wait_for(hook / "lee.start.1", first)
    with pytest.raises(BatchError) as refused:
        run_batch("review", quarter="2018Q3", formats=("html",), params=book, out=out, clients="[lm][io]*")
    msg = str(refused.value)
    assert "another batch is writing into this folder" in msg
    assert f"pid {os.getpid()}" in msg  # the holder is this test process (the batch runs in a thread)
    assert time.strftime("%Y-%m-%d", time.gmtime()) in msg
    assert info["pid"] != os.getpid()
    (hook / "lee.start.hold").unlink()
    assert first.result().entries["lee"]["status"] == "ok"
    # once the first is done the folder is free; a subset run merges into the manifest and the index
    m = run_batch("review", quarter="2018Q3", formats=("html",), params=book, out=out, clients="[lm][io]*")
    assert {c: e["status"] for c, e in m.entries.items()} == {"lee": "ok", "lin": "ok", "morgan": "ok"}
    assert m.counts() == {"ok": 2, "failed": 0, "unchanged": 0, "skipped": 0}  # this run: lin and morgan
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["client"] for e in data["clients"]) == list(BOOK)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{c}.html"' in index for c in BOOK)
    # then a full run: nothing re-rendered
    seen = []
    m = run_batch("review", quarter="2018Q3", formats=("html",), params=book, out=out, progress=seen.append)
    assert seen == [] and {e["status"] for e in m.entries.values()} == {"unchanged"}


def test_a_killed_runs_temporary_files_are_removed_by_the_next_run(book, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".huang.html.5dyovje3.tmp").write_text("<html>a half-written document</html>")
    (out / ".manifest.json.abcdefgh.tmp").write_text("{")
    (out / ".keep-me").write_text("not ours")
    run_batch("review", quarter="2018Q3", formats=("html",), params=book, out=out, clients="lee")
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".keep-me"]


def test_the_workers_and_their_kernels_fork_from_one_warm_template(book, hook, tmp_path):
    for cid in ("lee", "lin"):
        (hook / f"{cid}.execute.hold").touch()
    b = Batch(params=book, out=tmp_path / "out", workers=2)
    lee, lin = wait_for(hook / "lee.execute.1", b), wait_for(hook / "lin.execute.1", b)
    assert lee["pid"] != lin["pid"], "two workers, one client each"
    assert lee["zygote"] == lin["zygote"], "their kernels come from one template"
    template = psutil.Process(lee["zygote"])
    assert template.ppid() == os.getpid()  # the batch's (this process's), not a worker's
    for worker in (lee["pid"], lin["pid"]):
        own = [p for p in psutil.Process(worker).children(recursive=True) if "wealthlib._batch.zygote" in p.cmdline()]
        assert own == [], "a worker started a template of its own"
    # the template forked both workers (nothing to import or warm) and both clients' kernels
    children = {p.pid for p in template.children()}
    assert {lee["pid"], lin["pid"]} <= children
    assert len(children - {lee["pid"], lin["pid"]}) == 2  # lee's and lin's kernels
    for cid in ("lee", "lin"):
        (hook / f"{cid}.execute.hold").unlink()
    m = b.result()
    assert {c: e["status"] for c, e in m.entries.items()} == {c: "ok" for c in BOOK}
    assert not template.is_running(), "the template outlived its batch"


def test_a_template_that_cannot_start_is_each_clients_reason(book, tmp_path):
    from wealthlib._batch import worker
    from wealthlib._batch.template import SharedTemplate

    (book / "market.yaml").write_text("sources: [{nowhere: 1}]\n", encoding="utf-8")
    job = {"params": str(book), "as_of": "2018-09-30", "warm_locales": "en"}
    template = SharedTemplate([job], 2)
    try:
        assert template.address(job) is None  # no worker is pointed at it: each starts its own, which says why
        assert template.proc.wait() == 1
    finally:
        template.close()
    assert not template.root.exists()
    with pytest.raises(worker.TemplateStartError, match=r"could not start: .*market\.yaml"):
        worker.ensure_engine("fork", str(book), "2018-09-30", "en")


def test_a_template_killed_mid_batch_costs_only_a_retry(book, hook, tmp_path):
    out = tmp_path / "out"
    before = kernel_folders()
    (hook / "lee.execute.hold").touch()
    b = Batch(params=book, out=out, workers=2)
    info = wait_for(hook / "lee.execute.1", b)
    template = psutil.Process(info["zygote"])
    assert template.ppid() == os.getpid()
    template.kill()  # its workers and kernels die with it
    (hook / "lee.execute.hold").unlink()
    m = b.result()
    # every client rendered: the ones the template's workers held went back to the queue, and new workers
    # (spawned, each with a template of its own) took them
    assert {c: e["status"] for c, e in m.entries.items()} == {c: "ok" for c in BOOK}, m.entries
    assert (hook / "lee.execute.2").exists()
    assert json.loads((hook / "lee.execute.2").read_text())["zygote"] != info["zygote"]
    nothing_left(out, before)
