"""Firm policy as data: the class ladder, score cut-offs, suitability matrix, allocation bands, KYC validity.

Loaded from ``params/policy.yaml`` (see that file for the fields). Different firms and jurisdictions differ
only here, never in code. ``Policy.version`` lands in every document's audit footer.

The suitability matrix is the ladder itself: each class carries ``max_grade``, the highest product risk grade
(RR1–RR5, R1–R5) it may hold, so ``policy.ceiling(code)`` is the matrix lookup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ._yaml import load_yaml, validate_model
from .errors import InputError, display_path

Locale = Literal["en", "zh-TW", "zh-CN"]
LOCALES: tuple[str, ...] = ("en", "zh-TW", "zh-CN")
DEFAULT_POLICY = Path("params/policy.yaml")


from .guard.rules import GuardRules  # noqa: E402
from .advisors import AdvisorRules  # noqa: E402
from .conduct import ConductRules  # noqa: E402
from .fees import FeeRules  # noqa: E402


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


#: Ranges a firm could mean (a value outside is a typo such as ``1e308``, refused with the range): γ of the
#: mean-variance utility (textbook values 1–10; the shipped ladders use 2–20), and a class's annualized
#: volatility cap (0.5% to 100% a year).
RISK_AVERSION_RANGE = (0.5, 100.0)
VOLATILITY_CAP_RANGE = (0.005, 1.0)


def _in_range(value: float, lo: float, hi: float, what: str) -> float:
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be between {lo:g} and {hi:g}")
    return value


class RiskClass(_Strict):
    """One rung of a class ladder."""

    code: str
    names: dict[Locale, str]
    min_share: float = Field(ge=0.0, le=1.0, description="score share (of the maximum) that reaches this class")
    max_grade: int = Field(ge=1, le=5, description="suitability ceiling: highest product grade allowed")
    risk_aversion: float = Field(gt=0, description="γ in the mean-variance utility μᵀw − γ/2·wᵀΣw")
    volatility_cap: float = Field(gt=0, description="annualized volatility cap for the max-return objective")
    bands: dict[str, tuple[float, float]] = Field(description="asset class → (min, max) weight")

    @field_validator("risk_aversion")
    @classmethod
    def _gamma(cls, v: float) -> float:
        return _in_range(v, *RISK_AVERSION_RANGE, "risk aversion γ")

    @field_validator("volatility_cap")
    @classmethod
    def _vol(cls, v: float) -> float:
        return _in_range(v, *VOLATILITY_CAP_RANGE, "an annualized volatility cap")

    @field_validator("bands")
    @classmethod
    def _bands_ordered(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (lo, hi) in v.items():
            if not 0.0 <= lo <= hi <= 1.0:
                raise ValueError(f"band for {name} must satisfy 0 ≤ min ≤ max ≤ 1, got [{lo}, {hi}]")
        return v

    def name(self, locale: str = "en") -> str:
        return self.names.get(locale, self.names.get("en", self.code))  # type: ignore[call-overload]


class Ladder(_Strict):
    """An ordered list of classes, lowest risk first."""

    description: str = ""
    elderly_max_class: str | None = None
    classes: list[RiskClass] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> "Ladder":
        shares = [c.min_share for c in self.classes]
        grades = [c.max_grade for c in self.classes]
        if shares[0] != 0.0:
            raise ValueError("the lowest class must have min_share 0")
        if shares != sorted(shares) or len(set(shares)) != len(shares):
            raise ValueError("classes must be listed with strictly increasing min_share")
        if grades != sorted(grades):
            raise ValueError("max_grade must not decrease up the ladder")
        codes = [c.code for c in self.classes]
        if len(set(codes)) != len(codes):
            raise ValueError("class codes must be unique")
        if self.elderly_max_class is not None and self.elderly_max_class not in codes:
            raise ValueError(f"elderly_max_class {self.elderly_max_class!r} is not a class of this ladder")
        return self

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.classes]

    def rank(self, code: str) -> int:
        """Position on the ladder, 0 = lowest risk."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise KeyError(f"unknown risk class {code!r}; this ladder has {', '.join(self.codes)}") from None

    def get(self, code: str) -> RiskClass:
        return self.classes[self.rank(code)]

    def for_share(self, share: float) -> RiskClass:
        """The highest class whose ``min_share`` the score share reaches."""
        chosen = self.classes[0]
        for c in self.classes:
            if share + 1e-12 >= c.min_share:
                chosen = c
        return chosen

    def lower(self, a: str, b: str) -> str:
        """The more conservative of two class codes."""
        return a if self.rank(a) <= self.rank(b) else b


