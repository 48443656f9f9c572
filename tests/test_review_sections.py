"""The quarterly review on the documents' seam (wealthlib._doc): its sections are units registered once, its
list is data (``review:`` in sections.yaml), and a firm's ``documents: {review: [...]}`` in its policy.yaml
drops and reorders what the review prints — read back from the printed HTML's headings, each expected from
the label catalog (wealthlib/data/i18n/documents.yaml) in the firm's order."""

from __future__ import annotations

import re
from html import unescape

import pytest
import yaml

from wealthlib import _doc
from wealthlib.errors import InputError
from wealthlib.policy import load_policy
from wealthlib.review import build_review

from _paths import PARAMS, ROOT, policy_with_sections

CATALOG = yaml.safe_load((ROOT / "wealthlib/data/i18n/documents.yaml").read_text(encoding="utf-8"))
#: The package's list, as the file says it (read here, not from the code).
LISTED = yaml.safe_load((ROOT / "wealthlib/data/documents/sections.yaml")
                        .read_text(encoding="utf-8"))["review"]
HEADING = {"scope": "review_scope", "market_recap": "review_market_recap", "kyc": "review_client_changes",
           "performance": "review_performance", "returns": "review_returns", "attribution": "review_attribution",
           "risk": "review_risk", "drift": "review_drift", "rebalancing": "review_rebalancing",
           "goals": "review_goals", "meeting": "review_meeting", "disclosures": "review_disclosures",
           "method": "review_method", "audit": "proposal_audit", "follow_up": "review_follow_up"}


def _headings(html: str) -> list[str]:
    """The section headings the document prints (h2, and the method's h3), in order; sub-headings left out."""
    subs = {CATALOG[k]["en"] for k in ("proposal_stress", "review_suitability_check", "review_action_items")}
    found = [unescape(h) for h in re.findall(r"<h[23]>([^<]*)</h[23]>", html)]
    return [h for h in found if h not in subs]


def test_the_package_list_is_every_review_unit_once_in_domain_order():
    assert LISTED == ["scope", "market_recap", "kyc", "performance", "returns", "attribution", "risk", "drift",
                      "rebalancing", "goals", "meeting", "disclosures", "method", "audit"]
    units = _doc.units("review")
    # every review unit is in the package list, except those a shipped firm's policy lists for itself (the
    # bank's follow-up visits after sales: params/cn-bank/policy.yaml documents.review)
    firms = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in (PARAMS).rglob("policy.yaml")]
    firm_only = {k for f in firms for k in (f.get("documents") or {}).get("review", [])} - set(LISTED)
    assert firm_only == {"follow_up"}
    assert set(units) == set(LISTED) | firm_only and list(_doc.default_sections("review")) == LISTED
    for key, cls in units.items():
        assert cls.kind == "review" and cls.heading == HEADING[key]
    assert units["audit"].required


def test_the_default_review_prints_every_section_in_order():
    r = build_review("lin", params=PARAMS, quarter="2018Q3", locale="en")
    assert r.SECTIONS == tuple(LISTED)
    assert _headings(r.html()) == [CATALOG[HEADING[k]]["en"] for k in LISTED]
    assert r.html().count("<h1>") == 1 and r.html().startswith("<h1>")


@pytest.mark.slow  # builds whole documents of its own (an edited params copy)
def test_a_firms_list_drops_and_reorders_review_sections(params_copy):
    """A firm prints no market recap and no attribution, and its drift and trades before the performance."""
    order = ["scope", "kyc", "drift", "rebalancing", "performance", "returns", "risk", "goals", "meeting",
             "disclosures", "method", "audit"]
    policy_with_sections(params_copy, "review", order)
    r = build_review("lin", params=params_copy, quarter="2018Q3", locale="en")
    html = r.html()
    assert _headings(html) == [CATALOG[HEADING[k]]["en"] for k in order]
    for dropped in ("market_recap", "attribution"):
        assert CATALOG[HEADING[dropped]]["en"] not in html and r.section_html(dropped) == ""
    assert html.startswith(f"<h1>{CATALOG['review_title']['en']} 2018Q3")  # the title still leads
    with pytest.raises(KeyError):
        r.section_html("no_such_section")


def test_a_firms_list_without_the_audit_page_or_with_a_typo_is_refused_naming_file_and_key(params_copy):
    path = policy_with_sections(params_copy, "review", [k for k in LISTED if k != "audit"])
    with pytest.raises(InputError) as err:
        load_policy(path)
    assert str(err.value).startswith(f"{path}: documents.review: section 'audit' may not be left out")
    path = policy_with_sections(params_copy, "review", ["scope", "drfit", "audit"])
    with pytest.raises(InputError) as err:
        load_policy(path)
    assert str(err.value).startswith(f"{path}: documents.review[1]: unknown section 'drfit'")


def test_sections_carry_the_plain_data_they_were_rendered_from():
    r = build_review("chen", params=PARAMS, quarter="2018Q3", locale="zh-TW")
    perf = r.sections["performance"].data
    # chen 2018Q3 (issue 12): a 3,000,000 withdrawal and 610,000 of income, read from params/clients/chen.yaml
    assert (perf["withdrawals"], perf["income"]) == (3_000_000, 610_000)
    audit = r.sections["audit"].data["audit"]
    assert audit["inputs_hash"] == r.audit["inputs_hash"] and re.fullmatch(r"[0-9a-f]{64}", audit["inputs_hash"])
    assert f"sha256:{audit['inputs_hash']}" in r.section_html("audit")
    assert f"sha256:{audit['inputs_hash'][:16]}" in r.audit_line
