"""As-of discipline: a KYC assessment, a contact, a complaint and a transaction dated after the quarter enter
neither the review nor the book report; the numbers equal those of the same file without them."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import yaml

from wealthlib._analytics.asof import NoKycInForce, client_as_of
from wealthlib.book import build_book
from wealthlib.clients import load_client
from wealthlib.review import build_review

from _paths import PARAMS

LATER_NOTE = "Later-meeting-note-XYZ"
LATER_COMPLAINT = "Later-complaint-XYZ"


def _later_file(raw: dict) -> dict:
    """``raw`` with a KYC reassessment (other answers), a contact, a complaint and a deposit after 2018-09-30."""
    out = dict(raw)
    earlier = dict(raw["kyc"])
    later_answers = {k: "a" for k in raw["kyc"]["answers"]}  # the most cautious answers: another class
    out["kyc"] = {"questionnaire": earlier["questionnaire"], "date": date(2018, 10, 20), "answers": later_answers,
                  "history": [earlier]}
    out["contact_log"] = [*raw.get("contact_log", []), {"date": date(2018, 10, 20), "channel": "branch", "note": LATER_NOTE}]
    out["complaints"] = [*raw.get("complaints", []), {"opened": date(2018, 10, 25), "summary": LATER_COMPLAINT}]
    out["transactions"] = [*raw["transactions"], {"date": date(2018, 10, 2), "type": "deposit", "amount": 1_000_000}]
    return out


@pytest.fixture(scope="module")
def two_books(tmp_path_factory):
    """Two params folders: lin as shipped, and lin with the later records."""
    base = tmp_path_factory.mktemp("asof")
    books = {}
    for name in ("plain", "later"):
        p = base / name
        (p / "clients").mkdir(parents=True)
        for f in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):
            shutil.copy(PARAMS / f, p)
        raw = yaml.safe_load((PARAMS / "clients" / "lin.yaml").read_text(encoding="utf-8"))
        raw["contact_log"] = [c for c in raw.get("contact_log", []) if c["date"] <= date(2018, 9, 30)]
        raw["complaints"] = [c for c in raw.get("complaints", []) if c["opened"] <= date(2018, 9, 30)]
        raw["transactions"] = [x for x in raw["transactions"] if x["date"] <= date(2018, 9, 30)]
        if name == "later":
            raw = _later_file(raw)
        (p / "clients" / "lin.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False),
                                                encoding="utf-8")
        books[name] = p
    return books


def _sections(r) -> dict[str, str]:
    return {k: r.section_html(k) for k in r.SECTIONS}


@pytest.mark.slow  # two reviews of edited params copies in each locale
@pytest.mark.parametrize("locale", ["en", "zh-TW"])
def test_review_ignores_what_is_dated_after_the_quarter(two_books, locale):
    plain = build_review("lin", params=two_books["plain"], quarter="2018Q3", locale=locale)
    later = build_review("lin", params=two_books["later"], quarter="2018Q3", locale=locale)
    a, b = _sections(plain), _sections(later)
    assert a.keys() == b.keys()
    for key in a.keys() - {"audit"}:
        assert a[key] == b[key], key  # every table and note as printed: numbers, KYC status, meetings, actions
    # the audit page names what the review was made from: another client file, so another inputs hash only
    ha, hb = plain.audit.pop("inputs_hash"), later.audit.pop("inputs_hash")
    assert ha != hb and plain.audit == later.audit
    html = "".join(b.values())
    assert LATER_NOTE not in html and LATER_COMPLAINT not in html
    assert "2018-10-20" not in html and "20 Oct 2018" not in html and "2018年10月20日" not in html
    assert later.performance["quarter"].contributions == plain.performance["quarter"].contributions


def test_book_report_ignores_what_is_dated_after_its_date(two_books):
    plain = build_book(params=two_books["plain"], as_of="2018-09-30")
    later = build_book(params=two_books["later"], as_of="2018-09-30")
    cols = ["risk_class", "kyc_date", "kyc_expiry", "kyc_status", "deposits", "net_new_money", "last_contact",
            "open_complaints", "aum"]
    assert plain.clients[cols].to_dict("records") == later.clients[cols].to_dict("records")
    assert len(later.complaints) == len(plain.complaints)
    # after the reassessment the book reads the new one
    after = build_book(params=two_books["later"], as_of="2018-12-31")
    assert after.clients.loc[0, "kyc_date"] == date(2018, 10, 20)


def test_client_as_of_takes_the_assessment_then_in_force(two_books):
    c = load_client("lin", two_books["later"] / "clients")
    assert client_as_of(c, "2018-09-30").kyc.date < date(2018, 10, 1)
    assert client_as_of(c, "2018-10-20").kyc.date == date(2018, 10, 20)
    open_then = client_as_of(load_client("chen", PARAMS / "clients"), "2018-04-10").complaints
    assert [x.closed for x in open_then] == [None]  # closed on 04-20: open on 04-10
    with pytest.raises(NoKycInForce, match=r"lin\.yaml: kyc\.date: no KYC assessment is dated on or before"):
        client_as_of(c, "2017-01-01")


def _home(cid: str):
    """The params folder holding a sample client (the mainland clients live in the bank's folder once moved)."""
    for p in (PARAMS, PARAMS / "cn-bank"):
        if (p / "clients" / f"{cid}.yaml").is_file():
            return p
    raise AssertionError(f"no sample client {cid}")


def test_zhang_q3_review_shows_the_kyc_then_in_force_not_the_november_one():
    """The issue's defect: zhang's KYC of 20 Nov 2018 showed as valid in a review as of 30 Sep; the assessment
    in force then is the one of 8 May 2017 (kyc.history), valid 12 months: expired."""
    r = build_review("zhang", params=_home("zhang"), quarter="2018Q3", locale="en")
    html = r.section_html("kyc")
    assert "8 May 2017" in html and "20 Nov 2018" not in html
    assert "Expired" in html


def test_liu_q3_review_lists_no_complaint_of_december():
    """The issue's defect: liu's complaint of 10 Dec 2018 was listed (as an open complaint to answer) in the
    review of 2018Q3; the phone call logging it is dated 10 Dec too."""
    r = build_review("liu", params=_home("liu"), quarter="2018Q3", locale="en")
    html = r.section_html("meeting")
    assert "Answer the open complaint" not in html and "10 Dec 2018" not in html
    assert not r.client.complaints
