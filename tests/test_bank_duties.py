"""The bank's other duties (issue 16 item 5): credit support in the proposal, the follow-up visit (回访) plan and
its record, the advisor measures of the book report; and the conduct steps of a sale (a written special warning
for funds under the CSRC rules, reassessment after a reported change).

Expected values are computed by hand from the sample client files and the bank's policy (the debt-service
ceiling 55% of 银监发〔2004〕57号 Art 19), and read back from the rendered HTML.
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from _paths import BANK, PARAMS

AS_OF = "2018-12-31"


def _rows(html: str, section_id: str) -> dict[str, str]:
    """The label → value rows of a section's table, as printed."""
    body = html.split(f'id="wl-{section_id}"', 1)[1].split("<h2", 1)[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td[^>]*>(.*?)</td></tr>", body)
    return {k: v for k, v in cells}


@pytest.fixture(scope="module")
def liu():
    from wealthlib.documents import build_proposal

    return build_proposal("liu", params=BANK, as_of=AS_OF, n_paths=200)


def test_the_credit_section_shows_the_debt_capacity_computed_by_hand(liu):
    """liu: income 1,500,000 a year → 125,000 a month; the ceiling 55% → 68,750; existing repayments 43,333
    (520,000 / 12, rounded, as the credit file records them) → room 25,417; loans 2,500,000 on a property of
    9,000,000 → loan-to-value 27.8%."""
    rows = _rows(liu.html(), "credit")
    assert rows["月收入"] == "人民币 125,000 元"
    assert rows["月还款上限（收入的 55%）"] == "人民币 68,750 元"
    assert rows["现有月还款额"] == "人民币 43,333 元"
    assert rows["新增贷款月还款空间"] == "人民币 25,417 元"
    assert rows["抵押率（贷款价值比）"] == "27.8%"


def test_a_client_without_property_has_no_loan_to_value_and_the_taiwanese_firm_no_credit_section():
    """zhang: 156,000 a year → 13,000 a month; 55% → 7,150; less 1,000 → 6,150; no property pledged. The
    section is the bank's (its policy's documents list), not the Taiwanese firm's."""
    from wealthlib.documents import build_proposal

    rows = _rows(build_proposal("zhang", params=BANK, as_of=AS_OF, n_paths=200).html(), "credit")
    assert rows["新增贷款月还款空间"] == "人民币 6,150 元"
    assert rows["抵押率（贷款价值比）"] == "无房产抵押"
    assert 'id="wl-credit"' not in build_proposal("lin", params=PARAMS, as_of=AS_OF, n_paths=200).html()


def test_a_bank_client_file_without_its_credit_block_is_refused_naming_file_and_field(tmp_path):
    from wealthlib.documents import build_proposal
    from wealthlib.errors import InputError

    bank = tmp_path / "cn-bank"
    shutil.copytree(BANK, bank)
    path = bank / "clients" / "liu.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["credit"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as e:
        build_proposal("liu", params=bank, as_of=AS_OF, n_paths=200)
    assert "liu.yaml: credit:" in str(e.value) and "monthly_repayments" in str(e.value)


def test_the_proposal_prints_the_follow_up_plan_from_the_policy(liu):
    """The bank's policy plans two visits (follow_up.visits): 3 days after the sale by the customer service
    centre, 30 days after by the relationship manager."""
    body = liu.section_html("follow_up")
    assert "销售后回访安排" in body
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>", body)
    assert rows == [("成交后 3 日内", "本行客户服务中心", "电话回访"),
                    ("成交后 30 日内", "客户的理财经理", "支行面谈或电话")]


def test_the_book_shows_the_seeds_advisor_measures_from_the_client_files():
    """2018 (period 2018-01-01 to 2018-12-31), counted by hand from the contact logs and transactions:
    adv-li (liu, zhang) — visits rated 4 and 3 → 1 of 2 satisfied (≥ 4 of 5) = 50%; buys 900,000 (liu,
    2018-03-10); loans introduced 2,000,000 (liu) + 600,000 (zhang) = 2,600,000.
    adv-zhou (wang) — visits rated 5 and 5 → 100%; buys 70,000 (2018-05-20); no loan."""
    from wealthlib.book import build_book

    b = build_book(params=BANK, as_of=AS_OF)
    m = b.advisor_measures.set_index("advisor")
    assert m.loc["adv-li", "follow_ups"] == 2 and m.loc["adv-li", "satisfaction"] == 0.5
    assert m.loc["adv-zhou", "satisfaction"] == 1.0
    assert m.loc["adv-li", "sales_CNY"] == 900000 and m.loc["adv-zhou", "sales_CNY"] == 70000
    assert m.loc["adv-li", "loans_CNY"] == 2600000 and m.loc["adv-zhou", "loans_CNY"] == 0
    table = b.table("advisor_measures", "zh-CN").set_index("理财经理")
    assert table.loc["李娜", "满意度（评分 4 分及以上，满分 5）"] == "50%"
    assert table.loc["李娜", "新增贷款量"] == "¥2,600,000"
    # the Taiwanese firm plans no visits and introduces no loans: satisfaction not available, no loan column
    tw = build_book(params=PARAMS, as_of=AS_OF).table("advisor_measures", "en")
    assert set(tw["Client satisfaction"]) == {"Not available"}
    assert not any("Loans" in c for c in tw.columns)


def test_a_complex_complaint_has_the_banks_30_days_a_simple_one_15():
    """《银行业保险业消费投诉处理管理办法》 Art 18 (policy complaints): wang's complex complaint of 2018-12-08 is
    due 2019-01-07 (30 days), not overdue on 2018-12-31 although 23 days old; liu's simple one of 2018-12-10 was
    due 2018-12-25 (15 days)."""
    from datetime import date

    from wealthlib.book import build_book

    c = build_book(params=BANK, as_of=AS_OF).complaints.set_index("client")
    assert c.loc["wang", "age_days"] == 23 and c.loc["wang", "answer_due"] == date(2019, 1, 7)
    assert not bool(c.loc["wang", "overdue"])
    assert c.loc["liu", "answer_due"] == date(2018, 12, 25) and bool(c.loc["liu", "overdue"])


def test_satisfaction_on_a_plain_contact_is_refused_naming_the_field():
    from wealthlib.clients import Contact

    with pytest.raises(ValueError, match="follow-up visit only"):
        Contact.model_validate({"date": "2018-01-02", "channel": "phone", "note": "x", "satisfaction": 4})
    with pytest.raises(ValueError, match="records its amount"):
        Contact.model_validate({"date": "2018-01-02", "channel": "phone", "note": "x", "kind": "loan_introduced"})
