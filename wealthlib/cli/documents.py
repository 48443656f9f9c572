"""``wealth propose``, ``review``, ``draft``, ``render`` and ``demo``: one client's proposal or quarterly review,
the advisor's draft loop, and every sample client's proposal.

The propose handshake (a forked child builds the proposal while this process loads the export stack and the
kernel starts) lives in :mod:`wealthlib._propose`; these commands parse options and print paths.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ..errors import WealthError, for_log
from .common import (AS_OF_DEFAULT_HELP, CLIENT, format_option, load_client, out, parse_as_of, parse_formats, parse_locale,
                     skip_slow_optional_imports, state)

DRAFTS_DIR = Path("notebooks/drafts")


def register(app: typer.Typer) -> None:
    app.command()(propose)
    app.command("review")(review_cmd)
    app.command()(draft)
    app.command("render")(render_cmd)
    app.command()(demo)


def propose(
    client: str = CLIENT,
    lang: Optional[str] = typer.Option(None, "--lang", help="en | zh-TW | zh-CN (default: the client's language)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Data as-of date (YYYY-MM-DD); {AS_OF_DEFAULT_HELP}."),
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Folder the documents are written to."),
    fmt: str = format_option(),
    objective: Optional[str] = typer.Option(None, "--objective", help="Allocation objective (default: the policy's)."),
    seed: int = typer.Option(20181231, "--seed", help="Monte Carlo seed."),
    views: Optional[Path] = typer.Option(None, "--views", help="An advisor's views file (YAML; path, or relative to params/), blended into the market assumptions."),
    advisor: Optional[str] = typer.Option(None, "--advisor", help="Run as this advisor (or supervisor): only their clients (guard.access)."),
) -> None:
    """Render one client's asset-allocation proposal (資產配置建議書) to HTML and PDF; prints the paths.

    The proposal is built and checked in this process first (expired KYC, infeasible allocation: one clear
    line, exit 1, nothing written), then templates/proposal.ipynb is executed with papermill and exported.
    """
    skip_slow_optional_imports()
    formats = parse_formats(fmt)
    locale = parse_locale(lang)  # the cheap checks first: the default as-of date reads the market
    from ..render import prepare_out_dir

    prepare_out_dir(out_dir, create=False)  # before the build: an unwritable folder costs no proposal
    kwargs = dict(params=state.params, as_of=parse_as_of(as_of), locale=locale, objective=objective,
                  seed=seed, views=views)
    if advisor is not None:
        kwargs["viewer"] = _viewer(advisor)
    from .._propose import propose as run

    written = run(client, kwargs, out_dir, formats, objective, seed)
    for path in written.values():
        out.print(str(path), markup=False)


def review_cmd(
    client: str = CLIENT,
    quarter: str = typer.Option("2018Q3", "--quarter", help="Quarter under review, e.g. 2018Q3."),
    lang: Optional[str] = typer.Option(None, "--lang", help="en | zh-TW | zh-CN (default: the client's language)."),
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Folder the documents are written to."),
    fmt: str = format_option(),
) -> None:
    """Render one client's quarterly review (templates/quarterly_review.ipynb) to HTML and PDF; prints the paths."""
    skip_slow_optional_imports()
    formats = parse_formats(fmt)
    locale = parse_locale(lang)
    from ..render import prepare_out_dir

    prepare_out_dir(out_dir, create=False)  # before the kernel: an unwritable folder costs no review
    from .._review import render_review

    for path in render_review(client, state.params, quarter, locale, out_dir, formats).values():
        out.print(str(path), markup=False)


def draft(
    client: str = typer.Argument(..., help="Client id under params/clients."),
    drafts_dir: Path = typer.Option(DRAFTS_DIR, "--dir", help="Where advisors' drafts live (git-ignored)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Data as-of date (YYYY-MM-DD); {AS_OF_DEFAULT_HELP}."),
    force: bool = typer.Option(False, "--force", help="Replace an existing draft (the advisor's edits are lost)."),
    advisor: Optional[str] = typer.Option(None, "--advisor", help="Run as this advisor (or supervisor): only their clients (guard.access)."),
) -> None:
    """Make the advisor's working copy of the proposal notebook: <dir>/<client>/proposal.ipynb."""
    from ..documents import write_draft
    from ..resources import template_path

    skip_slow_optional_imports()
    viewer = None if advisor is None else _viewer(advisor)
    if viewer is not None:  # decided from the book, before the client's file is opened
        viewer.check(Path(client).stem)
    c = load_client(client)
    if viewer is not None:
        viewer.check_file(c)
    path = write_draft(template_path("proposal.ipynb"), c.id, drafts_dir, params=state.params,
                       as_of=parse_as_of(as_of), force=force)
    out.print(str(path), markup=False)
    out.print(f"open it with `make lab` (JupyterLab), edit the parameters cell and the advisor-text cells, "
              f"run all, then: wealth render {path}", markup=False)


