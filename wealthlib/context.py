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

from .errors import WealthError

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
    """Inputs shared by every client of a run, at one as-of date."""

    params: Path
    as_of: date
    policy: "Policy"
    shelf: "Shelf"
    market: "Market"
    returns: "pd.DataFrame"          # monthly simple returns of the shelf products, common window
    estimates: "Estimates"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def data_vintage(self) -> str:
        return self.market.vintage


def load_context(params: str | Path = "params", as_of: date | str = "2018-12-31", *, ladder: str | None = None) -> Context:
    """Load policy and shelf from ``params``, cut the demo market at ``as_of`` and estimate μ, Σ once."""
    return _load_context(Path(params).resolve(), _to_date(as_of), ladder)


def _to_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@lru_cache(maxsize=8)
def _load_context(params: Path, as_of: date, ladder: str | None) -> Context:
    from .estimate import estimate
    from .market import load_demo_market, shelf_returns
    from .policy import load_policy
    from .products import load_shelf

    policy = load_policy(params / "policy.yaml")
    if ladder:
        policy = policy.with_ladder(ladder)
    shelf = load_shelf(params / "products.yaml", policy)
    market = load_demo_market(as_of=as_of)
    returns = shelf_returns(shelf, market, freq="monthly")
    estimates = estimate(returns, policy.allocation.estimator)
    return Context(params=params, as_of=as_of, policy=policy, shelf=shelf, market=market, returns=returns,
                   estimates=estimates)


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
    mu = black_litterman(ctx.estimates.mu, ctx.estimates.cov, v).rename("mu")
    notes = {**ctx.estimates.notes, "views": v.source or "in memory"}
    est = dataclasses.replace(ctx.estimates, mu=mu, method=f"{ctx.estimates.method}+views", notes=notes)
    return dataclasses.replace(ctx, estimates=est, _cache={})


def advise(
    ctx: Context,
    client: "Client",
    *,
    objective: str | None = None,
    override: "Override | None" = None,
    extra_exclusions: tuple[str, ...] = (),
    require_valid_kyc: bool = True,
    locale: str | None = None,
) -> tuple["RiskProfile", "Allocation"]:
    """Profile ``client`` and propose an allocation.

    ``override`` (a what-if or a recorded decision: class, reason, by, date) replaces the client file's own;
    ``extra_exclusions`` adds excluded products for a what-if. An expired KYC raises :class:`KycExpired`
    when ``require_valid_kyc`` (new proposals), and is only flagged otherwise (reviews).
    """
    from .allocate import allocate
    from .risk import profile_client

    if override is not None or extra_exclusions:
        kyc = client.kyc.model_copy(update={"override": override}) if override is not None else client.kyc
        restrictions = client.restrictions.model_copy(
            update={"excluded_products": sorted(set(client.restrictions.excluded_products) | set(extra_exclusions))}
        )
        client = client.model_copy(update={"kyc": kyc, "restrictions": restrictions})
    profile = profile_client(client, ctx.policy, ctx.as_of)
    if require_valid_kyc and profile.kyc_expired:
        raise KycExpired(
            f"{client.source}: kyc.date: the KYC assessment of {profile.kyc_date} expired on {profile.kyc_expiry}; "
            f"reassess the client before a new proposal (as of {ctx.as_of})"
        )
    allocation = allocate(profile, ctx.shelf, ctx.policy, ctx.estimates, client, objective,
                          locale=locale or client.locale)
    return profile, allocation
