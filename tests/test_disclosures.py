"""wealthlib.disclosures: versioned disclosure texts per locale, jurisdiction, product type and grade."""

from __future__ import annotations

import itertools

import pytest

from wealthlib import disclosures as D
from wealthlib.disclosures import (
    DISCLOSURES_VERSION,
    PRODUCT_TYPES,
    acknowledgement,
    complaint_channel,
    general_disclosures,
    grade_label,
    product_disclosures,
    suitability_statement,
)
from wealthlib.i18n import LOCALES

TAIWAN_SENTENCE = "投資一定有風險，基金投資有賺有賠，申購前應詳閱公開說明書"
TYPES = ("money_market", "bond_fund", "equity_index_fund", "equity_fund", "single_stock", "commodity_fund")


# ---- general -------------------------------------------------------------------------------------------------

def test_taiwan_sentence_exact_in_zh_tw():
    texts = general_disclosures("zh-TW")
    assert texts[0] == TAIWAN_SENTENCE + "。"
    assert sum(TAIWAN_SENTENCE in t for t in texts) == 1


def test_taiwan_sentence_rendered_in_other_locales():
    # in mainland terms: the prospectus is a 招募说明书 (wealthlib/data/terms/mainland.yaml)
    assert "投资一定有风险，基金投资有赚有赔，申购前应仔细阅读招募说明书" in general_disclosures("zh-CN")[0]
    en = general_disclosures("en")[0]
    assert "risk" in en and "prospectus" in en


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("jurisdiction", ["TW", "CN"])
def test_general_disclosures_cover_the_required_points(locale, jurisdiction):
    texts = general_disclosures(locale, jurisdiction)
    assert len(texts) >= 6 and all(t.strip() for t in texts)
    joined = " ".join(texts)
    needles = {
        "en": ["Past performance", "hypothetical", "not guaranteed", "exchange-rate"],
        "zh-TW": ["績效", "假設性", "保證", "匯率"],
        "zh-CN": ["业绩", "假设性", "保", "汇率"],
    }[locale]
    for needle in needles:
        assert needle in joined, (locale, jurisdiction, needle)


def test_cn_general_disclosures_carry_the_mainland_warning():
    assert general_disclosures("zh-CN", "CN")[0] == "理财非存款、产品有风险、投资须谨慎。"


# ---- products ------------------------------------------------------------------------------------------------

def test_product_types_are_the_shelf_types():
    assert set(PRODUCT_TYPES) == set(TYPES)


@pytest.mark.parametrize("product_type, grade, locale", list(itertools.product(TYPES, range(1, 6), LOCALES)))
def test_every_type_grade_locale_has_text(product_type, grade, locale):
    lines = product_disclosures(product_type, grade, locale)
    assert len(lines) >= 3
    assert all(isinstance(x, str) and x.strip() for x in lines)
    assert f"RR{grade}" in lines[0]
    assert not any("{" in x or "}" in x for x in lines), "unfilled placeholder"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("product_type", TYPES)
def test_fx_line_iff_currency_differs(product_type, locale):
    marker = {"en": "Exchange-rate risk", "zh-TW": "匯率風險", "zh-CN": "汇率风险"}[locale]
    has_fx = lambda lines: any(marker in x for x in lines)
    assert has_fx(product_disclosures(product_type, 3, locale, "USD", "TWD"))
    assert has_fx(product_disclosures(product_type, 3, locale, "TWD", "CNY"))
    assert not has_fx(product_disclosures(product_type, 3, locale, "TWD", "TWD"))
    assert not has_fx(product_disclosures(product_type, 3, locale, "USD", "USD"))
    assert not has_fx(product_disclosures(product_type, 3, locale))
    assert not has_fx(product_disclosures(product_type, 3, locale, "USD", None))


def test_fx_line_names_both_currencies():
    line = [x for x in product_disclosures("equity_fund", 4, "zh-TW", "USD", "TWD") if "匯率" in x][0]
    assert "美元" in line and "新臺幣" in line


