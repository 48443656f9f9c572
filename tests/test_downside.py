"""Downside told honestly (issue 12 item 5): worst year and worst 12 months on a portfolio's own history, stress
windows on each portfolio's own history (missing products named, the rest counted), rate and currency shocks
from durations and currencies, bond expected returns anchored to the yields of the as-of date.

Expected values are worked by hand below, or come from quantstats and from the published Moody's yields
(FRED AAA / BAA, Nov and Dec 2018: 4.22 / 5.22 and 4.02 / 5.13 percent).
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from wealthlib import analytics as A
from wealthlib.context import load_context
from wealthlib.errors import InputError

from _paths import PARAMS


def _frame(start: str, periods: int, **cols: dict[str, float]) -> pd.DataFrame:
    idx = pd.date_range(start, periods=periods, freq="ME")
    out = pd.DataFrame(0.0, index=idx, columns=list(cols))
    for k, moves in cols.items():
        for day, x in moves.items():
            out.loc[pd.Timestamp(day), k] = x
    return out


# ---------------------------------------------------------------- worst year and worst 12 months

def _crashes() -> pd.DataFrame:
    # A falls 20% in Mar 2020 and 10% in Nov 2020 and in Feb 2021; B never moves; A has no data before Sep 2019.
    r = _frame("2019-07-31", 30, A={"2020-03-31": -0.20, "2020-11-30": -0.10, "2021-02-28": -0.10}, B={})
    r.loc[:"2019-08-31", "A"] = np.nan
    return r


def test_worst_year_and_worst_12_months_by_hand():
    d = A.downside(_crashes(), {"A": 0.5, "B": 0.5})
    # the portfolio (rebalanced monthly, half A) loses 10%, 5%, 5%: 2020 compounds two of them, 2021 one;
    # the 12 months Mar 2020 – Feb 2021 hold all three, so they are worse than any calendar year.
    assert d.start == pd.Timestamp("2019-09-30") and d.limited_by == ("A",) and d.months == 28
    assert d.worst_year == pytest.approx(0.9 * 0.95 - 1) and d.worst_year_label == 2020
    assert d.worst_12m == pytest.approx(0.9 * 0.95 * 0.95 - 1)
    assert d.worst_12m_end == pd.Timestamp("2021-02-28") and d.worst_12m_start == pd.Timestamp("2020-03-31")


def test_a_partial_year_is_not_a_calendar_year_and_fees_are_charged():
    # Jul 2019 – Dec 2020: 2019 has six months only; a 12% annual fee on a flat product costs exactly 12% a year
    r = _frame("2019-07-31", 18, A={"2019-08-31": -0.30})
    d = A.downside(r, {"A": 1.0}, fees={"A": 0.12})
    assert d.worst_year_label == 2020 and d.worst_year == pytest.approx(-0.12)
    assert d.worst_12m == pytest.approx(0.70 * (1 - 0.12) - 1)  # a 12-month window holding the Aug 2019 fall
    short = A.downside(_frame("2020-01-31", 6, A={}), {"A": 1.0})
    assert np.isnan(short.worst_year) and np.isnan(short.worst_12m) and short.worst_12m_end is None


def test_worst_year_agrees_with_quantstats_on_real_history():
    from wealthlib._analytics.metrics import quantstats_stats

    ctx = load_context(PARAMS, "2018-12-31")
    local = ctx.market.monthly[["US_MKT", "AAA10"]].loc["1927-01-31":"2018-10-31"]  # whole calendar years
    w = pd.Series({"US_MKT": 0.6, "AAA10": 0.4})
    d = A.downside(local, w)
    port = local @ w
    assert d.worst_year == pytest.approx(float(quantstats_stats().worst(port.loc[:"2017-12-31"], aggregate="year")))
    assert d.worst_year_label == 1931 and d.worst_12m <= d.worst_year


# ---------------------------------------------------------------- stress on each portfolio's own history

def test_partial_stress_names_the_missing_product_and_counts_the_rest():
    r = _frame("1987-01-31", 12, EQ={"1987-10-31": -0.20}, BOND={"1987-10-31": 0.02}, NEW={})
    r.loc[:, "NEW"] = np.nan  # a product with no data at all in 1987
    r.loc["1987-12-31", "NEW"] = 0.01
    w = {"EQ": 0.5, "BOND": 0.3, "NEW": 0.2}
    old = A.stress(r, w, ["crash_1987"], value=1000).iloc[0]
    assert not old["covered"] and np.isnan(old["return"])  # the default still skips
    row = A.stress(r, w, ["crash_1987"], value=1000, partial=True).iloc[0]
    assert not row["covered"] and row["missing"] == ("NEW",)
    assert row["counted"] == pytest.approx(0.8) and row["value_counted"] == pytest.approx(800)
    assert row["return"] == pytest.approx((0.5 * -0.20 + 0.3 * 0.02) / 0.8)
    assert row["pnl"] == pytest.approx(0.5 * -0.20 * 1000 + 0.3 * 0.02 * 1000)  # = return × value counted


def test_fallback_returns_count_a_window_before_the_exchange_rate():
    base = _frame("1973-01-31", 24, BOND={"1974-06-30": -0.05})
    base.loc[:"1974-11-30", "BOND"] = np.nan  # no FX rate before Dec 1974: no base-currency return
    local = _frame("1973-01-31", 24, BOND={"1974-06-30": -0.05})
    row = A.stress(base, {"BOND": 1.0}, ["oil_shock_1973"], value=100, partial=True, fallback=local).iloc[0]
    assert row["covered"] and row["fallback_used"] == ("BOND",) and row["return"] == pytest.approx(-0.05)


def test_shocks_from_durations_and_currencies():
    w = {"BOND": 0.6, "CASH": 0.1, "EQ": 0.3}
    dur = {"BOND": 8.1, "CASH": 0.08, "EQ": None}
    res = A.shocks(w, dur, {"BOND": "USD", "CASH": "TWD", "EQ": "USD"}, base="TWD", value=1_000).set_index("scenario")
    up2 = res.loc["rates_up_2"]
    assert up2["missing"] == ("EQ",) and up2["counted"] == pytest.approx(0.7)
    assert up2["pnl"] == pytest.approx(-(0.6 * 8.1 + 0.1 * 0.08) * 0.02 * 1000)
    assert up2["pnl"] == pytest.approx(up2["return"] * up2["value_counted"])
    fx = res.loc["currency_down_10"]
    assert fx["covered"] and fx["pnl"] == pytest.approx(-0.10 * 0.9 * 1000)  # the TWD cash loses nothing
    usd = A.shocks(w, dur, {"BOND": "USD", "CASH": "USD", "EQ": "USD"}, base="USD").set_index("scenario")
    assert usd.loc["currency_down_10", "return"] == 0.0
    assert [s.id for s in A.shock_scenarios()] == ["rates_up_1", "rates_up_2", "currency_down_10"]


def test_all_bond_portfolio_is_stressed_in_1973_and_1987_on_the_demo_market():
    ctx = load_context(PARAMS, "2018-12-31")
    local = ctx.market.monthly
    series = {c: ctx.shelf.get(c).series for c in ("CORP-AAA10", "CORP-BAA10")}
    r = pd.DataFrame({c: local[s] for c, s in series.items()})
    res = A.stress(r, {"CORP-AAA10": 0.5, "CORP-BAA10": 0.5}, ["oil_shock_1973", "crash_1987"], partial=True)
    assert res["covered"].all()
    win = r.loc["1987-10-31"]
    assert res.iloc[1]["return"] == pytest.approx(0.5 * win["CORP-AAA10"] + 0.5 * win["CORP-BAA10"])


# ---------------------------------------------------------------- bond expected returns from the yields

def test_demo_yields_are_moodys_published_figures():
    m = load_context(PARAMS, "2018-12-31").market
    assert m.yield_on("AAA", "2018-11-30") == (pd.Timestamp("2018-11-30"), pytest.approx(0.0422))
    assert m.yield_on("BAA", "2018-11-30")[1] == pytest.approx(0.0522)
    assert m.yield_on("BAA", "2018-12-31")[1] == pytest.approx(0.0513)
    assert m.yield_on("AAA", "2018-12-15")[0] == pd.Timestamp("2018-11-30")  # December is not over
    with pytest.raises(InputError, match="no such yield series"):
        m.yield_on("TSY10", "2018-12-31")


def test_bond_returns_are_the_yield_of_the_as_of_date():
    ctx = load_context(PARAMS, "2018-12-31")
    usd = ctx.in_base("USD").estimates
    assert usd.mu["CORP-AAA10"] == pytest.approx(0.0402) and usd.mu["CORP-BAA10"] == pytest.approx(0.0513)
    assert usd.method.endswith("+yield") and usd.notes["yield_anchor"]["CORP-AAA5"]["series"] == "AAA"
    twd = ctx.in_base("TWD")
    lo, hi = twd.estimates.notes["window"]
    fx = ctx.market.fx_monthly("USD", "TWD")
    drift = float((fx / fx.shift(1) - 1).loc[lo:hi].mean() * 12)
    assert twd.estimates.mu["CORP-AAA10"] == pytest.approx(0.0402 + drift)
    assert ctx.in_base("USD").estimates.mu["US-TSM"] == pytest.approx(twd._cache["_root"].estimates.mu["US-TSM"])


def test_policy_says_which_method_and_a_missing_yield_series_is_named(tmp_path):
    dst = tmp_path / "params"
    shutil.copytree(PARAMS, dst)
    pol = dst / "policy.yaml"
    pol.write_text(pol.read_text(encoding="utf-8").replace("bond_returns: yield", "bond_returns: estimator"),
                   encoding="utf-8")
    est = load_context(dst, "2018-12-31").in_base("USD").estimates
    assert "yield_anchor" not in est.notes and est.mu["CORP-AAA10"] > 0.05  # 15 years of falling yields
    other = tmp_path / "other"  # contexts are cached per folder and date: a second folder
    shutil.copytree(PARAMS, other)
    shelf = other / "products.yaml"
    shelf.write_text(shelf.read_text(encoding="utf-8").replace("yield_series: BAA", "yield_series: BBB"),
                     encoding="utf-8")
    with pytest.raises(InputError, match=r"products\.3\.yield_series.*no such yield series"):
        load_context(other, "2018-12-31")


def test_panel_on_each_portfolios_own_history_in_the_clients_currency():
    from wealthlib._analytics.downside import downside_panel

    ctx = load_context(PARAMS, "2018-12-31").in_base("TWD")
    base, local = ctx.history()
    bonds = pd.Series({"CORP-AAA10": 0.5, "CORP-BAA10": 0.5})
    mixed = pd.Series({"CORP-AAA10": 0.6, "SP500": 0.4})
    out = downside_panel(base, local, {"bonds": bonds, "mixed": mixed}, value=1000.0, fees=None,
                         durations=ctx.shelf.durations(), currencies=ctx.shelf.currencies().to_dict(),
                         base_currency="TWD")
    st = out["bonds"]["stress"].set_index("scenario")
    # 1973–74: no USD/TWD rate yet, so the bonds are replayed in dollars, and said so
    oil = st.loc["oil_shock_1973"]
    win = ctx.market.monthly.loc["1973-01-31":"1974-09-30"]
    want = 0.5 * ((1 + win["AAA10"]).prod() - 1) + 0.5 * ((1 + win["BAA10"]).prod() - 1)
    assert oil["covered"] and set(oil["fallback_used"]) == {"CORP-AAA10", "CORP-BAA10"}
    assert oil["return"] == pytest.approx(want) and oil["pnl"] == pytest.approx(want * 1000)
    mx = out["mixed"]["stress"].set_index("scenario").loc["crash_1987"]
    assert mx["missing"] == ("SP500",) and mx["counted"] == pytest.approx(0.6)
    assert mx["return"] == pytest.approx(ctx.market.monthly.loc["1987-10-31", "AAA10"])
    # shocks: the bonds lose duration × 2 points; every dollar product loses 10% to a TWD client
    sh = out["bonds"]["shocks"].set_index("scenario")
    assert sh.loc["rates_up_2", "return"] == pytest.approx(-(0.5 * 8.10 + 0.5 * 7.67) * 0.02)
    assert sh.loc["currency_down_10", "return"] == pytest.approx(-0.10)
    # worst periods in TWD start with the rate (Jan 1999), SP500's history with Feb 1999
    assert out["bonds"]["downside"].start == pd.Timestamp("1999-01-31")
    assert out["mixed"]["downside"].limited_by == ("SP500",)
