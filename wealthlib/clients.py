"""Client files: pydantic models of ``params/clients/<id>.yaml`` and their safe loading.

A client file holds identity, locale, finances, goals, holdings, transactions, restrictions, KYC answers and
the contact log. Loading goes through :func:`wealthlib._yaml.load_yaml` (no aliases, bounded size) and every
problem becomes an :class:`~wealthlib.errors.InputError` of the form
``params/clients/lin.yaml: holdings.SP500.amount: must be ≥ 0``: file, field and problem, never the offending
value (a value typed into the wrong field is client data, and messages end up in logs and manifests).

Money amounts are in the client's ``base_currency`` (income, assets, goals, transactions — the account's cash
moves in the base currency), except **holdings**: a holding's ``amount``, or its ``units × price``, is in the
product's own currency (``products.yaml``), and is valued in the base currency at the as-of date through the
market's FX rates (:func:`wealthlib.context.client_in_base`).

Dates that cannot be are refused (:func:`impossible_dates`): a birth date before 1900, and a KYC assessment,
override, transaction, contact or complaint dated before the client's birth (``kyc.date: is before
birth_date``); a birth date after the as-of date is refused where that date is known (:meth:`Client.age`).

The client ``id`` names output files later on, so it must be a safe slug (``^[a-z0-9][a-z0-9_-]{0,63}$``)
and equal the file's stem.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ._gc import fewer_collections
from ._yaml import as_error, load_yaml, pydantic_errors, shown_path
from .errors import InputError, InputErrors, WealthError, display_path

__all__ = [
    "Assets", "Client", "Complaint", "Contact", "Credit", "Debts", "Flags", "ForeignSecurities", "Goal", "Holding", "Income",
    "Kyc", "Override", "Professional", "Restrictions", "SuitabilityException", "Transaction", "DEFAULT_CLIENTS_DIR", "ID_PATTERN",
    "EARLIEST_BIRTH", "check_product_codes", "duplicate_ids", "impossible_dates", "load_client", "load_clients",
    "parse_client", "reading_once",
]

DEFAULT_CLIENTS_DIR = Path("params/clients")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Ids that would name a file the batch or the demo writes next to the clients' documents (index.html,
#: index.json, manifest.json, manifest.csv): a client with such an id would overwrite, or be overwritten by, them.
RESERVED_IDS = frozenset({"index", "manifest"})
_CURRENCY = re.compile(r"^[A-Z]{3}$")

Locale = Literal["en", "zh-TW", "zh-CN"]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_control(value: Any) -> Any:
    """Client text must hold no control characters (tab and newline aside): an ESC in a name or a note would
    reach the advisor's terminal as an escape sequence (clear the screen, forge a link) and the documents."""
    if isinstance(value, str):
        m = _CONTROL.search(value)
        if m:
            raise ValueError(f"must not contain control characters (found {m.group()!r} at position {m.start()})")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_control(k)
            _no_control(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _no_control(v)
    return value


#: No amount, number of units or price in a client file may exceed this (10 trillion in any currency): a typo such
#: as 1e300 passed validation and gave a nonsense allocation.
MAX_AMOUNT = 1e13


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # .inf / .nan are no amounts

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, v: Any) -> Any:
        return _no_control(v) if isinstance(v, (str, dict, list, tuple)) else v


class Income(_Strict):
    annual: float = Field(ge=0, le=MAX_AMOUNT)
    stability: Literal["stable", "variable", "irregular", "none"]


class Assets(_Strict):
    financial: float = Field(ge=0, le=MAX_AMOUNT)
    property: float = Field(default=0.0, ge=0, le=MAX_AMOUNT)
    other: float = Field(default=0.0, ge=0, le=MAX_AMOUNT)

    @builtins.property  # the field ``property`` shadows the builtin in this class body
    def total(self) -> float:
        return self.financial + self.property + self.other


