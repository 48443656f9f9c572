"""The review's position sections: drift against the target with its bands (and the allocation chart), and
the rebalancing trades with the suitability check re-run on every buy (:mod:`wealthlib._analytics.rebalance`)."""

from __future__ import annotations

from typing import Any

from ...i18n import t
from ...review import CASH
from ..base import Labels, Section
from ..html import chart_png, h3, img
from ..registry import register
from ._common import grid, name, one_line


def allocation_figure(r: Any):
    """Current against target weights of every position held or targeted."""
    from ... import charts

    keep = r.in_portfolio()
    codes = [c for c in r.weights.index.union(r.target.index) if c in keep]
    tgt = r.target.reindex(codes, fill_value=0.0)
    cur = r.weights.reindex(tgt.index, fill_value=0.0)
    return charts.allocation(cur, tgt, r.locale, names={c: name(r, c) for c in codes}, title=r.labels.L("review_drift"))


@register("review")
class Drift(Section):
    """Drift of every position held or targeted (a product neither held nor targeted cannot drift)."""

    key, heading = "drift", "review_drift"

    def compute(self, r: Any) -> dict[str, Any]:
        d = r.drift[r.drift["code"].isin(r.in_portfolio())]
        return {"rows": [{"code": c, "name": name(r, c), "current": float(x["current"]), "target": float(x["target"]),
                          "drift": float(x["drift"]), "low": float(x["low"]), "high": float(x["high"]),
                          "outside": bool(x["outside"])} for c, x in zip(d["code"], d.to_dict("records"))],
                "charts": {"allocation": chart_png(allocation_figure(r))}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        pct = lambda x: lb.pct(x, 2)  # noqa: E731
        yes, no = lb.L("term_yes"), lb.L("term_no")
        head = ("col_product", "col_current_weight", "col_target_weight", "col_drift", "col_band", "col_outside_band")
        body = [[x["name"], pct(x["current"]), pct(x["target"]), lb.pct(x["drift"], 2, signed=True),
                 "—" if x["code"] == CASH else f"{pct(x['low'])} – {pct(x['high'])}", ("⚠ " + yes) if x["outside"] else no]
                for x in d["rows"]]
        return grid([lb.L(k) for k in head], body) + img(d["charts"]["allocation"], lb.L("review_drift"))


def _refusal(reason: str, lb: Labels) -> str:
    """Why a proposed buy was refused, in words (wealthlib._analytics.rebalance reason codes)."""
    if reason == "excluded":
        return t("lifecycle.term_excluded_by_client", lb.loc)
    if reason == "not_on_shelf":
        return t("lifecycle.term_not_on_shelf", lb.loc)
    return lb.L("term_above_ceiling")


@register("review")
class Rebalancing(Section):
    """The trades back to target of the positions outside their band (or why there are none), then every
    proposed buy against the client's ceiling, exclusions and the shelf."""

    key, heading = "rebalancing", "review_rebalancing"

    def compute(self, r: Any) -> dict[str, Any]:
        outside = bool((r.drift["outside"] & (r.drift["code"] != CASH)).any())
        why = ("lifecycle.review_no_trades_empty" if r.closing_value <= 0 else
               "lifecycle.review_no_trades_refused" if outside else "documents.review_no_rebalancing")
        trades = [{"code": c, "name": name(r, c), "action": a, "amount": float(x), "cost": float(k)}
                  for c, a, x, k in zip(r.rebalance["code"], r.rebalance["action"], r.rebalance["amount"], r.rebalance["cost"])]
        s = r.suitability_checks
        checks = [] if s is None else [
            {"code": c, "name": name(r, c), "grade": int(g) if g else None, "suitable": bool(ok), "reason": str(why_)}
            for c, g, ok, why_ in zip(s["code"], s["grade"], s["suitable"], s["reason"])]
        return {"trades": trades, "no_trades": None if trades else why, "checks": checks, "ceiling": int(r.profile.ceiling)}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        if d["no_trades"]:
            out = one_line(lb.L("col_item"), t(d["no_trades"], lb.loc))
        else:
            act = {"buy": lb.L("term_buy"), "sell": lb.L("term_sell")}
            out = grid([lb.L(k) for k in ("col_product", "col_action", "col_amount", "col_cost")],
                       [[x["name"], act[x["action"]], lb.money(abs(x["amount"])), lb.money(x["cost"])] for x in d["trades"]])
        out += h3(lb.L("review_suitability_check"))
        if not d["checks"]:
            return out + one_line(lb.L("col_item"), lb.L("review_no_buys"))
        return out + grid([lb.L(k) for k in ("col_product", "col_grade", "col_ceiling", "col_suitable")],
                          [[x["name"], lb.grade(x["grade"]) if x["grade"] else "—", lb.grade(d["ceiling"]),
                            lb.L("term_within_ceiling") if x["suitable"] else "⚠ " + _refusal(x["reason"], lb)]
                           for x in d["checks"]])