class KycRules(_Strict):
    """KYC rules: validity, the elderly age, whether staff may override a class upward, and how often a client
    may be assessed (``kyc:`` in the policy file).

    ``upward_override: false`` (a mainland bank: no "client insists" exception and no upward change of a class
    by staff for bank wealth products) refuses a client file whose override names a class above the assessed
    one, naming the file. ``max_assessments_per_day`` / ``max_assessments_12m`` (the mainland: 2 and 8) bound
    the assessments the client file records (``kyc`` and ``kyc.history``): more on one day, or in any 12
    months, is refused naming the file. ``reassess_on_reported_change`` refuses a new proposal while the client
    file records a change of circumstances reported after the assessment (``kyc.reported_change``).
    """

    validity_months: int = Field(default=12, ge=1, le=60)
    elderly_age: int = Field(default=65, ge=50, le=100)
    upward_override: bool = True
    # a change the client reported after the assessment (client file kyc.reported_change) needs a new assessment
    # before a new proposal (the mainland: NFRA 2025 Art 29, redone when the client reports a change)
    reassess_on_reported_change: bool = False
    max_assessments_per_day: int | None = Field(default=None, ge=1, le=100)
    max_assessments_12m: int | None = Field(default=None, ge=1, le=1000)


class EstimatorChoice(_Strict):
    returns: Literal["historical", "shrunk_mean", "equilibrium", "black_litterman"] = "shrunk_mean"
    covariance: Literal["sample", "ledoit_wolf", "oas", "ewma"] = "ledoit_wolf"
    window_years: int = Field(default=15, ge=1, le=100)
    frequency: Literal["monthly", "daily"] = "monthly"
    # "yield": a product with a yield_series (products.yaml) expects the yield of the as-of date instead of the
    # estimator's figure (wealthlib.estimate.anchor_to_yields); "estimator": every product from `returns`.
    bond_returns: Literal["estimator", "yield"] = "estimator"


class AllocationRules(_Strict):
    objective: Literal["mean_variance", "max_return", "min_cvar", "risk_parity"] = "mean_variance"
    max_product_weight: dict[str, float] = Field(default_factory=dict, description="asset class → cap per product")
    max_type_weight: dict[str, float] = Field(default_factory=dict, description="product type → cap per product")
    min_position: float = Field(default=0.0, ge=0.0, lt=1.0)
    turnover_limit: float | None = Field(default=None, gt=0.0, le=2.0)  # one-way: 2 = sell everything, buy anew
    transaction_cost: float = Field(default=0.0, ge=0.0, lt=0.1)
    max_foreign_currency: float | None = Field(default=None, ge=0.0, le=1.0)
    estimator: EstimatorChoice = EstimatorChoice()

    @field_validator("max_product_weight", "max_type_weight")
    @classmethod
    def _caps(cls, v: dict[str, float]) -> dict[str, float]:
        for key, cap in v.items():
            if not 0.0 < cap <= 1.0:
                raise ValueError(f"the cap for {key} must be a weight above 0 and at most 1")
        return v


