"""What the book's client lists and totals print: table name → ``[(column of the book table, label key, kind)]``
(labels in ``wealthlib/data/i18n/documents.yaml``); the kind says how a cell is written (:func:`._common.cell`)."""

from __future__ import annotations

COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "clients": [
        ("name", "col_client", "text"), ("id", "field_client_id", "text"), ("advisor", "field_advisor", "person"),
        ("tier", "col_tier", "tier"), ("risk_class", "col_risk_class", "class"), ("aum", "col_aum", "money"),
        ("kyc_expiry", "col_kyc_expiry", "date"), ("last_contact", "col_last_contact", "date"),
        ("next_review", "col_next_review", "date"),
    ],
    "new_accounts": [
        ("name", "col_client", "text"), ("id", "field_client_id", "text"), ("tier", "col_tier", "tier"),
        ("first_transaction", "col_book_first_transaction", "date"), ("deposits", "col_contributions", "money"),
        ("aum", "col_aum", "money"),
    ],
    "kyc_due": [
        ("name", "col_client", "text"), ("id", "field_client_id", "text"), ("tier", "col_tier", "tier"),
        ("risk_class", "col_risk_class", "class"), ("kyc_date", "field_kyc_date", "date"),
        ("kyc_expiry", "col_kyc_expiry", "date"), ("days_to_kyc_expiry", "col_book_days_to_expiry", "int"),
        ("kyc_status", "col_status", "kyc_status"),
    ],
    "reviews_due": [
        ("name", "col_client", "text"), ("id", "field_client_id", "text"), ("tier", "col_tier", "tier"),
        ("last_review", "col_last_review", "date"), ("next_review", "col_next_review", "date"),
        ("days_overdue", "col_book_days_overdue", "int"),
    ],
    "not_contacted": [
        ("name", "col_client", "text"), ("id", "field_client_id", "text"), ("tier", "col_tier", "tier"),
        ("last_contact", "col_last_contact", "date"), ("days_since_contact", "col_days", "int"),
    ],
    "exceptions": [
        ("name", "col_client", "text"), ("client", "field_client_id", "text"), ("kind", "col_type", "exception"),
        ("product", "col_code", "text"), ("grade", "col_grade", "grade"), ("ceiling", "field_ceiling", "grade"),
        ("amount", "col_amount", "money"), ("reason", "col_reason", "text"), ("approved_by", "col_approved_by", "person"),
    ],
    "complaints": [
        ("name", "col_client", "text"), ("client", "field_client_id", "text"), ("opened", "col_received", "date"),
        ("age_days", "col_book_age_days", "int"), ("answer_due", "col_answer_due", "date"),
        ("overdue", "col_book_past_deadline", "bool"), ("summary", "col_book_complaint", "text"),
    ],
    "aum_by_tier": [
        ("tier", "col_tier", "tier"), ("currency", "col_currency", "text"), ("clients", "col_book_clients", "int"),
        ("aum", "col_aum", "money"),
    ],
    "aum_change": [
        ("currency", "col_currency", "text"), ("clients", "col_book_clients", "int"),
        ("opening", "col_book_opening_implied", "money"), ("net_new_money", "col_book_net_new_money", "money"),
        ("closing", "col_closing_value", "money"), ("change", "col_change", "money"),
        ("growth", "book_aum_growth", "pct"),
    ],
    "aum_flows": [
        ("currency", "col_currency", "text"), ("deposits", "col_contributions", "money"),
        ("withdrawals", "col_withdrawals", "money"), ("income", "col_income", "money"), ("fees", "col_fees", "money"),
    ],
    "advisor_aum": [
        ("advisor", "field_advisor", "person"), ("currency", "col_currency", "text"),
        ("clients", "col_book_clients", "int"), ("opening", "col_book_opening_implied", "money"),
        ("net_new_money", "col_book_net_new_money", "money"), ("closing", "col_closing_value", "money"),
        ("growth", "book_aum_growth", "pct"),
    ],
}
#: display tables drawn from another table of the book
SOURCES = {"aum_flows": "aum_change"}
