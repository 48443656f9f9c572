"""The quarterly review of one client (DOMAIN.md §5): the object ``templates/quarterly_review.ipynb`` displays.

``build_review(client, quarter="2018Q3")`` computes the numbers and the review's audit record; its sections are
units of :mod:`wealthlib._doc.review` (each computes plain data from the review and renders it), listed as data
(``review:`` in ``wealthlib/data/documents/sections.yaml``, replaced for a firm by ``documents.review`` in its
``policy.yaml``); the template only builds the review and displays :meth:`Review.show`. The package's list,
every item of §5 in order, then the audit record:

cover and scope · market recap per asset class of the shelf · KYC status (an expired KYC is *flagged*, it does
not block a review) · performance since the last review (opening value, contributions, withdrawals, income,
fees, market gain, closing value) · time-weighted **and** money-weighted returns, both labelled, for the
quarter, year to date and since inception, against the benchmark · attribution by asset class and holding ·
risk (realized volatility, drawdown, concentration, stress on current holdings) · drift against the target with
bands · rebalancing trades with costs and the suitability check re-run on every buy · goal progress · meeting
notes and action items · disclosures · how the figures are computed · audit record.

How the account is valued (:func:`valuation`, stated in every document)
-----------------------------------------------------------------------
The client file gives **holdings as values at the review's as-of date** (the quarter end) and dated
**transactions**. Monthly product returns come from the shelf's market series (``Context.returns``, month-end
to month-end, gross of product fees). Between month ends a product's level is interpolated geometrically
(``L(t) = L(m−1)·(1+r_m)^(day/days_in_month)``).

* **Positions** are rolled *backwards* from the holding value at the as-of date: between two valuation dates a
  position's value scales with its product's level; on a buy date the value before the buy is the value after
  it minus the amount bought (plus the amount sold on a sell). A position that would have to be negative before
  a buy (the holding is worth less than the recorded purchases imply) is floored at zero and the difference is
  recorded as an *implied withdrawal* — reported in the document, never hidden.
* **Cash** (not invested in a product) is rolled *forwards* from the transactions: deposits, sells and income
  add; buys, fees and withdrawals subtract; it earns nothing. A buy paid with more cash than the account holds
  is recorded as an *implied contribution* of the shortfall.
* Valuations are taken at every month end and every flow date from the day before the first transaction to
  the as-of date; transactions after the as-of date are ignored. Performance over ``(start, end]`` then follows
  :func:`wealthlib.analytics.performance` (deposits = contributions, withdrawals, income, fees).
* **Benchmark** = the review's target (the client's agreed target, else the allocation engine's proposal at the
  as-of date: :mod:`wealthlib._analytics.target`) held at constant weights, rebalanced monthly, on the same
  product returns.

Drift bands come from the policy (``review.drift_bands``, :class:`wealthlib.policy.DriftBands`); the shipped
policy and the default are DOMAIN.md §5 *practice*: ±3 percentage points around the target weight, or ±½ of the
target weight for positions of 3% or less (a 2% target has a band of 1%–3%; a 0% target has no band: any
holding of it is outside). Uninvested cash has a target of 0. The method notes state the bands in force.

Rebalancing (:mod:`wealthlib._analytics.rebalance`): only positions outside their band are traded, each back
to its target weight; uninvested cash is never traded (it pays for the buys and takes the sells; buys are scaled
down when it falls short). Each buy is re-checked against the client's ceiling, exclusions and the shelf; a buy
that fails is not traded and shown as refused with its reason. The review is read as the client file stood at
the quarter end (:func:`wealthlib._analytics.asof.client_as_of`) and its tables' identities are checked before
it is returned (:mod:`wealthlib._analytics.identities`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._analytics.valuation import CASH, Valuation, valuation
from .errors import InputError, WealthError
from .i18n import check_locale, t
from .policy import DriftBands

if TYPE_CHECKING:  # pragma: no cover
    from .clients import Client
    from .context import Context

__all__ = [
    "CASH", "Review", "ReviewError",
    "band", "build_review", "parse_quarter", "valuation",
]


_QUARTER_RE = re.compile(r"([0-9]{4})Q([1-4])")  # ASCII digits only; used with fullmatch


class ReviewError(WealthError):
    """A review cannot be produced from these inputs (the message names the client file and the problem)."""


def quarter_words(quarter: str, locale: str) -> str:
    """``"2018Q3"`` as the locale writes a quarter (``review_quarter``: 2018Q3, 2018年第3季, 2018年第3季度)."""
    year, _, q = str(quarter).upper().partition("Q")
    return t("documents.review_quarter", locale, year=year, q=q)


@functools.lru_cache(maxsize=64)  # a batch plan asks once per client; Timestamps are immutable
def parse_quarter(quarter: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``"2018Q3"`` → (previous quarter end 2018-06-30, quarter end 2018-09-30)."""
    m = _QUARTER_RE.fullmatch(str(quarter))
    if not m:
        raise InputError("quarter", "", f"{str(quarter)[:40]!r} is not a quarter like 2018Q3")
    year, q = int(m.group(1)), int(m.group(2))
    try:
        end = pd.Timestamp(year=year, month=3 * q, day=1) + pd.offsets.MonthEnd(0)
        start = end - pd.offsets.QuarterEnd(1)
    except (ValueError, OverflowError):  # year 0000, or outside pandas' 1677–2262
        raise InputError("quarter", "", f"{quarter!r}: year {year} is out of range") from None
    return start, end


