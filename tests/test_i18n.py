"""wealthlib.i18n: label look-up, number/percent/money/date formats, and the documents label catalog."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from wealthlib import i18n
from wealthlib.i18n import LOCALES, catalog, currency_name, fmt_date, fmt_money, fmt_number, fmt_pct, t


# ---- formats -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "amount, currency, locale, kw, expected",
    [
        (1234567, "TWD", "en", {}, "TWD 1,234,567"),
        (1234567, "TWD", "zh-TW", {}, "新臺幣 1,234,567 元"),
        (1234567, "CNY", "zh-CN", {}, "人民币 1,234,567 元"),
        (1234567, "USD", "en", {}, "USD 1,234,567"),
        (1234567, "USD", "zh-TW", {}, "美元 1,234,567 元"),
        (1234567, "TWD", "zh-TW", {"symbol": True}, "NT$1,234,567"),
        (1234567, "CNY", "zh-CN", {"symbol": True}, "¥1,234,567"),
        (1234567, "CNY", "en", {"symbol": True}, "CN¥1,234,567"),
        (1234567, "USD", "zh-CN", {"symbol": True}, "US$1,234,567"),
        (-1234567, "TWD", "en", {}, "TWD -1,234,567"),
        (-1234567, "TWD", "zh-TW", {}, "新臺幣 -1,234,567 元"),
        (-1234567, "USD", "en", {"symbol": True}, "-US$1,234,567"),
        (1234.5, "USD", "en", {"decimals": 2}, "USD 1,234.50"),
        (2.675, "USD", "en", {"decimals": 2}, "USD 2.68"),  # half-up on the digits as written
        (0.5, "TWD", "en", {}, "TWD 1"),
        (-0.4, "TWD", "en", {}, "TWD 0"),  # never "-0"
        (1000, "CHF", "zh-TW", {}, "CHF 1,000"),  # no Chinese name known: ISO code
        (float("nan"), "TWD", "zh-TW", {}, "—"),
        (None, "TWD", "en", {}, "—"),
    ],
)
def test_fmt_money(amount, currency, locale, kw, expected):
    assert fmt_money(amount, currency, locale, **kw) == expected


def test_fmt_money_accepts_numpy_and_decimal():
    np = pytest.importorskip("numpy")
    assert fmt_money(np.float64(1e6), "TWD", "en") == "TWD 1,000,000"
    assert fmt_money(np.int64(-5), "TWD", "en") == "TWD -5"
    assert fmt_money(np.nan, "TWD", "en") == "—"
    assert fmt_money(Decimal("10.005"), "USD", "en", 2) == "USD 10.01"


@pytest.mark.parametrize("bad", ["twd", "TW", "TWDX", "", None, "12$"])
def test_fmt_money_rejects_bad_currency(bad):
    with pytest.raises(ValueError, match="currency"):
        fmt_money(1, bad, "en")


def test_currency_name():
    assert currency_name("TWD", "zh-TW") == "新臺幣"
    assert currency_name("TWD", "zh-CN") == "新台币"
    assert currency_name("CNY", "zh-TW") == "人民幣"
    assert currency_name("USD", "en") == "USD"


@pytest.mark.parametrize(
    "x, decimals, expected",
    [(0.1234, 1, "12.3%"), (-0.05, 1, "-5.0%"), (0.02675, 2, "2.68%"), (1, 0, "100%"), (-0.00001, 1, "0.0%"),
     (float("nan"), 1, "—"), (None, 1, "—")],
)
def test_fmt_pct(x, decimals, expected):
    for loc in LOCALES:
        assert fmt_pct(x, loc, decimals) == expected


def test_fmt_pct_signed():
    assert fmt_pct(0.012, "en", signed=True) == "+1.2%"
    assert fmt_pct(-0.012, "en", signed=True) == "-1.2%"
    assert fmt_pct(0.0, "en", signed=True) == "0.0%"


@pytest.mark.parametrize(
    "x, decimals, expected",
    [(1234567.8, 0, "1,234,568"), (-1234.5, 1, "-1,234.5"), (0, 2, "0.00"), (999.995, 2, "1,000.00"),
     (float("nan"), 0, "—"), (float("inf"), 0, "∞"), (float("-inf"), 0, "-∞")],
)
def test_fmt_number(x, decimals, expected):
    assert fmt_number(x, "zh-TW", decimals) == expected


def test_fmt_number_bad_decimals():
    with pytest.raises(ValueError, match="decimals"):
        fmt_number(1, "en", -1)


def test_fmt_number_rejects_non_numbers():
    with pytest.raises(TypeError):
        fmt_number("12", "en")


@pytest.mark.parametrize(
    "d, locale, expected",
    [
        (dt.date(2018, 12, 31), "en", "31 Dec 2018"),
        (dt.date(2018, 12, 31), "zh-TW", "2018年12月31日"),
        (dt.date(2018, 12, 31), "zh-CN", "2018年12月31日"),
        (dt.date(2019, 1, 1), "en", "1 Jan 2019"),
        (dt.date(2019, 1, 1), "zh-TW", "2019年1月1日"),
        (dt.datetime(2018, 6, 30, 23, 59), "en", "30 Jun 2018"),
        ("2018-12-31", "en", "31 Dec 2018"),
        (None, "en", "—"),
    ],
)
def test_fmt_date(d, locale, expected):
    assert fmt_date(d, locale) == expected


def test_fmt_date_pandas():
    pd = pytest.importorskip("pandas")
    assert fmt_date(pd.Timestamp("2018-12-31"), "zh-CN") == "2018年12月31日"
    assert fmt_date(pd.NaT, "en") == "—"


def test_fmt_date_bad_string():
    with pytest.raises(ValueError, match="2018/12/31"):
        fmt_date("2018/12/31", "en")


@pytest.mark.parametrize("fn, args", [(fmt_number, (1,)), (fmt_pct, (0.1,)), (fmt_date, (dt.date(2020, 1, 1),))])
def test_formats_reject_unknown_locale(fn, args):
    with pytest.raises(ValueError, match="zh-HK"):
        fn(*args, "zh-HK")
    with pytest.raises(ValueError, match="fr"):
        fmt_money(1, "TWD", "fr")


def test_missing_is_em_dash():
    assert i18n.MISSING == "—"
    assert fmt_pct(math.nan, "en") == fmt_number(math.nan, "en") == fmt_money(math.nan, "USD", "en") == "—"
