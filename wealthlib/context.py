"""What every client's advice shares in one run: policy, shelf, market cut at the as-of date, estimates.

Built once per process or batch (DESIGN.md §5.6: market estimates once per batch), then
:func:`advise` profiles and allocates one client against it. The CLI, the document builders and the batch
runner all go through here, so a proposal and ``wealth allocate`` can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, WealthError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .allocate import Allocation
    from .clients import Client, Override
    from .estimate import Estimates, Views
    from .market import Market
    from .policy import Policy
    from .products import Shelf
    from .risk import RiskProfile


class KycExpired(WealthError):
    """A new proposal needs a valid KYC (DOMAIN.md §2); reviews only flag it."""


@dataclass
class Context:
    """Inputs shared by every client of a run, at one as-of date.

    ``returns`` and ``estimates`` are in ``base`` (a currency code), or — ``base=None``, as :func:`load_context`
    returns it — each product in its own currency. A client's advice always runs on :meth:`in_base` of the
    client's base currency (:func:`for_client` does it), so FX risk is inside every μ, Σ, backtest, stress and
    projection. Per-currency contexts are built once and cached here (a batch estimates once per currency).

    Estimation window rule (per base currency): the common window of the shelf's series **and** of the FX pairs
    converting them to the base (``shelf_returns(..., base=…)``), then the policy's last ``window_years`` of
    it. So a CNY client's estimates start where the ECB's CNY rate starts (2005-04), a USD client's where the
    shelf's series do; every product needs :data:`MIN_MONTHS` base-currency returns up to the as-of date, else
    the as-of date is refused naming the pair and the first date that works.
    """

    params: Path
    as_of: date
    policy: "Policy"
    shelf: "Shelf"
    market: "Market"
    returns: "pd.DataFrame"          # monthly simple returns of the shelf products, common window
    estimates: "Estimates"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    base: str | None = None          # currency of returns/estimates; None = each product in its own currency
    views: "Views | None" = None     # the advisor's views blended into the estimates (kept for in_base)

    @property
    def data_vintage(self) -> str:
        return self.market.vintage

    @property
    def local_returns(self) -> "pd.DataFrame":
        """The shelf's returns each in its product's own currency (the context this one was converted from)."""
        return self._cache.get("_root", self).returns

    @property
    def fx_not_modeled(self) -> dict[str, str]:
        """Product code → pair left unconverted by the policy's ``fx.not_modeled`` (empty when all are modeled)."""
        return dict(self.returns.attrs.get("fx_not_modeled") or {})

    def history(self) -> "tuple[pd.DataFrame, pd.DataFrame]":
        """Every shelf product's whole monthly history up to the as-of date, not cut to the shelf's common
        window: ``(in_base, local)`` — in this context's base currency (NaN where the product or its exchange
        rate has no data; a pair the policy does not model stays in its own currency) and in each product's own
        currency. For statements on a portfolio's *own* available history (worst year, stress windows)."""
        got = self._cache.get("history")
        if got is None:
            got = _history(self)
            self._cache["history"] = got
        return got

    def in_base(self, currency: str) -> "Context":
        """This run with returns and estimates in ``currency`` (see the class docstring); cached per currency.

        Raises :class:`~wealthlib._market.core.FxPairMissing` for a pair the market lacks and the policy does
        not mark ``not_modeled`` (:func:`for_client` names the client file), and :class:`InputError` when the
        base-currency window is shorter than :data:`MIN_MONTHS` at the as-of date.
        """
        if self.base == currency:
            return self
        root = self._cache.setdefault("_root", self)
        key = ("base", currency)
        got = root._cache.get(key)
        if got is None:
            got = _context_in_base(root, currency)
            root._cache[key] = got
        return got


def load_context(params: str | Path = "params", as_of: date | str | None = None, *, ladder: str | None = None) -> Context:
    """Load policy, shelf and the market ``<params>/market.yaml`` names, cut the market at ``as_of`` and estimate
    μ, Σ once. ``as_of=None``: :func:`default_as_of` (from the configured data, never the wall clock)."""
    from .market import market_config

    root = Path(params).resolve()
    # a changed data, policy or shelf file is a new context, also within one process (a studio kernel lives
    # for hours while compliance may replace the policy)
    digest = market_config(root).digest + _files_stamp(root / "policy.yaml", root / "products.yaml")
    when = default_as_of(root) if as_of is None else _to_date(as_of)
    return _load_context(root, when, ladder, digest)


