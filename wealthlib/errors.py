"""Errors meant for people: each names the file, the field and what is wrong.

Every error a user can cause derives from :class:`WealthError`; the CLI prints ``str(err)`` and exits 1,
never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class WealthError(Exception):
    """Base of every error a user can cause and fix."""


class InputError(WealthError):
    """Bad input data: ``<file>: <field>: <problem>``.

    ``field`` is a dotted path into the document (``holdings.TW0050.amount``); empty for file-level problems.
    """

    def __init__(self, source: str | Path, field: str, problem: str):
        self.source = str(source)
        self.field = field
        self.problem = problem
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {problem}")


class InputErrors(WealthError):
    """Several input problems found in one pass (``wealth validate`` lists them all)."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def display_path(path: str | Path) -> str:
    """A path as the user should see it: relative to the working directory when it is inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
