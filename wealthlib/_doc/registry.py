"""The registry of section units, and the section list of each document kind (data, not code).

A unit registers itself with :func:`register` (a class decorator, as papermill registers its engines); the
modules holding a kind's units are imported on first use (:data:`UNIT_MODULES`). A document's sections and
their order are ``wealthlib/data/documents/sections.yaml`` (package data), replaced for a firm by the
``documents:`` mapping of its ``policy.yaml`` (``documents: {proposal: [cover, kyc, …]}``) — so a jurisdiction
adds, drops or reorders sections in its policy, and the policy's version and hash carry the change.

Every problem names the file and the key: ``params/policy.yaml: documents.proposal[3]: unknown section
'sumary'; the sections of a proposal: cover, …``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from ..errors import InputError, WealthError
from .base import Section

#: The file holding the default section lists, as messages name it.
SECTIONS_FILE = "wealthlib/data/documents/sections.yaml"

#: The modules whose import registers a kind's units.
UNIT_MODULES: dict[str, tuple[str, ...]] = {
    "proposal": ("wealthlib._doc.proposal",),
    "review": ("wealthlib._doc.review",),
    "book": ("wealthlib._doc.book",),
}

_UNITS: dict[str, dict[str, type[Section]]] = {}


class SectionError(WealthError):
    """A unit registered twice or badly, or a document asked for a section nobody registered."""


def register(kind: str):
    """Class decorator: make ``cls`` the unit of section ``cls.key`` in documents of ``kind``."""

    def deco(cls: type[Section]) -> type[Section]:
        if not (isinstance(cls, type) and issubclass(cls, Section)):
            raise SectionError(f"{cls!r}: a section unit must subclass wealthlib._doc.Section")
        if not cls.key or not cls.heading:
            raise SectionError(f"{cls.__module__}.{cls.__qualname__}: a section unit needs a key and a heading")
        units = _UNITS.setdefault(kind, {})
        old = units.get(cls.key)
        if old is not None and old.__qualname__ != cls.__qualname__:
            raise SectionError(f"{kind} section {cls.key!r} is registered twice: "
                               f"{old.__module__}.{old.__qualname__} and {cls.__module__}.{cls.__qualname__}")
        cls.kind = kind
        units[cls.key] = cls
        return cls

    return deco


def units(kind: str) -> dict[str, type[Section]]:
    """Every registered unit of ``kind``, by key (importing the kind's unit modules first)."""
    for mod in UNIT_MODULES.get(kind, ()):
        importlib.import_module(mod)
    return dict(_UNITS.get(kind, {}))


def unit(kind: str, key: str, *, source: str = SECTIONS_FILE, field: str = "") -> Section:
    """A fresh instance of the unit of ``key`` in ``kind``; an unknown key names ``source`` and ``field``."""
    found = units(kind)
    if key not in found:
        raise InputError(source, field or kind, _unknown(kind, key, found))
    return found[key]()


def _unknown(kind: str, key: Any, found: Iterable[str]) -> str:
    return f"unknown section {key!r}; the sections of a {kind}: {', '.join(sorted(found))}"


@lru_cache(maxsize=None)
def _defaults() -> dict[str, tuple[str, ...]]:
    import yaml

    text = (resources.files("wealthlib") / "data" / "documents" / "sections.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise InputError(SECTIONS_FILE, "", "expected a mapping of document kind → list of sections")
    out = {}
    for kind, keys in data.items():
        if kind == "version":
            continue
        out[str(kind)] = tuple(check_list(kind, keys, SECTIONS_FILE))
    return out


def default_sections(kind: str) -> tuple[str, ...]:
    """The package's section list of ``kind`` (``sections.yaml``)."""
    lists = _defaults()
    if kind not in lists:
        raise SectionError(f"{SECTIONS_FILE}: no section list for documents of kind {kind!r}")
    return lists[kind]


def check_list(kind: str, keys: Any, source: str, prefix: str = "") -> list[str]:
    """``keys`` as a valid section list of ``kind`` read from ``source`` at ``prefix`` (``documents.``), else an
    :class:`InputError` naming file and key: a list of registered keys, each once, the required ones present,
    the advisor's sections in the template's order."""
    field = f"{prefix}{kind}"
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise InputError(source, field, "must be a list of section keys")
    found = units(kind)
    if not found:
        raise InputError(source, field, "is not a kind of document with sections "
                                        f"({', '.join(k for k in UNIT_MODULES)})")
    for i, key in enumerate(keys):
        if key not in found:
            raise InputError(source, f"{field}[{i}]", _unknown(kind, key, found))
        if key in keys[:i]:
            raise InputError(source, f"{field}[{i}]", f"section {key!r} is listed twice")
    missing = [k for k, cls in found.items() if cls.required and k not in keys]
    if missing:
        raise InputError(source, field, f"section {missing[0]!r} may not be left out")
    advisor = [k for k in keys if found[k].advisor]
    order = [k for k in ADVISOR_ORDER.get(kind, ()) if k in advisor]
    if advisor != order:
        raise InputError(source, field, f"the advisor's sections must keep the template's order: {', '.join(order)}")
    return list(keys)


#: The order in which a kind's template holds its advisor-text cells (a section list may drop them, not swap them).
ADVISOR_ORDER: dict[str, tuple[str, ...]] = {"proposal": ("cover_letter", "rationale")}


def section_list(kind: str, policy: Any = None) -> tuple[str, ...]:
    """The sections of a ``kind`` document, in order: the firm's policy ``documents.<kind>`` when it has one,
    else the package's list."""
    firm = dict(getattr(policy, "documents", None) or {})
    if kind in firm:
        source = getattr(policy, "source", "") or "policy.yaml"
        return tuple(check_list(kind, firm[kind], source, "documents."))
    return default_sections(kind)


def check_policy_documents(documents: dict[str, Any], source: str) -> None:
    """Every section list of a policy's ``documents:`` mapping (``load_policy``, ``wealth validate``)."""
    for kind, keys in (documents or {}).items():
        if kind not in UNIT_MODULES:
            raise InputError(source, f"documents.{kind}",
                             f"not a kind of document with sections ({', '.join(UNIT_MODULES)})")
        check_list(kind, keys, source, "documents.")