def _files_stamp(*paths: Path) -> str:
    """Modification time and size of each file (``-`` where absent): enough to tell an edited file, no read."""
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            out.append("-")
    return "|" + "|".join(out)


def _to_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def resolve_as_of(params: str | Path, as_of: date | str | None) -> date:
    """``as_of`` as a date, or the params folder's :func:`default_as_of` when ``None``."""
    return default_as_of(params) if as_of is None else _to_date(as_of)


def default_as_of(params: str | Path = "params") -> date:
    """The default as-of date of documents for ``params``: ``market.yaml``'s ``as_of`` when it sets one, else
    the last complete month-end of the shelf's data (the earliest last monthly return among the products'
    series), so every product has data to the as-of date. Deterministic: the data decide, not the clock."""
    from .market import configured_market, market_config
    from .policy import load_policy
    from .products import load_shelf

    root = Path(params).resolve()
    cfg = market_config(root)
    if cfg.model.as_of is not None:
        return cfg.model.as_of
    market = configured_market(root)
    shelf = load_shelf(root / "products.yaml", load_policy(root / "policy.yaml"))
    ends = [market.monthly[p.series].last_valid_index() for p in shelf if p.series in market.monthly.columns]
    ends = [e for e in ends if e is not None]
    if not ends:
        from .market import missing_series

        missing = missing_series(shelf, market)
        if missing:
            raise missing[0]
        raise InputError(cfg.source, "", "no monthly data for any product of the shelf")
    return min(ends).date()


@lru_cache(maxsize=8)
def _load_context(params: Path, as_of: date, ladder: str | None, market_digest: str = "") -> Context:
    from .estimate import estimate
    from .market import configured_market, currency_mismatches, shelf_returns
    from .policy import load_policy
    from .products import load_shelf

    policy = load_policy(params / "policy.yaml")
    if ladder:
        policy = policy.with_ladder(ladder)
    shelf = load_shelf(params / "products.yaml", policy)
    full = configured_market(params)
    mismatched = currency_mismatches(shelf, full)
    if mismatched:
        raise mismatched[0]
    check_as_of(shelf, full, as_of)
    market = full.as_of(as_of)
    returns = shelf_returns(shelf, market, freq="monthly")
    estimates = _anchored(estimate(returns, policy.allocation.estimator), shelf, market, policy, as_of, None, returns)
    return Context(params=params, as_of=as_of, policy=policy, shelf=shelf, market=market, returns=returns,
                   estimates=estimates)


def _context_in_base(root: Context, currency: str) -> Context:
    """``root`` (each product in its own currency) converted to ``currency``; views re-applied."""
    import dataclasses

    import pandas as pd

    from .estimate import estimate
    from .market import shelf_returns

    returns = shelf_returns(root.shelf, root.market, freq="monthly", base=currency,
                            not_modeled=set(root.policy.fx.not_modeled))
    pairs = sorted(set(returns.attrs.get("fx", {}).values()))
    if len(returns) < MIN_MONTHS:
        first_ok = (pd.Timestamp(returns.index[0]) + pd.offsets.MonthEnd(MIN_MONTHS - 1)).date()
        raise InputError("as_of", "", f"{root.as_of} is too early for a {currency} client: the products' returns in "
                         f"{currency} (FX {', '.join(pairs) or 'none'}) start {returns.index[0].date()}, "
                         f"{len(returns)} months before the as-of date; {MIN_MONTHS} are needed: use {first_ok} or later")
    estimates = _anchored(estimate(returns, root.policy.allocation.estimator), root.shelf, root.market, root.policy,
                          root.as_of, currency, returns, root.returns)
    notes = {**estimates.notes, "base_currency": currency, "fx": ", ".join(pairs) or "none"}
    estimates = dataclasses.replace(estimates, notes=notes)
    ctx = dataclasses.replace(root, returns=returns, estimates=estimates, base=currency, _cache={"_root": root})
    if root.views is not None:
        ctx = _apply_views(ctx, root.views)
    return ctx


