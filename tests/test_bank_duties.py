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
    return {re.sub(r"<[^>]+>", "", k): v for k, v in cells}  # a label's （qualifier） is kept whole by a span


@pytest.fixture(scope="module")
def liu(sample_proposal):
    return sample_proposal("liu", BANK, as_of=AS_OF)


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


def test_a_client_without_property_has_no_loan_to_value_and_the_taiwanese_firm_no_credit_section(sample_proposal):
    """zhang: 156,000 a year → 13,000 a month; 55% → 7,150; less 1,000 → 6,150; no property pledged. The
    section is the bank's (its policy's documents list), not the Taiwanese firm's."""
    rows = _rows(sample_proposal("zhang", BANK, as_of=AS_OF).html(), "credit")
    assert rows["新增贷款月还款空间"] == "人民币 6,150 元"
    assert rows["抵押率（贷款价值比）"] == "无房产抵押"
    assert 'id="wl-credit"' not in sample_proposal("lin", PARAMS, as_of=AS_OF).html()


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
    from _html import tables

    rows = [tuple(r) for t in tables(body) for r in t[1:]]  # the header row left out
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
    assert table.loc["李娜", "新增贷款量"] == "人民币 2,600,000 元"  # the locale's one money form (issue 12 item 7)
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


# ------------------------------------------------------------------ above the grade: the CSRC's written warning
def _bank_with(tmp_path, cid, **changes):
    bank = tmp_path / "cn-bank"
    if not bank.exists():
        shutil.copytree(BANK, bank)
    path = bank / "clients" / f"{cid}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return bank


def _exception(product, **more):
    return {"product": product, "approved_by": "sup-sun", "date": "2018-12-20", "reason": "客户坚持持有", **more}


@pytest.mark.slow  # builds whole documents of its own
def test_a_fund_above_the_grade_is_kept_only_with_the_written_special_warning_printed(tmp_path):
    """wang (C4 成长型, up to R4) holds the oil fund (R5). 《证券期货投资者适当性管理办法》 Art 19: he may keep it at
    his insistence after a written special warning — printed with its date — and not without one."""
    from wealthlib.documents import build_proposal
    from wealthlib.errors import InputError

    bank = _bank_with(tmp_path, "wang", exceptions=[_exception("QDII-OIL-CNY", special_warning="2018-12-20")])
    printed = build_proposal("wang", params=bank, as_of=AS_OF, n_paths=200).section_html("suitability")
    text = re.sub(r"<[^>]+>", "", printed)  # as read: a cell's kept words are spans
    assert "特别风险警示：本基金风险等级 R5 高于与您风险承受能力相匹配的上限（R4）" in text
    assert "您已于 2018年12月20日 签署书面特别风险警示书" in text
    bank = _bank_with(tmp_path, "wang", exceptions=[_exception("QDII-OIL-CNY")])
    with pytest.raises(InputError) as e:
        build_proposal("wang", params=bank, as_of=AS_OF, n_paths=200)
    assert "wang.yaml: exceptions[0].special_warning:" in str(e.value)


def test_never_for_the_lowest_class_and_never_a_bank_wealth_product(tmp_path):
    """zhang is C1 (R1 only): a fund above her grade is refused even with the warning signed; a bank wealth
    product above the grade is refused for anyone (金融机构产品适当性管理办法 Art 12)."""
    from wealthlib.documents import build_proposal
    from wealthlib.errors import InputError

    holdings = {"WM-USD-CASH": {"amount": 20000}, "QDII-BOND-CNY": {"amount": 10000}, "WM-USD-CREDIT": {"amount": 5000}}
    bank = _bank_with(tmp_path, "zhang", holdings=holdings,
                      exceptions=[_exception("QDII-BOND-CNY", special_warning="2018-12-20")])
    with pytest.raises(InputError, match=r"zhang.yaml: exceptions\[0\]: .*lowest class"):
        build_proposal("zhang", params=bank, as_of=AS_OF, n_paths=200)
    bank = _bank_with(tmp_path, "zhang", holdings=holdings,
                      exceptions=[_exception("WM-USD-CREDIT", special_warning="2018-12-20")])
    with pytest.raises(InputError, match=r"zhang.yaml: exceptions\[0\]: WM-USD-CREDIT .*only products of fund"):
        build_proposal("zhang", params=bank, as_of=AS_OF, n_paths=200)


# ------------------------------------------------------------------ reassessment, the elderly second review
@pytest.mark.slow  # builds whole documents of its own
def test_a_change_reported_after_the_assessment_refuses_a_new_proposal_at_the_bank(tmp_path):
    """NFRA 2025 Art 29 (policy kyc.reassess_on_reported_change): liu's assessment is of 2018-09-05; a change
    reported on 2018-11-01 refuses the proposal naming the file and field; one reported before the assessment
    does not."""
    from wealthlib.context import KycExpired
    from wealthlib.documents import build_proposal

    kyc = yaml.safe_load((BANK / "clients" / "liu.yaml").read_text(encoding="utf-8"))["kyc"]
    bank = _bank_with(tmp_path, "liu", kyc={**kyc, "reported_change": "2018-11-01"})
    with pytest.raises(KycExpired, match=r"liu.yaml: kyc.reported_change: .*reassess the client"):
        build_proposal("liu", params=bank, as_of=AS_OF, n_paths=200)
    bank = _bank_with(tmp_path, "liu", kyc={**kyc, "reported_change": "2018-08-01"})
    assert build_proposal("liu", params=bank, as_of=AS_OF, n_paths=200).client_id == "liu"


@pytest.mark.slow  # builds whole documents of its own (two)
def test_the_taiwanese_elderly_second_review_prints_as_the_client_file_records_it(tmp_path):
    """chen (68) buys the Baa bond (RR3); with the policy's elderly review from RR3 (conduct.elderly.review_grade:
    3 in a copy) the review is pending until the client file records it (sale.second_review_by / _on), then
    printed with the reviewer's name and date."""
    from wealthlib.documents import build_proposal

    params = tmp_path / "params"
    shutil.copytree(PARAMS, params, ignore=shutil.ignore_patterns("cn-bank"))
    pol = params / "policy.yaml"
    pol.write_text(pol.read_text(encoding="utf-8").replace("    review_grade: 4", "    review_grade: 3"),
                   encoding="utf-8")
    body = build_proposal("chen", params=params, as_of=AS_OF, n_paths=200).section_html("suitability")
    assert "經第二人覆核之申購" in body and "覆核待完成：覆核完成前，不辦理申購。" in body
    path = params / "clients" / "chen.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sale"] = {"second_review_by": "sup-wu", "second_review_on": "2018-12-28"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    body = build_proposal("chen", params=params, as_of=AS_OF, n_paths=200).section_html("suitability")
    assert "已由 吳建宏 於 2018年12月28日 覆核" in body and "覆核待完成" not in body
