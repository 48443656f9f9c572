"""The fund warning (product disclosures) and a professional investor's complaint route."""

from __future__ import annotations

from typing import Any

from ...base import Labels
from ...html import h3, p
from ._common import _texts, _t, _rules, _held


# ---- product disclosures: the fund warning -------------------------------------------------------------
def fund_warning(inp: Any) -> dict[str, Any] | None:
    tx = _texts(inp)
    fw = tx.get("fund_warning") if tx else None
    if not fw:
        return None
    funds = [c for c in _held(inp) if inp.shelf.get(c).type in set(fw["product_types"])]
    if not funds:
        return None
    return {"heading": _t(tx["headings"]["fund_warning"], inp.loc), "text": _t(fw["text"], inp.loc),
            "applies": _t(fw["applies"], inp.loc, products=inp.labels.join(f"{inp.pname(c)} ({c})" for c in funds)),
            "funds": funds}


def render_fund_warning(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    return h3(d["heading"]) + p(d["text"], "wl-warning") + p(d["applies"])


# ---- complaints: a professional investor's route --------------------------------------------------------
def complaint_note(inp: Any) -> str | None:
    r, tx = _rules(inp).professional_investor, _texts(inp)
    if r is None or not r.protections_excluded or not tx or not inp.c.flags.professional_investor:
        return None
    return _t(tx["professional_investor"]["complaints"], inp.loc)
