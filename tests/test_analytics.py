"""wealthlib.analytics: backtest, metrics (quantstats), stress, Monte Carlo projection, risk contribution.

Fixtures are real data shipped with the arch package (Fama–French monthly market and T-bill returns, NASDAQ
daily closes); synthetic numbers appear only in tiny worked examples computed by hand below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from wealthlib import analytics as A
from wealthlib.errors import InputError


@lru_cache(maxsize=1)
def _market() -> pd.DataFrame:
    from arch.data import frenchdata, nasdaq

    ff = frenchdata.load()
    # arch stores the YYYYMM integer as nanoseconds since the epoch
    ff.index = pd.to_datetime(ff.index.asi8.astype(str), format="%Y%m") + pd.offsets.MonthEnd(0)
    nq = nasdaq.load()["Adj Close"].resample("ME").last().pct_change()
    return pd.DataFrame({
        "EQ": (ff["Mkt-RF"] + ff["RF"]) / 100.0,
        "CASH": ff["RF"] / 100.0,
        "NQ": nq,
    }).loc[:"2018-11-30"]


@pytest.fixture
def market() -> pd.DataFrame:
    return _market().copy()


W6040 = pd.Series({"EQ": 0.6, "CASH": 0.4})


def _tiny(a, b) -> pd.DataFrame:
    idx = pd.date_range("2020-01-31", periods=len(a), freq="ME")
    return pd.DataFrame({"A": a, "B": b}, index=idx)


# ---------------------------------------------------------------- backtest

def test_rebalance_cost_worked_example():
    # month 1: A +10%, B 0% -> holdings 0.55 / 0.50, V = 1.05; rebalancing to 50/50 trades 0.025 each way.
    # V' = 1.05 - 1% * (|0.5V' - 0.55| + |0.5V' - 0.5|) = 1.05 - 0.01 * 0.05 = 1.0495 (0.5V' lies in [0.5, 0.55]).
    res = A.backtest(_tiny([0.10, 0.0], [0.0, 0.0]), {"A": 0.5, "B": 0.5}, rebalance="monthly", cost_rate=0.01)
    assert res.costs.iloc[1] == pytest.approx(0.0005, abs=1e-12)
    assert res.value.iloc[1] == pytest.approx(1.0495, abs=1e-12)
    assert res.turnover.iloc[1] == pytest.approx(0.05 / 2 / 1.05)
    assert res.weights.iloc[1].tolist() == pytest.approx([0.5, 0.5])
    # month 2: nothing moves, no trade, no cost
    assert res.costs.iloc[2] == 0 and res.value.iloc[2] == pytest.approx(1.0495)
    assert res.value.index[0] == pd.Timestamp("2019-12-31")


def test_fees_are_charged_pro_rata_each_month():
    # 12% a year = 1% of the value each month; flat returns: 100 -> 99 -> 98.01
    res = A.backtest(_tiny([0.0, 0.0], [0.0, 0.0]), {"A": 1.0}, fees={"A": 0.12}, initial=100)
    assert res.value.tolist() == pytest.approx([100, 99, 98.01])
    assert res.fees.tolist() == pytest.approx([0, 1.0, 0.99])
    assert res.total_fees == pytest.approx(1.99)


def test_buy_and_hold_and_monthly_constant_mix_match_direct_computation(market):
    r = market.loc["1990":"2018", ["EQ", "CASH"]]
    hold = A.backtest(r, W6040, rebalance="none")
    direct = (0.6 * (1 + r["EQ"]).prod() + 0.4 * (1 + r["CASH"]).prod())
    assert hold.final_value == pytest.approx(direct, rel=1e-12)
    assert len(hold.rebalance_dates) == 0
    mix = A.backtest(r, W6040, rebalance="monthly")
    assert mix.final_value == pytest.approx((1 + r @ W6040).prod(), rel=1e-12)
    assert mix.returns.to_numpy() == pytest.approx((r @ W6040).to_numpy())


def test_quarterly_and_annual_dates(market):
    r = market.loc["2000":"2010", ["EQ", "CASH"]]
    q = A.backtest(r, W6040, rebalance="quarterly")
    assert set(q.rebalance_dates.month) == {3, 6, 9, 12} and len(q.rebalance_dates) == 44
    y = A.backtest(r, W6040, rebalance="annual")
    assert set(y.rebalance_dates.month) == {12} and len(y.rebalance_dates) == 11


def test_bands_keep_weights_within_band_and_trade_less(market):
    r = market.loc["1970":"2018", ["EQ", "CASH"]]
    res = A.backtest(r, W6040, rebalance="bands", band=0.05, cost_rate=0.002)
    drift = (res.weights - W6040).abs().max(axis=1)
    assert (drift <= 0.05 + 1e-9).all()  # end-of-month weights, after any trade
    monthly = A.backtest(r, W6040, rebalance="monthly", cost_rate=0.002)
    assert 0 < len(res.rebalance_dates) < len(monthly.rebalance_dates) / 5
    assert res.total_costs < monthly.total_costs
    # each band trade happened because a weight had drifted past the band before the trade
    for day in res.rebalance_dates:
        i = r.index.get_loc(day)
        before = res.weights.iloc[i] * (1 + r.iloc[i]) / (res.weights.iloc[i] * (1 + r.iloc[i])).sum()
        assert (before - W6040).abs().max() > 0.05


def test_small_positions_use_half_their_weight_as_band():
    # target 2% (<= 3%): threshold is 1 point. A +60%: 0.032 / 1.012 = 3.16%, 1.16 points off: rebalanced.
    r = _tiny([0.60, 0.0], [0.0, 0.0])
    res = A.backtest(r, {"A": 0.02, "B": 0.98}, rebalance="bands", band=0.03)
    assert list(res.rebalance_dates) == [r.index[0]]


def test_common_start_for_shorter_history(market):
    res = A.backtest(market, {"EQ": 0.5, "NQ": 0.3, "CASH": 0.2})
    assert res.start == pd.Timestamp("1999-02-28")  # first NASDAQ monthly return (Jan 1999 close is the base)
    assert res.limited_by == ("NQ",)
    assert "NQ" in res.note("en") and "1999-02" in res.note("en")
    assert "NQ" in res.note("zh-CN")
    full = A.backtest(market, W6040)
    assert full.limited_by == () and full.start == pd.Timestamp("1926-07-31")


def test_compare_uses_one_window_and_an_unfeed_benchmark(market):
    cmp = A.compare(market, {"EQ": 0.5, "NQ": 0.3, "CASH": 0.2}, current={"EQ": 0.2, "CASH": 0.8},
                    benchmark=W6040, fees={"EQ": 0.005, "NQ": 0.01, "CASH": 0.001}, cost_rate=0.001)
    assert set(cmp.results) == {"proposed", "current", "benchmark"}
    assert all(r.start == pd.Timestamp("1999-02-28") for r in cmp.results.values())
    assert cmp.results["benchmark"].total_fees == 0 and cmp.results["benchmark"].total_costs == 0
    assert cmp.results["current"].total_fees > 0
    bench = cmp.results["benchmark"]
    r = market.loc["1999-02":, ["EQ", "CASH"]]
    assert bench.final_value == pytest.approx((1 + r @ W6040).prod(), rel=1e-12)
    table = cmp.metrics()
    assert list(table.columns) == ["proposed", "current", "benchmark"] and "sharpe" in table.index
    assert cmp.values.shape[1] == 3


def test_backtest_input_errors_name_the_problem(market):
    with pytest.raises(InputError, match="weights sum to 0.9"):
        A.backtest(market, {"EQ": 0.5, "CASH": 0.4})
    with pytest.raises(InputError, match="GOLD: no return series"):
        A.backtest(market, {"EQ": 0.5, "GOLD": 0.5})
    with pytest.raises(InputError, match="negative"):
        A.backtest(market, {"EQ": 1.5, "CASH": -0.5})
    with pytest.raises(InputError, match="rebalance"):
        A.backtest(market, W6040, rebalance="weekly")
    with pytest.raises(InputError, match="CASH: no annual fee"):
        A.backtest(market, W6040, fees={"EQ": 0.01})
    holed = market.copy()
    holed.loc["1950-06-30", "CASH"] = np.nan
    with pytest.raises(InputError, match=r"CASH\.1950-06-30: missing return"):
        A.backtest(holed, W6040)


# ---------------------------------------------------------------- metrics

def test_metrics_against_hand_computation(market):
    r = market.loc["2000":"2018", "EQ"]
    rf = market.loc["2000":"2018", "CASH"]
    m = A.metrics(r, rf=rf)
    n = len(r)
    assert m["cagr"] == pytest.approx((1 + r).prod() ** (12 / n) - 1, rel=1e-10)
    assert m["volatility"] == pytest.approx(r.std(ddof=1) * np.sqrt(12), rel=1e-10)
    ex = r - rf
    assert m["sharpe"] == pytest.approx(ex.mean() / ex.std(ddof=1) * np.sqrt(12), rel=1e-10)
    assert m["sortino"] == pytest.approx(ex.mean() / np.sqrt((ex[ex < 0] ** 2).sum() / n) * np.sqrt(12), rel=1e-10)
    wealth = np.concatenate([[1.0], (1 + r).cumprod().to_numpy()])
    mdd = (wealth / np.maximum.accumulate(wealth) - 1).min()
    assert m["max_drawdown"] == pytest.approx(mdd, rel=1e-10)
    assert -0.55 < mdd < -0.45  # the 2007-09 bear market, as it should be
    assert m["calmar"] == pytest.approx(m["cagr"] / abs(mdd), rel=1e-10)
    years = (1 + r).groupby(r.index.year).prod() - 1
    assert m["best_year"] == pytest.approx(years.max()) and m["worst_year"] == pytest.approx(years[2008])
    assert m["worst_month"] == pytest.approx(r.min()) and m["best_month"] == pytest.approx(r.max())
    from scipy.stats import norm
    assert m["var_95"] == pytest.approx(norm.ppf(0.05, r.mean(), r.std()), rel=1e-10)
    assert m["cvar_95"] < m["var_95"] < 0
    assert list(m.index) == list(A.METRIC_KEYS)


def test_metrics_annual_rf_float_equals_its_monthly_series(market):
    r = market.loc["2010":"2018", "EQ"]
    monthly = pd.Series(1.02 ** (1 / 12) - 1, index=r.index)
    assert A.metrics(r, rf=0.02)["sharpe"] == pytest.approx(A.metrics(r, rf=monthly)["sharpe"])


@pytest.mark.slow  # a fresh process importing quantstats
def test_quantstats_leaves_matplotlib_rcparams_alone():
    code = r"""
