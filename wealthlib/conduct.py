"""Client-protection rules of the firm's jurisdiction (``conduct:`` in ``policy.yaml``): data, checked here.

Which rules apply, and their thresholds, are the policy's; the code knows only kinds of rule:

* **professional investors** (``conduct.professional_investor``): the status is printed; where the policy
  says consumer-protection duties do not apply to them, the document prints the jurisdiction's exclusion
  statement and the client's acknowledgement, which the client file must record
  (``professional.acknowledged``, on or before the as-of date) — else the proposal is refused;
* **high-asset status** (``conduct.high_net_worth_status``): the client file's ``flags.high_net_worth`` printed;
* **elderly clients** (``conduct.elderly``, from ``kyc.elderly_age``): a stated reason for each recommended
  product, and a second person's review of every buy graded ``review_grade`` or higher;
* **foreign-securities gates** (``conduct.foreign_securities``): recommending a product whose ``domicile``
  is not ``home`` to a client who is not a professional investor needs every gate the policy lists — a signed
  one-page consent (``foreign_securities.consent``), a minimum number of trades in the 12 months up to the
  as-of date (buys and sells of foreign products in the client file plus ``foreign_securities.outside_trades``
  the client declared), a maximum age, a minimum schooling (``education_level``, on the policy's ordered
  ``education_levels``), and no major-illness card (``flags.major_illness_card``). A failing or unrecorded
  gate refuses the proposal with one message naming the client file and every gate that fails (never the
  client's values);
* **distribution fees** (``conduct.distribution_fees``): a foreign product whose annualized rate received by
  the firm (:func:`received_rate`) is above ``foreign_annual_cap_non_professional`` is never proposed to a
  non-professional investor (refused naming the product; ``wealth validate`` lists it too);
* **above the client's grade at their insistence** (``conduct.above_grade``, :func:`check_exceptions`): which
  product categories a recorded exception may keep, never for the classes listed, and only after a written
  special warning the client signed (the mainland's funds under the CSRC rules);
* **suitability exceptions** (:func:`ceiling_decisions`): every holding graded above the client's ceiling
  with its decision — sold in this proposal, or kept under an exception the client file records
  (``exceptions``: product, approver, date, reason).

Nothing dated after the as-of date counts (a consent, a trade, an acknowledgement or an exception).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import InputError

__all__ = ["AboveGradeRules", "ConductRules", "ConductRefused", "Decision", "ElderlySteps", "ceiling_decisions", "check_client_file",
           "check_conduct", "check_shelf", "elderly_steps", "foreign_products", "kept_under_exception", "received_rate",
           "trades_past_year",
           "without_holdings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProfessionalRules(_Strict):
    protections_excluded: bool = Field(default=True, description="consumer-protection duties and the ombudsman "
                                       "route do not apply to professional investors: print the statement")
    acknowledgement_required: bool = True


class ElderlyRules(_Strict):
    reasons_per_recommendation: bool = True
    review_grade: int | None = Field(default=4, ge=1, le=5, description="buys graded at or above need a review")


class ForeignGates(_Strict):
    home: str = Field(min_length=2, description="a product whose domicile differs is a foreign security")
    applies_to_professional: bool = False
    consent: bool = True
    min_trades_12m: int | None = Field(default=None, ge=1)
    max_age: int | None = Field(default=None, ge=18, le=120)
    education_levels: list[str] = Field(default_factory=list, description="lowest first")
    min_education: str | None = None
    no_major_illness_card: bool = False

    @model_validator(mode="after")
    def _level_known(self) -> "ForeignGates":
        if self.min_education is not None and self.min_education not in self.education_levels:
            raise ValueError("min_education must be one of education_levels")
        return self


class DistributionRules(_Strict):
    """通路報酬: a table per product, signed by the client, and a cap on the yearly rate the firm receives
    from the issuer of a foreign product sold to a non-professional investor."""

    table: bool = True
    foreign_annual_cap_non_professional: float | None = Field(default=None, gt=0, lt=0.1)


class AboveGradeRules(_Strict):
    """When a client may keep or buy a product above their grade at their own insistence (an exception in the
    client file): only products of ``categories`` (the mainland: funds under the CSRC rules, 《证券期货投资者适当性
    管理办法》 Art 19 — never bank wealth products), never a client of ``never_for_classes`` (the lowest class),
    and, with ``written_warning``, only after the client signed a written special warning
    (``exceptions[].special_warning``, on or before the as-of date), which the proposal prints."""

    categories: list[str] = Field(default_factory=list)
    written_warning: bool = True
    never_for_classes: list[str] = Field(default_factory=list)


class ConductRules(_Strict):
    above_grade: AboveGradeRules | None = None
    professional_investor: ProfessionalRules | None = None
    high_net_worth_status: bool = False
    elderly: ElderlyRules | None = None
    foreign_securities: ForeignGates | None = None
    distribution_fees: DistributionRules | None = None


class ConductRefused(InputError):
    """A proposal the jurisdiction's rules forbid for this client (a gate failed or a record is missing)."""


