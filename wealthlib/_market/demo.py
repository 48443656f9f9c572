"""The bundled demo market: real series shipped inside ``arch`` and ``skfolio``, turned into returns once and
cached on disk (Parquet, keyed by package versions) and in process.

Bond model (series ``AAA5``, ``AAA10``, ``BAA10``, kind ``"modeled"``)
----------------------------------------------------------------------
Moody's seasoned corporate yields (``arch.data.default``: ``AAA``, ``BAA``, percent a year, one value per month
= the month's average of daily yields, dated the 1st, placed here at that month's end) are turned into the
monthly total return of a constant-maturity bond: at the end of month t−1 buy a par bond of maturity ``M`` years
with annual coupon ``c = y[t−1]``; at the end of month t it has ``n = M − 1/12`` years left and is priced at
the new yield ``y[t]`` (annual compounding, fractional periods):

    P(t) = c / y[t] · (1 − (1 + y[t])^(−n)) + (1 + y[t])^(−n)
    R(t) = P(t) − 1 + c / 12                 (price change plus one month of coupon accrual)

then the bond is sold and a new par bond bought (the roll), so the maturity stays ``M``. With an unchanged
yield P = 1 exactly and R = y/12; a small yield change Δy gives a price return ≈ −D·Δy with the par bond's
modified duration D = (1 − (1 + y)^(−n)) / y. Maturities: AAA5 ``M = 5``, AAA10 and BAA10 ``M = 10``.
Caveats, stated in each series' note: Moody's indexes are built from long bonds (20 years and more), so
pricing a 5- or 10-year bond at that yield assumes a flat curve; monthly-average yields smooth the returns; no
defaults, downgrades, or trading costs are modeled.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from datetime import date
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .core import Market, SeriesInfo, month_end_calendar, monthly_from_daily_prices

BUILD = 1  # bump when the derived frames change, so old caches are not reused

BOND_MATURITIES: dict[str, tuple[str, float]] = {"AAA5": ("AAA", 5.0), "AAA10": ("AAA", 10.0), "BAA10": ("BAA", 10.0)}

TICKER_NAMES = {
    "AAPL": "Apple Inc.", "AMD": "Advanced Micro Devices", "BAC": "Bank of America", "BBY": "Best Buy",
    "CVX": "Chevron", "GE": "General Electric", "HD": "Home Depot", "JNJ": "Johnson & Johnson",
    "JPM": "JPMorgan Chase", "KO": "Coca-Cola", "LLY": "Eli Lilly", "MRK": "Merck & Co.", "MSFT": "Microsoft",
    "PEP": "PepsiCo", "PFE": "Pfizer", "PG": "Procter & Gamble", "RRC": "Range Resources",
    "UNH": "UnitedHealth Group", "WMT": "Walmart", "XOM": "Exxon Mobil",
}  # fmt: skip


def _pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"


def versions() -> dict[str, str]:
    return {"arch": _pkg_version("arch"), "skfolio": _pkg_version("skfolio"), "pandas": _pkg_version("pandas")}


def cache_root() -> Path:
    """``$WEALTHLIB_CACHE`` or ``~/.cache/wealthlib``."""
    env = os.environ.get("WEALTHLIB_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "wealthlib"


def cache_dir() -> Path:
    v = versions()
    key = hashlib.sha256(json.dumps({"build": BUILD, **v}, sort_keys=True).encode()).hexdigest()[:16]
    return cache_root() / "market" / f"demo-{key}"


# ---------------------------------------------------------------------------------------------------- model
def bond_return(y_prev: np.ndarray | float, y_now: np.ndarray | float, maturity: float) -> np.ndarray:
    """Monthly total return of a constant-maturity par bond (yields as decimals a year); see module docstring."""
    y0 = np.asarray(y_prev, dtype=float)
    y1 = np.asarray(y_now, dtype=float)
    n = maturity - 1.0 / 12.0
    disc = (1.0 + y1) ** (-n)
    price = y0 / y1 * (1.0 - disc) + disc
    return price - 1.0 + y0 / 12.0


def _french_index(idx: pd.Index) -> pd.DatetimeIndex:
    """Month-end dates from the Fama–French ``Date`` column (YYYYMM).

    arch 8 reads it with ``pd.to_datetime`` on integers, which yields nanoseconds since 1970 (192607 ns);
    recover the integer and parse it. Plain integers and real dates are handled too.
    """
    if isinstance(idx, pd.DatetimeIndex) and (idx.year == 1970).all():
        raw = pd.Index(idx.as_unit("ns").asi8).astype(str)
    elif isinstance(idx, pd.DatetimeIndex):
        return (idx + pd.offsets.MonthEnd(0)).normalize()
    else:
        raw = pd.Index(idx).astype(str)
    return pd.DatetimeIndex(pd.to_datetime(raw, format="%Y%m") + pd.offsets.MonthEnd(0))


def _first_of_month_to_end(idx: pd.Index) -> pd.DatetimeIndex:
    return pd.DatetimeIndex((pd.DatetimeIndex(idx) + pd.offsets.MonthEnd(0)).normalize())


YIELD_SOURCE = "arch.data.default.load (Moody's seasoned corporate bond yields)"


def _arch_csv(package: str, name: str) -> pd.DataFrame:
    """``arch.data.<package>.load()`` without importing ``arch`` (its estimators take seconds to import, and a
    process that needs only the yields, such as a batch's planning, would pay for them): the same file read
    the same way (``arch.data.utility.load_file``)."""
    from importlib.util import find_spec

    spec = find_spec("arch")  # finds the installed package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        from arch.data import default  # noqa: F401 - let the import fail with its own message

    data = pd.read_csv(Path(list(spec.submodule_search_locations)[0], "data", package, name))
    if "Date" in data:
        data.Date = pd.to_datetime(data.Date)
        data = data.set_index("Date")
    for col in data:
        data[col] = pd.to_numeric(data[col], errors="coerce")
    return data


def demo_yields() -> pd.DataFrame:
    """Moody's seasoned Aaa and Baa yields as decimals a year, each month's average dated at the month's end."""
    d = _arch_csv("default", "default.csv.gz")
    d.index = _first_of_month_to_end(d.index)
    out = d[["AAA", "BAA"]].astype(float) / 100.0
    out.index.freq = None
    return out


def yield_info(yields: pd.DataFrame) -> dict[str, SeriesInfo]:
    names = {"AAA": "Moody's seasoned Aaa corporate bond yield", "BAA": "Moody's seasoned Baa corporate bond yield"}
    return {c: SeriesInfo(id=c, name=names.get(c, c), source=YIELD_SOURCE, kind="real", frequency="monthly",
                          start=yields[c].dropna().index[0].date(), end=yields[c].dropna().index[-1].date(),
                          note="monthly average of daily yields of long bonds (20 years and more), percent a year / 100")
            for c in yields.columns}


def build_demo() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, dict[str, SeriesInfo]]:
    """Read the packaged series and derive the frames. Slow part (imports arch and skfolio); cached by callers."""
    from arch.data import core_cpi, default, frenchdata, nasdaq, sp500, wti
    from skfolio.datasets import load_sp500_dataset, load_sp500_index

    monthly: dict[str, pd.Series] = {}
    daily: dict[str, pd.Series] = {}
    meta: dict[str, dict] = {}

    # Fama–French: percent per month.
    ff = frenchdata.load()
    ff.index = _french_index(ff.index)
    monthly["RF"] = ff["RF"] / 100.0
    monthly["US_MKT"] = (ff["Mkt-RF"] + ff["RF"]) / 100.0
    ff_src = "arch.data.frenchdata.load (Kenneth R. French data library)"
    meta["RF"] = dict(name="US 1-month Treasury bill", source=ff_src, kind="real", frequency="monthly",
                      note="Fama–French RF: one-month T-bill return; used as cash")
    meta["US_MKT"] = dict(name="US total stock market", source=ff_src, kind="real", frequency="monthly",
                          note="Fama–French market return = Mkt-RF + RF: value-weighted NYSE/AMEX/NASDAQ stocks, "
                               "dividends included (total return)")  # fmt: skip

    # Moody's yields → modeled constant-maturity bond returns.
    dflt = default.load()
    dflt.index = _first_of_month_to_end(dflt.index)
    for sid, (col, m) in BOND_MATURITIES.items():
        y = dflt[col] / 100.0
        r = pd.Series(bond_return(y.shift(1).to_numpy(), y.to_numpy(), m), index=y.index).iloc[1:]
        monthly[sid] = r
        grade = "Aaa" if col == "AAA" else "Baa"
        meta[sid] = dict(
            name=f"US {grade} corporate bond {m:g}Y (modeled)", source=f"arch.data.default.load (Moody's {col} yield)",
            kind="modeled", frequency="monthly",
            note=(f"modeled from Moody's seasoned {grade} yield: par bond of {m:g} years bought at last month's yield, "
                  f"repriced at this month's yield with {m:g} − 1/12 years left, plus one month of coupon; "
                  "Moody's yields are monthly averages of long bonds (20y+), so a flat curve is assumed and returns are "
                  "smoothed; no defaults or costs"),
        )  # fmt: skip

    # Daily price indexes and prices.
    def add_daily(sid: str, prices: pd.Series, **m: str) -> None:
        p = prices.astype(float).dropna()
        p.index = pd.DatetimeIndex(p.index).normalize()
        if (p <= 0).any():
            bad = p[p <= 0].index[0].date()
            raise ValueError(f"{m['source']}: non-positive price for {sid} on {bad}")
        daily[sid] = p.pct_change(fill_method=None).iloc[1:]
        monthly[sid] = monthly_from_daily_prices(p.rename(sid))
        meta[sid] = dict(kind="real", frequency="daily", **m)

    add_daily("SP500", sp500.load()["Adj Close"], name="S&P 500 index (price)", source="arch.data.sp500.load",
              note="price index, dividends not included (Adj Close equals Close for an index)")
    add_daily("NASDAQ", nasdaq.load()["Adj Close"], name="NASDAQ Composite index (price)",
              source="arch.data.nasdaq.load", note="price index, dividends not included")
    add_daily("WTI", wti.load()["DCOILWTICO"], name="WTI crude oil spot price", source="arch.data.wti.load (FRED DCOILWTICO)",
              note="spot price only: a fund holding oil futures also earns roll yield and collateral interest, not included; "
                   "missing holiday values skipped")  # fmt: skip
    spx = load_sp500_index()
    add_daily("SP500_SKF", spx[spx.columns[0]], name="S&P 500 index (price), long history",
              source="skfolio.datasets.load_sp500_index", note="price index, dividends not included; same index as SP500 "
              "from another source, 1990–2022")  # fmt: skip
    stocks = load_sp500_dataset()
    for tkr in stocks.columns:
        add_daily(str(tkr), stocks[tkr], name=f"{TICKER_NAMES.get(str(tkr), str(tkr))} ({tkr}) stock",
                  source="skfolio.datasets.load_sp500_dataset",
                  note="adjusted close as shipped by skfolio (splits and dividends adjusted per the dataset's description)")

    # Inflation: core CPI (seasonally adjusted, less food and energy), monthly change.
    cpi = core_cpi.load()["CPILFESL"].astype(float)
    cpi.index = _first_of_month_to_end(cpi.index)
    inflation = cpi.pct_change(fill_method=None).iloc[1:].rename("CPI")
    meta["CPI"] = dict(name="US core CPI inflation (monthly change)", source="arch.data.core_cpi.load (FRED CPILFESL)",
                       kind="real", frequency="monthly",
                       note="inflation, not a product: CPI less food and energy, seasonally adjusted; a month's value is "
                            "published about two weeks after the month ends")  # fmt: skip

    first = min(s.index[0] for s in monthly.values())
    last = max(s.index[-1] for s in monthly.values())
    cal = month_end_calendar(first, last)
    mframe = pd.DataFrame({sid: s.reindex(cal) for sid, s in monthly.items()}, index=cal)
    mframe.index.freq = None
    dframe = pd.concat(daily, axis=1, sort=True)
    dframe.index.name = "date"
    inflation = inflation.reindex(month_end_calendar(inflation.index[0], inflation.index[-1]))
    inflation.index.freq = None

    info: dict[str, SeriesInfo] = {}
    for sid, m in meta.items():
        s = inflation if sid == "CPI" else (dframe[sid] if m["frequency"] == "daily" else mframe[sid])
        v = s.dropna()
        info[sid] = SeriesInfo(id=sid, start=v.index[0].date(), end=v.index[-1].date(), **m)
    return mframe, dframe, inflation, info


