"""wealthlib.i18n: label look-up, number/percent/money/date formats, and the documents label catalog."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from _paths import PARAMS
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
        (1234567, "USD", "zh-TW", {}, "1,234,567 美元"),  # 美元 is itself the unit: not "美元 … 元"
        (1234567, "TWD", "zh-CN", {}, "新台币 1,234,567 元"),
        # one form per locale: the old compact flag changes nothing (no NT$, ¥, US$ in any document)
        (1234567, "TWD", "zh-TW", {"symbol": True}, "新臺幣 1,234,567 元"),
        (1234567, "CNY", "zh-CN", {"symbol": True}, "人民币 1,234,567 元"),
        (1234567, "CNY", "en", {"symbol": True}, "CNY 1,234,567"),
        (1234567, "USD", "zh-CN", {"symbol": True}, "1,234,567 美元"),
        (-1234567, "TWD", "en", {}, "TWD -1,234,567"),
        (-1234567, "TWD", "zh-TW", {}, "新臺幣 -1,234,567 元"),
        (-1234567, "USD", "en", {"symbol": True}, "USD -1,234,567"),
        (-1234, "USD", "zh-CN", {}, "-1,234 美元"),
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


# ---- the documents label catalog --------------------------------------------------------------------------

import re
import string

DOCS = catalog("documents")
PREFIXES = ("proposal_", "review_", "book_", "draft_", "field_", "household_", "ratio_", "metric_", "period_",
            "col_", "term_", "asset_", "type_", "audit_",
            # proposal sentences, grouped by the section that prints them
            "goal_", "asm_", "objective_", "hh_", "cost_", "rationale_", "proj_", "expected_", "bt_", "ovr_",
            "alloc_", "stress_", "rebalance_", "letter_", "credit_", "follow_up_",
            # the relationship report's client tiers
            "tier_",
            # currencies: FX notes, currency risk, each currency's CPI name
            "fx_", "care_")

# Traditional → Simplified pairs whose two forms are never interchangeable: a zh-TW text must not contain the
# simplified form and a zh-CN text must not contain the traditional one.
_TRAD = (
    "資產險議書檢報價債費歷壓場務戶與額權類際標幣現貨來單說時間動錄會談項紀關審計進數據預擔損負齡長開號確認簽員顧問點總變"
    "績歸條設達測則規匯賠詳閱讀應該過約結構為們個買賣話當對將這還無級擇積極穩謹機處銀證監線專業調撥轉讓錢實種於聯齊覽層屬狀態滿區圖"
)
_SIMP = (
    "资产险议书检报价债费历压场务户与额权类际标币现货来单说时间动录会谈项纪关审计进数据预担损负龄长开号确认签员顾问点总变"
    "绩归条设达测则规汇赔详阅读应该过约结构为们个买卖话当对将这还无级择积极稳谨机处银证监线专业调拨转让钱实种于联齐览层属状态满区图"
)
PAIRS = dict(zip(_TRAD, _SIMP))


def test_pairs_table_is_well_formed():
    assert len(PAIRS) > 100
    assert len(_TRAD) == len(_SIMP) == len(set(_TRAD))
    assert all(a != b for a, b in PAIRS.items())


def test_every_key_has_three_nonempty_locales():
    assert len(DOCS) > 150
    for key, entry in DOCS.items():
        assert set(entry) == set(LOCALES), f"{key}: locales {sorted(entry)}"
        for loc in LOCALES:
            text = entry[loc]
            assert isinstance(text, str) and text.strip(), f"{key}.{loc} is empty"
            assert text == text.strip(), f"{key}.{loc} has surrounding whitespace"


def test_keys_are_snake_case_and_grouped_by_prefix():
    for key in DOCS:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", key), key
        assert key.startswith(PREFIXES), f"{key}: not one of the prefixes {PREFIXES}"


def test_placeholders_match_across_locales():
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)
    for key, entry in DOCS.items():
        assert fields(entry["zh-TW"]) == fields(entry["en"]) == fields(entry["zh-CN"]), key


def test_scripts_traditional_vs_simplified():
    simplified = {b for a, b in PAIRS.items() if a != b}
    traditional = {a for a, b in PAIRS.items() if a != b}
    for key, entry in DOCS.items():
        tw, cn = entry["zh-TW"], entry["zh-CN"]
        assert not (set(tw) & simplified), f"{key}: zh-TW uses simplified {sorted(set(tw) & simplified)}: {tw}"
        assert not (set(cn) & traditional), f"{key}: zh-CN uses traditional {sorted(set(cn) & traditional)}: {cn}"
        if set(tw) & traditional:
            assert tw != cn, f"{key}: zh-CN is a copy of zh-TW: {tw}"
        untranslated = re.search(r"[A-Za-z]{4,}", re.sub(r"\{\w+\}", "", tw + cn))
        assert not untranslated, f"{key}: English left in a Chinese text: {tw} / {cn}"


@pytest.mark.parametrize(
    "key, tw, cn",
    [
        ("proposal_title", "資產配置建議書", "资产配置建议书"),
        ("review_title", "季度檢視報告", "季度回顾报告"),
        ("field_risk_class", "投資屬性", "风险承受能力等级"),
        ("field_tolerance", "風險承受度", "风险承受意愿"),
        ("proposal_product_disclosures", "商品風險揭露", "产品风险揭示"),
        ("proposal_complaints", "申訴管道", "投诉渠道"),
        ("proposal_household", "家庭資產負債", "家庭资产负债"),
        ("asset_bond", "債券", "债券"),
        ("type_money_market", "貨幣市場基金", "货币市场基金"),
    ],
)
def test_spot_check_terms(key, tw, cn):
    assert tw in DOCS[key]["zh-TW"]
    assert cn in DOCS[key]["zh-CN"]


SPOT_KEYS = [k for k in DOCS if any(c in DOCS[k]["zh-TW"] for c in "資產險議書檢報")]


def test_spot_check_keys_with_differing_characters():
    assert len(SPOT_KEYS) > 30
    for key in SPOT_KEYS:
        assert DOCS[key]["zh-TW"] != DOCS[key]["zh-CN"], key


PROPOSAL_SECTIONS = [
    "proposal_client_advisor", "proposal_kyc_summary", "proposal_household", "proposal_key_ratios", "proposal_goals",
    "proposal_allocation", "proposal_trades", "proposal_suitability", "proposal_expected", "proposal_backtest",
    "proposal_stress", "proposal_projection", "proposal_costs", "proposal_product_disclosures",
    "proposal_general_disclosures", "proposal_complaints", "proposal_acknowledgement", "proposal_assumptions",
    "proposal_audit",
]
REVIEW_SECTIONS = [
    "review_scope", "review_market_recap", "review_client_changes", "review_performance", "review_returns",
    "review_attribution", "review_risk", "review_drift", "review_rebalancing", "review_goals", "review_meeting",
    "review_disclosures",
]
BOOK_SECTIONS = [
    "book_by_tier", "book_aum", "book_new_accounts", "book_kyc_due", "book_reviews_due", "book_not_contacted",
    "book_exceptions", "book_complaints", "book_advisor_measures",
]


@pytest.mark.parametrize("keys", [PROPOSAL_SECTIONS, REVIEW_SECTIONS, BOOK_SECTIONS])
def test_section_headings_present_in_catalog_order(keys):
    order = list(DOCS)
    positions = [order.index(k) for k in keys]
    assert positions == sorted(positions), "section headings are listed in the DOMAIN.md order"
    for loc in LOCALES:
        texts = [t(f"documents.{k}", loc, days=30) if "{" in DOCS[k][loc] else t(f"documents.{k}", loc) for k in keys]
        assert len(set(texts)) == len(texts), f"{loc}: two sections share a heading"


@pytest.mark.parametrize("name", ["cash", "bond", "equity", "alternative"])
def test_asset_classes(name):
    for loc in LOCALES:
        assert t(f"documents.asset_{name}", loc)


@pytest.mark.parametrize(
    "name", ["money_market", "bond_fund", "equity_index_fund", "equity_fund", "single_stock", "commodity_fund"])
def test_product_types(name):
    for loc in LOCALES:
        assert t(f"documents.type_{name}", loc)


def test_policy_asset_classes_have_labels():
    import yaml

    policy = PARAMS / "policy.yaml"
    if not policy.exists():
        pytest.skip("no params/policy.yaml")
    for name in yaml.safe_load(policy.read_text(encoding="utf-8"))["asset_classes"]:
        assert f"asset_{name}" in DOCS, name


def test_t_fills_placeholders_and_rejects_unknown_keys():
    assert t("documents.book_not_contacted", "zh-TW", days=90) == "逾 90 天未聯繫之客戶"
    with pytest.raises(KeyError, match="documents.nope"):
        t("documents.nope", "en")


def test_a_list_in_running_text_takes_the_locales_separator():
    """English "A, B"; Chinese 「A、B」 (the enumeration comma 頓號, no space): the style, not the catalog."""
    from wealthlib.i18n import join_terms

    assert join_terms(["QDII-SP500-CNY", "QDII-USTSM-CNY"], "en") == "QDII-SP500-CNY, QDII-USTSM-CNY"
    assert join_terms(["QDII-SP500-CNY", "QDII-USTSM-CNY"], "zh-CN") == "QDII-SP500-CNY、QDII-USTSM-CNY"
    assert join_terms(["股票", "債券", "現金"], "zh-TW") == "股票、債券、現金"
    assert join_terms([], "zh-TW") == ""
