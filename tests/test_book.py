"""The relationship report (wealthlib.book): numbers checked against the sample client files by hand.

Expected values are computed here from the YAML itself (``yaml.safe_load``, no wealthlib loader), with the
rules of DOMAIN.md §6 as the module states them, and also spelled out as literals where a reader can check
them against params/clients/*.yaml by eye.
"""

from __future__ import annotations

import calendar
import shutil
import subprocess
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
import yaml

from wealthlib.book import BookError, build_book

from _paths import BANK, PARAMS, ROOT, SAMPLES, WEALTH
AS_OF = date(2018, 12, 31)


def _yaml_clients() -> list[dict]:
    out = []
    for p in sorted((PARAMS / "clients").glob("*.yaml")):
        out.append(yaml.safe_load(p.read_text(encoding="utf-8")))
    return out


def _plus_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, mo = d.year + m // 12, m % 12 + 1
    return date(y, mo, min(d.day, calendar.monthrange(y, mo)[1]))


def _value(h: dict) -> float:
    return float(h["amount"]) if "amount" in h else float(h["units"]) * float(h["price"])


#: Base-currency units per USD on 2018-12-31 as published: NBP 2018-12-24 (last fixing before) table A USD 3.7588
#: PLN / table B TWD 0.1221 PLN; ECB 2018-12-31: 1 EUR = 1.1450 USD = 7.8751 CNY. Holdings are entered in USD
#: (every demo product's currency) and valued in the client's base currency at the report date.
PER_USD = {"USD": 1.0, "TWD": 3.7588 / 0.1221, "CNY": 7.8751 / 1.1450}


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    return _yaml_clients()


@pytest.fixture(scope="module")
def book():
    return build_book(params=PARAMS, as_of="2018-12-31")


# ------------------------------------------------------------------------------------------ KYC
def test_kyc_expired_and_due_match_hand_count(raw, book):
    validity = yaml.safe_load((PARAMS / "policy.yaml").read_text())["kyc"]["validity_months"]
    expired, due = set(), set()
    for c in raw:
        expiry = _plus_months(c["kyc"]["date"], validity)
        if AS_OF > expiry:
            expired.add(c["id"])
        elif (expiry - AS_OF).days <= 60:
            due.add(c["id"])
    assert expired == {"huang"}  # KYC 2017-09-30, expired 2018-09-30
    assert due == {"morgan", "lee"}  # expire 2019-01-10 (10 days) and 2019-02-01 (32 days)
    got = book.kyc_due.set_index("id")["kyc_status"]
    assert set(got[got == "expired"].index) == expired
    assert set(got[got == "due"].index) == due
    s = book.summary()
    assert (s["kyc_expired"], s["kyc_due"]) == (len(expired), len(due))
    assert book.kyc_due.set_index("id").loc["morgan", "days_to_kyc_expiry"] == 10


# ------------------------------------------------------------------------------------------ AUM
def test_aum_by_tier_per_currency_matches_hand_sum(raw, book):
    expected: dict[tuple[str, str], float] = defaultdict(float)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for c in raw:
        key = (c["tier"], c["base_currency"])
        expected[key] += sum(round(_value(h) * PER_USD[c["base_currency"]], 2) for h in (c.get("holdings") or {}).values())
        counts[key] += 1
    got = book.aum_by_tier.set_index(["tier", "currency"])
    assert set(got.index) == set(expected)
    for key, v in expected.items():
        assert got.loc[key, "aum"] == pytest.approx(v)
        assert got.loc[key, "clients"] == counts[key]
    # by eye: private TWD is chen alone (USD 260,883.89 + 815,262.15 + 391,325.83 + 586,988.75 + 195,662.92);
    # priority TWD is lin (USD 16,305.24 + 39,132.58 + 26,088.39 + 52.5 × 994.62)
    chen_usd = 260_883.89 + 815_262.15 + 391_325.83 + 586_988.75 + 195_662.92
    assert got.loc[("private", "TWD"), "aum"] == pytest.approx(chen_usd * PER_USD["TWD"], abs=0.05)
    assert got.loc[("priority", "TWD"), "aum"] == pytest.approx(
        (16_305.24 + 39_132.58 + 26_088.39 + 52.5 * 994.62) * PER_USD["TWD"], abs=0.05)
    assert got.loc[("private", "USD"), "aum"] == 120_000 + 3000 * 100.5 + 900_000 + 650_000 + 420_000 + 90_000
    assert ("mass", "CNY") not in got.index  # the mainland clients are the bank's (params/cn-bank)