class DriftBands(_Strict):
    """How far a position may drift from its target weight before a review trades it back.

    The half-width of the band around a target weight ``w`` is ``absolute`` when ``w > small_weight``, else
    ``relative · w`` (DOMAIN.md §5 practice: ±3 points, or ±½ of the weight for positions of 3% or less; a 0%
    target has no band, so any holding of it is outside).
    """

    absolute: float = Field(default=0.03, gt=0.0, lt=1.0, description="band half-width in weight points")
    small_weight: float = Field(default=0.03, ge=0.0, lt=1.0, description="targets at or below use the relative band")
    relative: float = Field(default=0.5, gt=0.0, le=1.0, description="share of a small target that is its half-width")

    def half_width(self, target: float) -> float:
        """Half-width of the band around ``target`` (a weight)."""
        return self.absolute if target > self.small_weight + 1e-12 else self.relative * max(target, 0.0)


class ReviewRules(_Strict):
    drift_bands: DriftBands = DriftBands()


class FxRules(_Strict):
    """How the firm treats currencies (``fx:`` in the policy file).

    ``not_modeled``: currency pairs ``"CCY/BASE"`` (e.g. ``"USD/TWD"``) the firm explicitly chooses not to
    model: a CCY product held by a BASE client is then taken at its CCY returns, and every affected document
    says so in its assumptions and its risk section. Any other pair the market lacks stops the command.
    ``reporting_currency``: the one currency the book report totals AUM in (converted at the report date's
    rates); ``None`` = totals per base currency only.
    """

    not_modeled: list[str] = Field(default_factory=list)
    reporting_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @field_validator("not_modeled")
    @classmethod
    def _pairs(cls, v: list[str]) -> list[str]:
        import re

        for pair in v:
            if not re.fullmatch(r"[A-Z]{3}/[A-Z]{3}", pair) or pair[:3] == pair[4:]:
                raise ValueError(f"a currency pair is written CCY/BASE with two different ISO codes, e.g. USD/TWD; got {pair!r}")
        return v


class WhatIfRules(_Strict):
    """What the advisor's what-if panel (:mod:`wealthlib.studio`) may offer and ``wealth render`` accepts
    (``what_if:`` in the policy file).

    ``risk_aversion``: the range of γ, as multiples of the client's class's own γ; ``volatility_cap_min``: the
    lowest volatility target of ``max_return``, as a multiple of the class's cap (the cap itself is the top);
    ``upward_override``: whether a what-if may override the class above the assessed one (a mainland firm sets
    ``false``: no client-insists override for 理财).
    """

    risk_aversion: tuple[float, float] = (0.5, 2.0)
    volatility_cap_min: float = Field(default=0.5, gt=0.0, le=1.0)
    upward_override: bool = True

    @field_validator("risk_aversion")
    @classmethod
    def _range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0.0 < v[0] <= 1.0 <= v[1]:
            raise ValueError("risk_aversion is [low, high] multiples of the class's γ with 0 < low ≤ 1 ≤ high")
        return v


class SalesCareRules(_Strict):
    """The extra steps of a sale (``sales_care:`` in the policy file; a mainland bank: 双录 of every branch sale
    of wealth products, 银监办发〔2017〕110号, and special care for clients aged 65+ buying high-risk products,
    NFRA 2025 Art 18): ``dual_recording`` prints the recording's status from the client file (``sale``); a
    second person's review is required when the client is ``second_review_age`` or older, or buys a product
    graded ``second_review_grade`` or higher, and its status printed. Nothing set = no such section content."""

    dual_recording: bool = False
    second_review_age: int | None = Field(default=None, ge=18, le=120)
    second_review_grade: int | None = Field(default=None, ge=1, le=5)


class CreditRules(_Strict):
    """Credit support (``credit:`` in the policy file; a bank's proposal section ``credit``): the ceiling on the
    client's monthly loan repayments as a share of monthly income (``debt_service_ceiling``); the room for a
    new loan's repayment is the ceiling times monthly income less the existing repayments."""

    debt_service_ceiling: float = Field(gt=0, le=1)


class FollowUpVisit(_Strict):
    days_after_sale: int = Field(ge=0, le=365)
    by: dict[Locale, str]            # who visits, in each locale's words
    channel: dict[Locale, str]       # how (a call, a branch meeting), in each locale's words


