"""The product shelf (know your product) and the suitability rule.

``params/products.yaml`` lists each product: code, names per locale, asset class (one of the policy's
``asset_classes``), type, risk grade 1–5 (RR1–RR5 in Taiwan, R1–R5 in China), currency, annual fee and the
market series that stands for it (see :mod:`wealthlib.market`).

Suitability: a client's ceiling is the highest grade its risk class may hold (``policy.ceiling``); every
position with a non-zero weight (or amount) in a product graded above the ceiling is a :class:`Violation`.
A recorded exception (client declaration, supervisor approval) is handled by the caller, never here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Literal, Mapping

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ._yaml import as_error, load_yaml, pydantic_errors
from .errors import InputError, display_path
from .i18n import check_locale
from .policy import LOCALES, Locale, Policy, load_policy

DEFAULT_SHELF = Path("params/products.yaml")
ProductType = Literal["money_market", "bond_fund", "equity_index_fund", "equity_fund", "single_stock", "commodity_fund"]
MAX_ANNUAL_FEE = 0.05  # 5% a year: above this a fee is surely a typo (0.3 meant as 0.3%)


class Distribution(BaseModel):
    """What the firm is paid for selling a product (通路報酬), as rates of the amount: the client's subscription
    fee and the share of it the firm keeps, the yearly share of the product's own fee (``annual_fee``) the
    issuer passes on, a one-off sales bonus, and whether sponsorships or other rewards above the disclosure
    thresholds were received (wealthlib.fees)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    subscription_fee: float = Field(default=0.0, ge=0.0, le=0.05)
    subscription_share: float = Field(default=1.0, ge=0.0, le=1.0)
    management_fee_share: float = Field(default=0.0, ge=0.0, le=MAX_ANNUAL_FEE)
    sales_bonus: float = Field(default=0.0, ge=0.0, le=0.05)
    sponsorship: bool = False
    other_rewards: bool = False


class Product(BaseModel):
    """One product on the shelf."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    names: dict[Locale, str]
    asset_class: str
    type: ProductType
    grade: int
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    annual_fee: float
    series: str = Field(min_length=1)
    note: dict[Locale, str] = Field(default_factory=dict, description="a caveat printed with the product, per locale")
    duration: float | None = Field(default=None, ge=0.0, le=50.0,
                                   description="modified duration in years (rate shocks); None = no rate duration")
    yield_series: str | None = Field(default=None, min_length=1,
                                     description="market yield series its expected return is anchored to")
    domicile: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO country of the issuer")
    distribution: Distribution | None = None
    category: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,31}$", description=(
        "what the product is under the jurisdiction's rules (e.g. a mainland bank's `wealth` product or a `fund`): "
        "selects the category's required words in wealthlib/data/disclosures/products.yaml"))
    extra_risks: list[str] = Field(default_factory=list, description="risk keys printed besides its type's")
    issuer_grade: int | None = Field(default=None, ge=1, le=5, description=(
        "the issuer's grade where it differs from the firm's; `grade` must be the higher of the two (孰高)"))
    cooling_off_hours: int | None = Field(default=None, ge=1, le=24 * 30, description=(
        "cooling-off period after the client signs, in hours (full refund on request)"))

    @model_validator(mode="after")
    def _higher_grade_used(self) -> "Product":
        if self.issuer_grade is not None and self.issuer_grade > self.grade:
            raise ValueError("grade must be the higher of the firm's and the issuer's grade (issuer_grade is higher)")
        return self

    @model_validator(mode="after")
    def _share_within_fee(self) -> "Product":
        d = self.distribution
        if d is not None and d.management_fee_share > self.annual_fee + 1e-12:
            raise ValueError("distribution.management_fee_share cannot exceed annual_fee (it is paid out of it)")
        return self

    @field_validator("names")
    @classmethod
    def _all_locales(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [loc for loc in LOCALES if not (v.get(loc) or "").strip()]
        if missing:
            raise ValueError(f"needs a name in every locale; missing {', '.join(missing)}")
        return v

    @field_validator("note")
    @classmethod
    def _note_locales(cls, v: dict[str, str]) -> dict[str, str]:
        # a caveat shown to one language's clients and not another's would be a disclosure gap
        missing = [loc for loc in LOCALES if not (v.get(loc) or "").strip()] if v else []
        if missing:
            raise ValueError(f"a note needs text in every locale; missing {', '.join(missing)}")
        return v

    @field_validator("grade", mode="before")
    @classmethod
    def _grade(cls, v: object) -> object:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5:
            raise ValueError(f"grade must be a whole number from 1 to 5 (RR1–RR5), got {v!r}")
        return v

    @field_validator("annual_fee", mode="before")
    @classmethod
    def _fee(cls, v: object) -> object:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= float(v) <= MAX_ANNUAL_FEE:
            raise ValueError(f"annual_fee must be a yearly rate from 0 to {MAX_ANNUAL_FEE} (0.003 = 0.3%), got {v!r}")
        return float(v)

    def name(self, locale: str = "en") -> str:
        """The product's name in ``locale`` (en, zh-TW, zh-CN)."""
        return self.names[check_locale(locale)]  # type: ignore[index]

    def note_in(self, locale: str = "en") -> str:
        """The product's caveat in ``locale``, or "" when it has none."""
        return self.note.get(check_locale(locale), "")  # type: ignore[call-overload]


