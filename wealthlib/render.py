"""From a parameterized notebook to the documents a client reads: HTML and PDF.

The pipeline, one step per function::

    execute(template, parameters)      papermill API in this process, real kernel  -> executed NotebookNode
    to_html(nb, lang=, title=, ...)    nbconvert + our template templates/wealth_html -> self-contained HTML
    to_pdf(html, out, engine=)         WeasyPrint or typst in-process, fonts embedded -> PDF file
                                       (CJK in a common-use cut of Noto Sans CJK, wealthlib._print_fonts;
                                       the engine of each kind of document: pdf_engine(kind), package data)
    write_atomic(path, data)           temp file in the same folder, then os.replace (write_all_atomic: several)
    render(template, parameters, ...)  all of the above; nothing written unless everything succeeded
    render_notebook(draft, ...)        the authoring loop: run a draft as it is and export exactly that

What a client's document never contains: code, prompts, stdout/stderr, tracebacks, the ``parameters`` and
papermill ``injected-parameters`` cells (nor cells tagged ``remove-cell``), scripts of any kind, or anything
fetched from the network. HTML that comes from a notebook (markdown cells, ``text/html`` and
``text/markdown`` outputs) goes through an allow-list sanitizer (bleach): ``<script>`` and ``<img onerror>``
come out as visible text, tables and headings survive. nbconvert's own ``sanitize_html=True`` is not used: its
allow-list escapes ``thead``/``th``/``tbody`` and so mangles every pandas table.

Heavy imports (papermill, nbconvert, WeasyPrint: about 2 s each) happen on first use, not on import.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wealthlib._gc import fewer_collections
from wealthlib.errors import WealthError, display_path
from wealthlib.i18n import check_locale
from wealthlib.resources import template_path

if TYPE_CHECKING:  # pragma: no cover
    import nbformat

__all__ = [
    "RenderError",
    "TEMPLATE_DIR",
    "FORMATS",
    "execute",
    "to_html",
    "to_pdf",
    "PDF_ENGINES",
    "pdf_engine",
    "write_atomic",
    "write_all_atomic",
    "export",
    "render",
    "render_notebook",
    "check_stem",
    "KernelLog",
    "check_timeout",
]

#: Our nbconvert template (``conf.json``, ``index.html.j2``, ``print.css``).
TEMPLATE_DIR = template_path("wealth_html")

#: Output formats ``render`` knows; ``ipynb`` is the executed notebook (it holds client data).
FORMATS = ("html", "pdf", "ipynb")

#: Cells with these tags never reach a document.
REMOVE_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})

#: ``html lang`` per locale: the script subtag makes browsers pick Traditional/Simplified glyph shapes.
HTML_LANG = {"en": "en", "zh-TW": "zh-Hant-TW", "zh-CN": "zh-Hans-CN"}

#: Font stacks, CJK faces named explicitly (a generic family falls back to the Japanese shapes).
FONT_STACK = {
    "en": '"Liberation Sans", "DejaVu Sans", "Noto Sans CJK TC", sans-serif',
    "zh-TW": '"Noto Sans CJK TC", "DejaVu Sans", sans-serif',
    "zh-CN": '"Noto Sans CJK SC", "DejaVu Sans", sans-serif',
}

#: CSS ``content`` value of the page-number margin box.
PAGE_LABEL = {
    "en": '"Page " counter(page) " of " counter(pages)',
    "zh-TW": '"第 " counter(page) " 頁，共 " counter(pages) " 頁"',
    "zh-CN": '"第 " counter(page) " 页，共 " counter(pages) " 页"',
}

_STEM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_STYLE_BLOCK_RE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)
_RAWTEXT_TAG_RE = re.compile(r"</?(script|style|iframe|noscript|noembed|noframes|xmp|textarea|title|plaintext)\b", re.IGNORECASE)
_IMG_NO_SRC_RE = re.compile(r"<img\b(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class RenderError(WealthError):
    """A document could not be produced. ``str(err)`` is for the user; ``err.traceback`` is for developers.

    For a failing cell: ``<template>: cell <n>: <ExceptionName>: <message>``, where ``n`` counts the cells of
    the template as the author sees them (1-based; papermill's injected cell is not counted).
    """

    def __init__(
        self,
        message: str,
        *,
        template: str | Path | None = None,
        cell: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
        source: str | None = None,
        traceback: str | None = None,
        log_message: str | None = None,
    ):
        self.log_message = log_message  # what errors.for_log gives a manifest or a log instead of str(self)
        self.template = str(template) if template is not None else None
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        self.source = source
        self.traceback = traceback
        super().__init__(message)


class WriteError(RenderError, OSError):
    """A file could not be written (``<file>: cannot write: <reason>``): a :class:`WealthError` for the CLI's one
    line, and still an ``OSError`` for callers that catch those."""


# --------------------------------------------------------------------------------------------- execute


def execute(
    template: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: str | Path | None = None,
    kernel_name: str = "python3",
    timeout: float | None = 600,
    log_output: bool = False,
    start_timeout: float = 60,
    on_cell: Any = None,
) -> nbformat.NotebookNode:
    """Run ``template`` with ``parameters`` injected (papermill API, in memory; nothing is written).

    ``parameters=None`` (or empty) runs the notebook as it is, with its own parameters cell. A name that the
    template's ``parameters`` cell does not define is refused (a typo must not silently fall back to the
    template's default). ``timeout`` is per cell, in seconds (a positive number, or None for no limit; see
    :func:`check_timeout`): past it the kernel is shut down (interrupted, killed after a short grace) and the
    error says ``cell N exceeded T s``. ``on_cell(index)`` is called before each code cell runs (index into the
    executed notebook). Any failure becomes :class:`RenderError`.
    Note: papermill's ``cwd`` is a process-wide ``chdir``; do not run two executions with different ``cwd`` in
    threads of one process.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.iorw import load_notebook_node

    path = Path(template)
    shown = display_path(path)
    try:
        if not path.is_file():
            raise FileNotFoundError(path)
        nb = load_notebook_node(str(path))  # normalized as papermill expects: tags and papermill metadata
    except FileNotFoundError:
        raise RenderError(f"{shown}: no such notebook", template=shown) from None
    except Exception as exc:  # unreadable JSON, wrong nbformat
        raise RenderError(f"{shown}: not a readable notebook: {exc}", template=shown) from None
    timeout = check_timeout(timeout)
    params = dict(parameters or {})
    if params:
        _check_parameter_names(nb, params, shown, kernel_name)
    template_ids = _cell_ids(nb)
    running: list[int] = []

    def cell_starts(cell: Any = None, cell_index: int = 0, **_: Any) -> None:
        running[:] = [cell_index]
        if on_cell is not None:
            on_cell(cell_index)

    runtime = _private_runtime()  # the kernel's connection file (with its HMAC key) in a private folder
    try:
        executed = papermill.execute_notebook(
            nb,
            None,
            parameters=params or None,
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=log_output,
            request_save_on_cell_execute=False,
            start_timeout=start_timeout,
            execution_timeout=timeout,
            cwd=None if cwd is None else str(cwd),
            on_cell_execute=cell_starts,
        )
    except PapermillExecutionError as exc:
        runtime.close()
        cell_no = _template_cell_number(exc, nb, params, kernel_name, template_ids)
        where = f"cell {cell_no}" if cell_no else f"cell (execution count {exc.exec_count})"
        evalue = str(exc.evalue).strip()
        message = f"{shown}: {where}: {exc.ename}" + (f": {evalue}" if evalue else "")
        raise RenderError(
            message,
            log_message=_cell_error_for_log(f"{shown}: {where}", exc.ename, evalue),
            template=shown,
            cell=cell_no,
            ename=exc.ename,
            evalue=evalue,
            source=exc.source,
            traceback=_ANSI_RE.sub("", "\n".join(exc.traceback or [])),
        ) from None
    except Exception as exc:  # kernel missing or dead, cell timeout, start timeout
        import traceback as tb

        runtime.close()
        from nbclient.exceptions import CellTimeoutError

        if isinstance(exc, CellTimeoutError) and running:
            cell_no = _template_cell_number(_AtCell(running[0]), nb, params, kernel_name, template_ids)
            message = f"{shown}: cell {cell_no or '?'} exceeded {timeout:g} s"
            raise RenderError(message, log_message=message, template=shown, cell=cell_no,
                              ename="CellTimeoutError") from None

        reason = " ".join(str(exc).split()) or type(exc).__name__
        if len(reason) > 300:
            reason = reason[:300] + "…"
        raise RenderError(
            f"{shown}: execution stopped: {type(exc).__name__}: {reason}",
            log_message=f"{shown}: execution stopped: {type(exc).__name__}",  # nbclient quotes the cell's source
            template=shown,
            ename=type(exc).__name__,
            evalue=str(exc),
            traceback="".join(tb.format_exception(exc)),
        ) from None
    runtime.close()
    return executed


