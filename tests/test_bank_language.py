"""The bank's zh-CN documents in mainland language (issue 16 item 6): no English word and no internal code in a
bank client's proposal or quarterly review, except what the bank's own data names that way — the class codes of
its ladder and the grades R1–R5, the shelf's product codes and the Latin words of its zh-CN product names (QDII,
the rating grades Aaa / Baa), the advisors' registration numbers, the firm files' version identifiers — and
ISINs and web addresses. The allow-list is read from the data files, never from the rendered documents.

The documents' audit record (section ``audit`` of the proposal and of the review) is left out on purpose: it prints, verbatim, the machine
identifiers a reproduction needs (input hashes, file versions, the market data's library versions).
"""

from __future__ import annotations

import re

import pytest
import yaml

from _paths import BANK, BANK_SAMPLES
from test_bank import text_of

WORD = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*")
ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")
URL = re.compile(r"https?://\S+")


def _allowed() -> set[str]:
    from wealthlib.disclosures import grade_label

    policy = yaml.safe_load((BANK / "policy.yaml").read_text(encoding="utf-8"))
    shelf = yaml.safe_load((BANK / "products.yaml").read_text(encoding="utf-8"))
    market = yaml.safe_load((BANK / "market.yaml").read_text(encoding="utf-8"))
    people = yaml.safe_load((BANK / "advisors.yaml").read_text(encoding="utf-8"))["people"]
    out = {c["code"] for c in policy["ladders"][policy["ladder"]]["classes"]}
    out |= {grade_label(g, policy["jurisdiction"]) for g in range(1, 6)}
    for p in shelf["products"]:
        out.add(p["code"])
        out |= set(WORD.findall(p["names"]["zh-CN"]))
    out |= {lic["number"] for person in people.values() for lic in person.get("licences", [])}
    out |= {str(policy["version"]), str(shelf["version"]), str(market["version"])}
    return out


def _latin(text: str, allowed: set[str]) -> set[str]:
    text = URL.sub(" ", text)
    return {w.rstrip("./-") for w in WORD.findall(text)} - allowed - {w for w in WORD.findall(text) if ISIN.fullmatch(w)}


@pytest.fixture(scope="module")
def documents(sample_proposal, sample_review):
    out = {}
    for cid in BANK_SAMPLES:
        p = sample_proposal(cid, BANK, as_of="2018-12-31")
        out[f"{cid} proposal"] = text_of("".join(p.section_html(k) for k in p.sections if k != "audit")) + p.disclaimer
        r = sample_review(cid, BANK, "2018Q3")
        out[f"{cid} review"] = text_of("".join(r.section_html(k) for k in r.SECTIONS if k != "audit")) + r.footer
    return out


def test_the_allow_list_comes_from_the_banks_data():
    allowed = _allowed()
    assert {"C1", "C5", "R1", "R5", "QDII", "WM-USD-CASH", "LC-2012-310377"} <= allowed
    assert not {"CNY", "USD", "KYC", "TWR", "liu"} & allowed


def test_no_english_word_or_internal_code_in_the_banks_zh_cn_documents(documents):
    allowed = _allowed()
    found = {name: sorted(_latin(text, allowed)) for name, text in documents.items()}
    assert {k: v for k, v in found.items() if v} == {}
    for cid in BANK_SAMPLES:  # the client is named, never by the client file's id
        assert not re.search(rf"\b{cid}\b", documents[f"{cid} proposal"] + documents[f"{cid} review"])