# ---------------------------------------------------------------------------------------------------- cache
def _vintage(monthly: pd.DataFrame) -> str:
    v = versions()
    return f"arch {v['arch']} / skfolio {v['skfolio']}, data to {monthly.index[-1].date()}"


def _read_cache(d: Path) -> Market | None:
    try:
        monthly = pd.read_parquet(d / "monthly.parquet")
        daily = pd.read_parquet(d / "daily.parquet")
        infl = pd.read_parquet(d / "inflation.parquet")["CPI"]
        raw = json.loads((d / "info.json").read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - missing or damaged cache: rebuild
        return None
    info = {
        k: SeriesInfo(**{**v, "start": date.fromisoformat(v["start"]), "end": date.fromisoformat(v["end"])})
        for k, v in raw.items()
    }
    monthly.index.freq = None
    return Market(monthly, daily, infl, info, _vintage(monthly))


def write_cache_folder(d: Path, fill: Callable[[Path], None]) -> None:
    """Write a cache folder ``d`` in one step: ``fill`` writes the files into a temporary sibling, which then
    replaces ``d`` atomically (another process that got there first wins, which is fine); a cache that cannot be
    written is one warning (:func:`warn_cache`), never an error. Shared by the demo market and its FX."""
    try:
        d.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{d.name}-", dir=d.parent))
        try:
            fill(tmp)
            try:
                os.replace(tmp, d)
            except OSError:
                pass
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        warn_cache(d, exc)


def info_json(info: dict) -> str:
    """``SeriesInfo`` values as the cache's ``info.json`` text (dates in ISO form)."""
    raw = {k: {**v.__dict__, "start": v.start.isoformat(), "end": v.end.isoformat()} for k, v in info.items()}
    return json.dumps(raw, ensure_ascii=False, indent=1)


def _write_cache(d: Path, monthly: pd.DataFrame, daily: pd.DataFrame, infl: pd.Series, info: dict) -> None:
    def fill(tmp: Path) -> None:
        monthly.to_parquet(tmp / "monthly.parquet")
        daily.to_parquet(tmp / "daily.parquet")
        infl.to_frame("CPI").to_parquet(tmp / "inflation.parquet")
        (tmp / "info.json").write_text(info_json(info), encoding="utf-8")

    write_cache_folder(d, fill)


_WARNED: set[Path] = set()


def warn_cache(d: Path, exc: OSError) -> None:
    """One warning per cache root and process (the demo market and its FX share a root: one problem, one line)."""
    root = cache_root()
    if root in _WARNED:
        return
    _WARNED.add(root)
    warnings.warn(f"wealthlib: cannot write the market cache in {d}: {exc.strerror}", stacklevel=4)


@lru_cache(maxsize=1)
def full_demo() -> Market:
    """The whole demo market: from the disk cache when present, else built (and cached); with the demo's real
    FX rates (:mod:`wealthlib._market.fx`: ECB and NBP, read from their wheels) attached."""
    d = cache_dir()
    market = _read_cache(d)
    if market is None:
        monthly, daily, infl, info = build_demo()
        _write_cache(d, monthly, daily, infl, info)
        market = Market(monthly, daily, infl, info, _vintage(monthly))
    return _with_fx(_with_yields(market))


def _with_yields(market: Market) -> Market:
    """The demo's yields (tiny: read from arch each process, not cached on disk)."""
    import dataclasses

    y = demo_yields()
    return dataclasses.replace(market, yields=y, yield_info=yield_info(y))


def _with_fx(market: Market) -> Market:
    from .fx import demo_fx, vintage_part

    fx, fx_info = demo_fx()
    base, _, rest = market.vintage.partition(", data to ")
    return Market(market.monthly, market.daily, market.inflation, market.info,
                  f"{base}; {vintage_part()}, data to {rest}", fx, fx_info, market.yields, dict(market.yield_info))
