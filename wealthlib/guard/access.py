"""Who may see whom. A run for an advisor (``--advisor ID``) sees, drafts and renders only that advisor's
clients; a supervisor (``guard.access.supervisors`` in the policy) sees the advisors of their branches
(``guard.access.branches``).

Which client belongs to which advisor is read from the firm's book file (``guard.access.books`` in the policy,
e.g. ``books.yaml``: advisor id → client ids), never from the client files themselves: deciding whether a
file may be read must not need reading it. A client file that is read is then checked to name an advisor the
run may see (a book and a file that disagree are refused, not trusted).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from wealthlib._gc import fewer_collections
from wealthlib.errors import InputError, WealthError, display_path

__all__ = ["AccessDenied", "Viewer", "viewer_for"]


class AccessDenied(WealthError):
    """``<who> may not see client <id>: …`` — one line, no client data."""


@dataclass(frozen=True)
class Viewer:
    id: str
    role: str  # "advisor" or "supervisor"
    advisors: frozenset[str]
    clients: frozenset[str]

    def may_see(self, client_id: str) -> bool:
        return client_id in self.clients

    def check(self, client_id: str) -> None:
        if not self.may_see(client_id):
            whose = f"advisor {self.id}'s book" if self.role == "advisor" else f"the books of {self.id}'s branch"
            raise AccessDenied(f"{self.role} {self.id} may not see client {client_id!r}: not in {whose} "
                               "(guard.access.books)")

    def check_file(self, client: Any) -> None:
        """After reading a permitted file: its ``advisor`` must be one this run may see."""
        if client.advisor not in self.advisors:
            raise AccessDenied(f"{client.source or client.id}: advisor: the book gives this client to "
                               f"{'advisor ' + self.id if self.role == 'advisor' else 'this branch'}, the file "
                               f"names another advisor; fix the book or the file")

    def client_files(self, clients_dir: str | Path, names: Iterable[Path] | None = None) -> list[Path]:
        """The client files of ``clients_dir`` (or ``names``) this run may open, by file name only."""
        files = sorted(Path(clients_dir).glob("*.yaml")) if names is None else list(names)
        return [p for p in files if p.stem in self.clients]


def load_books(policy: Any, params: str | Path) -> dict[str, list[str]]:
    from wealthlib._yaml import load_yaml

    named = policy.guard.access.books
    if not named:
        raise WealthError("--advisor needs the firm's book file: set guard.access.books in policy.yaml")
    path = Path(named) if Path(named).is_absolute() else Path(params) / named
    data = load_yaml(path)
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise InputError(display_path(path), "", "must map each advisor id to a list of client ids")
    return {str(k): [str(x) for x in v] for k, v in data.items()}


def viewer_for(policy: Any, params: str | Path, who: str) -> Viewer:
    """The :class:`Viewer` for advisor or supervisor ``who``."""
    access = policy.guard.access
    books = load_books(policy, params)
    if who in access.supervisors:
        advisors = {a for branch in access.supervisors[who] for a in access.branches.get(branch, [])}
        role = "supervisor"
    elif who in books:
        advisors, role = {who}, "advisor"
    else:
        raise AccessDenied(f"{who!r} is neither an advisor in the book ({', '.join(sorted(books))}) nor a "
                           "supervisor (guard.access.supervisors)")
    clients = {c for a in advisors for c in books.get(a, [])}
    return Viewer(who, role, frozenset(advisors), frozenset(clients))


def check_books_file(path: Path, params: str | Path) -> list[WealthError]:
    """``wealth validate`` of a book file: advisor id → list of existing client ids, no client in two books,
    and each client file naming the advisor whose book holds it."""
    from wealthlib._yaml import load_yaml
    from wealthlib.clients import ID_PATTERN, load_client

    shown = display_path(path)
    try:
        data = load_yaml(path)
    except WealthError as exc:
        return [exc]
    if not isinstance(data, dict):
        return [InputError(shown, "", "must map each advisor id to a list of client ids")]
    problems: list[WealthError] = []
    owner: dict[str, str] = {}
    folder = Path(params) / "clients"
    for advisor, ids in data.items():
        if not isinstance(ids, list) or not all(isinstance(x, str) and ID_PATTERN.match(x) for x in ids):
            problems.append(InputError(shown, str(advisor), "must be a list of client ids"))
            continue
        for cid in ids:
            if cid in owner:
                problems.append(InputError(shown, str(advisor), f"client {cid} is also in the book of {owner[cid]}"))
                continue
            owner[cid] = str(advisor)
            file = folder / f"{cid}.yaml"
            if not file.is_file():
                problems.append(InputError(shown, str(advisor), f"client {cid}: no file {display_path(file)}"))
                continue
            try:  # as `wealth validate` reads the clients folder's files (once: clients.reading_once)
                client = load_client(file, folder)
            except WealthError:
                continue  # the client file's own problems are listed when it is checked
            if client.advisor != advisor:
                problems.append(InputError(shown, str(advisor), f"client {cid}: the file names another advisor"))
    return problems


@fewer_collections()
def load_visible(viewers: Iterable[Viewer], clients_dir: str | Path) -> tuple[list[Any], list[Any]]:
    """The client files the viewers may see (and only those are opened): ``(clients, problems)`` as
    :func:`wealthlib.clients.load_clients` gives them; a file naming an advisor outside the book is a problem."""
    from wealthlib.clients import load_client
    from wealthlib.errors import InputErrors

    viewers = list(viewers)
    files = sorted({p for v in viewers for p in v.client_files(clients_dir)})
    clients, problems = [], []
    for path in files:
        try:
            c = load_client(path)
            next(v for v in viewers if v.may_see(c.id)).check_file(c)
            clients.append(c)
        except InputErrors as exc:
            problems.extend(exc.errors)
        except WealthError as exc:
            problems.append(exc)
    return clients, problems


def book_scope(policy: Any, params: str | Path, advisors: Iterable[str] | None
               ) -> tuple[list[Any], list[Any], list[str]] | None:
    """For ``wealth book report --advisor A …``: the clients those advisors (or a supervisor's branch) may see,
    read without opening any other file, and the advisors to report on. None when the run is not restricted
    (no ``--advisor``, ``all``, an id the book does not know — reported as before — or no book file)."""
    names = list(dict.fromkeys(advisors or []))
    if not names or "all" in names or not policy.guard.access.books:
        return None
    books = load_books(policy, params)
    if any(a not in books and a not in policy.guard.access.supervisors for a in names):
        return None
    viewers = [viewer_for(policy, params, a) for a in names]
    clients, problems = load_visible(viewers, Path(params) / "clients")
    targets = sorted({a for v in viewers for a in v.advisors if any(c.advisor == a for c in clients)})
    return clients, problems, targets
