"""What runs in each batch worker process (a local pool process or a Dask worker): render one client's job.

Per process, once: the export machinery is imported (a local batch's worker, forked from the batch's warm
template, has it already), and for the ``fork`` engine a private kernelspec ``wealth-fork`` (in a temporary
``JUPYTER_PATH`` entry) whose launcher asks a warm zygote (:mod:`wealthlib._batch.zygote`) for a forked kernel:
the batch's shared template when the job names one (``warm_template``), else one this process starts with the
run's context pre-loaded (a Dask worker).
Per client: papermill executes the template on a fresh kernel (forked, or a normal ``python3`` kernel with the
``fresh`` engine), then HTML and PDF are produced in memory and written atomically.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib
import json
import os
import resource
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from wealthlib.errors import WealthError

FORK_KERNEL = "wealth-fork"
#: A batch job's kind (``wealth batch --kind``) as the documents' data names it (sections.yaml, pdf.yaml).
DOCUMENT_KIND = {"propose": "proposal", "review": "review"}


def document_kind(job: dict[str, Any]) -> str | None:
    """The kind of document ``job`` renders, as wealthlib/data/documents names it (``propose`` -> ``proposal``)."""
    return DOCUMENT_KIND.get(job.get("kind"), job.get("kind"))


class TemplateStartError(WealthError):
    """The warm template process of this worker could not start; the message says why (file, field, problem)."""


_state: dict[str, Any] = {}
_lock = threading.Lock()


def _kernelspec_dir() -> Path:
    from wealthlib._tmp import private_dir

    # private (0700) and removed when this process ends however it ends: it holds the kernelspec, the zygote's
    # socket and (JUPYTER_RUNTIME_DIR) every kernel's connection file with its HMAC key
    root = private_dir("wealth-kernels-")
    (root / "runtime").mkdir(mode=0o700)
    _state["saved_runtime"] = os.environ.get("JUPYTER_RUNTIME_DIR")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(root / "runtime")
    # jupyter_client writes connection files with tempfile.mkstemp (tmpXXXX.json in /tmp): this process's
    # temporary files go into the private folder too
    import tempfile

    # what stop_engine puts back once the folder is gone (a later engine in this process, e.g. the next test,
    # would otherwise make its temporary files in a removed folder)
    _state["saved_tmp"] = (tempfile.tempdir, os.environ.get("WEALTHLIB_PRIVATE_TMP"))
    tempfile.tempdir = str(root / "runtime")
    os.environ["WEALTHLIB_PRIVATE_TMP"] = str(root / "runtime")
    spec = root / "kernels" / FORK_KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "wealthlib._batch.launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (wealthlib, forked from a warm template)",
        "language": "python",
        "interrupt_mode": "signal",
        "env": {},
    }))
    return root


def _start_zygote(params: str | None, as_of: str | None, locales: str | None = None, wait: bool = True) -> None:
    root = _state.get("kernels") or _kernelspec_dir()
    _state["kernels"] = root
    from wealthlib._batch.template import start

    _state["zygote"] = start(root, params, as_of, locales)
    _state["zygote_key"] = (params, as_of, locales)
    _state["zygote_ready"] = False
    _point_kernels_at(root, str(root / "zygote.sock"))
    if wait:
        _wait_zygote()


def _wait_zygote() -> None:
    proc = _state["zygote"]
    if _state.get("zygote_ready"):
        return
    from wealthlib._batch.template import hello

    said = hello(proc)
    if not said.get("ready"):
        reason = said.get("error") or _last_line(Path(_state["kernels"]) / "zygote.stderr")
        stop_engine()
        raise TemplateStartError(f"the warm template could not start: {reason or 'it exited without a word'}")
    _state["zygote_ready"] = True


def _last_line(path: Path) -> str:
    """The last line a dead zygote wrote to stderr (its exception), or ''."""
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def _stop_own_zygote() -> None:
    proc = _state.pop("zygote", None)
    _state.pop("zygote_key", None)
    _state["zygote_ready"] = False
    if proc is not None and proc.poll() is None:
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except Exception:
            proc.kill()
            proc.wait()


def _use_shared(template: dict[str, Any]) -> None:
    """Fork this process's kernels from the batch's shared template (:mod:`wealthlib._batch.template`)."""
    if _state.get("shared") == template:
        return
    _stop_own_zygote()
    root = _state.get("kernels") or _kernelspec_dir()
    _state["kernels"] = root
    _state["shared"] = template
    _point_kernels_at(root, template["socket"])


def _point_kernels_at(root: Path, sock: str) -> None:
    """The ``wealth-fork`` kernelspec (in ``root``) launches kernels forked from the template at ``sock``."""
    os.environ["WEALTHLIB_ZYGOTE"] = sock
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if str(root) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(root), *paths])


def stop_engine() -> None:
    """Stop this process's zygote (its kernels die with it); a shared template is the batch's to stop."""
    _stop_own_zygote()
    _state.pop("shared", None)
    root = _state.pop("kernels", None)
    if root is not None:
        from wealthlib._tmp import remove

        remove(root)
        _restore_tmp(root)


def _restore_tmp(root: Path) -> None:
    """Undo what :func:`_kernelspec_dir` set for this process: temporary files, the runtime folder and the kernel
    path no longer point into the removed folder."""
    import tempfile

    tmp, private = _state.pop("saved_tmp", (None, None))
    tempfile.tempdir = tmp
    for key, value in (("WEALTHLIB_PRIVATE_TMP", private), ("JUPYTER_RUNTIME_DIR", _state.pop("saved_runtime", None))):
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p and p != str(root)]
    if paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    else:
        os.environ.pop("JUPYTER_PATH", None)


def zygote_pid() -> int | None:
    """The pid of the warm template this process's kernels fork from (its own, or the batch's shared one)."""
    shared = _state.get("shared")
    if shared:
        return int(shared["pid"])
    proc = _state.get("zygote")
    return proc.pid if proc is not None and proc.poll() is None else None


def ensure_engine(engine: str, params: str | None = None, as_of: str | None = None,
                  locales: str | None = None, template: dict[str, Any] | None = None,
                  pdf_engine: str = "weasyprint") -> str:
    """Prepare this process for ``engine`` (``fork`` or ``fresh``); returns the kernel name to execute with.
    ``locales`` (comma-separated) are the ones the warm template prepares; default all. ``template``
    (``{"socket", "pid", "workers"}``) names the batch's shared warm template: while it runs, kernels fork from
    it and this process starts no template of its own. ``pdf_engine``: what this process's documents print with
    (``wealthlib.render.PDF_ENGINES``), imported once here rather than by the first document."""
    with _lock:
        if engine not in ("fork", "fresh"):
            raise ValueError(f"unknown engine {engine!r}; use fork or fresh")
        shared = template if engine == "fork" and template and _template_alive(template) else None
        if shared:
            _use_shared(shared)
        elif _state.get("shared"):  # it has gone: from now on, a template of this process's own
            _state.pop("shared")
        if engine == "fork" and not shared:
            proc = _state.get("zygote")
            if proc is None or proc.poll() is not None or _state.get("zygote_key") != (params, as_of, locales):
                if proc is not None:
                    stop_engine()
                _start_zygote(params, as_of, locales, wait=False)  # it warms up while this process imports its own
        if not _state.get("init"):
            from wealthlib._batch._linux import die_with_parent

            _state["init"] = True
            atexit.register(stop_engine)
            try:
                from multiprocessing import util

                util.Finalize(None, stop_engine, exitpriority=100)
            except Exception:  # pragma: no cover
                pass
            if os.environ.get("WEALTHLIB_BATCH_CHILD") == "1":
                die_with_parent(signal.SIGTERM)
            from wealthlib import render

            render._get_exporter()  # build the nbconvert exporter once per process
            try:  # the first PDF would pay it (each engine's module is named as the engine)
                importlib.import_module(pdf_engine)
            except Exception:  # pragma: no cover
                pass
        if engine == "fresh":
            return "python3"
        if not _state.get("engine_registered"):
            from wealthlib._batch.engine import register

            register()
            _state["engine_registered"] = True
        if not shared:
            _wait_zygote()
        return FORK_KERNEL


def _template_alive(template: dict[str, Any]) -> bool:
    from wealthlib._batch.template import alive

    return alive(int(template["pid"])) and os.path.exists(template["socket"])


def _one_line(err: BaseException) -> str:
    from wealthlib.errors import for_log

    return for_log(err)  # one line, no client data


def _tree_memory() -> int:
    """Proportional set size (PSS, bytes) of this process, its zygote and the zygote's kernels: pages shared
    copy-on-write between the template and its kernels are counted once overall (RSS would count them per
    process); a template the batch's workers share, with its kernels, counts for its share (1/workers). Falls
    back to RSS where PSS is not available."""
    try:
        import psutil

        def pss(procs) -> int:
            total = 0
            for p in procs:
                try:
                    info = p.memory_full_info()
                    total += getattr(info, "pss", info.rss)
                except psutil.Error:
                    pass
            return total

        zp = zygote_pid()
        tree = []
        if zp:
            z = psutil.Process(zp)
            tree = [z, *z.children()]
        # a template shared by the batch's workers, with every worker's kernel (and the workers themselves,
        # when it forked them): this worker's share
        share = int((_state.get("shared") or {}).get("workers", 1))
        me = psutil.Process()
        mine = [] if any(p.pid == me.pid for p in tree) else [me]
        return int(pss(mine) + pss(tree) / max(1, share))
    except Exception:
        return 0


def _takes_audit_out(template: str) -> bool:
    """Whether the template's parameters cell defines ``audit_out`` (read once per template file version)."""
    p = Path(template)
    try:
        st = p.stat()
    except OSError:
        return False
    return _declares_audit_out(str(p), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _declares_audit_out(path: str, _mtime: int, _size: int) -> bool:
    import re

    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return False
    for cell in cells:
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            src = cell.get("source", "")
            return re.search(r"^audit_out\s*=", "".join(src) if isinstance(src, list) else src, re.M) is not None
    return False


@contextlib.contextmanager
def _kernel_audit(job: dict[str, Any]):
    """``(parameters, read_audit)`` for one job's kernel. A proposal's or a review's kernel builds the document
    and leaves the audit record it prints in a private file (template parameter ``audit_out``): ``read_audit()``
    gives that record, with the batch's resume key beside it under its own name, and its footer line — the
    document's one audit value on every page and in the seal. Other kinds, and a template whose parameters
    cell has no ``audit_out`` (a test's stand-in), keep the record the batch planned."""
    if job.get("kind") not in ("propose", "review") or not _takes_audit_out(job["template"]):
        def planned():
            return ({**job.get("audit_record", {}), "audit_line": job["audit"], "input_hash": job["input_hash"],
                     "inputs_hash": job["input_hash"], "as_of": job.get("as_of")}, job["audit"])

        yield job["parameters"], planned
        return
    from wealthlib._doc import audit as audit_value
    from wealthlib._tmp import private_tempdir
    from wealthlib.errors import WealthError

    with private_tempdir("wealth-audit-") as tmp:
        path = Path(tmp) / "audit.json"

        def read():
            found = audit_value.load(path)
            if found is None:
                raise WealthError("the document's kernel left no audit record")
            record, line = found
            return {**record, "audit_line": line, "resume_key": job["input_hash"]}, line

        yield {**job["parameters"], "audit_out": str(path)}, read


def render_job(job: dict[str, Any]) -> dict[str, Any]:
    """Render one client; never raises for a client's problem: returns ``status`` ok/failed and a reason."""
    from wealthlib import render
    from wealthlib._batch import faults
    from wealthlib.errors import WealthError

    attempt = int(job.get("attempt", 1))
    kind = document_kind(job)
    faults.reached(job["client"], "start", attempt)
    first_cell: list[bool] = []

    def on_cell(_index: int) -> None:
        if not first_cell:
            first_cell.append(True)
            faults.reached(job["client"], "execute", attempt, zygote=zygote_pid())

    started = time.time()
    t0 = time.perf_counter()
    result: dict[str, Any] = {"client": job["client"], "input_hash": job["input_hash"], "status": "failed",
                              "reason": "", "outputs": {}, "timings": {}, "worker": f"{os.uname().nodename}:{os.getpid()}"}
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_memory())
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True) if job.get("measure_memory") else None
    try:
        kernel = ensure_engine(job.get("engine", "fork"), job.get("params"), job.get("as_of"), job.get("warm_locales"),
                               template=job.get("warm_template"), pdf_engine=render.pdf_engine(kind))
        t1 = time.perf_counter()
        if sampler:
            sampler.start()
        with _kernel_audit(job) as (parameters, read_audit):
            nb = render.execute(job["template"], parameters, kernel_name=kernel, timeout=job.get("cell_timeout"),
                                on_cell=on_cell if os.environ.get(faults.ENV) else None)
            audit, audit_line = read_audit()
        t2 = time.perf_counter()
        stem = render.check_stem(job["stem"])
        pdf_finish = archive = None
        if "pdf" in job["formats"]:  # audit record and inputs embedded, signed, archived (wealthlib.guard)
            from wealthlib.guard.signing import seal_and_archive

            pdf_finish, archive = seal_and_archive(
                kind=job.get("kind", "document"), client_id=job["client"], client_file=Path(job["parameters"]["client"]),
                params=Path(job["params"]), parameters={k: v for k, v in job["parameters"].items() if k != "client"},
                audit=audit, template=Path(job["template"]).name)
        defer = bool(job.get("defer_commit"))  # a Dask task: the batch's main process renames them into place
        written = render.export(nb, job["out_dir"], stem, tuple(job["formats"]), lang=job["lang"], title=job["title"],
                                footer=job["footer"], audit=audit_line, pdf_finish=pdf_finish, defer=defer,
                                kind=kind)
        if archive is not None:
            archive(written["pdf"])
        t3 = time.perf_counter()
        result.update(status="ok", outputs={k: f"{stem}.{k}" for k in written})
        if defer:
            result["pending"] = {f"{stem}.{k}": Path(v).name for k, v in written.items()}
        faults.reached(job["client"], "written", attempt)
        result["timings"] = {"setup": round(t1 - t0, 3), "execute": round(t2 - t1, 3), "export": round(t3 - t2, 3)}
    except WealthError as err:
        result["reason"] = _one_line(err)
    except Exception as err:  # not a client's fault: name the kind, not the data
        result["reason"] = f"internal error: {type(err).__name__}"
    finally:
        stop.set()
        result["timings"]["total"] = round(time.perf_counter() - t0, 3)
        result["started"] = started
        if job.get("measure_memory"):
            result["peak_memory"] = max(peak[0], _tree_memory())
            result["worker_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


def attempt_mark(out_dir: str | Path, stem: str, run: str, n: int) -> Path:
    """The file that records attempt ``n`` of a client of Dask run ``run``, in the (shared) output folder."""
    return Path(out_dir) / f".{stem}.attempt.{run}.{n}"


def _claim_attempt(job: dict[str, Any]) -> int:
    """This attempt's number: 1 + how many attempts of this client this run has started before, each recorded by
    an exclusively created file in the output folder (which a Dask batch's workers share)."""
    n = 1
    while True:
        try:
            os.close(os.open(attempt_mark(job["out_dir"], job["stem"], job["run"], n),
                             os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return n
        except FileExistsError:
            n += 1


def dask_render_job(job: dict[str, Any]) -> dict[str, Any]:
    """:func:`render_job` as a Dask task. The scheduler re-runs a task whose worker was lost, however often that
    happens; a batch allows a client :data:`wealthlib.batch.WORKER_DEATHS_ALLOWED` of them, as the local pool
    does. Only an attempt that started counts (a task merely queued on the lost worker is not charged), so the
    attempt after that many deaths records the client as failed instead of rendering it."""
    from wealthlib.batch import WORKER_DEATHS_ALLOWED

    attempt = _claim_attempt(job)
    deaths = attempt - 1
    if deaths >= WORKER_DEATHS_ALLOWED:
        times = "twice" if deaths == 2 else f"{deaths} times"
        return {"client": job["client"], "input_hash": job["input_hash"], "status": "failed",
                "reason": f"worker died {times}: lost by the Dask scheduler", "outputs": {}, "timings": {}}
    return render_job({**job, "attempt": attempt})


def pool_worker_main(conn: Any) -> None:
    """A local pool process (:class:`wealthlib.batch` ``_LocalPool``): receive a job, send back its result,
    until the batch sends ``None`` or goes away."""
    init_pool_worker()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        result = render_job(job)
        try:
            conn.send(result)
        except (EOFError, OSError):
            break
    stop_engine()


def init_pool_worker() -> None:
    """Initializer of local pool processes: Ctrl-C is the batch's business, and die with the batch."""
    from wealthlib._batch._linux import die_with_parent
    from wealthlib._imports import skip_slow_optional_imports

    skip_slow_optional_imports()  # nbconvert and papermill import nbformat → jsonschema: ~2 s a process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["WEALTHLIB_BATCH_CHILD"] = "1"
    die_with_parent(signal.SIGTERM)
    if not os.environ.get("WEALTH_DEBUG"):
        # Kernels started here (engine "fresh") inherit this stderr and log start-up chatter to the user's
        # terminal ("Kernel is running over TCP …"); every outcome reaches the user through the manifest.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
