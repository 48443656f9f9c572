"""The ``wealth`` command.

Every command catches :class:`~wealthlib.errors.WealthError` and prints its one-line message (file, field,
problem) to stderr with exit code 1; no traceback reaches a user. Set ``WEALTH_DEBUG=1`` to see tracebacks
of unexpected errors while developing.

Heavy imports (cvxpy, pandas, papermill) happen inside the commands that need them, so ``wealth --help``
and ``wealth score`` stay fast.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import InputError, InputErrors, WealthError

app = typer.Typer(
    help="wealth: the advisor's workbench — validate inputs, profile clients, allocate, render documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
score_app = typer.Typer(help="Score a published risk-tolerance instrument.", no_args_is_help=True)
market_app = typer.Typer(help="The market data.", no_args_is_help=True)
app.add_typer(score_app, name="score")
app.add_typer(market_app, name="market")

from .cli_batch import batch_app  # noqa: E402  (sub-commands live in their own modules)
from .cli_book import book_app  # noqa: E402

app.add_typer(batch_app, name="batch")
app.add_typer(book_app, name="book")

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

# The bundled market data end in late 2018; documents are dated by parameter, never by the wall clock.
DEMO_AS_OF = "2018-12-31"


class _State:
    params: Path = Path("params")


state = _State()


@app.callback()
def _root(
    params: Path = typer.Option(Path("params"), "--params", envvar="WEALTH_PARAMS", help="Folder with policy.yaml, products.yaml and clients/."),
) -> None:
    state.params = params


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("--as-of", "", f"not a date in YYYY-MM-DD form: {value!r}") from None


def _policy():
    from .policy import load_policy

    return load_policy(state.params / "policy.yaml")


def _shelf(policy):
    from .products import load_shelf

    return load_shelf(state.params / "products.yaml", policy)


def _client(ref: str):
    from .clients import load_client

    return load_client(ref, state.params / "clients")


# --------------------------------------------------------------------------------------------- validate
@app.command()
def validate(paths: list[Path] = typer.Argument(None, help="Files or folders to check (default: all of params/).")) -> None:
    """Check policy, shelf and client files; list every problem; exit 1 if there is any."""
    from .validation import validate_params

    problems, checked = validate_params(state.params, paths or [])
    for p in problems:
        err.print(str(p), markup=False)
    if problems:
        err.print(f"{len(problems)} problem(s) in {checked} file(s)", markup=False)
        raise typer.Exit(1)
    out.print(f"ok: {checked} file(s) checked, no problems", markup=False)


# --------------------------------------------------------------------------------------------- profile
@app.command()
def profile(
    client: str = typer.Argument(..., help="Client id under params/clients, or a path to a client YAML file."),
    as_of: str = typer.Option(DEMO_AS_OF, "--as-of", help="Date the profile is taken (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Score a client's KYC questionnaire: tolerance, capacity, class, flags, KYC expiry."""
    from .risk import profile_client

    policy = _policy()
    c = _client(client)
    prof = profile_client(c, policy, _as_of(as_of))
    if as_json:
        out.print_json(prof.model_dump_json())
        return
    _print_profile(c, prof, policy)


def _print_profile(c, prof, policy) -> None:
    locale = c.locale
    t = Table(title=f"{c.id} — risk profile as of {prof.as_of}", show_header=False)
    t.add_column("field")
    t.add_column("value")
    for dim in prof.scores:
        t.add_row(f"score: {dim}", f"{prof.scores[dim]} / {prof.max_scores[dim]}")
    t.add_row("tolerance class", policy.risk_class(prof.tolerance_class).name(locale))
    t.add_row("capacity class", policy.risk_class(prof.capacity_class).name(locale))
    t.add_row("final class", policy.risk_class(prof.final_class).name(locale))
    t.add_row("ceiling", f"RR{prof.ceiling}")
    if prof.override:
        t.add_row("override", f"{prof.override.risk_class} by {prof.override.by}: {prof.override.reason}")
    t.add_row("KYC", f"{prof.kyc_date} → {prof.kyc_expiry}" + ("  EXPIRED" if prof.kyc_expired else ""))
    for f in prof.flags:
        t.add_row("flag", f.message.get(locale) or f.message.get("en") or f.code)
    out.print(t)


# --------------------------------------------------------------------------------------------- score
@score_app.command("grable-lytton")
def grable_lytton(
    answers: str = typer.Option(..., "--answers", help="13 answers a–d, comma-separated, item 1 first."),
) -> None:
    """Score the Grable–Lytton 13-item risk-tolerance scale (1999): total and band."""
    from .risk import score_grable_lytton

    keys = [a.strip().lower() for a in answers.split(",") if a.strip()]
    try:
        result = score_grable_lytton(keys)
    except ValueError as exc:
        raise InputError("--answers", "", str(exc)) from None
    out.print(f"score {result.score} (range 13–47), band: {result.band}", markup=False)


