"""How ``wealth propose`` (and ``wealth demo``) turn a built proposal into documents, and the handshake that
lets the three costly parts of a proposal overlap.

A proposal costs three things: building it (market, estimates, allocation, analytics, charts), loading the
export stack (papermill, nbconvert, WeasyPrint) and running ``templates/proposal.ipynb`` in a kernel. On two
cores :func:`propose` does them side by side, with three processes and this handshake:

1. **Parent** (the ``wealth propose`` process) makes a private temporary folder holding the marker
   ``proposal.json.pending`` (the kernel's sign that a proposal is on its way), opens a one-way pipe
   (child → parent) and forks the **child**.
2. **Child** calls :func:`~wealthlib.documents.build_proposal` with an ``on_checked`` hook. As soon as the checks
   pass (KYC valid, allocation feasible) it sends ``("checked", header)``: the few fields the parent needs to
   start the document (client id and name, locale, title, disclaimer, audit line, default advisor text).
   Then it computes the rest, writes ``proposal.json`` atomically and sends ``("done", None)``. On any failure
   it writes the one-line message to ``proposal.json.failed`` and sends ``("error", message)``.
3. **Parent**, meanwhile, imports and warms the export stack (step by step, stopping early once the child's first
   message is waiting: a failed check then costs only the check), then waits for that message. Anything
   but ``"checked"`` (an error, or the pipe closing because the child died) stops the command with that one
   line: no kernel has started and nothing is written. After ``"checked"`` a watcher thread waits for the
   second message; if the child fails or dies without writing ``proposal.json.failed``, the watcher writes it,
   so the kernel never waits for a proposal that will not come.
4. **Kernel** (started by the parent with the parameter ``prebuilt`` = the path of ``proposal.json``) calls
   :func:`load_proposal`: while ``proposal.json`` does not exist it waits, stops with the message of
   ``proposal.json.failed`` once that appears, or with "no such proposal file" when no ``.pending`` marker
   says one is coming. The proposal file is written atomically, so the kernel never reads half of it.
5. A failed render whose cause is the child's failure reports the child's message (not the kernel's
   traceback line); either way :func:`wealthlib.render.render` writes nothing unless every format succeeded.
   The parent then reaps the child; the temporary folder goes with the command.

Without ``fork`` (not on Linux) the proposal is built first, then rendered: same documents, no overlap.
``wealth demo`` uses :func:`build_in_child` in a one-worker fork pool and :func:`render_proposal` for each
proposal the worker has built, and :func:`wealthlib.documents.render_draft` builds a draft's proposal before
its kernel starts: there the file exists before the kernel asks, and no ``.pending`` marker is made.

The template imports :func:`load_proposal` as ``wealthlib.documents.load_proposal`` (an alias kept there so
that the template, and the drafts made from it, stay as they are).
"""

from __future__ import annotations

from ._tmp import private_tempdir

from pathlib import Path
from typing import Any, Optional

from .documents import Proposal, build_proposal, prepare_advisor_cells
from .errors import WealthError
from .render import KernelLog, render, write_atomic
from .resources import template_path

__all__ = ["propose", "render_proposal", "build_in_child", "load_proposal", "client_param"]


def client_param(client: str) -> str:
    """The client reference as the kernel should see it: an id, or an absolute path to a YAML file."""
    if client.endswith((".yaml", ".yml")) or "/" in client:
        return str(Path(client).resolve())
    return client


def render_proposal(proposal: Proposal, client: str, params: Path, out_dir: Path, formats: tuple[str, ...],
                    objective: Optional[str], seed: int) -> dict:
    """Execute templates/proposal.ipynb for an already built (and so already checked) proposal."""

    import nbformat

    nb = nbformat.read(template_path("proposal.ipynb"), as_version=4)
    prepare_advisor_cells(nb, proposal)
    with private_tempdir("wealth-propose-") as tmp:  # 0700, removed even after kill -9: it holds client data
        tpl = Path(tmp) / "proposal.ipynb"
        nbformat.write(nb, tpl)
        prebuilt = Path(tmp) / "proposal.json"
        prebuilt.write_text(proposal.to_json(), encoding="utf-8")
        parameters = {"client": client_param(client), "as_of": proposal.as_of.isoformat(),
                      "locale": proposal.locale, "params": str(Path(params).resolve()), "objective": objective,
                      "seed": seed, "prebuilt": str(prebuilt)}
        pdf_finish, archive = _sealing(proposal, client, Path(params), objective, seed) if "pdf" in formats \
            else (None, None)
        with KernelLog():
            written = render(tpl, parameters, out_dir, proposal.stem, formats, lang=proposal.locale,
                             title=f"{proposal.title} — {proposal.client_name}", footer=proposal.disclaimer,
                             audit=proposal.audit_line, pdf_finish=pdf_finish, kind="proposal")
        if archive is not None:
            archive(written["pdf"])
        return written


