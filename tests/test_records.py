"""The advice lifecycle: the append-only records store, the agreed target carried into reviews (drift against
it, nothing inside its band traded, revisit flags) and acceptance per advisor in the book report."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date

import pytest
import yaml

from wealthlib.book import build_book
from wealthlib.records import Decision, RecordsError, open_store, store_path
from wealthlib.review import CASH, build_review

from _paths import PARAMS, sample_book

# morgan's agreed target, chosen here (morgan is aggressive: RR1–5 allowed)
MORGAN_TARGET = {"USD-MMF": 0.05, "US-TSM": 0.30, "SP500": 0.25, "NASDAQ": 0.15, "CORP-AAA10": 0.10, "OIL-WTI": 0.05,
                 "JNJ": 0.10}


def _accepted(target=MORGAN_TARGET, on=date(2018, 7, 5), risk_class="aggressive", client="morgan", ref="a" * 64):
    return Decision(client=client, decided_on=on, decision="accepted", proposal_hash=ref,
                    proposal_as_of=date(2018, 6, 30), risk_class=risk_class, target=dict(target), reason=None)


def _declined(on, client="morgan", ref="b" * 64):
    return Decision(client=client, decided_on=on, decision="declined", proposal_hash=ref,
                    proposal_as_of=date(2018, 6, 30), risk_class="aggressive", target=None, reason="prefers cash")


# ------------------------------------------------------------------------------------------ the store


def test_store_is_append_only_and_round_trips(tmp_path):
    with open_store(tmp_path) as s:
        s.record(_accepted())
        s.record(_declined(date(2018, 8, 1)))
        assert s.add_document({"client": "morgan", "sha256": "f" * 64, "kind": "proposal"})
        assert not s.add_document({"client": "morgan", "sha256": "f" * 64, "kind": "proposal"})  # indexed once
        got = s.decisions("morgan")
    assert [d.decision for d in got] == ["accepted", "declined"]
    assert got[0].target == MORGAN_TARGET and got[1].reason == "prefers cash"
    db = sqlite3.connect(tmp_path / "records.sqlite")
    for sql in ("UPDATE decisions SET decision = 'declined'", "DELETE FROM decisions", "DELETE FROM documents"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    assert db.execute("SELECT count(*) FROM decisions").fetchone() == (2,)


def test_store_url_forms(tmp_path, monkeypatch):
    assert store_path(tmp_path) == tmp_path / "records.sqlite"
    assert store_path(tmp_path, "sqlite:///db/firm.sqlite") == tmp_path / "db" / "firm.sqlite"
    assert store_path(tmp_path, f"sqlite:///{tmp_path}/abs.sqlite") == tmp_path / "abs.sqlite"
    monkeypatch.setenv("WEALTH_RECORDS", "postgresql://host/db")
    with pytest.raises(RecordsError, match="WEALTH_RECORDS: records: only sqlite:///path URLs"):
        store_path(tmp_path)


# ------------------------------------------------------------------------------------------ reviews


def _hand_weights(params, cid="morgan", end=date(2018, 9, 30)):
    """Current weights by hand from the client file: holdings at the quarter end plus the cash the transactions
    leave (deposits + sells + income − buys − fees − withdrawals up to the quarter end); morgan is all USD."""
    raw = yaml.safe_load((params / "clients" / f"{cid}.yaml").read_text(encoding="utf-8"))
    hold = {k: (v["amount"] if "amount" in v else v["units"] * v["price"]) for k, v in raw["holdings"].items()}
    sign = {"deposit": 1, "sell": 1, "income": 1, "buy": -1, "fee": -1, "withdrawal": -1}
    cash = sum(sign[x["type"]] * x["amount"] for x in raw["transactions"] if x["date"] <= end)
    total = sum(hold.values()) + cash
    return {**{k: v / total for k, v in hold.items()}, CASH: cash / total}


def _band(t):
    return 0.03 if t > 0.03 else t / 2


def test_review_drifts_against_the_agreed_target_and_trades_only_outside_its_band():
    r = build_review("morgan", params=PARAMS, quarter="2018Q3", locale="en", decisions=[_accepted()])
    d = r.drift.set_index("code")
    products = d.drop(CASH)
    assert products["target"].to_dict() == pytest.approx({**MORGAN_TARGET}) and set(products.index) == set(MORGAN_TARGET)
    w = _hand_weights(PARAMS)
    outside = {c for c, t in MORGAN_TARGET.items() if abs(w.get(c, 0.0) - t) > _band(t) + 1e-9}
    inside = set(MORGAN_TARGET) - outside
    assert inside and outside  # the chosen target has both kinds
    assert set(r.rebalance["code"]) == outside  # nothing inside its band is traded; cash never is
    for row in r.rebalance.itertuples():
        if row.action == "sell":
            assert row.weight_change == pytest.approx(MORGAN_TARGET[row.code] - w[row.code], abs=1e-6)
    assert any("you accepted on 5 Jul 2018" in n for n in r.notes)
    assert not any("Revisit" in a["item"] for a in r.actions)  # class unchanged, KYC valid, all on the shelf
    # the same review without the decision measures against the engine's target instead
    engine = build_review("morgan", params=PARAMS, quarter="2018Q3", locale="en", decisions=[])
    assert engine.drift.set_index("code").drop(CASH)["target"].to_dict() != pytest.approx(MORGAN_TARGET)


def test_a_decline_leaves_the_agreed_target_and_a_later_date_is_not_used():
    later = _accepted(target={"USD-MMF": 1.0}, on=date(2018, 10, 15), ref="c" * 64)
    r = build_review("morgan", params=PARAMS, quarter="2018Q3", locale="en",
                     decisions=[_accepted(), _declined(date(2018, 8, 1)), later])
    assert r.drift.set_index("code").drop(CASH)["target"].to_dict() == pytest.approx(MORGAN_TARGET)


def test_a_class_change_flags_the_agreed_target():
    r = build_review("morgan", params=PARAMS, quarter="2018Q3", locale="en",
                     decisions=[_accepted(risk_class="conservative")])
    assert any("it was made for the Conservative class; your class is now Aggressive" in n for n in r.notes), r.notes
    assert any(a["item"] == "Revisit the agreed target allocation with the client" for a in r.actions)
    assert "Revisit the agreed target" in r.section_html("method")


def test_an_expired_kyc_flags_the_agreed_target():
    from wealthlib.clients import load_client

    morgan = load_client("morgan", PARAMS / "clients")  # KYC of 2018-01-10 moved back to 2017-06-30: expired
    old = morgan.model_copy(update={"kyc": morgan.kyc.model_copy(update={"date": date(2017, 6, 30)})})
    r = build_review(old, params=PARAMS, quarter="2018Q3", locale="en", decisions=[_accepted()])
    assert r.kyc["expired"]
    assert any("your risk profile (KYC) has expired" in n for n in r.notes)
    assert any(a["item"].startswith("Revisit the agreed target") for a in r.actions)


def test_a_product_removed_from_the_shelf_flags_the_target(tmp_path):
    params = sample_book(tmp_path / "params", ["morgan"])
    shelf = yaml.safe_load((params / "products.yaml").read_text(encoding="utf-8"))
    shelf["products"] = [p for p in shelf["products"] if p["code"] != "JNJ"]
    (params / "products.yaml").write_text(yaml.safe_dump(shelf, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = build_review("morgan", params=params, quarter="2018Q3", locale="en", decisions=[_accepted()])
    assert any("JNJ is no longer offered" in n for n in r.notes)
    assert any(a["item"].startswith("Revisit the agreed target") for a in r.actions)
    tgt = r.drift.set_index("code").drop(CASH)["target"]
    assert "JNJ" not in tgt.index
    assert tgt.to_dict() == pytest.approx({c: v / 0.9 for c, v in MORGAN_TARGET.items() if c != "JNJ"})


def test_review_reads_the_params_folders_store(tmp_path):
    params = sample_book(tmp_path / "params", ["morgan"])
    with open_store(params) as s:
        s.record(_accepted())
    r = build_review("morgan", params=params, quarter="2018Q3", locale="en")
    assert r.drift.set_index("code").drop(CASH)["target"].to_dict() == pytest.approx(MORGAN_TARGET)


# ------------------------------------------------------------------------------------------ the book


def test_book_counts_proposals_accepted_declined_and_pending_per_advisor(tmp_path):
    params = sample_book(tmp_path / "params", ["chen", "lin", "morgan", "lee"])
    archive = tmp_path / "archive"  # the shipped policy's guard.archive.folder: ../archive
    archive.mkdir()
    lines = [  # what the guard's archive writes for each issued document
        {"client": "chen", "sha256": "1" * 64, "kind": "proposal", "as_of": "2018-06-30", "inputs_hash": "p-chen"},
        {"client": "lin", "sha256": "2" * 64, "kind": "proposal", "as_of": "2018-06-30", "inputs_hash": "p-lin"},
        {"client": "lin", "sha256": "3" * 64, "kind": "review", "as_of": "2018-09-30", "inputs_hash": "r-lin"},
        {"client": "morgan", "sha256": "4" * 64, "kind": "proposal", "as_of": "2018-06-30", "inputs_hash": "a" * 64},
        {"client": "lee", "sha256": "5" * 64, "kind": "proposal", "as_of": "2018-06-30", "inputs_hash": "p-lee"},
        {"client": "lee", "sha256": "6" * 64, "kind": "proposal", "as_of": "2018-11-30", "inputs_hash": "p-lee-2"},
    ]
    (archive / "index.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    with open_store(params) as s:
        s.record(_accepted())                                                    # morgan (adv-wang): accepted
        s.record(_declined(date(2018, 7, 20), client="lee", ref="p-lee"))        # lee (adv-wang): declined
        s.record(_accepted(client="lin", ref="p-lin", on=date(2018, 10, 30)))    # lin: decided after 2018-09-30
    b = build_book(params=params, as_of="2018-09-30")
    a = b.acceptance.set_index("advisor")
    # adv-chen: chen's and lin's proposals, both still open on 30 Sep; adv-wang: morgan accepted, lee declined,
    # lee's November proposal not yet made
    assert a.loc["adv-chen", ["proposals", "accepted", "declined", "pending"]].tolist() == [2, 0, 0, 2]
    assert a.loc["adv-wang", ["proposals", "accepted", "declined", "pending"]].tolist() == [2, 1, 1, 0]
    assert a.loc["adv-wang", "rate"] == pytest.approx(0.5)
    table = b.table("acceptance", "zh-TW")
    assert list(table.columns) == ["理財顧問", "建議書件數", "已接受", "未接受", "待回覆", "接受率"]
    assert table.iloc[:, 1:].values.tolist() == [["2", "0", "0", "2", "—"], ["2", "1", "1", "0", "50%"]]
    later = build_book(params=params, as_of="2018-12-31").acceptance.set_index("advisor")
    assert later.loc["adv-chen", ["accepted", "pending"]].tolist() == [1, 1]
    assert later.loc["adv-wang", "proposals"] == 3


def test_a_recorded_decision_changes_that_clients_batch_review_key_only(tmp_path):
    from wealthlib.batch import job_input_hash
    from wealthlib.resources import template_path

    params = sample_book(tmp_path / "params", ["morgan", "lee"])
    tpl = template_path("quarterly_review.ipynb")
    assert tpl.is_file()

    def key(cid, kind="review"):
        return job_input_hash(params / "clients" / f"{cid}.yaml", params, tpl, kind, "2018Q3", ("html",))

    before = {c: key(c) for c in ("morgan", "lee")}
    proposal_key = key("morgan", "propose")
    with open_store(params) as s:
        s.record(_accepted())
    assert key("morgan") != before["morgan"] and key("lee") == before["lee"]
    assert key("morgan", "propose") == proposal_key  # a proposal does not depend on earlier decisions


def test_a_buy_the_client_excludes_is_refused_and_says_why():
    from wealthlib.clients import load_client

    morgan = load_client("morgan", PARAMS / "clients")
    no_jnj = morgan.model_copy(update={"restrictions": morgan.restrictions.model_copy(
        update={"excluded_products": ["JNJ"]})})
    r = build_review(no_jnj, params=PARAMS, quarter="2018Q3", locale="en", decisions=[_accepted()])
    assert "JNJ" not in set(r.rebalance["code"])
    html = r.section_html("rebalancing")
    assert "Johnson &amp; Johnson (JNJ)</td>" in html and "⚠ Excluded by the client" in html


@pytest.mark.parametrize("locale", ["en", "zh-TW", "zh-CN"])
def test_book_tables_reconcile_as_printed(tmp_path, locale):
    """Read back from the tables' HTML: per currency, implied opening + change = closing; per advisor, proposals
    made = accepted + declined + pending."""
    from _html import tables
    from test_review_identities import money

    from wealthlib._html import frame_table
    from wealthlib.i18n import t

    params = sample_book(tmp_path / "params", ["chen", "lin", "morgan", "lee", "huang"])
    with open_store(params) as s:
        s.record(_accepted())
        s.record(_declined(date(2018, 7, 20), client="lee", ref="p-lee"))
        s.record(_accepted(client="lin", ref="p-lin", on=date(2018, 8, 30)))
    b = build_book(params=params, as_of="2018-09-30")
    (aum,) = tables(frame_table(b.table("aum_change", locale)))
    head = aum[0]
    oi, ci, chi = (head.index(t(f"documents.{k}", locale)) for k in ("col_book_opening_implied", "col_closing_value",
                                                                  "col_change"))
    assert len(aum) > 1
    for row in aum[1:]:
        assert abs(money(row[oi]) + money(row[chi]) - money(row[ci])) <= 1.5, row
    (acc,) = tables(frame_table(b.table("acceptance", locale)))
    rows = [[int(x) for x in row[1:5]] for row in acc[1:]]
    assert rows and all(p == a + d + n for p, a, d, n in rows)
    assert sum(r[0] for r in rows) == 3  # the three decided proposals; none archived in this folder
