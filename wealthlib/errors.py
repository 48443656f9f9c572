"""Errors meant for people: each names the file, the field and what is wrong.

Every error a user can cause derives from :class:`WealthError`; the CLI prints ``str(err)`` and exits 1,
never a traceback.
"""

from __future__ import annotations

import re
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


_GOT = re.compile(r",? got .*$", re.DOTALL)


def without_value(problem: str) -> str:
    """``problem`` without the offending value it quotes for the person at the terminal (``…, got '陳美華'``)."""
    return _GOT.sub("", problem)


def wealth_error_names() -> frozenset[str]:
    """Class names of :class:`WealthError` and all its subclasses (how a kernel's traceback names them)."""
    import wealthlib.guard.wording  # noqa: F401  (its ForbiddenClaim is raised in kernels; name it here too)

    names, todo = set(), [WealthError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return frozenset(names)


def for_log(err: BaseException, limit: int = 300) -> str:
    """``err`` as one line for a manifest, an index or a log: file, field and problem, at most ``limit`` characters.

    The offending value an :class:`InputError` quotes for the person at the terminal (``…, got '陳美華'``) is
    left out: a value typed into the wrong field is client data, and logs must not hold client data.
    Several problems give the first and how many more. An error that carries a ``log_message`` (a failing
    notebook cell, :class:`wealthlib.render.RenderError`) gives that instead of its message.
    """
    if isinstance(err, InputErrors) and err.errors:
        text = for_log(err.errors[0], limit=10_000)
        if len(err.errors) > 1:
            text += f" (and {len(err.errors) - 1} more problem(s))"
    elif isinstance(err, InputError):
        problem = without_value(err.problem)
        text = f"{err.source}: {err.field}: {problem}" if err.field else f"{err.source}: {problem}"
    else:
        text = getattr(err, "log_message", None) or str(err)  # e.g. a RenderError: a cell's message withheld
    text = " ".join(text.split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
