"""Processes a test started itself, told apart from everything else on a shared machine.

Each test that uses the ``process_mark`` fixture (conftest) runs with ``WEALTHLIB_TEST_RUN`` set to a value of its
own. Every process it starts inherits that variable (subprocesses copy the environment; processes forked without
exec keep their parent's), and so does every process those start, also after their parent died and they were
re-parented to init: exactly the orphans a test is looking for, which a walk of its own process tree would miss.
Another user's batch, or another test's, has no such value or a different one.
"""

from __future__ import annotations

import os
from typing import Iterable

import psutil

MARK = "WEALTHLIB_TEST_RUN"

#: Command-line markers of the batch machinery: zygotes and their forked kernels, launchers, kernels.
BATCH_PROCESSES = ("wealthlib._batch", "ipykernel_launcher")


def started_here(patterns: Iterable[str] = BATCH_PROCESSES, since: float = 0.0) -> list[psutil.Process]:
    """Live processes carrying this test's mark whose command line holds one of ``patterns``.

    ``since`` (a ``time.time()``) also drops processes created before it, for a test that marks several phases.
    """
    mark = os.environ.get(MARK)
    if not mark:
        raise RuntimeError(f"{MARK} is not set: use the process_mark fixture")
    patterns = tuple(patterns)
    found = []
    for p in psutil.process_iter(["cmdline", "create_time", "environ"]):
        try:
            if (p.info["environ"] or {}).get(MARK) != mark or p.info["create_time"] < since - 1:
                continue
            cmd = " ".join(p.info["cmdline"] or [])
            if any(s in cmd for s in patterns) and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:
            pass  # it ended while we looked
    return found


def assert_all_ended(procs: list[psutil.Process], timeout: float = 10.0) -> None:
    """Wait for ``procs`` to exit (an exit is an event psutil waits on) and fail naming those still alive."""
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    alive = [p for p in alive if _alive(p)]
    assert not alive, f"processes left behind: {[(p.pid, _cmd(p)) for p in alive]}"


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _cmd(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []
