"""wealthlib.market: the demo market built from packaged series, its cache, the file loader and its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wealthlib import market as mk
from wealthlib._market import demo
from wealthlib.errors import InputError

DATA = Path(__file__).parent / "data" / "market"


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    """The demo market, built into a private cache so the test does not depend on ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WEALTHLIB_CACHE", str(tmp_path_factory.mktemp("cache")))
    demo.full_demo.cache_clear()
    m = mk.load_demo_market()
    yield m
    demo.full_demo.cache_clear()
    mp.undo()


def test_monthly_calendar_is_month_end_and_complete(market):
    idx = market.monthly.index
    assert isinstance(idx, pd.DatetimeIndex)
    assert idx.is_monotonic_increasing and not idx.has_duplicates
    assert (idx == idx + pd.offsets.MonthEnd(0)).all()  # every label is a calendar month end
    assert (idx.to_period("M").asi8[1:] - idx.to_period("M").asi8[:-1] == 1).all()  # no missing months
    assert market.inflation is not None and (market.inflation.index == market.inflation.index + pd.offsets.MonthEnd(0)).all()


def test_market_total_return_is_excess_plus_rf_from_raw_french_data(market):
    from arch.data import frenchdata

    raw = frenchdata.load()
    # arch parses the YYYYMM column as nanoseconds; take the row for October 1987 by position of 198710.
    row = raw.loc[raw.index.as_unit("ns").asi8 == 198710].iloc[0]
    oct87 = market.monthly.loc["1987-10-31"]
    assert oct87["US_MKT"] == pytest.approx((row["Mkt-RF"] + row["RF"]) / 100, abs=1e-12)
    assert oct87["RF"] == pytest.approx(row["RF"] / 100, abs=1e-12)
    assert oct87["US_MKT"] < -0.2  # the crash month, so the row really is October 1987


def _yields():
    from arch.data import default

    d = default.load()
    d.index = d.index + pd.offsets.MonthEnd(0)
    return d / 100


def test_bond_model_unchanged_yield_earns_the_coupon(market):
    y = _yields()["AAA"]
    same = y.index[1:][(y.diff().iloc[1:] == 0).to_numpy()]
    assert len(same) > 10
    for when in same[-5:]:
        assert market.monthly.loc[when, "AAA10"] == pytest.approx(y[when] / 12, rel=1e-9)
        assert market.monthly.loc[when, "AAA5"] == pytest.approx(y[when] / 12, rel=1e-9)


def test_bond_model_rate_rise_loses_about_duration_times_change(market):
    y = _yields()["BAA"]
    dy = y.diff()
    when = dy.idxmax()  # largest monthly rise of the Baa yield
    y0, change = y.shift(1)[when], dy[when]
    assert change > 0.005
    n = 10 - 1 / 12
    modified_duration = (1 - (1 + y0) ** -n) / y0  # par bond, annual compounding
    price_return = market.monthly.loc[when, "BAA10"] - y0 / 12
    assert price_return < 0
    assert price_return == pytest.approx(-modified_duration * change, rel=0.10)  # convexity makes it a bit less
    assert price_return > -modified_duration * change
    assert market.info["BAA10"].kind == "modeled" and market.info["SP500"].kind == "real"


def test_daily_monthly_consistency_sp500(market):
    d = market.daily["SP500"].loc["2008-10-01":"2008-10-31"].dropna()
    assert (1 + d).prod() - 1 == pytest.approx(market.monthly.loc["2008-10-31", "SP500"], rel=1e-9)
    # two sources of the same price index agree
    both = market.returns(["SP500", "SP500_SKF"])
    assert (both["SP500"] - both["SP500_SKF"]).abs().max() < 0.005


def test_as_of_cuts_every_frame(market):
    cut = market.as_of("2015-06-15")
    assert cut.monthly.index.max() == pd.Timestamp("2015-05-31")
    assert cut.daily.index.max() <= pd.Timestamp("2015-06-15")
    assert cut.daily.index.max() >= pd.Timestamp("2015-06-12")
    assert cut.inflation.index.max() <= pd.Timestamp("2015-06-15")
    assert all(si.end <= pd.Timestamp("2015-06-15").date() for si in cut.info.values())
    assert "as of 2015-06-15" in cut.vintage
    assert market.monthly.index.max() > pd.Timestamp("2020-01-01")  # the original is untouched
    via_loader = mk.load_demo_market(as_of="2015-06-15")
    pd.testing.assert_frame_equal(via_loader.monthly, cut.monthly)


def test_returns_common_has_no_nan_and_starts_at_latest_series(market):
    r = market.returns(["US_MKT", "NASDAQ", "AAA10", "AAPL"])
    assert not r.isna().to_numpy().any()
    assert r.index[0] == pd.Timestamp("1999-02-28")  # NASDAQ: first full month after 1999-01-04
    assert r.index[-1] == pd.Timestamp("2018-11-30")  # Fama–French ends
    d = market.returns(["SP500", "WTI"], freq="daily", start="2010-01-01", end="2010-12-31")
    assert not d.isna().to_numpy().any()
    # compounding over common days loses nothing: the year's growth matches the daily frame's own
    own = (1 + market.daily["WTI"].loc["2010-01-01":"2010-12-31"].dropna()).prod()
    assert (1 + d["WTI"]).prod() == pytest.approx(own, rel=1e-12)
    with pytest.raises(KeyError, match="'NOPE'"):
        market.returns(["NOPE"])


def test_market_info_rows(market):
    rows = mk.market_info(market)
    by = {r["series"]: r for r in rows}
    assert {"RF", "US_MKT", "AAA5", "AAA10", "BAA10", "SP500", "NASDAQ", "WTI", "AAPL", "CPI"} <= set(by)
    assert by["AAA10"]["kind"] == "modeled" and by["RF"]["frequency"] == "monthly"
    assert str(by["US_MKT"]["first"]) == "1926-07-31" and str(by["US_MKT"]["last"]) == "2018-11-30"
    assert "arch.data.default" in by["BAA10"]["source"]
    assert "dividends not included" in market.info["SP500"].note


def test_disk_cache_is_used_on_second_load(tmp_path, monkeypatch):
    monkeypatch.setenv("WEALTHLIB_CACHE", str(tmp_path))
    calls = []
    real = demo.build_demo

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(demo, "build_demo", counting)
    demo.full_demo.cache_clear()
    first = mk.load_demo_market()
    assert calls == [1]
    assert list((tmp_path / "market").glob("demo-*/monthly.parquet"))

    def boom():
        raise AssertionError("builder called although the disk cache exists")

    monkeypatch.setattr(demo, "build_demo", boom)
    demo.full_demo.cache_clear()
    second = mk.load_demo_market()
    pd.testing.assert_frame_equal(first.monthly, second.monthly)
    pd.testing.assert_frame_equal(first.daily, second.daily)
    assert second.info == first.info
    demo.full_demo.cache_clear()


# ------------------------------------------------------------------------------------------------ file loading
def _to_parquet(csv: Path, dest: Path, layout: str = "wide") -> Path:
    """The same table as Parquet with real types: dates as datetimes and numbers as floats where they parse."""
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    for c in df.columns:
        parsed = pd.to_datetime(df[c], errors="coerce", format="ISO8601") if c.lower() in ("date", "when") else None
        if parsed is not None and parsed.notna().all():
            df[c] = parsed
            continue
        num = pd.to_numeric(df[c], errors="coerce")
        if num.notna().all() and len(df):
            df[c] = num
    out = dest / (csv.stem + ".parquet")
    df.to_parquet(out, index=False)
    return out


BAD = [
    ("bad_unsorted.csv", "wide", "date", "dates are not in increasing order: 1999-04-30 ({6}) comes after 1999-05-28 ({5})"),
    ("bad_duplicate.csv", "wide", "date", "duplicate date 1999-04-30 ({5} and {6})"),
    ("bad_nonpositive.csv", "wide", "SP500", "non-positive price 0 on 1999-03-31 ({4})"),
    ("bad_gap.csv", "wide", "date", "missing month(s) between 1999-03-31 and 1999-06-30 ({5}): 1999-04, 1999-05"),
    ("bad_nonnumeric.csv", "wide", "NASDAQ", "not a number: 'n/a' on 1999-06-30 ({7})"),
    ("bad_nodate.csv", "wide", "date", "no date column (expected a column named 'date')"),
    ("bad_long_columns.csv", "long", "", "long layout needs columns date, series, value; missing: series"),
    ("bad_empty.csv", "wide", "", "file has no data rows"),
]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("name,layout,field,problem", BAD, ids=[b[0] for b in BAD])
def test_bad_files_name_file_field_and_problem(tmp_path, monkeypatch, fmt, name, layout, field, problem):
    monkeypatch.chdir(tmp_path)  # messages show the path relative to the working directory
    if fmt == "csv":
        path = Path(name)
        path.write_bytes((DATA / name).read_bytes())
        loc = [f"line {i}" for i in range(20)]
    else:
        path = Path(_to_parquet(DATA / name, tmp_path).name)
        loc = [f"row {i - 1}" for i in range(20)]
    with pytest.raises(InputError) as exc:
        mk.load_market_file(path, layout=layout)
    where = f"{path}: {field}" if field else f"{path}"
    assert str(exc.value) == f"{where}: {problem.format(*loc)}"


def test_daily_gap_too_long(tmp_path):
    from arch.data import sp500

    s = sp500.load()["Adj Close"].loc["2001-08-01":"2001-10-31"]  # markets closed 2001-09-11 … 09-14
    f = tmp_path / "spx.csv"
    s.rename("SP500").rename_axis("date").to_frame().to_csv(f)
    m = mk.load_market_file(f, freq="daily", max_gap_bdays=5)
    assert m.daily["SP500"].loc["2001-09-17"] == pytest.approx(s.loc["2001-09-17"] / s.loc["2001-09-10"] - 1)
    with pytest.raises(InputError) as exc:
        mk.load_market_file(f, freq="daily", max_gap_bdays=3)
    # August 2001: 23 trading days (lines 2–24); September 4, 5, 6, 7, 10 (lines 25–29); 09-17 is line 30
    assert str(exc.value) == f"{f}: date: gap of 4 business days between 2001-09-10 and 2001-09-17 (line 30); at most 3 allowed"


def test_wide_and_long_give_the_same_market(tmp_path):
    wide = mk.load_market_file(DATA / "prices_wide.csv")
    long = mk.load_market_file(DATA / "prices_long.csv", layout="long")
    pd.testing.assert_frame_equal(wide.monthly, long.monthly)
    pq = mk.load_market_file(_to_parquet(DATA / "prices_wide.csv", tmp_path))
    pd.testing.assert_frame_equal(wide.monthly, pq.monthly)
    # returns are month-over-month price changes, on month-end labels
    assert wide.monthly.loc["1999-02-28", "SP500"] == pytest.approx(1238.33 / 1279.64 - 1)
    assert wide.monthly.index[0] == pd.Timestamp("1999-02-28") and len(wide.monthly) == 7
    # a returns file of those returns reproduces them
    f = tmp_path / "rets.csv"
    wide.monthly.rename_axis("date").to_csv(f)
    again = mk.load_market_file(f, kind="returns")
    pd.testing.assert_frame_equal(again.monthly, wide.monthly, check_freq=False)


def test_shelf_returns_common_start_and_missing_series(market):
    from wealthlib.policy import load_policy
    from wealthlib.products import Product, Shelf, load_shelf

    root = Path(__file__).resolve().parents[1]
    shelf = load_shelf(root / "params" / "products.yaml", load_policy(root / "params" / "policy.yaml"))
    r = mk.shelf_returns(shelf, market)
    assert list(r.columns) == shelf.codes
    assert not r.isna().to_numpy().any()
    assert r.attrs["start"] == r.index[0].date()
    latest = max(market.monthly[shelf.get(c).series].first_valid_index() for c in shelf.codes)
    assert r.index[0] == latest
    net = mk.shelf_returns(shelf, market, net_of_fees=True)
    assert (net["US-TSM"] < r["US-TSM"]).all()
    bad = Shelf("t", [shelf.get("SP500").model_copy(update={"code": "X1", "series": "NOPE"})], "shelf.yaml")
    assert isinstance(bad.get("X1"), Product)
    with pytest.raises(InputError, match=r"^shelf\.yaml: X1: series 'NOPE' is not in the monthly market data"):
        mk.shelf_returns(bad, market)