def _sealing(proposal: Proposal, client: str, params: Path, objective: Optional[str], seed: int,
             views: Any = None):
    """``(pdf_finish, archive)`` of a proposal (wealthlib.guard.signing): audit record and inputs embedded,
    signed with the firm's certificate, archived write-once. The parameters recorded are a draft's, so that
    ``wealth verify --rebuild`` can re-render the document as a draft of the same template."""
    from .documents import _client_path, _find_params
    from .guard.signing import seal_and_archive

    params = _find_params(Path(params))
    views = str(views) if views else None
    return seal_and_archive(
        kind="proposal", client_id=proposal.client_id, client_file=_client_path(client, params), params=params,
        parameters={"client": proposal.client_id, "as_of": proposal.as_of.isoformat(), "locale": proposal.locale,
                    "objective": objective, "seed": seed, "views": views},
        audit=proposal.audit, template="proposal.ipynb", views=views)


def _with_template(kwargs: dict) -> dict:
    """build_proposal's kwargs with the installed template's audit entry (as an untouched draft records it)."""
    from .guard.draft import installed_template_record

    return {"template": installed_template_record("proposal.ipynb"), **kwargs}


def build_in_child(client: str, kwargs: dict, keep_kind: bool = False) -> tuple[str, Any]:
    """Runs in a forked child: ``("ok", proposal JSON)`` or ``("error", message)``; with ``keep_kind`` the
    error is a :class:`KycExpired` or a plain :class:`WealthError` carrying the message (safe to pickle)."""
    from .context import KycExpired

    try:
        return "ok", build_proposal(client, **_with_template(kwargs)).to_json()
    except WealthError as exc:
        message = str(exc)
        if keep_kind:
            return "error", KycExpired(message) if isinstance(exc, KycExpired) else WealthError(message)
        return "error", message
    except Exception as exc:  # noqa: BLE001 - reported as one line like any other
        message = f"unexpected {type(exc).__name__}: {exc}"
        return "error", WealthError(message) if keep_kind else message


def load_proposal(path: str | Path, timeout: float = 300.0) -> Proposal:
    """The kernel's side of the handshake (step 4): the proposal saved at ``path``.

    While ``<path>.pending`` exists the proposal is still being computed by the process that started this
    kernel: wait for ``path`` (written atomically), or stop with the message in ``<path>.failed``.
    """
    import time

    path = Path(path)
    pending, failed = Path(f"{path}.pending"), Path(f"{path}.failed")
    deadline = time.monotonic() + timeout
    while not path.exists():
        if failed.exists():
            raise WealthError(failed.read_text(encoding="utf-8"))
        if not pending.exists():
            if path.exists():
                break
            raise WealthError(f"{path}: no such proposal file")
        if time.monotonic() > deadline:
            raise WealthError(f"{path}: the proposal was not ready after {timeout:.0f} s")
        time.sleep(0.01)
    return Proposal.from_json(path.read_text(encoding="utf-8"))


def _warm_steps():
    """Import papermill, nbconvert and WeasyPrint and compile our export template (a few seconds of CPU), one
    step per ``next()``, so that the caller can stop between steps."""
    import nbformat

    yield
    import papermill  # noqa: F401

    yield
    import weasyprint  # noqa: F401

    yield
    from .render import to_html

    to_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("…")]), lang="en", title="")


def _warm_export_stack(stop=None) -> bool:
    """Warm the export stack step by step; before each step ``stop()`` (if given) may say to stop. True when
    the whole stack is warm. ``wealth propose`` stops as soon as the child has reported (a failed check costs
    the check, not the export stack's imports); the render finishes whatever is left."""
    for _ in _warm_steps():
        if stop is not None and stop():
            return False
    return True


def _child(client: str, kwargs: dict, prebuilt: str, conn) -> None:
    """The child's side of the handshake (step 2): build, say when the checks have passed, save."""
    failed = Path(f"{prebuilt}.failed")
    try:
        proposal = build_proposal(client, on_checked=lambda header: conn.send(("checked", header)),
                                  **_with_template(kwargs))
        write_atomic(prebuilt, proposal.to_json())
        conn.send(("done", None))
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one line for the parent
        message = str(exc) if isinstance(exc, WealthError) else f"unexpected {type(exc).__name__}: {exc}"
        write_atomic(failed, message)
        conn.send(("error", message))
    finally:
        conn.close()