# --------------------------------------------------------------------------------------------- market
@market_app.command("info")
def market_info(as_json: bool = typer.Option(False, "--json")) -> None:
    """Series of the bundled market: names, kind (real/modeled), ranges, sources."""
    from .market import load_demo_market, market_info as info

    m = load_demo_market()
    rows = info(m)
    if as_json:
        out.print_json(json.dumps(rows, default=str))
        return
    t = Table(title=f"Bundled market data — {m.vintage}")
    for col in ["series", "name", "kind", "frequency", "first", "last", "source"]:
        t.add_column(col)
    for r in rows:
        t.add_row(*[str(r.get(col, "")) for col in ["series", "name", "kind", "frequency", "first", "last", "source"]])
    out.print(t)


# --------------------------------------------------------------------------------------------- allocate
@app.command()
def allocate(
    client: str = typer.Argument(..., help="Client id under params/clients, or a path to a client YAML file."),
    objective: Optional[str] = typer.Option(None, "--objective", help="mean_variance | max_return | min_cvar | risk_parity | min_variance (default: the policy's)."),
    as_of: str = typer.Option(DEMO_AS_OF, "--as-of", help="Market data are cut at this date (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: weights, expected_return, volatility, binding, status, …"),
) -> None:
    """Propose a suitable allocation for one client on the shelf (re-solved in milliseconds)."""
    from .allocate import OBJECTIVES
    from .context import advise, load_context

    if objective is not None and objective not in OBJECTIVES:
        raise InputError("--objective", "", f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    ctx = load_context(state.params, _as_of(as_of))
    c = _client(client)
    prof, alloc = advise(ctx, c, objective=objective, require_valid_kyc=False)
    if as_json:
        data = alloc.to_json_dict()
        data.update(client=c.id, risk_class=prof.final_class, ceiling=prof.ceiling, as_of=str(ctx.as_of),
                    kyc_expired=prof.kyc_expired, estimator=ctx.estimates.method, data_vintage=ctx.data_vintage)
        out.print_json(json.dumps(data))
        return
    _print_allocation(c, prof, alloc, ctx)


def _print_allocation(c, prof, alloc, ctx) -> None:
    name = ctx.policy.risk_class(prof.final_class).name(c.locale)
    t = Table(title=f"{c.id} — {name} (ceiling RR{prof.ceiling}), {alloc.objective}, as of {ctx.as_of}")
    for col in ["product", "class", "grade", "current", "proposed", "trade"]:
        t.add_column(col, justify="right" if col in ("current", "proposed", "trade") else "left")
    grades = ctx.shelf.grades()
    classes = ctx.shelf.asset_classes()
    for code, w in alloc.weights.items():
        trade = 0.0 if alloc.trades is None else float(alloc.trades.get(code, 0.0))
        cur = w - trade  # trades are proposed minus current
        if w < 1e-6 and abs(cur) < 1e-6:
            continue
        t.add_row(code, classes[code], f"RR{grades[code]}", f"{cur:.1%}", f"{w:.1%}", f"{trade:+.1%}")
    out.print(t)
    out.print(f"expected return {alloc.expected_return:.2%} a year, volatility {alloc.volatility:.2%} "
              f"({ctx.estimates.method}); status {alloc.status} via {alloc.solver}", markup=False)
    if prof.kyc_expired:
        out.print(f"note: KYC expired on {prof.kyc_expiry}; a new proposal needs a reassessment", markup=False)
    for b in alloc.binding:
        out.print(f"binding: {b}", markup=False)
    for n in alloc.notes:
        out.print(f"note: {n}", markup=False)


# --------------------------------------------------------------------------------------------- demo
@app.command()
def demo(
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Where documents are written."),
    as_of: str = typer.Option(DEMO_AS_OF, "--as-of"),
) -> None:
    """The main job on the bundled data: every sample client's risk profile (documents come later)."""
    from .clients import load_clients
    from .risk import profile_client

    policy = _policy()
    clients, failures = load_clients(state.params / "clients")
    for f in failures:
        err.print(f"skipped: {f}", markup=False)
    when = _as_of(as_of)
    t = Table(title=f"Sample clients — risk profiles as of {when} (policy {policy.version}, ladder {policy.ladder})")
    for col in ["client", "locale", "tolerance", "capacity", "final class", "ceiling", "KYC expiry", "flags"]:
        t.add_column(col)
    summary = []
    for c in clients:
        prof = profile_client(c, policy, when)
        name = policy.risk_class(prof.final_class).name(c.locale)
        t.add_row(
            c.id, c.locale, prof.tolerance_class, prof.capacity_class, name, f"RR{prof.ceiling}",
            f"{prof.kyc_expiry}" + (" (expired)" if prof.kyc_expired else ""),
            ", ".join(f.code for f in prof.flags) or "—",
        )
        summary.append(json.loads(prof.model_dump_json()))
    out.print(t)
    from .render import write_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "profiles.json"
    write_atomic(target, json.dumps(summary, ensure_ascii=False, indent=2))
    out.print(f"wrote {target}", markup=False)
    if failures:
        raise typer.Exit(1)


def main(argv: Optional[list[str]] = None) -> None:
    """Console-script entry point: people get one clear line, never a traceback."""
    try:
        app(args=argv, standalone_mode=True)
    except WealthError as exc:
        err.print(f"error: {exc}" if not isinstance(exc, InputErrors) else str(exc), markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence for people
        if os.environ.get("WEALTH_DEBUG"):
            raise
        err.print(f"error: unexpected {type(exc).__name__}: {exc} (set WEALTH_DEBUG=1 for details)", markup=False)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
