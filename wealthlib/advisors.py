"""The firm's advisor registry: who advises, under whom, with which licences (``params/advisors.yaml``).

Every firm keeps one registry file (named by ``advisors.registry`` in ``policy.yaml``). Its schema is the same
for every jurisdiction; which licences a person who signs a client document must hold is the policy's
``advisors.licence_types`` and ``advisors.required`` (data: Taiwan's 證券商業務員 / 財富管理業務人員 / 信託業務人員,
a mainland bank's wealth-management qualification, …)::

    version: "demo-advisors-2026.11"
    branches:
      taipei-xinyi: {names: {en: Xinyi Branch, zh-TW: 信義分公司, zh-CN: 信义分公司}}
    people:
      adv-chen:
        names: {en: Chen Ya-ting, zh-TW: 陳雅婷, zh-CN: 陈雅婷}
        role: advisor                 # advisor | supervisor
        branch: taipei-xinyi
        supervisor: sup-wu            # a person of this file
        licences:
          - {type: securities_rep, number: "(107)金管證業字第0012345號", issued: 2009-07-01, expires: 2029-06-30}
        training:                     # hours of training taken (the first seed's O2.1)
          - {date: 2018-05-10, hours: 6, topic: 高齡金融消費者保護}

A client document is signed by the person's name in its locale and the registration numbers of the required
licences (:func:`signature`), never by the id. :func:`check_licences` refuses a proposal by a person who lacks a
required licence or whose licence is not valid on the as-of date, naming the person and the licence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InputError, WealthError, display_path

__all__ = ["AdvisorRules", "Licence", "Person", "Registry", "Signature", "Signers", "UnlicensedAdvisor",
           "check_licences", "check_registry", "check_signer", "check_registry_file", "display_names", "load_registry",
           "registry_for", "signature", "signers"]

Locale = Literal["en", "zh-TW", "zh-CN"]
_LOCALES = ("en", "zh-TW", "zh-CN")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_locales(v: dict[str, str]) -> dict[str, str]:
    missing = [loc for loc in _LOCALES if not (v.get(loc) or "").strip()]
    if missing:
        raise ValueError(f"needs a name in every locale; missing {', '.join(missing)}")
    return v


class _Named(_Strict):
    names: dict[Locale, str]

    @field_validator("names")
    @classmethod
    def _all_locales(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_locales(v)



class AdvisorRules(_Strict):
    """``advisors:`` in the policy: the registry file and the licences a signer of client documents needs."""

    registry: str = Field(description="the advisor registry, relative to the params folder")
    licence_types: dict[str, dict[Locale, str]] = Field(default_factory=dict, description="code → name per locale")
    required: list[str] = Field(default_factory=list, description="licence types every signer must hold, valid")

    @field_validator("licence_types")
    @classmethod
    def _named(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for names in v.values():
            _check_locales(names)
        return v

    @model_validator(mode="after")
    def _required_known(self) -> "AdvisorRules":
        unknown = [x for x in self.required if x not in self.licence_types]
        if unknown:
            raise ValueError(f"required: {', '.join(unknown)} not among licence_types")
        return self


class Licence(_Strict):
    type: str = Field(min_length=1)
    number: str = Field(min_length=1, max_length=64)
    issued: date
    expires: date | None = None  # None: does not expire

    @model_validator(mode="after")
    def _order(self) -> "Licence":
        if self.expires is not None and self.expires < self.issued:
            raise ValueError("expires is before issued")
        return self

    def valid_on(self, day: date) -> bool:
        return self.issued <= day and (self.expires is None or day <= self.expires)


class Training(_Strict):
    date: date
    hours: float = Field(gt=0, le=200)
    topic: str = Field(min_length=1)


class Branch(_Named):
    """A branch of the firm, named per locale."""


class Person(_Named):
    """An advisor or supervisor of the firm."""

    role: Literal["advisor", "supervisor"] = "advisor"
    branch: str
    supervisor: str | None = None
    licences: list[Licence] = Field(default_factory=list)
    training: list[Training] = Field(default_factory=list)

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]  # type: ignore[index]

    def licence(self, kind: str) -> Licence | None:
        """The licence of ``kind`` with the latest expiry (a renewal is a new entry)."""
        found = [x for x in self.licences if x.type == kind]
        return max(found, key=lambda x: x.expires or date.max) if found else None

    def training_hours(self, start: date, end: date) -> float:
        """Hours of training dated in ``[start, end]``."""
        return float(sum(t.hours for t in self.training if start <= t.date <= end))


class Registry(_Strict):
    version: str = Field(min_length=1)
    branches: dict[str, Branch] = Field(default_factory=dict)
    people: dict[str, Person]
    source: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _links(self) -> "Registry":
        for pid, p in self.people.items():
            if p.branch not in self.branches:
                raise ValueError(f"people.{pid}.branch: not a branch of this file")
            if p.supervisor is not None:
                sup = self.people.get(p.supervisor)
                if sup is None or sup.role != "supervisor":
                    raise ValueError(f"people.{pid}.supervisor: not a supervisor of this file")
        return self

    def person(self, pid: str) -> Person | None:
        return self.people.get(pid)


class UnlicensedAdvisor(WealthError):
    """A person without a valid required licence tried to issue a client document."""


def load_registry(path: str | Path) -> Registry:
    """Read and validate a registry file; every problem an :class:`InputError` naming file and field."""
    from ._yaml import load_yaml, validate_model

    source = display_path(path)
    data = load_yaml(path, within=Path(path).parent)
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping at the top level")
    return validate_model(Registry, data, source).model_copy(update={"source": source})


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> Registry:
    return load_registry(path)


def registry_for(policy, params: str | Path) -> Registry | None:
    """The registry the policy names (``None`` when the policy has no ``advisors:`` section)."""
    rules: AdvisorRules | None = getattr(policy, "advisors", None)
    if rules is None:
        return None
    path = Path(params) / rules.registry
    if not path.is_file():
        raise InputError(policy.source or "policy.yaml", "advisors.registry", f"no file {display_path(path)}")
    return _cached(str(path), path.stat().st_mtime_ns)


def check_registry(reg: Registry, rules: AdvisorRules) -> list[InputError]:
    """Licences of unknown types, and people of the registry without a required licence (listed, not refused:
    a person may be on leave; documents by them are refused by :func:`check_licences`)."""
    out = []
    for pid, p in reg.people.items():
        for i, lic in enumerate(p.licences):
            if lic.type not in rules.licence_types:
                out.append(InputError(reg.source, f"people.{pid}.licences[{i}].type",
                                      f"not a licence type of the policy ({', '.join(rules.licence_types)})"))
    return out


def check_registry_file(path: str | Path, params: str | Path, policy: Any) -> list[WealthError]:
    """``wealth validate`` of a registry file: its schema, licence types known to the policy, every advisor of
    the book file and of the policy's branches in it (with the same branch), every supervisor of the policy's
    access rules a supervisor of the file."""
    try:
        reg = load_registry(path)
    except WealthError as exc:
        return list(getattr(exc, "errors", [exc]))
    rules = getattr(policy, "advisors", None)
    out: list[WealthError] = list(check_registry(reg, rules)) if rules is not None else []
    access = policy.guard.access if policy is not None else None
    if access is None:
        return out
    for branch, ids in access.branches.items():
        for pid in ids:
            p = reg.person(pid)
            if p is None or p.branch != branch:
                out.append(InputError(reg.source, "people", f"{pid}: the policy's guard.access.branches puts them "
                                      f"in {branch}; the registry must list them there"))
    for sup in access.supervisors:
        p = reg.person(sup)
        if p is None or p.role != "supervisor":
            out.append(InputError(reg.source, "people", f"{sup}: a supervisor of guard.access.supervisors must be "
                                  "a supervisor of the registry"))
    if access.books:
        from ._yaml import load_yaml

        try:
            book = load_yaml(Path(params) / access.books)
        except WealthError:
            return out  # the book file's own problems are listed when it is checked
        for pid in book if isinstance(book, dict) else ():
            if reg.person(str(pid)) is None:
                out.append(InputError(reg.source, "people", f"{pid}: has a book ({access.books}) but is not in "
                                      "the registry"))
    return out


def check_licences(reg: Registry, rules: AdvisorRules, pid: str, on: date) -> Person:
    """The person ``pid`` if they hold every required licence valid on ``on``, else :class:`UnlicensedAdvisor`
    naming the person, the licence and why (missing, not yet issued, expired)."""
    p = reg.person(pid)
    if p is None:
        raise UnlicensedAdvisor(f"{reg.source}: people: advisor {pid} is not in the firm's advisor registry; "
                                "add them before they issue a document")
    for kind in rules.required:
        lic = p.licence(kind)
        label = f"{rules.licence_types[kind]['en']} ({kind})"
        who = f"{p.name('en')} ({pid})"
        if lic is None:
            raise UnlicensedAdvisor(f"{reg.source}: people.{pid}.licences: {who} holds no {label} licence, "
                                    f"required to issue a proposal")
        if not lic.valid_on(on):
            why = (f"expired on {lic.expires.isoformat()}" if lic.expires is not None and on > lic.expires
                   else f"is valid only from {lic.issued.isoformat()}")
            raise UnlicensedAdvisor(f"{reg.source}: people.{pid}.licences: the {label} licence of {who} {why}; "
                                    f"a proposal as of {on.isoformat()} needs it valid")
    return p


def check_signer(policy: Any, params: str | Path, pid: str, on: date) -> Person | None:
    """The registry's person ``pid``, licensed on ``on`` (:func:`check_licences`); ``None`` when the policy
    keeps no registry."""
    reg = registry_for(policy, params)
    return None if reg is None else check_licences(reg, policy.advisors, pid, on)


@dataclass(frozen=True)
class Signature:
    """What a signature block prints for one person: name, branch, and each required licence's number."""

    name: str
    branch: str
    licences: tuple[tuple[str, str], ...]  # (licence name in the locale, registration number)

    def line(self, sep: str = "; ") -> str:
        return sep.join(f"{n} {num}" for n, num in self.licences)

    def label(self, locale: str) -> str:
        """Name and registration numbers as one printed line: ``王大明（證券商業務員 SR-…；…）``."""
        if not self.licences:
            return self.name
        if locale.startswith("zh"):
            return f"{self.name}（{self.line('；')}）"
        return f"{self.name} ({self.line()})"


