"""``wealth book …``: the client book.

``wealth book report`` renders ``templates/relationship_report.ipynb`` through :func:`wealthlib.render.render`:
the whole book and one report per advisor by default, or only the advisors named with ``--advisor`` (``all``
names the whole book). ``wealth book summary`` prints the headline counts without rendering anything.
Errors are one line (the ``wealth`` entry point prints :class:`~wealthlib.errors.WealthError` messages).
"""

from __future__ import annotations

from typing import Optional

import json
import re
from pathlib import Path

import typer

from ..errors import InputError
from .common import AS_OF_DEFAULT_HELP, err, format_option, out, parse_as_of, parse_formats, parse_locale, state

book_app = typer.Typer(help="Client-book reports for advisors and managers.", no_args_is_help=True)

#: The template ``wealth book report`` renders.
TEMPLATE = "relationship_report.ipynb"
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
WHOLE_BOOK = "all"


def register(app: typer.Typer) -> None:
    app.add_typer(book_app, name="book")


@book_app.command("report")
def report(
    advisor: list[str] | None = typer.Option(
        None, "--advisor", help="Advisor id (repeatable); 'all' = the whole book. Default: the whole book and every advisor."
    ),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Date of the book (YYYY-MM-DD); {AS_OF_DEFAULT_HELP}."),
    lang: str = typer.Option("en", "--lang", help="en | zh-TW | zh-CN"),
    out_dir: Path = typer.Option(Path("reports/book"), "--out", help="Folder the documents are written to."),
    fmt: str = format_option(),
    contact_days: int = typer.Option(90, "--contact-days", help="Flag clients not contacted for more than this many days."),
    review_months: int = typer.Option(3, "--review-months", help="A review is due when the last is older than this."),
) -> None:
    """Render the relationship report (DOMAIN.md §6) per advisor and for the whole book; prints the paths."""
    import tempfile

    from ..book import build_book, load_book_clients

    when = parse_as_of(as_of)
    lang = parse_locale(lang)
    formats = parse_formats(fmt)
    from ..render import prepare_out_dir

    prepare_out_dir(out_dir, create=False)  # before the book is read: an unwritable folder costs nothing
    params = state.params
    # the client files are read once here; each report is built here and handed to its kernel (write_book_report).
    # An advisor's (or a supervisor's) run reads only the files of their book (wealthlib.guard.access).
    from ..guard.access import book_scope
    from .common import load_policy

    scoped = book_scope(load_policy(), params, advisor)
    if scoped is None:
        everyone, failures = loaded = load_book_clients(params)
    else:
        everyone, failures, advisor = scoped
        loaded = (everyone, failures)
        if not advisor:
            raise InputError("--advisor", "", "no client in the book(s) of this run (guard.access.books)")
    whole = build_book(params=params, as_of=when, contact_days=contact_days, review_months=review_months,
                       loaded=loaded)
    for problem in whole.problems:  # the documents say how many; the names go to the operator only
        err.print(f"skipped: {problem}", markup=False)
    known = sorted(whole.clients["advisor"].unique())
    targets = list(dict.fromkeys(advisor)) if advisor else [WHOLE_BOOK, *known]
    for a in targets:
        if a != WHOLE_BOOK and a not in known:
            raise InputError("--advisor", "", f"no client of advisor {a!r} as of {when}; advisors: {', '.join(known)}")
        if a != WHOLE_BOOK and not _SAFE.match(a):
            raise InputError("--advisor", "", f"advisor id {a!r} cannot name a file (letters, digits, '-', '_')")
    with tempfile.TemporaryDirectory(prefix="wealth-book-") as handoff:  # private (0700), removed after
        for a in targets:
            _render_one(a, everyone, failures, Path(handoff), whole=whole, known=known, params=params, when=when,
                        lang=lang, formats=formats, out_dir=out_dir, contact_days=contact_days,
                        review_months=review_months)
    if whole.problems:
        raise typer.Exit(1)


def _render_one(a, everyone, failures, handoff: Path, *, whole, known, params, when, lang, formats, out_dir,
                contact_days, review_months) -> None:
    """One report (``a``: an advisor id, or ``all``) rendered in its kernel from the clients already read."""
    from ..book import build_book, write_book_report
    from ..i18n import t
    from ..render import KernelLog, render
    from ..resources import template_path

    scope = None if a == WHOLE_BOOK else a
    subtitle = (t("documents.book_subtitle_advisor", lang, advisor=a) if scope
                else t("documents.book_subtitle_all", lang, advisors=len(known)))
    title = f"{t('documents.book_title', lang)} — {subtitle}"
    footer = t("documents.book_footer", lang, as_of=when.isoformat())
    stem = f"book-{a}-{when.isoformat()}"
    # an advisor's kernel gets that advisor's book only (built from the files read once)
    book = whole if scope is None else build_book(params=params, as_of=when, advisor=scope, contact_days=contact_days,
                                                  review_months=review_months, loaded=(everyone, failures))
    from .._doc.audit import audit_line
    from ..guard.draft import installed_template_record

    book.audit.update(installed_template_record(TEMPLATE))  # the record names the template it is printed from
    audit = audit_line(book.audit, lang, book.audit.get("overrides", "—") != "—")  # its audit page, in short
    prebuilt = write_book_report(handoff / f"{stem}.book", book)
    parameters = {"params": str(Path(params).resolve()), "as_of": when.isoformat(), "advisor": scope,
                  "locale": lang, "contact_days": contact_days, "review_months": review_months,
                  "prebuilt": str(prebuilt)}
    with KernelLog():  # the kernel's start-up chatter is not for the user (WEALTH_DEBUG=1 shows it)
        paths = render(template_path(TEMPLATE), parameters, out_dir, stem, formats, lang=lang, title=title, footer=footer,
                       audit=audit, kind="book")
    for p in paths.values():
        out.print(str(p), markup=False)
    prebuilt.unlink()


@book_app.command("summary")
def summary(
    advisor: str | None = typer.Option(None, "--advisor", help="Advisor id; default: the whole book."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=f"Date of the book (YYYY-MM-DD); {AS_OF_DEFAULT_HELP}."),
    contact_days: int = typer.Option(90, "--contact-days"),
    review_months: int = typer.Option(3, "--review-months"),
) -> None:
    """Headline counts of the book as JSON (nothing rendered)."""
    from ..book import build_book

    book = build_book(params=state.params, as_of=parse_as_of(as_of), advisor=advisor, contact_days=contact_days,
                      review_months=review_months)
    out.print_json(json.dumps(book.summary(), ensure_ascii=False))
    for problem in book.problems:  # as `book report`: the counts leave these clients out, so say so and exit 1
        err.print(f"skipped: {problem}", markup=False)
    if book.problems:
        raise typer.Exit(1)

