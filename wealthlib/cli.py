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
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._options import parse_as_of as _as_of, parse_formats as _formats, parse_locale as _locale
from .errors import InputError, InputErrors, WealthError, for_log

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

# markup=False: tables and lines carry client text (names, override reasons, notes); "[/red]" in a reason must
# print as written, not raise MarkupError or become a terminal hyperlink ("[link=…]").
out = Console(highlight=False, soft_wrap=True, markup=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

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
    from .risk import check_kyc_date, profile_client

    policy = _policy()
    c = _client(client)
    when = _as_of(as_of)
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
    views: Optional[Path] = typer.Option(None, "--views", help="An advisor's views file (YAML; path, or relative to params/)."),
) -> None:
    """Propose a suitable allocation for one client on the shelf (re-solved in milliseconds)."""
    from .allocate import OBJECTIVES
    from .context import advise, load_context, with_views

    if objective is not None and objective not in OBJECTIVES:
        raise InputError("--objective", "", f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    ctx = load_context(state.params, _as_of(as_of))
    if views is not None:
        ctx = with_views(ctx, views if views.is_file() or views.is_absolute() else state.params / views)
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


# --------------------------------------------------------------------------------------------- documents
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PROPOSAL_TEMPLATE = TEMPLATES / "proposal.ipynb"
DRAFTS_DIR = Path("notebooks/drafts")


def _client_param(client: str) -> str:
    """The client reference as the kernel should see it: an id, or an absolute path to a YAML file."""
    if client.endswith((".yaml", ".yml")) or "/" in client:
        return str(Path(client).resolve())
    return client


class _KernelLog:
    """Send file descriptor 2 to a temporary file while a kernel runs, then restore it.

    A kernel inherits our stderr and logs start-up chatter there ("Kernel is running over TCP …",
    "KeyboardInterrupt caught in kernel" at shutdown). A failure still reaches the user as one RenderError
    line; the kernel's own log is shown only with ``WEALTH_DEBUG=1``.
    """

    def __enter__(self):
        import tempfile

        sys.stderr.flush()
        self._log = tempfile.TemporaryFile()
        self._saved = os.dup(2)
        os.dup2(self._log.fileno(), 2)
        return self

    def __exit__(self, exc_type, exc, tb):
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        if exc_type is not None and os.environ.get("WEALTH_DEBUG"):
            self._log.seek(0)
            sys.stderr.write(self._log.read().decode("utf-8", "replace"))
        self._log.close()
        return False


def _render_proposal(proposal, client: str, params: Path, out_dir: Path, formats: tuple[str, ...],
                     objective: Optional[str], seed: int) -> dict:
    """Execute templates/proposal.ipynb for an already built (and so already checked) proposal."""
    import tempfile

    import nbformat

    from .documents import prepare_advisor_cells
    from .render import render

    nb = nbformat.read(PROPOSAL_TEMPLATE, as_version=4)
    prepare_advisor_cells(nb, proposal)
    with tempfile.TemporaryDirectory(prefix="wealth-propose-") as tmp:
        tpl = Path(tmp) / "proposal.ipynb"
        nbformat.write(nb, tpl)
        prebuilt = Path(tmp) / "proposal.json"
        prebuilt.write_text(proposal.to_json(), encoding="utf-8")
        parameters = {"client": _client_param(client), "as_of": proposal.as_of.isoformat(),
                      "locale": proposal.locale, "params": str(params.resolve()), "objective": objective,
                      "seed": seed, "prebuilt": str(prebuilt)}
        with _KernelLog():
            return render(tpl, parameters, out_dir, proposal.stem, formats, lang=proposal.locale,
                          title=f"{proposal.title} — {proposal.client_name}", footer=proposal.disclaimer,
                          audit=proposal.audit_line)


def _skip_slow_optional_imports() -> None:
    """Keep jsonschema (imported by nbformat) from loading the optional ``rfc3987_syntax`` package.

    That package compiles a Lark grammar at import (about 0.7 s here) only to check the ``iri`` string format,
    which no notebook schema uses; without it jsonschema simply skips that format check. Only this command's
    process is affected, and only when nothing has imported the package yet.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes ``import`` raise ImportError


def _build_in_child(client: str, kwargs: dict, keep_kind: bool = False) -> tuple[str, Any]:
    """Runs in a forked child: ``("ok", proposal JSON)`` or ``("error", message)``; with ``keep_kind`` the
    error is a :class:`KycExpired` or a plain :class:`WealthError` carrying the message (safe to pickle)."""
    from .context import KycExpired
    from .documents import build_proposal

    try:
        return "ok", build_proposal(client, **kwargs).to_json()
    except WealthError as exc:
        message = str(exc)
        if keep_kind:
            return "error", KycExpired(message) if isinstance(exc, KycExpired) else WealthError(message)
        return "error", message
    except Exception as exc:  # noqa: BLE001 - reported as one line like any other
        message = f"unexpected {type(exc).__name__}: {exc}"
        return "error", WealthError(message) if keep_kind else message


def _warm_export_stack() -> None:
    """Import papermill, nbconvert and WeasyPrint and compile our export template (about a second)."""
    import nbformat
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    from .render import to_html

    to_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("…")]), lang="en", title="")


def _propose_child(client: str, kwargs: dict, prebuilt: str, conn) -> None:
    """Forked child of ``wealth propose``: build the proposal, say when the checks have passed, save it."""
    from .documents import build_proposal
    from .render import write_atomic

    failed = Path(f"{prebuilt}.failed")
    try:
        proposal = build_proposal(client, on_checked=lambda header: conn.send(("checked", header)), **kwargs)
        write_atomic(prebuilt, proposal.to_json())
        conn.send(("done", None))
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one line for the parent
        message = str(exc) if isinstance(exc, WealthError) else f"unexpected {type(exc).__name__}: {exc}"
        write_atomic(failed, message)
        conn.send(("error", message))
    finally:
        conn.close()


def _receive(conn, proc) -> tuple[str, Any]:
    try:
        return conn.recv()
    except EOFError:
        proc.join()
        return "error", f"the proposal build stopped unexpectedly (exit code {proc.exitcode})"


def _propose(client: str, kwargs: dict, out_dir: Path, formats: tuple[str, ...], objective, seed: int) -> dict:
    """``wealth propose``: check, then execute and export, with the three costly parts side by side.

    A forked child builds the proposal. Meanwhile this process imports the export stack. Nothing starts a
    kernel before the child reports that the checks passed (KYC valid, allocation feasible); an expired KYC or
    an infeasible allocation stops here with the child's message and nothing written. Once they pass, the
    kernel starts while the child computes the analytics and charts; the template's ``load_proposal`` waits
    for the saved proposal (or stops with the child's error, in which case nothing is written either).
    """
    import multiprocessing as mp
    import tempfile
    import threading

    import nbformat

    from .documents import prepare_advisor_cells

    if "fork" not in mp.get_all_start_methods():  # pragma: no cover - not on Linux
        from .documents import build_proposal

        proposal = build_proposal(client, **kwargs)
        return _render_proposal(proposal, client, state.params, out_dir, formats, objective, seed)
    with tempfile.TemporaryDirectory(prefix="wealth-propose-") as tmp:
        prebuilt = Path(tmp) / "proposal.json"
        Path(f"{prebuilt}.pending").touch()
        fork = mp.get_context("fork")
        receiver, sender = fork.Pipe(duplex=False)
        proc = fork.Process(target=_propose_child, args=(client, kwargs, str(prebuilt), sender), daemon=True)
        proc.start()
        sender.close()
        try:
            _warm_export_stack()
            kind, header = _receive(receiver, proc)
            if kind != "checked":
                raise WealthError(header)
            outcome: dict[str, Any] = {}

            def watch() -> None:
                outcome["kind"], outcome["message"] = _receive(receiver, proc)
                failed = Path(f"{prebuilt}.failed")
                if outcome["kind"] != "done" and not failed.exists():
                    failed.write_text(str(outcome["message"]), encoding="utf-8")

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            nb = nbformat.read(PROPOSAL_TEMPLATE, as_version=4)
            prepare_advisor_cells(nb, header["default_advisor_text"])
            tpl = Path(tmp) / "template.ipynb"
            nbformat.write(nb, tpl)
            parameters = {"client": _client_param(client), "as_of": kwargs["as_of"].isoformat(),
                          "locale": header["locale"], "params": str(state.params.resolve()), "objective": objective,
                          "seed": seed, "prebuilt": str(prebuilt)}
            from .render import render

            try:
                with _KernelLog():
                    return render(tpl, parameters, out_dir, header["client_id"], formats, lang=header["locale"],
                                  title=f"{header['title']} — {header['client_name']}",
                                  footer=header["disclaimer"], audit=header["audit_line"])
            except WealthError:
                watcher.join(timeout=30)
                if outcome.get("kind") == "error":
                    raise WealthError(outcome["message"]) from None
                raise
        finally:
            proc.join(timeout=60)
            if proc.is_alive():  # pragma: no cover - only if the child hangs
                proc.terminate()
                proc.join()


@app.command()
def propose(
    client: str = typer.Argument(..., help="Client id under params/clients, or a path to a client YAML file."),
    lang: Optional[str] = typer.Option(None, "--lang", help="en | zh-TW | zh-CN (default: the client's language)."),
    as_of: str = typer.Option(DEMO_AS_OF, "--as-of", help="Data as-of date (YYYY-MM-DD)."),
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Folder the documents are written to."),
    fmt: str = typer.Option("html,pdf", "--format", help="Comma-separated: html, pdf, ipynb."),
    objective: Optional[str] = typer.Option(None, "--objective", help="Allocation objective (default: the policy's)."),
    seed: int = typer.Option(20181231, "--seed", help="Monte Carlo seed."),
    views: Optional[Path] = typer.Option(None, "--views", help="An advisor's views file (YAML; path, or relative to params/), blended into the market assumptions."),
) -> None:
    """Render one client's asset-allocation proposal (資產配置建議書) to HTML and PDF; prints the paths.

    The proposal is built and checked in this process first (expired KYC, infeasible allocation: one clear
    line, exit 1, nothing written), then templates/proposal.ipynb is executed with papermill and exported.
    """
    _skip_slow_optional_imports()
    formats = _formats(fmt)
    kwargs = dict(params=state.params, as_of=_as_of(as_of), locale=_locale(lang), objective=objective, seed=seed,
                  views=views)
    written = _propose(client, kwargs, out_dir, formats, objective, seed)
    for path in written.values():
        out.print(str(path), markup=False)


@app.command()
def draft(
    client: str = typer.Argument(..., help="Client id under params/clients."),
    drafts_dir: Path = typer.Option(DRAFTS_DIR, "--dir", help="Where advisors' drafts live (git-ignored)."),
    as_of: str = typer.Option(DEMO_AS_OF, "--as-of", help="Data as-of date (YYYY-MM-DD)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing draft (the advisor's edits are lost)."),
) -> None:
    """Make the advisor's working copy of the proposal notebook: <dir>/<client>/proposal.ipynb."""
    from .documents import write_draft

    _skip_slow_optional_imports()
    c = _client(client)
    path = write_draft(PROPOSAL_TEMPLATE, c.id, drafts_dir, params=state.params, as_of=_as_of(as_of), force=force)
    out.print(str(path), markup=False)
    out.print(f"open it with `make lab` (JupyterLab), edit the parameters cell and the advisor-text cells, "
              f"run all, then: wealth render {path}", markup=False)


@app.command("render")
def render_cmd(
    notebook: Path = typer.Argument(..., help="A draft made by `wealth draft` (or any copy of the proposal template)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for the documents (default: the draft's folder)."),
    fmt: str = typer.Option("html,pdf", "--format", help="Comma-separated: html, pdf, ipynb."),
) -> None:
    """Execute exactly this draft (its own parameters and advisor text) and export it to HTML and PDF."""
    from .documents import render_draft

    _skip_slow_optional_imports()
    with _KernelLog():
        written = render_draft(notebook, out_dir, _formats(fmt))
    for path in written.values():
        out.print(str(path), markup=False)


# --------------------------------------------------------------------------------------------- demo
@app.command()
def demo(
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Where documents are written."),
    as_of: str = typer.Option(DEMO_AS_OF, "--as-of"),
    fmt: str = typer.Option("html,pdf", "--format", help="Comma-separated: html, pdf."),
) -> None:
    """The main job on the bundled data: every sample client's proposal (HTML + PDF) and reports/index.html."""
    import html as _html
    import time

    from .clients import load_clients
    from .render import write_atomic

    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from .documents import Proposal

    from .render import prepare_out_dir

    _skip_slow_optional_imports()
    formats = _formats(fmt)
    when = _as_of(as_of)
    prepare_out_dir(out_dir)  # one message now, not the same failure once per client
    clients, failures = load_clients(state.params / "clients")
    rows: list[dict[str, Any]] = []
    for f in failures:
        rows.append({"client": getattr(f, "source", str(f)), "status": "failed", "detail": for_log(f), "files": {}})
    kwargs = dict(params=state.params, as_of=when)
    # One forked worker builds every proposal in turn (market and estimates once: it keeps its context cache)
    # while this process renders the ones already built: the two halves use the machine's two cores.
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as pool:
        builds = [(c, pool.submit(_build_in_child, c.id, kwargs, True)) for c in clients]
        for c, future in builds:
            t0 = time.perf_counter()
            status, payload = future.result()
            try:
                if status != "ok":
                    raise payload
                proposal = Proposal.from_json(payload)
                written = _render_proposal(proposal, c.id, state.params, out_dir, formats, None, 20181231)
            except WealthError as exc:
                from .context import KycExpired

                state_ = "skipped" if isinstance(exc, KycExpired) else "failed"
                rows.append({"client": c.id, "status": state_, "detail": for_log(exc), "files": {}})
                continue
            rows.append({"client": c.id, "status": "ok", "files": {k: str(v) for k, v in written.items()},
                         "detail": f"{proposal.class_name} · {proposal.locale} · {time.perf_counter() - t0:.1f} s",
                         "name": proposal.client_name, "title": proposal.title})
    t = Table(title=f"Proposals as of {when} → {out_dir}")
    for col in ["client", "status", "files / reason"]:
        t.add_column(col)
    for r in rows:
        t.add_row(r["client"], r["status"], "  ".join(r["files"].values()) or r["detail"])
    out.print(t)
    items = []
    for r in rows:
        links = " ".join(
            f'<a href="{_html.escape(Path(p).name, quote=True)}">{_html.escape(k.upper())}</a>'
            for k, p in r["files"].items())
        items.append(f"<tr><td>{_html.escape(r['client'])}</td><td>{_html.escape(r.get('name', ''))}</td>"
                     f"<td>{_html.escape(r['status'])}</td><td>{links or _html.escape(r['detail'])}</td></tr>")
    page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>wealthlib demo</title></head><body>"
            f"<h1>Proposals as of {_html.escape(str(when))}</h1><table><thead><tr><th>client</th><th>name</th>"
            "<th>status</th><th>documents</th></tr></thead><tbody>" + "".join(items) + "</tbody></table></body></html>")
    index = write_atomic(out_dir / "index.html", page)
    write_atomic(out_dir / "index.json", json.dumps(rows, ensure_ascii=False, indent=2))
    out.print(f"wrote {index}", markup=False)
    if any(r["status"] == "failed" for r in rows):
        raise typer.Exit(1)


def _warning_line(message, category, filename, lineno, line=None) -> str:  # noqa: ANN001 - warnings API
    """A warning as one line for people (Python's default adds the file name and the source line of our code)."""
    return f"warning: {' '.join(str(message).split())}\n"


def _parser_error(exc: BaseException) -> str | None:
    """``"usage"``, ``"abort"`` or ``"other"`` for the command-line parser's own exceptions, else None. By class
    name: typer ≥ 0.16 raises those of its bundled click copy, older typer those of click itself."""
    names = {c.__name__ for c in type(exc).__mro__}
    if "Abort" in names:
        return "abort"
    if "ClickException" not in names:
        return None
    return "usage" if "UsageError" in names else "other"


def main(argv: Optional[list[str]] = None) -> None:
    """Console-script entry point: people get one clear line, never a traceback."""
    if not os.environ.get("WEALTH_DEBUG"):
        import warnings

        warnings.formatwarning = _warning_line
    try:
        # standalone_mode=False: the command-line parser hands us its usage errors instead of printing a boxed,
        # multi-line panel
        rc = app(args=argv, standalone_mode=False)
    except WealthError as exc:
        err.print(f"error: {exc}" if not isinstance(exc, InputErrors) else str(exc), markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence for people
        kind = _parser_error(exc)
        if kind == "abort":  # click turns Ctrl-C into Abort
            err.print("interrupted", markup=False)
            sys.exit(130)
        if kind is None:
            if os.environ.get("WEALTH_DEBUG"):
                raise
            err.print(f"error: unexpected {type(exc).__name__}: {exc} (set WEALTH_DEBUG=1 for details)", markup=False)
            sys.exit(2)
        message = " ".join(exc.format_message().split())
        if not message:  # a group called without a command: its help is already on stdout
            sys.exit(exc.exit_code)
        if kind == "usage":  # bad option, missing argument, unknown command: one line, exit 2
            cmd = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "wealth"
            message = f"{cmd}: {message} (see '{cmd} --help')"
        err.print(f"error: {message}", markup=False)
        sys.exit(exc.exit_code)
    if isinstance(rc, int) and rc:  # typer.Exit(code) inside a command
        sys.exit(rc)


if __name__ == "__main__":  # pragma: no cover
    main()
