"""`wealth book …` commands (mounted by wealthlib.cli)."""

from __future__ import annotations

import typer

book_app = typer.Typer(help="Client-book reports for advisors and managers.", no_args_is_help=True)
