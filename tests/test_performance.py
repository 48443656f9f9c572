"""wealthlib.analytics.performance: TWR and MWR from valuations and transactions, against worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wealthlib.analytics import performance, xirr
from wealthlib.errors import InputError

D = pd.Timestamp


def _flows(*rows):
    return pd.DataFrame(rows, columns=["date", "amount", "kind"])


def test_classic_example_twr_positive_mwr_negative():
    # invest 100; +10% to 110; the client adds 1000 (value 1110); then -5% -> 1054.5.
    # TWR = 1.10 * 0.95 - 1 = +4.5%. MWR: -100 (1+r)^2 - 1000 (1+r) + 1054.5 = 0 (years of 365 days, 2021-2022
    # are not leap years), so 1+r = (-1000 + sqrt(1000^2 + 4 * 100 * 1054.5)) / 200, below 1.
    vals = pd.Series({D("2021-01-01"): 100.0, D("2022-01-01"): 1110.0, D("2023-01-01"): 1054.5})
    perf = performance(vals, _flows((D("2022-01-01"), 1000.0, "contribution")), "2021-01-01", "2023-01-01")
    assert perf.twr == pytest.approx(1.10 * 0.95 - 1)
    x = (-1000 + math.sqrt(1000**2 + 4 * 100 * 1054.5)) / 200
    assert perf.mwr_annualized == pytest.approx(x - 1, abs=1e-10)
    assert perf.mwr == pytest.approx(x**2 - 1, abs=1e-10)
    assert perf.twr > 0 > perf.mwr
    assert perf.twr_annualized == pytest.approx(math.sqrt(1.045) - 1)
    assert perf.contributions == 1000 and perf.withdrawals == 0
    assert perf.market_gain == pytest.approx(1054.5 - 100 - 1000)
    assert perf.subperiods["return"].tolist() == pytest.approx([0.10, -0.05])


def test_since_inception_counts_the_first_deposit_as_a_contribution():
    vals = pd.Series({D("2021-01-01"): 100.0, D("2022-01-01"): 1110.0, D("2023-01-01"): 1054.5})
    flows = _flows((D("2021-01-01"), 100.0, "contribution"), (D("2022-01-01"), 1000.0, "contribution"))
    perf = performance(vals, flows, "2020-12-31", "2023-01-01")
    assert perf.opening_value == 0 and perf.contributions == 1100
    assert perf.market_gain == pytest.approx(-45.5)
    assert perf.twr == pytest.approx(0.045)
    assert perf.mwr < 0


def test_full_exit_then_nothing_invested():
    # +20% in 2021, everything withdrawn on 2022-01-01; the account stays empty until the period ends.
    vals = pd.Series({D("2021-01-01"): 100.0, D("2022-01-01"): 0.0, D("2022-07-01"): 0.0})
    perf = performance(vals, _flows((D("2022-01-01"), 120.0, "withdrawal")), "2021-01-01", "2022-07-01")
    assert perf.twr == pytest.approx(0.20)
    assert perf.withdrawals == 120 and perf.closing_value == 0
    assert perf.market_gain == pytest.approx(20)
    # IRR: -100 then +120 after 365 days -> 20% a year; over the 546-day period: 1.2^(546/365) - 1
    assert perf.mwr_annualized == pytest.approx(0.20, abs=1e-10)
    assert perf.mwr == pytest.approx(1.2 ** (546 / 365) - 1, abs=1e-10)
    assert np.isnan(perf.subperiods["return"].iloc[-1])  # nothing invested: no return, not 0%


def test_large_flow_does_not_distort_twr():
    # 1,000 grows 1%, a 1,000,000 deposit lands, then 1% again: TWR = 1.01^2 - 1 whatever the deposit size
    vals = pd.Series({D("2024-01-31"): 1000.0, D("2024-02-29"): 1_001_010.0, D("2024-03-31"): 1_011_020.1})
    perf = performance(vals, _flows((D("2024-02-29"), 1_000_000.0, "contribution")), "2024-01-31", "2024-03-31")
    assert perf.twr == pytest.approx(1.01**2 - 1)
    assert perf.twr_annualized is None and perf.mwr_annualized is None  # under a year: not annualized (GIPS)


def test_income_and_fees_are_reported_not_external():
    # quarter: 100 -> 103 with 2 of coupons received and 1 of fees charged inside the account
    vals = pd.Series({D("2024-03-31"): 100.0, D("2024-06-30"): 103.0})
    flows = _flows((D("2024-05-15"), 2.0, "income"), (D("2024-06-30"), 1.0, "fee"),
                   (D("2023-12-31"), 50.0, "contribution"))  # before the period: ignored
    perf = performance(vals, flows, "2024-03-31", "2024-06-30")
    assert (perf.income, perf.fees, perf.contributions) == (2.0, 1.0, 0.0)
    assert perf.twr == pytest.approx(0.03) and perf.mwr == pytest.approx(0.03, abs=1e-10)
    # the table reconciles with income and fees on their own lines: 100 + 2 − 1 + market gain = 103
    assert perf.market_gain == pytest.approx(2.0)
    assert perf.investment_gain == pytest.approx(3.0)


def test_same_day_flows_net_and_withdrawal_sign():
    vals = pd.Series({D("2024-01-31"): 100.0, D("2024-02-29"): 130.0, D("2024-03-31"): 143.0})
    flows = _flows((D("2024-02-29"), 50.0, "contribution"), (D("2024-02-29"), 30.0, "withdrawal"))
    perf = performance(vals, flows, "2024-01-31", "2024-03-31")
    # Feb: (130 - 20) / 100 - 1 = 10%; Mar: 143 / 130 - 1 = 10%
    assert perf.subperiods["return"].tolist() == pytest.approx([0.10, 0.10])
    assert perf.twr == pytest.approx(0.21)


def test_xirr_simple_cases():
    assert xirr([D("2021-01-01"), D("2022-01-01")], [-1000, 1100]) == pytest.approx(0.10)
    assert xirr([D("2021-01-01"), D("2023-01-01")], [-100, 121]) == pytest.approx(0.10)
    assert math.isnan(xirr([D("2021-01-01"), D("2022-01-01")], [100, 100]))


def test_labels_are_always_explicit():
    vals = pd.Series({D("2021-01-01"): 100.0, D("2022-01-01"): 1110.0, D("2023-01-01"): 1054.5})
    perf = performance(vals, _flows((D("2022-01-01"), 1000.0, "contribution")), "2021-01-01", "2023-01-01")
    en = perf.summary("en")
    assert en["Time-weighted return (TWR)"] == pytest.approx(0.045)
    assert en["Money-weighted return (MWR/IRR)"] < 0
    tw = perf.summary("zh-TW")
    assert any("時間加權" in k for k in tw.index) and any("金額加權" in k for k in tw.index)
    assert any("资金加权" in k for k in perf.summary("zh-CN").index)


def test_errors_name_the_date_or_row():
    vals = pd.Series({D("2024-01-31"): 100.0, D("2024-03-31"): 120.0})
    with pytest.raises(InputError, match="2024-02-15: no valuation on this flow date"):
        performance(vals, _flows((D("2024-02-15"), 10.0, "contribution")), "2024-01-31", "2024-03-31")
    with pytest.raises(InputError, match=r"0\.amount: amount -10.0 must be positive"):
        performance(vals, _flows((D("2024-03-31"), -10.0, "withdrawal")), "2024-01-31", "2024-03-31")
    with pytest.raises(InputError, match="unknown kind 'gift'"):
        performance(vals, _flows((D("2024-03-31"), 10.0, "gift")), "2024-01-31", "2024-03-31")
    with pytest.raises(InputError, match="no valuation on the end date"):
        performance(vals, None, "2024-01-31", "2024-02-29")