def _history(ctx: Context) -> "tuple[pd.DataFrame, pd.DataFrame]":
    import pandas as pd

    m = ctx.market
    local = pd.DataFrame({p.code: m.monthly[p.series] for p in ctx.shelf}, index=m.monthly.index)
    local = local.loc[local.first_valid_index():]
    if ctx.base is None:
        return local, local
    skip = set(ctx.policy.fx.not_modeled)
    out = local.copy()
    for p in ctx.shelf:
        pair = f"{p.currency}/{ctx.base}"
        if p.currency != ctx.base and pair not in skip:
            fx = m.fx_returns(p.currency, ctx.base).reindex(local.index)
            out[p.code] = (1.0 + local[p.code]) * (1.0 + fx) - 1.0
    return out, local


def _anchored(est: "Estimates", shelf: "Shelf", market: "Market", policy: "Policy", as_of: date, base: str | None,
              returns: "pd.DataFrame", local: "pd.DataFrame | None" = None) -> "Estimates":
    """``est`` with bond funds' expected returns anchored to the yields of ``as_of`` when the policy says so
    (``estimator.bond_returns: yield``): every product with a ``yield_series``. A series the market lacks is an
    :class:`InputError` naming the shelf file and the product's field. In ``base``, the exchange rate's mean
    return over the estimation window (base-currency over local-currency returns) is added."""
    from .estimate import anchor_to_yields

    if policy.allocation.estimator.bond_returns != "yield":
        return est
    win = est.notes.get("window")
    anchors = {}
    for i, p in enumerate(shelf):
        if p.yield_series is None:
            continue
        try:
            when, y = market.yield_on(p.yield_series, as_of)
        except InputError as exc:
            raise InputError(shelf.source or "products.yaml", f"products.{i}.yield_series",
                             f"{exc.problem}; the policy anchors bond returns to yields (estimator.bond_returns: "
                             "yield): name a yield series of the market, or remove yield_series") from None
        drift = 0.0
        if base is not None and p.currency != base and local is not None and win is not None:
            lo, hi = win
            fx = (1.0 + returns[p.code].loc[lo:hi]) / (1.0 + local[p.code].loc[lo:hi]) - 1.0
            drift = float(fx.mean() * est.periods_per_year)
        anchors[p.code] = {"series": p.yield_series, "date": when.date(), "yield": y, "fx_drift": drift,
                           "currency": p.currency}
    return anchor_to_yields(est, anchors)


def market_file(ctx: Context) -> str:
    """How a message names the market: the params folder's market file when there is one, else the vintage."""
    p = ctx.params / "market.yaml"
    return str(p) if p.is_file() else f"the bundled demo market ({ctx.market.vintage.split(', data to ')[0]})"


def for_client(ctx: Context, client: "Client") -> Context:
    """``ctx`` in the client's base currency; a missing FX pair names the client file, the pair and the market.

    Idempotent (a context already in that currency is returned as is).
    """
    from ._market.core import FxPairMissing

    try:
        return ctx.in_base(client.base_currency)
    except FxPairMissing as exc:
        products = [p.code for p in ctx.shelf if f"{p.currency}/{client.base_currency}" == exc.pair]
        held = f" (products {', '.join(products)})" if products else ""
        raise InputError(client.source or client.id, "base_currency",
                         f"no FX rates for {exc.pair}{held} in {market_file(ctx)}; add the pair to the market's FX "
                         f"files, or mark it not modeled in the policy (fx.not_modeled)") from None


def client_in_base(ctx: Context, client: "Client") -> "Client":
    """The client with every holding valued in its base currency at ``ctx.as_of``.

    Holdings are entered in the product's own currency (``amount``, or ``units × price``); each is converted
    with :meth:`Market.fx_rate` (the last rate on or before the as-of date) and replaced by its base-currency
    ``amount``. A product the shelf does not know is taken as already in the base currency (off-shelf positions
    carry no currency in the shelf; :func:`check_product_codes` refuses unknown codes before advice). A pair the
    policy marks not modeled is taken at rate 1 (and said so in the documents). Idempotent.
    """
    if client.holdings_currency == client.base_currency:
        return client
    from .clients import Holding
    from .market import holdings_in_base

    try:
        values = holdings_in_base(client, ctx.shelf, ctx.market, ctx.as_of, ctx.policy.fx.not_modeled)
    except InputError as exc:
        raise InputError(exc.source, exc.field, f"{exc.problem}; market: {market_file(ctx)}") from None
    new = {code: Holding(amount=v) for code, v in values.items()}
    out = client.model_copy(update={"holdings": new})
    out.holdings_currency = client.base_currency
    return out


