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

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ._analytics.book import advisor_measures, aum_change as aum_change_of, in_reporting_currency
from ._analytics.book_clients import REVIEW_CHANNELS, book_lines
from ._analytics.book_methods import book_methods
from ._analytics.book_tables import (TIER_ORDER, book_tables, client_frame, complaint_frame, exception_frame,
                                     tier_key as _tier_key)
from ._doc.book.view import BookDocument, BookView
from ._gc import fewer_collections
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
class BookError(WealthError):
    """The book cannot be built (no clients, unknown advisor, bad arguments)."""


def _to_date(value: date | str, what: str = "as_of") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(what, "", f"not a date in YYYY-MM-DD form: {value!r}") from None


@dataclass
class BookReport(BookView, BookDocument):
    """The client book at one date, for one advisor (``advisor``) or every advisor (``advisor is None``): its
    tables and the rules used to compute them. How it shows itself (names, tables for people, charts, the
    document) is :class:`~wealthlib._doc.book.view.BookView` and :class:`~wealthlib._doc.book.view.BookDocument`.

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
    keys: tuple[str, ...] = ()  # the section list (the firm's policy `documents.book`, else the package's)
    sections_source: str = ""  # the file the list was read from (messages name it)
    audit: dict[str, Any] = field(default_factory=dict)  # the audit record (wealthlib._doc.audit): one value

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

    @property
    def list_limit(self) -> int | None:
        """Rows a client list prints in this report: :data:`WHOLE_BOOK_ROWS` for the whole book, all for an
        advisor's."""
        return WHOLE_BOOK_ROWS if self.advisor is None else None

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


# --------------------------------------------------------------------------------------------- build


@fewer_collections()
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
    from . import _doc
    from .policy import load_policy
    from .products import load_shelf

    run = _book_run(params, as_of, advisor, contact_days, review_months, kyc_due_days)
    params = Path(params)
    policy = load_policy(params / "policy.yaml")
    keys = _doc.section_list("book", policy)  # the firm's list, checked before any work
    shelf = load_shelf(params / "products.yaml", policy)
    everyone, failures = loaded if loaded is not None else load_book_clients(params)
    book = _book_clients(everyone, failures, run, params)
    market = _RatesOnce(_book_market(params))
    # a line per client, all kept: read with fewer collections (the decorator, wealthlib._gc)
    lines = book_lines(book, policy=policy, shelf=shelf, market=market, when=run.as_of,
                       period_start=run.period_start, review_months=run.review_months,
                       kyc_due_days=run.kyc_due_days)
    tables = _book_tables(lines, policy, params, market, run)
    # unreadable files cannot be attributed to an advisor: named in the whole book only
    problems = ([str(f) for f in failures] if advisor is None else []) + lines.profile_errors
    people, signers = _people(policy, params, advisor)
    ex = tables["exceptions"]
    overrides = int((ex["kind"] == "override_above_computed").sum()) if len(ex) else 0
    audit = _book_audit(params, policy, shelf, market, book, run.record(), sorted(lines.questionnaires), overrides)
    return BookReport(
        keys=keys, sections_source=policy.source or _doc.SECTIONS_FILE, audit=audit, people=people, signers=signers,
        **run.fields(), **_policy_fields(policy), shelf_version=shelf.version, **tables,
        methods=book_methods(policy, advisor=advisor, when=run.as_of, period_start=run.period_start,
                             contact_days=run.contact_days, review_months=run.review_months,
                             kyc_due_days=run.kyc_due_days, vintage=market.vintage, list_rows=WHOLE_BOOK_ROWS),
        problems=problems, unreadable_files=len(failures) + len(lines.profile_errors),
    )


@dataclass(frozen=True)
class _BookRun:
    """The parameters of one build of the book, checked (:func:`_book_run`)."""

    as_of: date
    advisor: str | None
    contact_days: int
    review_months: int
    kyc_due_days: int

    @property
    def period_start(self) -> date:
        """The period the AUM change and the duties cover starts on 1 January of the as-of year."""
        return date(self.as_of.year, 1, 1)

    def record(self) -> dict[str, Any]:
        """The run as the audit record's inputs hash covers it."""
        return {"as_of": self.as_of, "advisor": self.advisor, "contact_days": self.contact_days,
                "review_months": self.review_months, "kyc_due_days": self.kyc_due_days}

    def fields(self) -> dict[str, Any]:
        """The report's fields that state the run."""
        return {**self.record(), "period_start": self.period_start}


def _book_run(params: str | Path, as_of: date | str | None, advisor: str | None, contact_days: Any,
              review_months: Any, kyc_due_days: int) -> _BookRun:
    """The run's parameters checked; no as-of date is the params folder's default (market.yaml, else the shelf
    data's last month-end)."""
    if as_of is None:
        from .context import default_as_of

        as_of = default_as_of(params)
    when = _to_date(as_of)
    if isinstance(contact_days, bool) or not isinstance(contact_days, int) or contact_days < 1:
        raise BookError(f"contact_days must be a whole number of days ≥ 1, got {contact_days!r}")
    if isinstance(review_months, bool) or not isinstance(review_months, int) or review_months < 1:
        raise BookError(f"review_months must be a whole number of months ≥ 1, got {review_months!r}")
    return _BookRun(when, advisor, contact_days, review_months, kyc_due_days)