class FollowUpRules(_Strict):
    """The follow-up visits after a sale (``follow_up:`` in the policy file; a bank's 回访): each visit's days
    after the sale, by whom and how, printed in the proposal (section ``follow_up``); the client's rating of a
    visit on ``satisfaction_scale``, a visit rated ``satisfied_from`` or above counting as satisfied in the
    book report's advisor measures."""

    visits: list[FollowUpVisit] = Field(min_length=1)
    satisfaction_scale: int = Field(default=5, ge=2, le=10)
    satisfied_from: int = Field(default=4, ge=1, le=10)

    @model_validator(mode="after")
    def _within_scale(self) -> "FollowUpRules":
        if self.satisfied_from > self.satisfaction_scale:
            raise ValueError("satisfied_from must be on the satisfaction scale (≤ satisfaction_scale)")
        return self


class ComplaintRules(_Strict):
    """How long the firm has to answer a complaint (``complaints:`` in the policy file): ``answer_days`` (Taiwan
    30; the mainland 15), ``complex_answer_days`` for a complex case (the mainland 30), and ``review_days``
    within which a higher office reviews a decision the client contests (the mainland 30). ``None`` = no such
    deadline. The book report flags complaints open longer than ``answer_days``."""

    answer_days: int | None = Field(default=None, ge=1, le=365)
    complex_answer_days: int | None = Field(default=None, ge=1, le=365)
    review_days: int | None = Field(default=None, ge=1, le=365)