def render_cmd(
    notebook: Path = typer.Argument(..., help="A draft made by `wealth draft` (or any copy of the proposal template)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for the documents (default: the draft's folder)."),
    fmt: str = format_option(),
    allow_modified: Optional[str] = typer.Option(None, "--allow-modified", help="Render a draft whose code or cells differ from its template, for this reason (printed on every page and in the audit record)."),
    advisor: Optional[str] = typer.Option(None, "--advisor", help="Run as this advisor (or supervisor): only their clients (guard.access)."),
) -> None:
    """Execute this draft (its parameter values and advisor texts) and export it to HTML and PDF.

    A draft whose code, cell order or other cells differ from its template is refused, naming the first
    changed cell, unless --allow-modified gives the reason (then printed on every page and in the audit)."""
    from ..documents import render_draft
    from ..render import KernelLog

    skip_slow_optional_imports()
    with KernelLog():
        written = render_draft(notebook, out_dir, parse_formats(fmt), allow_modified=allow_modified,
                               advisor=advisor)
    for path in written.values():
        out.print(str(path), markup=False)


def _viewer(who: str):
    """The :class:`wealthlib.guard.access.Viewer` of ``--advisor``."""
    from ..guard.access import viewer_for
    from .common import load_policy

    return viewer_for(load_policy(), state.params, who)


def demo(
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Where documents are written."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Data as-of date (YYYY-MM-DD); {AS_OF_DEFAULT_HELP}."),
    fmt: str = format_option("html, pdf"),
) -> None:
    """The main job on the bundled data: every sample client's proposal (HTML + PDF) and reports/index.html.

    The params folder's firm writes into ``--out``; every other firm it ships (a sub-folder holding its own
    policy.yaml, e.g. ``params/cn-bank``) into ``--out/<that folder>/``, with its own index linked from the
    first."""
    from ..render import prepare_out_dir
    from ..validation import nested_firms

    skip_slow_optional_imports()
    formats = parse_formats(fmt)
    prepare_out_dir(out_dir)  # one message now, not the same failure once per client
    firms = [(state.params, out_dir)]
    for firm in nested_firms(state.params):
        firms.append((firm, out_dir / firm.relative_to(state.params)))
    failed = False
    for i, (params, target) in enumerate(firms):
        if i:
            prepare_out_dir(target)
        when = parse_as_of(as_of) if as_of is not None else _default_as_of(params)
        failed |= _demo_firm(params, target, when, formats)
    if len(firms) > 1:
        _link_firms(out_dir, [(str(f.relative_to(state.params)), t) for f, t in firms[1:]])
    if failed:
        raise typer.Exit(1)


def _default_as_of(params: Path):
    from ..context import default_as_of

    return default_as_of(params)


def _link_firms(out_dir: Path, others: list[tuple[str, Path]]) -> None:
    """Add to ``out_dir/index.html`` a link to each other firm's index."""
    import html as _html

    from ..render import write_atomic

    index = out_dir / "index.html"
    page = index.read_text(encoding="utf-8")
    links = "".join(f'<li><a href="{_html.escape(name, quote=True)}/index.html">{_html.escape(name)}</a></li>'
                    for name, _ in others)
    page = page.replace("</body>", f"<h2>Other firms</h2><ul>{links}</ul></body>", 1)
    write_atomic(index, page)


def _demo_firm(params: Path, out_dir: Path, when, formats) -> bool:
    """One firm's demo: every client's proposal into ``out_dir``, its index table and index.html / index.json;
    whether any client failed."""
    import html as _html
    import multiprocessing as mp
    import time
    from concurrent.futures import ProcessPoolExecutor

    from .._propose import build_in_child, render_proposal
    from ..clients import load_clients
    from ..context import KycExpired
    from ..documents import Proposal
    from ..render import write_atomic

    clients, failures = load_clients(params / "clients")
    rows: list[dict[str, Any]] = []
    for f in failures:
        rows.append({"client": getattr(f, "source", str(f)), "status": "failed", "detail": for_log(f), "files": {}})
    kwargs = dict(params=params, as_of=when)
    # One forked worker builds every proposal in turn (market and estimates once: it keeps its context cache)
    # while this process renders the ones already built: the two halves use the machine's two cores.
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as pool:
        builds = [(c, pool.submit(build_in_child, c.id, kwargs, True)) for c in clients]
        for c, future in builds:
            t0 = time.perf_counter()
            status, payload = future.result()
            try:
                if status != "ok":
                    raise payload
                proposal = Proposal.from_json(payload)
                written = render_proposal(proposal, c.id, params, out_dir, formats, None, 20181231)
            except WealthError as exc:
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
    return any(r["status"] == "failed" for r in rows)
