"""Parsers for the command-line options every ``wealth`` command group shares (one message each)."""

from __future__ import annotations

from datetime import date
from typing import Optional

from .errors import InputError


def parse_as_of(value: str) -> date:
    """``--as-of``: an ISO date."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("--as-of", "", f"not a date in YYYY-MM-DD form: {value!r}") from None


def parse_formats(value: str) -> tuple[str, ...]:
    """``--format``: comma-separated output formats, each one the render pipeline knows, in order, no repeats."""
    from .render import FORMATS

    fmts = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise InputError("--format", "", f"unknown format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    return fmts


def parse_locale(value: Optional[str]) -> Optional[str]:
    """``--lang``: en, zh-TW or zh-CN (None: the client's own language)."""
    from .i18n import LOCALES

    if value is not None and value not in LOCALES:
        raise InputError("--lang", "", f"unknown language {value!r}; use one of {', '.join(LOCALES)}")
    return value
