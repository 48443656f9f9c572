"""A firm's own market, written by the tests themselves: the demo's real series saved as a firm would deliver them.

TEST FIXTURE ONLY — the series are the bundled demo's (arch, skfolio; FX from ECB/NBP as the demo ships them),
relabelled ``F_<id>`` and written to files; one product (NASDAQ) is re-quoted in TWD (USD price × the USD/TWD
rate known that day) to exercise a second currency. Never used in a shipped document.

Layout of the params folder it builds (a copy of ``params/`` with its own ``market.yaml`` and ``products.yaml``):

- ``data/us_prices.csv``: wide daily prices (``date`` + one column per series), USD, XNYS calendar (WTI: none)
- ``data/monthly_tr.parquet``: wide monthly total-return index levels (cash, US market, modeled bonds), USD
- ``data/tw_fund.csv``: long daily prices (``date,series,value``) of ``F_NASDAQ_TWD``, TWD
- ``data/fx.csv``: wide FX levels ``USD/TWD``, ``USD/CNY`` (weekly/daily as the demo's sources publish them)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from _paths import ROOT
DAILY = ["SP500", "NASDAQ", "WTI", "AAPL", "MSFT", "JPM", "XOM", "JNJ", "KO"]
MONTHLY = ["RF", "US_MKT", "AAA5", "AAA10", "BAA10"]
MODELED = ["AAA5", "AAA10", "BAA10"]


def _prices(r: pd.Series) -> pd.Series:
    """Price levels from simple returns on the series' own dates (the first level is the first return's date)."""
    r = r.dropna()
    return (100.0 * (1.0 + r).cumprod()).rename(r.name)


def market_yaml(version: str = "firm-test-1") -> dict:
    return {
        "version": version,
        "sources": [
            {"file": "data/us_prices.csv", "values": "prices", "frequency": "daily", "currency": "USD",
             "calendar": "XNYS", "source": "test fixture (demo series from arch and skfolio, relabelled)",
             "series": {"F_WTI": {"calendar": "none", "name": "WTI crude oil spot (fixture)"}}},
            {"file": "data/monthly_tr.parquet", "values": "total_return", "frequency": "monthly", "currency": "USD",
             "source": "test fixture (demo monthly series)",
             "series": {f"F_{s}": {"kind": "modeled"} for s in MODELED}},
            {"file": "data/tw_fund.csv", "layout": "long", "values": "nav", "frequency": "daily", "currency": "TWD",
             "calendar": "none", "source": "test fixture (NASDAQ re-quoted in TWD)"},
        ],
        "fx": [{"file": "data/fx.csv", "frequency": "weekly", "source": "test fixture (demo FX: ECB, NBP)"}],
        "price_limits": {"XTAI": [{"from": "2015-06-01", "limit": 0.10}]},
    }


def build_firm_params(dest: Path) -> Path:
    """Write the firm's params folder under ``dest`` and return its path."""
    from wealthlib.market import load_demo_market

    demo = load_demo_market()
    params = dest / "params"
    shutil.copytree(ROOT / "params", params)
    data = params / "data"
    data.mkdir()
    us = pd.DataFrame({f"F_{s}": _prices(demo.daily[s].rename(f"F_{s}")) for s in DAILY}).sort_index()
    us.index.name = "date"
    us.to_csv(data / "us_prices.csv", date_format="%Y-%m-%d", float_format="%.6f")
    mon = pd.DataFrame({f"F_{s}": _prices(demo.monthly[s].rename(f"F_{s}")) for s in MONTHLY})
    mon.index.name = "date"
    mon.reset_index().to_parquet(data / "monthly_tr.parquet", index=False)
    usdtwd = demo.fx["USD/TWD"].dropna()
    nasdaq = us["F_NASDAQ"].dropna()
    rate = usdtwd.reindex(nasdaq.index, method="ffill")
    twd = (nasdaq * rate).dropna()
    pd.DataFrame({"date": twd.index.strftime("%Y-%m-%d"), "series": "F_NASDAQ_TWD", "value": twd.round(6).to_numpy()}
                 ).to_csv(data / "tw_fund.csv", index=False)
    fx = demo.fx[["USD/TWD", "USD/CNY"]].dropna(how="all").loc["1999-01-01":"2019-06-30"]
    fx.index.name = "date"
    fx.to_csv(data / "fx.csv", date_format="%Y-%m-%d", float_format="%.6f")
    (params / "market.yaml").write_text(yaml.safe_dump(market_yaml(), sort_keys=False, allow_unicode=True),
                                        encoding="utf-8")
    raw = yaml.safe_load((params / "products.yaml").read_text(encoding="utf-8"))
    for p in raw["products"]:
        p["series"] = f"F_{p['series']}"
        p.pop("yield_series", None)  # the firm's files carry no yields: its bonds take the estimator's returns
        if p["code"] == "NASDAQ":
            p["series"], p["currency"] = "F_NASDAQ_TWD", "TWD"
    (params / "products.yaml").write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return params


def monthly_from_files(params: Path) -> pd.DataFrame:
    """Month-end returns of the firm's series straight from its files (pandas only, no wealthlib), in each
    series' own currency: last price of each calendar month, simple change."""
    us = pd.read_csv(params / "data" / "us_prices.csv", parse_dates=["date"]).set_index("date")
    tw = pd.read_csv(params / "data" / "tw_fund.csv", parse_dates=["date"]).pivot(index="date", columns="series",
                                                                                  values="value")
    mon = pd.read_parquet(params / "data" / "monthly_tr.parquet").set_index("date")
    cols = {}
    for frame in (us, tw):
        for c in frame.columns:
            p = frame[c].dropna()
            me = p.groupby(p.index + pd.offsets.MonthEnd(0)).last()
            last_bday = p.index[-1] + pd.offsets.BMonthEnd(0)
            if p.index[-1] < last_bday:
                me = me.iloc[:-1]
            cols[c] = me.pct_change().iloc[1:]
    for c in mon.columns:
        cols[c] = mon[c].dropna().pct_change().iloc[1:]
    out = pd.DataFrame(cols)
    out.index = pd.DatetimeIndex(out.index)
    return out


def shelf_codes_series(params: Path) -> dict[str, str]:
    raw = yaml.safe_load((params / "products.yaml").read_text(encoding="utf-8"))
    return {p["code"]: p["series"] for p in raw["products"]}


__all__ = ["build_firm_params", "market_yaml", "monthly_from_files", "shelf_codes_series", "np"]
