"""The process a Jupyter kernel manager starts for the ``wealth-fork`` kernelspec (``-f CONNECTION_FILE``).

It asks the zygote named by ``$WEALTHLIB_ZYGOTE`` (a Unix socket) for a forked kernel on that connection file,
then stands in for it: it forwards SIGINT (interrupt) and SIGTERM to the kernel, exits when the kernel exits, and
when it is killed the kernel notices the closed connection and exits too. It dies with the kernel manager's
process (``PR_SET_PDEATHSIG``). Kept to the standard library so it starts in milliseconds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys


def main(argv: list[str]) -> int:
    try:
        from wealthlib._batch._linux import die_with_parent

        die_with_parent(signal.SIGTERM)
    except Exception:  # pragma: no cover
        pass
    if len(argv) < 2 or argv[0] != "-f":
        sys.stderr.write("usage: launcher -f CONNECTION_FILE\n")
        return 2
    sock_path = os.environ.get("WEALTHLIB_ZYGOTE")
    if not sock_path:
        sys.stderr.write("WEALTHLIB_ZYGOTE is not set: no warm template process to fork a kernel from\n")
        return 2
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(sock_path)
    conn.sendall(json.dumps({"connection_file": os.path.abspath(argv[1]), "cwd": os.getcwd()}).encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            return 1
        buf += chunk
    pid = int(json.loads(buf)["pid"])

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
        if signum == signal.SIGTERM:
            conn.close()
            os._exit(0)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                if not conn.recv(64):
                    break
            except InterruptedError:
                continue
    except OSError:
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
