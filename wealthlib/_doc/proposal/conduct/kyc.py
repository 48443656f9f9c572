"""The KYC section's block: professional-investor and high-net-worth status, the foreign-securities gates."""

from __future__ import annotations

from typing import Any

from ...base import Labels
from ...html import h3, kv, p
from ._common import _texts, _t, _rules, _held, _signature_labels, _client_signature


# ---- kyc: investor status ----------------------------------------------------------------------------
def investor_status(inp: Any) -> dict[str, Any] | None:
    from ....conduct import foreign_products

    r, tx, loc = _rules(inp), _texts(inp), inp.loc
    if not tx or (r.professional_investor is None and not r.high_net_worth_status and r.foreign_securities is None):
        return None
    c = inp.c
    pro = bool(c.flags.professional_investor)
    out: dict[str, Any] = {"heading": _t(tx["headings"]["investor_status"], loc), "rows": [], "paragraphs": [],
                           "acknowledgement": None}
    pt = tx["professional_investor"]
    if r.professional_investor is not None:
        out["rows"].append([_t(pt["status"], loc) if pro else _t(pt["not_professional"], loc), ""])
        if pro and r.professional_investor.protections_excluded:
            out["paragraphs"].append(_t(pt["statement"], loc))
            rec = c.professional
            if rec is not None and rec.acknowledged is not None:
                out["paragraphs"].append(_t(pt["recorded"], loc, verified=inp.labels.date(rec.verified),
                                            basis=rec.basis, acknowledged=inp.labels.date(rec.acknowledged)))
            out["acknowledgement"] = _t(pt["acknowledgement"], loc)
    if r.high_net_worth_status:
        ht = tx["high_net_worth"]
        yes = _t(tx["columns"]["answer_yes"], loc) if c.flags.high_net_worth else _t(ht["none"], loc)
        out["rows"].append([_t(ht["status"], loc), yes])
    foreign = foreign_products(inp.policy, inp.shelf, _held(inp))
    g = r.foreign_securities
    if g is not None and foreign and not pro and c.foreign_securities and c.foreign_securities.consent:
        out["paragraphs"].append(_t(tx["foreign_securities"]["met"], loc,
                                    consent=inp.labels.date(c.foreign_securities.consent),
                                    as_of=inp.labels.date(inp.ctx.as_of)))
    out["signature"] = _signature_labels(tx, loc)
    return out


def render_investor_status(d: dict[str, Any] | None, lb: Labels) -> str:
    if not d:
        return ""
    out = h3(d["heading"])
    rows = [(a, b) for a, b in d["rows"] if b]
    out += "".join(p(a) for a, b in d["rows"] if not b) + (kv(rows) if rows else "")
    out += "".join(p(x) for x in d["paragraphs"])
    if d["acknowledgement"]:
        out += p(d["acknowledgement"]) + _client_signature(d["signature"])
    return out
