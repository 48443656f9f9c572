"""One client's line of the client book (DOMAIN.md §6), at the report date: AUM, the period's flows, KYC, contact and
review status, open complaints with their answer deadline, and suitability exceptions (holdings above the
client's ceiling, overrides above the assessed class). :func:`book_lines` gathers every client's line for
:func:`wealthlib.book.build_book`, which makes the book's tables of them; :mod:`wealthlib._analytics.book` computes
the totals and measures from them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .book import answer_days as answer_days_for, duties

#: Contact channels that count as a review conversation.
REVIEW_CHANNELS: frozenset[str] = frozenset({"branch", "visit", "video", "phone", "meeting"})


def months_after(d: date, months: int) -> date:
    """``d`` moved ``months`` months on (the last day of a shorter month when ``d``'s day is past it)."""
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def client_line(c: Any, prof: Any, positions: dict[str, float], *, policy: Any, shelf: Any, when: date,
                period_start: date, review_months: int, kyc_due_days: int
                ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The book's row of client ``c`` (read as at ``when``; ``prof`` its risk profile, ``positions`` its holdings
    valued in its base currency at ``when``), its suitability exceptions and its complaints open at ``when``."""
    exceptions = suitability_exceptions(c, prof, positions, shelf=shelf, ladder=policy.active, when=when)
    complaints = open_complaints(c, policy, when)
    aum = float(sum(positions.values()))
    txs = [tx for tx in c.transactions if tx.date <= when]
    first_tx = min((tx.date for tx in txs), default=None)
    in_period = [tx for tx in txs if period_start <= tx.date]
    sums = {k: sum(tx.amount for tx in in_period if tx.type == k) for k in ("deposit", "withdrawal", "income", "fee")}
    new = first_tx is not None and first_tx >= period_start
    nnm = sums["deposit"] - sums["withdrawal"]
    contacts = sorted((x for x in c.contact_log if x.date <= when), key=lambda x: x.date)
    last_contact = contacts[-1].date if contacts else None
    reviews = [x.date for x in contacts if x.channel.lower() in REVIEW_CHANNELS]
    last_review = reviews[-1] if reviews else None
    next_review = months_after(last_review, review_months) if last_review else None
    review_due = next_review is None or next_review < when
    days_to_expiry = (prof.kyc_expiry - when).days
    kyc_status = "expired" if prof.kyc_expired else ("due" if days_to_expiry <= kyc_due_days else "valid")
    n_open = len(complaints)
    row = dict(
        id=c.id, name=c.name, advisor=c.advisor, tier=c.tier, currency=c.base_currency, aum=float(aum),
        risk_class=prof.final_class, computed_class=prof.computed_class, ceiling=prof.ceiling,
        kyc_date=prof.kyc_date, kyc_expiry=prof.kyc_expiry, days_to_kyc_expiry=days_to_expiry,
        kyc_status=kyc_status, first_transaction=first_tx, new_account=new,
        deposits=float(sums["deposit"]), withdrawals=float(sums["withdrawal"]), income=float(sums["income"]),
        fees=float(sums["fee"]), net_new_money=float(nnm), opening=0.0 if new else float(aum - nnm),
        last_contact=last_contact, days_since_contact=(when - last_contact).days if last_contact else None,
        last_review=last_review, next_review=next_review, review_due=review_due, open_complaints=n_open,
        **duties(c, policy, period_start, when),
    )
    return row, exceptions, complaints


def open_complaints(c: Any, policy: Any, when: date) -> list[dict[str, Any]]:
    """Client ``c``'s complaints open at ``when`` (opened on or before it, not closed by it): age in days, the
    answer due date and whether it is overdue under the policy's deadline (:func:`~.book.answer_days`)."""
    out: list[dict[str, Any]] = []
    for comp in c.complaints:
        if comp.opened > when or (comp.closed is not None and comp.closed <= when):
            continue
        age = (when - comp.opened).days
        days = answer_days_for(policy, comp)
        due = comp.opened + timedelta(days=days) if days is not None else None
        out.append(dict(
            client=c.id, name=c.name, opened=comp.opened, age_days=age, answer_due=due,
            overdue=bool(days is not None and age > days), summary=comp.summary,
        ))
    return out


def suitability_exceptions(c: Any, prof: Any, positions: dict[str, float], *, shelf: Any, ladder: Any, when: date
                           ) -> list[dict[str, Any]]:
    """Client ``c``'s suitability exceptions at ``when``: each holding graded above the ceiling (with the reason
    and approver of the exception the file records for it, if any), then an override above the assessed class."""
    from ..products import check_suitability

    exceptions: list[dict[str, Any]] = []
    known = {code: v for code, v in positions.items() if code in shelf}
    recorded = {e.product: e for e in c.exceptions if e.date <= when}  # the client file's decisions to keep
    for v in check_suitability(known, shelf, prof.ceiling):
        ex = recorded.get(v.code)
        exceptions.append(dict(
            client=c.id, name=c.name, kind="holding_above_ceiling", product=v.code, grade=v.grade,
            ceiling=v.ceiling, amount=float(positions[v.code]), currency=c.base_currency,
            reason=ex.reason if ex else None, approved_by=ex.approved_by if ex else None, detail=str(v),
        ))
    if "override_above_computed" in prof.flag_codes and prof.override is not None:
        ov = prof.override
        assessed = prof.computed_class
        # the class the override departs from is the assessed one after the elderly cap
        for f in prof.flags:
            if f.code == "elderly_cap":
                assessed = ladder.elderly_max_class or assessed
        exceptions.append(dict(
            client=c.id, name=c.name, kind="override_above_computed", product=None, grade=None,
            ceiling=prof.ceiling, amount=None, currency=c.base_currency, reason=ov.reason, approved_by=ov.by,
            detail=f"override to {ov.risk_class} above the assessed {assessed} by {ov.by} on {ov.date}: {ov.reason}",
        ))
    return exceptions


@dataclass
class BookLines:
    """The book's lines gathered client by client (:func:`book_lines`): a row per client, their suitability
    exceptions and open complaints, the clients whose KYC could not be profiled (one message each) and the
    questionnaires (name and version) the profiles were scored on."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)
    profile_errors: list[str] = field(default_factory=list)
    questionnaires: set[str] = field(default_factory=set)


def book_lines(clients: list[Any], *, policy: Any, shelf: Any, market: Any, when: date, period_start: date,
               review_months: int, kyc_due_days: int) -> BookLines:
    """Every client's line (:func:`client_line`), each client read as it stood at ``when``
    (:func:`wealthlib._analytics.asof.client_as_of`) and its holdings valued then; a client whose KYC record
    cannot be profiled is a message in ``profile_errors``, not the end of the book."""
    from ..errors import WealthError
    from ..market import holdings_in_base
    from ..risk import profile_client
    from .asof import client_as_of

    out = BookLines()
    for c in clients:
        try:
            c = client_as_of(c, when)  # the KYC then in force; nothing dated after `when`
            prof = profile_client(c, policy, when)
        except WealthError as err:  # one bad KYC record must not hide the rest of the book
            out.profile_errors.append(str(err))
            continue
        out.questionnaires.add(f"{prof.questionnaire} {prof.questionnaire_version}")
        positions = holdings_in_base(c, shelf, market, when, policy.fx.not_modeled)  # valued at `when`
        row, found, opened = client_line(c, prof, positions, policy=policy, shelf=shelf, when=when,
                                         period_start=period_start, review_months=review_months,
                                         kyc_due_days=kyc_due_days)
        out.rows.append(row)
        out.exceptions += found
        out.complaints += opened
    return out
