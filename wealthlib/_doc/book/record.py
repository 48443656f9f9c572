"""The book's closing sections: how the figures are computed, and the audit record (the footer of every page
carries its short form, :mod:`wealthlib._doc.audit`)."""

from __future__ import annotations

from typing import Any

from ...i18n import t
from ..audit import audit_rows
from ..base import Labels, Section
from ..html import kv, ul
from ..registry import register
from ._common import BookInputs


@register("book")
class Methods(Section):
    """The rules behind the figures: AUM, its change over the period, KYC validity, reviews, contact, exceptions and
    the acceptance counts, with the report's own numbers (period, months, days)."""

    key, heading = "methods", "book_methods"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        book = b.book
        return {"start": book.period_start.isoformat(), "end": book.as_of.isoformat(),
                "kyc_months": book.kyc_validity_months, "kyc_days": book.kyc_due_days,
                "review_months": book.review_months, "contact_days": book.contact_days}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return ul([lb.L("book_method_aum"), lb.L("book_method_change", start=lb.date(d["start"]), end=lb.date(d["end"])),
                   lb.L("book_method_kyc", months=d["kyc_months"], days=d["kyc_days"]),
                   lb.L("book_method_reviews", months=d["review_months"]),
                   lb.L("book_method_contact", days=d["contact_days"]), lb.L("book_method_exceptions"),
                   t("lifecycle.book_acceptance_method", lb.loc)])


@register("book")
class Audit(Section):
    """The report's audit record, whole: the value its footer prints in short."""

    key, heading, required = "audit", "proposal_audit", True

    def compute(self, b: BookInputs) -> dict[str, Any]:
        return {"audit": {k: v for k, v in b.book.audit.items() if isinstance(v, str)}}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return kv(audit_rows(d["audit"], lb))
