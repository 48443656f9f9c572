"""Downside told honestly: the worst calendar year and the worst 12 months of the proposed and the current
portfolio over their own available history (printed beside the expected range), and the stress scenarios —
past episodes replayed on each portfolio's own history (a product without data named, the rest counted),
then the rate and currency shocks from the products' durations and currencies."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import chart_png, img, p, table
from ..registry import register


def worst_html(worst: dict[str, dict[str, Any]], lb: Labels) -> str:
    """The worst calendar year and worst 12 months of each portfolio, and how far back its history goes."""
    if not worst:
        return ""
    names = {"proposed": lb.L("term_proposed_portfolio"), "current": lb.L("term_current_portfolio")}
    rows, notes = [], []
    for key, w in worst.items():
        year = "—" if w["worst_year"] != w["worst_year"] else f"{lb.pct(w['worst_year'])} ({w['worst_year_label']})"
        m12 = "—" if w["worst_12m"] != w["worst_12m"] else \
            f"{lb.pct(w['worst_12m'])} ({w['worst_12m_start']} – {w['worst_12m_end']})"
        rows.append([names[key], f"{w['start']} – {w['end']}", year, m12])
        if w["limited_by"]:
            notes.append(lb.L("expected_worst_limited", portfolio=names[key], start=w["start"],
                              products=", ".join(w["limited_by"])))
    out = p(lb.L("expected_worst_intro", currency=lb.cur))
    out += table([lb.L("col_portfolio"), lb.L("col_history"), lb.L("col_worst_year"), lb.L("bt_worst_12m")], rows)
    return out + "".join(p(x, "wl-note") for x in notes)


def _cells(r: dict[str, Any], side: str, lb: Labels) -> list[str]:
    ret = r[f"{side}return"]
    if ret != ret:
        return [lb.L("term_not_available"), "—"]
    mark = "" if r[f"{side}covered"] or r["shock"] else " *"
    return [lb.pct(ret) + mark, lb.money_c(r[f"{side}pnl"])]


def _notes(rows: list[dict[str, Any]], has_cur: bool, lb: Labels) -> list[str]:
    """One note per portfolio and kind (products missing, without a duration, replayed in their own
    currencies), naming the scenarios it concerns."""
    groups: dict[tuple, list[str]] = {}
    sides = [("", lb.L("term_proposed"))] + ([("current_", lb.L("term_current"))] if has_cur else [])
    for side, who in sides:
        for r in rows:
            if r[f"{side}return"] != r[f"{side}return"]:
                continue
            if r[f"{side}missing"]:
                key = ("stress_shock_missing" if r["shock"] else "stress_partial", who,
                       ", ".join(r[f"{side}missing"]), lb.pct(r[f"{side}counted"], 0))
                groups.setdefault(key, []).append(r["name"])
            if r[f"{side}fallback_used"]:
                groups.setdefault(("stress_fallback", who, ", ".join(r[f"{side}fallback_used"]), ""), []).append(r["name"])
    sep = ", " if lb.loc == "en" else "、"
    return [lb.L(k, scenario=sep.join(names), portfolio=who, products=products, share=share)
            for (k, who, products, share), names in groups.items()]


@register("proposal")
class Stress(Section):
    key, heading = "stress", "proposal_stress"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...charts import stress_bars
        from ...disclosures import past_performance

        rows = [{**r, "start": r["start"] and r["start"].isoformat(), "end": r["end"] and r["end"].isoformat()}
                for r in inp.stress]
        charts = {}
        if len(inp.stress_frame):
            charts["stress"] = chart_png(stress_bars(inp.stress_frame, locale=inp.loc, currency=inp.cur))
        return {"past": past_performance(inp.loc, inp.jur),
                "rows": rows, "has_current": inp.w0 is not None, "value": inp.stress_value,
                "fx_modeled": list(inp.fx.modeled), "not_modeled": inp.fx.not_modeled, "charts": charts}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        has_cur = d["has_current"]
        rows = []
        for r in d["rows"]:
            period = lb.L("stress_at_once") if r["shock"] else f"{r['start'][:7]} – {r['end'][:7]}"
            rows.append([r["name"], period, *_cells(r, "", lb), *(_cells(r, "current_", lb) if has_cur else [])])
        header = [lb.L("col_scenario"), lb.L("col_scenario_period"),
                  f"{lb.L('term_proposed')} {lb.L('col_loss_pct')}", f"{lb.L('term_proposed')} {lb.L('col_loss_amount')}"]
        if has_cur:
            header += [f"{lb.L('term_current')} {lb.L('col_loss_pct')}", f"{lb.L('term_current')} {lb.L('col_loss_amount')}"]
        out = table(header, rows)
        out += p(lb.L("stress_note", value=lb.money(d["value"])))
        out += p(lb.L("stress_shock_note", currency=lb.cur))
        out += "".join(p(x, "wl-note") for x in _notes(d["rows"], has_cur, lb))
        if d.get("past"):  # historical windows: the past-performance sentence beside them
            out += p(d["past"], "wl-note")
        if d["fx_modeled"]:
            out += p(lb.L("stress_fx_note", currency=lb.cur, pairs=", ".join(d["fx_modeled"])))
        if d["not_modeled"]:
            out += p(d["not_modeled"], "wl-note")
        if "stress" in d["charts"]:
            out += img(d["charts"]["stress"], lb.L("proposal_stress"))
        return out