class Debts(_Strict):
    mortgage: float = Field(default=0.0, ge=0, le=MAX_AMOUNT)
    other: float = Field(default=0.0, ge=0, le=MAX_AMOUNT)
    annual_debt_service: float = Field(default=0.0, ge=0, le=MAX_AMOUNT)

    @property
    def total(self) -> float:
        return self.mortgage + self.other


class Goal(_Strict):
    name: str = Field(min_length=1)
    target_amount: float = Field(gt=0, le=MAX_AMOUNT)
    target_date: date
    priority: int = Field(default=1, ge=1)


class Holding(_Strict):
    """A position, valued either by ``amount`` or by ``units × price`` (in the product's currency), never both."""

    amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    units: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    price: float | None = Field(default=None, gt=0, le=MAX_AMOUNT)

    @model_validator(mode="after")
    def _one_way(self) -> "Holding":
        by_amount = self.amount is not None
        by_units = self.units is not None or self.price is not None
        if by_amount and by_units:
            raise ValueError("give either amount, or units and price, not both")
        if not by_amount and not by_units:
            raise ValueError("give either amount, or units and price")
        if by_units and (self.units is None or self.price is None):
            raise ValueError("units and price must be given together")
        if by_units and self.units * self.price > MAX_AMOUNT:
            raise ValueError(f"units × price must be ≤ {MAX_AMOUNT:,.0f}")
        return self

    @property
    def value(self) -> float:
        if self.amount is not None:
            return float(self.amount)
        return float(self.units) * float(self.price)  # type: ignore[arg-type]


class Transaction(_Strict):
    """A cash or product movement. ``amount`` is a magnitude; its sign follows from ``type``."""

    date: date
    type: Literal["buy", "sell", "deposit", "withdrawal", "income", "fee"]
    product: str | None = None
    amount: float = Field(ge=0, le=MAX_AMOUNT)
    units: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)

    @model_validator(mode="after")
    def _product_fits_type(self) -> "Transaction":
        if self.type in ("buy", "sell") and not self.product:
            raise ValueError(f"a {self.type} needs a product")
        if self.type in ("deposit", "withdrawal") and self.product:
            raise ValueError(f"a {self.type} moves cash and takes no product")
        return self

    @property
    def signed_amount(self) -> float:
        """Cash flow into the account (+) or out of it (−), from the client's point of view."""
        return self.amount if self.type in ("deposit",) else -self.amount if self.type == "withdrawal" else 0.0


class Restrictions(_Strict):
    excluded_products: list[str] = Field(default_factory=list)
    excluded_classes: list[str] = Field(default_factory=list)


class Flags(_Strict):
    professional_investor: bool = False
    high_net_worth: bool = False
    major_illness_card: bool | None = None  # None: not recorded (a gate that needs it fails)


class Professional(_Strict):
    """How a professional investor's status was established, and their signed acknowledgement of the
    protections that do not apply to them (wealthlib.conduct)."""

    basis: str = Field(min_length=1, max_length=200)
    verified: date
    acknowledged: date | None = None


class OutsideTrades(_Strict):
    date: date
    count: int = Field(ge=1, le=10_000)


class ForeignSecurities(_Strict):
    """Records the foreign-securities gates read (wealthlib.conduct): the signed one-page consent and the
    trades in foreign securities the client declared at other firms (statement seen)."""

    consent: date | None = None
    outside_trades: list[OutsideTrades] = Field(default_factory=list)


class SuitabilityException(_Strict):
    """A holding above the ceiling the client keeps: their declaration, the approver and the reason."""

    product: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    date: date
    reason: str = Field(min_length=1)
    # the day the client signed the written special warning (特别风险警示) where the policy's
    # conduct.above_grade asks for one (a fund under the CSRC rules)
    special_warning: date | None = None


class Override(_Strict):
    """A documented departure from the computed risk class."""

    risk_class: str = Field(min_length=1)
    reason: str
    by: str = Field(min_length=1)
    date: date

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("an override needs a reason")
        return v


