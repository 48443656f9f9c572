"""How a built book (:class:`wealthlib.book.BookReport`) shows itself: :class:`BookView` (people, classes and
tiers by name, its tables for people, its charts) and :class:`BookDocument` (the report: its sections, its HTML,
its audit line). The book inherits both; each method only hands the book to the unit that does the work
(:mod:`.tables`, :mod:`.charts`, :mod:`.document`), imported when first used."""

from __future__ import annotations

from typing import Any

import pandas as pd

#: The locales a book writes names in.
LOCALES: tuple[str, ...] = ("en", "zh-TW", "zh-CN")


class BookView:
    """A book's names, tables and charts for people (in a notebook, a test, the report's sections)."""

    # the book's fields these read (wealthlib.book.BookReport)
    people: dict[str, dict[str, str]]
    advisor: str | None
    class_names: dict[str, dict[str, str]]
    tier_class: pd.DataFrame

    def person(self, pid: Any, locale: str = "en") -> str:
        """A person of the firm by name (the advisor registry's), else as recorded."""
        return self.people.get(str(pid), {}).get(locale, str(pid)) if isinstance(pid, str) else pid

    @property
    def advisor_name(self) -> dict[str, str]:
        """The report's advisor by name per locale (``{}`` for the whole book)."""
        if self.advisor is None:
            return {}
        return {loc: self.person(self.advisor, loc) for loc in LOCALES}

    def class_name(self, code: str, locale: str = "en") -> str:
        return self.class_names.get(code, {}).get(locale, code)

    def tier_label(self, tier: str, locale: str = "en") -> str:
        """The tier in words (``documents.tier_<tier>``), or the tier code when there is no label."""
        from ...i18n import catalog, t

        key = f"tier_{tier}"
        return t(f"documents.{key}", locale) if key in catalog("documents") else tier

    def table(self, name: str, locale: str = "en", limit: int | None = None) -> pd.DataFrame:
        """A table for people: localized column labels, tiers and classes in words, money and dates
        formatted for ``locale`` (as the report's sections write them, :mod:`wealthlib._doc.book`). ``name`` is one
        of the book's table attributes; ``limit``: at most that many of its first rows (:meth:`rows` says how many
        there are)."""
        from .tables import frame_of

        return frame_of(self, name, locale, limit)

    def rows(self, name: str) -> int:
        """How many rows the display table ``name`` has in full."""
        from .columns import SOURCES

        if name == "tier_class":
            return len(self.tier_class)
        return len(getattr(self, SOURCES.get(name, name)))

    def summary_table(self, locale: str = "en") -> pd.DataFrame:
        """The headline counts of the book's ``summary()`` as a two-column table in ``locale``."""
        return self.table("summary", locale)

    def aum_chart(self, locale: str = "en"):
        """Bar chart of AUM by tier, one panel per currency (a :class:`matplotlib.figure.Figure`)."""
        from .charts import aum_chart

        return aum_chart(self, locale)

    def class_mix_chart(self, locale: str = "en"):
        """Stacked bars: number of clients per tier by risk class."""
        from .charts import class_mix_chart

        return class_mix_chart(self, locale)


class BookDocument:
    """A book as the relationship report: units of :mod:`wealthlib._doc.book`, in the order of its section list."""

    audit: dict[str, Any]

    def sections(self, locale: str = "en") -> dict[str, Any]:
        """Each section of the list built in ``locale`` (:class:`wealthlib._doc.Built`: heading, plain data, body
        HTML), computed once per locale."""
        cache = self.__dict__.setdefault("_built", {})
        if locale not in cache:
            from .document import build

            cache[locale] = build(self, locale)
        return cache[locale]

    def section_html(self, key: str, locale: str = "en") -> str:
        """One section as safe HTML, its heading first ("" for one the firm's list leaves out)."""
        from .document import section_html

        return section_html(self, key, locale)

    def html(self, locale: str = "en") -> str:
        """The whole document body: title and scope, every section of the list, the signatures."""
        from .document import html

        return html(self, locale)

    def show(self, locale: str = "en"):
        """IPython ``HTML`` of the whole document, for the template's one display cell."""
        from IPython.display import HTML

        return HTML(self.html(locale))

    def signature_html(self, locale: str = "en") -> str:
        """Who signs the report: an advisor's report its advisor and their supervisor, the whole book the firm's
        supervisors; each by name and registration numbers (never an id)."""
        from .document import signature

        return signature(self, locale)

    @property
    def audit_line(self) -> str:
        """One line for the running footer of every printed page: the audit record in short (in English; the
        command prints :func:`wealthlib._doc.audit.audit_line` in the report's locale)."""
        from ..audit import audit_line

        return audit_line(self.audit, "en", self.audit.get("overrides", "—") != "—")
