"""``wealth validate``, ``profile``, ``score …`` and ``allocate``: checking inputs and advising one client
(nothing rendered)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..errors import InputError
from .common import AS_OF_DEFAULT_HELP, CLIENT, err, load_client, load_policy, out, parse_as_of, state

score_app = typer.Typer(help="Score a published risk-tolerance instrument.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(profile)
    app.command()(allocate)
    app.add_typer(score_app, name="score")


# --------------------------------------------------------------------------------------------- validate
def validate(paths: list[Path] = typer.Argument(None, help="Files or folders to check (default: all of params/).")) -> None:
    """Check policy, shelf and client files; list every problem; exit 1 if there is any."""
    from ..validation import validate_params

    problems, checked = validate_params(state.params, paths or [])
    for p in problems:
        err.print(str(p), markup=False)
    if problems:
        err.print(f"{len(problems)} problem(s) in {checked} file(s)", markup=False)
        raise typer.Exit(1)
    out.print(f"ok: {checked} file(s) checked, no problems", markup=False)


# --------------------------------------------------------------------------------------------- profile
def profile(
    client: str = CLIENT,
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Date the profile is taken (YYYY-MM-DD); {AS_OF_DEFAULT_HELP}."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Score a client's KYC questionnaire: tolerance, capacity, class, flags, KYC expiry."""
    from ..risk import check_kyc_date, profile_client

    policy = load_policy()
    c = load_client(client)
    when = parse_as_of(as_of)
    check_kyc_date(c, when)
    prof = profile_client(c, policy, when)
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
    from ..risk import score_grable_lytton

    keys = [a.strip().lower() for a in answers.split(",") if a.strip()]
    try:
        result = score_grable_lytton(keys)
    except ValueError as exc:
        raise InputError("--answers", "", str(exc)) from None
    out.print(f"score {result.score} (range 13–47), band: {result.band}", markup=False)


# --------------------------------------------------------------------------------------------- allocate
def allocate(
    client: str = CLIENT,
    objective: Optional[str] = typer.Option(None, "--objective", help="mean_variance | max_return | min_cvar | risk_parity | min_variance (default: the policy's)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Market data are cut at this date (YYYY-MM-DD); {AS_OF_DEFAULT_HELP}."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: weights, expected_return, volatility, binding, status, …"),
    views: Optional[Path] = typer.Option(None, "--views", help="An advisor's views file (YAML; path, or relative to params/)."),
) -> None:
    """Propose a suitable allocation for one client on the shelf (re-solved in milliseconds)."""
    from ..allocate import OBJECTIVES
    from ..context import advise, load_context, with_views

    if objective is not None and objective not in OBJECTIVES:
        raise InputError("--objective", "", f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    ctx = load_context(state.params, parse_as_of(as_of))
    if views is not None:
        ctx = with_views(ctx, views if views.is_file() or views.is_absolute() else state.params / views)
    c = load_client(client)
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