import json, copy, matplotlib
import pandas as pd
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
from wealthlib.analytics import metrics
r = pd.Series([0.01, -0.02, 0.03, 0.01], index=pd.date_range("2020-01-31", periods=4, freq="ME"))
metrics(r)
import wealthlib.charts
after = {k: repr(v) for k, v in matplotlib.rcParams.items()}
print(json.dumps(sorted(k for k in before if before[k] != after.get(k))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


# ---------------------------------------------------------------- stress

def test_stress_worked_on_real_history(market):
    res = A.stress(market, W6040, value=1_000_000).set_index("scenario")
    gfc = res.loc["gfc_2008"]
    win = market.loc["2007-11":"2009-02"]
    expect = 0.6 * ((1 + win["EQ"]).prod() - 1) + 0.4 * ((1 + win["CASH"]).prod() - 1)
    assert gfc["covered"] and gfc["months"] == 16
    assert gfc["return"] == pytest.approx(expect) and gfc["pnl"] == pytest.approx(expect * 1e6)
    assert gfc["return_pct"] == pytest.approx(expect * 100)
    oct87 = market.loc["1987-10-31"]
    assert res.loc["crash_1987", "return"] == pytest.approx(0.6 * oct87["EQ"] + 0.4 * oct87["CASH"])
    assert res.loc["crash_1987", "return"] < -0.13
    # the data end in 2018: later scenarios are reported, not covered, with the products lacking data
    assert not res.loc["covid_2020", "covered"] and np.isnan(res.loc["covid_2020", "return"])
    assert res.loc["covid_2020", "missing"] == ("EQ", "CASH")
    assert list(res.index) == [s.id for s in A.scenarios()]


def test_stress_skips_or_proxies_a_product_without_history(market):
    w = {"EQ": 0.5, "NQ": 0.3, "CASH": 0.2}
    res = A.stress(market, w, scenarios=["crash_1987", "dotcom_2000"]).set_index("scenario")
    assert not res.loc["crash_1987", "covered"] and res.loc["crash_1987", "missing"] == ("NQ",)
    assert res.loc["dotcom_2000", "covered"]
    prox = A.stress(market, w, scenarios=["crash_1987"], proxies={"NQ": "EQ"}).set_index("scenario")
    oct87 = market.loc["1987-10-31"]
    assert prox.loc["crash_1987", "covered"] and prox.loc["crash_1987", "proxied"] == {"NQ": "EQ"}
    assert prox.loc["crash_1987", "return"] == pytest.approx(0.8 * oct87["EQ"] + 0.2 * oct87["CASH"])


def test_stress_names_per_locale_and_unknown_scenario(market):
    zh = A.stress(market, W6040, scenarios=["gfc_2008"], locale="zh-TW")
    assert zh["name"].iloc[0] == "2007–09 年全球金融海嘯"
    assert A.stress(market, W6040, scenarios=["gfc_2008"], locale="zh-CN")["name"].iloc[0].endswith("金融危机")
    with pytest.raises(InputError, match="unknown scenario"):
        A.stress(market, W6040, scenarios=["tulips_1637"])
    assert A.scenarios_version()


# ---------------------------------------------------------------- projection

def test_projection_worked_example_with_constant_returns():
    # 1% every month, 12,000 a year paid 1,000 at each month end: FV = V0 1.01^12 + 1000 sum_{k<12} 1.01^k
    r = pd.DataFrame({"A": [0.01] * 24}, index=pd.date_range("2000-01-31", periods=24, freq="ME"))
    fv = 100_000 * 1.01 ** 12 + 1000 * sum(1.01 ** k for k in range(12))
    for method in ("bootstrap", "normal"):
        p = A.project(r, {"A": 1.0}, 100_000, 2, contributions=12_000, method=method, n_paths=50, seed=3,
                      goals=[("easy", 100_000, 1), ("hard", fv + 1000, 1)])
        assert p.fan.loc[1].tolist() == pytest.approx([fv] * 5)
        assert p.probability("easy") == 1.0 and np.isnan(p.goals.loc["easy", "shortfall"])
        assert p.probability("hard") == 0.0 and p.goals.loc["hard", "shortfall"] == pytest.approx(1000)


def test_projection_in_real_terms_and_depletion():
    r = pd.DataFrame({"A": [0.01] * 24}, index=pd.date_range("2000-01-31", periods=24, freq="ME"))
    infl = pd.Series(0.01, index=r.index)
    p = A.project(r, {"A": 1.0}, 1000, 3, seed=1, n_paths=10, inflation=infl)
    assert p.fan.to_numpy() == pytest.approx(np.full((4, 5), 1000.0))
    assert p.assumptions["real_terms"]
    drained = A.project(r, {"A": 1.0}, 1000, 3, contributions=-12_000, seed=1, n_paths=10)
    assert (drained.paths[:, 1:] == 0).all()


def test_projection_is_seeded(market):
    args = (market[["EQ", "CASH"]], W6040, 1_000_000, 10)
    kw = dict(contributions=[50_000] * 5 + [-80_000] * 5, goals=[("house", 1_500_000, 5), ("retire", 1_200_000, 10)])
    a = A.project(*args, seed=7, **kw)
    b = A.project(*args, seed=7, **kw)
    c = A.project(*args, seed=8, **kw)
    assert np.array_equal(a.paths, b.paths) and a.fan.equals(b.fan) and a.goals.equals(b.goals)
    assert not np.array_equal(a.paths, c.paths)
    assert (a.fan.diff(axis=1).iloc[1:, 1:] >= 0).all().all()  # percentiles ordered
    assert 0 < a.probability("house") < 1
    miss = a.paths[:, 5] < 1_500_000
    assert a.goals.loc["house", "shortfall"] == pytest.approx(np.median(1_500_000 - a.paths[miss, 5]))
    n = A.project(*args, seed=7, method="normal", **kw)
    assert not np.array_equal(a.paths, n.paths)
    with pytest.raises(InputError, match="one amount per year"):
        A.project(*args, seed=1, contributions=[1, 2])
    with pytest.raises(TypeError):
        A.project(*args)  # no seed, no projection


def test_bootstrap_draws_consecutive_blocks(market):
    # one path, one year, block 12: the year's growth is the product of 12 consecutive (circular) months
    r = market.loc["1990":"2018", ["EQ"]]
    h = r["EQ"].to_numpy()
    windows = {round(float(np.prod(1 + np.take(h, range(s, s + 12), mode="wrap"))), 12) for s in range(len(h))}
    for seed in range(5):
        p = A.project(r, {"EQ": 1.0}, 1.0, 1, n_paths=1, block=12, seed=seed)
        assert round(float(p.paths[0, 1]), 12) in windows


# ---------------------------------------------------------------- risk contribution

def test_risk_contribution_sums_to_one_and_matches_hand_formula(market):
    r = market.loc["1999-02":, ["EQ", "NQ", "CASH"]]
    w = pd.Series({"EQ": 0.5, "NQ": 0.3, "CASH": 0.2})
    rc = A.risk_contribution(market, w)
    s = r.cov().to_numpy()
    x = w.to_numpy()
    assert rc.to_numpy() == pytest.approx(x * (s @ x) / (x @ s @ x))
    assert rc.sum() == pytest.approx(1.0) and rc["CASH"] < 0.01
