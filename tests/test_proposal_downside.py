"""Downside told honestly, printed (issue 12 item 5): beside the expected range the worst calendar year and
the worst 12 months of the proposed and the current portfolio over their own available history, and the
rate- and currency-shock rows in the stress table — read from the rendered HTML against values computed here
with pandas from the market's series, the exchange rate and the shelf's fees and durations."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from wealthlib.context import load_context

from _html import tables
from _paths import PARAMS, ROOT

AS_OF = "2018-12-31"
SHOCKS = {s["id"]: s for s in yaml.safe_load((ROOT / "wealthlib" / "data" / "stress.yaml")
                                                 .read_text(encoding="utf-8"))["shocks"]}


def _num(s: str) -> float:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", s)
    return (-1 if "-" in s[:m.start()] else 1) * float(m.group().replace(",", ""))


def _returns(ctx, codes, base):
    """Each product's monthly return in ``base`` from the market's own series and the month-end exchange rate."""
    m = ctx.market
    out = {}
    for code in codes:
        pr = ctx.shelf.get(code)
        r = m.monthly[pr.series]
        if pr.currency != base:
            fx = m.fx_monthly(pr.currency, base)
            r = (1 + r) * (1 + (fx / fx.shift(1) - 1).reindex(r.index)) - 1
        out[code] = r
    return pd.DataFrame(out).loc[:AS_OF]


def _worst(ctx, weights, base):
    w = pd.Series(weights)
    r = _returns(ctx, w.index, base).dropna()  # the months every product of this portfolio has
    fees = pd.Series({c: ctx.shelf.get(c).annual_fee for c in w.index})
    port = ((1 + r) * (1 - fees) ** (1 / 12) - 1) @ w
    g = 1 + port
    years = g.groupby(port.index.year).agg(["prod", "count"])
    years = years[years["count"] == 12]["prod"] - 1
    roll = g.rolling(12).apply(np.prod, raw=True) - 1
    return r.index[0], years.min(), int(years.idxmin()), roll.min(), roll.idxmin()


@pytest.mark.parametrize("client,base", [("morgan", "USD"), ("lin", "TWD")])
def test_worst_year_and_12_months_beside_the_range(client, base, sample_proposal):
    p = sample_proposal(client, PARAMS, locale="en", as_of=AS_OF)
    ctx = load_context(PARAMS, AS_OF)
    h = p.section_html("expected")
    assert "Worst calendar year" in h and h.index("expected between") < h.index("Worst calendar year")
    worst = {r[0]: r for r in tables(h)[1][1:]}
    for name, weights in (("Proposed portfolio", p.weights), ("Current portfolio", p.current_weights)):
        start, year, label, m12, m12_end = _worst(ctx, weights, base)
        row = worst[name]
        assert row[1].startswith(f"{start:%Y-%m} – ")
        assert _num(row[2]) == pytest.approx(100 * year, abs=0.051) and row[2].endswith(f"({label})")
        assert _num(row[3]) == pytest.approx(100 * m12, abs=0.051) and row[3].endswith(f"– {m12_end:%Y-%m})")
        assert m12 <= year


@pytest.mark.parametrize("client,base", [("morgan", "USD"), ("lin", "TWD")])
def test_rate_and_currency_shocks_in_the_stress_table(client, base, sample_proposal):
    p = sample_proposal(client, PARAMS, locale="en", as_of=AS_OF)
    ctx = load_context(PARAMS, AS_OF)
    value = p.amount
    stress = {r[0]: r for r in tables(p.section_html("stress"))[0][1:]}
    for side, weights in ((2, p.weights), (4, p.current_weights)):
        dur = {c: ctx.shelf.get(c).duration for c in weights}
        for sid in ("rates_up_1", "rates_up_2"):
            want = -sum(w * dur[c] for c, w in weights.items() if dur[c] is not None) * SHOCKS[sid]["rates"] * value
            row = stress[SHOCKS[sid]["name"]["en"]]
            assert row[1] == "At once" and _num(row[side + 1]) == pytest.approx(want, abs=1.0)
        foreign = sum(w for c, w in weights.items() if ctx.shelf.get(c).currency != base)
        row = stress[SHOCKS["currency_down_10"]["name"]["en"]]
        assert _num(row[side + 1]) == pytest.approx(-0.10 * foreign * value, abs=1.0)
        assert _num(row[side]) == pytest.approx(-10.0 * foreign, abs=0.051)
