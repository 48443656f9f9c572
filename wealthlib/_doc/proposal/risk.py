"""The proposal's risk and return sections: expected return and volatility (with the worst periods beside
the range), backtest, goal projection; the stress scenarios are :mod:`.downside`."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import chart_png, img, none_or, p, table
from ..registry import register
from .downside import worst_html
from .numbers import REBALANCE


def _fx_share(inp: Any) -> dict[str, Any]:
    sh, cur = inp.fx_share, inp.fx_share_current

    def plain(x):
        return None if x is None else {"volatility_base": float(x["volatility_base"]),
                                       "volatility_local": float(x["volatility_local"]),
                                       "currency_share": float(x["currency_share"]),
                                       "start": f"{x['start']:%Y-%m}", "end": f"{x['end']:%Y-%m}"}

    return {"proposed": plain(sh), "current": plain(cur), "not_modeled": inp.fx.not_modeled}


def _fx_share_html(d: dict[str, Any], lb: Labels) -> str:
    out, sh = "", d["proposed"]
    if sh is not None:
        out += p(lb.L("fx_share", currency=lb.cur, vol_base=lb.pct(sh["volatility_base"]),
                      vol_local=lb.pct(sh["volatility_local"]), share=lb.pct(sh["currency_share"]),
                      start=sh["start"], end=sh["end"]))
        cur = d["current"]
        if cur is not None:
            out += p(lb.L("fx_share_current", currency=lb.cur, vol_base=lb.pct(cur["volatility_base"]),
                          vol_local=lb.pct(cur["volatility_local"]), share=lb.pct(cur["currency_share"])))
    if d["not_modeled"]:
        out += p(d["not_modeled"], "wl-note")
    return out


def expected_range(e: dict[str, float]) -> tuple[float, float]:
    """The proposed portfolio's yearly return range: expected return ± two volatilities."""
    return e["proposed_return"] - 2 * e["proposed_volatility"], e["proposed_return"] + 2 * e["proposed_volatility"]


@register("proposal")
class Expected(Section):
    key, heading = "expected", "proposal_expected"

    def compute(self, inp: Any) -> dict[str, Any]:
        return {"expected": dict(inp.exp), "amount": inp.amount, "method": inp.method_words(inp.ctx.estimates.method),
                "fx_share": _fx_share(inp), "worst": dict(inp.worst)}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        e = d["expected"]
        rows = [[lb.L("term_proposed_portfolio"), lb.pct(e["proposed_return"], 2), lb.pct(e["proposed_volatility"], 2)]]
        if "current_return" in e:
            rows.append([lb.L("term_current_portfolio"), lb.pct(e["current_return"], 2),
                         lb.pct(e["current_volatility"], 2)])
        rows.append([lb.L("term_benchmark"), lb.pct(e["benchmark_return"], 2), lb.pct(e["benchmark_volatility"], 2)])
        out = table([lb.L("col_portfolio"), lb.L("metric_expected_return"), lb.L("metric_volatility")], rows)
        lo, hi = expected_range(e)
        out += p(lb.L("expected_range", low=lb.pct(lo), high=lb.pct(hi)))
        if lo < 0 and d["amount"] > 0:
            out += p(lb.L("expected_bad_year", loss=lb.money(-lo * d["amount"])))
        out += worst_html(d.get("worst") or {}, lb)  # beside the range: what the portfolios did at their worst
        out += p(lb.L("expected_estimator", method=d["method"]))
        return out + _fx_share_html(d["fx_share"], lb)