@pytest.mark.parametrize("locale, words", [("en", "lose all the money invested"), ("zh-TW", "全部投資本金"),
                                           ("zh-CN", "全部投资本金")])
def test_rr5_single_stock_mentions_total_loss(locale, words):
    lines = product_disclosures("single_stock", 5, locale)
    assert words in lines[-1]


def test_total_loss_only_for_single_stocks():
    for product_type in TYPES:
        for grade in range(1, 6):
            total = "lose all the money" in product_disclosures(product_type, grade, "en")[-1]
            assert total == (product_type == "single_stock"), (product_type, grade)


@pytest.mark.parametrize("product_type, needle", [
    ("bond_fund", "Interest-rate risk"), ("bond_fund", "Credit risk"), ("money_market", "not a deposit"),
    ("single_stock", "Concentration risk"), ("commodity_fund", "Commodity risk"), ("equity_fund", "Market risk"),
    ("equity_index_fund", "Liquidity risk"),
])
def test_type_specific_risks(product_type, needle):
    assert any(needle in x for x in product_disclosures(product_type, 3, "en"))


def test_high_yield_note_only_for_lower_grade_bond_funds():
    hy = lambda g: any("high-yield" in x for x in product_disclosures("bond_fund", g, "en"))
    assert not hy(2) and hy(3) and hy(4)


def test_risk_lines_in_canonical_order():
    lines = product_disclosures("bond_fund", 3, "en", "USD", "TWD")
    order = ["Risk grade", "Market", "Exchange-rate", "Interest-rate", "Credit", "Lower-rated", "Liquidity", "Maximum"]
    assert [next(i for i, x in enumerate(lines) if x.startswith(o)) for o in order] == list(range(len(order)))


def test_cn_jurisdiction_uses_r_grades():
    assert grade_label(4, "CN") == "R4" and grade_label(4) == "RR4"
    assert product_disclosures("equity_fund", 4, "zh-CN", jurisdiction="CN")[0].startswith("风险等级 R4")


def test_numpy_grade_accepted():
    np = pytest.importorskip("numpy")
    assert product_disclosures("equity_fund", np.int64(4), "en")[0].startswith("Risk grade RR4")


# ---- errors --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [0, 6, -1, 3.0, "3", True, None])
def test_grade_out_of_range(bad):
    with pytest.raises(ValueError, match="grade") as exc:
        product_disclosures("equity_fund", bad, "en")
    assert repr(bad) in str(exc.value)


def test_unknown_product_type():
    with pytest.raises(ValueError, match="'hedge_fund'"):
        product_disclosures("hedge_fund", 3, "en")


@pytest.mark.parametrize("call", [
    lambda: general_disclosures("zh-HK"),
    lambda: product_disclosures("equity_fund", 3, "zh-HK"),
    lambda: suitability_statement([], 3, "x", "zh-HK"),
    lambda: complaint_channel("zh-HK"),
    lambda: acknowledgement("zh-HK"),
])
def test_unknown_locale(call):
    with pytest.raises(ValueError, match="zh-HK"):
        call()


@pytest.mark.parametrize("call", [
    lambda: general_disclosures("en", "EU"),
    lambda: complaint_channel("en", "EU"),
    lambda: acknowledgement("en", "EU"),
    lambda: product_disclosures("equity_fund", 3, "en", jurisdiction="EU"),
])
def test_unknown_jurisdiction(call):
    with pytest.raises(ValueError, match="'EU'"):
        call()


def test_bad_currency():
    with pytest.raises(ValueError, match="usd"):
        product_disclosures("equity_fund", 3, "en", "usd", "TWD")


# ---- suitability ---------------------------------------------------------------------------------------------

ROWS = [("TW0050", "Taiwan Top 50 ETF", 4), ("USBOND", "US Treasury Bond Fund", 2), ("MMF01", "TWD Money Market", 1)]


