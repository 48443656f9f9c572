"""Compliance wording checks: forbidden claims in everything a person writes into a client's document.

What is checked: the advisor's texts (the draft's ``advisor-text`` cells), override and exception reasons,
the reason given for rendering a modified template, and what the client file holds in a person's words that a
document prints (notes, goal names, the contact log's meeting notes). What is forbidden is data: rule sets in
``wealthlib/data/wording/<name>.yaml`` (Taiwan ``tw``, mainland ``cn``, English ``en``), chosen by the policy's
``guard.wording.rule_sets``; a rule listed in ``guard.wording.warn`` warns instead of refusing.

Matching, so that a claim cannot hide behind its spelling: the text and every phrase are normalized alike —
Unicode NFKC (full-width ``ｇｕａｒａｎｔｅｅｄ`` and ``保證``), case folding, Traditional → Simplified
(OpenCC ``t2s``: a Traditional phrase in a zh-CN document is caught by the mainland rules and vice versa),
zero-width characters dropped, hyphens and runs of white space as one space, spaces between CJK characters
dropped (``保 證 獲 利``); between the characters of a phrase one separator (space, middle dot) is allowed.
A phrase preceded by an odd number of negation cues (``不保證獲利``, ``no guarantee of returns``; fillers such
as ``並``/``a`` may sit between) is not a claim; ``allow`` phrases (``無風險利率``, ``risk-free rate``) are
finance terms, not claims.
"""

from __future__ import annotations

import html
import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

from wealthlib.errors import InputError

__all__ = ["ClaimWarning", "ForbiddenClaim", "Hit", "RuleSet", "available_rule_sets", "check_texts",
           "client_texts", "load_rule_set", "normalise", "scan"]

DATA = Path(__file__).resolve().parent.parent / "data" / "wording"
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_DASHES = re.compile(r"[\-\u2010-\u2015\u2212_]+")
_SPACES = re.compile(r"\s+")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_SEP = r"[ ·・•.]?"


class ForbiddenClaim(InputError):
    """``<source>: <field>: forbidden claim "<phrase>" (rule <id>: <what it claims>; <citation>)``."""


class ClaimWarning(UserWarning):
    """A forbidden-claim rule the policy made a warning."""


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def normalise(text: str) -> str:
    """The form texts and phrases are compared in (see the module docstring)."""
    t = unicodedata.normalize("NFKC", str(text)).casefold()
    t = _ZERO_WIDTH.sub("", t)
    t = _t2s().convert(t)
    t = _DASHES.sub(" ", t)
    t = _SPACES.sub(" ", t)
    return _CJK_GAP.sub("", t)


def markdown_text(markdown: str) -> str:
    """What a reader sees of an advisor's markdown: rendered as the document renders it, tags removed and
    entities decoded (``保&#35657;`` is 保證 on the page), emphasis markers gone (``保**證**獲利``)."""
    from wealthlib.documents import advisor_html

    return html.unescape(re.sub(r"<[^>]+>", "", advisor_html(markdown)))


@dataclass(frozen=True)
class Rule:
    id: str
    claim: str
    cite: str
    phrases: tuple[str, ...]
    allow: tuple[str, ...]
    rule_set: str


@dataclass(frozen=True)
class Hit:
    rule: str
    phrase: str  # the rule's phrase (policy data), never the writer's own text
    field: str
    claim: str
    cite: str
    rule_set: str
    warn: bool = False

    def message(self) -> str:
        return f'forbidden claim "{self.phrase}" (rule {self.rule}: {self.claim}; {self.cite})'


