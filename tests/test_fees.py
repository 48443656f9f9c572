"""Fees of a proposal (wealthlib.fees): product fees, the firm's advisory fee, 通路報酬, cumulative effect —
expected values computed by hand from the shipped shelf and policy."""

from __future__ import annotations

import pytest

from _paths import PARAMS
from wealthlib.fees import fee_schedule, over_cap
from wealthlib.policy import load_policy
from wealthlib.products import load_shelf

POLICY = load_policy(PARAMS / "policy.yaml")
SHELF = load_shelf(PARAMS / "products.yaml", POLICY)


def _schedule(tier="private", trades=None, years=(1, 10)):
    # 1,000,000 in CORP-AAA10 (fee 0.40%, subscription 1.0%, share 0.15%) and US-TSM (0.20%, 1.5%, 0.08%)
    return fee_schedule(SHELF, POLICY, tier, 1_000_000.0, {"CORP-AAA10": 0.6, "US-TSM": 0.4},
                        trades if trades is not None else {"CORP-AAA10": 600_000.0, "US-TSM": 400_000.0},
                        0.05, list(years))


def test_product_advisory_and_distribution_fees_by_hand():
    s = _schedule()
    assert s.product_fee == pytest.approx(600_000 * 0.004 + 400_000 * 0.002)   # 3,200 a year
    assert s.advisory_rate == 0.004 and s.advisory_fee == pytest.approx(4_000)  # private tier
    assert s.annual_rate == pytest.approx(0.0032 + 0.004)
    assert s.subscription_fee == pytest.approx(600_000 * 0.01 + 400_000 * 0.015)  # 12,000 one-off
    assert s.trading_cost == pytest.approx(1_000_000 * 0.002)
    assert s.one_off == pytest.approx(14_000)
    shares = {x.code: x.management_share for x in s.lines}
    assert shares == pytest.approx({"CORP-AAA10": 900.0, "US-TSM": 320.0})
    assert s.firm_receives_yearly == pytest.approx(4_000 + 1_220)
    assert s.firm_receives_one_off == pytest.approx(12_000)  # the firm keeps the whole subscription fee


def test_tiers_and_default_advisory_rate():
    assert _schedule("mass").advisory_rate == 0.008
    assert _schedule("unknown-tier").advisory_rate == 0.006


def test_cumulative_effect_of_costs():
    s = _schedule()
    y1, y10 = s.cumulative
    assert y1["gross"] == pytest.approx(1_050_000)
    assert y1["net"] == pytest.approx(986_000 * 1.0428)        # (V − one-off)(1 + r − c)
    assert y1["reduction"] == pytest.approx(1_050_000 - 1_028_200.8)
    assert y10["net"] == pytest.approx(986_000 * 1.0428 ** 10)
    assert y10["reduction_pct"] == pytest.approx(1 - 986_000 * 1.0428 ** 10 / (1_000_000 * 1.05 ** 10))


def test_nothing_bought_means_no_subscription_fee_or_bonus():
    s = _schedule(trades={})
    assert s.subscription_fee == 0 and s.firm_receives_one_off == 0 and s.one_off == 0


def test_annualized_rate_received_and_the_cap():
    s = fee_schedule(SHELF, POLICY, "mass", 100.0, {"OIL-WTI": 0.5, "NASDAQ": 0.5}, {}, 0.05, [1])
    rates = {x.code: x.received_rate for x in s.lines}
    assert rates == pytest.approx({"OIL-WTI": 0.003 + 0.002, "NASDAQ": 0.0012 + 0.0015})
    assert over_cap(s, 0.005, {"OIL-WTI", "NASDAQ"}) == []       # 0.50% is at the cap, not above it
    assert over_cap(s, 0.004, {"OIL-WTI", "NASDAQ"}) == ["OIL-WTI"]
    assert over_cap(s, 0.004, {"NASDAQ"}) == []                   # a domestic product is not capped


def test_a_share_above_the_products_own_fee_is_refused(tmp_path):
    import yaml

    from wealthlib.errors import WealthError

    raw = yaml.safe_load((PARAMS / "products.yaml").read_text(encoding="utf-8"))
    raw["products"][0]["distribution"]["management_fee_share"] = 0.01  # USD-MMF's own fee is 0.20%
    (tmp_path / "products.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WealthError, match="products.0: distribution.management_fee_share cannot exceed annual_fee"):
        load_shelf(tmp_path / "products.yaml", POLICY)