@lru_cache(maxsize=1)
def shipped_questionnaires() -> tuple[str, ...]:
    """Names of the questionnaires shipped in ``wealthlib/data/questionnaires/`` (a client's KYC names one)."""
    from importlib import resources

    folder = resources.files("wealthlib") / "data" / "questionnaires"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


class KycAssessment(_Strict):
    """One KYC assessment: the questionnaire, the answers, the date, and any recorded override."""

    questionnaire: str = Field(min_length=1)
    answers: dict[str, str]
    date: date
    override: Override | None = None

    @field_validator("questionnaire")
    @classmethod
    def _shipped(cls, v: str) -> str:
        known = shipped_questionnaires()
        if v not in known:  # the name given is not echoed (client data); the shipped ones are listed
            raise ValueError(f"is not a shipped questionnaire ({', '.join(known)})")
        return v


class Kyc(KycAssessment):
    """The latest assessment, and the earlier ones (``history``) a document dated before it rests on
    (:func:`wealthlib._analytics.asof.client_as_of` takes the one in force at the document's date)."""

    history: list[KycAssessment] = Field(default_factory=list)
    # the day the client reported a change of circumstances (income, family, goals); after the assessment it
    # asks for a new one where the policy says so (kyc.reassess_on_reported_change)
    reported_change: date | None = None


class SaleRecords(_Strict):
    """What the client file records of the extra steps of the sale a proposal leads to (the policy's
    ``sales_care``): the audio-video recording (双录) done or pending and its date, and the second person who
    reviewed it (a person id of the advisor registry) and when."""

    dual_recording: Literal["done", "pending"] = "pending"
    recorded_on: date | None = None
    second_review_by: str | None = Field(default=None, min_length=1)
    second_review_on: date | None = None


class Credit(_Strict):
    """What the bank's credit file records for the advisor preparing a loan application (a proposal's
    ``credit`` section): the client's existing loan repayments per month, and the property pledged — its
    appraised value and the loans secured on it (base currency)."""

    monthly_repayments: float = Field(ge=0, le=MAX_AMOUNT)
    property_value: float = Field(ge=0, le=MAX_AMOUNT)  # 0: no property pledged (no loan-to-value)
    property_loans: float = Field(ge=0, le=MAX_AMOUNT)


class Contact(_Strict):
    """One entry of the contact log. ``kind`` marks a follow-up visit after a sale (回访; ``satisfaction`` the
    client's rating on the policy's scale, ``follow_up.satisfaction_scale``) and a loan the advisor introduced
    to the bank's credit process (``amount``, base currency); a plain contact has neither."""

    date: date
    channel: str
    note: str
    kind: Literal["contact", "follow_up", "loan_introduced"] = "contact"
    satisfaction: int | None = Field(default=None, ge=1, le=10)
    amount: float | None = Field(default=None, gt=0, le=MAX_AMOUNT)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> "Contact":
        if self.satisfaction is not None and self.kind != "follow_up":
            raise ValueError("satisfaction is recorded on a follow-up visit only (kind: follow_up)")
        if (self.amount is not None) != (self.kind == "loan_introduced"):
            raise ValueError("a loan introduced (kind: loan_introduced) records its amount, and only it does")
        return self


class Complaint(_Strict):
    opened: date
    closed: date | None = None
    summary: str
    complex: bool = False  # a complex case: the policy's complaints.complex_answer_days apply where it sets them

    @model_validator(mode="after")
    def _closed_after_opened(self) -> "Complaint":
        if self.closed is not None and self.closed < self.opened:
            raise ValueError("closed is before opened")  # the dates are client data
        return self

    @property
    def is_open(self) -> bool:
        return self.closed is None


