"""The client book's tables: the client table itself (one row per client, :func:`client_frame`), the suitability
exceptions and open complaints (:func:`exception_frame`, :func:`complaint_frame`), and those drawn from the client
table (:func:`book_tables`): clients by tier and risk class, AUM by tier and currency, and the lists of clients (new
accounts, KYC due or expired, reviews due, not contacted), each in its order (most urgent first where there is
one). :func:`wealthlib.book.build_book` makes them of the book's lines
(:func:`wealthlib._analytics.book_clients.book_lines`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from .book import DUTY_COLUMNS, aum_change as aum_change_of

#: Tiers in display order (lowest first); tiers not listed follow in alphabetical order.
TIER_ORDER: tuple[str, ...] = ("mass", "affluent", "priority", "private")


def tier_key(tier: str) -> tuple[int, str]:
    """A tier's place in :data:`TIER_ORDER` (unknown tiers after, alphabetically)."""
    return (TIER_ORDER.index(tier), tier) if tier in TIER_ORDER else (len(TIER_ORDER), tier)


#: The client table's columns, in order (:func:`wealthlib._analytics.book_clients.client_line` makes the rows).
CLIENT_COLUMNS: tuple[str, ...] = (
    "id", "name", "advisor", "tier", "currency", "aum", "risk_class", "computed_class", "ceiling", "kyc_date",
    "kyc_expiry", "days_to_kyc_expiry", "kyc_status", "first_transaction", "new_account", "deposits",
    "withdrawals", "income", "fees", "net_new_money", "opening", "last_contact", "days_since_contact",
    "last_review", "next_review", "review_due", "open_complaints", *DUTY_COLUMNS,
)
#: The exceptions table's columns.
EXCEPTION_COLUMNS: tuple[str, ...] = ("client", "name", "kind", "product", "grade", "ceiling", "amount", "currency",
                                      "reason", "approved_by", "detail")
#: The complaints table's columns.
COMPLAINT_COLUMNS: tuple[str, ...] = ("client", "name", "opened", "age_days", "answer_due", "overdue", "summary")


def client_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The client table of the clients' rows: :data:`CLIENT_COLUMNS`, by tier (:func:`tier_key`) then id."""
    df = pd.DataFrame(rows, columns=list(CLIENT_COLUMNS))
    if len(df):
        df = df.sort_values(["tier", "id"], key=lambda s: s.map(tier_key) if s.name == "tier" else s)
        df = df.reset_index(drop=True)
    return df


def exception_frame(exceptions: list[dict[str, Any]]) -> pd.DataFrame:
    """The suitability exceptions (:data:`EXCEPTION_COLUMNS`), in the clients' order."""
    return pd.DataFrame(exceptions, columns=list(EXCEPTION_COLUMNS))


def complaint_frame(complaints: list[dict[str, Any]]) -> pd.DataFrame:
    """The open complaints (:data:`COMPLAINT_COLUMNS`), oldest first."""
    comp = pd.DataFrame(complaints, columns=list(COMPLAINT_COLUMNS))
    return comp.sort_values("age_days", ascending=False).reset_index(drop=True)


def book_tables(df: pd.DataFrame, class_codes: Any, when: date, contact_days: int) -> dict[str, pd.DataFrame]:
    """``tier_class``, ``aum_by_tier``, ``aum_change``, ``new_accounts``, ``kyc_due``, ``reviews_due`` and
    ``not_contacted`` of the client table ``df`` (``class_codes``: the ladder's classes, in order)."""
    ladder_codes = list(class_codes)
    tiers = sorted(df["tier"].unique(), key=tier_key) if len(df) else []
    classes = [code for code in ladder_codes if code in set(df["risk_class"])] if len(df) else []
    tier_class = (
        pd.crosstab(df["tier"], df["risk_class"]).reindex(index=tiers, columns=classes, fill_value=0)
        if len(df) else pd.DataFrame()
    )
    if len(df):
        tier_class["total"] = tier_class.sum(axis=1)
        tier_class.loc["total"] = tier_class.sum(axis=0)
        tier_class.index.name, tier_class.columns.name = "tier", None

    aum_by_tier = (
        df.groupby(["tier", "currency"], sort=False)
        .agg(clients=("id", "size"), aum=("aum", "sum")).reset_index()
        if len(df) else pd.DataFrame(columns=["tier", "currency", "clients", "aum"])
    )
    if len(aum_by_tier):
        aum_by_tier = aum_by_tier.sort_values(["tier", "currency"], key=lambda s: s.map(tier_key) if s.name == "tier" else s)
        aum_by_tier = aum_by_tier.reset_index(drop=True)

    aum_change = aum_change_of(df)
    new_accounts = df.loc[df["new_account"], ["id", "name", "tier", "currency", "first_transaction", "deposits", "aum"]] if len(df) else df
    kyc_due = (
        df.loc[df["kyc_status"] != "valid", ["id", "name", "tier", "risk_class", "kyc_date", "kyc_expiry", "days_to_kyc_expiry", "kyc_status"]]
        .sort_values("kyc_expiry") if len(df) else df
    )
    reviews_due = (
        df.loc[df["review_due"], ["id", "name", "tier", "last_review", "next_review"]]
        .sort_values("next_review", na_position="first") if len(df) else df
    )
    if len(reviews_due):
        reviews_due = reviews_due.assign(days_overdue=[
            None if pd.isna(nr) else (when - nr).days for nr in reviews_due["next_review"]
        ])
    nc_mask = df["days_since_contact"].isna() | (df["days_since_contact"].fillna(0) > contact_days) if len(df) else []
    not_contacted = (
        df.loc[nc_mask, ["id", "name", "tier", "last_contact", "days_since_contact"]]
        .sort_values("days_since_contact", ascending=False, na_position="first") if len(df) else df
    )
    return {"tier_class": tier_class, "aum_by_tier": aum_by_tier, "aum_change": aum_change, "new_accounts": new_accounts,
            "kyc_due": kyc_due, "reviews_due": reviews_due, "not_contacted": not_contacted}
