"""What a proposal costs the client and what the firm is paid: product fees, the firm's own advisory fee,
distribution fees (通路報酬), and their cumulative effect (:func:`fee_schedule`).

* **Product fees**: each product's ``annual_fee`` × its proposed amount, a year.
* **Advisory fee** (``fees.advisory`` in ``policy.yaml``): the firm's yearly rate on the whole portfolio, by the
  client's tier (``by_tier``) or ``default``.
* **Subscription fees**: ``distribution.subscription_fee`` × the amount bought (one-off, paid by the client on top
  of the amount); the firm keeps ``subscription_share`` of it. Trading costs: the policy's
  ``allocation.transaction_cost`` × the amount traded (one-off).
* **Distribution fees the firm receives from issuers**: ``management_fee_share`` × the amount a year — paid out of
  the product's own fee, so it is *inside* the product fee, never added to it — and the one-off
  ``sales_bonus`` × the amount bought. The **annualized rate received** on a product is its
  ``management_fee_share + sales_bonus`` (the bonus counted in the first year, so the rate is not understated);
  a policy cap for non-professional investors on foreign products is checked by :func:`over_cap`.
* **Cumulative effect** after ``y`` years at the expected return ``r``: without costs ``V(1+r)^y``; with them
  ``(V − one-off)(1 + r − c)^y``, ``c`` the yearly cost rate (product fees + advisory fee).

Every amount is in the client's base currency; rates are decimals (0.004 = 0.40%).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AdvisoryFee", "FeeLine", "FeeRules", "FeeSchedule", "fee_schedule", "over_cap"]


class AdvisoryFee(BaseModel):
    """``fees.advisory``: the firm's yearly advisory or management fee on the portfolio."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    default: float = Field(ge=0.0, le=0.05)
    by_tier: dict[str, float] = Field(default_factory=dict)

    def rate(self, tier: str | None) -> float:
        return float(self.by_tier.get(tier or "", self.default))


class FeeRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    advisory: AdvisoryFee | None = None


@dataclass(frozen=True)
class FeeLine:
    code: str
    weight: float
    amount: float            # proposed amount
    bought: float            # amount bought in this proposal (0 if sold or kept)
    product_rate: float
    product_fee: float       # a year
    subscription_rate: float
    subscription_fee: float  # one-off, paid by the client
    subscription_kept: float  # the firm's share of it
    management_share_rate: float
    management_share: float  # a year, inside product_fee
    bonus_rate: float
    bonus: float             # one-off, from the issuer
    sponsorship: bool
    other_rewards: bool
    disclosed: bool          # the product has distribution terms on the shelf

    @property
    def received_rate(self) -> float:
        """Annualized rate the firm receives from the issuer (first year)."""
        return self.management_share_rate + self.bonus_rate


@dataclass(frozen=True)
class FeeSchedule:
    value: float
    lines: tuple[FeeLine, ...]
    advisory_rate: float
    advisory_fee: float
    trading_rate: float
    traded: float
    trading_cost: float
    expected_return: float
    cumulative: tuple[dict, ...] = field(default=())

    @property
    def product_fee(self) -> float:
        return float(sum(x.product_fee for x in self.lines))

    @property
    def product_rate(self) -> float:
        return self.product_fee / self.value if self.value > 0 else 0.0

    @property
    def annual_rate(self) -> float:
        """Yearly cost rate: product fees and the advisory fee."""
        return self.product_rate + self.advisory_rate

    @property
    def annual_fee(self) -> float:
        return self.product_fee + self.advisory_fee

    @property
    def subscription_fee(self) -> float:
        return float(sum(x.subscription_fee for x in self.lines))

    @property
    def one_off(self) -> float:
        return self.subscription_fee + self.trading_cost

    @property
    def firm_receives_yearly(self) -> float:
        """What the firm receives a year: the advisory fee and the issuers' management-fee shares."""
        return self.advisory_fee + float(sum(x.management_share for x in self.lines))

    @property
    def firm_receives_one_off(self) -> float:
        return float(sum(x.subscription_kept + x.bonus for x in self.lines))


def _line(product: Any, weight: float, value: float, bought: float) -> FeeLine:
    d = product.distribution
    amount = weight * value
    sub = d.subscription_fee if d else 0.0
    return FeeLine(
        code=product.code, weight=weight, amount=amount, bought=bought, product_rate=product.annual_fee,
        product_fee=amount * product.annual_fee, subscription_rate=sub, subscription_fee=bought * sub,
        subscription_kept=bought * sub * (d.subscription_share if d else 0.0),
        management_share_rate=d.management_fee_share if d else 0.0,
        management_share=amount * (d.management_fee_share if d else 0.0),
        bonus_rate=d.sales_bonus if d else 0.0, bonus=bought * (d.sales_bonus if d else 0.0),
        sponsorship=bool(d and d.sponsorship), other_rewards=bool(d and d.other_rewards), disclosed=d is not None)


def fee_schedule(shelf: Any, policy: Any, tier: str | None, value: float, weights: Mapping[str, float],
                 trades: Mapping[str, float], expected_return: float, years: list[int]) -> FeeSchedule:
    """Every fee of a proposal of ``weights`` on ``value`` (base currency), with ``trades`` (+ buy, − sell)."""
    lines = tuple(_line(shelf.get(c), float(w), value, max(float(trades.get(c, 0.0)), 0.0))
                  for c, w in weights.items() if w > 1e-12)
    rules: FeeRules | None = getattr(policy, "fees", None)
    adv = rules.advisory.rate(tier) if rules is not None and rules.advisory is not None else 0.0
    rate = policy.allocation.transaction_cost
    traded = float(sum(abs(x) for x in trades.values()))
    s = FeeSchedule(value, lines, adv, adv * value, rate, traded, traded * rate, float(expected_return))
    return FeeSchedule(**{**s.__dict__, "cumulative": tuple(_cumulative(s, years))})


def _cumulative(s: FeeSchedule, years: list[int]) -> list[dict]:
    r, c, v = s.expected_return, s.annual_rate, s.value
    out = []
    for y in sorted(set(years)):
        gross = v * (1 + r) ** y
        net = (v - s.one_off) * (1 + r - c) ** y
        paid = s.one_off + sum((v - s.one_off) * (1 + r - c) ** (k - 1) * c for k in range(1, y + 1))
        out.append({"year": y, "gross": gross, "net": net, "reduction": gross - net,
                    "reduction_pct": (gross - net) / gross if gross > 0 else 0.0, "fees_paid": paid})
    return out


def over_cap(s: FeeSchedule, cap: float | None, foreign: set[str]) -> list[str]:
    """Foreign products whose annualized rate received exceeds ``cap`` (``[]`` without a cap)."""
    if cap is None:
        return []
    return [x.code for x in s.lines if x.code in foreign and x.received_rate > cap + 1e-12]
