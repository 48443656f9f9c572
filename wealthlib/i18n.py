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

LOCALES: tuple[str, ...] = ("en", "zh-TW", "zh-CN")


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; use one of {', '.join(LOCALES)}")
    return locale


@lru_cache(maxsize=None)
def catalog(domain: str) -> dict[str, dict[str, str]]:
    """The label catalog of one domain (a file shipped in the package)."""
    ref = resources.files("wealthlib") / "data" / "i18n" / f"{domain}.yaml"
    data: Any = yaml.safe_load(ref.read_text(encoding="utf-8"))
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
