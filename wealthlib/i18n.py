"""Labels and number/date formats for en, zh-TW and zh-CN.

Label catalogs are YAML files in ``wealthlib/data/i18n/<domain>.yaml``; each maps a key to its text in every
locale::

    cumulative_growth: {en: Cumulative growth, zh-TW: 累積成長, zh-CN: 累计增长}

``t("charts.cumulative_growth", "zh-TW")`` looks up key ``cumulative_growth`` in ``charts.yaml``. A missing
key or locale is a ``KeyError`` naming both: a document must never print a key instead of a label.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

#: PyYAML's safe loader, libyaml's C parser when present (the package's own label and text files: same result
#: as ``yaml.safe_load``, several times faster; every command reads them)
_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LOCALES: tuple[str, ...] = ("en", "zh-TW", "zh-CN")


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; use one of {', '.join(LOCALES)}")
    return locale


@lru_cache(maxsize=None)
def catalog(domain: str) -> dict[str, dict[str, str]]:
    """The label catalog of one domain (a file shipped in the package)."""
    ref = resources.files("wealthlib") / "data" / "i18n" / f"{domain}.yaml"
    data: Any = yaml.load(ref.read_text(encoding="utf-8"), Loader=_SAFE)  # noqa: S506
    return data or {}


def t(key: str, locale: str, **fmt: Any) -> str:
    """The label ``domain.key`` in ``locale``, formatted with ``fmt`` when given."""
    check_locale(locale)
    domain, _, name = key.partition(".")
    if not name:
        raise KeyError(f"label key {key!r} must look like 'domain.name'")
    entry = catalog(domain).get(name)
    if entry is None:
        raise KeyError(f"no label {key!r} in wealthlib/data/i18n/{domain}.yaml")
    text = entry.get(locale)
    if text is None:
        raise KeyError(f"label {key!r} has no {locale} text")
    return text.format(**fmt) if fmt else text


def join_terms(items: Any, locale: str) -> str:
    """``items`` as a list in running text, separated by the locale's ``documents.term_list_separator`` (a Latin
    comma takes a space after it, the ideographic 、 none): "A, B" in English, 「A、B」 in Chinese."""
    sep = t("documents.term_list_separator", locale)
    return (sep + " " if sep.isascii() else sep).join(str(x) for x in items)


def source_text(text: str, locale: str) -> str:
    """A data-source attribution the market layer wrote in English (the vintage, an FX series' method or
    source), in ``locale``'s words where ``wealthlib/data/i18n/sources.yaml`` has an entry matching it whole
    (currency codes among its groups printed as the currency's name); else ``text`` as written."""
    import re

    check_locale(locale)
    if locale == "en" or not text:
        return text
    for entry in _sources():
        m = re.fullmatch(entry["match"], text)
        if m and locale in entry:
            groups = {k: currency_name(v, locale) if re.fullmatch(r"[A-Z]{3}", v or "") else v
                      for k, v in m.groupdict().items()}
            return entry[locale].format(**groups)
    return text


@lru_cache(maxsize=1)
def _sources() -> list[dict[str, str]]:
    ref = resources.files("wealthlib") / "data" / "i18n" / "sources.yaml"
    return list((yaml.safe_load(ref.read_text(encoding="utf-8")) or {}).get("sources") or [])


# ---------------------------------------------------------------------------------------------------------
# Number, percent, money and date formats
#
# Hand-written on purpose (no babel dependency): three locales, one grouping rule (comma every three digits,
# the customary grouping in en, zh-TW and zh-CN alike), one decimal point. Rules shared by every formatter:
#
# * a missing value (None, NaN, NaT) prints as an em dash "—", never "nan";
# * negative values carry an ASCII minus sign "-" (it survives PDF text extraction and every CJK font);
# * rounding is half-up on the decimal digits as written (2.675 → "2.68"), not banker's rounding on the
#   binary float, so a printed figure matches what a reader computes by hand; "-0" never appears.
# ---------------------------------------------------------------------------------------------------------

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MISSING = "—"

#: Each currency's name and its one amount form per locale: ``wealthlib/data/i18n/currencies.yaml``.
CURRENCIES_FILE = "wealthlib/data/i18n/currencies.yaml"


@lru_cache(maxsize=1)
def _currencies() -> dict[str, dict[str, dict[str, str]]]:
    text = resources.files("wealthlib").joinpath("data/i18n/currencies.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _check_currency(currency: str) -> str:
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii() and currency.isalpha()
            and currency.isupper()):
        raise ValueError(f"unknown currency {currency!r}; use a three-letter ISO code such as TWD, USD or CNY")
    return currency


def currency_name(currency: str, locale: str) -> str:
    """The currency as a reader names it: ``"TWD"`` in en, ``"新臺幣"`` in zh-TW, ``"人民币"`` in zh-CN.

    Codes without a Chinese name here fall back to the ISO code.
    """
    check_locale(locale)
    _check_currency(currency)
    return _currencies().get(currency, {}).get("name", {}).get(locale, currency)


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        # NaN, pandas NA/NaT and numpy nan all compare unequal to themselves (pd.NA raises on bool()).
        return bool(x != x)
    except (TypeError, ValueError):
        return True


def _decimal(x: Any) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, (bool, str, bytes)):
        raise TypeError(f"expected a number, got {x!r}")
    if isinstance(x, int):
        return Decimal(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"expected a number, got {x!r}") from None
    # repr() is the shortest string that round-trips: 2.675 → "2.675", so half-up rounding acts on the
    # digits a person sees rather than on 2.67499999… stored in binary.
    return Decimal(repr(f))