@pytest.mark.parametrize("locale", LOCALES)
def test_suitability_mentions_every_code_and_the_ceiling(locale):
    text = suitability_statement(ROWS, 4, "Aggressive", locale)
    for code, _, grade in ROWS:
        assert code in text and f"RR{grade}" in text
    assert "RR4" in text and "Aggressive" in text
    assert len(text.splitlines()) == len(ROWS) + 2


def test_suitability_within_and_above():
    ok = suitability_statement(ROWS, 4, "Aggressive", "en")
    assert "above" not in ok and "Every proposed product is within your ceiling" in ok
    bad = suitability_statement(ROWS, 3, "Moderate", "en")
    line = [x for x in bad.splitlines() if "TW0050" in x][0]
    assert "above your ceiling of RR3" in line and "exception" in line
    assert "Products above your ceiling: 1" in bad
    tw = suitability_statement(ROWS, 3, "穩健型", "zh-TW")
    assert "穩健型" in tw and "超過您的上限 RR3" in tw and "共 1 檔" in tw


def test_suitability_empty_and_errors():
    assert "No products" in suitability_statement([], 2, "Conservative", "en")
    with pytest.raises(ValueError, match="ceiling 6"):
        suitability_statement(ROWS, 6, "x", "en")
    with pytest.raises(ValueError, match="grade of BAD 7"):
        suitability_statement([("BAD", "Bad", 7)], 3, "x", "en")
    with pytest.raises(ValueError, match="code, name, grade"):
        suitability_statement([("ONLYCODE",)], 3, "x", "en")


def test_suitability_cn_grades():
    text = suitability_statement([("C01", "产品甲", 2)], 3, "C3 平衡型", "zh-CN", jurisdiction="CN")
    assert "R2" in text and "R3" in text and "RR" not in text


# ---- complaints ----------------------------------------------------------------------------------------------

def test_tw_complaint_channel():
    text = complaint_channel("zh-TW")
    assert "財團法人金融消費評議中心" in text and "30 日" in text and "0800-789-885" in text
    assert text.index("本公司") < text.index("財團法人金融消費評議中心"), "firm channel first"
    en = complaint_channel("en")
    assert "30 days" in en and "Financial Ombudsman Institution" in en


def test_cn_complaint_channel():
    text = complaint_channel("zh-CN", "CN")
    assert "12378" in text and "12386" in text
    assert text.index("本公司") < text.index("12378")


def test_complaint_channel_names_the_firm():
    text = complaint_channel("en", firm="Demo Securities", contact="0800-000-111")
    assert "Demo Securities (0800-000-111)" in text
    assert "Demo Securities（0800-000-111）" in complaint_channel("zh-TW", firm="Demo Securities", contact="0800-000-111")
    assert "Demo Securities" in complaint_channel("zh-CN", "CN", firm="Demo Securities")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("jurisdiction", ["TW", "CN"])
def test_complaint_channel_filled(locale, jurisdiction):
    text = complaint_channel(locale, jurisdiction)
    assert text.strip() and "{" not in text


# ---- acknowledgement -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("jurisdiction", ["TW", "CN"])
def test_acknowledgement_shape(locale, jurisdiction):
    ack = acknowledgement(locale, jurisdiction)
    assert set(ack) == {"title", "intro", "statements", "hand_copy", "signature_labels", "version"}
    # the sentence the client copies by hand (抄录) is the mainland's; Taiwan's forms have none
    assert (ack["hand_copy"] is None) == (jurisdiction == "TW")
    assert ack["title"] and ack["intro"] and len(ack["statements"]) >= 4
    assert set(ack["signature_labels"]) == {"client", "advisor", "supervisor", "date", "seal"}
    assert all(v.strip() for v in ack["signature_labels"].values())
    assert ack["version"] == DISCLOSURES_VERSION


