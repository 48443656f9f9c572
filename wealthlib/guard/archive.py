"""An archive of what each client was given: signed documents with their inputs, content-addressed and
write-once (Taiwanese firms keep suitability records at least five years; mainland 5 years after the
relationship ends — research/rules.md).

Layout, in the folder the policy names (``guard.archive.folder``, relative to the params folder)::

    <folder>/<client>/<sha256>.pdf            the document exactly as issued (mode 0444)
    <folder>/<client>/<sha256>.inputs/<name>  the inputs it was built from (mode 0444; also inside the PDF)
    <folder>/index.jsonl                      one JSON line per archived document, appended, never rewritten

``<sha256>`` is the SHA-256 of the PDF's bytes. A file is put in place with ``link(2)``, which refuses to
replace an existing name, so nothing archived is ever overwritten; archiving the same bytes twice is a no-op.
The index is a plain append-only file (``client``, ``sha256``, ``file``, ``archived_at`` in UTC, ``kind``,
``as_of``, ``inputs_hash``, ``template``, ``signer``); the records store of the documents issue may index the
same files later.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from wealthlib.errors import WealthError, display_path

__all__ = ["ArchiveError", "archive_document", "archive_folder", "list_archive"]

INDEX = "index.jsonl"


class ArchiveError(WealthError):
    """The archive cannot take a document (``<folder>: archive: <problem>``)."""


def archive_folder(policy: Any, params: str | Path) -> Path | None:
    """The archive folder the policy names, or None."""
    named = os.environ.get(policy.guard.archive.folder_env) or policy.guard.archive.folder
    if not named:
        return None
    p = Path(named)
    return (p if p.is_absolute() else Path(params) / p).resolve()


def _put_once(path: Path, data: bytes) -> bool:
    """Write ``data`` at ``path`` read-only, never replacing anything. True if written, False if the same bytes
    were already there; :class:`ArchiveError` if different bytes are (a content-addressed name cannot be)."""
    if path.exists():
        if path.read_bytes() == data:
            return False
        raise ArchiveError(f"{display_path(path)}: archive: a different file already has this name; not replaced")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".archive.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, path)  # fails with EEXIST instead of replacing
        except FileExistsError:
            return _put_once(path, data)
    finally:
        os.unlink(tmp)
    return True


def archive_document(folder: str | Path, client: str, pdf: bytes, inputs: Mapping[str, bytes],
                     record: Mapping[str, Any]) -> Path:
    """Put one issued document and its inputs in the archive; returns the archived PDF's path."""
    from wealthlib.clients import ID_PATTERN

    if not ID_PATTERN.match(client):
        raise ArchiveError(f"{client!r}: archive: not a client id")
    root = Path(folder)
    digest = hashlib.sha256(pdf).hexdigest()
    where = root / client
    try:
        where.mkdir(parents=True, exist_ok=True)
        target = where / f"{digest}.pdf"
        box = where / f"{digest}.inputs"
        box.mkdir(exist_ok=True)
        for name, data in inputs.items():
            if "/" in name or name.startswith("."):
                raise ArchiveError(f"{name!r}: archive: not a plain file name")
            _put_once(box / name, data)
        new = _put_once(target, pdf)
        if new:
            line = {"client": client, "sha256": digest, "file": f"{client}/{digest}.pdf",
                    "archived_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **dict(record)}
            with open(root / INDEX, "a", encoding="utf-8") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        raise ArchiveError(f"{display_path(root)}: archive: cannot write: {exc.strerror or exc}") from None
    return target


def list_archive(folder: str | Path, client: str | None = None) -> list[dict[str, Any]]:
    """The index lines (oldest first), for one client or all."""
    index = Path(folder) / INDEX
    if not index.is_file():
        return []
    rows = []
    for n, line in enumerate(index.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise ArchiveError(f"{display_path(index)}: line {n}: not a JSON record") from None
        if client is None or row.get("client") == client:
            rows.append(row)
    return rows


def record_for(audit: Mapping[str, Any], *, kind: str, signer: str = "") -> dict[str, Any]:
    """The index fields of a document from its audit record."""
    return {"kind": kind, "as_of": audit.get("as_of"), "inputs_hash": audit.get("inputs_hash"),
            "template": audit.get("template"), "policy_version": audit.get("policy_version"), "signer": signer}