def test_aum_is_never_added_across_currencies(book):
    s = book.summary()
    assert set(s["aum"]) == {"TWD", "USD"}
    assert list(book.aum_change["currency"]) == ["TWD", "USD"]


def test_total_aum_in_the_policys_reporting_currency(book):
    """policy fx.reporting_currency: TWD. Each base currency's AUM at the report date's rate into TWD (CNY
    through USD: TWD per USD ÷ CNY per USD), then added — the only place currencies are added."""
    s = book.summary()
    assert book.reporting_currency == "TWD"
    twd_per = {"TWD": 1.0, "USD": PER_USD["TWD"], "CNY": PER_USD["TWD"] / PER_USD["CNY"]}
    expected = sum(v * twd_per[ccy] for ccy, v in s["aum"].items())
    assert s["aum_reporting"]["currency"] == "TWD"
    assert s["aum_reporting"]["total"] == pytest.approx(expected, rel=1e-9)
    rows = dict(book.summary_table("en").values.tolist())
    assert any("Total AUM in TWD" in k for k in rows)


def test_aum_change_from_transactions(raw, book):
    start = date(2018, 1, 1)
    rows = {}
    for c in raw:
        txs = [t for t in c.get("transactions", []) if start <= t["date"] <= AS_OF]
        nnm = sum(t["amount"] for t in txs if t["type"] == "deposit") - sum(t["amount"] for t in txs if t["type"] == "withdrawal")
        first = min(t["date"] for t in c.get("transactions", []))
        closing = sum(round(_value(h) * PER_USD[c["base_currency"]], 2) for h in (c.get("holdings") or {}).values())
        opening = 0.0 if first >= start else closing - nnm
        r = rows.setdefault(c["base_currency"], [0.0, 0.0, 0.0])
        r[0] += opening
        r[1] += nnm
        r[2] += closing
    got = book.aum_change.set_index("currency")
    for ccy, (opening, nnm, closing) in rows.items():
        assert got.loc[ccy, "opening"] == pytest.approx(opening)
        assert got.loc[ccy, "net_new_money"] == pytest.approx(nnm)
        assert got.loc[ccy, "closing"] == pytest.approx(closing)
        assert got.loc[ccy, "growth"] == pytest.approx((closing - opening) / opening)
    # every 2018 deposit and withdrawal of the sample files is counted once, in its client's currency
    assert got["deposits"].sum() + got["withdrawals"].sum() == pytest.approx(sum(
        t["amount"] for c in raw for t in c["transactions"]
        if t["type"] in ("deposit", "withdrawal") and start <= t["date"] <= AS_OF
    ))


def test_new_accounts_are_first_transactions_in_the_year(raw, book):
    expected = {c["id"] for c in raw if min(t["date"] for t in c["transactions"]).year == 2018}
    assert expected == {"lee"}
    assert set(book.new_accounts["id"]) == expected


# ------------------------------------------------------------------------------------------ contacts and reviews
@pytest.mark.parametrize("days", [90, 60])
def test_not_contacted_list_matches_contact_log(raw, days):
    b = build_book(params=PARAMS, as_of=AS_OF, contact_days=days)
    expected = {}
    for c in raw:
        last = max(x["date"] for x in c["contact_log"] if x["date"] <= AS_OF)
        if (AS_OF - last).days > days:
            expected[c["id"]] = (AS_OF - last).days
    got = dict(zip(b.not_contacted["id"], b.not_contacted["days_since_contact"]))
    assert got == expected
    if days == 90:
        assert got == {"huang": 230, "lee": 133}  # last contacts 2018-05-15 and 2018-08-20
    else:
        assert set(got) == {"huang", "lee", "morgan", "lin"}


