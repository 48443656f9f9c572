"""The relationship report on the documents' seam (wealthlib._doc): its sections are units registered once, its
list is data (``book:`` in sections.yaml), a firm's ``documents: {book: [...]}`` in its policy.yaml drops and
reorders what the report prints — read back from the printed HTML's headings, each expected from the label
catalogs (wealthlib/data/i18n/*.yaml) in the firm's order — and its audit page prints the one audit record whose
short form is the rendered report's footer: the market file's version (params/market.yaml), the questionnaire's
id and version (the client files and wealthlib/data/questionnaires/), the policy's and the shelf's versions."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import yaml

from wealthlib import _doc
from wealthlib.book import build_book
from wealthlib.errors import InputError
from wealthlib.policy import load_policy

from _cli import run_subprocess as run
from _paths import BANK, PARAMS

ROOT = Path(__file__).parents[1]
AS_OF = "2018-12-31"
CATALOG = yaml.safe_load((ROOT / "wealthlib/data/i18n/documents.yaml").read_text(encoding="utf-8"))
LIFECYCLE = yaml.safe_load((ROOT / "wealthlib/data/i18n/lifecycle.yaml").read_text(encoding="utf-8"))
LISTED = yaml.safe_load((ROOT / "wealthlib/data/documents/sections.yaml").read_text(encoding="utf-8"))["book"]


def heading(key: str, locale: str = "en") -> str:
    """A section's heading as the catalogs write it (the not-contacted one with the default 90 days)."""
    if key == "acceptance":
        return LIFECYCLE["book_acceptance"][locale]
    label = {"roster": "book_roster", "audit": "proposal_audit", "by_tier": "book_by_tier"}.get(key, f"book_{key}")
    return CATALOG[label][locale].replace("{days}", "90")


def _headings(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r"<h2>([^<]*)</h2>", html)]


def _policy_with(params: Path, sections) -> Path:
    path = params / "policy.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["documents"] = {**(data.get("documents") or {}), "book": sections}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_package_list_is_every_book_unit_once_in_domain_order():
    assert LISTED == ["summary", "by_tier", "aum", "new_accounts", "kyc_due", "reviews_due", "not_contacted",
                      "exceptions", "complaints", "advisor_measures", "acceptance", "roster", "methods", "audit"]
    units = _doc.units("book")
    assert set(units) == set(LISTED) and list(_doc.default_sections("book")) == LISTED
    assert units["audit"].required and all(cls.kind == "book" for cls in units.values())


@pytest.mark.parametrize("locale", ["en", "zh-TW", "zh-CN"])
def test_the_default_report_prints_every_section_in_order(locale):
    html = build_book(params=PARAMS, as_of=AS_OF).html(locale)
    assert _headings(html) == [heading(k, locale) for k in LISTED]
    assert html.startswith(f"<h1>{CATALOG['book_title'][locale]}</h1>") and html.count("<h1>") == 1


def test_a_firms_list_drops_and_reorders_book_sections(params_copy):
    """A firm prints no charts of tiers and no acceptance counts, and its complaints and exceptions first."""
    order = ["complaints", "exceptions", "summary", "aum", "kyc_due", "reviews_due", "new_accounts", "not_contacted",
             "advisor_measures", "roster", "methods", "audit"]
    _policy_with(params_copy, order)
    book = build_book(params=params_copy, as_of=AS_OF)
    html = book.html("en")
    assert _headings(html) == [heading(k) for k in order]
    for dropped in ("by_tier", "acceptance"):
        assert heading(dropped) not in html and book.section_html(dropped) == ""
    with pytest.raises(KeyError):
        book.section_html("no_such_section")


def test_a_firms_book_list_without_the_audit_page_or_with_a_typo_is_refused_naming_file_and_key(params_copy):
    path = _policy_with(params_copy, [k for k in LISTED if k != "audit"])
    with pytest.raises(InputError) as err:
        load_policy(path)
    assert str(err.value).startswith(f"{path}: documents.book: section 'audit' may not be left out")
    path = _policy_with(params_copy, ["summary", "rooster", "audit"])
    with pytest.raises(InputError) as err:
        load_policy(path)
    assert str(err.value).startswith(f"{path}: documents.book[1]: unknown section 'rooster'")


def _audit_page(html: str, locale: str) -> dict[str, str]:
    page = html[html.index(f"<h2>{CATALOG['proposal_audit'][locale]}</h2>"):]
    page = page[:page.index("</table>")]
    return {unescape(k): unescape(v) for k, v in re.findall(r'<th[^>]*>([^<]*)</th><td[^>]*>([^<]*)</td>', page)}


@pytest.mark.parametrize("params,questionnaire", [(PARAMS, "firm_kyc"), (BANK, "cn_bank_risk")])
def test_the_audit_page_prints_the_whole_record(params, questionnaire):
    version = yaml.safe_load((ROOT / f"wealthlib/data/questionnaires/{questionnaire}.yaml").read_text())["version"]
    market = yaml.safe_load((params / "market.yaml").read_text(encoding="utf-8"))["version"]
    policy = yaml.safe_load((params / "policy.yaml").read_text(encoding="utf-8"))["version"]
    rows = _audit_page(build_book(params=params, as_of=AS_OF).html("en"), "en")
    L = lambda k: CATALOG[k]["en"]  # noqa: E731
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", rows[L("audit_inputs_hash")])
    assert rows[L("audit_as_of")] == AS_OF
    assert re.fullmatch(rf"{re.escape(str(market))} · content [0-9a-f]{{16}}", rows[L("audit_market_version")])
    assert rows[L("audit_questionnaire_version")] == f"{questionnaire} {version}"
    assert rows[L("audit_policy_version")].startswith(f"{policy} · ")
    assert rows[L("audit_data_vintage")].startswith(f"market.yaml {market} ")
    assert rows[L("audit_overrides")] == "—"


def test_a_changed_client_file_changes_the_inputs_hash(params_copy):
    before = build_book(params=params_copy, as_of=AS_OF).audit["inputs_hash"]
    path = params_copy / "clients" / "lin.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
    assert build_book(params=params_copy, as_of=AS_OF).audit["inputs_hash"] != before


@pytest.mark.slow
def test_the_rendered_reports_footer_is_its_audit_page_in_short(tmp_path):
    proc = run("book", "report", "--advisor", "adv-chen", "--as-of", AS_OF, "--lang", "zh-TW", "--out", str(tmp_path),
               "--format", "html")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / f"book-adv-chen-{AS_OF}.html").read_text(encoding="utf-8")
    rows = _audit_page(html, "zh-TW")
    whole = rows[CATALOG["audit_inputs_hash"]["zh-TW"]]
    footers = [unescape(f) for f in re.findall(r'<p class="wl-audit">(.*?)</p>', html, re.S)]
    market = yaml.safe_load((PARAMS / "market.yaml").read_text(encoding="utf-8"))["version"]
    assert footers and all(f"{CATALOG['audit_inputs_hash']['zh-TW']} {whole[:23]}" in f for f in footers)
    assert all(f"{CATALOG['audit_market_version']['zh-TW']} {market}" in f for f in footers)
    template = rows[CATALOG["audit_template"]["zh-TW"]]
    assert template.startswith("relationship_report.ipynb sha256:")
    # one inputs value: whole on the audit page, in short in the footers (the template's fingerprint aside)
    assert set(re.findall(r"sha256:([0-9a-f]{64})", html)) - {template.split(":")[1]} == {whole[len("sha256:"):]}