def _rules(policy: Any) -> ConductRules:
    return getattr(policy, "conduct", None) or ConductRules()


def foreign_products(policy: Any, shelf: Any, codes) -> list[str]:
    """The codes among ``codes`` that are foreign securities for the firm (domicile ≠ the policy's home)."""
    g = _rules(policy).foreign_securities
    if g is None:
        return []
    return [c for c in codes if (shelf.get(c).domicile or g.home) != g.home]


def trades_past_year(client: Any, policy: Any, shelf: Any, as_of: date) -> int:
    """Buys and sells of foreign products in the 12 months up to ``as_of``, plus the declared outside trades."""
    try:
        start = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - 1, day=28)
    foreign = set(foreign_products(policy, shelf, [c for c in shelf.codes]))
    own = sum(1 for t in client.transactions
              if t.type in ("buy", "sell") and t.product in foreign and start < t.date <= as_of)
    fs = client.foreign_securities
    outside = sum(o.count for o in (fs.outside_trades if fs else ()) if start < o.date <= as_of)
    return own + outside


def _gate_failures(g: ForeignGates, client: Any, policy: Any, shelf: Any, as_of: date) -> list[tuple[str, str]]:
    """(field, gate in words) of each gate that fails or is not recorded."""
    out: list[tuple[str, str]] = []
    fs = client.foreign_securities
    if g.consent and (fs is None or fs.consent is None or fs.consent > as_of):
        out.append(("foreign_securities.consent", "a signed one-page consent to the recommendation"))
    if g.min_trades_12m is not None and trades_past_year(client, policy, shelf, as_of) < g.min_trades_12m:
        out.append(("foreign_securities.outside_trades",
                    f"at least {g.min_trades_12m} trades in foreign securities in the past 12 months"))
    if g.max_age is not None and client.age(as_of) > g.max_age:
        out.append(("birth_date", f"age {g.max_age} or under"))
    if g.min_education is not None:
        lvl = client.education_level
        if lvl is None or lvl not in g.education_levels or \
                g.education_levels.index(lvl) < g.education_levels.index(g.min_education):
            out.append(("education_level", f"schooling of {g.min_education} or above (education_level)"))
    if g.no_major_illness_card and client.flags.major_illness_card is not False:
        out.append(("flags.major_illness_card", "no major-illness card (flags.major_illness_card: false)"))
    return out