def test_reviews_due_use_conversation_channels(raw, book):
    channels = {"branch", "visit", "video", "phone", "meeting"}
    expected = set()
    for c in raw:
        reviews = [x["date"] for x in c["contact_log"] if x["channel"] in channels and x["date"] <= AS_OF]
        if not reviews or _plus_months(max(reviews), 3) < AS_OF:
            expected.add(c["id"])
    assert expected == {"huang", "lee", "morgan"}  # morgan's latest contact is an email
    assert set(book.reviews_due["id"]) == expected
    m = book.advisor_measures.set_index("advisor")
    assert m.loc["adv-chen", "reviews_on_time"] == pytest.approx(2 / 3)
    assert m.loc["adv-wang", "reviews_on_time"] == 0  # lee and morgan


# ------------------------------------------------------------------------------------------ complaints
def test_open_complaints_with_age(raw, book):
    expected = {}
    for c in raw:
        for comp in c.get("complaints") or []:
            if comp.get("closed") is None:
                expected[c["id"]] = (AS_OF - comp["opened"]).days
    assert expected == {}  # the Taiwanese firm's clients have none open at the end of 2018
    assert book.complaints.empty


def test_the_bank_flags_complaints_older_than_15_days():
    """The bank's policy (complaints.answer_days: 15, 《银行业保险业消费投诉处理管理办法》 Art 18): liu's complaint of
    2018-12-10 is 21 days old on 2018-12-31, past its answer date 2018-12-25; the Taiwanese firm's 30 days would
    not flag it."""
    b = build_book(params=BANK, as_of=AS_OF)
    c = b.complaints.set_index("client")
    assert c.loc["liu", "age_days"] == 21 and bool(c.loc["liu", "overdue"])
    assert c.loc["liu", "answer_due"] == date(2018, 12, 25)
    assert b.summary()["complaints_overdue"] == 1


def test_taiwan_flags_complaints_older_than_30_days(tmp_path):
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params)
    f = params / "clients" / "lin.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "complaints:\n  - {opened: 2018-11-20, summary: late statement}\n"
                 "  - {opened: 2018-12-15, summary: app login}\n", encoding="utf-8")
    b = build_book(params=params, as_of=AS_OF, advisor="adv-chen")
    c = b.complaints.set_index("summary")
    assert c.loc["late statement", "age_days"] == 41 and bool(c.loc["late statement", "overdue"])
    assert c.loc["late statement", "answer_due"] == date(2018, 12, 20)
    assert c.loc["app login", "age_days"] == 16 and not bool(c.loc["app login", "overdue"])
    assert b.summary()["complaints_overdue"] == 1
    # opened after the as-of date: not yet there
    assert "app login" not in set(build_book(params=params, as_of="2018-12-01", advisor="adv-chen").complaints["summary"])


# ------------------------------------------------------------------------------------------ suitability
def test_suitability_exceptions(book):
    ex = book.exceptions
    holdings = set(zip(ex.loc[ex["kind"] == "holding_above_ceiling", "client"], ex.loc[ex["kind"] == "holding_above_ceiling", "product"]))
    # chen: capped to moderate (RR3) as elderly, holds RR4/RR5 equity; lee and lin: moderate with the S&P 500 (RR4)
    assert holdings == {("chen", "US-TSM"), ("chen", "NASDAQ"), ("lee", "SP500"), ("lin", "SP500")}
    assert ex[ex["kind"] == "override_above_computed"].empty  # the one override (liu's) left with the clients' move