class Policy(_Strict):
    """A firm's policy file."""

    version: str
    firm: str | dict[Locale, str] = ""  # the firm's name, or its name per locale (documents print the client's)
    firm_contact: str | dict[Locale, str] = ""  # where clients complain (printed in the complaint channel)
    jurisdiction: str = "TW"
    ladder: str
    questionnaire: str = "firm_kyc"
    asset_classes: list[str]
    kyc: KycRules = KycRules()
    ladders: dict[str, Ladder]
    grable_lytton_map: dict[str, dict[str, str]] = Field(default_factory=dict)
    allocation: AllocationRules = AllocationRules()
    review: ReviewRules = ReviewRules()
    guard: GuardRules = GuardRules()  # forbidden claims, signing, archive, access (wealthlib.guard)
    fx: FxRules = FxRules()
    what_if: WhatIfRules = WhatIfRules()  # the draft's what-if panel (wealthlib.studio)
    advisors: AdvisorRules | None = None  # the advisor registry and the licences a signer needs (wealthlib.advisors)
    conduct: ConductRules = ConductRules()  # client-protection rules of the jurisdiction (wealthlib.conduct)
    fees: FeeRules = FeeRules()  # the firm's own fees (wealthlib.fees)
    # each document kind's section list, replacing the package's (wealthlib/data/documents/sections.yaml)
    documents: dict[str, list[str]] = Field(default_factory=dict)
    complaints: ComplaintRules = ComplaintRules()  # answer deadlines (wealthlib.book)
    # whether a client's documents (proposal, review) print the client file's id beside the name: an internal
    # code a mainland bank's documents leave out (the book report, the advisors' own, always has it)
    print_client_id: bool = True
    follow_up: FollowUpRules | None = None  # 回访 after a sale (wealthlib._doc.proposal.visits, wealthlib.book)
    credit: CreditRules | None = None  # debt-service ceiling of the credit-support section (wealthlib._doc.proposal.credit)
    sales_care: SalesCareRules = SalesCareRules()  # 双录 and second review of a sale (wealthlib._doc.proposal.care)
    source: str = Field(default="", exclude=True, description="where it was loaded from")

    @field_validator("asset_classes")
    @classmethod
    def _unique_classes(cls, v: list[str]) -> list[str]:
        seen = [a for i, a in enumerate(v) if a in v[:i]]
        if seen:
            raise ValueError(f"asset classes must be listed once each; listed twice: {', '.join(sorted(set(seen)))}")
        if not v:
            raise ValueError("at least one asset class is required")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Policy":
        if self.ladder not in self.ladders:
            raise ValueError(f"ladder {self.ladder!r} is not one of the ladders defined ({', '.join(self.ladders)})")
        for lname, ladder in self.ladders.items():
            for c in ladder.classes:
                unknown = set(c.bands) - set(self.asset_classes)
                if unknown:
                    raise ValueError(f"ladders.{lname}: class {c.code} has bands for unknown asset classes {sorted(unknown)}")
                lo = sum(c.bands.get(a, (0.0, 1.0))[0] for a in self.asset_classes)
                hi = sum(c.bands.get(a, (0.0, 1.0))[1] for a in self.asset_classes)
                if lo > 1.0 + 1e-9 or hi < 1.0 - 1e-9:
                    raise ValueError(
                        f"ladders.{lname}: class {c.code} bands cannot sum to 100% (minimums {lo:.0%}, maximums {hi:.0%})"
                    )
        for lname, mapping in self.grable_lytton_map.items():
            if lname not in self.ladders:
                raise ValueError(f"grable_lytton_map.{lname}: no such ladder")
            for band, code in mapping.items():
                if code not in self.ladders[lname].codes:
                    raise ValueError(f"grable_lytton_map.{lname}.{band}: {code!r} is not a class of that ladder")
        return self

    @field_validator("jurisdiction")
    @classmethod
    def _known_jurisdiction(cls, v: str) -> str:
        from .disclosures import JURISDICTIONS

        if v not in JURISDICTIONS:
            raise ValueError(f"no disclosure texts for jurisdiction {v!r}; wealthlib/data/disclosures has "
                             f"{', '.join(JURISDICTIONS)}")
        return v

    @field_validator("firm", "firm_contact")
    @classmethod
    def _firm_names(cls, v: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(v, dict):
            missing = [loc for loc in LOCALES if not (v.get(loc) or "").strip()]
            if missing:
                raise ValueError(f"the firm's name is needed in every locale; missing {', '.join(missing)}")
        return v

    def firm_name(self, locale: str = "en") -> str:
        """The firm's name as documents in ``locale`` print it ("" when the policy names none)."""
        if isinstance(self.firm, dict):
            return self.firm.get(locale) or self.firm.get("en", "")  # type: ignore[call-overload]
        return self.firm

    def firm_contact_in(self, locale: str = "en") -> str:
        """How clients reach the firm to complain, in ``locale`` ("" when the policy gives none)."""
        if isinstance(self.firm_contact, dict):
            return self.firm_contact.get(locale) or self.firm_contact.get("en", "")  # type: ignore[call-overload]
        return self.firm_contact

    @property
    def active(self) -> Ladder:
        """The ladder this firm uses."""
        return self.ladders[self.ladder]

    def risk_class(self, code: str) -> RiskClass:
        return self.active.get(code)

    def check_class(self, code: str, source: str, field: str) -> None:
        """An :class:`InputError` naming ``source`` and ``field`` unless ``code`` is a class of the active ladder
        (an override must name a rung the firm actually has)."""
        if code not in self.active.codes:
            raise InputError(source, field,  # the code given is not echoed: it may be client data
                             f"is not a class of ladder {self.ladder} ({', '.join(self.active.codes)})")

    def ceiling(self, code: str) -> int:
        """Suitability matrix: the highest product grade a client of class ``code`` may hold."""
        return self.active.get(code).max_grade

    def with_ladder(self, ladder: str) -> "Policy":
        """The same policy with another of its ladders selected (e.g. ``cn5``)."""
        if ladder not in self.ladders:
            raise KeyError(f"no ladder {ladder!r}; defined: {', '.join(self.ladders)}")
        return self.model_copy(update={"ladder": ladder})


def load_policy(path: str | Path = DEFAULT_POLICY) -> Policy:
    """Load and validate a policy file; every problem is an :class:`InputError` naming file and field."""
    source = display_path(path)
    data = load_yaml(path, within=Path(path).parent)  # the params folder
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping at the top level")
    policy = validate_model(Policy, data, source)
    if policy.documents:  # every key a registered section (wealthlib._doc), named with file and key
        from ._doc import check_policy_documents

        check_policy_documents(policy.documents, source)
    return policy.model_copy(update={"source": source})