class Client(_Strict):
    """One client file."""

    id: str
    name: str = Field(min_length=1)
    locale: Locale
    birth_date: date
    profession: str
    education: str
    base_currency: str
    income: Income
    annual_expenses: float = Field(ge=0, le=MAX_AMOUNT)
    assets: Assets
    debts: Debts
    dependants: int = Field(default=0, ge=0)
    source_of_wealth: str
    liquidity_need: float = Field(ge=0, le=MAX_AMOUNT)
    horizon_years: int = Field(ge=1, le=60)
    goals: list[Goal] = Field(default_factory=list)
    holdings: dict[str, Holding] = Field(default_factory=dict)
    transactions: list[Transaction] = Field(default_factory=list)
    restrictions: Restrictions = Field(default_factory=Restrictions)
    flags: Flags = Field(default_factory=Flags)
    education_level: str | None = None  # a code of the policy's conduct.foreign_securities.education_levels
    professional: Professional | None = None
    foreign_securities: ForeignSecurities | None = None
    exceptions: list[SuitabilityException] = Field(default_factory=list)
    credit: Credit | None = None  # debt capacity for a loan application (a bank's proposal, section credit)
    sale: SaleRecords | None = None  # this sale's extra steps as recorded (a mainland bank: 双录, second review)
    kyc: Kyc
    tier: str
    advisor: str
    contact_log: list[Contact] = Field(default_factory=list)
    complaints: list[Complaint] = Field(default_factory=list)
    notes: str = ""
    source: str = Field(default="", exclude=True, description="where it was loaded from (set by the loader)")
    _holdings_in: str | None = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _safe_id(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(
                f"must be a safe id (lowercase letters, digits, '-' or '_', starting with a letter or digit, "
                f"at most 64 characters)"
            )
        if v in RESERVED_IDS:
            raise ValueError(f"{v!r} is reserved: documents are named by the id, and {v}.html is the batch's own "
                             f"file; use another id ({', '.join(sorted(RESERVED_IDS))} are reserved)")
        return v

    @field_validator("base_currency")
    @classmethod
    def _iso_currency(cls, v: str) -> str:
        if not _CURRENCY.match(v):
            raise ValueError("must be a three-letter ISO currency code such as TWD, CNY or USD")
        return v

    def age(self, as_of: date) -> int:
        """Completed years on ``as_of``; a client born after ``as_of`` is an :class:`InputError` on ``birth_date``
        (the file is loaded without knowing the date it will be used at, so this is where that check lives)."""
        b = self.birth_date
        if b > as_of:
            raise InputError(self.source or self.id, "birth_date", f"is after the as-of date {as_of.isoformat()}")
        return as_of.year - b.year - ((as_of.month, as_of.day) < (b.month, b.day))

    def is_elderly(self, as_of: date, elderly_age: int = 65) -> bool:
        return self.age(as_of) >= elderly_age

    @property
    def holdings_currency(self) -> str | None:
        """``None``: holdings are as entered, each in its product's currency; a currency code: they have been
        valued in that currency (:func:`wealthlib.context.client_in_base`)."""
        return self._holdings_in

    @holdings_currency.setter
    def holdings_currency(self, value: str | None) -> None:
        self._holdings_in = value

    def holding_values(self) -> dict[str, float]:
        """Value of each holding, by product code: in the base currency once valued by
        :func:`wealthlib.context.client_in_base` (``holdings_currency`` set), else as entered (product currency)."""
        return {code: h.value for code, h in self.holdings.items()}

    def portfolio_value(self) -> float:
        return float(sum(self.holding_values().values()))


# --- error messages people can read -------------------------------------------------------------------------

_NUMBER_WORDS = {
    "greater_than_equal": ("ge", "≥"),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "≤"),
    "less_than": ("lt", "<"),
}
_TYPE_WORDS = {
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a mapping",
    "list_type": "must be a list",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date without a time",
}


class _One:
    """Adapter: one pydantic error dict, shaped like a ValidationError for :func:`pydantic_errors`."""

    def __init__(self, err: dict[str, Any]):
        self._err = err

    def errors(self) -> list[dict[str, Any]]:
        return [self._err]