@dataclass(frozen=True)
class Signers:
    """Who signs a client's documents: the advisor and the advisor's supervisor (``None`` without a registry,
    or when the registry names no supervisor)."""

    advisor: Signature | None
    supervisor: Signature | None
    advisor_id: str
    supervisor_id: str | None = None

    def advisor_name(self) -> str:
        return self.advisor.name if self.advisor is not None else self.advisor_id

    def advisor_label(self, locale: str) -> str:
        return self.advisor.label(locale) if self.advisor is not None else self.advisor_id

    def supervisor_label(self, locale: str) -> str:
        if self.supervisor is not None:
            return self.supervisor.label(locale)
        return self.supervisor_id or ""


def signers(policy: Any, params: str | Path, pid: str, locale: str) -> Signers:
    """The signers of a document by advisor ``pid`` in ``locale``: names and registration numbers from the
    registry the policy names. Without a registry (a policy with no ``advisors:``) only the id is known."""
    reg = registry_for(policy, params)
    if reg is None:
        return Signers(None, None, pid)
    p = reg.person(pid)
    sup = p.supervisor if p is not None else None
    return Signers(signature(reg, policy.advisors, pid, locale),
                   signature(reg, policy.advisors, sup, locale) if sup else None, pid, sup)


def display_names(policy: Any, params: str | Path, locale: str) -> dict[str, str]:
    """Every person of the registry: id → name in ``locale`` (``{}`` without a registry), for documents that
    list people (an override's author, a review's action owners, the book's advisors)."""
    reg = registry_for(policy, params)
    return {} if reg is None else {pid: p.name(locale) for pid, p in reg.people.items()}


def signature(reg: Registry, rules: AdvisorRules, pid: str, locale: str) -> Signature | None:
    """The signature of ``pid`` in ``locale`` (``None`` when the person is not in the registry)."""
    p = reg.person(pid)
    if p is None:
        return None
    lic = []
    for kind in rules.required or list(rules.licence_types):
        found = p.licence(kind)
        if found is not None:
            names = rules.licence_types[kind]
            lic.append((names.get(locale) or names["en"], found.number))
    b = reg.branches[p.branch].names
    return Signature(p.name(locale), b.get(locale) or b["en"], tuple(lic))