def band(target: float, rules: DriftBands | None = None) -> float:
    """Half-width of the drift band around ``target`` (a weight) under the policy's ``review.drift_bands``
    (default: DOMAIN.md §5 practice, ±3 points or ±½ of the weight for targets of 3% or less)."""
    return (rules or DriftBands()).half_width(target)


# --------------------------------------------------------------------------------------------- the review


@dataclass
class Review:
    """Everything the quarterly review shows: its numbers (computed by :func:`build_review`), and its sections,
    units of :mod:`wealthlib._doc.review` that compute plain data from these numbers and render it."""

    client: "Client"
    quarter: str
    locale: str
    ctx: "Context"
    profile: Any
    allocation: Any
    start: pd.Timestamp
    end: pd.Timestamp
    valuation: Valuation
    performance: dict[str, Any]          # quarter / ytd / inception -> analytics.Performance
    benchmark: dict[str, float]          # same keys -> benchmark return over the same period
    weights: pd.Series                   # current weights at the quarter end (products and CASH)
    target: pd.Series                    # target weights (the engine's proposal)
    drift: pd.DataFrame                  # code, current, target, drift, band, low, high, outside
    rebalance: pd.DataFrame              # code, action, weight_change, amount, cost, grade, suitable, refused
    attribution: pd.DataFrame            # code, asset_class, opening, closing, net_flows, gain, contribution
    market: pd.DataFrame                 # product, asset class, quarter and YTD return
    risk: dict[str, float]
    stress: pd.DataFrame
    goals: pd.DataFrame
    meetings: pd.DataFrame
    actions: list[dict[str, str]]
    kyc: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    target_info: Any = None              # _analytics.target.Target: agreed or engine, and why to revisit it
    suitability_checks: Any = None       # every proposed buy: code, amount, grade, suitable, reason
    fx: Any = None                       # documents.CurrencyNotes: what the review says about currencies
    fx_share: dict | None = None         # analytics.currency_risk of the current holdings (None: no FX in them)
    signers: Any = None                  # advisors.Signers: who signs (names and registration numbers)

    keys: tuple[str, ...] = ()            # the section list (the firm's policy `documents.review`, else the package's)
    audit: dict[str, Any] = field(default_factory=dict)  # the audit record (wealthlib._doc.audit): one value
    _built: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def labels(self):
        """The review's words and number formats (:class:`wealthlib._doc.Labels`)."""
        from ._doc import Labels

        return Labels(self.locale, self.client.base_currency, self.ctx.policy.jurisdiction)

    @property
    def title(self) -> str:
        return f"{self.labels.L('review_title')} {quarter_words(self.quarter, self.locale)} — {self.client.name}"

    @property
    def closing_value(self) -> float:
        return float(self.performance["quarter"].closing_value)

    def in_portfolio(self) -> set[str]:
        """Codes the client holds or is targeted to hold: the rows worth a client's reading."""
        return {c for c, w in self.weights.items() if w > 0} | {c for c, w in self.target.items() if w > 0}

    # ---- the sections: units of wealthlib._doc.review, in the order of the section list -----------------
    @property
    def sections(self) -> dict[str, Any]:
        """Each section of the list as built (:class:`wealthlib._doc.Built`: heading, plain data, body HTML),
        computed once, on first use; the printed tables' identities are checked on that data before any is
        returned (:mod:`wealthlib._doc.review.identities`)."""
        if self._built is None:
            from . import _doc

            source = self.ctx.policy.source or _doc.SECTIONS_FILE
            built = _doc.build_sections("review", self.keys, self, self.labels, source=source)
            from ._doc.review.identities import check_printed

            check_printed(self, {s.key: s.data for s in built})  # a printed table that does not add up: no document
            self._built = {s.key: s for s in built}
        return self._built

    @property
    def SECTIONS(self) -> tuple[str, ...]:
        """The keys of the sections this review prints, in order."""
        return tuple(self.keys)

    def section_html(self, key: str) -> str:
        """One section as safe HTML, its heading first (the document's title before the first section)."""
        from . import _doc
        from ._html import escape

        units = _doc.units("review")
        if key not in self.keys:
            if key in units:  # a section the firm's list leaves out prints nothing
                return ""
            raise KeyError(f"unknown section {key!r}; use one of {', '.join(self.keys)}")
        s, tag = self.sections[key], f"h{getattr(units[key], 'level', 2)}"
        title = f"<h1>{escape(self.title)}</h1>" if key == self.keys[0] else ""
        return f"{title}<{tag}>{escape(s.heading)}</{tag}>{s.html}"

    def html(self) -> str:
        """The whole document body: every section of the list, in order."""
        return "".join(self.section_html(k) for k in self.keys)

    def show(self):
        """IPython ``HTML`` of the whole document, for the template's one display cell."""
        from IPython.display import HTML

        return HTML(self.html())

    def method_notes(self) -> list[str]:
        """What the method section says (valuation, benchmark, bands, currencies, the review's notes)."""
        from ._doc.review.record import method_notes

        return method_notes(self)

    # ---- document-level text -----------------------------------------------------------------------------
    @property
    def footer(self) -> str:
        from .disclosures import general_disclosures

        return general_disclosures(self.locale, self.ctx.policy.jurisdiction)[0]

    @property
    def audit_line(self) -> str:
        """One line for the running footer of every printed page: the audit record in short."""
        from ._doc.audit import audit_line

        return audit_line(self.audit, self.locale, self.audit.get("overrides", "—") != "—")