def test_tier_by_class_counts(raw, book):
    tc = book.tier_class
    assert tc.loc["total", "total"] == len(raw)
    for tier in ("mass", "priority", "private"):
        assert tc.loc[tier, "total"] == sum(1 for c in raw if c["tier"] == tier)
    assert tc.loc["private", "aggressive"] == 1  # morgan
    assert tc.loc["mass", "conservative"] == 1  # huang


# ------------------------------------------------------------------------------------------ isolation
def _all_text(b) -> str:
    parts = []
    for name in ("clients", "tier_class", "aum_by_tier", "aum_change", "new_accounts", "kyc_due", "reviews_due",
                 "not_contacted", "exceptions", "complaints", "advisor_measures"):
        parts.append(getattr(b, name).to_csv())
        parts.append(b.table(name, "en").to_csv())
    parts.append(b.summary_table("zh-TW").to_csv())
    parts.extend(b.methods.values())
    parts.extend(b.problems)
    return "\n".join(parts)


@pytest.mark.parametrize("advisor", ["adv-chen", "adv-wang"])
def test_advisor_report_holds_only_their_clients(raw, advisor):
    b = build_book(params=PARAMS, as_of=AS_OF, advisor=advisor)
    mine = {c["id"] for c in raw if c["advisor"] == advisor}
    assert set(b.clients["id"]) == mine
    text = _all_text(b)
    for c in raw:
        if c["advisor"] != advisor:
            assert c["name"] not in text, c["name"]
            assert c["id"] not in set(b.clients["id"])
    assert list(b.advisor_measures["advisor"]) == [advisor]
    others = {c["advisor"] for c in raw} - {advisor}
    assert not any(o in text for o in others)


def test_advisor_report_does_not_name_unreadable_files(tmp_path):
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params)
    (params / "clients" / "broken.yaml").write_text("id: broken\nname: [\n", encoding="utf-8")
    whole = build_book(params=params, as_of=AS_OF)
    assert whole.unreadable_files == 1 and any("broken.yaml" in p for p in whole.problems)
    mine = build_book(params=params, as_of=AS_OF, advisor="adv-chen")
    assert mine.unreadable_files == 1 and mine.problems == []


def test_a_client_whose_kyc_cannot_be_scored_is_reported_not_fatal(tmp_path):
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params)
    f = params / "clients" / "lin.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("t1: b, t2: b, t3: c", "t1: z, t2: b, t3: c"), encoding="utf-8")
    b = build_book(params=params, as_of=AS_OF, advisor="adv-chen")
    assert set(b.clients["id"]) == {"chen", "huang"}
    assert len(b.problems) == 1 and "lin.yaml" in b.problems[0] and "kyc.answers.t1" in b.problems[0]
    assert b.unreadable_files == 1
    assert "lin.yaml" not in "".join(build_book(params=params, as_of=AS_OF, advisor="adv-wang").problems)


def test_unknown_advisor_and_bad_arguments():
    with pytest.raises(BookError, match="no client of advisor 'adv-nobody'.*adv-chen, adv-wang"):
        build_book(params=PARAMS, advisor="adv-nobody")
    with pytest.raises(BookError, match="contact_days"):
        build_book(params=PARAMS, contact_days=0)


def test_as_of_cuts_the_book():
    b = build_book(params=PARAMS, as_of="2017-12-31")
    assert "lee" not in set(b.clients["id"])  # first transaction 2018-02-01
    # a client whose only KYC assessment is dated later has none in force: reported, never profiled on it
    # (chen 2018-03-20, lin 2018-06-15, morgan 2018-01-10); huang's (2017-09-30) was in force
    later = [p for p in b.problems if "kyc.date: no KYC assessment is dated on or before" in p]
    assert {n for n in ("chen", "lin", "morgan") if any(f"{n}.yaml" in p for p in later)} == {"chen", "lin", "morgan"}
    assert "huang" in set(b.clients["id"]) and not any("huang.yaml" in p for p in later)
    assert len(b.clients) + len(later) == len(SAMPLES) - 1  # the Taiwanese firm's sample clients less lee