#: A client file's field the schema does not know; its name is not shown (it may be client data).
UNKNOWN_FIELD = "holds a field that is not known (its name is not shown: it may be client data)"


#: A holding's key is shown in a message's field path only when it is shaped like a shelf code (``USD-MMF``);
#: any other key may be client data (``刘伟 private acct``) and is named by its position instead.
_CODE_SHAPE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")


def _field_path(loc: tuple[Any, ...], data: Any) -> str:
    """A pydantic location as a dotted path, a holding whose key is not code-shaped named by its position."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] == "holdings" and not _CODE_SHAPE.match(parts[1]):
        keys = list(data.get("holdings") or {}) if isinstance(data, dict) else []
        n = next((i for i, k in enumerate(keys, 1) if str(k) == parts[1]), None)
        parts[:2] = [f"holdings (position {n})" if n else "holdings"]
    return ".".join(parts)


def _friendly_errors(source: str, exc: ValidationError, data: Any = None) -> list[InputError]:
    """Pydantic errors in our words, without the value: ``field: must be ≥ 0``."""
    out: list[InputError] = []
    for err in exc.errors():
        loc = _field_path(err["loc"], data)
        typ = err["type"]
        if typ in _NUMBER_WORDS:
            key, sym = _NUMBER_WORDS[typ]
            bound = err["ctx"][key]
            if isinstance(bound, float) and bound.is_integer():
                bound = int(bound)  # "≥ 0", not "≥ 0.0"
            if isinstance(bound, int) and abs(bound) >= 10_000:
                bound = f"{bound:,}"  # "≤ 10,000,000,000,000"
            out.append(InputError(source, loc, f"must be {sym} {bound}"))
        elif typ in _TYPE_WORDS:
            out.append(InputError(source, loc, _TYPE_WORDS[typ]))
        elif typ == "literal_error":
            out.append(InputError(source, loc, f"must be one of {err['ctx']['expected']}"))
        elif typ == "string_too_short":
            out.append(InputError(source, loc, "must not be empty"))
        elif typ == "extra_forbidden":
            # the name of an unknown field can be client data ("secret_note_刘伟"): say where it is, not its name
            out.append(InputError(source, _field_path(err["loc"][:-1], data), UNKNOWN_FIELD))
        else:
            out.extend(InputError(source, loc, e.problem) for e in pydantic_errors(source, _One(err), quote=False))
    return out


def _raise(errors: list[InputError]) -> None:
    raise as_error(errors)


#: No client is born before this date: an earlier birth date is a typo (1875 for 1975), not a client.
EARLIEST_BIRTH = date(1900, 1, 1)


def _dated_records(client: Client) -> list[tuple[str, date]]:
    """Every date of the file that records something the client did or had done (field path, date): none can
    precede the client's birth. A goal's target date is left out: it is a wish, checked by its own rules."""
    out: list[tuple[str, date]] = [("kyc.date", client.kyc.date)]
    if client.kyc.override is not None:
        out.append(("kyc.override.date", client.kyc.override.date))
    out += [(f"kyc.history.{i}.date", k.date) for i, k in enumerate(client.kyc.history)]
    out += [(f"transactions.{i}.date", tx.date) for i, tx in enumerate(client.transactions)]
    out += [(f"contact_log.{i}.date", c.date) for i, c in enumerate(client.contact_log)]
    out += [(f"complaints.{i}.opened", c.opened) for i, c in enumerate(client.complaints)]
    out += [(f"exceptions.{i}.date", e.date) for i, e in enumerate(client.exceptions)]
    fs = client.foreign_securities
    if fs is not None:
        out += [("foreign_securities.consent", fs.consent)] if fs.consent else []
        out += [(f"foreign_securities.outside_trades.{i}.date", o.date) for i, o in enumerate(fs.outside_trades)]
    if client.professional is not None:
        out.append(("professional.verified", client.professional.verified))
    return out


def impossible_dates(client: Client, source: str) -> list[InputError]:
    """Dates that cannot be: a birth date before :data:`EARLIEST_BIRTH`, and any KYC assessment, override,
    transaction (the first one opens the account), contact or complaint dated before the client's birth.

    The messages name the field and the kind of problem, not the dates (client data stays out of logs). A birth
    date after the as-of date is checked where that date is known (:meth:`Client.age`); a birth date in the
    future of the file's own records (``2999-01-01``) is caught here, as each record is then before it.
    """
    born = client.birth_date
    out: list[InputError] = []
    if born < EARLIEST_BIRTH:
        out.append(InputError(source, "birth_date", f"must be on or after {EARLIEST_BIRTH.isoformat()}"))
    out += [InputError(source, where, "is before birth_date") for where, when in _dated_records(client) if when < born]
    return out


# --- loading ------------------------------------------------------------------------------------------------


def parse_client(data: Any, source: str, expected_id: str | None = None) -> Client:
    """Validate already-parsed YAML data as a client; ``expected_id`` is the file stem it must match."""
    if not isinstance(data, dict):
        raise InputError(source, "", f"expected a mapping of client fields at the top level, got {type(data).__name__}")
    if "source" in data:
        raise InputError(source, "source", "is not a known field")
    if not set(map(str, data)) & set(Client.model_fields):
        # e.g. /etc/shadow read as YAML: each line a key; echoing them would print the file
        raise InputError(source, "", "not a client file (no top-level field is a client field); its content is not "
                                     "shown")
    try:
        client = Client.model_validate(data)
    except ValidationError as exc:
        _raise(_friendly_errors(source, exc, data))
    if expected_id is not None and client.id != expected_id:
        raise InputError(source, "id", f"must equal the file name {expected_id!r}")
    problems = impossible_dates(client, source)
    if problems:
        _raise(problems)
    return client.model_copy(update={"source": source})


def _short(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters for an error message (a 5000-character argument is not echoed)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _resolve(ref: str | Path, clients_dir: str | Path) -> Path:
    if isinstance(ref, Path):
        return ref
    s = str(ref)
    if s.endswith((".yaml", ".yml")) or "/" in s or "\\" in s:
        return Path(ref)
    if not ID_PATTERN.match(s):
        raise InputError(display_path(clients_dir), "", f"{_short(s)!r} is not a client id (lowercase letters, digits, '-' or '_')")
    return Path(clients_dir) / f"{s}.yaml"


#: While :func:`reading_once` is active: each client file's result (Client or error) by its absolute path.
_read_once: dict[tuple, Client | WealthError] | None = None


@contextmanager
def reading_once() -> Iterator[None]:
    """Within this block each client file is read and checked once, however many checks ask for it:
    ``wealth validate`` checks every file, then the book file (:mod:`wealthlib.guard.access`) loads each client it
    lists again. Only for one command's run: a file changed meanwhile is not seen again inside the block."""
    global _read_once
    outer = _read_once
    if outer is None:
        _read_once = {}
    try:
        yield
    finally:
        if outer is None:
            _read_once = None