def _receive(conn, proc) -> tuple[str, Any]:
    """The child's next message; ``("error", …)`` when the pipe closes because the child died."""
    try:
        return conn.recv()
    except EOFError:
        proc.join()
        return "error", f"the proposal build stopped unexpectedly (exit code {proc.exitcode})"


def propose(client: str, kwargs: dict, out_dir: Path, formats: tuple[str, ...], objective: Optional[str],
            seed: int) -> dict:
    """Check, then execute and export one client's proposal (the parent's side, steps 1, 3 and 5).

    ``kwargs`` are :func:`~wealthlib.documents.build_proposal`'s (``params`` and ``as_of`` required). Returns
    the written paths by format. Raises :class:`WealthError` with the child's one-line message when the checks
    fail (nothing written, no kernel started) or the build fails later (nothing written).
    """
    import multiprocessing as mp
    import threading

    import nbformat

    params = Path(kwargs["params"])
    if "fork" not in mp.get_all_start_methods():  # pragma: no cover - not on Linux
        proposal = build_proposal(client, **_with_template(kwargs))
        return render_proposal(proposal, client, params, out_dir, formats, objective, seed)
    with private_tempdir("wealth-propose-") as tmp:  # 0700, removed even after kill -9: it holds client data
        prebuilt = Path(tmp) / "proposal.json"
        Path(f"{prebuilt}.pending").touch()
        fork = mp.get_context("fork")
        receiver, sender = fork.Pipe(duplex=False)
        proc = fork.Process(target=_child, args=(client, kwargs, str(prebuilt), sender), daemon=True)
        proc.start()
        sender.close()
        try:
            # the child's first message may come before the stack is warm: a failed check stops the warming
            _warm_export_stack(stop=lambda: receiver.poll(0))

            def check_key() -> None:  # the firm's signing key: a wrong password stops before any kernel starts
                from .documents import _find_params
                from .guard.signing import _policy_and_key

                _policy_and_key(_find_params(params))

            key_checked = "pdf" in formats and not receiver.poll(0)
            if key_checked:  # while the child is still checking
                check_key()
            kind, header = _receive(receiver, proc)
            if kind != "checked":
                raise WealthError(header)
            if "pdf" in formats and not key_checked:
                check_key()
            outcome: dict[str, Any] = {}

            def watch() -> None:
                outcome["kind"], outcome["message"] = _receive(receiver, proc)
                failed = Path(f"{prebuilt}.failed")
                if outcome["kind"] != "done" and not failed.exists():
                    failed.write_text(str(outcome["message"]), encoding="utf-8")

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            nb = nbformat.read(template_path("proposal.ipynb"), as_version=4)
            prepare_advisor_cells(nb, header["default_advisor_text"])
            tpl = Path(tmp) / "template.ipynb"
            nbformat.write(nb, tpl)
            parameters = {"client": client_param(client), "as_of": kwargs["as_of"].isoformat(),
                          "locale": header["locale"], "params": str(params.resolve()), "objective": objective,
                          "seed": seed, "prebuilt": str(prebuilt)}
            sealed: dict[str, Any] = {}

            def pdf_finish(pdf: bytes) -> bytes:  # runs after the kernel, so the saved proposal exists
                proposal = Proposal.from_json(prebuilt.read_text(encoding="utf-8"))
                sealed["finish"], sealed["archive"] = _sealing(proposal, client, params, objective, seed,
                                                               kwargs.get("views"))
                return sealed["finish"](pdf)

            try:
                with KernelLog():
                    written = render(tpl, parameters, out_dir, header["client_id"], formats, lang=header["locale"],
                                     title=f"{header['title']} — {header['client_name']}",
                                     footer=header["disclaimer"], audit=header["audit_line"],
                                     pdf_finish=pdf_finish if "pdf" in formats else None, kind="proposal")
                if "archive" in sealed:
                    sealed["archive"](written["pdf"])
                return written
            except WealthError:
                watcher.join(timeout=30)
                if outcome.get("kind") == "error":
                    raise WealthError(outcome["message"]) from None
                raise
        finally:
            proc.join(timeout=60)
            if proc.is_alive():  # pragma: no cover - only if the child hangs
                proc.terminate()
                proc.join()