# --------------------------------------------------------------------------------------------- building


def document_meta(client: "Client", params: str | Path, quarter: str, locale: str | None = None,
                  policy: Any = None) -> dict[str, str]:
    """Title, footer and a planned audit line of a client's review without computing it (cheap: no market, no
    kernel). The footer a review prints is its own audit line (:attr:`Review.audit_line`, left by the kernel
    through ``audit_out``); this planned one names no inputs hash (the batch's resume key is not one).

    ``policy``: the params folder's policy already loaded (a batch plans thousands of clients on one policy)."""
    from . import __version__
    from .disclosures import general_disclosures
    from .policy import load_policy

    locale = check_locale(locale or client.locale)
    if policy is None:
        policy = load_policy(Path(params) / "policy.yaml")
    _, end = parse_quarter(quarter)
    tt = lambda k: t(f"documents.{k}", locale)  # noqa: E731
    audit = " · ".join([f"{tt('audit_as_of')}: {end.date()}", f"{tt('audit_policy_version')}: {policy.version}",
                        f"{tt('audit_software_version')}: wealthlib {__version__}"])
    return {"lang": locale, "title": f"{tt('review_title')} {quarter_words(quarter, locale)} — {client.name}",
            "footer": general_disclosures(locale, policy.jurisdiction)[0], "audit": audit}