def load_client(ref: str | Path, clients_dir: Path = DEFAULT_CLIENTS_DIR) -> Client:
    """Load one client: ``ref`` is an id under ``clients_dir`` or a path to a ``.yaml`` file."""
    path = _resolve(ref, clients_dir)
    # a file of the clients folder may be a symlink only to a file inside the params folder; os.path on
    # strings, not Path objects: this runs for each of a book's 10,000 files, twice under `wealth validate`
    folder, file = os.path.abspath(clients_dir), os.path.abspath(path)
    within = os.path.dirname(folder) if os.path.dirname(file) == folder else None
    memo = _read_once
    if memo is None:
        return _load_client(path, within)
    key = (file, within)
    if key not in memo:
        try:
            memo[key] = _load_client(path, within)
        except WealthError as exc:
            memo[key] = exc
    hit = memo[key]
    if isinstance(hit, WealthError):
        raise hit
    return hit


def _load_client(path: Path, within: str | Path | None = None) -> Client:
    source = shown_path(path)  # a symlink is named by itself
    try:
        data = load_yaml(path, within=within, source=source)
    except ValueError as exc:  # PyYAML lets impossible timestamps (2018-02-30) through as ValueError
        raise InputError(source, "", f"invalid YAML: {exc}") from None
    stem = path.stem
    if not ID_PATTERN.match(stem):
        raise InputError(source, "", f"file name {_short(stem)!r} is not a safe client id (lowercase letters, digits, '-' or '_')")
    return parse_client(data, source, expected_id=stem)


