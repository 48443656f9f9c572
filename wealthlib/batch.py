"""Render one document per client for a whole book: quarterly reviews or proposals, locally or on Dask.

::

    manifest = run_batch("review", quarter="2018Q3", clients="*", workers=2, out="reports/review-2018Q3")

What a batch guarantees
-----------------------
* **One failing client never stops the others.** A client whose file does not load, whose notebook raises, or
  whose kernel dies is recorded ``failed`` with a one-line reason (the :class:`~wealthlib.errors.WealthError`
  message; for anything else only the kind of error, never client data); the rest carry on. A local worker
  process that dies costs only the client it held (queued once more on a fresh worker; failed with
  ``worker died twice: SIGKILL`` if that one dies too).
* **One batch per output folder**: an exclusive lock (``.wealth-batch.lock``, :mod:`wealthlib._batch.lock`) for
  the batch's life; a second batch is refused with the holder's pid and start time. A ``clients`` subset merges
  into the folder's manifest and index (entries of other clients are kept as they were).
* **A manifest** ``manifest.json`` and ``manifest.csv`` in the output folder: per client ``status``
  (``ok``, ``failed``, ``unchanged``: skipped because nothing changed, ``skipped``: not run because the batch
  was interrupted), ``reason``, output file names, ``input_hash`` and timings. It is rewritten (atomically)
  after every client, so an interrupted batch leaves a true record.
* **Atomic outputs**: each document is written to a temporary file and renamed (:func:`wealthlib.render.write_atomic`).
* **Resume**: a re-run skips a client when its input hash (client file, policy, shelf, template, document kind,
  quarter or as-of date, formats, software version) equals the last successful run's and its outputs exist;
  failed clients are retried.
* ``index.html`` links every document (names escaped).
* Per-cell timeout (``cell_timeout``: positive seconds, or None): past it the kernel is interrupted and killed
  after a short grace, whatever it is doing, and the client fails with ``cell N exceeded T s``.
* Test-only fault injection: :mod:`wealthlib._batch.faults` (``WEALTHLIB_FAULT_HOOK``).
* **No orphan kernels**: the warm template (zygote), the pool workers and every kernel die with the batch, also on
  Ctrl-C (``PR_SET_PDEATHSIG`` chain, see :mod:`wealthlib._batch.zygote`).

Engines (``engine=``)
---------------------
``fork`` (default): a local batch starts one warm template process that has imported numpy, pandas,
matplotlib, cvxpy, quantstats, wealthlib, ipykernel and the export stack and loaded the run's market estimates; it
forks the batch's workers (:mod:`wealthlib._batch.template`) and **a fresh kernel for every client** (papermill executes the template on it as on any kernel, through a ``wealth-fork``
kernelspec). Clients share nothing at run time: each kernel is its own process, reseeded. ``fresh``: a normal
``python3`` kernel per client (what papermill does by default; slow, for comparison).

Scale-out (``scheduler="tcp://host:8786"``): each client is one ``distributed.Client.submit`` of
:func:`wealthlib._batch.worker.dask_render_job`; every Dask worker process keeps its own warm template. A task
lost with a worker is re-run elsewhere by the scheduler, and as in the local pool a client gets one more attempt:
the attempt after its second lost worker records it as failed (``worker died twice: lost by the Dask
scheduler``); tasks merely queued on the lost worker are not charged. The manifest holds each client once (the
document is written atomically, so a lost attempt leaves nothing half-written). Dask workers read the params folder, the template and
write the output folder by the paths the batch gives them: on several machines these must be on a shared file
system. A task leaves its documents as hidden temporaries, which this process renames into place just before
it records them: a Ctrl-C cancels the futures, and a client already running on a worker, or one still running
after a manifest that became unwritable stopped the batch, finishes there without its documents appearing (the
manifest records it as skipped; its temporaries are removed by the next run, which renders it again).

Measured (``benchmarks/batch.py``, 40 reviews, 2 workers, 2-vCPU machine, 2026-12-01): HTML + PDF 40.8 clients/min,
2.1x the naive papermill pool and on par with the single-process warm floor (the PDF layout, ~1.1 s per review,
bounds both); HTML only 73 clients/min, 3.2x the naive pool.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import html
import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._gc import fewer_collections
from .errors import WealthError, display_path
from .resources import template_path

__all__ = ["KINDS", "STATUSES", "BatchError", "Manifest", "plan", "run_batch", "write_index", "job_input_hash"]

TEMPLATES = {"review": template_path("quarterly_review.ipynb"), "propose": template_path("proposal.ipynb")}
KINDS = tuple(TEMPLATES)
STATUSES = ("ok", "failed", "unchanged", "skipped")
MANIFEST_FIELDS = ("client", "status", "reason", "outputs", "input_hash", "execute_s", "export_s", "total_s", "worker")


class BatchError(WealthError):
    """The batch as a whole cannot run (bad options, no clients, template missing)."""


@dataclass
class Manifest:
    """The record of one batch: one entry per client, in client order."""

    kind: str
    out_dir: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    wall_s: float = 0.0
    engine: str = "fork"
    interrupted: bool = False
    #: clients whose entries come from earlier runs into the folder (this run did not cover them)
    carried: set[str] = field(default_factory=set)

    def run_entries(self) -> list[dict[str, Any]]:
        """The entries of the clients this run covered (the folder's record also holds earlier runs')."""
        return [e for cid, e in self.entries.items() if cid not in self.carried]

    def counts(self, *, folder: bool = False) -> dict[str, int]:
        """Clients per status: of this run, or with ``folder=True`` of the whole folder's record."""
        out = {s: 0 for s in STATUSES}
        for e in (self.entries.values() if folder else self.run_entries()):
            out[e["status"]] = out.get(e["status"], 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "engine": self.engine, "started": self.started, "wall_s": round(self.wall_s, 3),
                "interrupted": self.interrupted, "counts": self.counts(folder=True),
                "clients": list(self.entries.values())}

    def write(self) -> None:
        """``manifest.json`` and ``manifest.csv`` as one step (both or neither): raises
        :class:`wealthlib.render.WriteError` naming the file that cannot be written."""
        from .render import write_all_atomic

        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(MANIFEST_FIELDS)
        for e in self.entries.values():
            t = e.get("timings") or {}
            w.writerow([e["client"], e["status"], e.get("reason", ""), ";".join(e.get("outputs", {}).values()),
                        e.get("input_hash", ""), t.get("execute", ""), t.get("export", ""), t.get("total", ""),
                        e.get("worker", "")])
        write_all_atomic({self.out_dir / "manifest.json": json.dumps(self.to_json(), ensure_ascii=False, indent=1),
                          self.out_dir / "manifest.csv": buf.getvalue()})


