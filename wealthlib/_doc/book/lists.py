"""The book's lists of clients: new accounts, KYC due or expired, reviews due, not contacted, suitability
exceptions, open complaints and the roster. The whole book prints the first :data:`wealthlib.book.WHOLE_BOOK_ROWS`
rows of each and says how many there are; an advisor's report lists all of theirs."""

from __future__ import annotations

from typing import Any

from ..base import Labels, Section
from ..html import p
from ..registry import register
from ._common import BookInputs, cells, grid, table_data


class ClientList(Section):
    """A list of clients: the book table :attr:`table` (:data:`.columns.COLUMNS`), cut to the report's limit."""

    table = ""

    def compute(self, b: BookInputs) -> dict[str, Any]:
        return {**table_data(b, self.table, b.book.list_limit), "limit": b.book.list_limit}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        out = grid(*cells(d, lb), lb)
        if d["limit"] is not None and d["total"] > d["limit"]:
            out += p(lb.L("book_rows_shown", shown=lb.number(d["limit"]), n=lb.number(d["total"])))
        return out


@register("book")
class NewAccounts(ClientList):
    key, heading, table = "new_accounts", "book_new_accounts", "new_accounts"


@register("book")
class KycDue(ClientList):
    key, heading, table = "kyc_due", "book_kyc_due", "kyc_due"


@register("book")
class ReviewsDue(ClientList):
    key, heading, table = "reviews_due", "book_reviews_due", "reviews_due"


@register("book")
class NotContacted(ClientList):
    """Clients with no contact of any channel for more than the report's ``contact_days`` (its heading says how many)."""

    key, heading, table = "not_contacted", "book_not_contacted", "not_contacted"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        return {**super().compute(b), "days": b.book.contact_days}

    def title(self, d: dict[str, Any], lb: Labels) -> str:
        return lb.L(self.heading, days=d["days"])


@register("book")
class Exceptions(ClientList):
    key, heading, table = "exceptions", "book_exceptions", "exceptions"


@register("book")
class Complaints(ClientList):
    """Open complaints with their age; under a policy with an answer deadline, the answer due date and a note."""

    key, heading, table = "complaints", "book_complaints", "complaints"

    def compute(self, b: BookInputs) -> dict[str, Any]:
        return {**super().compute(b), "deadline": b.book.complaint_answer_days}

    def render(self, d: dict[str, Any], lb: Labels) -> str:
        return super().render(d, lb) + (p(lb.L("book_complaints_note")) if d["deadline"] is not None else "")


@register("book")
class Roster(ClientList):
    key, heading, table = "roster", "book_roster", "clients"
