"""Every signature block names the firm's people by name and registration number, never by id
(advisors.yaml: the advisor registry): proposals, quarterly reviews and the book report. Expected names and
numbers are read from the registry file itself; the blocks are read back from the HTML the documents print."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import yaml

from _paths import PARAMS

REGISTRY = yaml.safe_load((PARAMS / "advisors.yaml").read_text(encoding="utf-8"))
REQUIRED = ("securities_rep", "wealth_mgmt", "trust")  # policy.yaml advisors.required


class _Blocks(HTMLParser):
    """Text of each row of every <table class="wl-signature">."""

    def __init__(self):
        super().__init__()
        self.rows: list[str] = []
        self._depth = 0
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "wl-signature") in attrs:
            self._depth += 1
        elif tag == "tr" and self._depth:
            self._row = []

    def handle_endtag(self, tag):
        if tag == "table" and self._depth:
            self._depth -= 1
        elif tag == "tr" and self._row is not None:
            self.rows.append(" ".join(x.strip() for x in self._row if x.strip()))
            self._row = None

    def handle_data(self, data):
        if self._row is not None:
            self._row.append(data)


def signature_rows(html: str) -> list[str]:
    p = _Blocks()
    p.feed(html)
    return p.rows


def person(pid: str, locale: str) -> tuple[str, list[str]]:
    """(name in locale, the registration number of each required licence, the latest by expiry) from the file."""
    p = REGISTRY["people"][pid]
    numbers = []
    for kind in REQUIRED:
        lic = max((x for x in p["licences"] if x["type"] == kind), key=lambda x: x["expires"])
        numbers.append(lic["number"])
    return p["names"][locale], numbers


def assert_signed(row: str, pid: str, locale: str) -> None:
    name, numbers = person(pid, locale)
    assert name in row, row
    for n in numbers:
        assert n in row, (n, row)
    assert pid not in row


def test_proposal_signature_block_names_advisor_and_supervisor_with_registration_numbers(sample_proposal):
    p = sample_proposal("lin", PARAMS, as_of="2018-12-31")  # adv-chen, supervised by sup-wu
    rows = signature_rows(p.section_html("acknowledgement"))
    assert len(rows) == 3  # client, advisor, supervisor
    assert_signed(rows[1], "adv-chen", "zh-TW")
    assert_signed(rows[2], "sup-wu", "zh-TW")
    assert "陳雅婷" in p.section_html("cover") and "adv-chen" not in p.section_html("cover")
    assert "adv-chen" not in p.section_html("cover_letter") + p.default_advisor_text["cover_letter"]


@pytest.mark.parametrize("locale", [pytest.param("en", marks=pytest.mark.slow), "zh-TW"])  # a review each: chen's own locale fast
def test_review_is_signed_by_name_and_registration_numbers(locale):
    from wealthlib.review import build_review

    r = build_review("chen", params=PARAMS, quarter="2018Q3", locale=locale, decisions=[])
    rows = signature_rows(r.section_html("disclosures"))
    assert len(rows) == 2
    assert_signed(rows[0], "adv-chen", locale)
    assert_signed(rows[1], "sup-wu", locale)
    scope = r.section_html("scope") + r.section_html("meeting")
    assert "adv-chen" not in scope and REGISTRY["people"]["adv-chen"]["names"][locale] in r.section_html("scope")


def test_book_report_is_signed_and_lists_advisors_by_name():
    from wealthlib.book import build_book

    mine = build_book(params=PARAMS, as_of="2018-12-31", advisor="adv-wang")
    rows = signature_rows(mine.signature_html("zh-TW"))
    assert len(rows) == 2
    assert_signed(rows[0], "adv-wang", "zh-TW")
    assert_signed(rows[1], "sup-wu", "zh-TW")
    assert mine.advisor_name["zh-TW"] == "王大明"
    whole = build_book(params=PARAMS, as_of="2018-12-31")
    rows = signature_rows(whole.signature_html("en"))
    supervisors = [pid for pid, p in REGISTRY["people"].items() if p["role"] == "supervisor"]
    assert len(rows) == len(supervisors) == 1
    assert_signed(rows[0], "sup-wu", "en")
    for name in ("clients", "advisor_aum"):
        shown = set(whole.table(name, "zh-TW")["理財顧問"])
        assert shown <= {"陳雅婷", "王大明"} and shown, shown
    measures = whole.table("advisor_measures", "en")
    assert set(measures["Advisor"]) == {"Chen Ya-ting", "Wang Da-ming"}


@pytest.mark.slow
@pytest.mark.skipif(__import__("shutil").which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("firm, cid", [("tw", "lin"), ("bank", "wang")])
def test_the_printed_pdf_signs_with_the_advisors_and_supervisors_names_and_numbers(firm, cid, tmp_path):
    """One client per firm, printed as a user prints it (``wealth propose --format pdf``) and read back with
    pdftotext: the PDF's text carries the advisor's and the supervisor's names in the client's locale and every
    registration number the registry records for them (the numbers print in the signature blocks only; the
    blocks' layout is checked on the HTML above), and never their ids."""
    import subprocess

    from _cli import run_subprocess as run
    from _paths import BANK

    folder = BANK if firm == "bank" else PARAMS
    registry = yaml.safe_load((folder / "advisors.yaml").read_text(encoding="utf-8"))
    client = yaml.safe_load((folder / "clients" / f"{cid}.yaml").read_text(encoding="utf-8"))
    advisor = registry["people"][client["advisor"]]
    supervisor_id = advisor["supervisor"]
    proc = run("--params", str(folder), "propose", cid, "--format", "pdf", "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = subprocess.run(["pdftotext", str(tmp_path / f"{cid}.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for pid in (client["advisor"], supervisor_id):
        person = registry["people"][pid]
        assert "".join(person["names"][client["locale"]].split()) in flat, (cid, pid)
        for lic in person["licences"]:
            assert lic["number"] in flat, (cid, pid, lic["type"])
        assert pid not in flat, (cid, pid)