def check_conduct(policy: Any, shelf: Any, client: Any, weights: Mapping[str, float], as_of: date) -> None:
    """Refuse (:class:`ConductRefused`) a proposal of ``weights`` the conduct rules forbid for ``client``: a
    professional investor's acknowledgement not recorded; a foreign product paying the firm more than the
    non-professional cap (the message names the shelf's product and the client file); a foreign-securities gate
    failing (the message names the client file and every failing gate). Rules the policy lacks do not apply, so
    the call is the same for every firm."""
    r = _rules(policy)
    src = client.source or client.id
    pro = bool(client.flags.professional_investor)
    if pro and r.professional_investor is not None and r.professional_investor.acknowledgement_required:
        rec = client.professional
        if rec is None or rec.acknowledged is None or rec.acknowledged > as_of:
            raise ConductRefused(src, "professional.acknowledged", "a professional investor's signed "
                                 "acknowledgement of the protections that do not apply is not recorded "
                                 f"on or before {as_of.isoformat()}")
    g = r.foreign_securities
    held = [c for c, w in weights.items() if w > 1e-9]
    foreign = foreign_products(policy, shelf, held)
    cap = _cap(r)
    if not pro and cap is not None:
        over = [(i, p) for i, p in enumerate(shelf) if p.code in foreign and received_rate(p) > cap + 1e-12]
        if over:
            i, p = over[0]
            raise ConductRefused(shelf.source or "products.yaml", f"products.{i}.distribution",
                                 f"{p.code} pays the firm {received_rate(p):.2%} a year, above the {cap:.2%} "
                                 "cap on a foreign product for a non-professional investor "
                                 "(conduct.distribution_fees.foreign_annual_cap_non_professional); it may not be "
                                 f"proposed to {src}")
    if g is None or not foreign or (pro and not g.applies_to_professional):
        return
    fails = _gate_failures(g, client, policy, shelf, as_of)
    if fails:
        raise ConductRefused(src, fails[0][0], "foreign securities (" + ", ".join(foreign) + ") may not be "
                             "recommended to a non-professional investor without: " + "; ".join(w for _, w in fails))


@dataclass(frozen=True)
class ElderlySteps:
    """What an elderly client's proposal adds: a reason per recommended product, and the buys to review."""

    applies: bool
    reasons_for: tuple[str, ...]  # product codes with a weight, each needs a stated reason
    review: tuple[str, ...]       # product codes bought at or above the review grade


def elderly_steps(policy: Any, shelf: Any, client: Any, weights: Mapping[str, float],
                  trades: Mapping[str, float], as_of: date) -> ElderlySteps:
    """The elderly steps for ``client`` (nothing when the client is under ``kyc.elderly_age``)."""
    e = _rules(policy).elderly
    if e is None or not client.is_elderly(as_of, policy.kyc.elderly_age):
        return ElderlySteps(False, (), ())
    held = tuple(c for c, w in weights.items() if w > 1e-9)
    review = () if e.review_grade is None else tuple(
        c for c, x in trades.items() if x > 1e-6 and shelf.get(c).grade >= e.review_grade)
    return ElderlySteps(True, held if e.reasons_per_recommendation else (), review)


@dataclass(frozen=True)
class Decision:
    """A holding above the client's ceiling and what this proposal does with it."""

    code: str
    grade: int
    ceiling: int
    held: float          # value now, in the base currency
    kept: float          # value after the proposal's trades
    decision: str        # "sold" | "kept_exception"
    approved_by: str | None = None
    approved_on: date | None = None
    reason: str | None = None


def ceiling_decisions(client: Any, shelf: Any, ceiling: int, current: Mapping[str, float],
                      target: Mapping[str, float], as_of: date) -> list[Decision]:
    """Every holding graded above ``ceiling`` (``current`` and ``target`` in the base currency) with its decision.

    A holding the proposal still keeps must have an exception recorded on or before ``as_of``; one kept without
    is a bug of the caller (the allocation never proposes an unsuitable product) and raises ``ValueError``.
    """
    recorded = {e.product: e for e in client.exceptions if e.date <= as_of}
    out = []
    for code, value in current.items():
        if value <= 0 or code not in shelf or shelf.get(code).grade <= ceiling:
            continue
        after = float(target.get(code, 0.0))
        ex = recorded.get(code)
        if after > 1e-6 and ex is None:
            raise ValueError(f"{code} is kept above the ceiling without a recorded exception")
        kind = "sold" if after <= 1e-6 else "kept_exception"
        out.append(Decision(code, shelf.get(code).grade, ceiling, float(value), max(after, 0.0), kind,
                            ex.approved_by if ex and kind != "sold" else None,
                            ex.date if ex and kind != "sold" else None, ex.reason if ex and kind != "sold" else None))
    return out


def received_rate(product: Any) -> float:
    """The annualized rate the firm receives from the issuer of ``product``: the yearly share of its fee plus the
    one-off sales bonus counted in the first year (0 without distribution terms; :mod:`wealthlib.fees`)."""
    d = getattr(product, "distribution", None)
    return 0.0 if d is None else float(d.management_fee_share + d.sales_bonus)


