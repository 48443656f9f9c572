"""The advice lifecycle's records store: what each client decided about each proposal, and what each client was
given. Append-only: rows are added, never changed or removed (the database refuses UPDATE and DELETE).

Where it lives
--------------
An embedded SQLite database, by default ``<params>/records.sqlite`` (git-ignored; it holds client decisions).
A firm's own database is named by URL in ``WEALTH_RECORDS`` (or the ``url`` argument):

* ``sqlite:///relative/path.sqlite`` — relative to the params folder;
* ``sqlite:////absolute/path.sqlite`` — an absolute path (four slashes, as in SQLAlchemy's URLs).

Only ``sqlite:`` URLs are understood (the standard library's ``sqlite3``); any other scheme is refused naming
``WEALTH_RECORDS``.

Tables
------
``decisions``: ``client``, ``decided_on`` (the date the client decided), ``decision`` (``accepted`` /
``declined``), ``proposal_hash`` (the proposal's audit hash, from its signed PDF), ``proposal_as_of``,
``risk_class`` (the class the proposal was made for), ``target`` (JSON code → weight; accepted only),
``reason`` (declined only), ``source_sha256`` (of the PDF), ``recorded_at`` (UTC, when the row was written).

``documents``: one row per document a client was given, from the guard's archive index
(``<archive>/index.jsonl``, :mod:`wealthlib.guard.archive`): ``client``, ``sha256``, ``kind``, ``as_of``,
``inputs_hash``, ``file``, ``archived_at``. :func:`index_archive` adds the index lines not yet in the store
(the archive stays the write-once source; the store is its queryable index).

The agreed target
-----------------
:func:`agreed_target` is the target of the client's latest acceptance dated on or before a date: the target
a review measures drift against. A decline leaves the earlier agreed target in force.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from .errors import WealthError, display_path

__all__ = [
    "DEFAULT_NAME", "Decision", "RecordsError", "RecordsStore", "agreed_target", "index_archive", "open_store",
    "store_path",
]

DEFAULT_NAME = "records.sqlite"
ENV = "WEALTH_RECORDS"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'declined')),
    proposal_hash TEXT NOT NULL,
    proposal_as_of TEXT NOT NULL,
    risk_class TEXT NOT NULL DEFAULT '',
    target TEXT,
    reason TEXT,
    source_sha256 TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_client ON decisions (client, decided_on);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT '',
    as_of TEXT,
    inputs_hash TEXT,
    file TEXT NOT NULL DEFAULT '',
    archived_at TEXT
);
CREATE INDEX IF NOT EXISTS documents_client ON documents (client);
"""
_APPEND_ONLY = """
CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} BEGIN SELECT RAISE(ABORT, 'append-only'); END;
"""


class RecordsError(WealthError):
    """The records store cannot be opened or written (``<where>: records: <problem>``)."""


@dataclass(frozen=True)
class Decision:
    """One recorded decision of a client about a proposal."""

    client: str
    decided_on: date
    decision: str                 # accepted | declined
    proposal_hash: str
    proposal_as_of: date
    risk_class: str
    target: dict[str, float] | None
    reason: str | None


def store_path(params: str | Path, url: str | None = None) -> Path:
    """The SQLite file of the store: ``url`` or ``WEALTH_RECORDS`` (``sqlite:`` URLs), else the params folder's."""
    url = url if url is not None else os.environ.get(ENV) or None
    if url is None:
        return Path(params) / DEFAULT_NAME
    if not url.startswith("sqlite:///"):
        raise RecordsError(f"{ENV}: records: only sqlite:///path URLs are supported (relative to the params folder,"
                           " or sqlite:////absolute/path)")
    rest = url[len("sqlite:///"):]
    if not rest:
        raise RecordsError(f"{ENV}: records: the URL names no file")
    p = Path(rest)
    return p if p.is_absolute() else Path(params) / p


