"""One warm template for a whole local batch: it forks the batch's workers and every client's kernel.

A local batch's workers all render with the same params folder, as-of date and locales, so one warm template
(:mod:`wealthlib._batch.zygote`) serves them all. The batch starts it first; it imports the kernel and export
stacks, loads the market context, renders a synthetic review to HTML and PDF, and then forks each worker
(:meth:`SharedTemplate.fork_worker`), which so starts with nothing left to import or warm. Each job the batch
sends names the template's socket (``job["warm_template"]``), and the worker's kernels fork from it too.
Measured 2026-12-04, 12 reviews on 2 workers, CPU seconds: one template per worker, each worker spawned
26.2-27.3; one template, workers spawned 23.6-23.7; one template forking the workers 19.2-20.7.

The template is a child of the batch's process: it dies with it (``PR_SET_PDEATHSIG``), and so do the workers
with it; it ignores Ctrl-C (the batch handles that) and stops, killing its workers and kernels, when the batch
closes its stdin. A worker that is killed takes its launcher along; the template sees the launcher's connection
close and kills that kernel, reaps the worker and tells the batch how it ended, so a dead worker leaves nothing
behind and the template goes on serving the others. If the template cannot start (a bad market file), or dies,
workers are spawned and jobs no longer name it: each worker starts its own, as a Dask worker always does — which
reports the same reason in each client's entry.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


#: Set to "1" in the environment of a template that also forks the batch's workers (a local batch's shared
#: template): it warms the export stack too, and serves worker requests (:mod:`wealthlib._batch.zygote`). Kept
#: here, not in the zygote module, which sets the BLAS thread variables of any process that imports it.
FORKS_WORKERS = "WEALTHLIB_TEMPLATE_FORKS_WORKERS"
#: The PDF engines (comma-separated, ``wealthlib.render.PDF_ENGINES``) a template that forks workers warms up:
#: those its batch's documents print with (``wealthlib/data/documents/pdf.yaml``); unset, every kind's.
PDF_ENGINES = "WEALTHLIB_TEMPLATE_PDF_ENGINES"


def start(root: Path, params: Any, as_of: Any, locales: str | None, **env: str) -> subprocess.Popen:
    """Start a warm template (``python -m wealthlib._batch.zygote``) on ``root/zygote.sock``, prepared for
    ``params``, ``as_of`` and ``locales``, with ``env`` added to this process's environment; its stderr goes to
    ``root/zygote.stderr``, read back only when it fails to start (:func:`hello`)."""
    args = [sys.executable, "-m", "wealthlib._batch.zygote", str(root / "zygote.sock")]
    if params and as_of:
        args += [str(params), str(as_of)] + ([locales] if locales else [])
    full = {**os.environ, **env}
    full.setdefault("PYTHONHASHSEED", "0")
    with open(root / "zygote.stderr", "wb") as err:
        return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=full,
                                close_fds=True)


def hello(proc: subprocess.Popen) -> dict[str, Any]:
    """A template's first line, once it is warm (``{"ready": true, ...}``, or ``{"ready": false, "error": ...}``);
    ``{}`` when it exited without one. Blocks until then."""
    line = proc.stdout.readline()
    try:
        return json.loads(line) if line else {}
    except ValueError:
        return {}


def key(job: dict[str, Any]) -> tuple[Any, Any, Any]:
    """What a warm template is prepared for: the params folder, the as-of date and the locales."""
    return job.get("params"), job.get("as_of"), job.get("warm_locales")


def _engines(jobs: list[dict[str, Any]]) -> str:
    """The PDF engines ``jobs`` print with (a review batch's: typst; WeasyPrint is then never imported)."""
    from wealthlib import render
    from wealthlib._batch.worker import document_kind

    return ",".join(sorted({render.pdf_engine(document_kind(j)) for j in jobs}))


class SharedTemplate:
    """A warm template started for ``jobs`` (all with the same :func:`key`) shared by ``workers`` workers."""

    def __init__(self, jobs: list[dict[str, Any]], workers: int):
        from wealthlib._tmp import private_dir

        self.key = key(jobs[0])
        self.workers = max(1, workers)
        self.root = private_dir("wealth-template-")  # its socket and, if it fails to start, its stderr
        self.socket = str(self.root / "zygote.sock")
        # every temporary file of the template and of what it forks (WeasyPrint's font folder, kernel folders)
        # lands in its private folder, removed with it however the processes end (a forked worker or kernel
        # leaves by os._exit, which runs no clean-up)
        (self.root / "tmp").mkdir(mode=0o700)
        self.proc = start(self.root, *self.key, JUPYTER_RUNTIME_DIR=str(self.root), TMPDIR=str(self.root / "tmp"),
                          **{FORKS_WORKERS: "1", PDF_ENGINES: _engines(jobs)})
        self._ready: bool | None = None

    def address(self, job: dict[str, Any]) -> dict[str, Any] | None:
        """What ``job`` passes to its worker to fork from this template, or None: the job is for another
        template, or this one could not start or has died (the worker then starts its own). The first call
        waits until the template is warm."""
        if key(job) != self.key or not self._running():
            return None
        return {"socket": self.socket, "pid": self.proc.pid, "workers": self.workers}

    def fork_worker(self) -> tuple[ForkedWorker, Connection] | None:
        """A new worker forked from the warm template, and the batch's end of its pipe; None when the template
        could not start or has died (the batch then spawns a worker the usual way)."""
        if not self._running():
            return None
        ours, theirs = socket.socketpair()
        request = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            request.connect(self.socket)
            socket.send_fds(request, [b'{"role": "worker"}\n'], [theirs.fileno()])
            reply = request.makefile("rb").readline()
            pid = int(json.loads(reply)["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            request.close()
            ours.close()
            return None
        finally:
            theirs.close()
        return ForkedWorker(request, pid), Connection(ours.detach())

    def _running(self) -> bool:
        """Warm (waiting for that the first time) and not dead since."""
        if self._ready is None:
            self._ready = bool(hello(self.proc).get("ready"))
        return self._ready and self.proc.poll() is None

    def close(self) -> None:
        """Stop the template (its kernels die with it) and remove its folder."""
        from wealthlib._tmp import remove

        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001 - whatever went wrong, it must not outlive the batch
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        remove(self.root)


class ForkedWorker:
    """A worker the template forked, seen from the batch: the part of :class:`multiprocessing.Process` the pool
    uses (``sentinel``, ``is_alive``, ``join``, ``exitcode``, ``terminate``, ``kill``). The worker is the
    template's child, so the template reaps it and sends its exit status (``{"exit": N}``, negative for a signal)
    on the connection the batch asked for it on; that connection is the sentinel."""

    def __init__(self, request: socket.socket, pid: int):
        self._request = request
        self._reader = request.makefile("rb")
        self.pid = pid
        self.exitcode: int | None = None
        self._ended = False

    @property
    def sentinel(self) -> int:
        return self._request.fileno()

    def _poll(self, timeout: float | None) -> None:
        if self._ended:
            return
        import select

        if not select.select([self._request], [], [], timeout)[0]:
            return
        line = self._reader.readline()  # the status line, or end of file if the template died first
        self._ended = True
        try:
            self.exitcode = int(json.loads(line)["exit"])
        except (ValueError, KeyError, TypeError):
            self.exitcode = None  # unknown: "exit status unknown" in the client's reason
        self._reader.close()
        self._request.close()

    def is_alive(self) -> bool:
        self._poll(0)
        return not self._ended

    def join(self, timeout: float | None = None) -> None:
        self._poll(timeout)

    def _signal(self, sig: int) -> None:
        if not self._ended:  # once reaped its pid may be another process's
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped by its parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return state not in ("Z", "X")
