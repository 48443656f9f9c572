"""The ``wealth`` application: the root command, its ``--params`` option, the command groups, and :func:`main`.

Every command catches :class:`~wealthlib.errors.WealthError` and prints its one-line message (file, field,
problem) to stderr with exit code 1; no traceback reaches a user. Set ``WEALTH_DEBUG=1`` to see tracebacks
of unexpected errors while developing.

Heavy imports (cvxpy, pandas, papermill) happen inside the commands that need them, so ``wealth --help``
and ``wealth score`` stay fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputErrors, WealthError
from . import advice, batch, book, documents, guard, market, records
from .common import err, state

app = typer.Typer(
    help="wealth: the advisor's workbench — validate inputs, profile clients, allocate, render documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: The command groups, in the order ``wealth --help`` lists them (commands first, then sub-groups, each in
#: registration order). A new group is a module of this package with ``register(app)``, added here.
GROUPS = (advice, market, documents, batch, book, guard, records)
for _group in GROUPS:
    _group.register(app)


@app.callback()
def _root(
    params: Path = typer.Option(Path("params"), "--params", envvar="WEALTH_PARAMS", help="Folder with policy.yaml, products.yaml and clients/."),
) -> None:
    state.params = params


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
    from .common import skip_slow_optional_imports

    skip_slow_optional_imports()  # every command: nbformat is imported by batch and book planning too
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