class _private_runtime:
    """A kernel's connection file (HMAC key included; jupyter_client writes it with ``tempfile.mkstemp`` or into
    ``JUPYTER_RUNTIME_DIR``) goes into a private folder removed when the execution ends, or by its watcher if
    this process is killed (:mod:`wealthlib._tmp`). A batch worker has its own such folder already."""

    def __init__(self):
        self.dir = None
        if os.environ.get("WEALTHLIB_PRIVATE_TMP"):
            return
        from wealthlib._tmp import private_dir

        self.dir = private_dir("wealth-kernel-")
        self._saved = (os.environ.get("JUPYTER_RUNTIME_DIR"), tempfile.tempdir)
        os.environ["JUPYTER_RUNTIME_DIR"] = str(self.dir)
        tempfile.tempdir = str(self.dir)

    def close(self) -> None:
        if self.dir is not None:
            from wealthlib._tmp import remove

            runtime, tempfile.tempdir = self._saved
            if runtime is None:
                os.environ.pop("JUPYTER_RUNTIME_DIR", None)
            else:
                os.environ["JUPYTER_RUNTIME_DIR"] = runtime
            remove(self.dir)
            self.dir = None


class _AtCell:
    """Where a cell stopped, in the shape :func:`_template_cell_number` reads (``cell_index``)."""

    def __init__(self, cell_index: int):
        self.cell_index = cell_index


