"""The proposal's client sections: cover and KYC summary (the household picture and the goals: :mod:`.household`)."""

from __future__ import annotations

from typing import Any

from ...i18n import source_text
from ..base import Labels, Section
from ..html import escape, h3, kv, p, ul
from ..registry import register


@register("proposal")
class Cover(Section):
    key, heading = "cover", "proposal_client_advisor"

    def compute(self, inp: Any) -> dict[str, Any]:
        c = inp.c
        return {"client": c.name, "client_id": c.id, "show_id": inp.policy.print_client_id, "advisor": inp.signers.advisor_name(), "firm": inp.policy.firm_name(inp.loc) or "—",
                "date": inp.ctx.as_of.isoformat(), "data_end": inp.ctx.returns.index[-1].date().isoformat(),
                "data_vintage": inp.ctx.data_vintage, "currency": inp.cur}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        rows = [(lb.L("field_client"), d["client"]),
                *([(lb.L("field_client_id"), d["client_id"])] if d.get("show_id", True) else []),
                (lb.L("field_advisor"), d["advisor"]), (lb.L("field_firm"), d["firm"]),
                (lb.L("field_date"), lb.date(d["date"])),
                (lb.L("field_as_of"), f"{lb.date(d['data_end'])} ({source_text(d['data_vintage'], lb.loc)})"),
                (lb.L("field_base_currency"), lb.currency_words(d["currency"]))]
        return f'<p class="wl-subtitle">{escape(lb.L("proposal_subtitle", client=d["client"]))}</p>' + kv(rows)


@register("proposal")
class Kyc(Section):
    key, heading = "kyc", "proposal_kyc_summary"

    def compute(self, inp: Any) -> dict[str, Any]:
        pr, pol, loc = inp.profile, inp.policy, inp.loc

        def score(dim: str) -> str:
            s, m = pr.scores.get(dim), pr.max_scores.get(dim)
            return "—" if s is None else f"{s}/{m}"

        ov = pr.override
        return {
            "class_name": inp.class_name,
            "tolerance": f"{pol.risk_class(pr.tolerance_class).name(loc)} ({score('tolerance')})",
            "capacity": f"{pol.risk_class(pr.capacity_class).name(loc)} ({score('capacity')})",
            "ceiling": int(pr.ceiling), "kyc_date": pr.kyc_date.isoformat(), "kyc_expiry": pr.kyc_expiry.isoformat(),
            "age": int(inp.c.age(inp.ctx.as_of)), "horizon": inp.c.horizon_years,
            "professional": bool(inp.c.flags.professional_investor),
            "flags": [f.message.get(loc) or f.message.get("en") for f in pr.flags
                      if f.code not in ("override", "override_above_computed")],
            "override": None if ov is None else {
                "class_name": pol.risk_class(ov.risk_class).name(loc),
                "assessed_name": pol.risk_class(pr.computed_class).name(loc),
                "reason": ov.reason, "by": inp.people.get(ov.by, ov.by), "date": ov.date.isoformat()},
            "investor_status": _investor_status(inp),
        }

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        rows = [(lb.L("field_risk_class"), d["class_name"]), (lb.L("field_tolerance"), d["tolerance"]),
                (lb.L("field_capacity"), d["capacity"]), (lb.L("field_ceiling"), lb.grade(d["ceiling"])),
                (lb.L("field_kyc_date"), lb.date(d["kyc_date"])), (lb.L("field_kyc_expiry"), lb.date(d["kyc_expiry"])),
                (lb.L("field_age"), str(d["age"])),
                (lb.L("field_horizon"), lb.L("field_horizon_years", years=d["horizon"])),
                (lb.L("field_professional"), lb.L("term_yes") if d["professional"] else lb.L("term_no"))]
        out = kv(rows) + h3(lb.L("proposal_flags"))
        out += ul(d["flags"]) if d["flags"] else p(lb.L("book_none"))
        out += h3(lb.L("proposal_override"))
        ov = d["override"]
        if ov is not None:
            out += kv([(lb.L("field_risk_class"), f"{ov['class_name']} ({lb.L('ovr_assessed')}: {ov['assessed_name']})"),
                       (lb.L("col_reason"), ov["reason"]), (lb.L("ovr_by"), ov["by"]),
                       (lb.L("field_date"), lb.date(ov["date"]))])
        else:
            out += p(lb.L("book_none"))
        from .conduct import render_investor_status

        return out + render_investor_status(d.get("investor_status"), lb)


def _investor_status(inp: Any):
    from .conduct import investor_status

    return investor_status(inp)