def build_review(
    client: "Client | str | Path",
    *,
    params: str | Path = "params",
    quarter: str = "2018Q3",
    locale: str | None = None,
    decisions: "list | None" = None,
    audit_out: str | Path | None = None,
    template: "dict | None" = None,
) -> Review:
    """Compute the quarterly review of ``client`` (an id under ``params/clients``, a path, or a Client).

    The client file is taken as it stood at the quarter end (:func:`wealthlib._analytics.asof.client_as_of`);
    the target is the client's agreed target (``decisions``: the records store's, read from the params folder's
    store when None; :mod:`wealthlib._analytics.target`); every table's identities are checked before the
    review is returned (:mod:`wealthlib._analytics.identities`).

    The review's one audit value (:mod:`wealthlib._doc.audit`) is built here: printed short in every page's
    footer (:attr:`Review.audit_line`) and whole on its audit page. ``audit_out`` (set by ``wealth review`` and
    ``wealth batch review`` in their kernels) is a file to leave that record and its footer line in, so the
    command prints and seals the record the review prints; the record then names the installed template
    (``template``: a template record of :mod:`wealthlib.guard.draft`, given explicitly)."""
    from ._analytics.goals import goal_progress
    from ._analytics.target import choose_target
    from ._doc.review.target import actions
    from .advisors import signers as _signers
    from .context import advise
    from .documents import currency_notes, currency_share

    params = Path(params)
    start, end = parse_quarter(quarter)
    if audit_out is not None and template is None:  # a command's kernel runs the installed template
        from .guard.draft import installed_template_record

        template = installed_template_record("quarterly_review.ipynb")
    as_filed, client = _client_at(client, params, end)
    locale = check_locale(locale or client.locale)
    ctx, client, keys = _review_context(params, end, as_filed, client)
    profile, allocation = advise(ctx, client, require_valid_kyc=False, locale=locale)
    decision = _agreed_decision(params, client.id, end, decisions)
    chosen = choose_target(decision, allocation.weights, profile=profile, shelf=ctx.shelf)
    target = chosen.weights
    q = _quarter_numbers(ctx, client, target, start, end, locale)
    drift, rb, notes = _rebalancing(ctx, client, profile, chosen, q, locale)
    goals = goal_progress(client, q.closing, end, _expected_return(ctx, target, allocation))
    kyc = _kyc_status(as_filed, profile, ctx, start, end, locale)
    meetings = _meetings(client, start, end)
    signed_by = _signers(ctx.policy, params, client.advisor, locale)  # names and registration numbers
    acts = actions(kyc=kyc, trades=rb.trades, chosen=chosen, goals=goals, complaints=client.complaints,
                   owner=signed_by.advisor_name(), end=end, locale=locale)
    audit = _audit_record(as_filed, params, ctx, profile, quarter, locale, decision, end, template)
    prod_w = q.weights.drop(CASH, errors="ignore")
    review = Review(
        client=client, quarter=quarter, locale=locale, ctx=ctx, profile=profile, allocation=allocation,
        start=start, end=end, valuation=q.val, performance=q.perf, benchmark=q.bench, weights=q.weights,
        target=target, drift=drift, rebalance=rb.trades, attribution=q.attribution, market=q.market,
        risk=_named_risk(q.risk, ctx, locale), stress=q.stress, goals=goals, meetings=meetings, actions=acts,
        kyc=kyc, notes=notes, target_info=chosen, suitability_checks=rb.checks,
        fx=currency_notes(ctx, [*prod_w.index, *target.index], locale),
        fx_share=currency_share(ctx, prod_w / prod_w.sum()) if len(prod_w) and prod_w.sum() > 0 else None,
        signers=signed_by, keys=keys, audit=audit,
    )
    if audit_out is not None:
        from ._doc.audit import save

        save(audit_out, review.audit, review.audit_line)
    return review


def _client_at(client: "Client | str | Path", params: Path, end: pd.Timestamp) -> tuple["Client", "Client"]:
    """The client file as filed (what the wording check and the inputs hash read) and as it stood at the
    quarter end (:func:`wealthlib._analytics.asof.client_as_of`: nothing dated after it enters the review)."""
    from ._analytics.asof import client_as_of
    from .clients import Client, load_client

    if not isinstance(client, Client):
        client = load_client(client, params / "clients")
    return client, client_as_of(client, end)