class RuleSet:
    """One rule-set file, compiled."""

    def __init__(self, name: str, data: dict[str, Any]):
        self.name = name
        self.version = str(data.get("version", ""))
        self.language = data.get("language", "zh")
        self.negations = sorted({normalise(x) for x in data.get("negations", [])}, key=len, reverse=True)
        self.fillers = sorted({normalise(x) for x in data.get("fillers", [])}, key=len, reverse=True)
        self.rules = [Rule(r["id"], r.get("claim", ""), r.get("cite", ""), tuple(r["phrases"]),
                           tuple(r.get("allow", [])), name) for r in data["rules"]]
        self._patterns = [(rule, [(p, self._pattern(p)) for p in sorted(rule.phrases, key=len, reverse=True)],
                           [self._pattern(a) for a in rule.allow]) for rule in self.rules]

    def _pattern(self, phrase: str) -> re.Pattern[str]:
        chars = [c for c in normalise(phrase) if c != " "]
        body = _SEP.join(re.escape(c) for c in chars)
        if self.language == "en":
            body = r"(?<![a-z0-9])" + body
        return re.compile(body)

    def _negated(self, before: str) -> bool:
        count = 0
        rest = before.rstrip(" ·・•.,:;")
        if self.language == "en":
            words = re.findall(r"[a-z0-9']+", rest)
            for word in reversed(words[-8:]):
                if word in self.negations:
                    count += 1
                elif word not in self.fillers:
                    break
            return count % 2 == 1
        while rest:
            for cue in self.negations:
                if rest.endswith(cue):
                    count += 1
                    rest = rest[: -len(cue)].rstrip(" ")
                    break
            else:
                for filler in self.fillers:
                    if rest.endswith(filler):
                        rest = rest[: -len(filler)].rstrip(" ")
                        break
                else:
                    break
        return count % 2 == 1

    def scan(self, text: str, field: str, warn: Iterable[str] = ()) -> list[Hit]:
        norm = normalise(text)
        warn = set(warn)
        hits = []
        for rule, phrases, allows in self._patterns:
            # spans that are not claims: allowed terms, and negated phrases (longest first, so that the shorter
            # 保收益 inside a negated 不保本保收益 is not read as a claim of its own)
            covered = [m.span() for a in allows for m in a.finditer(norm)]
            found = None
            for phrase, pattern in phrases:
                for m in pattern.finditer(norm):
                    if any(a <= m.start() and m.end() <= b for a, b in covered):
                        continue
                    if self._negated(norm[: m.start()]):
                        covered.append(m.span())
                        continue
                    found = phrase
                    break
                if found is not None:
                    break  # one hit per rule and field: the longest phrase found
            if found is not None:
                hits.append(Hit(rule.id, found, field, rule.claim, rule.cite, self.name, rule.id in warn))
        return hits


def available_rule_sets() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.yaml"))


@lru_cache(maxsize=None)
def load_rule_set(name: str) -> RuleSet:
    from wealthlib._yaml import load_yaml

    return RuleSet(name, load_yaml(DATA / f"{name}.yaml"))


def scan(text: str, field: str, rule_sets: Sequence[str] = ("tw", "cn", "en"), warn: Iterable[str] = ()) -> list[Hit]:
    """Every rule of ``rule_sets`` that ``text`` breaks (one hit per rule)."""
    return [h for name in rule_sets for h in load_rule_set(name).scan(text, field, warn)]


def check_texts(texts: Iterable[tuple[str, str | None]], policy: Any, source: str, *,
                markdown: Iterable[str] = ()) -> list[Hit]:
    """Scan ``(field, text)`` pairs with the policy's rule sets. The first refusing hit raises
    :class:`ForbiddenClaim` naming ``source``, the field, the phrase and the rule; warning hits are issued as
    :class:`ClaimWarning` and returned. Fields in ``markdown`` are read as the document prints them."""
    rules = policy.guard.wording
    md = set(markdown)
    hits: list[Hit] = []
    for field, text in texts:
        if not text or not str(text).strip():
            continue
        seen = markdown_text(text) if field in md else str(text)
        for hit in scan(seen, field, rules.rule_sets, rules.warn):
            if not hit.warn:
                raise ForbiddenClaim(source, field, hit.message())
            hits.append(hit)
    for hit in hits:
        warnings.warn(f"{source}: {hit.field}: {hit.message()} (a warning by policy)", ClaimWarning, stacklevel=2)
    return hits


def client_texts(client: Any) -> list[tuple[str, str]]:
    """What a client file holds in a person's words that documents print."""
    out = [("notes", client.notes)]
    out += [(f"goals[{i}].name", g.name) for i, g in enumerate(client.goals)]
    out += [(f"contact_log[{i}].note", c.note) for i, c in enumerate(client.contact_log)]
    if client.kyc.override is not None:
        out.append(("kyc.override.reason", client.kyc.override.reason))
    return out
