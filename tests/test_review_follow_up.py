"""The review's follow-up visits (回访, section follow_up): each visit owed after a sale, due by the sale's date
plus the policy's days, matched to the contact log's follow-up entries — nothing recorded after the quarter
end counted. Expected dates are counted by hand from the calendar (20 May + 3 days = 23 May; + 30 = 19 June)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace as NS

import pytest

from tests._html import tables
from wealthlib._analytics.follow_up import visit_status

RULES = NS(visits=[NS(days_after_sale=3), NS(days_after_sale=30)])


def _client(visits, buys=(date(2018, 5, 20),)):
    tx = [NS(type="deposit", date=date(2018, 1, 2), product=None)]
    tx += [NS(type="buy", date=d, product="P") for d in buys]
    log = [NS(kind="contact", date=date(2018, 5, 21), channel="phone", satisfaction=None)]
    log += [NS(kind="follow_up", date=d, channel="phone", satisfaction=4) for d in visits]
    return NS(transactions=tx, contact_log=log)


def _status(rows):
    return [(r["visit"], r["due"], r["recorded"], r["status"]) for r in rows]


def test_visits_done_on_time_are_matched_in_date_order():
    rows = visit_status(_client([date(2018, 6, 19), date(2018, 5, 23)]), RULES, date(2018, 3, 31), date(2018, 6, 30))
    assert _status(rows) == [(1, date(2018, 5, 23), date(2018, 5, 23), "done"),
                             (2, date(2018, 6, 19), date(2018, 6, 19), "done")]


def test_a_visit_after_the_quarter_end_is_not_counted_in_it_and_is_late_in_the_next():
    c = _client([date(2018, 5, 23), date(2018, 7, 2)])
    q2 = visit_status(c, RULES, date(2018, 3, 31), date(2018, 6, 30))
    assert _status(q2)[1] == (2, date(2018, 6, 19), None, "missed")
    q3 = visit_status(c, RULES, date(2018, 6, 30), date(2018, 9, 30))
    assert _status(q3)[1] == (2, date(2018, 6, 19), date(2018, 7, 2), "late")


def test_a_visit_due_after_the_quarter_is_open_and_an_old_plan_is_left_out():
    c = _client([date(2018, 6, 27)], buys=(date(2018, 1, 5), date(2018, 6, 25)))
    rows = visit_status(c, RULES, date(2018, 3, 31), date(2018, 6, 30))
    # the January sale's visits were both due in Q1 (8 Jan, 4 Feb) and nothing of it was recorded in Q2
    assert _status(rows) == [(1, date(2018, 6, 28), date(2018, 6, 27), "done"),
                             (2, date(2018, 7, 25), None, "open")]
    # the visit of 27 June belongs to the June sale, not to the January one
    assert all(r["sale"] == date(2018, 6, 25) for r in rows)


def test_buys_of_one_day_are_one_sale():
    c = _client([date(2018, 5, 22)], buys=(date(2018, 5, 20), date(2018, 5, 20)))
    rows = visit_status(c, RULES, date(2018, 3, 31), date(2018, 6, 30))
    assert len(rows) == 2 and rows[0]["products"] == ["P", "P"]


@pytest.mark.parametrize("locale, want", [
    ("zh-CN", [["2018年5月20日", "2018年5月23日", "已完成"], ["2018年5月20日", "2018年6月19日", "已完成"]]),
    ("en", [["20 May 2018", "23 May 2018", "Done"], ["20 May 2018", "19 Jun 2018", "Done"]]),
])
def test_the_bank_review_prints_wangs_visits_read_back_from_the_html(locale, want):
    """wang bought the oil fund on 2018-05-20; the contact log records a call on 23 May and a video call on
    19 June (params/cn-bank/clients/wang.yaml); the bank's policy plans visits within 3 and 30 days."""
    from wealthlib.review import build_review

    r = build_review("wang", params="params/cn-bank", quarter="2018Q2", locale=locale)
    assert "follow_up" in r.keys
    (t,) = tables(r.section_html("follow_up"))
    body = t[1:]
    assert [[row[0], row[3], row[5]] for row in body] == want
    assert all(("5/5" in row[4]) or ("5 of 5" in row[4]) for row in body)


def test_the_taiwanese_firms_review_has_no_follow_up_section():
    from wealthlib.review import build_review

    r = build_review("chen", params="params", quarter="2018Q3", locale="en")
    assert "follow_up" not in r.keys
