"""``wealth market …``: the bundled market data."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from .common import out

market_app = typer.Typer(help="The market data.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(market_app, name="market")


@market_app.command("info")
def market_info(as_json: bool = typer.Option(False, "--json")) -> None:
    """Series of the bundled market: names, kind (real/modeled), ranges, sources."""
    from ..market import load_demo_market, market_info as info

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
