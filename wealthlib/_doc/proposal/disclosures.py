"""The proposal's disclosures: each product's risks, the general disclosures, the complaint channel, the
acknowledgement and signatures (texts from :mod:`wealthlib.disclosures`, by locale and jurisdiction)."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import escape, h3, p, ul
from ..registry import register


@register("proposal")
class ProductDisclosures(Section):
    key, heading = "product_disclosures", "proposal_product_disclosures"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...disclosures import product_disclosures

        out = []
        for code in inp.w.index:
            pr = inp.shelf.get(code)
            out.append({"code": code, "name": pr.name(inp.loc), "grade": pr.grade,
                        "risks": product_disclosures(pr.type, pr.grade, inp.loc, pr.currency, inp.cur,
                                                     jurisdiction=inp.jur, product=pr, signed_on=inp.ctx.as_of),
                        "note": pr.note_in(inp.loc) if pr.note else ""})
        from .conduct import fund_warning

        return {"products": out, "fund_warning": fund_warning(inp)}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        from .conduct import render_fund_warning

        out = render_fund_warning(d.get("fund_warning"), lb)
        for r in d["products"]:
            out += f"<h3>{escape(r['name'])} ({escape(r['code'])}) · {escape(lb.grade(r['grade']))}</h3>"
            out += ul(r["risks"])
            if r["note"]:
                out += p(r["note"], "wl-note")
        return out


@register("proposal")
class GeneralDisclosures(Section):
    key, heading = "general_disclosures", "proposal_general_disclosures"

    def compute(self, inp: Any) -> dict[str, Any]:
        return {"items": inp.general()}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return ul(d["items"])


@register("proposal")
class Complaints(Section):
    key, heading = "complaints", "proposal_complaints"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...disclosures import complaint_channel

        from .conduct import complaint_note

        return {"channel": complaint_channel(inp.loc, inp.jur, firm=inp.policy.firm_name(inp.loc) or None,
                                             contact=inp.policy.firm_contact_in(inp.loc) or None),
                "professional": complaint_note(inp)}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return p(d["channel"]) + (p(d["professional"]) if d.get("professional") else "")


@register("proposal")
class Acknowledgement(Section):
    key, heading = "acknowledgement", "proposal_acknowledgement"

    def compute(self, inp: Any) -> dict[str, Any]:
        from ...disclosures import acknowledgement

        foreign = any(inp.shelf.get(k).currency != inp.cur for k in inp.w.index)
        above = any(inp.shelf.get(k).grade > inp.profile.ceiling for k in inp.w.index)
        a = acknowledgement(inp.loc, inp.jur, exception=above, foreign_currency=foreign)
        return {"title": a["title"], "intro": a["intro"], "statements": list(a["statements"]),
                "signature_labels": dict(a["signature_labels"]),
                "advisor": inp.signers.advisor_label(inp.loc), "supervisor": inp.signers.supervisor_label(inp.loc),
                "hand_copy": a["hand_copy"]}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        labels = d["signature_labels"]
        out = h3(d["title"]) + p(d["intro"]) + "<ol>" + "".join(
            f"<li>{escape(s)}</li>" for s in d["statements"]) + "</ol>"
        if d.get("hand_copy"):  # the sentence the client copies by hand (抄录), and the space to copy it into
            out += p(d["hand_copy"]["instruction"]) + p(d["hand_copy"]["sentence"], "wl-handcopy") \
                + p("_" * 60, "wl-handcopy-space")
        return out + signature_table(labels, [("client", ""), ("advisor", d["advisor"]),
                                              ("supervisor", d["supervisor"])], seal=True)


def signature_table(labels: dict[str, str], rows: list[tuple[str, str]], seal: bool = False) -> str:
    """Signature lines: each row a role's label, the signer (the firm's people by name and registration
    numbers, never an id; the client's line blank) over a line, and a date (the client's row: the seal)."""
    line = "_" * 24
    out = []
    for i, (role, who) in enumerate(rows):
        right = labels["seal"] if seal and i == 0 else labels["date"]
        signer = f'<span class="wl-signer">{escape(who)}</span><br>' if who else ""
        out.append(f"<tr><th>{escape(labels[role])}</th><td>{signer}{line}</td><th>{escape(right)}</th>"
                   f"<td>{line}</td></tr>")
    return '<table class="wl-signature"><tbody>' + "".join(out) + "</tbody></table>"
