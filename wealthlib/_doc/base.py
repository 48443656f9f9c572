"""The unit a document is made of: a :class:`Section` computes plain data from the document's inputs, then
renders that data with a locale's :class:`Labels` into safe HTML (its heading is added by the document).

``compute`` returns JSON-able data only (numbers, text, ISO dates, lists and dicts; a chart as base64 PNG
under ``"charts"``): the same data a test or a JSON export reads. ``render`` uses nothing but that data and
the labels, so what prints is exactly what was computed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..i18n import fmt_date, fmt_money, fmt_number, fmt_pct, t


_CURRENCY_FIELDS = frozenset({"currency", "foreign", "pair", "pairs"})


class Labels:
    """A locale's words and number formats for one document: ``L(key)`` is ``documents.<key>`` of
    ``wealthlib/data/i18n/documents.yaml``; money in the document's currency; the jurisdiction's risk grades."""

    def __init__(self, locale: str, currency: str, jurisdiction: str = "TW"):
        self.loc, self.cur, self.jur = locale, currency, jurisdiction

    def L(self, key: str, **fmt: Any) -> str:
        """The label, its placeholders filled; the currency ones (``currency``, ``foreign``, ``pair``, ``pairs``)
        print a currency code as the locale names it (the code in en, 人民币 / 美元 in Chinese)."""
        for k in _CURRENCY_FIELDS.intersection(fmt):
            fmt[k] = self.currency_words(fmt[k])
        return t(f"documents.{key}", self.loc, **fmt)

    def currency_words(self, text: Any) -> Any:
        """``text`` with each three-letter currency code (``USD``, ``USD/CNY``) as the locale names it."""
        import re

        from ..i18n import currency_name

        if not isinstance(text, str):
            return text
        return re.sub(r"\b[A-Z]{3}\b", lambda m: currency_name(m.group(), self.loc), text)

    def join(self, items: Any) -> str:
        """``items`` as a list in running text, separated by the locale's ``term_list_separator`` (a Latin comma takes
        a space after it, the ideographic 、 none)."""
        from ..i18n import join_terms

        return join_terms(items, self.loc)

    def maybe(self, key: str, default: str) -> str:
        """``L(key)``, or ``default`` when the catalog has no such label."""
        try:
            return self.L(key)
        except KeyError:
            return default

    def money(self, x: float) -> str:
        return fmt_money(x, self.cur, self.loc)

    def money_c(self, x: float) -> str:
        """Money in a table: the locale's one form, as :meth:`money` (there is no second, compact form)."""
        return fmt_money(x, self.cur, self.loc)

    def pct(self, x: float, d: int = 1, signed: bool = False) -> str:
        return fmt_pct(x, self.loc, d, signed=signed)

    def number(self, x: float, d: int = 0) -> str:
        return fmt_number(x, self.loc, d)

    def date(self, d: Any) -> str:
        return fmt_date(d, self.loc)

    def grade(self, g: int) -> str:
        from ..disclosures import grade_label

        return grade_label(int(g), self.jur)

    def asset(self, a: str) -> str:
        """An asset class's name (its code when the catalog has none)."""
        return self.maybe(f"asset_{a}", a)


class Section:
    """One section of one kind of document. Subclass, set the class attributes, register it
    (:func:`wealthlib._doc.register`) and list its ``key`` in the document's section list.

    ``key``: the name in section lists and templates (``proposal.show(key)``); ``heading``: the label key of
    its heading in ``documents.yaml``; ``advisor``: the body is the advisor's own words (a notebook cell),
    ``render`` gives the standard text; ``required``: a firm's section list may not drop it.
    """

    kind: ClassVar[str] = ""
    key: ClassVar[str] = ""
    heading: ClassVar[str] = ""
    advisor: ClassVar[bool] = False
    required: ClassVar[bool] = False

    def compute(self, inputs: Any) -> dict[str, Any]:
        """Plain data for this section from the document's inputs (no HTML, no formatting)."""
        return {}

    def render(self, data: dict[str, Any], labels: Labels) -> str:
        """Safe HTML of the body (heading excluded) from ``data`` alone."""
        raise NotImplementedError