@register("proposal")
class Backtest(Section):
    key, heading = "backtest", "proposal_backtest"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...charts import cumulative_growth, drawdown

        from ...disclosures import past_performance

        cmp = inp.cmp
        return {"past": past_performance(inp.loc, inp.jur),
                "metrics": {k: dict(m) for k, m in inp.bt.items()}, "start": cmp.start.date().isoformat(),
                "end": cmp.end.date().isoformat(), "initial": inp.bt_initial, "benchmark": inp.bench_words(),
                "charts": {"growth": chart_png(cumulative_growth(cmp.values, locale=inp.loc)),
                           "drawdown": chart_png(drawdown(cmp.values, locale=inp.loc))}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        names = {"proposed": lb.L("term_proposed_portfolio"), "current": lb.L("term_current_portfolio"),
                 "benchmark": lb.L("term_benchmark")}
        header = [lb.L("col_portfolio"), lb.L("metric_total_return"), lb.L("metric_cagr"),
                  lb.L("metric_volatility"), lb.L("metric_max_drawdown"), lb.L("bt_worst_12m"),
                  lb.L("col_closing_value")]
        rows = [[names[k], lb.pct(m["total_return"]), lb.pct(m["cagr"]), lb.pct(m["volatility"]),
                 lb.pct(m["max_drawdown"]), lb.pct(m["worst_year"]), lb.money(m["final_value"])]
                for k, m in d["metrics"].items()]
        out = p(lb.L("bt_label", start=lb.date(d["start"]), end=lb.date(d["end"]),
                     rule=lb.L(f"rebalance_{REBALANCE}"), initial=lb.money(d["initial"])), "wl-note")
        out += table(header, rows)
        out += p(lb.L("bt_benchmark", benchmark=d["benchmark"]))
        if d.get("past"):  # the past-performance sentence beside the historical figures
            out += p(d["past"], "wl-note")
        out += img(d["charts"]["growth"], lb.L("proposal_backtest"))
        out += img(d["charts"]["drawdown"], lb.L("metric_max_drawdown"))
        return out


@register("proposal")
class Projection(Section):
    key, heading = "projection", "proposal_projection"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...charts import projection_fan
        from ...documents import _RenamedProjection

        a, fan = inp.proj.assumptions, inp.proj.fan
        years = sorted({y for y in (1, 5, 10, 15, 20, int(fan.index[-1])) if y <= fan.index[-1]})
        names = dict(inp.proj_names)
        if inp.loc == "en":  # the English chart font has no CJK glyphs: number goals named in another script
            names = {k: (v if v.isascii() else f"{inp.L('col_goal')} {i}") for i, (k, v) in enumerate(names.items(), 1)}
        fig = projection_fan(_RenamedProjection(inp.proj, names), locale=inp.loc)
        return {
            "goals": [{**g, "target_date": g["target_date"].isoformat()} for g in inp.goal_rows],
            "fan": [{"year": y, "p5": float(fan.loc[y, 5]), "p50": float(fan.loc[y, 50]), "p95": float(fan.loc[y, 95])}
                    for y in years],
            "assumptions": {"paths": a["n_paths"], "seed": a["seed"], "block": a["block"],
                            "start": f"{a['history_start']:%Y-%m}", "end": f"{a['history_end']:%Y-%m}",
                            "contribution": float(a["contributions"][0] if a["contributions"] else 0.0),
                            "value": float(a["start_value"]), "deflation": inp.fx.deflation},
            "charts": {"fan": chart_png(fig)},
        }

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        rows = [[g["name"], lb.money_c(g["amount"]), lb.date(g["target_date"]), lb.pct(g["probability"], 0),
                 lb.money_c(g["median"]), lb.money_c(g["p5"]),  # compact: seven columns on the page's width
                 "—" if g["shortfall"] != g["shortfall"] else lb.money_c(g["shortfall"])] for g in d["goals"]]
        out = none_or(table([lb.L("col_goal"), lb.L("col_target_amount"), lb.L("col_target_year"),
                             lb.L("metric_success_probability"), lb.L("col_percentile_50"), lb.L("proj_p5"),
                             lb.L("metric_shortfall")], rows) if rows else "", lb)
        out += table([lb.L("col_year"), lb.L("proj_p5"), lb.L("col_percentile_50"), lb.L("proj_p95")],
                     [[str(f["year"]), lb.money(f["p5"]), lb.money(f["p50"]), lb.money(f["p95"])] for f in d["fan"]])
        a = d["assumptions"]
        out += p(lb.L("proj_assumptions", paths=a["paths"], seed=a["seed"], block=a["block"], start=a["start"],
                      end=a["end"], contribution=lb.money(a["contribution"]), value=lb.money(a["value"]),
                      deflation=a["deflation"]), "wl-note")
        out += img(d["charts"]["fan"], lb.L("proposal_projection"))
        return out