#: How long after the end of the shelf's market data an as-of date is still accepted (the bundled data end in
#: late 2018; a document dated 2030 on them would silently present stale figures as current).
AS_OF_GRACE_DAYS = 92
#: Fewest monthly returns every product must have up to the as-of date for the estimates to mean anything.
MIN_MONTHS = 24


def check_as_of(shelf: "Shelf", market: "Market", as_of: date) -> None:
    """Refuse an as-of date the market data cannot support, naming the date, the product and the data span.

    ``market`` is the whole (uncut) market. A product whose series the market does not have at all is left to
    :func:`wealthlib.market.shelf_returns`, which names ``products.yaml`` (that is the file's fault); an as-of
    date before a series' first months, or long after the data end, is the date's fault and says so.
    """
    import pandas as pd

    ts = pd.Timestamp(as_of)
    ends = []
    for p in shelf:
        if p.series not in market.monthly.columns:
            continue
        col = market.monthly[p.series].dropna()
        if col.empty:
            continue
        ends.append(col.index[-1])
        if (col.index <= ts).sum() < MIN_MONTHS:
            first_ok = col.index[min(MIN_MONTHS, len(col)) - 1].date()
            raise InputError("as_of", "", f"{as_of} is too early for the market data: product {p.code} (series "
                             f"{p.series}) has monthly returns from {col.index[0].date()}; use {first_ok} or later")
    if ends:
        last = min(ends)
        if ts > last + pd.Timedelta(days=AS_OF_GRACE_DAYS):
            raise InputError("as_of", "", f"{as_of} is after the end of the market data ({market.vintage}; the "
                             f"shelf's common data end {last.date()}); use a date up to "
                             f"{(last + pd.Timedelta(days=AS_OF_GRACE_DAYS)).date()}")


def check_params_as_of(params: str | Path, as_of: date | str) -> None:
    """:func:`check_as_of` for the shelf under ``params``: a whole batch checks its date once, up front.

    Problems with the policy or shelf files themselves are left to the per-client path that reports them; a
    bad ``market.yaml`` or market data file is the whole batch's problem and is raised here.
    """
    from .market import configured_market
    from .policy import load_policy
    from .products import load_shelf

    params = Path(params)
    try:
        shelf = load_shelf(params / "products.yaml", load_policy(params / "policy.yaml"))
    except WealthError:
        return
    check_as_of(shelf, configured_market(params), _to_date(as_of))


def check_product_codes(ctx: Context, client: "Client") -> None:
    """Every product and asset class the client file names must be on the shelf and in the policy.

    An unknown code is usually a typo; silently treating it as an off-shelf position to be sold would put a
    wrong proposal in front of the client.
    """
    from ._yaml import as_error
    from .clients import check_product_codes as _check

    problems = _check(client, set(ctx.shelf.codes), set(ctx.policy.asset_classes))
    if problems:
        raise as_error(problems)


def with_views(ctx: Context, views: "str | Path | Views") -> Context:
    """The same run with the advisor's views blended into the capital-market assumptions.

    Black–Litterman with the policy's own estimates as the prior (not an equal-weight equilibrium), so a
    what-if view moves the expected returns only as far as the view itself warrants:
    μ_post = μ + τΣPᵀ(τPΣPᵀ + Ω)⁻¹(q − Pμ), Ω from each view's confidence (see
    :func:`wealthlib.estimate.black_litterman`). Σ and the historical scenarios are unchanged.
    """
    import dataclasses

    from .estimate import Views, black_litterman, load_views

    v = views if isinstance(views, Views) else load_views(views)
    root = ctx._cache.get("_root", ctx) if ctx.base is not None else ctx
    with_v = _apply_views(dataclasses.replace(root, _cache={}, views=None), v)
    with_v = dataclasses.replace(with_v, views=v)
    return with_v if ctx.base is None else with_v.in_base(ctx.base)


