"""Private temporary folders that do not outlive their process, even after ``kill -9``.

:func:`private_dir` makes a folder only its owner can read (0700, :func:`tempfile.mkdtemp`) and starts a tiny
watcher process, in its own session so that a Ctrl-C or a kill of the whole process group does not take it
along, that holds the read end of a pipe whose write end only this process holds. However this process ends (normal exit,
exception, ``SIGKILL``, out-of-memory kill) the kernel closes the pipe, the watcher reads end-of-file and removes
the folder. A clean exit removes it first (:func:`remove`). Client data (a proposal's JSON, kernel connection
files with their HMAC keys) lives in such folders, so none stays in ``/tmp``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# standard library only, no site (-I -S): starts in ~10 ms; waits for EOF on stdin, then removes the folder
_WATCH = ("import shutil,sys\n"
          "try:\n    sys.stdin.buffer.read()\nexcept BaseException:\n    pass\n"
          "shutil.rmtree(sys.argv[1], ignore_errors=True)\n")

_watchers: dict[str, subprocess.Popen] = {}


def private_dir(prefix: str) -> Path:
    """A new 0700 folder under the system temp folder, removed when this process ends, however it ends."""
    d = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _WATCH, str(d)], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
                                start_new_session=True)
    except OSError:  # no watcher: a clean exit still removes the folder
        return d
    _watchers[str(d)] = proc
    return d


def remove(d: str | Path) -> None:
    """Remove ``d`` now and let its watcher go."""
    shutil.rmtree(d, ignore_errors=True)
    proc = _watchers.pop(str(d), None)
    if proc is not None:
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()


@contextlib.contextmanager
def private_tempdir(prefix: str) -> Iterator[Path]:
    """:func:`private_dir` as a context manager (removed on leaving, or by the watcher if the process dies)."""
    d = private_dir(prefix)
    try:
        yield d
    finally:
        remove(d)