class RecordsStore:
    """An open store (use :func:`open_store`); each method is one transaction."""

    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
            self._db.executescript(_SCHEMA + _APPEND_ONLY.format(t="decisions") + _APPEND_ONLY.format(t="documents"))
        except (OSError, sqlite3.Error) as exc:
            raise RecordsError(f"{display_path(path)}: records: cannot open: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def _insert(self, sql: str, values: tuple) -> None:
        try:
            with self._db:  # one transaction
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(sql, values)
        except sqlite3.Error as exc:
            raise RecordsError(f"{display_path(self.path)}: records: cannot write: {exc}") from None

    def record(self, d: Decision, *, source_sha256: str = "") -> None:
        """Append one decision."""
        self._insert(
            "INSERT INTO decisions (client, decided_on, decision, proposal_hash, proposal_as_of, risk_class, target,"
            " reason, source_sha256, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (d.client, d.decided_on.isoformat(), d.decision, d.proposal_hash, d.proposal_as_of.isoformat(),
             d.risk_class, None if d.target is None else json.dumps(d.target, sort_keys=True), d.reason,
             source_sha256, datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def decisions(self, client: str | None = None, on_or_before: date | None = None) -> list[Decision]:
        """Decisions (oldest first, by decision date then by when recorded), of one client or all."""
        sql = ("SELECT client, decided_on, decision, proposal_hash, proposal_as_of, risk_class, target, reason "
               "FROM decisions WHERE (? IS NULL OR client = ?) AND (? IS NULL OR decided_on <= ?) "
               "ORDER BY decided_on, id")
        when = None if on_or_before is None else on_or_before.isoformat()
        rows = self._db.execute(sql, (client, client, when, when)).fetchall()
        return [Decision(client=r[0], decided_on=date.fromisoformat(r[1]), decision=r[2], proposal_hash=r[3],
                         proposal_as_of=date.fromisoformat(r[4]), risk_class=r[5],
                         target=None if r[6] is None else json.loads(r[6]), reason=r[7]) for r in rows]

    def add_document(self, row: Mapping[str, Any]) -> bool:
        """Index one archived document (an ``index.jsonl`` line); False if its sha256 is already indexed."""
        try:
            with self._db:
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO documents (client, sha256, kind, as_of, inputs_hash, file, archived_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (str(row.get("client", "")), str(row.get("sha256", "")), str(row.get("kind") or ""),
                     row.get("as_of"), row.get("inputs_hash"), str(row.get("file") or ""), row.get("archived_at")))
        except sqlite3.Error as exc:
            raise RecordsError(f"{display_path(self.path)}: records: cannot write: {exc}") from None
        return cur.rowcount == 1

    def documents(self, client: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """What each client was given (oldest first)."""
        cur = self._db.execute(
            "SELECT client, sha256, kind, as_of, inputs_hash, file, archived_at FROM documents "
            "WHERE (? IS NULL OR client = ?) AND (? IS NULL OR kind = ?) ORDER BY id",
            (client, client, kind, kind))
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def open_store(params: str | Path, url: str | None = None) -> "closing[RecordsStore]":
    """``with open_store(params) as store: …`` — the store :func:`store_path` names, created if missing."""
    return closing(RecordsStore(store_path(params, url)))


def existing_store(params: str | Path, url: str | None = None) -> "closing[RecordsStore] | None":
    """The store if its file exists (a reader never creates one), else None."""
    p = store_path(params, url)
    return closing(RecordsStore(p)) if p.is_file() else None


def index_archive(store: RecordsStore, folder: str | Path | None) -> int:
    """Index the archive's documents not yet in the store; returns how many were added."""
    if folder is None:
        return 0
    from .guard.archive import list_archive

    return sum(store.add_document(row) for row in list_archive(folder))


def agreed_target(decisions: list[Decision], client: str, on_or_before: date) -> Decision | None:
    """The client's latest acceptance dated on or before ``on_or_before`` (None: no agreed target)."""
    accepted = [d for d in decisions if d.client == client and d.decision == "accepted" and d.decided_on <= on_or_before]
    return accepted[-1] if accepted else None




# --------------------------------------------------------------------------------------------- wealth accept


def proposal_decision(pdf: str | Path, client_id: str, *, decided_on: date, declined: str | None,
                      firm_cert: Any = None) -> tuple[Decision, str]:
    """The decision of ``client_id`` about the signed proposal ``pdf`` (and the PDF's sha256).

    The proposal's audit hash, as-of date, risk class and target weights are read from the audit record in the
    PDF's metadata (:func:`wealthlib.guard.signing.verify_pdf`). The PDF must be signed, intact and unchanged
    since signing (by the firm's certificate when one is configured), be a proposal of this client, and be dated
    on or before the decision. Every refusal is one :class:`RecordsError` naming the file and the field, never
    a value of the client's."""
    import hashlib

    from .guard.signing import verify_pdf

    where = display_path(Path(pdf))
    if not Path(pdf).is_file():
        raise RecordsError(f"{where}: --proposal: no such file")
    v = verify_pdf(pdf, firm_cert)
    if not v.audit:
        raise RecordsError(f"{where}: audit record: missing (not a document of this workbench)")
    if not v.ok:
        raise RecordsError(f"{where}: signature: the proposal is not signed by the firm or changed after signing "
                           "(wealth verify says which)")
    a = v.audit
    target = a.get("target_weights")
    if "inputs_hash" not in a or not isinstance(target, dict) or not target:
        raise RecordsError(f"{where}: audit record: no proposal target (a proposal made by an earlier version, or "
                           "not a proposal)")
    if v.inputs.get("kind") != "proposal" or v.inputs.get("client") != client_id:
        raise RecordsError(f"{where}: client: the proposal is not this client's")
    try:
        as_of = date.fromisoformat(str(a.get("as_of")))
    except ValueError:
        raise RecordsError(f"{where}: audit record.as_of: not a date") from None
    if decided_on < as_of:
        raise RecordsError(f"{where}: --date: the decision is dated before the proposal")
    if declined is not None and not declined.strip():
        raise RecordsError(f"{where}: --declined: give the client's reason")
    weights = {str(k): float(w) for k, w in target.items()}
    d = Decision(client=client_id, decided_on=decided_on, decision="declined" if declined is not None else "accepted",
                 proposal_hash=str(a["inputs_hash"]), proposal_as_of=as_of, risk_class=str(a.get("risk_class", "")),
                 target=None if declined is not None else weights, reason=declined)
    return d, hashlib.sha256(Path(pdf).read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------- the book


def acceptance(decisions: list[Decision], documents: list[Mapping[str, Any]], advisor_of: Mapping[str, str],
               as_of: date) -> "Any":
    """Proposals made, accepted, declined and pending per advisor at ``as_of`` (a DataFrame, one row per advisor
    of ``advisor_of``, the book's clients → their advisor).

    A proposal is identified by its audit hash: made when the archive holds it (``kind`` proposal, dated on or
    before ``as_of``) or a decision names it; its state is the latest decision about it dated on or before
    ``as_of`` (none: pending). Acceptance rate = accepted ÷ (accepted + declined), blank when none is decided."""
    import pandas as pd

    made: dict[tuple[str, str], str] = {}
    for doc in documents:
        c, h = str(doc.get("client")), doc.get("inputs_hash")
        if c in advisor_of and doc.get("kind") == "proposal" and h and str(doc.get("as_of") or "") <= as_of.isoformat():
            made[(c, str(h))] = "pending"
    for d in decisions:  # oldest first: the latest decision wins
        if d.client in advisor_of and d.decided_on <= as_of:
            made[(d.client, d.proposal_hash)] = d.decision
    rows = []
    for adv in sorted(set(advisor_of.values())):
        states = [s for (c, _), s in made.items() if advisor_of[c] == adv]
        acc, dec = states.count("accepted"), states.count("declined")
        rows.append({"advisor": adv, "proposals": len(states), "accepted": acc, "declined": dec,
                     "pending": states.count("pending"), "rate": acc / (acc + dec) if acc + dec else float("nan")})
    return pd.DataFrame(rows, columns=["advisor", "proposals", "accepted", "declined", "pending", "rate"])


def book_acceptance(params: str | Path, policy: Any, advisor_of: Mapping[str, str], as_of: date) -> "Any":
    """:func:`acceptance` of the params folder's store and the policy's archive (read, never written)."""
    from .guard.archive import archive_folder, list_archive

    decisions: list[Decision] = []
    docs: dict[str, Mapping[str, Any]] = {}
    store = existing_store(params)
    if store is not None:
        with store as s:
            decisions = s.decisions()
            docs = {d["sha256"]: d for d in s.documents()}
    folder = archive_folder(policy, params)
    if folder is not None:
        for row in list_archive(folder):
            docs.setdefault(str(row.get("sha256")), row)
    return acceptance(decisions, list(docs.values()), advisor_of, as_of)


def decisions_key(params: str | Path) -> dict[str, str]:
    """Client id → SHA-256 of that client's recorded decisions (none: absent), for a batch's resume key: a
    decision recorded since the last run re-renders that client's review, nobody else's."""
    import hashlib

    store = existing_store(params)
    if store is None:
        return {}
    with store as s:
        rows = s.decisions()
    out: dict[str, hashlib._Hash] = {}
    for d in rows:
        out.setdefault(d.client, hashlib.sha256()).update(
            json.dumps([d.decided_on.isoformat(), d.decision, d.proposal_hash, d.target], sort_keys=True).encode())
    return {c: h.hexdigest() for c, h in out.items()}