class _ShelfFile(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    version: str = Field(min_length=1)
    products: list[Product] = Field(min_length=1)


class Shelf:
    """The products a firm sells, in file order."""

    def __init__(self, version: str, products: list[Product], source: str = "", asset_class_order: list[str] | None = None):
        self.version = version
        self.products = list(products)
        self.source = source
        self._by_code = {p.code: p for p in self.products}
        if len(self._by_code) != len(self.products):
            raise ValueError("product codes must be unique")
        order = list(asset_class_order or [])
        self._classes = order + [c for c in dict.fromkeys(p.asset_class for p in self.products) if c not in order]

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.products]

    def get(self, code: str) -> Product:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"no product {code!r} on the shelf {self.source or ''}".rstrip()) from None

    def __len__(self) -> int:
        return len(self.products)

    def __iter__(self) -> Iterator[Product]:
        return iter(self.products)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __repr__(self) -> str:
        return f"Shelf(version={self.version!r}, {len(self)} products, source={self.source!r})"

    def by_class(self) -> dict[str, list[str]]:
        """Asset class → product codes; every policy asset class is a key (possibly with an empty list)."""
        out: dict[str, list[str]] = {c: [] for c in self._classes}
        for p in self.products:
            out[p.asset_class].append(p.code)
        return out

    def _series(self, attr: str, name: str) -> pd.Series:
        return pd.Series({p.code: getattr(p, attr) for p in self.products}, name=name)

    def grades(self) -> pd.Series:
        """Product code → risk grade (int)."""
        return self._series("grade", "grade").astype(int)

    def asset_classes(self) -> pd.Series:
        return self._series("asset_class", "asset_class")

    def currencies(self) -> pd.Series:
        return self._series("currency", "currency")

    def durations(self) -> dict[str, float | None]:
        """Product code → modified duration in years, None for a product without one (equity, commodity)."""
        return {p.code: p.duration for p in self.products}

    def fees(self) -> pd.Series:
        """Product code → annual fee (0.003 = 0.3% a year)."""
        return self._series("annual_fee", "annual_fee").astype(float)


def load_shelf(path: str | Path = DEFAULT_SHELF, policy: Policy | None = None) -> Shelf:
    """Load and validate a shelf; every problem is an :class:`InputError` naming file and field.

    Checks: known fields only; codes unique; names in en, zh-TW, zh-CN; grade 1–5; asset class one of the
    policy's ``asset_classes`` (``policy`` defaults to ``load_policy()``, i.e. ``params/policy.yaml``);
    type one of the known types; currency a 3-letter code; 0 ≤ annual_fee ≤ 0.05. Several problems →
    :class:`InputErrors` listing them all.
    """
    source = display_path(path)
    data = load_yaml(path, within=Path(path).parent)  # the params folder
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping at the top level")
    if policy is None:
        policy = load_policy()
    errors: list[InputError] = []
    try:
        parsed = _ShelfFile.model_validate(data)
    except ValidationError as exc:
        errors = pydantic_errors(source, exc)
        parsed = None
    items = data.get("products") if isinstance(data.get("products"), list) else []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        code = item.get("code")
        if isinstance(code, str):
            if code in seen:
                errors.append(InputError(source, f"products.{i}.code", f"duplicate code {code!r} (also products.{seen[code]})"))
            else:
                seen[code] = i
        ac = item.get("asset_class")
        if isinstance(ac, str) and ac not in policy.asset_classes:
            errors.append(
                InputError(
                    source, f"products.{i}.asset_class",
                    f"unknown asset class {ac!r}; the policy ({policy.version}) has {', '.join(policy.asset_classes)}",
                )  # fmt: skip
            )
    if errors:
        errors.sort(key=lambda e: _field_key(e.field))
        raise as_error(errors)
    assert parsed is not None
    return Shelf(parsed.version, parsed.products, source, list(policy.asset_classes))


def _field_key(field: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in field.split("."))


def suitability_ceiling(policy: Policy, risk_class: str) -> int:
    """Highest product grade a client of ``risk_class`` may hold, from the policy's active ladder."""
    return policy.ceiling(risk_class)


@dataclass(frozen=True)
class Violation:
    """A position in a product graded above the client's ceiling."""

    code: str
    grade: int
    ceiling: int

    def __str__(self) -> str:
        return f"{self.code} has risk grade {self.grade}, above the client's ceiling of {self.ceiling}"


def check_suitability(positions: Mapping[str, float], shelf: Shelf, ceiling: int, tol: float = 1e-9) -> list[Violation]:
    """Every position with ``|weight or amount| > tol`` in a product whose grade is above ``ceiling``, in the
    order given. An unknown product code is a ``KeyError`` naming it (even at zero weight: a typo is not
    suitable by default)."""
    if isinstance(ceiling, bool) or not isinstance(ceiling, int) or not 1 <= ceiling <= 5:
        raise ValueError(f"ceiling must be a grade from 1 to 5, got {ceiling!r}")
    out = []
    for code, amount in positions.items():
        product = shelf.get(code)
        a = float(amount)
        if a != a:
            raise ValueError(f"position {code!r} is NaN")
        if abs(a) > tol and product.grade > ceiling:
            out.append(Violation(code, product.grade, ceiling))
    return out