def _review_context(params: Path, end: pd.Timestamp, as_filed: "Client",
                    client: "Client") -> tuple["Context", "Client", tuple[str, ...]]:
    """The market and policy at the quarter end in the client's base currency, the client's holdings valued in
    it, and the firm's section list, after the checks that cost no computing: the section list, forbidden claims
    in the file as filed, product codes on the shelf, market data reaching the quarter end."""
    from . import _doc
    from .clients import check_product_codes
    from .context import client_in_base, for_client, load_context
    from .guard.wording import check_texts, client_texts

    src = client.source or client.id
    ctx = load_context(params, end.date())
    keys = _doc.section_list("review", ctx.policy)  # the firm's list, checked before any work
    check_texts(client_texts(as_filed), ctx.policy, src)  # forbidden claims anywhere in the file as filed
    problems = check_product_codes(client, set(ctx.shelf.codes))
    if problems:
        raise problems[0]
    ctx = for_client(ctx, client)  # returns in the client's base currency: FX moves inside TWR, MWR and risk
    client = client_in_base(ctx, client)  # holdings valued in the base currency at the quarter end
    if ctx.returns.index[-1] < end:
        raise ReviewError(f"{src}: market data end {ctx.returns.index[-1].date()}, before the quarter end {end.date()}")
    return ctx, client, keys


@dataclass
class _Quarter:
    """The quarter's numbers that the review's later steps share (:func:`_quarter_numbers`)."""

    val: Valuation
    perf: dict[str, Any]
    bench: dict[str, float]
    closing: float
    weights: pd.Series
    attribution: pd.DataFrame
    market: pd.DataFrame
    risk: dict[str, Any]
    stress: pd.DataFrame


def _quarter_numbers(ctx: "Context", client: "Client", target: pd.Series, start: pd.Timestamp, end: pd.Timestamp,
                     locale: str) -> _Quarter:
    """Valuation, performance for the quarter, year to date and since inception against the target held as the
    benchmark, the weights at the quarter end (products and cash), attribution, the market recap, realized risk
    and stress on the current holdings."""
    from ._analytics.attribution import attribution as attribute
    from ._analytics.quarter import current_stress, market_recap, performance_by_period, realized_risk

    val = valuation(client, ctx.returns, end)
    ytd_start = pd.Timestamp(year=end.year - 1, month=12, day=31)
    perf, bench = performance_by_period(val, ctx.returns, target, {"quarter": start, "ytd": ytd_start}, end)
    closing = float(val.values[end])
    cur = val.positions.loc[end]
    weights = (cur / closing) if closing > 0 else cur * 0.0
    weights = weights[weights.abs() > 1e-9]
    attribution = attribute(val, perf["quarter"], start, end)
    market = market_recap(ctx, start, end, ytd_start)
    risk = realized_risk(perf["inception"], weights)
    stress = current_stress(ctx, weights, closing, locale)
    return _Quarter(val, perf, bench, closing, weights, attribution, market, risk, stress)


def _rebalancing(ctx: "Context", client: "Client", profile: Any, chosen: Any, q: _Quarter,
                 locale: str) -> tuple[pd.DataFrame, Any, list[str]]:
    """Drift against the target with the policy's bands, the trades back into them (each buy re-checked:
    :mod:`wealthlib._analytics.rebalance`) and the notes on target, trades and implied flows; the tables'
    identities are checked here (:func:`wealthlib._analytics.identities.check_review_numbers`), so numbers that do
    not reconcile make no review."""
    from ._analytics.identities import check_review_numbers
    from ._analytics.rebalance import drift_table, rebalance as rebalance_trades
    from ._doc.review.target import implied_notes, target_notes, trade_notes

    target = chosen.weights
    drift = drift_table(q.weights, target, ctx.policy.review.drift_bands)
    cost_rate = float(ctx.policy.allocation.transaction_cost)
    rb = rebalance_trades(drift, q.closing, shelf=ctx.shelf, ceiling=int(profile.ceiling),
                          excluded=set(client.restrictions.excluded_products),
                          excluded_classes=set(client.restrictions.excluded_classes), cost_rate=cost_rate)
    notes = [*target_notes(chosen, ctx, profile, locale), *trade_notes(rb, locale),
             *implied_notes(q.val.implied, client.base_currency, locale)]
    check_review_numbers(client.source or client.id, performance=q.perf, attribution=q.attribution,
                         weights=q.weights, target=target, drift=drift, trades=rb.trades, closing=q.closing,
                         cost_rate=cost_rate, stress=q.stress)
    return drift, rb, notes


