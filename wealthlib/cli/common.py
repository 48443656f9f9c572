"""What every ``wealth`` command group shares: the run's state, the two consoles and the option parsers.

This module imports nothing else of :mod:`wealthlib.cli` (the groups import it, never the other way), and
nothing heavy: ``wealth --help`` loads it.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from .._imports import skip_slow_optional_imports  # noqa: F401  (the commands call it)
from ..errors import InputError

__all__ = [
    "AS_OF_DEFAULT_HELP", "state", "out", "err", "parse_as_of", "parse_formats", "parse_locale",
    "load_policy", "load_client", "skip_slow_optional_imports", "CLIENT", "format_option",
]

# No built-in date: without --as-of a command takes the params folder's default (market.yaml's as_of, else the
# configured data's last complete month-end: wealthlib.context.default_as_of), never the wall clock.
AS_OF_DEFAULT_HELP = "default: the params folder's (market.yaml as_of, else the data's last complete month-end)"


class State:
    """Set by the root callback (``wealth --params DIR`` / ``WEALTH_PARAMS``) before any command runs."""

    params: Path = Path("params")


state = State()

# markup=False: tables and lines carry client text (names, override reasons, notes); "[/red]" in a reason must
# print as written, not raise MarkupError or become a terminal hyperlink ("[link=…]").
out = Console(highlight=False, soft_wrap=True, markup=False, width=None if sys.stdout.isatty() else 160)
# soft_wrap: one failure is one line however narrow the terminal (a wrapped reason reads as several problems)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

#: The ``CLIENT`` argument of the one-client commands.
CLIENT = typer.Argument(..., help="Client id under params/clients, or a path to a client YAML file.")


def format_option(formats: str = "html, pdf, ipynb") -> Any:
    """The ``--format`` option of a command that writes documents (a string; :func:`parse_formats` reads it)."""
    return typer.Option("html,pdf", "--format", help=f"Comma-separated: {formats}.")


# --------------------------------------------------------------------------------------------- parsers
def parse_as_of(value: Optional[str]) -> date:
    """``--as-of``: an ISO date; none given: the params folder's default date (:func:`wealthlib.context.default_as_of`)."""
    if value is None:
        from ..context import default_as_of

        return default_as_of(state.params)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("--as-of", "", f"not a date in YYYY-MM-DD form: {value!r}") from None


def parse_formats(value: str) -> tuple[str, ...]:
    """``--format``: comma-separated output formats, each one the render pipeline knows, in order, no repeats."""
    from ..render import FORMATS

    fmts = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise InputError("--format", "", f"unknown format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    return fmts


def parse_locale(value: Optional[str]) -> Optional[str]:
    """``--lang``: en, zh-TW or zh-CN (None: the client's own language)."""
    from ..i18n import LOCALES

    if value is not None and value not in LOCALES:
        raise InputError("--lang", "", f"unknown language {value!r}; use one of {', '.join(LOCALES)}")
    return value


# --------------------------------------------------------------------------------------------- inputs
def load_policy():
    """The firm's policy under ``--params``."""
    from ..policy import load_policy as load

    return load(state.params / "policy.yaml")


def load_client(ref: str):
    """A client by id under ``--params``/clients, or by the path of its YAML file."""
    from ..clients import load_client as load

    return load(ref, state.params / "clients")


