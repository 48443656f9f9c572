"""The relationship report as one document: its title and scope line, every section of its list (units of
:mod:`wealthlib._doc.book`, in the order of ``book:`` in sections.yaml or the firm's ``documents.book``), then who
signs it. :class:`wealthlib.book.BookReport` builds it per locale (:meth:`~wealthlib.book.BookReport.html`)."""

from __future__ import annotations

from typing import Any

from ..html import escape
from ._common import BookInputs, labels_for


def build(book: Any, locale: str) -> dict[str, Any]:
    """Each section of the book's list built in ``locale`` (:class:`wealthlib._doc.Built`), by key, in order."""
    from ... import _doc
    from ...i18n import check_locale

    check_locale(locale)
    built = _doc.build_sections("book", book.keys, BookInputs(book, locale), labels_for(book, locale),
                                source=book.sections_source)
    return {s.key: s for s in built}


def head(book: Any, locale: str) -> str:
    """The title, the scope line (advisor or whole book, as-of date, policy version) and, when some client files
    could not be read, how many."""
    lb = labels_for(book, locale)
    scope = (lb.L("book_subtitle_advisor", advisor=book.advisor_name.get(locale, book.advisor)) if book.advisor
             else lb.L("book_subtitle_all", advisors=len(book.advisor_measures)))
    out = (f"<h1>{escape(lb.L('book_title'))}</h1><p><strong>{escape(scope)}</strong> · {escape(lb.L('field_as_of'))}: "
           f"{escape(lb.date(book.as_of))} · {escape(lb.L('audit_policy_version'))}: {escape(book.policy_version)}</p>")
    if book.unreadable_files:
        out += f"<p>{escape(lb.L('book_unreadable', n=book.unreadable_files))}</p>"
    return out


def signature(book: Any, locale: str) -> str:
    """Who signs the report: an advisor's report its advisor and their supervisor, the whole book the firm's
    supervisors; each by name and registration numbers (never an id)."""
    from ...disclosures import acknowledgement

    rows = book.signers.get(locale) or []
    if not rows:
        return ""
    labels = acknowledgement(locale, book.jurisdiction)["signature_labels"]
    line = "_" * 24
    return '<table class="wl-signature"><tbody>' + "".join(
        f'<tr><th>{escape(labels[role])}</th><td><span class="wl-signer">{escape(who)}</span><br>{line}'
        f'</td><th>{escape(labels["date"])}</th><td>{line}</td></tr>' for role, who in rows) + "</tbody></table>"


def section_html(book: Any, key: str, locale: str) -> str:
    """One section as safe HTML, its heading first ("" for a section the firm's list leaves out)."""
    from ... import _doc

    if key not in book.keys:
        if key in _doc.units("book"):
            return ""
        raise KeyError(f"unknown section {key!r}; use one of {', '.join(book.keys)}")
    s = book.sections(locale)[key]
    return f"<h2>{escape(s.heading)}</h2>{s.html}"


def html(book: Any, locale: str) -> str:
    """The whole document body: title and scope, every section of the list in order, the signatures."""
    return head(book, locale) + "".join(section_html(book, k, locale) for k in book.keys) + signature(book, locale)
