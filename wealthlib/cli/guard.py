"""``wealth verify`` and ``wealth archive list``: is a document what the firm issued, and what was each client
given (:mod:`wealthlib.guard`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .common import out, state

archive_app = typer.Typer(help="The archive of what each client was given.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(verify)
    app.add_typer(archive_app, name="archive")


def verify(
    document: Path = typer.Argument(..., help="A PDF made by wealthlib."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Re-render from the embedded inputs and compare the text page by page."),
) -> None:
    """Does the signature hold, did the document change after signing, who signed it, which inputs made it.

    Exit 0 when the document is signed by the firm's certificate and unchanged (and, with --rebuild, its
    text matches a re-render from its own inputs); 1 otherwise.
    """
    import tempfile

    from ..guard.signing import firm_certificate, rebuild as rebuild_doc, verify_pdf
    from .common import load_policy

    firm = firm_certificate(load_policy(), state.params)
    v = verify_pdf(document, firm)
    out.print(f"{v.path}:", markup=False)
    for line in v.lines():
        out.print(f"  {line}", markup=False)
    ok = v.ok
    if rebuild:
        from ..render import KernelLog

        with tempfile.TemporaryDirectory(prefix="wealth-verify-") as tmp, KernelLog():
            problems = rebuild_doc(v, document, tmp, firm_params=state.params)
        if problems:
            out.print("  rebuild: DIFFERS — " + "; ".join(problems), markup=False)
            ok = False
        else:
            out.print("  rebuild: matches — every page's text is what its embedded inputs render today", markup=False)
    out.print("  verdict: " + ("OK — the firm's document, unchanged" if ok else "NOT OK (see above)"), markup=False)
    if not ok:
        raise typer.Exit(1)


@archive_app.command("list")
def archive_list(
    client: Optional[str] = typer.Argument(None, help="A client id (default: every client)."),
) -> None:
    """What each client was given, when: the archive's index (oldest first)."""
    from ..guard.archive import archive_folder, list_archive
    from ..errors import WealthError
    from .common import load_policy

    folder = archive_folder(load_policy(), state.params)
    if folder is None:
        raise WealthError("the policy names no archive folder (guard.archive.folder)")
    rows = list_archive(folder, client)
    t = Table(title=f"Archive {folder}" + (f" — {client}" if client else ""))
    for col in ("archived (UTC)", "client", "kind", "as of", "inputs", "signed by", "file (in the archive)"):
        t.add_column(col)
    for r in rows:
        signer = str(r.get("signer", "") or "unsigned").split(",")[0].removeprefix("Common Name: ")
        t.add_row(str(r.get("archived_at", "")), str(r.get("client", "")), str(r.get("kind", "")),
                  str(r.get("as_of", "")), f"sha256:{str(r.get('inputs_hash') or '')[:12]}", signer,
                  str(r.get("file", "")))
    out.print(t)
    if not rows:
        out.print(f"nothing archived{' for ' + client if client else ''} yet", markup=False)