def _kyc_status(as_filed: "Client", profile: Any, ctx: "Context", start: pd.Timestamp, end: pd.Timestamp,
                locale: str) -> dict[str, Any]:
    """The KYC section's facts: dates, expired or due within 90 days (flagged, never blocking a review), the
    class now and at the quarter start (from the assessment then in force; now, when none was), and the flags."""
    from ._analytics.asof import NoKycInForce, client_as_of
    from .risk import profile_client

    try:  # the class at the quarter start, from the assessment then in force
        prev = profile_client(client_as_of(as_filed, start), ctx.policy, start.date())
    except NoKycInForce:
        prev = profile
    return {
        "date": profile.kyc_date, "expiry": profile.kyc_expiry, "expired": bool(profile.kyc_expired),
        "due_soon": bool((pd.Timestamp(profile.kyc_expiry) - end).days <= 90),
        "class_name": profile.class_name(ctx.policy, locale),
        "previous_class_name": prev.class_name(ctx.policy, locale),
        "class_changed": prev.final_class != profile.final_class,
        "flags": [f.message[locale] if isinstance(f.message, dict) else str(f.message) for f in profile.flags],
    }


def _meetings(client: "Client", start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The contact log's entries within the quarter ``(start, end]`` (date, channel, note)."""
    return pd.DataFrame([{"date": c.date, "channel": c.channel, "note": c.note} for c in client.contact_log
                         if start.date() < c.date <= end.date()], columns=["date", "channel", "note"])


def _named_risk(risk: dict[str, Any], ctx: "Context", locale: str) -> dict[str, Any]:
    """Realized risk with the largest position's name in ``locale`` (uninvested cash, or the product's name)."""
    code = risk["largest_code"]
    name = t("documents.review_uninvested_cash", locale) if code == CASH else ctx.shelf.get(code).name(locale)
    return {**risk, "largest_name": name}


def _audit_record(client: "Client", params: Path, ctx: "Context", profile: Any, quarter: str, locale: str,
                  decision: Any, end: pd.Timestamp, template: "dict | None") -> dict[str, Any]:
    """The review's audit record (:func:`wealthlib._doc.audit.record`): its inputs hash is over the client file as
    filed, the policy, the shelf, the run's parameters (client, quarter, locale, the agreed target in force) and
    the advisor registry (its names print in the signature block)."""
    from ._doc import audit

    src = Path(client.source) if client.source and Path(client.source).is_file() else None
    registry = params / ctx.policy.advisors.registry if getattr(ctx.policy, "advisors", None) else None
    read = lambda p: p.read_bytes() if p is not None and p.is_file() else b""  # noqa: E731
    parameters = {"client": client.id, "quarter": quarter, "locale": locale,
                  "agreed": None if decision is None else f"{decision.proposal_hash}@{decision.decided_on}"}
    h = audit.digest(read(src) if src else client.model_dump_json().encode("utf-8"), read(params / "policy.yaml"),
                     read(params / "products.yaml"), audit.canonical(parameters), read(registry))
    ov = profile.override
    if ov is not None:  # as printed: the class's and the author's names
        from .advisors import display_names

        by = display_names(ctx.policy, params, locale).get(ov.by, ov.by)
        ov = audit.override_text(ov, ctx.policy.risk_class(ov.risk_class).name(locale), by)
    return audit.record(h, ctx, profile, as_of=end.date(), template=template, overrides=ov)


def _agreed_decision(params: Path, client_id: str, end: pd.Timestamp, decisions: "list | None"):
    """The client's acceptance in force at ``end``: from ``decisions``, else from the params folder's store."""
    from .records import agreed_target, existing_store

    if decisions is None:
        store = existing_store(params)
        if store is None:
            return None
        with store as s:
            decisions = s.decisions(client_id)
    return agreed_target(decisions, client_id, end.date())


def _expected_return(ctx: "Context", target: pd.Series, allocation: Any) -> float:
    """Expected annual return of the target on the as-of estimates (the engine's own figure for its target)."""
    mu = ctx.estimates.mu
    if set(target.index) <= set(mu.index):
        return float(mu.reindex(target.index) @ target)
    return float(allocation.expected_return)