def _cap(r: ConductRules) -> float | None:
    return r.distribution_fees.foreign_annual_cap_non_professional if r.distribution_fees else None


def check_shelf(policy: Any, shelf: Any) -> list[InputError]:
    """``wealth validate`` of the shelf against the conduct rules: every product has a domicile where
    foreign-securities gates apply; no foreign product pays the firm more than the non-professional cap."""
    r = _rules(policy)
    out = []
    cap = _cap(r)
    for i, p in enumerate(shelf):
        if r.foreign_securities is not None and p.domicile is None:
            out.append(InputError(shelf.source, f"products.{i}.domicile", "is required: the policy's "
                                  "conduct.foreign_securities needs each product's issuer country"))
        if cap is not None and p.domicile != (r.foreign_securities.home if r.foreign_securities else None) \
                and received_rate(p) > cap + 1e-12:
            out.append(InputError(shelf.source, f"products.{i}.distribution", f"the firm would receive more than "
                                  f"{cap:.2%} a year (conduct.distribution_fees.foreign_annual_cap_non_professional)"
                                  "; it could be sold to professional investors only"))
    return out


def check_client_file(client: Any, policy: Any) -> list[InputError]:
    """``wealth validate`` of a client file against the conduct rules: a schooling code of the policy's list."""
    g = _rules(policy).foreign_securities
    src = client.source or client.id
    if g is not None and client.education_level is not None and client.education_level not in g.education_levels:
        return [InputError(src, "education_level", f"must be one of {', '.join(g.education_levels)}")]
    return []


def kept_under_exception(client: Any, shelf: Any, ceiling: int, as_of: date) -> dict[str, float]:
    """Holdings graded above ``ceiling`` that an exception recorded on or before ``as_of`` keeps: code → value.
    They stay outside the proposal (the allocation never buys or holds an unsuitable product) and are listed
    with their approver (:func:`ceiling_decisions`)."""
    recorded = {e.product for e in client.exceptions if e.date <= as_of}
    return {code: float(v) for code, v in client.holding_values().items()
            if code in recorded and v > 0 and code in shelf and shelf.get(code).grade > ceiling}


def check_exceptions(policy: Any, shelf: Any, client: Any, risk_class: str, kept: Mapping[str, float],
                     as_of: date) -> None:
    """Refuse (:class:`ConductRefused`, naming the client file and the exception) a holding ``kept`` above the
    client's grade that the policy's ``conduct.above_grade`` does not allow: a product of another category, a
    client of a class that may never insist, or no written special warning signed on or before ``as_of``. A
    policy without the block keeps every recorded exception (as before)."""
    r = _rules(policy).above_grade
    if r is None:
        return
    src = client.source or client.id
    for i, ex in enumerate(client.exceptions):
        if ex.product not in kept:
            continue
        cat = getattr(shelf.get(ex.product), "category", None)
        if cat not in r.categories:
            raise ConductRefused(src, f"exceptions[{i}]", f"{ex.product} may not be kept or sold above the client's "
                                 "grade at the client's insistence: only products of "
                                 f"{', '.join(r.categories) or 'no category'} may (conduct.above_grade.categories)")
        if risk_class in r.never_for_classes:
            raise ConductRefused(src, f"exceptions[{i}]", f"{ex.product} may not be kept above the grade of a client "
                                 "of the lowest class, whatever the client insists (conduct.above_grade."
                                 "never_for_classes)")
        if r.written_warning and (ex.special_warning is None or ex.special_warning > as_of):
            raise ConductRefused(src, f"exceptions[{i}].special_warning", f"{ex.product} is above the client's grade: "
                                 "the written special warning the client signed is not recorded on or before "
                                 f"{as_of.isoformat()}")


def without_holdings(client: Any, codes) -> Any:
    """``client`` without the holdings ``codes`` (the valuation currency kept)."""
    out = client.model_copy(update={"holdings": {k: h for k, h in client.holdings.items() if k not in set(codes)}})
    out.holdings_currency = client.holdings_currency
    return out
