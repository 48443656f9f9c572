"""Downside told honestly: the worst calendar year and the worst 12 months of the proposed and the current
portfolio over their own available history (printed beside the expected range), and the stress scenarios —
past episodes replayed on each portfolio's own history (a product without data named, the rest counted),
then the rate and currency shocks from the products' durations and currencies."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import chart_png, img, p, table
from ..registry import register


def _stress_row(r: Any) -> dict[str, Any]:
    start, end = (None if x is None or x != x else x.date() for x in (r["start"], r["end"]))
    return {"scenario": r["scenario"], "name": r["name"], "start": start, "end": end, "shock": start is None,
            "covered": bool(r["covered"]), "return": float(r["return"]), "pnl": float(r["pnl"]),
            "value_counted": float(r["value_counted"]), "counted": float(r["counted"]),
            "missing": list(r["missing"]), "fallback_used": list(r["fallback_used"])}


def _worst(d: Any) -> dict[str, Any]:
    """A :class:`~wealthlib.analytics.Downside` as plain data (months as ``YYYY-MM``)."""
    def ym(x):
        return None if x is None else f"{x:%Y-%m}"

    return {"start": ym(d.start), "end": ym(d.end), "months": int(d.months), "limited_by": list(d.limited_by),
            "worst_year": float(d.worst_year), "worst_year_label": d.worst_year_label,
            "worst_12m": float(d.worst_12m), "worst_12m_start": ym(d.worst_12m_start),
            "worst_12m_end": ym(d.worst_12m_end)}


def stress(inp: Any) -> list[dict[str, Any]]:
    """The proposed and the current portfolio, each on its own available history (:func:`downside_panel`):
    the historical windows (a product without data named, the rest counted; a window before an exchange
    rate's data replayed in the products' own currencies), then the rate and currency shocks; every row on
    the same value. Also sets ``inp.worst`` (worst calendar year and 12 months of each) and ``inp.stress_frame``."""
    import pandas as pd

    from ..._analytics.downside import downside_panel

    value = inp.amount if inp.amount > 0 else 1_000_000.0
    inp.stress_value = value
    base, local = inp.ctx.history()
    ports = {"proposed": inp.w, **({"current": inp.w0} if inp.w0 is not None else {})}
    shelf = inp.shelf
    panel = downside_panel(base, local, ports, value=value, fees=shelf.fees(), durations=shelf.durations(),
                           currencies=shelf.currencies().to_dict(), base_currency=inp.cur, locale=inp.loc)
    inp.worst = {k: _worst(v["downside"]) for k, v in panel.items()}
    frames = {k: pd.concat([v["stress"], v["shocks"]], ignore_index=True) for k, v in panel.items()}
    rows = [_stress_row(r) for _, r in frames["proposed"].iterrows()]
    if "current" in frames:
        for row, (_, r) in zip(rows, frames["current"].iterrows()):
            cur = _stress_row(r)
            row.update({f"current_{k}": cur[k] for k in ("return", "pnl", "value_counted", "counted", "covered",
                                                         "missing", "fallback_used")})
    inp.stress_frame = frames["proposed"].assign(covered=frames["proposed"]["return"].notna())
    return rows


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
                              products=lb.join(w["limited_by"])))
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
                       lb.join(r[f"{side}missing"]), lb.pct(r[f"{side}counted"], 0))
                groups.setdefault(key, []).append(r["name"])
            if r[f"{side}fallback_used"]:
                groups.setdefault(("stress_fallback", who, lb.join(r[f"{side}fallback_used"]), ""), []).append(r["name"])
    return [lb.L(k, scenario=lb.join(names), portfolio=who, products=products, share=share)
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
            out += p(lb.L("stress_fx_note", currency=lb.cur, pairs=lb.join(d["fx_modeled"])))
        if d["not_modeled"]:
            out += p(d["not_modeled"], "wl-note")
        if "stress" in d["charts"]:
            out += img(d["charts"]["stress"], lb.L("proposal_stress"))
        return out
