"""``wealth batch …``: every client's quarterly review or proposal.

Exit status: 0 when no client failed, 1 when at least one failed (the manifest says which and why), 2 for bad
options, 130 after Ctrl-C (the manifest then records what was done; a re-run resumes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import WealthError
from .common import AS_OF_DEFAULT_HELP, err, format_option, parse_formats, state

batch_app = typer.Typer(help="Render documents for many clients: local pool or Dask cluster.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")


def _run(kind: str, *, quarter: str, as_of: str, clients: str, workers: int, scheduler: Optional[str],
         out: Optional[Path], fmt: str, params: Optional[Path], engine: str, cell_timeout: str, force: bool,
         progress: bool, advisor: Optional[str] = None) -> None:
    from ..batch import run_batch

    if params is None:  # `wealth --params DIR batch …` and WEALTH_PARAMS name the firm's inputs here too
        params = state.params

    try:
        formats = parse_formats(fmt)  # a bad --format is a bad option here too: exit 2 like the batch's own checks
        timeout = parse_timeout(cell_timeout)
        scheduler = parse_scheduler(scheduler)
        manifest = run_batch(kind, quarter=quarter, as_of=as_of, params=params, clients=clients, workers=workers,
                             scheduler=scheduler, out=out, formats=formats, engine=engine,
                             cell_timeout=timeout, progress=progress, force=force, advisor=advisor)
    except KeyboardInterrupt:
        err.print("interrupted: the manifest records what was done; run the same command again to resume", markup=False)
        raise typer.Exit(130)
    except WealthError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2)
    c = manifest.counts()  # this run's clients; the folder's manifest also keeps earlier runs' other clients
    kept = f" ({len(manifest.carried)} other client(s) kept from earlier runs)" if manifest.carried else ""
    typer.echo(f"{c['ok']} ok, {c['unchanged']} unchanged, {c['failed']} failed, {c['skipped']} skipped "
               f"in {manifest.wall_s:.1f} s; manifest: {manifest.out_dir / 'manifest.json'}{kept}; "
               f"index: {manifest.out_dir / 'index.html'}")
    for e in manifest.run_entries():
        if e["status"] == "failed":
            err.print(f"failed: {e['client']}: {e['reason']}", markup=False, highlight=False)
    if c["failed"]:
        raise typer.Exit(1)


_CLIENTS = typer.Option("*", "--clients", help="Glob on client ids, e.g. 'w*'.")
_WORKERS = typer.Option(2, "--workers", min=1, help="Local worker processes (each keeps a warm template).")
_SCHED = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786) instead of local workers.")
_OUT = typer.Option(None, "--out", help="Output folder (default reports/<kind>-<date>).")
_FMT = format_option()
_PARAMS = typer.Option(None, "--params", help="Folder with policy.yaml, products.yaml and clients/ "
                                               "(default: wealth --params, WEALTH_PARAMS, or params).")
_ENGINE = typer.Option("fork", "--engine", help="fork: a fresh kernel forked from a warm template per client; "
                                                "fresh: a normal new kernel per client.")
_TIMEOUT = typer.Option("300", "--cell-timeout", help="Seconds one notebook cell may run (a positive number), "
                                                    "or 'none' for no limit.")


def parse_timeout(value: str) -> float | None:
    """``--cell-timeout``: a positive, finite number of seconds, or ``none``. 0, negatives, nan and inf are
    refused (nbclient would read 0 and -1 as "no limit" and fail every client on nan)."""
    import math

    from ..errors import InputError

    text = str(value).strip()
    if text.lower() == "none":
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError("--cell-timeout", "", f"must be a positive number of seconds or 'none', got {text[:40]!r}")
    return seconds


def parse_scheduler(value: Optional[str]) -> Optional[str]:
    """``--scheduler``: a Dask scheduler address (``tcp://host:8786``, also tls, ws, wss), checked before any
    folder is created."""
    from ..batch import scheduler_problem
    from ..errors import InputError

    if value is None:
        return None
    problem = scheduler_problem(value)
    if problem:
        raise InputError("--scheduler", "", problem)
    return value.strip()


_FORCE = typer.Option(False, "--force", help="Re-render every client, even unchanged ones.")
_PROGRESS = typer.Option(True, "--progress/--no-progress", help="Show a progress bar with rate and ETA.")
_ADVISOR = typer.Option(None, "--advisor", help="Run as this advisor (or supervisor): only their clients; no other client file is opened.")


@batch_app.command("review")
def review_cmd(
    quarter: str = typer.Option("2018Q3", "--quarter", help="Quarter under review, e.g. 2018Q3."),
    clients: str = _CLIENTS, workers: int = _WORKERS, scheduler: Optional[str] = _SCHED, out: Optional[Path] = _OUT,
    fmt: str = _FMT, params: Optional[Path] = _PARAMS, engine: str = _ENGINE, cell_timeout: str = _TIMEOUT,
    force: bool = _FORCE, progress: bool = _PROGRESS, advisor: Optional[str] = _ADVISOR,
) -> None:
    """Every client's quarterly review (templates/quarterly_review.ipynb)."""
    _run("review", quarter=quarter, as_of="", clients=clients, workers=workers, scheduler=scheduler, out=out,
         fmt=fmt, params=params, engine=engine, cell_timeout=cell_timeout, force=force, progress=progress,
         advisor=advisor)


@batch_app.command("propose")
def propose_cmd(
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Data as-of date of the proposals; {AS_OF_DEFAULT_HELP}."),
    clients: str = _CLIENTS, workers: int = _WORKERS, scheduler: Optional[str] = _SCHED, out: Optional[Path] = _OUT,
    fmt: str = _FMT, params: Optional[Path] = _PARAMS, engine: str = _ENGINE, cell_timeout: str = _TIMEOUT,
    force: bool = _FORCE, progress: bool = _PROGRESS, advisor: Optional[str] = _ADVISOR,
) -> None:
    """Every client's asset-allocation proposal (templates/proposal.ipynb)."""
    _run("propose", quarter="", as_of=as_of, clients=clients, workers=workers, scheduler=scheduler, out=out,
         fmt=fmt, params=params, engine=engine, cell_timeout=cell_timeout, force=force, progress=progress,
         advisor=advisor)
