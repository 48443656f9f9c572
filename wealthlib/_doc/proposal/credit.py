"""Credit support (a bank's proposal; the firm lists ``credit`` in its policy's ``documents.proposal``): the
client's debt capacity for the advisor preparing a loan application — the monthly repayment room within the
policy's debt-service ceiling (``credit.debt_service_ceiling`` × monthly income − the existing monthly
repayments, never below zero) and the loan-to-value of the property (loans secured on it ÷ its appraised
value; none printed without a property), from the client file's ``credit`` block."""

from __future__ import annotations

from typing import Any

from ...errors import InputError
from ..base import Labels, Section
from ..html import p, table
from ..registry import register


@register("proposal")
class Credit(Section):
    key, heading = "credit", "proposal_credit"

    def compute(self, inp: Any) -> dict[str, Any]:
        rules, rec, src = inp.policy.credit, inp.c.credit, inp.c.source or inp.c.id
        if rules is None:
            raise InputError(inp.policy.source or "policy.yaml", "credit.debt_service_ceiling",
                             "the proposal lists the credit section (documents.proposal) but the policy sets "
                             "no debt-service ceiling")
        if rec is None:
            raise InputError(src, "credit", "the firm's proposal has a credit-support section; the client file "
                             "records no credit block (monthly_repayments, property_value, property_loans)")
        monthly_income = float(inp.c.income.annual) / 12.0
        allowed = rules.debt_service_ceiling * monthly_income
        return {"ceiling": rules.debt_service_ceiling, "monthly_income": monthly_income, "allowed": allowed,
                "existing": rec.monthly_repayments, "room": max(0.0, allowed - rec.monthly_repayments),
                "property_value": rec.property_value, "property_loans": rec.property_loans,
                "ltv": rec.property_loans / rec.property_value if rec.property_value > 0 else None}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        m = lb.money
        rows = [[lb.L("credit_monthly_income"), m(d["monthly_income"])],
                [lb.L("credit_allowed", ceiling=lb.pct(d["ceiling"], 0)), m(d["allowed"])],
                [lb.L("credit_existing"), m(d["existing"])],
                [lb.L("credit_room"), m(d["room"])],
                [lb.L("credit_property_value"), m(d["property_value"])],
                [lb.L("credit_property_loans"), m(d["property_loans"])],
                [lb.L("credit_ltv"), lb.L("credit_no_property") if d["ltv"] is None else lb.pct(d["ltv"], 1)]]
        return table([lb.L("col_item"), lb.L("col_amount")], rows) + p(lb.L("credit_note"))
