"""The client book's rules in words (English), as the relationship report states them (``BookReport.methods``):
one sentence or two per measure, with the run's parameters and the policy's numbers filled in. The rules
themselves are computed in :mod:`wealthlib._analytics.book_clients`, :mod:`.book_tables` and :mod:`.book`."""

from __future__ import annotations

from datetime import date
from typing import Any

from .book_clients import REVIEW_CHANNELS


def book_methods(policy: Any, *, advisor: str | None, when: date, period_start: date, contact_days: int,
                 review_months: int, kyc_due_days: int, vintage: str, list_rows: int) -> dict[str, str]:
    """Each rule of the book of ``advisor`` (``None``: the whole book, whose lists print at most ``list_rows``
    rows) at ``when``; ``vintage`` is the market's (its FX data, as ``market.vintage`` words it)."""
    out = {
        "scope": ("One advisor's clients only." if advisor else "Every advisor's clients.")
        + " A client is in the book when their first transaction (or, without one, the KYC date) is on or before"
          " the as-of date.",
        "aum": _aum_rule(policy.fx.reporting_currency, when, vintage),
        "aum_change": (
            f"Period {period_start} to {when}. Net new money = deposits − withdrawals in the period (from "
            "transactions). Opening AUM is implied: 0 for accounts opened in the period, otherwise closing AUM less "
            "net new money (no valuation at the period start is recorded). Change = closing − opening; growth = "
            "change ÷ opening."
        ),
        "new_accounts": "First transaction within the period.",
        "kyc": f"Valid for {policy.kyc.validity_months} months from the assessment; due when it expires within "
               f"{kyc_due_days} days.",
        "reviews": (
            f"A review is a contact by {', '.join(sorted(REVIEW_CHANNELS))}; due when the last one is more than "
            f"{review_months} months old (or there is none). Reviews on time = share of clients with no review due."
        ),
        "contact": f"No contact of any kind for more than {contact_days} days (or never).",
        "exceptions": "Holdings graded above the client's ceiling (suitability check), and overrides above the "
                      "assessed class.",
        "complaints": _complaints_rule(policy.complaints.answer_days),
        "satisfaction": _satisfaction_rule(policy.follow_up),
        "sales": "Buys in the period (transactions), in each client's base currency.",
        "loans": "Loans introduced to the bank's credit process in the period (contact log, kind loan_introduced).",
    }
    if advisor is None:
        out["lists"] = (f"Each list of clients shows at most its first {list_rows} rows and says how many "
                        "there are; each advisor's report lists all of theirs.")
    return out


def _aum_rule(reporting: str | None, when: date, vintage: str) -> str:
    return ("Holdings as recorded (each in its product's currency), valued in each client's base currency at the "
            f"last FX rate on or before {when} ({vintage.split(', data to ')[0]}); AUM is shown per base "
            "currency" + (f", and in total in the reporting currency {reporting} at the same date's rates."
                          if reporting else "."))


def _complaints_rule(answer_days: int | None) -> str:
    if answer_days is None:
        return "Open at the as-of date; age in days."
    return f"Open at the as-of date; age in days. Answer within {answer_days} days (policy), older ones flagged."


def _satisfaction_rule(follow_up: Any) -> str:
    if follow_up is None:
        return "Not recorded in the client files."
    return ("Share of the follow-up visits in the period (contact log, kind follow_up) the client rated "
            f"{follow_up.satisfied_from} or above on the policy's 1–{follow_up.satisfaction_scale} scale.")
