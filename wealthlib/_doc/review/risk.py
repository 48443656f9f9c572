"""The review's risk section: realized volatility and drawdown, concentration, the currency share, what the
review says about currencies, and the stress scenarios on the current holdings."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import h3, ul
from ..registry import register
from ._common import grid, rows


def currency_notes(r: Any) -> list[str]:
    """What the review says about currencies: converted at the market's rates, or not modeled."""
    if r.fx is None:
        return []
    out = [r.fx.note] if r.fx.note else []
    if r.fx.modeled:
        out.append(r.labels.L("stress_fx_note", currency=r.client.base_currency, pairs=r.labels.join(r.fx.modeled)))
    return out


@register("review")
class Risk(Section):
    key, heading = "risk", "review_risk"

    def compute(self, r: Any) -> dict[str, Any]:
        k = r.risk
        sh = r.fx_share
        fx = None if sh is None else {"share": float(sh["currency_share"]), "vol_base": float(sh["volatility_base"]),
                                      "vol_local": float(sh["volatility_local"]), "start": f"{sh['start']:%Y-%m}",
                                      "end": f"{sh['end']:%Y-%m}"}
        return {"volatility": float(k["volatility"]), "max_drawdown": float(k["max_drawdown"]),
                "largest_name": k["largest_name"], "largest_weight": float(k["largest_weight"]), "hhi": float(k["hhi"]),
                "currency": r.client.base_currency, "fx_share": fx, "notes": currency_notes(r),
                "stress": [{"name": n, "return": float(x), "pnl": float(v)}
                           for n, x, v in zip(r.stress["name"], r.stress["return"], r.stress["pnl"])]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        pct = lambda x: lb.pct(x, 2)  # noqa: E731
        out = [(lb.L("metric_realized_volatility"), pct(d["volatility"])),
               (lb.L("metric_max_drawdown"), pct(d["max_drawdown"])),
               (lb.L("review_largest_position"), f"{d['largest_name']}: {pct(d['largest_weight'])}"),
               (lb.L("review_concentration_hhi"), lb.number(d["hhi"], 3))]
        fx = d["fx_share"]
        if fx is not None:
            out.append((lb.L("review_fx_share", currency=d["currency"]),
                        lb.L("review_fx_share_value", share=pct(fx["share"]), vol_base=pct(fx["vol_base"]),
                             vol_local=pct(fx["vol_local"]), start=fx["start"], end=fx["end"])))
        stress = grid([lb.L("col_scenario"), lb.L("col_loss_pct"), lb.L("col_loss_amount")],
                      [[s["name"], lb.pct(s["return"], 2, signed=True), lb.money(s["pnl"])] for s in d["stress"]])
        return rows(out) + ul(d["notes"]) + h3(lb.L("proposal_stress")) + stress