def _apply_views(ctx: Context, v: "Views") -> Context:
    import dataclasses

    from .estimate import black_litterman

    mu = black_litterman(ctx.estimates.mu, ctx.estimates.cov, v).rename("mu")
    notes = {**ctx.estimates.notes, "views": v.source or "in memory"}
    est = dataclasses.replace(ctx.estimates, mu=mu, method=f"{ctx.estimates.method}+views", notes=notes)
    return dataclasses.replace(ctx, estimates=est, views=v)


def advise(
    ctx: Context,
    client: "Client",
    *,
    objective: str | None = None,
    override: "Override | None" = None,
    extra_exclusions: tuple[str, ...] = (),
    require_valid_kyc: bool = True,
    locale: str | None = None,
    kyc_after_as_of: bool = False,
    risk_aversion: float | None = None,
    volatility_cap: float | None = None,
    pinned: "dict[str, float] | None" = None,
) -> tuple["RiskProfile", "Allocation"]:
    """Profile ``client`` and propose an allocation.

    ``override`` (a what-if or a recorded decision: class, reason, by, date) replaces the client file's own;
    ``extra_exclusions`` adds excluded products for a what-if. An expired KYC raises :class:`KycExpired`
    when ``require_valid_kyc`` (new proposals), and is only flagged otherwise (reviews). A product code or
    asset class the shelf and policy do not know is an :class:`InputError` naming the client file and field;
    so is a KYC dated after the as-of date unless ``kyc_after_as_of`` (reviews, written after the quarter).
    The allocation runs on the estimates in the client's base currency (:func:`for_client`) and on holdings
    valued in it at the as-of date (:func:`client_in_base`). ``risk_aversion``, ``volatility_cap`` and
    ``pinned`` are the what-ifs of :class:`wealthlib.allocate.ClientProblem` (checked against the policy's
    ``what_if`` limits by :func:`wealthlib.studio.check_what_if` before they get here).
    """
    from .allocate import AllocationError, allocate
    from .risk import check_kyc_date, profile_client

    check_product_codes(ctx, client)
    ctx = for_client(ctx, client)
    client = client_in_base(ctx, client)
    if override is not None or extra_exclusions:
        kyc = client.kyc.model_copy(update={"override": override}) if override is not None else client.kyc
        restrictions = client.restrictions.model_copy(
            update={"excluded_products": sorted(set(client.restrictions.excluded_products) | set(extra_exclusions))}
        )
        client = client.model_copy(update={"kyc": kyc, "restrictions": restrictions})
    if not kyc_after_as_of:
        check_kyc_date(client, ctx.as_of)
    profile = profile_client(client, ctx.policy, ctx.as_of)
    change = client.kyc.reported_change
    if require_valid_kyc and ctx.policy.kyc.reassess_on_reported_change and change is not None \
            and profile.kyc_date < change <= ctx.as_of:
        raise KycExpired(
            f"{client.source}: kyc.reported_change: the client reported a change of circumstances on {change}, "
            f"after the KYC assessment of {profile.kyc_date}; reassess the client before a new proposal"
        )
    if require_valid_kyc and profile.kyc_expired:
        raise KycExpired(
            f"{client.source}: kyc.date: the KYC assessment of {profile.kyc_date} expired on {profile.kyc_expiry}; "
            f"reassess the client before a new proposal (as of {ctx.as_of})"
        )
    try:
        if risk_aversion is None and volatility_cap is None and not pinned:
            allocation = allocate(profile, ctx.shelf, ctx.policy, ctx.estimates, client, objective,
                                  locale=locale or client.locale)
        else:
            from .allocate import ClientProblem

            allocation = ClientProblem.for_client(profile, ctx.shelf, ctx.policy, ctx.estimates, client, objective,
                                                  locale=locale or client.locale).solve(
                risk_aversion=risk_aversion, volatility_cap=volatility_cap, pinned=pinned or None)
    except AllocationError as exc:  # name the client file, as every other error about one client does
        src = client.source or client.id
        if not str(exc).startswith(f"{src}: "):
            exc.args = (f"{src}: {exc}", *exc.args[1:])
        raise
    return profile, allocation