def _digits(x: Any, decimals: int, signed: bool = False) -> tuple[str, str]:
    """``(sign, grouped digits)`` of ``x`` rounded half-up to ``decimals`` places; the sign is "", "-" or "+"."""
    if not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    d = _decimal(x)
    if d.is_infinite():
        return ("-" if d < 0 else "+" if signed else ""), "∞"
    try:
        q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds: astronomically large
        raise ValueError(f"cannot format {x!r} with {decimals} decimals") from None
    sign = "-" if q < 0 else ("+" if signed and q > 0 else "")
    body = f"{abs(q):,.{decimals}f}"
    return sign, body


def fmt_number(x: Any, locale: str, decimals: int = 0, *, signed: bool = False) -> str:
    """A plain number with thousands separators: ``1234567.8 → "1,234,568"``; ``signed`` adds "+" to gains."""
    check_locale(locale)
    if _is_missing(x):
        return MISSING
    sign, body = _digits(x, decimals, signed)
    return sign + body


def fmt_pct(x: Any, locale: str, decimals: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.1234 → "12.3%"``, ``-0.05 → "-5.0%"``; the same form in all locales."""
    check_locale(locale)
    if _is_missing(x):
        return MISSING
    sign, body = _digits(_decimal(x) * 100, decimals, signed)
    return f"{sign}{body}%"


def fmt_money(amount: Any, currency: str, locale: str, decimals: int = 0, *, symbol: bool = False) -> str:
    """An amount of money in the one form of its locale (``wealthlib/data/i18n/currencies.yaml``), the same in
    prose and in tables:

    ========  =======================  ======================
    locale    TWD                      USD
    ========  =======================  ======================
    en        ``TWD 1,234,567``         ``USD 1,234``
    zh-TW     ``新臺幣 1,234,567 元``    ``1,234 美元``
    zh-CN     ``新台币 1,234,567 元``    ``1,234 美元``
    ========  =======================  ======================

    CNY prints ``CNY 1,234`` / ``人民幣 1,234 元`` / ``人民币 1,234 元``. A negative amount puts the minus sign
    before the digits (``TWD -1,234``, ``新臺幣 -1,234 元``). A currency the file does not name prints its ISO
    code before the digits. ``symbol`` is accepted for older callers and changes nothing: there is no second,
    compact form (NT$, US$, ¥) in any document.
    """
    del symbol  # one form per locale
    check_locale(locale)
    _check_currency(currency)
    if _is_missing(amount):
        return MISSING
    sign, body = _digits(amount, decimals)
    form = _currencies().get(currency, {}).get("amount", {}).get(locale) or f"{currency} {{n}}"
    return form.format(n=sign + body)


def _as_date(d: Any) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    if isinstance(d, str):
        try:
            return _dt.date.fromisoformat(d.strip()[:10])
        except ValueError:
            raise ValueError(f"cannot read {d!r} as a date; use YYYY-MM-DD") from None
    to_py = getattr(d, "to_pydatetime", None) or getattr(d, "date", None)  # pandas Timestamp, numpy via pandas
    if callable(to_py):
        v = to_py()
        return v.date() if isinstance(v, _dt.datetime) else v
    raise TypeError(f"expected a date, got {d!r}")


def fmt_date(d: Any, locale: str) -> str:
    """A calendar date: en ``"31 Dec 2018"``, zh-TW and zh-CN ``"2018年12月31日"`` (Gregorian years in both).

    Accepts ``date``, ``datetime`` (its date), pandas ``Timestamp`` and ISO ``"YYYY-MM-DD"`` strings; None and
    NaT print as "—".
    """
    check_locale(locale)
    if _is_missing(d):
        return MISSING
    day = _as_date(d)
    if locale == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"