def _earliest(c: Any) -> date:
    """A client's earliest record: their first transaction, or the KYC date when there is none."""
    dates = [tx.date for tx in c.transactions]
    return min(dates) if dates else c.kyc.date


def _book_clients(everyone: list[Any], failures: list[Any], run: _BookRun, params: Path) -> list[Any]:
    """The clients in the book at the run's date (earliest record on or before it), the advisor's only when the
    run names one; an advisor without a client there, or no client and no unreadable file, is a
    :class:`BookError`."""
    when = run.as_of
    in_book = [c for c in everyone if _earliest(c) <= when]
    advisors = sorted({c.advisor for c in in_book})
    if run.advisor is not None:
        if run.advisor not in advisors:
            raise BookError(f"no client of advisor {run.advisor!r} in the book as of {when}; advisors: "
                            f"{', '.join(advisors) or 'none'}")
        book = [c for c in in_book if c.advisor == run.advisor]
    else:
        book = in_book
    if not book and not failures:
        raise BookError(f"no clients in {params / 'clients'} as of {when}")
    return book


def _book_tables(lines: Any, policy: Any, params: Path, market: Any, run: _BookRun) -> dict[str, Any]:
    """The report's tables of the book's lines (:mod:`wealthlib._analytics.book_tables`), the advisors' measures
    and acceptance, the AUM in the reporting currency; the book's identities checked
    (:func:`wealthlib._analytics.identities.check_book_numbers`) before anything is returned."""
    from ._analytics.identities import check_book_numbers
    from .records import book_acceptance

    df = client_frame(lines.rows)
    t = book_tables(df, policy.active.codes, run.as_of, run.contact_days)
    lists = {k: t[k].reset_index(drop=True) for k in ("new_accounts", "kyc_due", "reviews_due", "not_contacted")}
    measures = advisor_measures(df)
    accept_df = book_acceptance(params, policy, dict(zip(df["id"], df["advisor"])) if len(df) else {}, run.as_of)
    check_book_numbers(f"book {run.advisor or 'all'} {run.as_of}", clients=df, aum_change=t["aum_change"],
                       acceptance=accept_df)
    reporting = policy.fx.reporting_currency
    return dict(
        clients=df, tier_class=t["tier_class"], aum_by_tier=t["aum_by_tier"], aum_change=t["aum_change"], **lists,
        exceptions=exception_frame(lines.exceptions), complaints=complaint_frame(lines.complaints),
        advisor_measures=measures, acceptance=accept_df, advisor_aum=aum_change_of(df, by=("advisor",)),
        aum_reporting=in_reporting_currency(df, reporting, market, run.as_of) if reporting else None,
    )


def _policy_fields(policy: Any) -> dict[str, Any]:
    """The report's fields read from the policy: its version and jurisdiction, the KYC validity, the complaint
    deadline, the risk ladder (its classes in order and by name per locale), the reporting currency, the rule of
    satisfaction (where follow-up visits are planned) and whether loans are measured."""
    ladder, follow = policy.active, policy.follow_up
    return dict(
        kyc_validity_months=policy.kyc.validity_months, jurisdiction=policy.jurisdiction,
        complaint_answer_days=policy.complaints.answer_days, policy_version=policy.version,
        ladder=policy.ladder, class_order=list(ladder.codes),
        class_names={rc.code: {loc: rc.name(loc) for loc in ("en", "zh-TW", "zh-CN")} for rc in ladder.classes},
        reporting_currency=policy.fx.reporting_currency,
        satisfaction_rule=(follow.satisfied_from, follow.satisfaction_scale) if follow is not None else None,
        loans_measured=policy.credit is not None,
    )


def _book_audit(params: Path, policy: Any, shelf: Any, market: Any, clients: list[Any], run: dict[str, Any],
                questionnaires: list[str], overrides: int) -> dict[str, Any]:
    """The report's audit record (:func:`wealthlib._doc.audit.make`, the one every document prints): its inputs
    hash is over the policy, the shelf, the market file's identity, the advisor registry, the run's parameters
    and every client file of the report as filed (in id order); the questionnaires are those the book's profiles
    were scored on; the overrides, how many clients hold a risk class set above the assessed one."""
    from ._doc import audit

    read = lambda p: p.read_bytes() if p is not None and p.is_file() else b""  # noqa: E731
    registry = params / policy.advisors.registry if getattr(policy, "advisors", None) else None
    identity = audit.market_identity(params)
    files = [read(Path(c.source)) if c.source else c.model_dump_json().encode("utf-8")
             for c in sorted(clients, key=lambda c: c.id)]
    h = audit.digest(read(params / "policy.yaml"), read(params / "products.yaml"), identity.encode("utf-8"),
                     read(registry), audit.canonical(run), *files)
    return audit.make(h, data_vintage=market.vintage, policy_version=policy.version, shelf_version=shelf.version,
                      market=identity, questionnaire=", ".join(questionnaires) or "—", as_of=run["as_of"],
                      overrides=str(overrides) if overrides else None)


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
