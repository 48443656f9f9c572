"""``wealth market …``: the market data the params folder configures (``market.yaml``), and checking a firm's file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .common import err, out, state

market_app = typer.Typer(help="The market data (params/market.yaml).", no_args_is_help=True)

COLUMNS = ["series", "name", "currency", "kind", "frequency", "first", "last", "calendar", "source"]


def register(app: typer.Typer) -> None:
    app.add_typer(market_app, name="market")


@market_app.command("info")
def market_info(as_json: bool = typer.Option(False, "--json")) -> None:
    """Series of the configured market (and its FX pairs): currency, kind (real/modeled), frequency, span,
    exchange calendar, source."""
    from .. import market as mk

    m = mk.load_market(state.params)
    rows = mk.market_info(m)
    for pair, si in m.fx_info.items():
        rows.append({"series": pair, "name": si.name, "currency": si.currency, "kind": si.kind, "frequency": si.frequency,
                     "first": si.start, "last": si.end, "calendar": si.calendar, "source": si.source,
                     "note": si.method or si.note, "fx": True})
    if as_json:
        out.print_json(json.dumps(rows, default=str))
        return
    t = Table(title=f"Market data — {m.vintage}")
    for col in COLUMNS:
        t.add_column(col)
    for r in rows:
        t.add_row(*["" if r.get(col) is None else str(r.get(col)) for col in COLUMNS])
    out.print(t)


@market_app.command("check")
def market_check(
    file: Path = typer.Argument(..., help="A price, NAV, index, returns or FX file (CSV or Parquet)."),
    values: Optional[str] = typer.Option(None, "--values", help="prices | total_return | nav | returns (default: as "
                                         "configured in market.yaml, else prices)."),
    layout: Optional[str] = typer.Option(None, "--layout", help="wide | long."),
    frequency: Optional[str] = typer.Option(None, "--frequency", help="daily | monthly (FX also weekly)."),
    calendar: Optional[str] = typer.Option(None, "--calendar", help="Exchange calendar of its series (XNYS, XTAI, "
                                           "XSHG, …, or none)."),
    currency: Optional[str] = typer.Option(None, "--currency", help="Currency of its series (ISO code)."),
    fx: Optional[bool] = typer.Option(None, "--fx/--prices", help="An FX file (columns CCY/BASE) or a series file."),
) -> None:
    """Validate a firm's file before it is configured: every defect, each naming file, series and date; exit 1 if
    any. The params folder's market.yaml supplies the settings of a file it names, its calendar corrections,
    price limits and tolerances."""
    import pandas as pd

    from .._market.config import check_file
    from ..errors import display_path

    data, problems = check_file(file, state.params, values=values, layout=layout, frequency=frequency,
                                calendar=calendar, currency=currency, fx=fx)
    if problems:
        for p in problems:
            err.print(str(p))
        err.print(f"{len(problems)} problem(s) in {display_path(file)}")
        raise typer.Exit(1)
    if isinstance(data, pd.DataFrame):
        span = f"{data.index[0].date()} … {data.index[-1].date()}"
        out.print(f"ok: {display_path(file)}: {data.shape[1]} FX pair(s) ({', '.join(data.columns)}), {span}")
        return
    assert data is not None
    infos = list(data.info.values())
    first, last = min(i.start for i in infos), max(i.end for i in infos)
    freq = ", ".join(sorted({i.frequency for i in infos}))
    cals = ", ".join(sorted({i.calendar or "none" for i in infos}))
    out.print(f"ok: {display_path(file)}: {len(infos)} series ({freq}; calendar {cals}), {first} … {last}")
