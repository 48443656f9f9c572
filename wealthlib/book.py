"""The relationship report (client book): DOMAIN.md §6, for one advisor or the whole book.

:func:`build_book` reads ``<params>/policy.yaml``, ``<params>/products.yaml`` and every client file under
``<params>/clients/`` and returns a :class:`BookReport`: plain pandas tables a template displays, plus the
rules used to compute them (``report.methods``). Nothing here reads the wall clock: the as-of date is a
parameter; each client file is read as it stood then (:func:`wealthlib._analytics.asof.client_as_of`: the KYC
assessment in force, no transaction, contact or complaint dated after it).

Rules (each a keyword of :func:`build_book` or a constant below, stated in the report):

* **Book.** An advisor's report holds only the clients whose ``advisor`` field names them; nothing about
  another advisor's clients (names, ids, amounts, counts, unreadable file names) appears in it. The whole
  book (``advisor=None``) holds every client and one row of measures per advisor. A client is in the book at
  ``as_of`` when their earliest record (first transaction, or the KYC date when there is none) is on or
  before ``as_of``.
* **AUM.** Holdings at their recorded values, in each client's base currency. There is no FX table in the
  inputs, so amounts are **never added across currencies**: every AUM figure is per currency.
* **AUM change** over the period (1 January of the as-of year to ``as_of``), from transactions: net new money
  = deposits − withdrawals; income and fees are shown beside it. The client files carry no valuation at the
  start of the period, so the opening AUM is *implied*: 0 for an account opened in the period, otherwise the
  closing AUM less the period's net new money. Change = closing − implied opening; **AUM growth** = change ÷
  implied opening (blank when the implied opening is 0). Market movement is therefore not separated from the
  opening value: the growth measures new money and new accounts, which is what the advisor brought in.
* **New account**: first transaction within the period.
* **KYC**: expiry per :func:`wealthlib.risk.kyc_expiry` with the policy's validity; *expired* when
  ``as_of`` is after the expiry, *due* when it expires within ``kyc_due_days`` (60) days.
* **Review**: a contact through a conversation channel (:data:`REVIEW_CHANNELS`: branch, visit, video,
  phone, meeting); messages (email, chat, app) do not count. A review is *due* when the last one is older than
  ``review_months`` months (or there is none); *reviews on time* = share of clients with no review due.
* **Not contacted**: no contact of any channel for more than ``contact_days`` days (or never).
* **Suitability exceptions**: every holding in a product graded above the client's ceiling
  (:func:`wealthlib.products.check_suitability`), and every override above the assessed class.
* **Complaints**: open at ``as_of`` (opened on or before it, not closed by it), with their age in days. Under
  a policy with an answer deadline (``complaints.answer_days`` in policy.yaml: the Taiwanese firm 30 days, the
  mainland bank 15) the answer due date is shown and a complaint older than the deadline is flagged.
* **Client satisfaction**: the share of the period's follow-up visits (回访, ``contact_log`` entries of kind
  ``follow_up``) rated ``follow_up.satisfied_from`` or above, where the policy plans visits; otherwise not
  available. Product sales (buys) and, where the firm introduces loans (policy ``credit``), the loans introduced
  (``kind: loan_introduced``) are summed per advisor and currency.
* **Lists in the whole book**: each list of clients (:data:`CLIENT_LISTS`) prints at most its first
  :data:`WHOLE_BOOK_ROWS` (100) rows, in its order, and the number of rows it has; an advisor's report lists all
  of theirs. The tables of :class:`BookReport` always hold every row.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError, WealthError

__all__ = [
    "KYC_DUE_DAYS",
    "REVIEW_CHANNELS",
    "CLIENT_LISTS",
    "TIER_ORDER",
    "WHOLE_BOOK_ROWS",
    "BookReport",
    "build_book",
    "load_book_clients",
    "read_book_report",
    "write_book_report",
]

#: Contact channels that count as a review conversation.
REVIEW_CHANNELS: frozenset[str] = frozenset({"branch", "visit", "video", "phone", "meeting"})
#: A KYC assessment expiring within this many days is "due".
KYC_DUE_DAYS = 60
#: The whole book's client lists (new accounts, KYC due, reviews due, not contacted, exceptions, complaints, the
#: roster) print at most this many rows each, in their order (most urgent first where there is one), with the
#: number left out: a bank's book of 10,000 clients is a summary for its managers, not 300 pages of rows. Each
#: advisor's report lists all of theirs.
WHOLE_BOOK_ROWS = 100
#: Display tables that list clients (one row per client or per problem), as opposed to counts and totals.
CLIENT_LISTS: tuple[str, ...] = (
    "new_accounts", "kyc_due", "reviews_due", "not_contacted", "exceptions", "complaints", "clients",
)
#: Tiers in display order (lowest first); tiers not listed follow in alphabetical order.
TIER_ORDER: tuple[str, ...] = ("mass", "affluent", "priority", "private")


class BookError(WealthError):
    """The book cannot be built (no clients, unknown advisor, bad arguments)."""


def _to_date(value: date | str, what: str = "as_of") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(what, "", f"not a date in YYYY-MM-DD form: {value!r}") from None


def _months_before(d: date, months: int) -> date:
    m = d.month - 1 - months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _months_after(d: date, months: int) -> date:
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _tier_key(tier: str) -> tuple[int, str]:
    return (TIER_ORDER.index(tier), tier) if tier in TIER_ORDER else (len(TIER_ORDER), tier)


@dataclass
class BookReport:
    """The client book at one date, for one advisor (``advisor``) or every advisor (``advisor is None``).

    Tables (pandas DataFrames, one row per client unless said otherwise; ``client`` is the client id,
    ``name`` the client's name):

    ``clients``
        id, name, advisor, tier, currency, aum, risk_class, computed_class, ceiling, kyc_date, kyc_expiry,
        kyc_status (``expired``/``due``/``valid``), first_transaction, new_account, last_contact,
        days_since_contact, last_review, next_review, review_due, open_complaints.
    ``tier_class``
        counts of clients, tier (rows, display order) × risk class (columns, ladder order), with totals.
    ``aum_by_tier``
        tier, currency, clients, aum (long form; one row per tier and currency present).
    ``aum_change``
        per currency: clients, opening (implied), net_new_money, deposits, withdrawals, income, fees,
        closing, change, growth.
    ``new_accounts``, ``kyc_due``, ``reviews_due``, ``not_contacted``
        the clients concerned, with the dates and days that put them there.
    ``exceptions``
        client, name, kind (``holding_above_ceiling`` / ``override_above_computed``), product, grade,
        ceiling, amount, currency, reason and approved_by (an override's, or the exception the client file records
        for a holding kept above the ceiling), detail (one line in English).
    ``complaints``
        client, name, opened, age_days, answer_due, overdue, summary.
    ``advisor_measures``
        one row per advisor: clients, aum_<CCY> per currency, aum_growth_<CCY>, new_accounts, reviews_due,
        reviews_on_time, satisfaction.
    ``advisor_aum``
        per advisor and currency: the ``aum_change`` columns (the advisor's AUM growth, long form).

    Display tables (:meth:`table`) are the ones above plus ``aum_flows`` (the period's deposits, withdrawals,
    income and fees per currency, from ``aum_change``).

    ``methods`` states each rule in words (English); ``problems`` lists client files that could not be read
    (whole book only; an advisor's report gives their number, not their names).
    """

    as_of: date
    advisor: str | None
    period_start: date
    contact_days: int
    review_months: int
    kyc_due_days: int
    kyc_validity_months: int
    jurisdiction: str
    complaint_answer_days: int | None
    policy_version: str
    shelf_version: str
    ladder: str
    class_order: list[str]
    class_names: dict[str, dict[str, str]]
    clients: pd.DataFrame
    tier_class: pd.DataFrame
    aum_by_tier: pd.DataFrame
    aum_change: pd.DataFrame
    new_accounts: pd.DataFrame
    kyc_due: pd.DataFrame
    reviews_due: pd.DataFrame
    not_contacted: pd.DataFrame
    exceptions: pd.DataFrame
    complaints: pd.DataFrame
    advisor_measures: pd.DataFrame
    acceptance: pd.DataFrame             # advisor, proposals, accepted, declined, pending, rate (wealthlib.records)
    advisor_aum: pd.DataFrame
    methods: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unreadable_files: int = 0
    reporting_currency: str | None = None  # the policy's fx.reporting_currency
    aum_reporting: dict[str, Any] | None = None  # total, per-currency rates and amounts in reporting_currency
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # registry id → locale → name
    signers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # locale → [(role, name and numbers)]
    satisfaction_rule: tuple[int, int] | None = None  # (satisfied_from, scale) of the policy's follow_up visits
    loans_measured: bool = False  # the firm introduces loans (policy credit): the measures show them

    # -------------------------------------------------------------------------------------------- summary
    @property
    def scope(self) -> str:
        return self.advisor or "all"

    @property
    def client_ids(self) -> list[str]:
        return list(self.clients["id"])

    @property
    def currencies(self) -> list[str]:
        return sorted(self.clients["currency"].unique()) if len(self.clients) else []

    def summary(self) -> dict[str, Any]:
        """Headline counts: clients, new accounts, KYC expired / due, reviews due, not contacted, exceptions,
        open complaints (and how many are past the answer deadline), AUM per currency."""
        c = self.clients
        return {
            "advisor": self.scope,
            "as_of": self.as_of.isoformat(),
            "clients": len(c),
            "new_accounts": len(self.new_accounts),
            "kyc_expired": int((c["kyc_status"] == "expired").sum()) if len(c) else 0,
            "kyc_due": int((c["kyc_status"] == "due").sum()) if len(c) else 0,
            "reviews_due": len(self.reviews_due),
            "not_contacted": len(self.not_contacted),
            "exceptions": len(self.exceptions),
            "open_complaints": len(self.complaints),
            "complaints_overdue": int(self.complaints["overdue"].sum()) if len(self.complaints) else 0,
            "aum": {ccy: float(v) for ccy, v in c.groupby("currency")["aum"].sum().items()} if len(c) else {},
            "aum_reporting": None if self.aum_reporting is None else
            {"currency": self.reporting_currency, "total": self.aum_reporting["total"]},
        }

    # -------------------------------------------------------------------------------------------- display
    def person(self, pid: Any, locale: str = "en") -> str:
        """A person of the firm by name (the advisor registry's), else as recorded."""
        return self.people.get(str(pid), {}).get(locale, str(pid)) if isinstance(pid, str) else pid

    @property
    def advisor_name(self) -> dict[str, str]:
        """The report's advisor by name per locale (``{}`` for the whole book)."""
        if self.advisor is None:
            return {}
        return {loc: self.person(self.advisor, loc) for loc in ("en", "zh-TW", "zh-CN")}

    def signature_html(self, locale: str = "en") -> str:
        """Who signs the report: an advisor's report its advisor and their supervisor, the whole book the firm's
        supervisors; each by name and registration numbers (never an id)."""
        import html as _h

        from .disclosures import acknowledgement

        rows = self.signers.get(locale) or []
        if not rows:
            return ""
        labels = acknowledgement(locale, self.jurisdiction)["signature_labels"]
        line = "_" * 24
        return '<table class="wl-signature"><tbody>' + "".join(
            f'<tr><th>{_h.escape(labels[role])}</th><td><span class="wl-signer">{_h.escape(who)}</span><br>{line}'
            f'</td><th>{_h.escape(labels["date"])}</th><td>{line}</td></tr>' for role, who in rows) + "</tbody></table>"

    def class_name(self, code: str, locale: str = "en") -> str:
        return self.class_names.get(code, {}).get(locale, code)

    def tier_label(self, tier: str, locale: str = "en") -> str:
        """The tier in words (``documents.tier_<tier>``), or the tier code when there is no label."""
        from .i18n import catalog, t

        key = f"tier_{tier}"
        return t(f"documents.{key}", locale) if key in catalog("documents") else tier

    def table(self, name: str, locale: str = "en", limit: int | None = None) -> pd.DataFrame:
        """A table for people: localized column labels, tiers and classes in words, money and dates
        formatted for ``locale``. ``name`` is one of the table attributes above; ``limit``: at most that many
        of its first rows (:meth:`rows` says how many there are)."""
        return _table(self, name, locale, limit)

    def rows(self, name: str) -> int:
        """How many rows the display table ``name`` has in full."""
        if name == "tier_class":
            return len(self.tier_class)
        return len(getattr(self, _SOURCES.get(name, name)))

    @property
    def list_limit(self) -> int | None:
        """Rows a client list prints in this report: :data:`WHOLE_BOOK_ROWS` for the whole book, all for an
        advisor's."""
        return WHOLE_BOOK_ROWS if self.advisor is None else None

    def summary_table(self, locale: str = "en") -> pd.DataFrame:
        """The headline counts of :meth:`summary` as a two-column table in ``locale``."""
        from .i18n import fmt_money, fmt_number

        s = self.summary()
        n = lambda v: fmt_number(v, locale)
        complaints = n(s["open_complaints"])
        if self.complaint_answer_days is not None:
            complaints += f" ({_lbl('col_book_past_deadline', locale)}: {n(s['complaints_overdue'])})"
        rows = [
            (_lbl("col_book_clients", locale), n(s["clients"])),
            (_lbl("col_aum", locale), " · ".join(fmt_money(v, ccy, locale, symbol=True) for ccy, v in s["aum"].items())),
            *([(_lbl("col_aum_reporting", locale, currency=self.reporting_currency),
                fmt_money(s["aum_reporting"]["total"], self.reporting_currency, locale, symbol=True))]
              if s["aum_reporting"] is not None else []),
            (_lbl("book_new_accounts", locale), n(s["new_accounts"])),
            (_lbl("book_kyc_due", locale),
             f"{_lbl('term_expired', locale)} {n(s['kyc_expired'])} · {_lbl('term_due_soon', locale)} {n(s['kyc_due'])}"),
            (_lbl("book_reviews_due", locale), n(s["reviews_due"])),
            (_lbl("book_not_contacted", locale, days=self.contact_days), n(s["not_contacted"])),
            (_lbl("book_exceptions", locale), n(s["exceptions"])),
            (_lbl("book_complaints", locale), complaints),
        ]
        return pd.DataFrame(rows, columns=[_lbl("book_headline", locale), _lbl("book_figure", locale)])

    def aum_chart(self, locale: str = "en"):
        """Bar chart of AUM by tier, one panel per currency (a :class:`matplotlib.figure.Figure`)."""
        return _aum_chart(self, locale)

    def class_mix_chart(self, locale: str = "en"):
        """Stacked bars: number of clients per tier by risk class."""
        return _class_mix_chart(self, locale)


# --------------------------------------------------------------------------------------------- build


def build_book(
    *,
    params: str | Path = "params",
    as_of: date | str | None = None,
    advisor: str | None = None,
    contact_days: int = 90,
    review_months: int = 3,
    kyc_due_days: int = KYC_DUE_DAYS,
    loaded: tuple[list[Any], list[Any]] | None = None,
) -> BookReport:
    """Build the relationship report for ``advisor`` (an advisor id such as ``adv-chen``) or, with ``None``,
    for the whole book. See the module docstring for every rule. An advisor with no client in the book is a
    :class:`BookError` naming the advisors that exist.

    The client files are read from ``params/clients`` unless they were already read: ``loaded`` is
    :func:`load_book_clients`' result (``wealth book report`` reads a book of 10,000 files once, builds each
    report from it and hands it to the report's kernel with :func:`write_book_report`)."""
    from .market import holdings_in_base
    from .policy import load_policy
    from .products import check_suitability, load_shelf
    from ._analytics.asof import client_as_of
    from .risk import profile_client

    if as_of is None:  # the params folder's default (market.yaml, else the shelf data's last month-end)
        from .context import default_as_of

        as_of = default_as_of(params)
    when = _to_date(as_of)
    if isinstance(contact_days, bool) or not isinstance(contact_days, int) or contact_days < 1:
        raise BookError(f"contact_days must be a whole number of days ≥ 1, got {contact_days!r}")
    if isinstance(review_months, bool) or not isinstance(review_months, int) or review_months < 1:
        raise BookError(f"review_months must be a whole number of months ≥ 1, got {review_months!r}")
    params = Path(params)
    policy = load_policy(params / "policy.yaml")
    shelf = load_shelf(params / "products.yaml", policy)
    everyone, failures = loaded if loaded is not None else load_book_clients(params)
    period_start = date(when.year, 1, 1)
    answer_days = policy.complaints.answer_days

    def earliest(c) -> date:
        dates = [tx.date for tx in c.transactions]
        return min(dates) if dates else c.kyc.date

    in_book = [c for c in everyone if earliest(c) <= when]
    advisors = sorted({c.advisor for c in in_book})
    if advisor is not None:
        if advisor not in advisors:
            raise BookError(
                f"no client of advisor {advisor!r} in the book as of {when}; advisors: {', '.join(advisors) or 'none'}"
            )
        book = [c for c in in_book if c.advisor == advisor]
    else:
        book = in_book
    if not book and not failures:
        raise BookError(f"no clients in {params / 'clients'} as of {when}")

    ladder = policy.active
    market = _RatesOnce(_book_market(params))
    reporting = policy.fx.reporting_currency
    rows: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    complaints: list[dict[str, Any]] = []
    profile_errors: list[str] = []
    for c in book:
        try:
            c = client_as_of(c, when)  # the KYC then in force; nothing dated after `when`
            prof = profile_client(c, policy, when)
        except WealthError as err:  # one bad KYC record must not hide the rest of the book
            profile_errors.append(str(err))
            continue
        positions = holdings_in_base(c, shelf, market, when, policy.fx.not_modeled)  # valued at `when`
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
        next_review = _months_after(last_review, review_months) if last_review else None
        review_due = next_review is None or next_review < when
        days_to_expiry = (prof.kyc_expiry - when).days
        kyc_status = "expired" if prof.kyc_expired else ("due" if days_to_expiry <= kyc_due_days else "valid")
        n_open = 0
        for comp in c.complaints:
            if comp.opened > when or (comp.closed is not None and comp.closed <= when):
                continue
            n_open += 1
            age = (when - comp.opened).days
            days = _answer_days(policy, comp)
            due = comp.opened + timedelta(days=days) if days is not None else None
            complaints.append(dict(
                client=c.id, name=c.name, opened=comp.opened, age_days=age, answer_due=due,
                overdue=bool(days is not None and age > days), summary=comp.summary,
            ))
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
        rows.append(dict(
            id=c.id, name=c.name, advisor=c.advisor, tier=c.tier, currency=c.base_currency, aum=float(aum),
            risk_class=prof.final_class, computed_class=prof.computed_class, ceiling=prof.ceiling,
            kyc_date=prof.kyc_date, kyc_expiry=prof.kyc_expiry, days_to_kyc_expiry=days_to_expiry,
            kyc_status=kyc_status, first_transaction=first_tx, new_account=new,
            deposits=float(sums["deposit"]), withdrawals=float(sums["withdrawal"]), income=float(sums["income"]),
            fees=float(sums["fee"]), net_new_money=float(nnm), opening=0.0 if new else float(aum - nnm),
            last_contact=last_contact, days_since_contact=(when - last_contact).days if last_contact else None,
            last_review=last_review, next_review=next_review, review_due=review_due, open_complaints=n_open,
            **_duties(c, policy, period_start, when),
        ))

    client_cols = [
        "id", "name", "advisor", "tier", "currency", "aum", "risk_class", "computed_class", "ceiling", "kyc_date",
        "kyc_expiry", "days_to_kyc_expiry", "kyc_status", "first_transaction", "new_account", "deposits",
        "withdrawals", "income", "fees", "net_new_money", "opening", "last_contact", "days_since_contact",
        "last_review", "next_review", "review_due", "open_complaints", *DUTY_COLUMNS,
    ]
    df = pd.DataFrame(rows, columns=client_cols)
    if len(df):
        df = df.sort_values(["tier", "id"], key=lambda s: s.map(_tier_key) if s.name == "tier" else s)
        df = df.reset_index(drop=True)

    tiers = sorted(df["tier"].unique(), key=_tier_key) if len(df) else []
    classes = [code for code in ladder.codes if code in set(df["risk_class"])] if len(df) else []
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
        aum_by_tier = aum_by_tier.sort_values(["tier", "currency"], key=lambda s: s.map(_tier_key) if s.name == "tier" else s)
        aum_by_tier = aum_by_tier.reset_index(drop=True)

    aum_change = _aum_change(df)
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
    exc_df = pd.DataFrame(exceptions, columns=["client", "name", "kind", "product", "grade", "ceiling", "amount", "currency", "reason", "approved_by", "detail"])
    comp_df = pd.DataFrame(complaints, columns=["client", "name", "opened", "age_days", "answer_due", "overdue", "summary"])
    comp_df = comp_df.sort_values("age_days", ascending=False).reset_index(drop=True)
    measures = _advisor_measures(df)
    from .records import book_acceptance

    accept_df = book_acceptance(params, policy, dict(zip(df["id"], df["advisor"])) if len(df) else {}, when)
    from ._analytics.identities import check_book_numbers

    check_book_numbers(f"book {advisor or 'all'} {when}", clients=df, aum_change=aum_change, acceptance=accept_df)
    advisor_aum = _aum_change(df, by=("advisor",))

    methods = {
        "scope": ("One advisor's clients only." if advisor else "Every advisor's clients.")
        + " A client is in the book when their first transaction (or, without one, the KYC date) is on or before the as-of date.",
        "aum": ("Holdings as recorded (each in its product's currency), valued in each client's base currency at the "
                f"last FX rate on or before {when} ({market.vintage.split(', data to ')[0]}); AUM is shown per base "
                "currency" + (f", and in total in the reporting currency {reporting} at the same date's rates."
                              if reporting else ".")),
        "aum_change": (
            f"Period {period_start} to {when}. Net new money = deposits − withdrawals in the period (from transactions). "
            "Opening AUM is implied: 0 for accounts opened in the period, otherwise closing AUM less net new money "
            "(no valuation at the period start is recorded). Change = closing − opening; growth = change ÷ opening."
        ),
        "new_accounts": "First transaction within the period.",
        "kyc": f"Valid for {policy.kyc.validity_months} months from the assessment; due when it expires within {kyc_due_days} days.",
        "reviews": (
            f"A review is a contact by {', '.join(sorted(REVIEW_CHANNELS))}; due when the last one is more than "
            f"{review_months} months old (or there is none). Reviews on time = share of clients with no review due."
        ),
        "contact": f"No contact of any kind for more than {contact_days} days (or never).",
        "exceptions": "Holdings graded above the client's ceiling (suitability check), and overrides above the assessed class.",
        "complaints": (
            f"Open at the as-of date; age in days. Answer within {answer_days} days (policy), older ones flagged."
            if answer_days is not None else "Open at the as-of date; age in days."
        ),
        "satisfaction": ("Share of the follow-up visits in the period (contact log, kind follow_up) the client rated "
                         f"{policy.follow_up.satisfied_from} or above on the policy's 1–{policy.follow_up.satisfaction_scale} scale."
                         if policy.follow_up is not None else "Not recorded in the client files."),
        "sales": "Buys in the period (transactions), in each client's base currency.",
        "loans": "Loans introduced to the bank's credit process in the period (contact log, kind loan_introduced).",
    }
    if advisor is None:
        methods["lists"] = (f"Each list of clients shows at most its first {WHOLE_BOOK_ROWS} rows and says how many "
                            "there are; each advisor's report lists all of theirs.")
    # unreadable files cannot be attributed to an advisor: named in the whole book only
    problems = ([str(f) for f in failures] if advisor is None else []) + profile_errors
    aum_reporting = _in_reporting_currency(df, reporting, market, when) if reporting else None
    people, signers = _people(policy, params, advisor)
    return BookReport(
        people=people, signers=signers,
        reporting_currency=reporting, aum_reporting=aum_reporting,
        as_of=when, advisor=advisor, period_start=period_start, contact_days=contact_days,
        review_months=review_months, kyc_due_days=kyc_due_days,
        kyc_validity_months=policy.kyc.validity_months, jurisdiction=policy.jurisdiction,
        complaint_answer_days=answer_days, policy_version=policy.version, shelf_version=shelf.version,
        ladder=policy.ladder, class_order=list(ladder.codes),
        class_names={rc.code: {loc: rc.name(loc) for loc in ("en", "zh-TW", "zh-CN")} for rc in ladder.classes},
        clients=df, tier_class=tier_class, aum_by_tier=aum_by_tier, aum_change=aum_change,
        new_accounts=new_accounts.reset_index(drop=True), kyc_due=kyc_due.reset_index(drop=True),
        reviews_due=reviews_due.reset_index(drop=True), not_contacted=not_contacted.reset_index(drop=True),
        exceptions=exc_df, complaints=comp_df, advisor_measures=measures, acceptance=accept_df, advisor_aum=advisor_aum,
        methods=methods,
        satisfaction_rule=(policy.follow_up.satisfied_from, policy.follow_up.satisfaction_scale)
        if policy.follow_up is not None else None, loans_measured=policy.credit is not None,
        problems=problems, unreadable_files=len(failures) + len(profile_errors),
    )


def load_book_clients(params: str | Path) -> tuple[list[Any], list[Any]]:
    """Every client file under ``params/clients`` (:func:`wealthlib.clients.load_clients`): the clients, and the
    files that could not be read."""
    from .clients import load_clients

    return load_clients(Path(params) / "clients")


#: The environment variable holding this run's hand-off key (:func:`write_book_report`); a report's kernel
#: inherits it from ``wealth book report``, nothing else has it.
HANDOFF_KEY_ENV = "WEALTH_BOOK_HANDOFF_KEY"


def _people(policy: Any, params: Path, advisor: str | None):
    """Names of the registry's people per locale, and the report's signers per locale (an advisor's report: the
    advisor and their supervisor; the whole book: the registry's supervisors). Empty without a registry."""
    from .advisors import registry_for, signers as _signers

    reg = registry_for(policy, params)
    if reg is None:
        return {}, {}
    locales = ("en", "zh-TW", "zh-CN")
    people = {pid: {loc: p.name(loc) for loc in locales} for pid, p in reg.people.items()}
    out: dict[str, list[tuple[str, str]]] = {}
    for loc in locales:
        if advisor is not None:
            sg = _signers(policy, params, advisor, loc)
            out[loc] = [("advisor", sg.advisor_label(loc))] + (
                [("supervisor", sg.supervisor_label(loc))] if sg.supervisor_id else [])
        else:
            out[loc] = [("supervisor", _signers(policy, params, pid, loc).advisor_label(loc))
                        for pid, p in sorted(reg.people.items()) if p.role == "supervisor"]
    return people, out


def _handoff_key(create: bool) -> bytes:
    import os
    import secrets

    key = os.environ.get(HANDOFF_KEY_ENV)
    if not key and create:
        key = os.environ[HANDOFF_KEY_ENV] = secrets.token_hex(32)
    if not key:
        raise BookError("a built book can only be read by the kernels of the `wealth book report` run that built it")
    return bytes.fromhex(key)


def write_book_report(path: str | Path, report: "BookReport") -> Path:
    """``report`` at ``path`` for the template's kernel (parameter ``prebuilt``), so the kernel neither reads the
    client files again nor recomputes: pickled, behind an HMAC-SHA256 under a key made for this run and passed
    to the kernels in the environment (:data:`HANDOFF_KEY_ENV`), so a file this run did not write is refused
    before it is unpickled. The file holds client data: write it in a private temporary folder, remove it after."""
    import hashlib
    import hmac
    import pickle

    from .render import write_atomic

    data = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
    return write_atomic(Path(path), hmac.new(_handoff_key(create=True), data, hashlib.sha256).digest() + data)


def read_book_report(path: str | Path) -> "BookReport":
    """The report :func:`write_book_report` wrote in this run; anything else is a :class:`BookError`."""
    import hashlib
    import hmac
    import pickle

    blob = Path(path).read_bytes()
    mac, data = blob[:32], blob[32:]
    if not hmac.compare_digest(mac, hmac.new(_handoff_key(create=False), data, hashlib.sha256).digest()):
        raise BookError(f"{path}: not a book this run built (its signature does not match)")
    report = pickle.loads(data)  # noqa: S301 - authenticated above: written by this run
    if not isinstance(report, BookReport):
        raise BookError(f"{path}: not a book this run built")
    return report


class _RatesOnce:
    """The market, each FX rate looked up once per pair and date: a book values every client's holdings at the
    same date, and one look-up (a pandas slice) cost more than loading the client file."""

    def __init__(self, market: Any):
        self._market = market
        self._rates: dict[tuple, float | WealthError] = {}

    def fx_rate(self, ccy: str, base: str, on: Any, **kw: Any) -> float:
        key = (ccy, base, str(on), tuple(sorted(kw.items())))
        if key not in self._rates:
            try:
                self._rates[key] = self._market.fx_rate(ccy, base, on, **kw)
            except WealthError as exc:
                self._rates[key] = exc
        hit = self._rates[key]
        if isinstance(hit, WealthError):
            raise hit
        return hit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._market, name)


def _book_market(params: Path):
    """The market ``<params>/market.yaml`` configures: the book values holdings with its FX at the report date."""
    from .market import configured_market

    return configured_market(params)


def _in_reporting_currency(df: pd.DataFrame, reporting: str, market, when: date) -> dict[str, Any]:
    """AUM per base currency converted into ``reporting`` at the last rate on or before ``when``; the total."""
    rates: dict[str, float] = {}
    amounts: dict[str, float] = {}
    for ccy, v in (df.groupby("currency")["aum"].sum().items() if len(df) else []):
        rates[ccy] = market.fx_rate(ccy, reporting, when)
        amounts[ccy] = float(v) * rates[ccy]
    return {"currency": reporting, "rates": rates, "amounts": amounts, "total": float(sum(amounts.values()))}


def _aum_change(df: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The AUM change per currency (per ``by`` and currency: ``("advisor",)`` gives every advisor's in one pass)."""
    cols = [*by, "currency", "clients", "opening", "deposits", "withdrawals", "net_new_money", "income", "fees", "closing", "change", "growth"]
    if not len(df):
        return pd.DataFrame(columns=cols)
    g = df.groupby([*by, "currency"]).agg(
        clients=("id", "size"), opening=("opening", "sum"), deposits=("deposits", "sum"),
        withdrawals=("withdrawals", "sum"), net_new_money=("net_new_money", "sum"), income=("income", "sum"),
        fees=("fees", "sum"), closing=("aum", "sum"),
    ).reset_index()
    g["change"] = g["closing"] - g["opening"]
    g["growth"] = [ch / op if op > 0 else float("nan") for ch, op in zip(g["change"], g["opening"])]
    return g[cols]


#: What each client row counts of the advisor's duties in the period (:func:`_duties`).
DUTY_COLUMNS = ("follow_ups", "rated_visits", "satisfied_visits", "sales", "loans_introduced")


def _answer_days(policy: Any, comp: Any) -> int | None:
    """The days the firm has to answer ``comp``: the policy's ``complex_answer_days`` for a complex case where it
    sets them (the mainland 30), else ``answer_days`` (the mainland 15, Taiwan 30)."""
    rules = policy.complaints
    if comp.complex and rules.complex_answer_days is not None:
        return rules.complex_answer_days
    return rules.answer_days


def _duties(c: Any, policy: Any, start: date, when: date) -> dict[str, Any]:
    """A client's share of the seed's advisor measures in the period ``start``–``when``: follow-up visits (回访)
    recorded, those rated and those rated ``follow_up.satisfied_from`` or above; product sales (buys, base
    currency); loans introduced to the bank's credit process (their amounts, base currency)."""
    log = [x for x in c.contact_log if start <= x.date <= when]
    visits = [x for x in log if x.kind == "follow_up"]
    rated = [x.satisfaction for x in visits if x.satisfaction is not None]
    cut = policy.follow_up.satisfied_from if policy.follow_up is not None else None
    return {"follow_ups": len(visits), "rated_visits": len(rated),
            "satisfied_visits": sum(1 for r in rated if cut is not None and r >= cut),
            "sales": float(sum(t.amount for t in c.transactions if t.type == "buy" and start <= t.date <= when)),
            "loans_introduced": float(sum(x.amount for x in log if x.kind == "loan_introduced"))}


def _advisor_measures(df: pd.DataFrame) -> pd.DataFrame:
    """Per advisor: clients, AUM and its growth per currency, new accounts, reviews due and on time, follow-up
    visits, satisfaction (share of rated visits rated satisfied; None without a rated visit), sales and loans
    introduced per currency."""
    if not len(df):
        return pd.DataFrame(columns=["advisor", "clients", "new_accounts", "reviews_due", "reviews_on_time",
                                     "follow_ups", "satisfaction"])
    out = []
    currencies = sorted(df["currency"].unique())
    for adv, part in df.groupby("advisor", sort=True):
        row: dict[str, Any] = {"advisor": adv, "clients": len(part)}
        for ccy in currencies:
            p = part[part["currency"] == ccy]
            closing, opening = float(p["aum"].sum()), float(p["opening"].sum())
            row[f"aum_{ccy}"] = closing if len(p) else float("nan")
            row[f"aum_growth_{ccy}"] = (closing - opening) / opening if len(p) and opening > 0 else float("nan")
        row["new_accounts"] = int(part["new_account"].sum())
        row["reviews_due"] = int(part["review_due"].sum())
        row["reviews_on_time"] = float((~part["review_due"]).mean())
        for ccy in currencies:
            p = part[part["currency"] == ccy]
            row[f"sales_{ccy}"] = float(p["sales"].sum()) if len(p) else float("nan")
            row[f"loans_{ccy}"] = float(p["loans_introduced"].sum()) if len(p) else float("nan")
        row["follow_ups"] = int(part["follow_ups"].sum())
        rated = int(part["rated_visits"].sum())
        row["satisfaction"] = float(part["satisfied_visits"].sum()) / rated if rated else None
        out.append(row)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------- display
# Labels come from wealthlib/data/i18n/documents.yaml (``book_*``, ``col_*``, ``tier_*``, ``term_*`` keys).


def _lbl(key: str, locale: str, **fmt: Any) -> str:
    from .i18n import t

    return t(f"documents.{key}", locale, **fmt)


def _fmt_cell(value: Any, kind: str, locale: str, currency: str | None = None) -> str:
    from .i18n import MISSING, fmt_date, fmt_money, fmt_number, fmt_pct

    if value is None or (isinstance(value, float) and value != value) or (kind != "text" and pd.isna(value)):
        return MISSING
    if kind == "date":
        return fmt_date(value, locale)
    if kind == "money":
        return fmt_money(value, currency, locale, symbol=True) if currency else fmt_number(value, locale)
    if kind == "pct":
        return fmt_pct(value, locale, 1, signed=True)
    if kind == "int":
        return fmt_number(int(value), locale)
    if kind == "bool":
        return _lbl("term_yes" if value else "term_no", locale)
    return str(value)


# table name → [(source column, label key, kind)]; "name" is the client's name
_COLUMNS: dict[str, list[tuple[str, str, str]]] = {
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
#: display tables drawn from another attribute
_SOURCES = {"aum_flows": "aum_change"}


def _table(report: BookReport, name: str, locale: str = "en", limit: int | None = None) -> pd.DataFrame:
    from .i18n import check_locale

    check_locale(locale)
    if name == "tier_class":
        return _tier_class_table(report, locale)
    if name == "acceptance":
        return _acceptance_table(report, locale)
    if name == "advisor_measures":
        return _measures_table(report, locale)
    if name not in _COLUMNS:
        known = sorted([*_COLUMNS, "tier_class", "advisor_measures", "acceptance"])
        raise KeyError(f"no book table {name!r}; tables: {', '.join(known)}")
    src: pd.DataFrame = getattr(report, _SOURCES.get(name, name))
    if limit is not None:
        src = src.head(limit)
    spec = [c for c in _COLUMNS[name] if not (c[0] == "advisor" and report.advisor is not None and name != "advisor_aum")]
    out: dict[str, list[str]] = {}
    records = src.to_dict("records")  # plain dicts: a pandas row per cell cost more than the formatting
    for col, key, kind in spec:
        cells = []
        for row in records:
            v = row.get(col)
            if kind == "tier":
                cells.append(report.tier_label(v, locale))
            elif kind == "class":
                cells.append(report.class_name(v, locale))
            elif kind == "kyc_status":
                cells.append(_lbl({"expired": "term_expired", "due": "term_due_soon"}.get(v, "term_valid"), locale))
            elif kind == "person":
                cells.append(_fmt_cell(None, "text", locale) if not isinstance(v, str) else report.person(v, locale))
            elif kind == "exception":
                cells.append(_lbl(f"book_exception_{v}", locale))
            elif kind == "grade":
                cells.append(_fmt_cell(None, "text", locale) if v is None or pd.isna(v) else f"RR{int(v)}")
            elif kind == "money":
                ccy = row.get("currency") if "currency" in src.columns else None
                cells.append(_fmt_cell(v, "money", locale, ccy))
            elif kind == "text" and (v is None or (isinstance(v, float) and v != v)):
                cells.append(_fmt_cell(None, "text", locale))
            else:
                cells.append(_fmt_cell(v, kind, locale))
        out[_lbl(key, locale)] = cells
    return pd.DataFrame(out)


def _tier_class_table(report: BookReport, locale: str) -> pd.DataFrame:
    tc = report.tier_class
    if not len(tc):
        return pd.DataFrame()
    total = _lbl("term_total", locale)
    cols = {c: (total if c == "total" else report.class_name(c, locale)) for c in tc.columns}
    idx = [total if i == "total" else report.tier_label(i, locale) for i in tc.index]
    out = tc.rename(columns=cols).copy()
    out.index = pd.Index(idx, name=_lbl("col_tier", locale))
    return out


def _measures_table(report: BookReport, locale: str) -> pd.DataFrame:
    m = report.advisor_measures
    out: dict[str, list[str]] = {_lbl("field_advisor", locale): [report.person(x, locale) for x in m["advisor"]],
                                 _lbl("col_book_clients", locale): [_fmt_cell(v, "int", locale) for v in m["clients"]]}
    out[_lbl("book_new_accounts", locale)] = [_fmt_cell(v, "int", locale) for v in m["new_accounts"]]
    out[_lbl("book_reviews_due", locale)] = [_fmt_cell(v, "int", locale) for v in m["reviews_due"]]
    from .i18n import fmt_pct

    out[_lbl("book_reviews_on_time", locale)] = [fmt_pct(v, locale, 0) for v in m["reviews_on_time"]]
    rule = report.satisfaction_rule
    if rule is None:
        out[_lbl("book_satisfaction", locale)] = [_lbl("term_not_available", locale) for _ in m["satisfaction"]]
    else:
        out[_lbl("book_follow_ups", locale)] = [_fmt_cell(v, "int", locale) for v in m["follow_ups"]]
        out[_lbl("book_satisfied", locale, **{"from": rule[0], "scale": rule[1]})] = [
            _lbl("term_not_available", locale) if v is None or v != v else fmt_pct(v, locale, 0)
            for v in m["satisfaction"]]
    for ccy in report.currencies:
        label = f"{_lbl('book_wealth_sales', locale)} ({ccy})" if len(report.currencies) > 1 else _lbl("book_wealth_sales", locale)
        out[label] = [_fmt_cell(v, "money", locale, ccy) for v in m[f"sales_{ccy}"]]
        if report.loans_measured:
            label = _lbl("book_loans_introduced", locale) + (f" ({ccy})" if len(report.currencies) > 1 else "")
            out[label] = [_fmt_cell(v, "money", locale, ccy) for v in m[f"loans_{ccy}"]]
    return pd.DataFrame(out)


def _acceptance_table(report: BookReport, locale: str) -> pd.DataFrame:
    """資產配置建議客戶接受度: proposals made, accepted, declined and pending per advisor."""
    from .i18n import fmt_pct, t

    a = report.acceptance
    out: dict[str, list[str]] = {_lbl("field_advisor", locale): [report.person(x, locale) for x in a["advisor"]]}
    for col, key in (("proposals", "col_proposals_made"), ("accepted", "col_accepted"), ("declined", "col_declined"),
                     ("pending", "col_pending")):
        out[t(f"lifecycle.{key}", locale)] = [_fmt_cell(v, "int", locale) for v in a[col]]
    out[t("lifecycle.col_acceptance_rate", locale)] = [fmt_pct(v, locale, 0) for v in a["rate"]]
    return pd.DataFrame(out)


def _aum_chart(report: BookReport, locale: str = "en"):
    from matplotlib.ticker import FuncFormatter

    from .charts import PALETTE, _figure, _finish, _money, house_style

    data = report.aum_by_tier
    currencies = sorted(data["currency"].unique()) if len(data) else []
    tiers = sorted(report.clients["tier"].unique(), key=_tier_key) if len(report.clients) else []
    n = max(1, len(currencies))
    with house_style(locale):
        fig = _figure(locale, (8.0, 3.2 if n == 1 else 2.2 + 1.1 * n))
        axes = fig.subplots(n, 1, squeeze=False)[:, 0]
        for ax, ccy in zip(axes, currencies or [None]):
            if ccy is None:
                ax.set_axis_off()
                continue
            part = data[data["currency"] == ccy].set_index("tier")["aum"].reindex(tiers).fillna(0.0)
            labels = [report.tier_label(tr, locale) for tr in tiers]
            ax.barh(range(len(tiers)), part.to_numpy(), 0.6, color=PALETTE[0])
            ax.set_yticks(range(len(tiers)), labels)
            ax.invert_yaxis()
            ax.xaxis.set_major_formatter(FuncFormatter(_money))
            ax.set_title(f"{_lbl('col_aum', locale)} ({ccy})", fontsize=10, loc="left")
            ax.grid(axis="y", visible=False)
        fig.suptitle(_lbl("book_aum_by_tier_chart", locale), x=0.01, ha="left", fontweight="bold")
    return _finish(fig, locale)


def _class_mix_chart(report: BookReport, locale: str = "en"):
    import numpy as np

    from .charts import PALETTE, _figure, _finish, house_style

    tc = report.tier_class
    with house_style(locale):
        fig = _figure(locale, (8.0, 3.2))
        ax = fig.add_subplot()
        if len(tc):
            body = tc.drop(index="total").drop(columns="total")
            y = np.arange(len(body.index))
            left = np.zeros(len(body.index))
            palette = [PALETTE[3], PALETTE[0], PALETTE[4], PALETTE[2], PALETTE[5]]
            for i, cls in enumerate(body.columns):
                vals = body[cls].to_numpy(dtype=float)
                ax.barh(y, vals, 0.6, left=left, color=palette[i % len(palette)], label=report.class_name(cls, locale))
                left += vals
            ax.set_yticks(y, [report.tier_label(tr, locale) for tr in body.index])
            ax.invert_yaxis()
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_xlabel(_lbl("col_book_clients", locale))
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
            ax.grid(axis="y", visible=False)
        ax.set_title(_lbl("book_class_mix_chart", locale))
    return _finish(fig, locale)
