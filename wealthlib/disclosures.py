"""Disclosure texts for client documents: general, per product, suitability, complaints, acknowledgement.

Every text lives in ``wealthlib/data/disclosures/*.yaml`` (package data, reviewed by compliance, not code),
in en, zh-TW and zh-CN, per jurisdiction (``TW``, ``CN``) where the rules differ. All files carry one version,
:data:`DISCLOSURES_VERSION`, which lands in the audit footer of every document; loading refuses files whose
versions disagree, so a document can never mix two editions of the texts.

Errors are ``ValueError`` naming the bad value: an unknown locale, jurisdiction or product type, a grade
outside 1..5, a malformed currency code. The texts are plain strings (no HTML); templates escape them like
any other text.
"""

from __future__ import annotations

import numbers
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import yaml

from .errors import InputError
from .i18n import LOCALES, _check_currency, check_locale, currency_name

def _load(text: str) -> Any:
    """A shipped disclosures file's YAML: ``yaml.safe_load``'s result, parsed by libyaml when present (every
    command that loads a policy reads these files; the pure-Python parser took a quarter of a second)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loader


__all__ = [
    "DISCLOSURES_VERSION",
    "JURISDICTIONS",
    "PRODUCT_TYPES",
    "acknowledgement",
    "complaint_channel",
    "conduct_texts",
    "general_disclosures",
    "grade_label",
    "past_performance",
    "product_disclosures",
    "suitability_statement",
]

_FILES = ("general", "products", "suitability", "complaints", "acknowledgement", "conduct")
# Print order of the product risks (a type lists the ones that apply to it).
_RISK_ORDER = ("market", "fx", "overseas", "interest_rate", "credit", "high_yield", "liquidity", "concentration",
               "commodity", "not_deposit")


def _source(name: str) -> str:
    return f"wealthlib/data/disclosures/{name}.yaml"


def _check_texts(node: Any, name: str, path: str) -> None:
    """Every leaf mapping that holds an ``en`` text must hold all three locales, non-empty."""
    if isinstance(node, dict):
        if "en" in node:
            for loc in LOCALES:
                text = node.get(loc)
                if not isinstance(text, str) or not text.strip():
                    raise InputError(_source(name), f"{path}.{loc}".lstrip("."), "missing or empty text")
        for key, value in node.items():
            if key not in LOCALES:
                _check_texts(value, name, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _check_texts(item, name, f"{path}[{i}]")


@lru_cache(maxsize=None)
def _data() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in _FILES:
        ref = resources.files("wealthlib") / "data" / "disclosures" / f"{name}.yaml"
        doc = _load(ref.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or not str(doc.get("version") or "").strip():
            raise InputError(_source(name), "version", "every disclosures file needs a non-empty version")
        _check_texts(doc, name, "")
        out[name] = doc
    versions = {name: str(doc["version"]) for name, doc in out.items()}
    if len(set(versions.values())) != 1:
        listed = ", ".join(f"{n}={v}" for n, v in versions.items())
        raise InputError(_source("general"), "version", f"disclosures files disagree on the version ({listed})")
    return out


DISCLOSURES_VERSION: str = str(_data()["general"]["version"])
#: The jurisdictions the texts are written for: those of general.yaml (a policy's ``jurisdiction`` must be one).
JURISDICTIONS = tuple(_data()["general"]["jurisdictions"])
PRODUCT_TYPES: tuple[str, ...] = tuple(_data()["products"]["types"])


def _check_jurisdiction(jurisdiction: str) -> str:
    if jurisdiction not in JURISDICTIONS:
        raise ValueError(f"unknown jurisdiction {jurisdiction!r}; use one of {', '.join(JURISDICTIONS)}")
    return jurisdiction


def _check_grade(grade: Any, what: str = "grade") -> int:
    """A risk grade 1..5 as an int (numpy integers accepted; bools, floats and strings are not)."""
    if isinstance(grade, numbers.Integral) and not isinstance(grade, bool) and 1 <= int(grade) <= 5:
        return int(grade)
    raise ValueError(f"{what} {grade!r} is out of range; risk grades run from 1 to 5")


def _check_type(product_type: str) -> dict[str, Any]:
    types = _data()["products"]["types"]
    if product_type not in types:
        raise ValueError(f"unknown product type {product_type!r}; known types: {', '.join(types)}")
    return types[product_type]


def _text(node: dict[str, str], locale: str, **fmt: Any) -> str:
    text = node[locale]
    return text.format(**fmt) if fmt else text


def conduct_texts(jurisdiction: str) -> dict[str, Any]:
    """The client-protection texts of ``jurisdiction`` (``conduct.yaml``), each leaf a mapping locale → text;
    ``{}`` where the jurisdiction has none (the policy's ``conduct:`` says which rules print)."""
    _check_jurisdiction(jurisdiction)
    return _data()["conduct"]["jurisdictions"].get(jurisdiction, {})


def grade_label(grade: int, jurisdiction: str = "TW") -> str:
    """``RR3`` in Taiwan (SITCA grades), ``R3`` on the mainland."""
    _check_jurisdiction(jurisdiction)
    return f"{_data()['products']['grade_prefix'][jurisdiction]}{_check_grade(grade)}"


def general_disclosures(locale: str, jurisdiction: str = "TW") -> list[str]:
    """The disclosures every proposal and review prints, in order.

    Taiwan: SITCA's 「投資一定有風險，基金投資有賺有賠，申購前應詳閱公開說明書」 first; then past performance,
    hypothetical backtests, projections not guaranteed, FX risk of foreign-currency products, not a deposit,
    based on the client's data. Mainland: 「理财非存款、产品有风险、投资须谨慎」 and the fund warning first.
    """
    check_locale(locale)
    _check_jurisdiction(jurisdiction)
    return [_text(item, locale) for item in _data()["general"]["jurisdictions"][jurisdiction]]


def past_performance(locale: str, jurisdiction: str = "TW") -> str:
    """The jurisdiction's past-performance sentence (general.yaml, id ``past_performance``), printed beside every
    historical figure (the mainland: 中国银行业协会《理财产品过往业绩展示行为准则》, 2023); "" where none."""
    check_locale(locale)
    _check_jurisdiction(jurisdiction)
    for item in _data()["general"]["jurisdictions"][jurisdiction]:
        if item.get("id") == "past_performance":
            return _text(item, locale)
    return ""


def product_disclosures(
    product_type: str,
    grade: int,
    locale: str,
    currency: str | None = None,
    base_currency: str | None = None,
    *,
    jurisdiction: str = "TW",
    product: Any = None,
    signed_on: Any = None,
) -> list[str]:
    """The risk disclosures of one product: its grade, the risks that apply, and its maximum loss.

    Lines, in order: the words the jurisdiction requires on the ``product``'s category (its ``category``, e.g.
    a mainland bank's wealth product or a fund; ``products.yaml`` of the disclosures); the grade and what it
    means, and the issuer's grade where the product records a different one (the higher is used); market, FX
    (only when ``currency`` and ``base_currency`` are both given and differ), interest rate, credit, liquidity,
    concentration, commodity risks as they apply to ``product_type``, and the product's ``extra_risks``; its
    cooling-off period with the dates when it has one (from ``signed_on``, the document's date); the
    maximum-loss statement last ("you may lose all the money invested" for single stocks).
    """
    check_locale(locale)
    _check_jurisdiction(jurisdiction)
    spec = _check_type(product_type)
    grade = _check_grade(grade)
    if currency is not None:
        _check_currency(currency)
    if base_currency is not None:
        _check_currency(base_currency)
    data = _data()["products"]

    category = getattr(product, "category", None)
    words = data["categories"].get(jurisdiction, {}).get(category) if category else None
    lines = [_text(words, locale)] if words else []
    lines.append(_text(data["grade_line"], locale, grade=grade_label(grade, jurisdiction),
                       low=grade_label(1, jurisdiction), high=grade_label(5, jurisdiction),
                       meaning=_text(data["grade_meaning"][grade], locale)))
    issuer = getattr(product, "issuer_grade", None)
    if issuer is not None and issuer != grade:
        lines.append(_text(data["issuer_grade"], locale, issuer=grade_label(issuer, jurisdiction),
                           grade=grade_label(grade, jurisdiction)))
    applies = set(spec["risks"]) | set(getattr(product, "extra_risks", None) or ())
    unknown = sorted(applies - set(data["risks"]) - {"fx", "high_yield"})
    if unknown:
        raise ValueError(f"unknown risk {unknown[0]!r}; known risks: {', '.join(data['risks'])}")
    if currency is not None and base_currency is not None and currency != base_currency:
        applies.add("fx")
    if "credit" in applies and grade >= int(spec.get("high_yield_from_grade", 99)):
        applies.add("high_yield")
    for risk in _RISK_ORDER:
        if risk in applies:
            fmt = {}
            if risk == "fx":
                fmt = {"currency": currency_name(currency, locale), "base": currency_name(base_currency, locale)}
            lines.append(_text(data["risks"][risk], locale, **fmt))
    hours = getattr(product, "cooling_off_hours", None)
    if hours:
        from datetime import datetime, timedelta

        from .i18n import fmt_date

        start = datetime.combine(signed_on, datetime.min.time()) if signed_on is not None else None
        lines.append(_text(data["cooling_off"], locale, hours=hours,
                           date=fmt_date(signed_on, locale) if start else "—",
                           end=fmt_date((start + timedelta(hours=hours)).date(), locale) if start else "—"))
    lines.append(_text(data["max_loss"][spec["max_loss"][grade - 1]], locale))
    return lines


def suitability_statement(
    rows: Iterable[tuple[str, str, int]],
    ceiling: int,
    class_name: str,
    locale: str,
    *,
    jurisdiction: str = "TW",
) -> str:
    """Each proposed product's grade against the client's ceiling, in plain words, one sentence a line.

    ``rows`` are ``(code, name, grade)``; ``ceiling`` is the class's highest allowed grade
    (``policy.ceiling(code)``); ``class_name`` the class as the client knows it (``保守型``). A product above
    the ceiling is named as such, held only under a recorded exception; the last line sums up.
    """
    check_locale(locale)
    _check_jurisdiction(jurisdiction)
    ceiling = _check_grade(ceiling, "ceiling")
    data = _data()["suitability"]
    cap = grade_label(ceiling, jurisdiction)
    lines = [_text(data["header"], locale, class_name=class_name, ceiling=cap,
                   low=grade_label(1, jurisdiction), high=grade_label(5, jurisdiction))]
    above = 0
    rows = list(rows)
    for row in rows:
        try:
            code, name, grade = row
        except (TypeError, ValueError):
            raise ValueError(f"suitability row {row!r} must be (code, name, grade)") from None
        grade = _check_grade(grade, f"grade of {code}")
        key = "within" if grade <= ceiling else "above"
        above += key == "above"
        lines.append(_text(data[key], locale, code=code, name=name, grade=grade_label(grade, jurisdiction),
                           ceiling=cap))
    if not rows:
        lines.append(_text(data["none"], locale))
    elif above:
        lines.append(_text(data["some_above"], locale, n=above))
    else:
        lines.append(_text(data["all_within"], locale))
    return "\n".join(lines)


def complaint_channel(
    locale: str,
    jurisdiction: str = "TW",
    *,
    firm: str | None = None,
    contact: str | None = None,
) -> str:
    """How to complain: the firm first (``firm`` and ``contact`` when given), then the outside body.

    Taiwan: answer within 30 days, then 財團法人金融消費評議中心 (FOI) within 60 days, 0800-789-885.
    Mainland: the firm, then 12378 (banking, wealth-management and insurance) or 12386 (securities, futures,
    funds), or a financial dispute mediation organisation.
    """
    check_locale(locale)
    _check_jurisdiction(jurisdiction)
    data = _data()["complaints"]
    name = firm.strip() if firm and firm.strip() else _text(data["firm_default"], locale)
    channel = _text(data["contact_format"], locale, firm=name, contact=contact.strip()) if contact and contact.strip() else name
    return _text(data["jurisdictions"][jurisdiction], locale, firm_channel=channel)


def acknowledgement(
    locale: str,
    jurisdiction: str = "TW",
    *,
    exception: bool = False,
    foreign_currency: bool = True,
) -> dict[str, Any]:
    """The 風險預告書 / 確認書 block: ``{"title", "intro", "statements", "hand_copy", "signature_labels",
    "version"}`` (``hand_copy``: ``{"instruction", "sentence"}`` the client copies by hand, or ``None``).

    ``statements`` are what the client confirms by signing; the exception statement is included only when the
    proposal carries a suitability exception, the FX statement only when it holds a foreign-currency product.
    ``signature_labels`` has the keys ``client``, ``seal``, ``advisor``, ``supervisor``, ``date``.
    """
    check_locale(locale)
    _check_jurisdiction(jurisdiction)
    data = _data()["acknowledgement"]["jurisdictions"][jurisdiction]
    conditions = {"exception": exception, "foreign_currency": foreign_currency}
    statements = []
    for item in data["statements"]:
        when = item.get("when")
        if when is not None and when not in conditions:
            raise InputError(_source("acknowledgement"), "statements.when", f"unknown condition {when!r}")
        if when is None or conditions[when]:
            statements.append(_text(item, locale))
    hand = data.get("hand_copy")
    return {
        "title": _text(data["title"], locale),
        "intro": _text(data["intro"], locale),
        "statements": statements,
        # the sentence the client copies by hand (抄录), where the jurisdiction's forms have one, else None
        "hand_copy": {k: _text(v, locale) for k, v in hand.items()} if hand else None,
        "signature_labels": {k: _text(v, locale) for k, v in data["signature_labels"].items()},
        "version": DISCLOSURES_VERSION,
    }
