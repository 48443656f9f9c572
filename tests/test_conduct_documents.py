"""What Taiwan's client-protection rules print in a proposal (policy `conduct:`, texts in
wealthlib/data/disclosures/conduct.yaml): read back from the sections' HTML. Expected texts come from the data
files, expected rates from products.yaml and policy.yaml by hand."""

from __future__ import annotations

import html as _html
import re

import pytest
import yaml

from _paths import PARAMS

TEXTS = yaml.safe_load((PARAMS.parent / "wealthlib" / "data" / "disclosures" / "conduct.yaml")
                       .read_text(encoding="utf-8"))["jurisdictions"]["TW"]


def text(h: str) -> str:
    return re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", " ", h)))


def rows(h: str) -> list[list[str]]:
    """Every table row of a section, cells as printed (the house reader: markup inside a cell adds nothing)."""
    from _html import tables

    return [r for t in tables(h) for r in t]


@pytest.fixture(scope="module")
def chen(sample_proposal):
    return sample_proposal("chen", PARAMS, as_of="2018-12-31")  # 68, 高資產客戶, non-pro


@pytest.fixture(scope="module")
def morgan(sample_proposal):
    return sample_proposal("morgan", PARAMS, as_of="2018-12-31")  # professional investor


def test_professional_investor_carries_status_exclusion_statement_and_acknowledgement(morgan):
    kyc = text(morgan.section_html("kyc"))
    pt = TEXTS["professional_investor"]
    assert pt["status"]["en"] in kyc
    assert pt["statement"]["en"] in kyc  # the Act's duties and the 評議中心 route do not apply
    assert pt["acknowledgement"]["en"] in kyc and "Client signature" in kyc
    assert "acknowledgement signed on 10 Jan 2018" in kyc  # morgan.yaml professional.acknowledged
    assert pt["complaints"]["en"] in text(morgan.section_html("complaints"))


def test_non_professional_status_high_asset_flag_and_gates(chen):
    kyc = text(chen.section_html("kyc"))
    assert TEXTS["professional_investor"]["not_professional"]["zh-TW"] in kyc
    assert "高資產客戶 是" in kyc  # chen.yaml flags.high_net_worth: true
    assert "一頁式推介同意書已於 2018年3月20日 簽署" in kyc  # foreign_securities.consent
    assert TEXTS["professional_investor"]["statement"]["zh-TW"] not in kyc


def test_fund_proposal_carries_the_fund_warning(chen):
    pd_ = text(chen.section_html("product_disclosures"))
    assert "本基金經金融監督管理委員會核准或同意生效，惟不表示本基金絕無風險" in pd_
    assert TEXTS["fund_warning"]["text"]["zh-TW"] in pd_
    for code in chen.weights:  # every proposed product is a fund type here (money market, bond funds)
        assert f"({code})" in pd_.split("適用基金：")[1]


def test_fund_proposal_carries_the_distribution_fee_table_with_the_clients_signature(chen):
    h = chen.section_html("costs")
    assert "通路報酬揭露" in text(h)
    table = {r[1]: r for r in rows(h) if len(r) == 9 and r[1] in chen.weights}
    # products.yaml CORP-BAA10: subscription 1.5%, kept 100%, management-fee share 0.20%, bonus 0.10%
    baa = table["CORP-BAA10"]
    assert baa[2:4] == ["1.50%", "100%"] and baa[4].startswith("0.20%") and baa[5].startswith("0.10%")
    assert baa[6] == "否" and baa[7] == "0.30%"  # 0.20% + 0.10%, under the 0.50% cap
    assert table["USD-MMF"][7] == "0.05%" and table["CORP-AAA5"][7] == "0.15%"
    t = text(h)
    assert TEXTS["distribution_fees"]["signature"]["zh-TW"] in t and "非專業投資人每年不得超過 0.50%" in t
    assert "客戶簽名" in t.rsplit("通路報酬揭露", 1)[1]  # the signature line follows the table


def test_costs_table_carries_the_advisory_fee_per_product_and_in_total(chen):
    adv = chen.sections["costs"].data["advisory"]
    assert adv["advisory_rate"] == pytest.approx(0.004)  # policy.yaml fees.advisory.by_tier.private
    for line in adv["lines"]:
        assert line["advisory_fee"] == pytest.approx(line["weight"] * chen.amount * 0.004)
    assert adv["advisory_fee"] == pytest.approx(0.004 * chen.amount)
    total = [r for r in rows(chen.section_html("costs")) if r and r[0] == "合計" and len(r) == 9][0]
    assert total[5] == "0.40%"
    # yearly costs = product fees + advisory fee; the cumulative effect after one year by hand
    r, c, v, one = adv["expected_return"], adv["annual_rate"], chen.amount, adv["one_off"]
    first = adv["cumulative"][0]
    assert first["year"] == 1 and first["net"] == pytest.approx((v - one) * (1 + r - c))
    assert first["gross"] == pytest.approx(v * (1 + r))


def test_holdings_above_the_ceiling_are_listed_with_their_decision(chen):
    h = chen.section_html("suitability")
    # chen.yaml holds US-TSM (RR4) and NASDAQ (RR5) above her RR3 ceiling; no exception is recorded: both sold
    decided = {r[1]: r for r in rows(h) if len(r) == 6 and r[1] != "代號"}  # the header row left out
    assert set(decided) == {"US-TSM", "NASDAQ"}
    assert all(r[5].startswith("本建議書中全數賣出") for r in decided.values())


def test_elderly_client_gets_a_reason_per_product_and_the_review_step(chen):
    el = chen.sections["suitability"].data["elderly"]
    assert el is not None and el["intro"] == TEXTS["elderly"]["intro"]["zh-TW"].format(age=65, grade="RR4")
    assert len(el["reasons"]) == len(chen.weights)
    for code in chen.weights:
        assert any(f"({code})" in x for x in el["reasons"])
    assert el["review_codes"] == []  # nothing graded RR4 or above is bought (ceiling RR3)
    assert TEXTS["elderly"]["review_none"]["zh-TW"] in text(chen.section_html("suitability"))


def test_a_holding_kept_under_a_recorded_exception_names_its_approver(chen_kept_nasdaq):
    p = chen_kept_nasdaq
    assert "NASDAQ" not in p.weights  # kept outside the allocation
    decided = {r[1]: r for r in rows(p.section_html("suitability")) if len(r) == 6 and r[1] != "代號"}
    assert decided["US-TSM"][5].startswith("本建議書中全數賣出")
    kept = decided["NASDAQ"][5]
    assert kept.startswith("依例外處理保留於本建議配置之外") and "核准人 吳建宏" in kept  # advisors.yaml: sup-wu
    assert "2018年11月5日" in kept and "客戶聲明自行承擔風險並保留部位" in kept and "sup-wu" not in kept
