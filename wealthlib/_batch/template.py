"""One warm template for every worker of a local batch.

A local batch's workers all render with the same params folder, as-of date and locales, so one warm template
(:mod:`wealthlib._batch.zygote`) serves them all: the batch starts it before its workers, and each job it sends
names the template's socket (``job["warm_template"]``). A worker then forks its kernels from that template
instead of starting its own, which saves each worker after the first ~3 s of CPU (the template's imports,
market context and warm-up review; 12 reviews on 2 workers: 26.2-27.3 -> 23.6-23.7 s of CPU, 2026-12-04).

The template is a child of the batch's process: it dies with it (``PR_SET_PDEATHSIG``), ignores Ctrl-C (the
batch handles that) and stops, killing its kernels, when the batch closes its stdin. A worker that is killed
takes its launcher along; the template sees the launcher's connection close and kills that kernel, so a dead
worker leaves nothing behind and the template goes on serving the other workers. If the template cannot start
(a bad market file), or dies, jobs no longer name it and each worker starts its own, as a Dask worker always
does — which reports the same reason in each client's entry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def key(job: dict[str, Any]) -> tuple[Any, Any, Any]:
    """What a warm template is prepared for: the params folder, the as-of date and the locales."""
    return job.get("params"), job.get("as_of"), job.get("warm_locales")


class SharedTemplate:
    """A warm template started for ``jobs`` (all with the same :func:`key`) shared by ``workers`` workers."""

    def __init__(self, jobs: list[dict[str, Any]], workers: int):
        from wealthlib._tmp import private_dir

        self.key = key(jobs[0])
        self.workers = max(1, workers)
        self.root = private_dir("wealth-template-")  # its socket and, if it fails to start, its stderr
        self.socket = str(self.root / "zygote.sock")
        params, as_of, locales = self.key
        args = [sys.executable, "-m", "wealthlib._batch.zygote", self.socket]
        if params and as_of:
            args += [str(params), str(as_of)] + ([locales] if locales else [])
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.root)}
        env.setdefault("PYTHONHASHSEED", "0")
        with open(self.root / "zygote.stderr", "wb") as err:
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env,
                                         close_fds=True)
        self._ready: bool | None = None

    def address(self, job: dict[str, Any]) -> dict[str, Any] | None:
        """What ``job`` passes to its worker to fork from this template, or None: the job is for another
        template, or this one could not start or has died (the worker then starts its own). The first call
        waits until the template is warm."""
        if key(job) != self.key or not self._wait():
            return None
        if self.proc.poll() is not None:
            return None
        return {"socket": self.socket, "pid": self.proc.pid, "workers": self.workers}

    def _wait(self) -> bool:
        if self._ready is None:
            line = self.proc.stdout.readline()
            try:
                self._ready = bool(json.loads(line).get("ready")) if line else False
            except ValueError:
                self._ready = False
        return self._ready

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
