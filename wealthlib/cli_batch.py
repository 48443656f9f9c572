"""`wealth batch …` commands (mounted by wealthlib.cli)."""

from __future__ import annotations

import typer

batch_app = typer.Typer(help="Render documents for many clients: local pool or Dask cluster.", no_args_is_help=True)
