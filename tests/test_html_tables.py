"""Document tables align by content: numbers right and unbroken, text left; label/value tables have row headers."""

from __future__ import annotations

import pandas as pd
import pytest

from wealthlib._html import frame_table, is_number, kv, table


@pytest.mark.parametrize("cell", ["+0.47%", "-1.71%", "−5.0%", "人民币 1,048,948 元", "人民币 -1,719 元", "NT$ 1,234,567",
                                  "USD 5,000", "0.331", "2040", "12 pts", "新台幣 50,000 元",
                                  "27.00% – 33.00%", "0.00% – 0.00%"])
def test_numbers(cell):
    assert is_number(cell)


@pytest.mark.parametrize("cell", ["王建国", "2018年9月30日", "2018-09-30", "美元现金（一个月期美国国库券）", "buy",
                                  "adv-wang", "5% – 10% – 15%", "1,000 / 2,000", "<b>1</b>", "2018 – 2019 年度計畫"])
def test_not_numbers(cell):
    assert not is_number(cell)


def test_numeric_columns_are_marked_and_text_columns_are_not():
    html = table(["Product", "Weight", "Amount"], [["活期存款", "+1.00%", "人民币 5 元"], ["<script>", "—", "—"]])
    assert '<th>Product</th><th class="num">Weight</th><th class="num">Amount</th>' in html
    assert '<td>活期存款</td><td class="num">+1.00%</td><td class="num">人民币 5 元</td>' in html
    assert "<td>&lt;script&gt;</td>" in html  # escaped, text
    # a column with nothing but placeholders is text
    assert '<th>x</th>' in table(["x"], [["—"]])


def test_date_columns_are_marked_and_kept_whole():
    html = table(["Goal", "By"], [["Retire", "2040年4月30日"], ["School", "30 Sep 2018"], ["Car", "2019-01-02"]])
    assert '<th>Goal</th><th class="date">By</th>' in html and '<td class="date">2040年4月30日</td>' in html
    assert '<th class="date">' not in table(["By"], [["2040年4月30日"], ["soon"]])  # one non-date: text


def test_label_value_frame_has_row_headers_and_no_header_row():
    df = pd.DataFrame([("Client", "Lin <&>"), ("Closing value", "NT$ 1,000")], columns=["Item", ""])
    html = frame_table(df)
    assert "<thead>" not in html and 'class="wealth-table wl-kv"' in html
    assert '<th scope="row">Client</th><td>Lin &lt;&amp;&gt;</td>' in html
    assert '<th scope="row">Closing value</th><td class="num">NT$ 1,000</td>' in html
    assert kv([("a", "b")]).startswith('<table class="wl-kv">')


def test_a_text_cell_keeps_its_words_whole_and_its_text_unchanged():
    """「指數」 never breaks into 指/數 (issue 12 item 7): each word wealthlib/data/terms/words.yaml lists is an
    unbreakable span in a table's text cell, with a break opportunity (<wbr>) where two words meet; none is put
    after an opening bracket. The cell still reads as written."""
    import re as _re

    from _html import tables
    from wealthlib._html import table

    name = "QDII纳斯达克综合指数基金人民币份额（价格指数）"
    out = table(["产品名称"], [[name], ["Johnson & Johnson"]])
    assert tables(out)[0][1:] == [[name], ["Johnson & Johnson"]]
    kept = _re.findall(r'<span class="wl-word">([^<]*)</span>', out)
    assert {"纳斯达克", "综合", "指数", "基金", "份额", "价格"} <= set(kept)
    assert "（<wbr>" not in out and "<wbr>）" not in out
    assert '</span><span class="wl-word">' not in out  # two words side by side always have a seam