def duplicate_ids(paths: list[Path]) -> dict[Path, InputError]:
    """Files of one folder that claim the same client id (``lin.yaml`` and ``lin.yml``): an error for each.

    The id names the client's documents, so two such files would write over each other's; which one is meant
    is for a person to decide.
    """
    by_id: dict[tuple[Path, str], list[Path]] = {}
    for p in paths:
        p = p if isinstance(p, Path) else Path(p)
        by_id.setdefault((p.parent, p.stem), []).append(p)
    out: dict[Path, InputError] = {}
    for (_folder, cid), group in by_id.items():
        if len(group) > 1:
            names = ", ".join(sorted(g.name for g in group))
            for g in group:
                out[g] = InputError(display_path(g), "", f"two files for client id {cid!r} ({names}): keep one")
    return out


@fewer_collections()
def load_clients(clients_dir: Path = DEFAULT_CLIENTS_DIR) -> tuple[list[Client], list[InputError]]:
    """Every ``*.yaml`` in ``clients_dir``, sorted by name; failures are collected, not raised."""
    d = Path(clients_dir)
    if not d.is_dir():
        return [], [InputError(display_path(d), "", "clients folder not found")]
    clients: list[Client] = []
    errors: list[InputError] = []
    paths = sorted([*d.glob("*.yaml"), *d.glob("*.yml")])
    dups = duplicate_ids(paths)
    for path in paths:  # with fewer collections (wealthlib._gc): every client read stays alive
        if path in dups:
            errors.append(dups[path])
            continue
        try:
            clients.append(load_client(path, d))
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
    return clients, errors


def check_product_codes(client: Client, known: set[str], known_classes: set[str] | None = None) -> list[InputError]:
    """Product codes (and asset classes) the client file names that the shelf does not know."""
    src = client.source or client.id
    hint = ", ".join(sorted(known)) if len(known) <= 20 else f"{len(known)} codes on the shelf"
    out: list[InputError] = []
    # an unknown code is not echoed (it may be client data: "刘伟 private acct"); its position names it
    unknown = f"unknown product code (not shown: it may be client data; known: {hint})"
    for n, code in enumerate(client.holdings, 1):
        if code not in known:
            out.append(InputError(src, f"holdings (position {n})", unknown))
    for i, tx in enumerate(client.transactions):
        if tx.product is not None and tx.product not in known:
            out.append(InputError(src, f"transactions.{i}.product", unknown))
    for i, code in enumerate(client.restrictions.excluded_products):
        if code not in known:
            out.append(InputError(src, f"restrictions.excluded_products.{i}", unknown))
    for i, ex in enumerate(client.exceptions):
        if ex.product not in known:
            out.append(InputError(src, f"exceptions.{i}.product", unknown))
    if known_classes is not None:
        for i, cls in enumerate(client.restrictions.excluded_classes):
            if cls not in known_classes:
                out.append(InputError(
                    src, f"restrictions.excluded_classes.{i}",
                    f"unknown asset class (not shown; known: {', '.join(sorted(known_classes))})",
                ))
    return out