def test_localized_tables_have_labels(book):
    t = book.table("kyc_due", "zh-TW")
    assert list(t.columns)[:3] == ["客戶", "客戶編號", "客戶等級"]
    assert set(t["狀態"]) == {"已逾期", "即將到期"}
    assert set(book.table("aum_by_tier", "en")["Tier"]) == {"Mass", "Priority", "Private"}
    with pytest.raises(KeyError, match="no book table"):
        book.table("nope")


# ------------------------------------------------------------------------------------------ rendered report
@pytest.mark.slow
def test_rendered_report_has_tier_labels_and_no_other_advisors_clients(raw, tmp_path):
    proc = subprocess.run(
        [WEALTH, "book", "report", "--advisor", "adv-chen", "--lang", "zh-TW",
         "--out", str(tmp_path), "--format", "html"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    html_path = tmp_path / "book-adv-chen-2018-12-31.html"
    assert proc.stdout.strip() == str(html_path)
    html = html_path.read_text(encoding="utf-8")
    for label in ("一般客戶", "貴賓客戶", "私人銀行客戶"):
        assert label in html
    for c in raw:
        if c["advisor"] == "adv-chen":
            assert c["name"] in html
        else:
            assert c["name"] not in html, c["name"]
            assert f">{c['id']}<" not in html
    assert "adv-wang" not in html
    assert "客戶關係經營報告" in html and "<script" not in html.lower()


@pytest.mark.slow
def test_cli_errors_are_one_line(tmp_path):
    wealth = WEALTH
    proc = subprocess.run([wealth, "book", "report", "--advisor", "adv-nobody", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: --advisor: no client of advisor 'adv-nobody' as of 2018-12-31; advisors: adv-chen, adv-wang"
    ]
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_template_runs_with_its_defaults_in_its_folder():
    """As JupyterLab runs it (``make lab``): in templates/, nothing injected; the whole book, in English."""
    import papermill

    nb = papermill.execute_notebook(str(ROOT / "templates" / "relationship_report.ipynb"), None, kernel_name="python3",
                                    progress_bar=False, cwd=str(ROOT / "templates"), execution_timeout=120)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    html = "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "<strong>Whole book: 2 advisors</strong>" in html  # the report is one HTML output (BookReport.show)
    for label in ("Mass", "Priority", "Private"):
        assert f"<td>{label}</td>" in html or f"<th>{label}</th>" in html


@pytest.mark.slow
def test_default_report_renders_whole_book_and_each_advisor_in_isolation(raw, tmp_path):
    proc = subprocess.run(
        [WEALTH, "book", "report", "--out", str(tmp_path), "--format", "html"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in tmp_path.glob("*.html"))
    assert names == ["book-adv-chen-2018-12-31.html", "book-adv-wang-2018-12-31.html", "book-all-2018-12-31.html"]
    assert proc.stdout.split() == [str(tmp_path / n) for n in ["book-all-2018-12-31.html",
                                                                "book-adv-chen-2018-12-31.html",
                                                                "book-adv-wang-2018-12-31.html"]]
    whole = (tmp_path / "book-all-2018-12-31.html").read_text(encoding="utf-8")
    assert all(c["name"] in whole for c in raw)
    for adv in ("adv-chen", "adv-wang"):
        html = (tmp_path / f"book-{adv}-2018-12-31.html").read_text(encoding="utf-8")
        for c in raw:
            assert (c["name"] in html) == (c["advisor"] == adv), (adv, c["id"])
        for label in {c["tier"].capitalize() for c in raw if c["advisor"] == adv}:  # the tiers of their clients
            assert label in html, (adv, label)


# ------------------------------------------------------------------------------------------ a bank's book
#: Copies of each sample client that make a book of more than 100 clients (21 × 5 = 105).
COPIES = 100 // len(SAMPLES) + 1


def _big_book(tmp_path: Path, copies: int) -> Path:
    """A params folder with ``copies`` copies of every sample client (ids ``<id>-<k>``), everything else as is."""
    params = tmp_path / "params"
    (params / "clients").mkdir(parents=True)
    for f in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):  # the book values holdings with the market's FX
        shutil.copy(PARAMS / f, params / f)
    for p in sorted((PARAMS / "clients").glob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        for k in range(copies):
            (params / "clients" / f"{p.stem}-{k}.yaml").write_text(
                text.replace(f"\nid: {p.stem}\n", f"\nid: {p.stem}-{k}\n", 1), encoding="utf-8")
    return params


def test_whole_book_lists_print_their_first_rows_and_the_count(tmp_path, raw):
    params = _big_book(tmp_path, COPIES)
    n = COPIES * len(SAMPLES)  # every sample client COPIES times
    assert n > 100  # more than a whole-book list prints
    whole = build_book(params=params, as_of=AS_OF)
    assert whole.rows("clients") == n and len(whole.clients) == n  # the tables themselves keep every row
    assert whole.list_limit == 100 and "lists" in whole.methods
    roster = whole.table("clients", "en", limit=whole.list_limit)
    assert len(roster) == 100
    assert list(roster["Client number"]) == list(whole.clients["id"][:100])  # the first rows, in the roster's order
    assert len(whole.table("clients", "en")) == n
    n_chen = COPIES * sum(c["advisor"] == "adv-chen" for c in raw)
    adv = build_book(params=params, as_of=AS_OF, advisor="adv-chen")
    assert adv.list_limit is None and adv.rows("clients") == n_chen and "lists" not in adv.methods


@pytest.mark.slow
def test_rendered_whole_book_of_105_clients_shows_100_roster_rows_and_says_so(tmp_path):
    import re

    params = _big_book(tmp_path, COPIES)
    proc = subprocess.run(
        [WEALTH, "--params", str(params), "book", "report", "--advisor", "all",
         "--out", str(tmp_path / "out"), "--format", "html"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out" / "book-all-2018-12-31.html").read_text(encoding="utf-8")
    roster = html[html.index("Client roster"):]
    roster = roster[: roster.index("</table>")]
    assert len(re.findall(r"<tr[ >]", roster[roster.index("<tbody"):])) == 100
    n = COPIES * len(SAMPLES)
    assert f"The first 100 of {n} are shown; each advisor&#x27;s report lists all of theirs." in html or \
        f"The first 100 of {n} are shown; each advisor's report lists all of theirs." in html


def test_a_built_book_handed_to_a_kernel_is_the_same_and_only_this_run_can_read_it(tmp_path, monkeypatch, book):
    import pandas as pd

    from wealthlib.book import HANDOFF_KEY_ENV, load_book_clients, read_book_report, write_book_report
    from wealthlib.clients import load_clients

    clients, failures = load_book_clients(PARAMS)
    assert [c.id for c in clients] == [c.id for c in load_clients(PARAMS / "clients")[0]] and failures == []
    assert build_book(params=PARAMS, as_of="2018-12-31", loaded=(clients, failures)).summary() == book.summary()
    monkeypatch.delenv(HANDOFF_KEY_ENV, raising=False)
    f = write_book_report(tmp_path / "whole.book", book)  # makes this run's key
    back = read_book_report(f)
    assert back.summary() == book.summary()
    for name in ("clients", "exceptions", "complaints", "advisor_aum", "tier_class"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(book, name))
    # a file this run did not write (changed, or signed under another key) is refused before it is unpickled
    blob = bytearray(f.read_bytes())
    blob[-1] ^= 1
    (tmp_path / "changed.book").write_bytes(bytes(blob))
    with pytest.raises(BookError, match="signature does not match"):
        read_book_report(tmp_path / "changed.book")
    monkeypatch.setenv(HANDOFF_KEY_ENV, "00" * 32)
    with pytest.raises(BookError, match="signature does not match"):
        read_book_report(f)
    monkeypatch.delenv(HANDOFF_KEY_ENV)
    with pytest.raises(BookError, match="only be read by the kernels"):
        read_book_report(f)
