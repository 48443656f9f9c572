"""Both firms' zh-CN documents in mainland language (issue 16 item 6): no English word and no internal code in a
sample client's proposal (2018-12-31) or quarterly review (2018Q3) printed in zh-CN — the bank's (params/cn-bank)
and the Taiwanese securities firm's (params/) alike — except what the firm's own data names that way: the Latin
words of its ladder's zh-CN class names (the bank's C1–C5; the Taiwanese firm's classes have none, so its codes
``conservative`` … never pass) and its grades (R1–R5, RR1–RR5), the shelf's product codes and the Latin words of
its zh-CN product names (QDII, AAPL, the rating grades Aaa / Baa), the advisors' registration numbers, the firm
files' version identifiers; the letters of the Polish central bank's tables A and B, as the market data's
attributions (wealthlib/data/i18n/sources.yaml) name them; ISINs and web addresses. The allow-list is read from
the data files, never from the rendered documents. The client is named, never by the client file's id.

What the client file says in the advisor's or the client's own words is printed as written, and is left out of
the check: the client's name, the goals' names, profession, education, source of wealth, notes, the basis of a
professional-investor status (morgan's English ``professional.basis``), the exceptions' reasons and the contact
log's notes. Those exact strings are read from the client file and taken out of the text before it is read.

The documents' audit record (section ``audit`` of the proposal and of the review) is left out on purpose: it
prints, verbatim, the machine identifiers a reproduction needs (input hashes, file versions, the market data's
library versions).

The bank's documents and morgan's zh-CN review are built for fast tests elsewhere (test_bank, test_review); the
Taiwanese firm's other zh-CN documents are built for this test alone, so those cases are slow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from _paths import BANK, BANK_SAMPLES, PARAMS, ROOT, SAMPLES
from test_bank import text_of

AS_OF = "2018-12-31"
WORD = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*")
ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")
URL = re.compile(r"(?:https?://|www\.)\S+")
#: the NBP's tables as the English attributions name them ("NBP table B", "tables A and B")
NBP_TABLES = re.compile(r"\btables? ([A-Z])\b(?: and ([A-Z])\b)?")
#: the Taiwanese firm's zh-CN documents another fast test builds too (test_review's every section in every locale)
SHARED = {("morgan", "review")}


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _allowed(firm: Path) -> set[str]:
    """What a zh-CN document of ``firm`` may print in Latin letters, from that firm's data files."""
    from wealthlib.disclosures import grade_label

    policy, shelf, market = (_load(firm / n) for n in ("policy.yaml", "products.yaml", "market.yaml"))
    people = _load(firm / "advisors.yaml")["people"]
    out = {w for c in policy["ladders"][policy["ladder"]]["classes"] for w in WORD.findall(c["names"]["zh-CN"])}
    out |= {grade_label(g, policy["jurisdiction"]) for g in range(1, 6)}
    for p in shelf["products"]:
        out.add(p["code"])
        out |= set(WORD.findall(p["names"]["zh-CN"]))
    out |= {lic["number"] for person in people.values() for lic in person.get("licences", [])}
    out |= {str(policy["version"]), str(shelf["version"]), str(market["version"])}
    sources = _load(ROOT / "wealthlib" / "data" / "i18n" / "sources.yaml")["sources"]
    out |= {x for s in sources if "NBP" in s["match"] for m in NBP_TABLES.findall(s["match"]) for x in m if x}
    return out


def _client_words(firm: Path, cid: str) -> list[str]:
    """The client file's free text (see the module docstring), longest first."""
    c = _load(firm / "clients" / f"{cid}.yaml")
    out = [c.get(k) for k in ("name", "profession", "education", "source_of_wealth", "notes")]
    out += [g.get("name") for g in c.get("goals", [])]
    out += [(c.get("professional") or {}).get("basis")]
    out += [e.get("reason") for e in c.get("exceptions", [])] + [n.get("note") for n in c.get("contact_log", [])]
    return sorted({str(s) for s in out if s}, key=len, reverse=True)


def _latin(text: str, allowed: set[str]) -> set[str]:
    text = URL.sub(" ", text)
    words = WORD.findall(text)
    return {w.rstrip("./-") for w in words} - allowed - {w for w in words if ISIN.fullmatch(w)}


def _document(firm: Path, cid: str, kind: str, sample_proposal, sample_review) -> str:
    """The zh-CN document's text as a reader sees it, the audit record left out, the client's own words taken out."""
    if kind == "proposal":
        p = sample_proposal(cid, firm, locale="zh-CN", as_of=AS_OF)
        text = text_of("".join(p.section_html(k) for k in p.sections if k != "audit")) + p.disclaimer
    else:
        r = sample_review(cid, firm, "2018Q3", locale="zh-CN")
        text = text_of("".join(r.section_html(k) for k in r.SECTIONS if k != "audit")) + r.footer
    for s in _client_words(firm, cid):
        text = text.replace(s, " ")
    return text


def _cases():
    bank = [(BANK, c, k) for c in BANK_SAMPLES for k in ("proposal", "review")]
    # huang's KYC expired before the as-of date: no proposal is made for her
    tw = [(PARAMS, c, k) for c in SAMPLES for k in ("proposal", "review") if (c, k) != ("huang", "proposal")]
    return [pytest.param(f, c, k, id=f"{'bank' if f == BANK else 'tw'}-{c}-{k}",
                         marks=() if f == BANK or (c, k) in SHARED else pytest.mark.slow) for f, c, k in bank + tw]


def test_the_allow_list_comes_from_each_firms_data():
    bank, tw = _allowed(BANK), _allowed(PARAMS)
    assert {"C1", "C5", "R1", "R5", "QDII", "WM-USD-CASH", "LC-2012-310377"} <= bank
    assert {"RR1", "RR5", "CORP-AAA10", "Aaa", "AAPL", "SR-2009-012345", "demo-shelf-2026.12", "A", "B"} <= tw
    assert not {"CNY", "USD", "TWD", "KYC", "TWR", "liu", "lin", "conservative", "moderate", "aggressive"} & (bank | tw)


def test_the_client_files_free_text_is_read_as_written():
    assert "Financial assets of more than 30 million New Taiwan dollars (bank and broker statements)" in _client_words(PARAMS, "morgan")
    assert "Explained that his answers show no investing experience" in _client_words(PARAMS, "lee")
    assert "lee" not in _client_words(PARAMS, "lee")  # the id is no free text


@pytest.mark.parametrize("firm,cid,kind", _cases())
def test_no_english_word_or_internal_code_in_a_zh_cn_document(firm, cid, kind, sample_proposal, sample_review):
    text = _document(firm, cid, kind, sample_proposal, sample_review)
    assert sorted(_latin(text, _allowed(firm))) == []
    assert not re.search(rf"(?<![A-Za-z0-9]){cid}(?![A-Za-z0-9])", text)  # the client is named, never by the id
