"""How ``wealth review`` turns one client's quarterly review into documents: ``templates/quarterly_review.ipynb``
runs in a kernel that builds the review and leaves its audit record in a private file (template parameter
``audit_out``, :func:`wealthlib._doc.audit.save`); that record's footer line prints on every page, and the PDF
carries the record, sealed and archived as a batch's review is (:func:`wealthlib.guard.signing.seal_and_archive`).
So ``wealth review`` and ``wealth batch review`` print one audit value for the same inputs."""

from __future__ import annotations

from pathlib import Path

from .errors import WealthError

__all__ = ["render_review"]

TEMPLATE = "quarterly_review.ipynb"


def render_review(client: str, params: Path, quarter: str, locale: str | None, out_dir: Path,
                  formats: tuple[str, ...]) -> dict[str, Path]:
    """Execute and export one client's review; returns the written paths by format. A problem of the inputs
    raises :class:`WealthError` with one line (nothing is written)."""
    from ._doc import audit as audit_value
    from ._propose import client_param
    from ._tmp import private_tempdir
    from .clients import load_client
    from .render import KernelLog, check_stem, execute, export
    from .resources import template_path
    from .review import document_meta, parse_quarter

    from .context import check_params_as_of

    end = parse_quarter(quarter)[1]
    params = Path(params)
    c = load_client(client, params / "clients")  # a missing or broken file: one line, no kernel
    try:  # the market covers the quarter: one line, no kernel
        check_params_as_of(params, str(end.date()))
    except WealthError as err:
        raise WealthError(f"quarter {quarter}: {err}") from None
    meta = document_meta(c, params, quarter, locale)
    stem = check_stem(c.id)
    parameters = {"client": client_param(client), "quarter": quarter, "params": str(params.resolve()),
                  "locale": locale or ""}
    with private_tempdir("wealth-review-") as tmp:  # 0700, removed even after kill -9: it holds client data
        path = Path(tmp) / "audit.json"
        with KernelLog():
            nb = execute(template_path(TEMPLATE), {**parameters, "audit_out": str(path)})
        found = audit_value.load(path)
        if found is None:
            raise WealthError("the review's kernel left no audit record")
        record, line = found
        pdf_finish = archive = None
        if "pdf" in formats:  # audit record and inputs embedded, signed, archived (wealthlib.guard)
            from .guard.signing import seal_and_archive

            client_file = Path(c.source) if c.source else params / "clients" / f"{c.id}.yaml"
            pdf_finish, archive = seal_and_archive(
                kind="review", client_id=c.id, client_file=client_file, params=params,
                parameters={k: v for k, v in parameters.items() if k != "client"},
                audit={**record, "audit_line": line}, template=TEMPLATE)
        written = export(nb, out_dir, stem, formats, lang=meta["lang"], title=meta["title"], footer=meta["footer"],
                         audit=line, pdf_finish=pdf_finish, kind="review")
        if archive is not None:
            archive(written["pdf"])
        return written
