"""As-of discipline: a client file seen as it stood on a date.

A document dated ``as_of`` may use only what existed on that date. :func:`client_as_of` returns a copy of the
client with

* the **KYC assessment in force**: the latest of ``kyc`` and ``kyc.history`` dated on or before ``as_of``
  (with its own override, if that override is dated on or before ``as_of``); none is a :class:`NoKycInForce`
  naming ``kyc.date`` (a document cannot rest on an assessment made later);
* **transactions**, **contacts** and **complaints** dated after ``as_of`` removed; a complaint opened on or
  before ``as_of`` and closed after it is *open* at ``as_of`` (its closing date is dropped); suitability
  **exceptions** granted after ``as_of`` removed.

Holdings are the values at the document's as-of date (the client file's convention) and are kept. Prices are cut
at ``as_of`` by :func:`wealthlib.context.load_context`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from ..clients import Client

__all__ = ["NoKycInForce", "client_as_of", "kyc_in_force"]


class NoKycInForce(InputError):
    """No KYC assessment of the client is dated on or before the document's date."""


def _day(when: date | str | pd.Timestamp) -> date:
    return pd.Timestamp(when).date()


def kyc_in_force(client: "Client", as_of: date | str | pd.Timestamp):
    """The client's KYC assessment in force at ``as_of`` (a :class:`~wealthlib.clients.Kyc`, history emptied)."""
    from ..clients import Kyc

    when = _day(as_of)
    candidates = [client.kyc, *client.kyc.history]
    dated = [k for k in candidates if k.date <= when]
    if not dated:
        raise NoKycInForce(client.source or client.id, "kyc.date",
                           "no KYC assessment is dated on or before the document's as-of date; record the one then "
                           "in force under kyc.history")
    k = max(dated, key=lambda k: k.date)
    override = k.override if k.override is not None and k.override.date <= when else None
    # the assessment's fields were validated when the file was read: built without validating them again. Every
    # field is given (history emptied, no reported change) and the set fields named as before: left to its
    # default_factory, pydantic reads `list`'s signature for each client (0.4 ms, more than the rest of the copy)
    return Kyc.model_construct(set(_KYC_SET), questionnaire=k.questionnaire, answers=dict(k.answers), date=k.date,
                               override=override, history=[], reported_change=None)


#: The fields :func:`kyc_in_force` sets (``model_fields_set`` of its result).
_KYC_SET = frozenset({"questionnaire", "answers", "date", "override"})


def client_as_of(client: "Client", as_of: date | str | pd.Timestamp) -> "Client":
    """``client`` as it stood at ``as_of`` (see the module docstring); the original is not changed."""
    when = _day(as_of)
    complaints = [c if c.closed is None or c.closed <= when else c.model_copy(update={"closed": None})
                  for c in client.complaints if c.opened <= when]
    return client.model_copy(update={
        "kyc": kyc_in_force(client, when),
        "transactions": [tx for tx in client.transactions if tx.date <= when],
        "contact_log": [c for c in client.contact_log if c.date <= when],
        "complaints": complaints,
        "exceptions": [e for e in client.exceptions if e.date <= when],  # a suitability exception not yet granted
    })
