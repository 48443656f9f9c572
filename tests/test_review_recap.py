"""The review's market recap weights the way it says: each asset class is the equal-weighted mean of the shelf's
products of that class, single stocks left out, and the table says so in the document's language."""

from __future__ import annotations

import html as _html
import re

import numpy as np
import pandas as pd
import pytest

from wealthlib.clients import load_client
from wealthlib.context import for_client, load_context
from wealthlib.i18n import t

from _html import tables
from _paths import PARAMS

PCT = re.compile(r"([+−-]?\d+\.\d+)%")


def _by_class_rows(section_html: str) -> dict[str, tuple[float, float]]:
    """The first table of the recap (by asset class), read from the HTML: label → (quarter, year to date)."""
    rows = tables(section_html)[0][1:]  # the header row left out
    return {label: tuple(float(PCT.fullmatch(c).group(1).replace("−", "-")) / 100 for c in (q, y))
            for label, q, y in rows}


@pytest.mark.parametrize("locale", ["en", "zh-TW"])
def test_equity_recap_is_the_mean_of_the_shelf_funds_without_single_stocks(locale, sample_review):
    r = sample_review("morgan", PARAMS, "2018Q3", locale)
    ctx = for_client(load_context(PARAMS, pd.Timestamp("2018-09-30").date()),
                     load_client(PARAMS / "clients" / "morgan.yaml"))
    months = ctx.returns.loc["2018-07-01":"2018-09-30"]
    assert len(months) == 3
    equity = [p for p in ctx.shelf if p.asset_class == "equity"]
    stocks = [p.code for p in equity if p.type == "single_stock"]
    funds = [p.code for p in equity if p.type != "single_stock"]
    assert stocks and funds  # the shelf has both, so leaving the stocks out changes the figure
    by_hand = float(np.mean([np.prod(1.0 + months[c].to_numpy()) - 1.0 for c in funds]))
    with_stocks = float(np.mean([np.prod(1.0 + months[c].to_numpy()) - 1.0 for c in funds + stocks]))
    assert abs(by_hand - with_stocks) > 0.0001  # the two weightings print differently at 2 decimals

    sec = r.section_html("market_recap")
    printed, _ = _by_class_rows(sec)[t("documents.asset_equity", locale)]
    assert printed == pytest.approx(by_hand, abs=0.00005)
    assert _html.escape(t("documents.review_recap_weighting", locale), quote=False) in sec