def _hash_bytes(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(len(c).to_bytes(8, "little"))
        h.update(c)
    return h.hexdigest()[:20]


def job_input_hash(client_file: Path, params: Path, template: Path, kind: str, when: str, formats: Iterable[str],
                   market_key: str = "") -> str:
    """What a document depends on: client file, policy, shelf, template, kind, quarter/as-of, formats, version,
    and the market data (``market_key``: :meth:`wealthlib.market.MarketConfig.data_key`, the market file's bytes
    and the content hash of every price and FX file it names; for the bundled demo, the versions of the packages
    that ship it), so a corrected price re-renders the documents and an unchanged one does not; for a review,
    also the client's decisions in the records store (:func:`wealthlib.records.decisions_key`)."""
    return _InputHasher(params, template, kind, when, formats, market_key)(client_file)


def _read_or_empty(p: Path, limit: int = 1_000_000) -> bytes:
    """Regular files only, bounded (:func:`wealthlib._yaml.read_bounded`): a FIFO or ``/dev/zero`` named here
    must not hang or exhaust the batch; the file's loader names the problem."""
    from ._yaml import read_bounded

    try:
        return read_bounded(p, limit=limit)
    except WealthError:
        return b""


class _InputHasher:
    """:func:`job_input_hash` for many clients of one batch: the policy, shelf and template are read once."""

    def __init__(self, params: Path, template: Path, kind: str, when: str, formats: Iterable[str],
                 market_key: str = ""):
        from . import __version__

        self._shared = (_read_or_empty(params / "policy.yaml"), _read_or_empty(params / "products.yaml"),
                        _read_or_empty(template, limit=50_000_000))
        self._tail = f"{kind}|{when}|{','.join(formats)}|{__version__}".encode()
        self._market = market_key.encode()
        from .records import decisions_key

        # a review measures drift against the client's agreed target: a newly recorded decision re-renders it
        self._agreed = decisions_key(params) if kind == "review" else {}

    def __call__(self, client_file: Path) -> str:
        return _hash_bytes(_read_or_empty(client_file), *self._shared, self._tail, self._market,
                           self._agreed.get(client_file.stem, "").encode())


def _client_files(params: Path, pattern: str) -> list[Path]:
    d = params / "clients"
    if not d.is_dir():
        raise BatchError(f"{display_path(d)}: clients folder not found")
    files = sorted(p for p in [*d.glob("*.yaml"), *d.glob("*.yml")] if fnmatch.fnmatch(p.stem, pattern))
    return files


@fewer_collections()
def plan(
    kind: str,
    *,
    params: str | Path = "params",
    clients: str = "*",
    quarter: str = "2018Q3",
    as_of: str | None = None,
    out: str | Path,
    formats: Iterable[str] = ("html", "pdf"),
    engine: str = "fork",
    cell_timeout: float | None = 300,
    advisor: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Jobs to run and clients already failed at planning (their file does not load), each a plain dict.
    ``advisor`` (``--advisor ID``): only the clients of that advisor's book (a supervisor's: their branch's);
    no other client file is opened (:mod:`wealthlib.guard.access`)."""
    from .clients import load_client
    from .render import FORMATS, check_stem

    if kind not in TEMPLATES:
        raise BatchError(f"unknown document kind {kind!r}; use one of {', '.join(KINDS)}")
    template = TEMPLATES[kind]
    if not template.is_file():
        raise BatchError(f"{display_path(template)}: template not found")
    fmts = tuple(dict.fromkeys(formats))
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise BatchError(f"unknown output format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    params = Path(params).resolve()
    out = Path(out).resolve()
    files = _client_files(params, clients)
    viewer = None
    if advisor is not None:
        from .guard.access import viewer_for
        from .policy import load_policy

        viewer = viewer_for(load_policy(params / "policy.yaml"), params, advisor)
        files = viewer.client_files(params / "clients", files)
    if not files:
        raise BatchError(f"no client files match {clients!r} in {display_path(params / 'clients')}")
    if kind == "review":
        from .review import document_meta, parse_quarter

        when = quarter
        as_of_ctx = str(parse_quarter(quarter)[1].date())
    else:
        as_of = _default_as_of(params, as_of)
        when = as_of
        as_of_ctx = as_of
    from .context import check_params_as_of

    try:  # the date is the whole batch's: one message up front, not the same failure once per client
        check_params_as_of(params, as_of_ctx)
    except ValueError:
        raise BatchError(f"as_of: {as_of_ctx!r} is not a date in YYYY-MM-DD form") from None
    except WealthError as err:
        what = f"quarter {quarter}" if kind == "review" else f"as-of date {as_of}"
        raise BatchError(f"{what}: {err}") from None
    from .market import market_config

    market_key = market_config(params).data_key()  # read and checked by check_params_as_of just above
    jobs, failed = [], []
    failed_ids: set[str] = set()
    from .charts import client_chart_problems
    from .clients import duplicate_ids

    dups = duplicate_ids(files)
    input_hash = _InputHasher(params, template, kind, when, fmts, market_key)
    policy = _policy_or_none(params)  # one policy for every client's title and audit line, not one load each
    record = _audit_record(params, as_of_ctx, policy, template)  # the PDFs' audit record: once per batch
    for f in files:
        cid = f.stem
        h = input_hash(f)
        if cid in failed_ids and f in dups:
            continue  # the other file of the same id already recorded the failure
        try:
            if f in dups:
                raise dups[f]
            check_stem(cid)
            client = load_client(f, params / "clients")
            if viewer is not None:
                viewer.check_file(client)
            for problem in client_chart_problems(client, client.locale)[:1]:  # as validate and build_proposal do
                raise problem
            if kind == "review":
                meta = document_meta(client, params, quarter, policy=policy)
                parameters = {"client": str(f), "quarter": quarter, "params": str(params), "locale": ""}
            else:
                meta = _proposal_meta(client, params, as_of, h, policy)
                parameters = {"client": str(f), "as_of": as_of, "params": str(params), "locale": client.locale,
                              "choices": None}  # the same inputs as `wealth propose`, so the same audit hash
        except WealthError as err:
            failed.append({"client": cid, "input_hash": h, "status": "failed", "reason": _one_line(err),
                           "outputs": {}, "timings": {}})
            failed_ids.add(cid)
            continue
        jobs.append({
            "client": cid, "stem": cid, "template": str(template), "parameters": parameters, "out_dir": str(out),
            "formats": list(fmts), "lang": meta["lang"], "title": meta["title"], "footer": meta["footer"],
            "audit": meta["audit"], "input_hash": h, "engine": engine, "params": str(params), "as_of": as_of_ctx,
            "cell_timeout": cell_timeout, "kind": kind,
            "audit_record": {**record, **_questionnaire_version(client)},
        })
    _check_shelf_names(params, policy, {j["lang"] for j in jobs})
    # the warm template prepares the locales this batch prints in: a whole review in the first (the most common),
    # the faces of the others (wealthlib._batch.zygote._warm_review)
    counts = Counter(j["lang"] for j in jobs)
    warm = ",".join(sorted(counts, key=lambda loc: (-counts[loc], loc)))
    for j in jobs:
        j["warm_locales"] = warm
    return jobs, failed


def _check_shelf_names(params: Path, policy, locales: set[str]) -> None:
    """A product name no chart font of a locale the batch prints in can draw is the whole batch's problem (every
    document may chart that product): a :class:`BatchError` naming the shelf file and field, before anyone is
    rendered. A shelf that does not load is left to the per-client path that reports it."""
    from .charts import shelf_chart_problems
    from .products import load_shelf

    if not locales or policy is None:
        return
    try:
        shelf = load_shelf(params / "products.yaml", policy)
    except WealthError:
        return
    problems = shelf_chart_problems(shelf, sorted(locales))
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise BatchError(f"{problems[0]}{more}")


def _default_as_of(params: Path, as_of: str | None) -> str:
    """``as_of``, or the params folder's default (market.yaml, else the shelf data's last complete month-end)."""
    if as_of is not None:
        return as_of
    from .context import default_as_of

    try:
        return default_as_of(params).isoformat()
    except WealthError as err:
        raise BatchError(f"as-of date: {err}") from None


def _policy_or_none(params: Path) -> Any:
    """The batch's policy, or None when it does not load: then each client's planning loads it again and
    records the policy's own error as that client's reason, as before."""
    from .policy import load_policy

    try:
        return load_policy(params / "policy.yaml")
    except WealthError:
        return None


def _audit_record(params: Path, as_of: str, policy: Any, template: Path) -> dict[str, str]:
    """The versions a proposal's audit record carries, as far as the batch knows them before any kernel runs:
    the market's vintage cut at the batch's date (as the document's context has it), policy, shelf,
    disclosures, software and template. Read once per batch; a part that does not load is left out (that
    client's rendering reports the file's problem)."""
    from . import __version__
    from .disclosures import DISCLOSURES_VERSION
    from .guard.draft import installed_template_record
    from .market import configured_market
    from .products import load_shelf

    out = {"disclosures_version": DISCLOSURES_VERSION, "software_version": __version__}
    try:
        out.update(installed_template_record(template.name, template.parent))
        out["data_vintage"] = configured_market(params).as_of(as_of).vintage
        if policy is not None:
            out["policy_version"] = policy.version
            out["shelf_version"] = load_shelf(params / "products.yaml", policy).version
    except (WealthError, OSError, ValueError):
        pass
    return out


def _questionnaire_version(client: Any) -> dict[str, str]:
    """The client's questionnaire and its version, as a proposal's audit record has it (the questionnaire file
    is read once per process: load_questionnaire is cached)."""
    from .risk import load_questionnaire

    try:
        q = load_questionnaire(client.kyc.questionnaire)
    except (WealthError, AttributeError):
        return {}
    return {"questionnaire_version": f"{q.id} {q.version}"}


def _proposal_meta(client: Any, params: Path, as_of: str, input_hash: str, policy: Any = None) -> dict[str, str]:
    from . import __version__
    from .disclosures import general_disclosures
    from .i18n import t
    from .policy import load_policy

    if policy is None:
        policy = load_policy(params / "policy.yaml")
    loc = client.locale
    title = f"{t('documents.proposal_title', loc)} — {client.name}" if _has_label("proposal_title") else client.name
    # the footer a proposal prints is the audit line its kernel built (wealthlib._batch.worker._kernel_audit);
    # this planned one (no inputs hash: the batch's resume key is not one) is kept for the manifest's records
    audit = (f"{t('documents.audit_as_of', loc)}: {as_of} · "
             f"{t('documents.audit_policy_version', loc)}: {policy.version} · wealthlib {__version__}")
    return {"lang": loc, "title": title, "footer": general_disclosures(loc, policy.jurisdiction)[0], "audit": audit}


def _has_label(key: str) -> bool:
    from .i18n import catalog

    return key in catalog("documents")


def _one_line(err: BaseException) -> str:
    from wealthlib.errors import for_log

    return for_log(err)  # one line, no client data


def _previous(out: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The folder's manifest entries by client, and the kind of document it records (None: no manifest)."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return {e["client"]: e for e in data.get("clients", [])}, data.get("kind")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, None


def write_index(manifest: Manifest, title: str = "Documents") -> Path:
    """``index.html`` in the output folder: a table linking every document (all text escaped)."""
    from .render import write_atomic

    rows = []
    for e in manifest.entries.values():
        links = " ".join(f'<a href="{html.escape(name, quote=True)}">{html.escape(fmt.upper())}</a>'
                         for fmt, name in sorted(e.get("outputs", {}).items()))
        rows.append(f"<tr><td>{html.escape(e['client'])}</td><td>{html.escape(e['status'])}</td>"
                    f"<td>{links}</td><td>{html.escape(e.get('reason') or '')}</td></tr>")
    doc = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html.escape(title) + "</title>"
           "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}"
           "tr:nth-child(even){background:#f4f4f4}</style></head><body><h1>" + html.escape(title) + "</h1>"
           "<table><thead><tr><th>Client</th><th>Status</th><th>Documents</th><th>Reason</th></tr></thead><tbody>"
           + "".join(rows) + "</tbody></table></body></html>")
    return write_atomic(manifest.out_dir / "index.html", doc)


# --------------------------------------------------------------------------------------------- running


def run_batch(
    kind: str = "review",
    *,
    quarter: str = "2018Q3",
    as_of: str | None = None,
    params: str | Path = "params",
    clients: str = "*",
    workers: int = 2,
    scheduler: str | None = None,
    out: str | Path | None = None,
    formats: Iterable[str] = ("html", "pdf"),
    engine: str = "fork",
    cell_timeout: float | None = 300,
    progress: bool | Callable[[dict[str, Any]], None] = False,
    measure_memory: bool = False,
    force: bool = False,
    advisor: str | None = None,
) -> Manifest:
    """Render ``kind`` (``review`` or ``propose``) for every client matching ``clients`` (a glob on the id).

    Every option is checked, and the clients planned, before the output folder is created. The folder is then
    locked for the batch's life (a second batch into it is refused, naming the holder); the temporary files a
    killed run left there are removed; the folder's manifest and index keep the entries of clients this run
    does not cover (a ``clients`` subset merges into them)."""
    from .render import RenderError, check_timeout

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise BatchError(f"workers must be 1 or more, got {workers}")
    if engine not in ("fork", "fresh"):
        raise BatchError(f"unknown engine {engine!r}; use fork or fresh")
    try:
        cell_timeout = check_timeout(cell_timeout)
    except RenderError as err:
        raise BatchError(str(err)) from None
    if scheduler is not None and (problem := scheduler_problem(scheduler)):
        raise BatchError(f"scheduler: {problem}")
    if kind != "review":
        as_of = _default_as_of(Path(params), as_of)
    out = Path(out) if out is not None else Path("reports") / (f"review-{quarter}" if kind == "review" else f"propose-{as_of}")
    from .render import prepare_out_dir

    jobs, failed = plan(kind, params=params, clients=clients, quarter=quarter, as_of=as_of, out=out, formats=formats,
                        engine=engine, cell_timeout=cell_timeout, advisor=advisor)
    prepare_out_dir(out)
    from ._batch.lock import FolderBusy, FolderLock

    lock = FolderLock(out)
    try:
        lock.acquire()
    except FolderBusy as busy:
        who = busy.holder
        raise BatchError(f"{display_path(out)}: another batch is writing into this folder (pid {who.get('pid', '?')}, "
                         f"started {who.get('started', '?')}); wait for it to finish or choose another --out") from None
    except OSError as exc:
        raise BatchError(f"{display_path(out)}: cannot lock the output folder: {exc.strerror or exc}") from None
    try:
        return _run_locked(kind, jobs, failed, out=out, quarter=quarter, as_of=as_of, workers=workers,
                           scheduler=scheduler, engine=engine, progress=progress, measure_memory=measure_memory,
                           force=force)
    finally:
        lock.release()


# schemes a batch can reach from another process by host and port (inproc is the calling process only; ucx
# needs UCX installed and is not part of this environment)
_SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss")


def scheduler_problem(address: str) -> str | None:
    """Why ``address`` is not a Dask scheduler address a batch can connect to (``tcp://host:8786``), or None.

    Checked with distributed's own address parser before any folder is created: a bad address used to be found
    only when the batch connected, after the output folder existed."""
    from distributed.comm import get_address_host_port, parse_address

    text = str(address).strip()
    hint = "must be a Dask scheduler address like tcp://host:8786"
    try:
        scheme, _ = parse_address(text, strict=True)
    except ValueError:
        return f"{hint} (scheme://host:port)"
    if scheme not in _SCHEDULER_SCHEMES:
        return f"{hint}; scheme {scheme[:20]!r} is not one of {', '.join(_SCHEDULER_SCHEMES)}"
    try:
        host, port = get_address_host_port(text)
    except ValueError:
        return f"{hint} (host and a numeric port)"
    if not host:
        return f"{hint} (the host is missing)"
    if not 1 <= int(port) <= 65535:
        return f"{hint} (port {port} is not between 1 and 65535)"
    return None


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files (``.<name>.<random>.tmp``, :func:`wealthlib.render.write_all_atomic`) and Dask attempt
    marks (``.<stem>.attempt.<run>.<n>``) that a killed run left in the folder: nobody else writes there while we
    hold its lock."""
    import re
    import stat

    for p in out.glob(".*"):
        try:  # documents being written (render.write_all_atomic), a Dask run's attempt marks
            if (re.fullmatch(r"\..+\.[A-Za-z0-9_]{8}\.tmp|\..+\.attempt\.[0-9a-f]{8}\.[0-9]+", p.name)
                    and stat.S_ISREG(p.lstat().st_mode)):
                p.unlink()
        except OSError:
            pass


def _run_locked(kind: str, jobs: list[dict[str, Any]], failed: list[dict[str, Any]], *, out: Path, quarter: str,
                as_of: str, workers: int, scheduler: str | None, engine: str,
                progress: bool | Callable[[dict[str, Any]], None], measure_memory: bool, force: bool) -> Manifest:
    manifest = Manifest(kind=kind, out_dir=out.resolve(), engine="dask:" + engine if scheduler else engine)
    _remove_stale_temporaries(manifest.out_dir)
    prev, prev_kind = _previous(manifest.out_dir)
    if prev_kind not in (None, kind):
        prev = {}  # another kind of document's record: not ours to merge
    order = sorted([*(j["client"] for j in jobs), *(f["client"] for f in failed)])
    # clients this run does not cover keep their entries (a subset run merges into the folder's record)
    carried = {cid: e for cid, e in prev.items() if cid not in set(order) and isinstance(e, dict)}
    for cid in sorted({*order, *carried}):
        manifest.entries[cid] = carried.get(cid) or {"client": cid, "status": "skipped", "reason": "", "outputs": {},
                                                     "input_hash": "", "timings": {}}
    manifest.carried = set(carried)
    for f in failed:
        manifest.entries[f["client"]] = f
    todo = []
    for job in jobs:
        p = {} if force else prev.get(job["client"])
        if (p and p.get("status") in ("ok", "unchanged") and p.get("input_hash") == job["input_hash"]
                and p.get("outputs") and all((manifest.out_dir / n).is_file() for n in p["outputs"].values())):
            manifest.entries[job["client"]] = {**p, "status": "unchanged", "reason": "",
                                               "timings": {"total": 0.0}}
            continue
        job["measure_memory"] = measure_memory
        manifest.entries[job["client"]]["input_hash"] = job["input_hash"]
        todo.append(job)
    t0 = time.perf_counter()
    from .render import WriteError

    # the manifest and the index are written before anyone is rendered: a folder whose record cannot be written
    # fails here, with no document on disk that its manifest does not list
    try:
        manifest.write()
        write_index(manifest, title=f"{kind} {quarter if kind == 'review' else as_of}")
    except WriteError as exc:
        raise BatchError(f"{exc}; nothing was rendered") from None
    listed = _listed_outputs(manifest)  # the documents the manifest on disk lists
    bar = _Progress(len(order), len(order) - len(todo), enabled=progress is True)
    callback = progress if callable(progress) else None
    unwritable: list[WriteError] = []

    def done(res: dict[str, Any]) -> None:
        manifest.entries[res["client"]] = res
        manifest.wall_s = time.perf_counter() - t0
        try:
            manifest.write()
        except WriteError as exc:
            unwritable.append(exc)
            raise
        listed.update(_listed_outputs(manifest))
        bar.advance(res)
        if callback:
            callback(res)

    try:
        with bar:
            if scheduler:
                _run_dask(todo, scheduler, done)
            else:
                _run_local(todo, workers, done)
    except KeyboardInterrupt:
        manifest.interrupted = True
        raise
    except WriteError:
        if not unwritable:
            raise
        # the manifest became unwritable mid-run: the batch stops (its workers are stopped by now) and the
        # documents this run wrote that the manifest on disk does not list are removed, so the two agree
        removed = _remove_unlisted(manifest.out_dir, todo, listed)
        kept = sorted(n for n in listed if any(n == f"{j['stem']}.{f}" for j in todo for f in j["formats"]))
        raise BatchError(f"{unwritable[0]}; the batch stopped; removed the documents the manifest does not list "
                         f"({', '.join(removed) or 'none'}); kept, as the manifest lists them: "
                         f"{', '.join(kept) or 'none'}") from None
    finally:
        if not unwritable:
            manifest.wall_s = time.perf_counter() - t0
            manifest.write()
            write_index(manifest, title=f"{kind} {quarter if kind == 'review' else as_of}")
    return manifest


def _listed_outputs(manifest: Manifest) -> set[str]:
    return {n for e in manifest.entries.values() for n in (e.get("outputs") or {}).values()}


def _remove_unlisted(out: Path, jobs: list[dict[str, Any]], listed: set[str]) -> list[str]:
    """Remove this run's documents (``<stem>.<format>`` of each job) that the manifest on disk does not list."""
    removed = []
    for job in jobs:
        for fmt in job["formats"]:
            name = f"{job['stem']}.{fmt}"
            p = out / name
            if name not in listed and p.is_file():
                try:
                    p.unlink()
                    removed.append(name)
                except OSError:
                    pass
    return sorted(removed)


class _Progress:
    """A rich progress bar with rate (clients/min) and ETA, or nothing."""

    def __init__(self, total: int, completed: int, enabled: bool):
        self.enabled = enabled and total > 0
        self.total, self.completed = total, completed
        if self.enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
            from rich.text import Text

            class Rate(ProgressColumn):
                def render(self, task):  # noqa: D401 - rich API
                    speed = task.finished_speed or task.speed
                    return Text(f"{speed * 60:.1f}/min" if speed else "–/min")

            self.p = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                              TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                              TextColumn("{task.fields[failed]} failed"))
            self.task = self.p.add_task("clients", total=total, completed=completed, failed=0)
            self.failed = 0

    def __enter__(self):
        if self.enabled:
            self.p.__enter__()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.p.__exit__(*exc)

    def advance(self, res: dict[str, Any]) -> None:
        if self.enabled:
            self.failed += res["status"] == "failed"
            self.p.update(self.task, advance=1, failed=self.failed)


def _signal_name(exitcode: int | None) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return "exit status unknown" if exitcode is None else f"exit status {exitcode}"


#: How often a client may lose its worker before it is failed for good (a client that kills every worker it
#: lands on, say by exhausting memory, must not take the whole pool down one worker at a time).
WORKER_DEATHS_ALLOWED = 2


def _run_local(jobs: list[dict[str, Any]], workers: int, done: Callable[[dict[str, Any]], None]) -> None:
    """A pool of ``workers`` processes, one job at a time each, over a pipe per worker.

    Unlike :class:`concurrent.futures.ProcessPoolExecutor` (whose pool breaks, failing every queued future, when
    one process dies) a dead worker costs only the client it was rendering: that client goes back to the end
    of the queue, a new worker takes the dead one's place, and the rest go on. A
    client whose worker dies :data:`WORKER_DEATHS_ALLOWED` times is failed with ``worker died twice: SIGKILL``.

    The pool starts one warm template first (:class:`wealthlib._batch.template.SharedTemplate`); it forks the
    workers, which so start with everything imported and warmed, and every client's kernel. Where it cannot
    start, workers are spawned and each starts its own template (which then says why, in each client's entry).
    """
    if not jobs:
        return
    import multiprocessing as mp
    from collections import deque
    from multiprocessing.connection import wait

    from ._batch.template import SharedTemplate
    from ._batch.worker import pool_worker_main

    ctx = mp.get_context("spawn")
    queue = deque(jobs)
    deaths: dict[str, int] = {}
    slots: list[dict[str, Any]] = []

    def start() -> dict[str, Any]:
        forked = template.fork_worker() if template is not None else None
        if forked is not None:  # from the warm template: nothing to import, nothing to warm
            return {"proc": forked[0], "conn": forked[1], "job": None}
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=pool_worker_main, args=(child,), daemon=True, name="wealth-batch-worker")
        proc.start()
        child.close()
        return {"proc": proc, "conn": parent, "job": None}

    def died(slot: dict[str, Any]) -> None:
        slot["proc"].join()
        slot["conn"].close()
        job = slot["job"]
        slot["job"] = None
        if job is None:
            return
        cid = job["client"]
        deaths[cid] = deaths.get(cid, 0) + 1
        why = _signal_name(slot["proc"].exitcode)
        if deaths[cid] < WORKER_DEATHS_ALLOWED:
            queue.append({**job, "attempt": deaths[cid] + 1})
            return
        times = "twice" if deaths[cid] == 2 else f"{deaths[cid]} times"
        done({"client": cid, "input_hash": job["input_hash"], "status": "failed",
              "reason": f"worker died {times}: {why}", "outputs": {}, "timings": {}})

    forked = [j for j in jobs if j.get("engine", "fork") == "fork"]
    template = None

    def sent(job: dict[str, Any]) -> dict[str, Any]:
        address = template.address(job) if template is not None else None
        return {**job, "warm_template": address} if address else job

    try:
        # started before the workers, so it warms up while they import
        template = SharedTemplate(forked, min(workers, len(jobs))) if forked else None
        slots = [start() for _ in range(min(workers, len(jobs)))]
        while queue or any(s["job"] is not None for s in slots):
            for s in slots:
                if s["job"] is None and queue and s["proc"].is_alive():
                    s["job"] = queue.popleft()
                    try:
                        s["conn"].send(sent(s["job"]))
                    except OSError:  # died while idle: its sentinel says so below, the job is requeued
                        pass
            busy = [s["conn"] for s in slots if s["job"] is not None and not s["conn"].closed]
            ready = set(wait(busy + [s["proc"].sentinel for s in slots]))
            for i, s in enumerate(slots):
                if s["job"] is not None and s["conn"] in ready:
                    try:
                        res = s["conn"].recv()
                    except (EOFError, OSError):
                        res = None  # the worker is gone: its sentinel is (or will be) ready
                    if res is not None:
                        s["job"] = None
                        done(res)
                if s["proc"].sentinel in ready or (s["conn"] in ready and s["job"] is not None):
                    s["proc"].join(timeout=10)
                    died(s)
                    slots[i] = start() if queue else {"proc": s["proc"], "conn": s["conn"], "job": None,
                                                      "dead": True}
            slots = [s for s in slots if not s.get("dead")]
            if not slots and queue:
                slots = [start()]
        for s in slots:
            try:
                s["conn"].send(None)  # finish: each worker exits (a spawned one stops its own warm template)
            except OSError:
                pass
        for s in slots:
            s["proc"].join(timeout=30)
    finally:
        for s in slots:  # interrupted or broken: stop now (their zygotes and kernels die with them)
            if s["proc"].is_alive():
                s["proc"].terminate()
        for s in slots:
            s["proc"].join(timeout=5)
            if s["proc"].is_alive():
                s["proc"].kill()
                # bounded: a forked worker's exit is reported by the template, and a template that does not
                # report it must not hold the batch; closing the template (below) ends it and, with it, its children
                s["proc"].join(timeout=10)
        if template is not None:
            template.close()


