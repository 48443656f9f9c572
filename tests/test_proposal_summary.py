"""The proposal's one-page summary (issue 12 item 7), first after the cover: risk class, current vs proposed
by asset class, expected return and its range, the main risks, the trades — in the locale's words (mainland
terms in zh-CN) and with the numbers of the detailed tables, both read from the rendered HTML."""

from __future__ import annotations

import html as _html
import re

import pytest
import yaml

from wealthlib.i18n import t

from _html import tables
from _paths import BANK, PARAMS, ROOT

AS_OF = "2018-12-31"
#: chen in zh-CN is a build of its own (the others are shared, each client in its own locale): slow
CASES = [pytest.param((firm, c, loc), id=f"{c}-{loc}", marks=pytest.mark.slow if c == "chen" else ())
         for firm, c, loc in [(PARAMS, "lin", "zh-TW"), (PARAMS, "morgan", "en"), (PARAMS, "chen", "zh-CN"),
                              (BANK, "wang", "zh-CN"), (BANK, "zhang", "zh-CN")]]


def _text(h: str) -> str:
    return re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", " ", h))).strip()


@pytest.fixture(scope="module", params=CASES)
def case(request, sample_proposal):
    firm, client, loc = request.param
    return sample_proposal(client, firm, locale=loc, as_of=AS_OF), loc


def test_the_summary_comes_first_after_the_cover_in_the_locales_words(case):
    p, loc = case
    assert list(p.sections)[:2] == ["cover", "summary"]
    body = p.html()
    assert re.findall(r'<h2 id="wl-([a-z_]+)"', body)[:2] == ["cover", "summary"]
    s = p.section_html("summary")
    for key in ("proposal_summary", "field_risk_class", "proposal_summary_risks", "proposal_trades", "proposal_by_asset_class"):
        assert t(f"documents.{key}", loc) in _text(s)
    assert p.class_name in _text(s)


def test_the_summarys_numbers_are_those_of_the_detailed_tables(case):
    p, loc = case
    s = p.section_html("summary")
    facts = dict(r for r in tables(s)[0] if len(r) == 2)
    # expected return: the expected table's first row; the range: the expected section's sentence
    expected = p.section_html("expected")
    assert facts[t("documents.metric_expected_return", loc)] == tables(expected)[0][1][1]
    lo, hi = facts[t("documents.proposal_summary_range", loc)].split(" – ")
    assert f"{lo}" in _text(expected) and f"{hi}" in _text(expected)
    # by asset class: the allocation's own table, column by column (no current column without holdings)
    alloc = tables(p.section_html("allocation"))
    mine = tables(s)[1]
    assert [r[0] for r in mine] == [r[0] for r in alloc[0]] and [r[2] for r in mine] == [r[2] for r in alloc[0]]
    if p.current_weights:
        assert [r[1] for r in mine] == [r[1] for r in alloc[0]]
    # the trades: the allocation's trade table without its cost column
    if p.trade_amounts:
        assert [r[:4] for r in tables(s)[2]] == [r[:4] for r in alloc[-1]]
    # the main risk: the worst 12 months as printed beside the range
    worst = tables(expected)[1][1]
    assert worst[0] == t("documents.term_proposed_portfolio", loc)
    assert worst[3].split(" (")[0] in _text(s)


def test_zh_cn_summaries_use_mainland_terms(case):
    p, loc = case
    if loc != "zh-CN":
        pytest.skip("mainland terms: zh-CN documents")
    pairs = yaml.safe_load((ROOT / "wealthlib" / "data" / "terms" / "mainland.yaml").read_text(encoding="utf-8"))
    text = _text(p.section_html("summary"))
    assert [x["taiwan"] for x in pairs["pairs"] if x["taiwan"] in text] == []
