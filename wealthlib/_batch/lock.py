"""One batch per output folder: an exclusive ``flock`` on ``<folder>/.wealth-batch.lock`` for the batch's life.

The lock file holds the holder's pid and start time, so a second batch is told who holds the folder. The kernel
releases a ``flock`` when its holder dies however it dies, so a killed batch never blocks the next one; the next
holder rewrites the file and removes it when done.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

LOCK_NAME = ".wealth-batch.lock"


class FolderBusy(Exception):
    """Another live process holds the folder's lock; ``holder`` is what it wrote (pid, started), maybe empty."""

    def __init__(self, holder: dict):
        self.holder = holder
        super().__init__(holder)


class FolderLock:
    def __init__(self, folder: str | Path):
        self.path = Path(folder) / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> "FolderLock":
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
                except ValueError:  # the holder is writing it this instant
                    holder = {}
                os.close(fd)
                raise FolderBusy(holder if isinstance(holder, dict) else {}) from None
            # the previous holder may have removed the file between our open and our lock: then we locked a
            # file nobody else can see; start again on the one at the path
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(),
                                      "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode(), 0)
            self.fd = fd
            return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.path)  # while still holding it: nobody can lock this file after us
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