def _run_dask(jobs: list[dict[str, Any]], scheduler: str, done: Callable[[dict[str, Any]], None]) -> None:
    if not jobs:
        return
    from distributed import Client, as_completed

    import secrets

    from ._batch.worker import dask_render_job

    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, ValueError, TypeError) as err:  # unreachable, refused, or not an address at all
        raise BatchError(f"scheduler {scheduler!r}: cannot connect: {' '.join(str(err).split())}") from None
    run = secrets.token_hex(4)  # this run's keys and attempt marks: another batch on the cluster shares neither
    with client:
        # each task leaves its documents as hidden temporaries and this process renames them into place
        # (_commit_pending) just before it records them: a task still running remotely after the batch stopped
        # (the manifest became unwritable, Ctrl-C) can never put a document that the manifest does not list
        futures = {client.submit(dask_render_job, {**j, "run": run, "defer_commit": True},
                                 key=f"wealth-{j['client']}-{run}", pure=False): j for j in jobs}
        try:
            for fut in as_completed(list(futures)):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as err:  # e.g. KilledWorker: the scheduler's own limit on lost workers
                    res = {"client": job["client"], "input_hash": job["input_hash"], "status": "failed",
                           "reason": f"worker lost: {type(err).__name__}", "outputs": {}, "timings": {}}
                done(_commit_pending(res, Path(job["out_dir"])))
        finally:
            client.cancel(list(futures))
            _remove_attempt_marks(jobs, run)
            _remove_uncommitted(jobs)


