"""Test-only fault-injection points, honoured when ``WEALTHLIB_FAULT_HOOK`` names a folder (never set in use).

At each point a batch worker reaches for a client it writes ``<folder>/<client>.<stage>.<attempt>`` (JSON: the
worker's pid and its zygote's pid) and then, while ``<folder>/<client>.<stage>.hold`` exists, waits. A test
creates the ``.hold`` file, waits for the stage file to appear (an event the code writes, not a sleep), kills or
interrupts what it wants, and removes the ``.hold`` file to let the worker go on.

Stages: ``start`` (the worker has the job, before its engine is prepared), ``execute`` (the client's kernel is
up, its first code cell is about to run), ``written`` (the documents are on disk, the result not yet reported).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

ENV = "WEALTHLIB_FAULT_HOOK"
STAGES = ("start", "execute", "written")


def reached(client: str, stage: str, attempt: int = 1, **info: object) -> None:
    folder = os.environ.get(ENV)
    if not folder:
        return
    d = Path(folder)
    target = d / f"{client}.{stage}.{attempt}"
    tmp = d / f".{client}.{stage}.{attempt}.{os.getpid()}"
    tmp.write_text(json.dumps({"pid": os.getpid(), **info}))
    os.replace(tmp, target)  # the test sees the whole file or none
    hold = d / f"{client}.{stage}.hold"
    while hold.exists():
        time.sleep(0.01)
