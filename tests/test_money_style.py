"""Money prints one way per locale, in prose and in tables alike (issue 12 item 7; issue 16 item 6): every
proposal and review of both firms' sample clients, in en, zh-TW and zh-CN, read back from the HTML, shows no
amount in another form. The rule, written here from the style (not from the program): English writes the ISO
code before the digits ("TWD 1,234,567"); Chinese writes the currency's name ("新臺幣 1,234,567 元",
"人民币 1,234 元", "1,234 美元"); no compact symbol (NT$, US$, ¥: "¥" is yuan and yen alike) anywhere; zh-CN
in mainland characters (新台币, never 新臺幣); never "美元 1,234 元" (the unit twice)."""

from __future__ import annotations

import functools
import html as _html
import re

import pytest
import yaml

from _paths import BANK, BANK_SAMPLES, PARAMS, SAMPLES

LOCALES = ("en", "zh-TW", "zh-CN")
_SYMBOLS = r"(?:NT|US|HK|A|C|CN|JP)\$|NT\$|[A-Z]{0,2}¥|€|£|\$\s?\d"
_EN_FORM = r"\b(?:TWD|USD|CNY|HKD|EUR|JPY|GBP|AUD)\s?[-−]?\d"
_UNIT_TWICE = r"(?:美元|歐元|欧元|日圓|日元|英鎊|英镑|澳元)\s?[-−]?\d[\d,.]*\s?元"
#: what a document in that locale must not print: the other locales' forms of money
NOT_ALLOWED = {
    "en": re.compile(rf"{_SYMBOLS}|\d\s?元|\d\s?美元"),
    "zh-TW": re.compile(rf"{_SYMBOLS}|{_EN_FORM}|{_UNIT_TWICE}|新台币|人民币|港币"),
    "zh-CN": re.compile(rf"{_SYMBOLS}|{_EN_FORM}|{_UNIT_TWICE}|新臺幣|人民幣|港幣"),
}


@functools.cache
def _own_locale(firm, client) -> str:
    return yaml.safe_load((firm / "clients" / f"{client}.yaml").read_text(encoding="utf-8"))["locale"]


def _cases(clients):
    return [pytest.param(firm, c, loc, id=f"{c}-{loc}", marks=() if loc == _own_locale(firm, c) else pytest.mark.slow)
            for firm, c in clients for loc in LOCALES]


ALL = [(PARAMS, c) for c in SAMPLES] + [(BANK, c) for c in BANK_SAMPLES]
#: huang's KYC expired before the as-of date: no proposal is made for her
PROPOSALS = _cases([(f, c) for f, c in ALL if c != "huang"])
REVIEWS = _cases(ALL)


def _text(doc) -> str:
    """Every section's text as printed (tags and images out, entities read), table cells included."""
    return " ".join(_html.unescape(re.sub(r"<img[^>]*>|<[^>]+>", " ", doc.section_html(k))) for k in doc.sections)


def _bad(text: str, loc: str) -> list[str]:
    return sorted({text[max(m.start() - 12, 0):m.end() + 12] for m in NOT_ALLOWED[loc].finditer(text)})


@pytest.mark.parametrize("rule_case", [("en", "NT$1,234"), ("en", "US$5"), ("zh-TW", "NT$1,234"),
                                       ("zh-TW", "美元 1,234 元"), ("zh-TW", "USD 1,234"), ("zh-CN", "新臺幣 5 元"),
                                       ("zh-CN", "¥1,234"), ("zh-CN", "US$1,234"), ("en", "新臺幣 5 元")])
def test_the_rule_catches_the_other_forms(rule_case):
    loc, text = rule_case
    assert _bad(text, loc)


@pytest.mark.parametrize("ok", [("en", "TWD 1,234,567"), ("en", "USD -5"), ("zh-TW", "新臺幣 1,234,567 元"),
                                ("zh-TW", "1,234 美元"), ("zh-CN", "人民币 -1,234 元"), ("zh-CN", "新台币 5 元"),
                                ("zh-CN", "1,234 美元")])
def test_the_rule_lets_the_locale_form_through(ok):
    loc, text = ok
    assert not _bad(text, loc)


@pytest.mark.parametrize("firm,client,loc", PROPOSALS)
def test_a_proposal_prints_money_one_way(firm, client, loc, sample_proposal):
    assert _bad(_text(sample_proposal(client, firm, locale=loc)), loc) == []


@pytest.mark.parametrize("firm,client,loc", REVIEWS)
def test_a_review_prints_money_one_way(firm, client, loc, sample_review):
    assert _bad(_text(sample_review(client, firm, locale=loc)), loc) == []
