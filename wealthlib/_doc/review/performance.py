"""The review's performance sections: the quarter's amounts, the returns against the benchmark (with the
growth chart), and the attribution by asset class and holding (:mod:`wealthlib._analytics.attribution`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import t
from ..base import Labels, Section
from ..html import chart_png, img
from ..registry import register
from ._common import asset_class, grid, name

#: The performance table's rows, in their documented order (the identity reads them so).
ITEMS = ("opening_value", "contributions", "withdrawals", "income", "fees", "market_gain", "closing_value")
PERIODS = (("quarter", "period_quarter"), ("ytd", "period_ytd"), ("inception", "period_since_inception"))


@register("review")
class Performance(Section):
    """opening + contributions − withdrawals + income − fees + market gain = closing (checked when built)."""

    key, heading = "performance", "review_performance"

    def compute(self, r: Any) -> dict[str, Any]:
        p = r.performance["quarter"]
        return {k: float(getattr(p, k)) for k in ITEMS}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return grid([lb.L("col_item"), lb.L("col_amount")], [[lb.L(f"col_{k}"), lb.money(d[k])] for k in ITEMS])


def growth_figure(r: Any):
    """The account's growth since inception (time-weighted, month ends) beside the benchmark's."""
    from ... import charts

    sub = r.performance["inception"].subperiods.dropna(subset=["return"])
    idx = (1.0 + sub.set_index("date")["return"]).cumprod()
    idx = idx[idx.index.isin(pd.date_range(idx.index.min(), r.end, freq="ME"))]
    bench = (1.0 + r.ctx.returns[r.target.index] @ r.target).cumprod().reindex(idx.index)
    frame = pd.DataFrame({"current": idx / idx.iloc[0], "benchmark": bench / bench.iloc[0]}) if len(idx) else \
        pd.DataFrame({"current": [1.0], "benchmark": [1.0]}, index=[r.end])
    return charts.cumulative_growth(frame, r.locale, title=r.labels.L("review_returns"))


@register("review")
class Returns(Section):
    """Time- and money-weighted returns, both labelled, for the quarter, the year and since inception, against
    the benchmark; then the growth chart."""

    key, heading = "returns", "review_returns"

    def compute(self, r: Any) -> dict[str, Any]:
        periods = {k: {"twr": float(r.performance[k].twr), "mwr": float(r.performance[k].mwr),
                       "benchmark": float(r.benchmark[k])} for k, _ in PERIODS}
        return {"periods": periods, "charts": {"growth": chart_png(growth_figure(r))}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        twr, mwr = t("analytics.twr", lb.loc), t("analytics.mwr", lb.loc)
        labels = [twr, mwr, f"{lb.L('col_benchmark')} ({twr})", lb.L("review_excess_twr")]
        cols = []
        for key, _ in PERIODS:
            p = d["periods"][key]
            cols.append([lb.pct(x, 2, signed=True) for x in (p["twr"], p["mwr"], p["benchmark"], p["twr"] - p["benchmark"])])
        body = [[label, *(c[i] for c in cols)] for i, label in enumerate(labels)]
        table = grid([lb.L("col_item"), *(lb.L(label) for _, label in PERIODS)], body)
        return table + img(d["charts"]["growth"], lb.L("review_returns"))


@register("review")
class Attribution(Section):
    """The quarter's gain, income and fees by asset class, then by holding (fees as a row of their own)."""

    key, heading = "attribution", "review_attribution"

    def compute(self, r: Any) -> dict[str, Any]:
        fees = r.labels.L("col_fees")
        rows = [{"name": fees if c == "FEES" else name(r, c),
                 "asset_class": None if c == "FEES" else r.labels.L(f"asset_{asset_class(r, c)}"),
                 **{k: float(x[k]) for k in ("opening", "closing", "gain", "income", "fees", "contribution")}}
                for c, x in zip(r.attribution["code"], r.attribution.to_dict("records"))]
        by_class: dict[str, dict[str, float]] = {}
        for x in rows:
            g = by_class.setdefault(x["asset_class"] or fees, dict.fromkeys(("gain", "income", "fees", "contribution"), 0.0))
            for k in g:
                g[k] += x[k]
        return {"holdings": rows, "by_class": [{"asset_class": k, **v} for k, v in by_class.items()]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        m, pct = lb.money, (lambda x: lb.pct(x, 2, signed=True))
        by_class = grid([lb.L(k) for k in ("col_asset_class", "col_market_gain", "col_income", "col_fees", "col_contribution")],
                        [[x["asset_class"], m(x["gain"]), m(x["income"]), m(x["fees"]), pct(x["contribution"])]
                         for x in d["by_class"]])
        head = ("col_product", "col_asset_class", "col_opening_value", "col_closing_value", "col_market_gain",
                "col_income", "col_fees", "col_contribution")
        return by_class + grid([lb.L(k) for k in head],
                               [[x["name"], x["asset_class"] or "—", m(x["opening"]), m(x["closing"]), m(x["gain"]),
                                 m(x["income"]), m(x["fees"]), pct(x["contribution"])] for x in d["holdings"]])