def _commit_pending(res: dict[str, Any], out: Path) -> dict[str, Any]:
    """Rename a Dask task's temporaries (``res["pending"]``: document name → temporary name, both in ``out``)
    onto their documents; a rename that fails makes the client failed with the reason (nothing of it kept)."""
    from .render import WriteError, commit_temporaries

    pending = res.pop("pending", None)
    if not pending:
        return res
    try:
        commit_temporaries({out / name: out / tmp for name, tmp in pending.items()})
    except WriteError as exc:
        for name in pending:
            (out / name).unlink(missing_ok=True)
        return {**res, "status": "failed", "reason": str(exc), "outputs": {}}
    return res


def _remove_uncommitted(jobs: list[dict[str, Any]]) -> None:
    """Temporaries no result of this run named: a task the scheduler ran again (its first result was lost with a
    worker after this process had committed it) or one whose result never came back. A task still running
    remotely may yet write one; the next run removes it (:func:`wealthlib.render.export`)."""
    from .render import _remove_stale_temporaries

    for job in jobs:
        _remove_stale_temporaries(Path(job["out_dir"]), job["stem"], job["formats"])


def _remove_attempt_marks(jobs: list[dict[str, Any]], run: str) -> None:
    """The files by which a Dask run counted each client's attempts (:func:`wealthlib._batch.worker.attempt_mark`)."""
    from ._batch.worker import attempt_mark

    for job in jobs:
        n = 1
        while True:
            try:
                attempt_mark(job["out_dir"], job["stem"], run, n).unlink()
            except FileNotFoundError:
                break
            except OSError:
                pass
            n += 1
