"""The review's opening sections: cover and scope, the quarter's market recap, the client's KYC status."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..base import Labels, Section
from ..registry import register
from ..html import p
from ._common import grid, iso, name, rows


@register("review")
class Scope(Section):
    """Who and what the review covers (the document's title prints above the first section of the list)."""

    key, heading = "scope", "review_scope"

    def compute(self, r: Any) -> dict[str, Any]:
        c = r.client
        return {"client": c.name, "client_id": c.id, "show_id": r.ctx.policy.print_client_id,
                "advisor": r.signers.advisor_name() if r.signers is not None else c.advisor,
                "start": (r.start + pd.Timedelta(days=1)).date().isoformat(), "end": r.end.date().isoformat(),
                "accounts": [name(r, k) for k in r.weights.index if r.weights[k] > 0],
                "currency": c.base_currency, "closing": r.closing_value}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return rows([(lb.L("field_client"), d["client"]),
                     *([(lb.L("field_client_id"), d["client_id"])] if d.get("show_id", True) else []),
                     (lb.L("field_advisor"), d["advisor"]),
                     (lb.L("field_period"), f"{lb.date(d['start'])} – {lb.date(d['end'])}"),
                     (lb.L("field_accounts"), lb.join(d["accounts"]) or "—"),
                     (lb.L("field_base_currency"), lb.currency_words(d["currency"])),
                     (lb.L("field_as_of"), lb.date(d["end"])),
                     (lb.L("col_closing_value"), lb.money(d["closing"]))])


@register("review")
class MarketRecap(Section):
    """The quarter and the year to date of the shelf by asset class, then of each product held or targeted.

    A class's figure is the equal-weighted mean of the shelf's pooled products of that class, single stocks left
    out (one company is not its market; six of them would outweigh the index funds), and the table says so."""

    key, heading = "market_recap", "review_market_recap"

    def compute(self, r: Any) -> dict[str, Any]:
        pooled = r.market[r.market["type"] != "single_stock"]
        g = pooled.groupby("asset_class", sort=False)[["quarter", "ytd"]].mean()
        m = r.market[r.market["code"].isin(r.in_portfolio())]
        return {"by_class": [{"asset_class": a, "quarter": float(q), "ytd": float(y)}
                             for a, q, y in zip(g.index, g["quarter"], g["ytd"])],
                "products": [{"code": c, "name": name(r, c), "asset_class": a, "quarter": float(q), "ytd": float(y)}
                             for c, a, q, y in zip(m["code"], m["asset_class"], m["quarter"], m["ytd"])]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        pct = lambda x: lb.pct(x, 2, signed=True)  # noqa: E731
        by_class = grid([lb.L("col_asset_class"), lb.L("period_quarter"), lb.L("period_ytd")],
                        [[lb.L(f"asset_{x['asset_class']}"), pct(x["quarter"]), pct(x["ytd"])] for x in d["by_class"]])
        return by_class + p(lb.L("review_recap_weighting"), "wl-note") + grid(
            [lb.L("col_asset_class"), lb.L("col_product"), lb.L("period_quarter"), lb.L("period_ytd")],
            [[lb.L(f"asset_{x['asset_class']}"), x["name"], pct(x["quarter"]), pct(x["ytd"])] for x in d["products"]])


@register("review")
class Kyc(Section):
    """The risk profile in force at the quarter end: valid, due soon or expired (flagged, never blocking), and
    a class changed since the quarter start."""

    key, heading = "kyc", "review_client_changes"

    def compute(self, r: Any) -> dict[str, Any]:
        k = r.kyc
        return {"class_name": k["class_name"], "previous_class_name": k["previous_class_name"],
                "date": iso(k["date"]),
                "expiry": iso(k["expiry"]), "expired": bool(k["expired"]),
                "due_soon": bool(k["due_soon"]), "class_changed": bool(k["class_changed"]), "flags": list(k["flags"])}

    def render(self, k: dict[str, Any], lb: Labels) -> str:
        status = lb.L("term_expired") if k["expired"] else lb.L("term_due_soon") if k["due_soon"] else lb.L("term_valid")
        out = [(lb.L("field_risk_class"), k["class_name"]), (lb.L("field_kyc_date"), lb.date(k["date"])),
               (lb.L("col_kyc_expiry"), lb.date(k["expiry"])), (lb.L("col_status"), ("⚠ " if k["expired"] else "") + status)]
        if k["class_changed"]:
            out.append((lb.L("col_change"), lb.L("review_class_changed", old=k["previous_class_name"],
                                                 new=k["class_name"])))
        out += [(lb.L("field_flags"), flag) for flag in k["flags"]]
        return rows(out)