def check_timeout(timeout: Any) -> float | None:
    """A per-cell timeout as papermill takes it: a positive, finite number of seconds, or None (no limit).
    0, negatives, NaN and infinity are refused (nbclient reads 0 and -1 as "no limit" and fails on NaN)."""
    import math

    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise RenderError(f"cell timeout must be a positive number of seconds or none, got {timeout!r}")
    return float(timeout)


def _cell_error_for_log(where: str, ename: str, evalue: str) -> str:
    """A failing cell as a manifest or log may hold it. Our own errors (a :class:`WealthError` raised in the
    kernel) say file, field and problem: kept, without the offending value they quote. Any other exception's
    message can quote client data (``KeyError: '陳美華'``): only its kind is kept."""
    from wealthlib.errors import wealth_error_names, without_value

    if ename in wealth_error_names():
        return f"{where}: {ename}: {without_value(evalue)}"
    return f"{where}: {ename} (message not logged: it may quote client data)"


def _cell_ids(nb: Any) -> list[str | None]:
    return [c.get("id") for c in nb.cells]


def _check_parameter_names(nb: Any, params: Mapping[str, Any], shown: str, kernel_name: str) -> None:
    from papermill.inspection import _infer_parameters

    has_cell = any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells)
    if not has_cell:
        raise RenderError(
            f"{shown}: no cell tagged 'parameters'; cannot inject {', '.join(sorted(params))}", template=shown
        )
    known = {p.name for p in _infer_parameters(nb, name=kernel_name)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise RenderError(
            f"{shown}: unknown parameter(s) {', '.join(unknown)}; the template defines "
            f"{', '.join(sorted(known)) or 'none'}",
            template=shown,
        )


def _template_cell_number(exc: Any, nb: Any, params: Mapping[str, Any], kernel_name: str, ids: list) -> int | None:
    """1-based number of the failing cell in the template, not counting papermill's injected cell."""
    try:
        if params:
            from papermill.iorw import load_notebook_node
            from papermill.parameterize import parameterize_notebook

            # the same injection papermill did, on a copy: executed cell i is ran.cells[i]
            ran = parameterize_notebook(load_notebook_node(nb), dict(params), kernel_name=kernel_name)
        else:
            ran = nb
        cell = ran.cells[exc.cell_index]
        if cell.get("id") in ids:
            return ids.index(cell.get("id")) + 1
    except Exception:  # pragma: no cover - best effort only
        pass
    return None


# --------------------------------------------------------------------------------------------- HTML

_exporter = None
_exporter_lock = threading.Lock()
_cleaner = None


def _clean_html(html: Any) -> str:
    """Allow-list sanitizer for HTML from notebooks: disallowed tags become visible text."""
    global _cleaner
    if _cleaner is None:
        import bleach

        tags = {
            "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div",
            "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol",
            "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
            "th", "thead", "tr", "u", "ul", "wbr",
        }  # fmt: skip
        common = {"class", "id", "title", "lang"}

        def attributes(tag: str, name: str, value: str) -> bool:
            if name in common:
                return True
            if tag == "a":
                return name == "href" and not value.strip().lower().startswith("data:")
            if tag == "img":
                if name == "src":  # embedded raster images only: a document never fetches anything; an SVG
                    # could (its own hrefs): SVG reaches a document only as sanitized output (data_svg, _svg.py)
                    return re.match(r"data:image/(png|jpeg|gif|webp);base64,", value.strip()) is not None
                return name in {"alt", "width", "height"}
            if tag in {"td", "th"}:
                return name in {"colspan", "rowspan"}
            return False

        _cleaner = bleach.Cleaner(
            tags=tags,
            attributes=attributes,
            protocols={"http", "https", "mailto", "data"},
            strip=False,
            strip_comments=True,
        )
    text = html.decode() if isinstance(html, bytes) else str(html)
    # Style blocks (pandas' <style scoped>) would show as CSS text: drop them; our stylesheet styles tables.
    text = _STYLE_BLOCK_RE.sub("", text)
    # Script and other raw-text tags: escape before parsing so their content stays in place as visible text
    # (html5lib would otherwise treat it as raw text and reorder it).
    text = _RAWTEXT_TAG_RE.sub(lambda m: "&lt;" + m.group(0)[1:], text)
    cleaned = _cleaner.clean(text)
    # An <img> whose src was refused (remote or javascript) would print as a broken image: drop it.
    return _IMG_NO_SRC_RE.sub("", cleaned)


def _get_exporter():
    """One configured HTMLExporter per process (first build ~0.5 s, reuse ~0.04 s per document)."""
    global _exporter
    if _exporter is None:
        if not (TEMPLATE_DIR / "index.html.j2").is_file():
            raise RenderError(
                f"export template missing at {TEMPLATE_DIR}; the wealthlib installation is incomplete (reinstall it)"
            )
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        c = Config()
        c.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR.parent)]
        c.HTMLExporter.template_name = TEMPLATE_DIR.name
        c.HTMLExporter.exclude_input = True
        c.HTMLExporter.exclude_input_prompt = True
        c.HTMLExporter.exclude_output_prompt = True
        c.HTMLExporter.exclude_output_stdin = True
        c.HTMLExporter.exclude_anchor_links = True
        c.HTMLExporter.embed_images = False  # True re-parses inline HTML with bs4 and reorders <script> text
        c.HTMLExporter.sanitize_html = True  # belt and braces for any block our template does not override
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
        c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
        c.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
        exporter = HTMLExporter(config=c)
        exporter.register_filter("wealth_clean", _clean_html)
        from wealthlib._svg import sanitize_svg

        exporter.register_filter("wealth_svg", sanitize_svg)
        _exporter = exporter
    return _exporter


def _first_error(nb: Any) -> tuple[int, Any] | None:
    for i, cell in enumerate(nb.cells, 1):
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                return i, out
    return None


def to_html(nb: Any, *, lang: str, title: str, footer: str = "", audit: str = "") -> str:
    """Export an executed notebook to one self-contained, offline, sanitized HTML document.

    ``footer`` (the disclaimer; newlines separate paragraphs) and ``audit`` (inputs hash, versions) run at the
    foot of every printed page and close the document on screen. A notebook that holds an error output is
    refused: a document must not show a traceback.
    """
    import copy

    check_locale(lang)
    err = _first_error(nb)
    if err is not None:
        i, out = err
        raise RenderError(
            f"cell {i} holds an error output ({out.get('ename')}: {out.get('evalue')}); fix it and re-run",
            cell=i,
            ename=out.get("ename"),
            evalue=out.get("evalue"),
            traceback=_ANSI_RE.sub("", "\n".join(out.get("traceback", []))),
        )
    resources = {
        "wealth": {
            "lang": HTML_LANG[lang],
            "title": title,
            "footer_lines": [line for line in str(footer).splitlines() if line.strip()],
            "audit": audit,
            "font": FONT_STACK[lang],
            "page_label": PAGE_LABEL[lang],
        },
        "metadata": {"name": title},
    }
    with _exporter_lock:  # one exporter per process; its preprocessors hold state during a call
        exporter = _get_exporter()
        body, _ = exporter.from_notebook_node(copy.deepcopy(nb), resources=resources)
    return body


# --------------------------------------------------------------------------------------------- PDF


_HTML_LANG_RE = re.compile(r"<html\b[^>]*\blang=\"([^\"]+)\"", re.IGNORECASE)
_pdf_lock = threading.Lock()


def _pdf_lang(html: str) -> str | None:
    """The locale a document of ours was exported in, read back from its ``<html lang>``."""
    m = _HTML_LANG_RE.search(html[:4096])
    by_tag = {tag: loc for loc, tag in HTML_LANG.items()}
    return by_tag.get(m.group(1)) if m else None


#: Folders whose files a document may load (our stylesheet and any font or CSS the package ships).
PACKAGE_RESOURCES = (TEMPLATE_DIR, Path(__file__).resolve().parent / "data")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_fetcher_class = None


def _document_fetcher():
    """WeasyPrint's URL fetcher, narrowed to what a document may load: embedded raster images (``data:image/png``
    and the like) and the package's own files (:data:`PACKAGE_RESOURCES`). Everything else (the network, any
    other file, ``data:`` SVG, whose own links would be fetched in turn) is refused, and WeasyPrint leaves the
    resource out."""
    global _fetcher_class
    if _fetcher_class is None:
        import weasyprint

        class DocumentFetcher(weasyprint.URLFetcher):
            def fetch(self, url, headers=None):
                text = str(url).strip()
                scheme = text.split(":", 1)[0].lower()
                if scheme == "data" and _DATA_IMAGE.match(text):
                    return super().fetch(text, headers)
                if scheme == "file":
                    from urllib.request import url2pathname

                    real = os.path.realpath(url2pathname(text.split("?")[0].split("#")[0].removeprefix("file:")))
                    for root in map(os.path.realpath, PACKAGE_RESOURCES):  # the templates folder is a link
                        if os.path.commonpath([real, root]) == root and os.path.isfile(real):
                            return super().fetch(Path(real).as_uri(), headers)
                raise ValueError("not a resource a document may load")  # no URL in the message: it may be data

        _fetcher_class = DocumentFetcher
    return _fetcher_class(allowed_protocols={"data", "file"})


def _pdf_bytes(html: str, *, base_url: str | Path | None = None, engine: str = "weasyprint") -> bytes:
    """The PDF of one of our HTML documents, printed by ``engine`` (:data:`PDF_ENGINES`)."""
    if engine == "weasyprint":
        return _weasyprint_pdf(html, base_url=base_url)
    try:
        return PDF_ENGINES[engine](html)
    except KeyError:
        raise RenderError(f"unknown PDF engine {engine!r}; use one of {', '.join(PDF_ENGINES)}") from None


def _warm_pdf(html: str, engine: str) -> None:
    """Pay in this process what the first document printed by ``engine`` would: for a process that forks the
    workers which print (the batch's template). typst is warmed without compiling (a compile starts threads a
    fork does not copy: wealthlib._typst); WeasyPrint prints ``html``."""
    if engine == "typst":
        from wealthlib import _typst

        _typst.warm(html)
    else:
        _pdf_bytes(html, engine=engine)


def _typst_pdf(html: str) -> bytes:
    """The PDF of one of our HTML documents, typeset by typst (:mod:`wealthlib._typst`)."""
    from wealthlib import _typst

    return _typst.pdf_bytes(html)


def _weasyprint_pdf(html: str, *, base_url: str | Path | None = None) -> bytes:
    """The PDF of one of our HTML documents (WeasyPrint). One FontConfiguration and one print stylesheet per
    process serve every document (wealthlib._print_fonts): the CJK text prints in the common-use cut of Noto
    Sans CJK, rare characters in the full face."""
    import logging

    import weasyprint

    from wealthlib import _print_fonts

    # WeasyPrint logs every CSS property it ignores; keep the user's console for real problems.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    lang = _pdf_lang(html)
    sheet = _print_fonts.print_stylesheet(lang, FONT_STACK[lang]) if lang else None
    # WeasyPrint allocates some millions of short-lived objects a document (boxes, styles, glyph runs), few of them
    # in cycles: at the default thresholds the collector's passes over the whole heap cost ~0.1 s a review (CPU of
    # a review's PDF 0.56 -> 0.47 s with fewer collections, 2026-12-04); a forked batch worker, whose template
    # froze its heap, pays less for them either way
    with _pdf_lock, fewer_collections():  # the lock: WeasyPrint's shared FontConfiguration is not for two threads
        # the package's files and embedded raster images only: nothing from the file system or the network
        doc = weasyprint.HTML(string=html, base_url=None if base_url is None else str(base_url),
                              url_fetcher=_document_fetcher())
        return doc.write_pdf(stylesheets=[sheet] if sheet is not None else None,
                             font_config=_print_fonts.font_config())


#: The engines that print one of our HTML documents to PDF bytes; which one prints a kind of document is data
#: (``wealthlib/data/documents/pdf.yaml``, :func:`pdf_engine`).
PDF_ENGINES: dict[str, Callable[[str], bytes]] = {"weasyprint": _weasyprint_pdf, "typst": _typst_pdf}
_engine_table: dict[str, str] | None = None


def pdf_engine(kind: str | None) -> str:
    """The engine that prints documents of ``kind`` (``proposal``, ``review``, ``book``; None: the default), as
    ``wealthlib/data/documents/pdf.yaml`` says."""
    global _engine_table
    if _engine_table is None:
        from importlib import resources

        from wealthlib._yaml import load_yaml_text

        source = "wealthlib/data/documents/pdf.yaml"
        data = load_yaml_text((resources.files("wealthlib") / "data" / "documents" / "pdf.yaml").read_text("utf-8"),
                              source)
        table = {str(k): str(v) for k, v in (data or {}).items() if k != "version"}
        bad = sorted(v for v in table.values() if v not in PDF_ENGINES)
        if bad:
            raise RenderError(f"{source}: unknown PDF engine {bad[0]!r}; use one of "
                              f"{', '.join(PDF_ENGINES)}")
        _engine_table = table
    return _engine_table.get(kind or "default", _engine_table.get("default", "weasyprint"))


def to_pdf(html: str, out: str | Path, *, base_url: str | Path | None = None, engine: str = "weasyprint") -> Path:
    """Print ``html`` to an A4 PDF at ``out`` in this process with ``engine`` (:data:`PDF_ENGINES`; fonts subset
    and embedded)."""
    try:
        data = _pdf_bytes(html, base_url=base_url, engine=engine)
    except Exception as exc:
        raise RenderError(f"{display_path(out)}: PDF rendering failed: {type(exc).__name__}: {exc}") from None
    return write_atomic(out, data)


# --------------------------------------------------------------------------------------------- files


def write_atomic(path: str | Path, data: bytes | str | Iterable[bytes | str]) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part.

    ``data`` may be bytes, text (UTF-8) or an iterable of chunks. The data goes to a temporary file in the
    same folder, is flushed to disk, then ``os.replace``d over ``path``; on any failure the temporary file is
    removed and ``path`` is untouched.
    """
    write_all_atomic({Path(path): data})
    return Path(path)


def write_all_atomic(files: Mapping[Path, bytes | str | Iterable[bytes | str]]) -> list[Path]:
    """Write several files as one step: every one is written to a temporary file next to it and flushed first;
    only when all of them are on disk are they renamed into place. A failure while writing (disk full, a folder
    where a file should be) removes every temporary file and leaves every target as it was: a document's PDF
    never appears without its HTML. Raises :class:`WriteError` naming the file.
    """
    commit_temporaries(write_temporaries(files))
    return [Path(p) for p in files]


def write_temporaries(files: Mapping[Path, bytes | str | Iterable[bytes | str]]) -> dict[Path, Path]:
    """The first half of :func:`write_all_atomic`: each file written and flushed as a hidden temporary next to
    its target (``.<name>.<random>.tmp``), nothing renamed. Returns ``{target: temporary}``; on a failure every
    temporary is removed and :class:`WriteError` names the file. Whoever holds the result decides whether the
    documents appear (:func:`commit_temporaries`) — a Dask batch's main process, so that a task still running
    on a remote worker after the batch stopped can never put a document the manifest does not list."""
    temps: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.is_dir():  # the rename would fail after the others were done: refuse up front
                    raise IsADirectoryError(21, "Is a directory")
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                temps[path] = Path(tmp)
                with os.fdopen(fd, "wb") as fh:
                    chunks = [data] if isinstance(data, (bytes, bytearray, str)) else data
                    for chunk in chunks:
                        fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, 0o644)
            except OSError as exc:  # one line naming the file
                raise WriteError(f"{display_path(path)}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        discard_temporaries(temps)
        raise
    return temps


def commit_temporaries(temps: Mapping[Path, Path]) -> None:
    """Rename each temporary of :func:`write_temporaries` onto its target; on a failure the temporaries not yet
    renamed are removed and :class:`WriteError` names the file."""
    try:
        for path, tmp in temps.items():
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise WriteError(f"{display_path(path)}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        discard_temporaries(temps)
        raise


def discard_temporaries(temps: Mapping[Path, Path]) -> None:
    for tmp in temps.values():
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def prepare_out_dir(out_dir: str | Path, *, create: bool = True) -> Path:
    """Prove a file can be written in ``out_dir`` (created if ``create``), before any costly work starts.

    An unwritable or impossible folder is a :class:`RenderError` naming the folder and the reason (one line),
    not an ``OSError`` after a kernel has run. With ``create=False`` nothing is created: the nearest existing
    folder on the way must be a writable folder (a document that then fails leaves no empty folder behind).
    """
    p = Path(out_dir)
    try:
        if create:
            p.mkdir(parents=True, exist_ok=True)
            probe_dir = p
        else:
            probe_dir = p.absolute()
            while not probe_dir.exists() and probe_dir != probe_dir.parent:
                probe_dir = probe_dir.parent
            if not probe_dir.is_dir():
                raise NotADirectoryError(20, "Not a directory")
        fd, probe = tempfile.mkstemp(dir=probe_dir, prefix=".write-check.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise RenderError(f"{display_path(p)}: output folder: cannot write there: "
                          f"{exc.strerror or type(exc).__name__}") from None
    return p


def check_stem(stem: str) -> str:
    """``stem`` as a file name stem, or :class:`RenderError`: letters, digits, ``.``, ``_``, ``-``; no paths."""
    if not isinstance(stem, str) or not _STEM_RE.fullmatch(stem) or ".." in stem:
        raise RenderError(
            f"unsafe output name {stem!r}: use letters, digits, '.', '_' or '-' (no slashes, no '..', "
            "not starting with '.'; at most 128 characters)"
        )
    return stem


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    fmts = tuple(dict.fromkeys(formats))
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise RenderError(f"unknown output format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    return fmts


def export(
    nb: Any,
    out_dir: str | Path,
    stem: str,
    formats: tuple[str, ...],
    *,
    lang: str,
    title: str,
    footer: str,
    audit: str,
    pdf_finish: Callable[[bytes], bytes] | None = None,
    defer: bool = False,
    kind: str | None = None,
) -> dict[str, Path]:
    """Write ``<out_dir>/<stem>.<fmt>`` for each of ``formats`` from an executed notebook: every format is
    produced in memory first, then all are written in one step (:func:`write_all_atomic`); a failure writes
    nothing. ``pdf_finish`` (optional) turns the printed PDF into the one written — ``wealthlib.guard.signing``
    embeds the audit record and the inputs and signs it. Returns ``{format: path}``; with ``defer`` the files are
    left as their hidden temporaries (:func:`write_temporaries`) and ``{format: temporary}`` is returned for the
    caller to commit. ``kind`` (``proposal``, ``review``, ``book``) chooses the PDF engine (:func:`pdf_engine`)."""
    import nbformat

    out_dir = Path(out_dir)
    payloads: dict[str, bytes | str] = {}
    if "html" in formats or "pdf" in formats:
        html = to_html(nb, lang=lang, title=title, footer=footer, audit=audit)
        if "html" in formats:
            payloads["html"] = html
        if "pdf" in formats:
            try:
                payloads["pdf"] = _pdf_bytes(html, engine=pdf_engine(kind))
            except RenderError:
                raise
            except Exception as exc:
                raise RenderError(f"{stem}: PDF rendering failed: {type(exc).__name__}: {exc}") from None
            if pdf_finish is not None:
                payloads["pdf"] = pdf_finish(payloads["pdf"])
    if "ipynb" in formats:
        payloads["ipynb"] = nbformat.writes(nb)
    prepare_out_dir(out_dir)
    root = out_dir.resolve()
    targets: dict[str, Path] = {}
    for fmt in formats:
        target = out_dir / f"{stem}.{fmt}"
        if target.resolve().parent != root:  # second guard; check_stem already forbids this
            raise RenderError(f"unsafe output name {stem!r}")
        targets[fmt] = target
    _remove_stale_temporaries(out_dir, stem, formats)
    files = {targets[fmt]: payloads[fmt] for fmt in formats}
    if defer:
        temps = write_temporaries(files)
        return {fmt: temps[targets[fmt]] for fmt in formats}
    write_all_atomic(files)
    return targets


def _remove_stale_temporaries(out_dir: Path, stem: str, formats: Iterable[str]) -> None:
    """Temporary files of this document (``.<stem>.<fmt>.<random>.tmp``) that a killed run left behind: the
    next export of the same document removes them (a complete HTML must not linger as a hidden file)."""
    for fmt in formats:
        for p in Path(out_dir).glob(f".{stem}.{fmt}.*.tmp"):
            if re.fullmatch(rf"\.{re.escape(stem)}\.{re.escape(fmt)}\.[A-Za-z0-9_]{{8}}\.tmp", p.name):
                try:
                    p.unlink()
                except OSError:
                    pass


def render(
    template: str | Path,
    parameters: Mapping[str, Any],
    out_dir: str | Path,
    stem: str,
    formats: Iterable[str] = ("html", "pdf"),
    *,
    lang: str,
    title: str,
    footer: str = "",
    audit: str = "",
    cwd: str | Path | None = None,
    kernel_name: str = "python3",
    timeout: float | None = 600,
    pdf_finish: Callable[[bytes], bytes] | None = None,
    kind: str | None = None,
) -> dict[str, Path]:
    """Execute ``template`` with ``parameters`` and write ``<out_dir>/<stem>.<fmt>`` for each format.

    ``formats`` from ``html``, ``pdf``, ``ipynb`` (the executed notebook). ``stem`` must be a plain file name
    stem (a client id cannot steer the output path). Returns ``{format: path}``. Nothing is written when
    execution or export fails. ``kind`` (``proposal``, ``review``, ``book``) chooses the PDF engine
    (:func:`pdf_engine`).
    """
    check_stem(stem)
    check_locale(lang)
    fmts = _check_formats(formats)
    prepare_out_dir(out_dir, create=False)  # fail before the kernel; create the folder only to write into it
    nb = execute(template, parameters, cwd=cwd, kernel_name=kernel_name, timeout=timeout)
    return export(nb, out_dir, stem, fmts, lang=lang, title=title, footer=footer, audit=audit, pdf_finish=pdf_finish,
                  kind=kind)


def render_notebook(
    notebook: str | Path,
    out_dir: str | Path | None = None,
    stem: str | None = None,
    formats: Iterable[str] = ("html", "pdf"),
    *,
    lang: str,
    title: str,
    footer: str = "",
    audit: str = "",
    execute_first: bool = True,
    kernel_name: str = "python3",
    timeout: float | None = 600,
) -> dict[str, Path]:
    """The authoring loop: export a draft notebook exactly as it is.

    With ``execute_first`` (default) the draft is run top to bottom with its own parameters cell values (no
    injection), in the draft's folder; with ``execute_first=False`` its saved outputs are exported as they are
    (refused if any cell holds an error). ``out_dir`` defaults to the draft's folder, ``stem`` to its name.
    """
    path = Path(notebook)
    check_locale(lang)
    stem = check_stem(stem if stem is not None else path.stem)
    fmts = _check_formats(formats)
    if "ipynb" in fmts and out_dir is None:
        raise RenderError(f"{display_path(path)}: give out_dir to write the executed notebook (it would replace the draft)")
    if out_dir is not None:
        prepare_out_dir(out_dir, create=False)
    if execute_first:
        nb = execute(path, None, cwd=path.parent, kernel_name=kernel_name, timeout=timeout)
    else:
        import nbformat

        try:
            nb = nbformat.read(path, as_version=4)
        except FileNotFoundError:
            raise RenderError(f"{display_path(path)}: no such notebook") from None
    return export(
        nb, path.parent if out_dir is None else out_dir, stem, fmts, lang=lang, title=title, footer=footer, audit=audit
    )


class KernelLog:
    """Send file descriptor 2 to a temporary file while a kernel runs, then restore it.

    A kernel inherits our stderr and logs start-up chatter there ("Kernel is running over TCP …",
    "KeyboardInterrupt caught in kernel" at shutdown). A failure still reaches the user as one RenderError
    line; the kernel's own log is shown only with ``WEALTH_DEBUG=1``.
    """

    def __enter__(self):
        sys.stderr.flush()
        self._log = tempfile.TemporaryFile()
        self._saved = os.dup(2)
        os.dup2(self._log.fileno(), 2)
        return self

    def __exit__(self, exc_type, exc, tb):
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        if exc_type is not None and os.environ.get("WEALTH_DEBUG"):
            self._log.seek(0)
            sys.stderr.write(self._log.read().decode("utf-8", "replace"))
        self._log.close()
        return False
