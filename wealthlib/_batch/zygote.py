"""A warm template process that forks a fresh IPython kernel per client (and, for a local batch, its workers).

Started once per local batch (:mod:`wealthlib._batch.template`), or once per Dask worker
(``python -m wealthlib._batch.zygote SOCKET [PARAMS AS_OF [LOCALES]]``). It imports
the heavy libraries once (numpy, pandas, matplotlib, cvxpy, quantstats, wealthlib, ipykernel) and, when given,
loads the run's :class:`wealthlib.context.Context` (market cut and estimates: no client data) and renders a
synthetic review in the batch's first locale (and the chart faces of the others). Then it serves a Unix socket:
each connection sends one JSON line ``{"connection_file": ..., "cwd": ...}``; the zygote ``fork()``s, and the child
becomes an ``IPKernelApp`` on that connection file. A local batch's template (:data:`FORKS_WORKERS`) also warms the
export stack and forks the batch's workers: a connection sends ``{"role": "worker"}`` with one end of a socket
pair (``SCM_RIGHTS``); the child becomes a pool worker on it, the template answers ``{"pid": N}`` and, when it has
reaped that worker, ``{"exit": N}`` (negative for a signal). **No client code ever runs in the zygote**, so every kernel
starts from the same clean, warm state and a client's changes (pandas options, environment, rcParams, module
attributes, random state, working directory) die with its process.

The child, before starting the kernel:

* reseeds numpy's global generator and :mod:`random` from ``os.urandom`` (a fork copies the RNG state, so two
  clients would otherwise draw the same numbers);
* restores default SIGINT/SIGTERM handling (it stays in the zygote's process group);
* points its standard streams at ``/dev/null`` (outputs reach the notebook through the kernel protocol);
* dies with the zygote (``PR_SET_PDEATHSIG``) and exits when the launcher's connection closes (the launcher is
  the process the Jupyter kernel manager owns: killing it kills the kernel). The zygote watches the same
  connection: when it closes it interrupts the kernel and kills it after :data:`KILL_GRACE_S`, so a kernel
  stuck in C code holding the GIL (which cannot run its own watch) dies too — a cell timeout holds;
* writes its pid on the connection, so the launcher can forward interrupts.

The zygote ignores SIGINT (a Ctrl-C is handled by the batch), dies with its parent (``PR_SET_PDEATHSIG``), exits
when its stdin closes, and reaps its children. It never starts a thread before forking.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import time

# One BLAS thread per kernel: the machine is shared by worker processes, and fork() after a BLAS thread pool has
# started is a known hazard.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy (ipykernel's debugger) is pre-imported too

from wealthlib._batch.template import FORKS_WORKERS, PDF_ENGINES  # noqa: E402  (after the thread variables above)

HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "matplotlib.pyplot", "cvxpy", "quantstats", "wealthlib",
         "wealthlib.review", "wealthlib.charts", "wealthlib.analytics", "wealthlib.allocate", "wealthlib.documents",
         "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "matplotlib_inline.backend_inline", "yaml",
         "ipykernel.debugger", "ipykernel.zmqshell", "IPython.core.completerlib", "IPython.core.debugger",
         "IPython.extensions.storemagic", "tornado.queues", "tornado.platform.asyncio", "scipy.optimize",
         "papermill.translators", "wealthlib._batch._linux")

#: A made-up client (no real client's data) for the warm-up review: it exercises the code paths a real review
#: takes (lazy imports, the compiled allocation problem, fonts) so that forked kernels do not pay them.
SYNTHETIC = {
    "id": "warmup", "name": "Warm-up (synthetic)", "locale": "en", "birth_date": "1980-01-01",
    "profession": "-", "education": "-", "base_currency": "USD", "income": {"annual": 100000, "stability": "stable"},
    "annual_expenses": 50000, "assets": {"financial": 500000}, "debts": {}, "source_of_wealth": "-",
    "liquidity_need": 10000, "horizon_years": 10, "tier": "mass", "advisor": "-",
    "goals": [{"name": "-", "target_amount": 1000000, "target_date": "2030-12-31"}],
    "kyc": {"questionnaire": "firm_kyc", "date": "2000-01-01",
            "answers": {"t1": "c", "t2": "c", "t3": "c", "t4": "c", "t5": "c", "t6": "c", "t7": "c",
                        "c1": "c", "c2": "c", "c3": "c", "c4": "c", "c5": "c", "c6": "c"}},
}


LOCALES = ("en", "zh-TW", "zh-CN")


#: Seconds a kernel whose launcher has gone (its client finished, timed out or was killed) has to exit after its
#: interrupt before it is killed. A healthy kernel exits at once (it watches the same connection); one stuck in C
#: code holding the GIL (a catastrophic regex) cannot run that watch and is killed.
KILL_GRACE_S = 1.0


def warm(params: str | None = None, as_of: str | None = None, locales: str | None = None) -> list[str]:
    """Import the heavy modules (and load the run's context); returns the modules that could not be imported."""
    import importlib

    missing = []
    for name in HEAVY:
        try:
            importlib.import_module(name)
        except Exception:
            missing.append(name)
    if params and as_of:
        from wealthlib.context import load_context

        ctx = load_context(params, as_of)
        order = locales.split(",") if locales else list(LOCALES)
        try:
            _warm_currencies(params, ctx)
        except Exception:  # a warm-up is an optimisation only
            pass
        try:
            html = _warm_review(params, ctx, order)  # a sample of it, to print
        except Exception:  # a warm-up is an optimisation only
            html = None
        if os.environ.get(FORKS_WORKERS) == "1":
            try:
                _warm_export(html, order)
            except Exception:  # a warm-up is an optimisation only
                pass
    import gc

    gc.collect()
    try:
        gc.freeze()  # keep the warm objects out of the children's collections (copy-on-write friendlier)
    except AttributeError:  # pragma: no cover
        pass
    return missing


def _warm_currencies(params: str, ctx) -> None:
    """Estimate μ, Σ once here for every base currency the params folder's clients use (~0.1 s each), so no
    forked child repeats it. Only the ``base_currency:`` line of each client file is read (a currency code)."""
    import re
    from pathlib import Path

    pat = re.compile(r"^base_currency:\s*['\"]?([A-Z]{3})\b", re.M)
    seen = set()
    for f in sorted((Path(params) / "clients").glob("*.y*ml")):
        m = pat.search(f.read_text(encoding="utf-8", errors="replace")[:4096])
        if m:
            seen.add(m.group(1))
    for ccy in sorted(seen):
        try:
            ctx.in_base(ccy)
        except Exception:  # that client's own run reports the reason
            pass


def _warm_review(params: str, ctx, locales=None) -> str | None:
    """Build and display a review of :data:`SYNTHETIC` in the first of ``locales`` (default all; the batch
    lists its most common locale first; no client data enters the template), and warm only what is particular
    to each other locale (:func:`_warm_locale`). A whole review in a second locale cost ~0.7 s of start-up per
    template and saved its kernels nothing measurable: the code paths, compiled problem and caches a review
    warms are the same in every locale (measured 2026-12-04: a zh-TW kernel forked from a template warmed in en
    only used 0.45-0.62 s of CPU, from one warmed in en and zh-TW 0.45-0.55 s). Returns a sample of the review
    to print (:func:`_sample`), or None when the as-of date ends no quarter (no review is built)."""
    import pandas as pd

    from wealthlib.clients import parse_client
    from wealthlib.review import build_review

    end = pd.Timestamp(ctx.as_of)
    if end != end + pd.offsets.QuarterEnd(0):
        return
    quarter = f"{end.year}Q{(end.month - 1) // 3 + 1}"
    codes = list(ctx.shelf.codes)[:3]
    data = dict(SYNTHETIC, holdings={c: {"amount": 100000} for c in codes},
                transactions=[{"date": f"{end.year - 1}-01-10", "type": "deposit", "amount": 300000}]
                + [{"date": f"{end.year - 1}-01-12", "type": "buy", "product": c, "amount": 90000} for c in codes])
    client = parse_client(data, "synthetic warm-up")
    first, *others = list(locales or LOCALES)
    review = build_review(client, params=params, quarter=quarter, locale=first)
    review.html()  # every section and chart
    for locale in others:
        _warm_locale(locale)
    return _sample(review)


def _sample(review) -> str:
    """A few sections of ``review``, enough for a PDF of them to load what printing any document loads (the
    title and heading faces, a table, a chart): the first section, then the first with a table and the first
    with an image. Printing all of the warm-up review cost ~0.6 s more and saved the workers nothing measurable
    (2026-12-04: a forked worker's first four exports 1.11-1.16, 0.59-0.63, 0.52, 0.69-0.72 s either way)."""
    parts, need = [], {"<table", "<img"}
    for i, key in enumerate(review.keys):
        body = review.section_html(key)
        found = {mark for mark in need if mark in body}
        if i == 0 or found:
            parts.append(body)
            need -= found
        if not need:
            break
    return "".join(parts)


def _warm_export(html: str | None, locales) -> None:
    """For a template that forks the batch's workers (:data:`FORKS_WORKERS`): what a worker's first document
    would pay once per process — the export stack's imports (papermill, nbconvert, WeasyPrint, pyHanko), the
    nbconvert exporter and its templates, the print fonts and stylesheet, each PDF engine a batch's documents
    print with (its fonts loaded) — paid here once for all workers, by
    exporting a sample of the warm-up review (first locale, :func:`_sample`) and a line of text in each other
    locale to HTML and PDF in memory."""
    import nbformat

    import papermill  # noqa: F401
    import wealthlib.guard.signing  # noqa: F401
    from wealthlib import render
    from wealthlib.i18n import t

    named = [e for e in os.environ.get(PDF_ENGINES, "").split(",") if e]
    engines = named or sorted({render.pdf_engine(kind) for kind in ("proposal", "review", "book")})

    first, *others = list(locales)
    for locale, body in [(first, html), *((loc, f"<p>{t('charts.series_proposed', loc)}</p>") for loc in others)]:
        if body is None:
            continue
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": body})])]
        page = render.to_html(nb, lang=locale, title="warm-up", footer="warm-up", audit="warm-up")
        for engine in engines:
            render._warm_pdf(page, engine)


def _warm_locale(locale: str) -> None:
    """What a document in ``locale`` needs that one in another locale did not load: the locale's chart faces
    (matplotlib opens a CJK face on first use) and their glyph coverage (a proposal checks its client's goal
    names against it). The label catalogs are shared by every locale."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    from wealthlib import charts
    from wealthlib.i18n import t

    for family in charts.families(locale):
        charts._coverage(family)
    with matplotlib.rc_context(charts.style(locale)):  # no pyplot: no figure state is left for the kernels
        fig = Figure(figsize=(2, 1))
        ax = fig.subplots()
        ax.set_title(t("charts.series_proposed", locale))  # the locale's face drawn (glyphs loaded, cached)
        ax.plot([0, 1], [0, 1])
        fig.savefig(io.BytesIO(), format="svg")


def _why(err: BaseException) -> str:
    """Why the warm template cannot start, as one line: a :class:`~wealthlib.errors.WealthError` names file,
    field and problem (a bad market.yaml, a price file's defect); anything else its kind and first line. The
    template has loaded no client data (only the params folder's policy, shelf and market), so this is safe
    for the manifest."""
    from wealthlib.errors import WealthError, for_log

    if isinstance(err, WealthError):
        return for_log(err)
    first = (str(err).strip().splitlines() or [""])[0][:200]
    return f"internal error in the warm template: {type(err).__name__}" + (f": {first}" if first else "")


def _child(conn: socket.socket, request: dict) -> None:
    """In the forked child: become a fresh kernel. Never returns."""
    code = 0
    try:
        _as_child()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # nobody reads the zygote's pipes: a chatty kernel must never block on them
            os.dup2(devnull, fd)
        cwd = request.get("cwd")
        if cwd:
            os.chdir(cwd)
        for key, value in (request.get("env") or {}).items():
            os.environ[str(key)] = str(value)
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")

        import threading

        def watch() -> None:  # the launcher went away (killed, or the kernel manager shut it down): exit
            try:
                while conn.recv(64):
                    pass
            except OSError:
                pass
            os._exit(0)

        threading.Thread(target=watch, name="wealth-launcher-watch", daemon=True).start()

        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize([
            "-f", request["connection_file"],
            "--HistoryManager.hist_file=:memory:",
            "--HistoryManager.enabled=False",
            "--IPKernelApp.log_level=ERROR",
        ])
        app.start()
    except BaseException:  # noqa: BLE001 - the child must never fall back into the zygote's loop
        code = 1
    finally:
        os._exit(code)


def _read_request(conn: socket.socket) -> tuple[bytes, list[int]]:
    """One JSON line from a new connection, and the file descriptors sent with it (a worker request's pipe)."""
    line, fds, _flags, _addr = socket.recv_fds(conn, 65536, 1)
    while line and not line.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        line += chunk
    return line, list(fds)


def _tell_exit(conn: socket.socket, status: int) -> None:
    """Tell the batch how its worker ended (``{"exit": N}``, negative for a signal, as multiprocessing does)."""
    try:
        conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
    except (OSError, ValueError):
        pass
    conn.close()


def _worker_child(conn: socket.socket, fd: int) -> None:
    """In a forked child: become one of the batch's workers, talking to it over the pipe ``fd``
    (:func:`wealthlib._batch.worker.pool_worker_main`). It inherits everything the template warmed — the kernel
    stack, the export stack, the market context — so it starts in milliseconds. Never returns."""
    code = 0
    try:
        from multiprocessing.connection import Connection

        conn.close()  # the template tells the batch this worker's exit on it
        _as_child()  # Ctrl-C stays ignored: it is the batch's
        devnull = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1):  # the template's stdin and its hello pipe are not the worker's
            os.dup2(devnull, std)
        os.close(devnull)
        from wealthlib._batch.worker import pool_worker_main

        pool_worker_main(Connection(fd))
    except BaseException:  # noqa: BLE001 - the child must never fall back into the template's loop
        code = 1
    finally:
        os._exit(code)


def _as_child() -> None:
    """What every child of the template does first: die with the template, take default SIGTERM and SIGCHLD and
    none of the template's wake-up pipe, drop its forks-workers flag (a template a child starts itself forks no
    workers), and reseed: a fork copies the random state, so each child would otherwise draw the same numbers."""
    from wealthlib._batch._linux import die_with_parent

    die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    os.environ.pop(FORKS_WORKERS, None)
    os.environ.pop(PDF_ENGINES, None)
    _reseed()


def _reseed() -> None:
    import random

    random.seed()
    try:
        import numpy as np

        np.random.seed(int.from_bytes(os.urandom(4), "little"))
    except ImportError:  # pragma: no cover
        pass


def serve(sock_path: str, params: str | None = None, as_of: str | None = None, locales: str | None = None) -> None:
    from wealthlib._batch._linux import die_with_parent
    from wealthlib._imports import skip_slow_optional_imports

    skip_slow_optional_imports()  # papermill.translators imports nbformat → jsonschema: ~2 s, once per template
    die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        missing = warm(params, as_of, locales)
    except Exception as err:  # noqa: BLE001 - the batch must learn why, not just that this process died
        sys.stdout.write(json.dumps({"ready": False, "error": _why(err)}, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        sys.exit(1)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    server.bind(sock_path)
    os.chmod(sock_path, 0o600)
    server.listen(16)
    sys.stdout.write(json.dumps({"ready": True, "pid": os.getpid(), "missing": missing}) + "\n")
    sys.stdout.flush()
    children: set[int] = set()
    launchers: dict[socket.socket, int] = {}  # our end of each kernel's launcher connection -> kernel pid
    workers: dict[int, socket.socket] = {}  # worker pid -> the batch's request connection, told its exit status
    kill_at: dict[int, float] = {}  # kernel pid -> when it is killed if it has not exited
    stdin_fd = sys.stdin.fileno()
    # a child's exit wakes the loop at once (a byte on this pipe), so the batch learns a worker's exit promptly
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    try:
        while True:
            now = time.monotonic()
            wait_s = min([0.5, *(max(0.0, t - now) for t in kill_at.values())])
            readable, _, _ = select.select([server, stdin_fd, wake_r, *launchers], [], [], wait_s)
            if wake_r in readable:
                os.read(wake_r, 4096)
            while children:  # reap finished kernels and workers
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    children.clear()
                    break
                if pid == 0:
                    break
                children.discard(pid)
                kill_at.pop(pid, None)
                if pid in workers:
                    _tell_exit(workers.pop(pid), status)
            now = time.monotonic()
            for pid, t in list(kill_at.items()):  # the grace is over: kill, whatever the kernel is doing
                if t <= now:
                    kill_at.pop(pid)
                    if pid in children:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            for conn in [c for c in readable if c in launchers]:
                try:
                    gone = not conn.recv(64)
                except OSError:
                    gone = True
                if gone:  # the launcher is gone (shut down or killed): interrupt the kernel, kill it after a grace
                    pid = launchers.pop(conn)
                    conn.close()
                    if pid in children:
                        try:
                            os.kill(pid, signal.SIGINT)
                        except ProcessLookupError:
                            pass
                        kill_at[pid] = time.monotonic() + KILL_GRACE_S
            if stdin_fd in readable and not os.read(stdin_fd, 4096):
                break  # the parent closed our stdin (or died): stop
            if server in readable:
                conn, _ = server.accept()
                fds: list[int] = []
                try:
                    conn.settimeout(10)
                    line, fds = _read_request(conn)
                    request = json.loads(line or b"{}")
                    conn.settimeout(None)
                except (OSError, ValueError):
                    for fd in fds:
                        os.close(fd)
                    conn.close()
                    continue
                worker = request.get("role") == "worker"
                if worker != (len(fds) == 1) or (worker and os.environ.get(FORKS_WORKERS) != "1"):
                    for fd in fds:  # a worker request passes its pipe to the batch, and only such a template forks one
                        os.close(fd)
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    server.close()
                    os.close(wake_r)
                    os.close(wake_w)
                    for other in [*launchers, *workers.values()]:
                        other.close()
                    if worker:
                        _worker_child(conn, fds[0])
                    _child(conn, request)
                children.add(pid)
                if worker:
                    os.close(fds[0])
                    workers[pid] = conn
                    try:
                        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                    except OSError:
                        pass
                else:
                    launchers[conn] = pid
    finally:
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in list(children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        server.close()
        try:
            os.unlink(sock_path)
        except FileNotFoundError:
            pass


if __name__ == "__main__":  # pragma: no cover - exercised through the batch tests
    serve(sys.argv[1], *(sys.argv[2:5]))