def test_acknowledgement_titles():
    assert acknowledgement("zh-TW")["title"] == "風險預告書暨客戶確認書"
    assert acknowledgement("zh-CN", "CN")["title"] == "风险揭示书及客户确认书"
    assert acknowledgement("zh-TW")["signature_labels"]["seal"] == "原留印鑑"


def test_acknowledgement_conditional_statements():
    base = acknowledgement("en")["statements"]
    with_exc = acknowledgement("en", exception=True)["statements"]
    no_fx = acknowledgement("en", foreign_currency=False)["statements"]
    assert len(with_exc) == len(base) + 1 and any("exception" in s for s in with_exc)
    assert not any("exception" in s for s in base)
    assert len(no_fx) == len(base) - 1 and not any("exchange-rate" in s for s in no_fx)
    assert any("recorded" in s for s in acknowledgement("en", "CN")["statements"])  # 双录


# ---- version ---------------------------------------------------------------------------------------------------

def test_one_version_everywhere():
    assert isinstance(DISCLOSURES_VERSION, str) and DISCLOSURES_VERSION.strip()
    files = D._data()
    assert set(files) == {"general", "products", "suitability", "complaints", "acknowledgement", "conduct"}
    assert {str(doc["version"]) for doc in files.values()} == {DISCLOSURES_VERSION}
    for locale in LOCALES:
        assert acknowledgement(locale)["version"] == DISCLOSURES_VERSION


def test_mismatched_versions_are_refused(monkeypatch):
    from wealthlib.errors import InputError

    real = D._data.__wrapped__
    D._data.cache_clear()
    orig_load = D._load
    calls = {"n": 0}

    def fake_load(text):
        doc = orig_load(text)
        calls["n"] += 1
        if calls["n"] == 2:
            doc["version"] = "other"
        return doc

    monkeypatch.setattr(D, "_load", fake_load)
    try:
        with pytest.raises(InputError, match="disagree on the version"):
            real()
    finally:
        monkeypatch.undo()
        D._data.cache_clear()
        D._data()


def test_texts_are_complete_in_every_locale():
    # _data() validates on load; here we also check that no text has a stray placeholder in one locale only
    import string

    def walk(node):
        if isinstance(node, dict):
            if "en" in node:
                yield node
            for k, v in node.items():
                if k not in LOCALES:
                    yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)
    for name, doc in D._data().items():
        for entry in walk(doc):
            assert fields(entry["en"]) == fields(entry["zh-TW"]) == fields(entry["zh-CN"]), (name, entry["en"])


def test_scripts_traditional_vs_simplified():
    from test_i18n import PAIRS  # the same character table the label catalog is checked with

    simplified, traditional = set(PAIRS.values()), set(PAIRS)
    outputs = []
    for j in ("TW", "CN"):
        for loc in ("zh-TW", "zh-CN"):
            texts = general_disclosures(loc, j) + [complaint_channel(loc, j)]
            ack = acknowledgement(loc, j, exception=True)
            texts += [ack["title"], ack["intro"], *ack["statements"], *ack["signature_labels"].values()]
            texts += [suitability_statement(ROWS, 3, "x", loc, jurisdiction=j)]
            for t in TYPES:
                texts += product_disclosures(t, 5, loc, "USD", "TWD", jurisdiction=j)
            outputs += [(loc, j, x) for x in texts]
    for loc, j, text in outputs:
        wrong = set(text) & (simplified if loc == "zh-TW" else traditional)
        assert not wrong, f"{loc}/{j}: {sorted(wrong)} in {text}"


def test_every_shelf_product_type_has_disclosures_and_a_label():
    from typing import get_args

    products = pytest.importorskip("wealthlib.products")
    from wealthlib.i18n import t

    for product_type in get_args(products.ProductType):
        assert product_type in PRODUCT_TYPES
        for locale in LOCALES:
            assert t(f"documents.type_{product_type}", locale)
