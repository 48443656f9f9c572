"""The advisor's studio: a what-if panel in the proposal draft (JupyterLab, ipywidgets).

The advisor picks an objective, moves risk aversion (γ) or the ``max_return`` volatility target within the
policy's ``what_if`` limits for the client's class, excludes or pins products, overrides the class where the
policy allows it (a reason is required and checked for forbidden claims) and chooses a views file. Each change
re-solves the client's compiled problem (:class:`wealthlib.allocate.ClientProblem`) and redraws, in one HTML
widget: allocation by product and by class, trades, expected return and its range, each product's
suitability, the efficient frontier with the current and proposed portfolios marked (inline SVG: no image
encoding on the way), and what binds.

What the panel offers is what the policy allows (:class:`Limits`): products on the shelf with estimates, at
or below the client's ceiling and not excluded by the client file; override classes at or below the assessed
class unless ``what_if.upward_override``; γ and the volatility target in their ranges.

What the panel chose is what gets rendered: "Save choices" writes them to a JSON file beside the draft
(``choices.json``, named by the template parameter ``choices``) — data only, never code, so the draft's
notebook keeps its template fingerprint and its parameters cell its literals. ``wealth render`` (and the
draft's own build cell) read it with :func:`read_choices` (every field checked, ``<file>: <field>: <problem>``)
and :func:`wealthlib.documents.build_proposal` checks the values against the policy with
:func:`check_what_if` before anything is computed, so a hand-edited file cannot pass what the panel would not
offer. Saved values replace the parameters cell's ``objective``, ``exclude``, ``override_class``,
``override_reason`` and ``views``.

Pure parts (for tests and :mod:`benchmarks.studio`): :class:`Choices`, :class:`Studio` (``evaluate(choices)``
→ :class:`Outcome`), :func:`outcome_html`. The widget: :func:`panel`.
"""

from __future__ import annotations

import html as _html
import json
import math
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import InputError, WealthError

__all__ = ["CHOICES_FILE", "Choices", "Limits", "Outcome", "Studio", "check_what_if", "outcome_html", "panel",
           "read_choices", "write_choices"]

#: What the panel says at once when no allocation satisfies a state (the words of the conflict follow).
INFEASIBLE_LINE = "no allocation satisfies these choices; finding which constraints conflict…"

_MISSING = object()

#: The file the panel saves beside the draft (the template parameter ``choices`` names it).
CHOICES_FILE = "choices.json"

#: How much lower than the kernel the preview's render runs (an ``os.nice`` increment, taken by the render
#: process before its imports and inherited by the kernel it starts): a change made while a preview renders
#: keeps the CPU, the render takes what is left.
PREVIEW_NICE = 10

#: The preview's render, a separate process (not a thread of the kernel: no GIL shared with the panel).
_PREVIEW_CODE = """\
import json, os, sys
if hasattr(os, "nice"):
    os.nice(int(sys.argv[3]))
from wealthlib.documents import render_draft
written = render_draft(sys.argv[1], sys.argv[2], ("html", "pdf"), seal=False)
print(json.dumps({"pdf": str(written["pdf"]), "nice": os.nice(0) if hasattr(os, "nice") else None}))
"""

#: Share of a normal year's outcomes the "range" of the expected return covers (two-sided).
RANGE_COVERAGE = 0.90
_Z = 1.6448536269514722  # standard normal quantile at 95% (two-sided 90%)


# --------------------------------------------------------------------------------------------- choices


@dataclass(frozen=True)
class Choices:
    """One state of the panel. ``None`` / empty = the draft's parameter (or the policy's default)."""

    objective: str | None = None
    risk_aversion: float | None = None
    volatility_cap: float | None = None
    exclude: tuple[str, ...] = ()
    pinned: Mapping[str, float] = field(default_factory=dict)
    override_class: str | None = None
    override_reason: str | None = None
    views: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["exclude"] = sorted(self.exclude)
        d["pinned"] = {k: float(v) for k, v in sorted(self.pinned.items())}
        return d

    @classmethod
    def from_mapping(cls, data: Any, source: str) -> "Choices":
        """Strictly: unknown keys, wrong types, non-finite numbers are ``InputError(source, field, problem)``."""
        from .allocate import OBJECTIVES

        if not isinstance(data, Mapping):
            raise InputError(source, "", "must be a JSON object of the panel's choices")
        names = [f for f in cls.__dataclass_fields__]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise InputError(source, str(unknown[0]), f"not a choice of the panel (it has {', '.join(names)})")

        def text(name: str) -> str | None:
            v = data.get(name)
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise InputError(source, name, "must be text or null")
            return v

        def number(name: str) -> float | None:
            v = data.get(name)
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise InputError(source, name, "must be a positive number or null")
            return float(v)

        objective = text("objective")
        if objective is not None and objective not in OBJECTIVES:
            raise InputError(source, "objective", f"must be one of {', '.join(OBJECTIVES)} or null")
        exclude = data.get("exclude") or []
        if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
            raise InputError(source, "exclude", "must be a list of product codes")
        pinned = data.get("pinned") or {}
        if not isinstance(pinned, Mapping):
            raise InputError(source, "pinned", "must be an object {product code: weight}")
        pins: dict[str, float] = {}
        for code, w in pinned.items():
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or not 0 <= w <= 1:
                raise InputError(source, f"pinned.{code}", "must be a weight between 0 and 1")
            pins[str(code)] = float(w)
        overlap = sorted(set(pins) & set(exclude))
        if overlap:
            raise InputError(source, f"pinned.{overlap[0]}", "is also excluded; a product is pinned or excluded")
        return cls(objective=objective, risk_aversion=number("risk_aversion"), volatility_cap=number("volatility_cap"),
                   exclude=tuple(sorted(set(exclude))), pinned=pins, override_class=text("override_class"),
                   override_reason=text("override_reason"), views=text("views"))


def read_choices(path: str | Path) -> Choices:
    """The choices saved beside a draft; a missing file is no choices (the panel was never saved)."""
    from .errors import display_path

    p = Path(path)
    if not p.is_file():
        return Choices()
    source = display_path(p)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(source, "", f"not valid JSON ({type(exc).__name__})") from None
    return Choices.from_mapping(data, source)


def write_choices(path: str | Path, choices: Choices) -> Path:
    """Save the panel's choices atomically (readers see the old file or the new one)."""
    from .render import write_atomic

    return write_atomic(Path(path), json.dumps(choices.to_json_dict(), ensure_ascii=False, indent=2) + "\n")


# --------------------------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    asset_class: str
    grade: int
    cap: float  # the highest weight the policy lets one product of its class / type take


@dataclass(frozen=True)
class Limits:
    """What the panel offers for one client at one class (all from the policy, the shelf and the client)."""

    class_code: str
    class_name: str
    assessed_class: str
    ceiling: int
    objectives: tuple[str, ...]
    risk_aversion: tuple[float, float, float]  # low, high, the class's own
    volatility_cap: tuple[float, float, float]  # low, high (the class's cap), the class's own
    products: Mapping[str, Product]  # offered to exclude or pin
    override_classes: tuple[str, ...]  # classes a what-if may override to (besides none)


def _limits(policy: Any, shelf: Any, estimates: Any, client: Any, profile: Any, locale: str) -> Limits:
    from .allocate import OBJECTIVES

    ladder = policy.ladders[profile.ladder]
    rc = ladder.get(profile.final_class)
    rules, wi = policy.allocation, policy.what_if
    lo, hi = wi.risk_aversion
    vc = rc.volatility_cap if rc.volatility_cap is not None else 0.20
    client_out = set(client.restrictions.excluded_products)
    classes_out = set(client.restrictions.excluded_classes)
    offered: dict[str, Product] = {}
    for code in shelf.codes:
        prod = shelf.get(code)
        if code not in estimates.mu.index or code in client_out or prod.asset_class in classes_out:
            continue
        if int(prod.grade) > profile.ceiling:
            continue  # above the ceiling: never offered (the allocation gives it 0 anyway)
        cap = float(rules.max_product_weight.get(prod.asset_class, 1.0))
        if prod.type in rules.max_type_weight:
            cap = min(cap, float(rules.max_type_weight[prod.type]))
        offered[code] = Product(code, prod.name(locale),
                                prod.asset_class, int(prod.grade), cap)
    assessed, classes = _override_classes(policy, client, profile)
    return Limits(class_code=rc.code, class_name=rc.name(locale), assessed_class=assessed, ceiling=int(profile.ceiling),
                  objectives=tuple(OBJECTIVES), risk_aversion=(lo * rc.risk_aversion, hi * rc.risk_aversion,
                                                               rc.risk_aversion),
                  volatility_cap=(wi.volatility_cap_min * vc, vc, vc), products=offered, override_classes=classes)


def _override_classes(policy: Any, client: Any, profile: Any) -> tuple[str, tuple[str, ...]]:
    """(the assessed class, the classes a what-if may override to) for this client.

    The assessed class is the computed one after the elderly cap (a client aged ``kyc.elderly_age`` or more is
    capped at the ladder's ``elderly_max_class``). Offered: the classes up to the assessed one, or every class
    where ``what_if.upward_override`` allows it — but never above the elderly cap for an elderly client."""
    ladder = policy.ladders[profile.ladder]
    cap = ladder.elderly_max_class
    if cap is None or not client.is_elderly(profile.as_of, policy.kyc.elderly_age):
        cap = None
    assessed = profile.computed_class
    if cap is not None and ladder.rank(assessed) > ladder.rank(cap):
        assessed = cap
    top = ladder.codes[-1] if policy.what_if.upward_override else assessed
    if cap is not None and ladder.rank(top) > ladder.rank(cap):
        top = cap
    return assessed, tuple(c for c in ladder.codes if ladder.rank(c) <= ladder.rank(top))


def check_what_if(ctx: Any, client: Any, override: Any, *, risk_aversion: float | None, volatility_cap: float | None,
                  pinned: Mapping[str, float] | None, source: str = "choices") -> None:
    """Refuse (``InputError(source, field, problem)``) what the panel would not offer: γ or the volatility
    target outside the policy's ``what_if`` range for the class, a pin of a product not offered (above the
    ceiling, excluded, off the shelf) or above its cap, an upward override the policy does not allow.
    ``ctx``/``client`` are in the client's base currency; ``override`` an :class:`~wealthlib.clients.Override`."""
    from .risk import profile_client

    ladder = ctx.policy.active
    if override is not None:
        base_profile = profile_client(client.model_copy(update={"kyc": client.kyc.model_copy(update={"override": None})}),
                                      ctx.policy, ctx.as_of)
        assessed, offered = _override_classes(ctx.policy, client, base_profile)
        if override.risk_class in ladder.codes and override.risk_class not in offered:
            if ctx.policy.what_if.upward_override:  # then only the elderly cap keeps a class out
                raise InputError(source, "override_class", f"{override.risk_class!r} is above {offered[-1]!r}, the "
                                 f"highest class for a client aged {ctx.policy.kyc.elderly_age} or more (policy "
                                 "kyc.elderly_age, the ladder's elderly_max_class)")
            raise InputError(source, "override_class", f"{override.risk_class!r} is above the assessed class "
                             f"{assessed!r}; the policy allows no upward override (what_if)")
        client = client.model_copy(update={"kyc": client.kyc.model_copy(update={"override": override})})
    if risk_aversion is None and volatility_cap is None and not pinned:
        return
    profile = profile_client(client, ctx.policy, ctx.as_of)
    lim = _limits(ctx.policy, ctx.shelf, ctx.estimates, client, profile, client.locale)
    tol = 1e-9
    if risk_aversion is not None and not lim.risk_aversion[0] - tol <= risk_aversion <= lim.risk_aversion[1] + tol:
        raise InputError(source, "risk_aversion", f"must lie between {lim.risk_aversion[0]:g} and "
                         f"{lim.risk_aversion[1]:g} for class {lim.class_code} (policy what_if.risk_aversion)")
    if volatility_cap is not None and not lim.volatility_cap[0] - tol <= volatility_cap <= lim.volatility_cap[1] + tol:
        raise InputError(source, "volatility_cap", f"must lie between {lim.volatility_cap[0]:.2%} and "
                         f"{lim.volatility_cap[1]:.2%} for class {lim.class_code} (policy what_if.volatility_cap_min "
                         "and the class's cap)")
    for code, w in (pinned or {}).items():
        if code not in lim.products:
            raise InputError(source, f"pinned.{code}", "is not a product this client may hold (off the shelf, "
                             f"above the ceiling RR{lim.ceiling} or excluded)")
        if w > lim.products[code].cap + tol:
            raise InputError(source, f"pinned.{code}", f"must be at most the product's cap {lim.products[code].cap:.0%}")


# --------------------------------------------------------------------------------------------- studio


@dataclass
class Outcome:
    """What one panel state gives: an allocation (and its frontier) or, in words, why there is none."""

    choices: Choices
    limits: Limits
    allocation: Any = None  # wealthlib.allocate.Allocation
    problem: str | None = None
    frontier: Any = None  # DataFrame volatility, expected_return
    current: tuple[float, float] | None = None  # (volatility, expected return) of the current holdings
    grades: Mapping[str, int] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    currency: str = ""
    seconds: float = 0.0
    #: ``evaluate(..., explain=False)`` on an infeasible state: the diagnosis not yet run; calling it runs it,
    #: caches the words for the state and returns them (``problem`` holds :data:`INFEASIBLE_LINE` until then)
    explain: Any = None

    @property
    def ok(self) -> bool:
        return self.allocation is not None


@dataclass
class _Setup:
    ctx: Any
    client: Any
    profile: Any
    problem: Any  # ClientProblem
    limits: Limits


class Studio:
    """One client's what-ifs: the context loaded once, one compiled problem per (views, class)."""

    def __init__(self, client: Any, *, params: str | Path = "params", as_of: Any = None, locale: str | None = None,
                 frontier_points: int = 8):
        from .clients import load_client
        from .context import check_product_codes, load_context
        from .documents import _find_params

        self.params = _find_params(Path(params))
        self.root = load_context(self.params, as_of)
        self.client_file = load_client(client, self.params / "clients")
        check_product_codes(self.root, self.client_file)
        self.locale = locale or self.client_file.locale
        self.frontier_points = frontier_points
        views_dir = self.params / "views"
        self.views_options = tuple(sorted(f"views/{p.name}" for p in views_dir.glob("*.yaml"))) if views_dir.is_dir() else ()
        self._setups: dict[tuple[str | None, str | None], _Setup] = {}
        self._frontiers: dict[tuple, Any] = {}
        self._infeasible: dict[tuple, str] = {}  # what-if → why no allocation satisfies it
        self._setup_locks: dict[tuple, threading.Lock] = {}  # the panel precompiles in a thread
        self._locks_lock = threading.Lock()
        self.setup()  # the client's own problem now: an expired KYC or an infeasible policy stops here

    def setup(self, views: str | None = None, override_class: str | None = None) -> _Setup:
        key = (views, override_class)
        got = self._setups.get(key)
        if got is not None:
            return got
        with self._locks_lock:
            lock = self._setup_locks.setdefault(key, threading.Lock())
        with lock:  # one compile per key, whether the panel's precompile thread or a change asks first
            got = self._setups.get(key)
            if got is None:
                got = self._setups[key] = self._compile(views, override_class)
        return got

    def _compile(self, views: str | None, override_class: str | None) -> _Setup:
        from datetime import date as _date

        from .allocate import ClientProblem
        from .clients import Override
        from .context import client_in_base, for_client, with_views
        from .risk import profile_client

        ctx = self.root
        if views:
            from .documents import _views_path

            ctx = with_views(ctx, _views_path(views, self.params))
        ctx = for_client(ctx, self.client_file)
        c = client_in_base(ctx, self.client_file)
        if override_class is not None:
            ov = Override(risk_class=override_class, reason="what-if", by=c.advisor or "advisor",
                          date=ctx.as_of if isinstance(ctx.as_of, _date) else _date.fromisoformat(str(ctx.as_of)))
            c = c.model_copy(update={"kyc": c.kyc.model_copy(update={"override": ov})})
        profile = profile_client(c, ctx.policy, ctx.as_of)
        if profile.kyc_expired:  # as build_proposal: no new proposal, so no what-ifs, on an expired KYC
            from .context import KycExpired

            raise KycExpired(f"{c.source or c.id}: kyc.date: the KYC assessment of {profile.kyc_date} expired on "
                             f"{profile.kyc_expiry}; reassess the client before a new proposal (as of {ctx.as_of})")
        problem = ClientProblem.for_client(profile, ctx.shelf, ctx.policy, ctx.estimates, c, locale=self.locale)
        return _Setup(ctx, c, profile, problem, _limits(ctx.policy, ctx.shelf, ctx.estimates, c, profile, self.locale))

    def limits(self, choices: Choices = Choices()) -> Limits:
        return self.setup(choices.views, choices.override_class).limits

    def evaluate(self, choices: Choices, *, explain: bool = True) -> Outcome:
        """Solve one panel state. Never raises for a state the panel can reach: an infeasible or refused
        what-if is an :class:`Outcome` whose ``problem`` says why in words.

        ``explain=False`` (the panel): an infeasible state not diagnosed before answers after one solve with
        ``problem`` = :data:`INFEASIBLE_LINE` and ``explain`` set (call it, e.g. in a thread, for the words)."""
        import numpy as np

        from .allocate import AllocationError, AllocationInfeasible, efficient_frontier

        t0 = time.perf_counter()
        s = self.setup(choices.views, choices.override_class)
        lim = s.limits
        out = Outcome(choices=choices, limits=lim, currency=s.client.base_currency or "")
        spec = s.problem.spec
        out.grades = dict(zip(spec.codes, spec.grades))
        out.names = {c: (lim.products[c].name if c in lim.products else c) for c in spec.codes}
        if choices.override_class is not None and not (choices.override_reason or "").strip():
            out.problem = f"an override to {choices.override_class} needs a reason (type it in the reason box)"
            out.seconds = time.perf_counter() - t0
            return out
        try:
            if choices.override_class is not None:
                from .guard.wording import check_texts

                check_texts([("override_reason", choices.override_reason)], s.ctx.policy, "panel")
            excluded = [c for c in choices.exclude if c in spec.codes]
            pinned = {c: w for c, w in choices.pinned.items() if c in spec.codes}
            ra = choices.risk_aversion
            vc = choices.volatility_cap
            objective = choices.objective or s.problem.objective
            # whether the constraints conflict does not depend on γ (nor, but for max_return, on the target):
            # a conflict explained once is not diagnosed again (the diagnosis is many small solves)
            ikey = (choices.views, choices.override_class, objective, vc if objective == "max_return" else None,
                    tuple(sorted(excluded)), tuple(sorted(pinned.items())))
            known = self._infeasible.get(ikey)
            if known is not None:
                raise AllocationError(known)
            try:
                out.allocation = s.problem.solve(objective=choices.objective, risk_aversion=ra, volatility_cap=vc,
                                                 excluded=excluded, pinned=pinned or None, explain=explain)
            except AllocationInfeasible as exc:
                diagnosis = getattr(exc, "explain", None)
                if diagnosis is None:
                    self._infeasible[ikey] = str(exc)
                    raise
                out.problem = INFEASIBLE_LINE
                out.explain = lambda pause=None: self._explained(ikey, diagnosis, pause)
                if spec.current_weights is not None and spec.has_holdings() and spec.current_weights.sum() > 0:
                    w0 = spec.current_weights
                    out.current = (float(np.sqrt(max(w0 @ spec.covariance @ w0, 0.0))), float(spec.mu @ w0))
                out.seconds = time.perf_counter() - t0
                return out
            fkey = (choices.views, choices.override_class, tuple(sorted(excluded)), tuple(sorted(pinned.items())))
            frontier = self._frontiers.get(fkey, _MISSING)
            if frontier is _MISSING:  # (a frontier that could not be drawn is cached as None: not tried again)
                try:
                    frontier = efficient_frontier(s.problem.what_if(excluded=excluded, pinned=pinned or None),
                                                  points=self.frontier_points)
                except AllocationError:
                    frontier = None
                self._frontiers[fkey] = frontier
            out.frontier = frontier
        except (AllocationError, WealthError, ValueError) as exc:
            out.allocation = None
            out.problem = str(exc)
        if spec.current_weights is not None and spec.has_holdings() and spec.current_weights.sum() > 0:
            w0 = spec.current_weights
            cov = spec.covariance
            out.current = (float(np.sqrt(max(w0 @ cov @ w0, 0.0))), float(spec.mu @ w0))
        out.seconds = time.perf_counter() - t0
        return out

    def _explained(self, ikey: tuple, diagnosis: Any, pause: Any = None) -> str:
        known = self._infeasible.get(ikey)
        if known is None:
            known = self._infeasible[ikey] = str(diagnosis(pause=pause))
        return known

    def precompile(self, stop: threading.Event | None = None, reason: str = "precompiling the panel",
                   pause: Any = None) -> None:
        """Compile and solve, once, the problem of every class the panel offers with every views file (the
        class's own γ and objective), so a first switch of class or views re-uses them. ``stop`` ends it early;
        ``pause`` (optional) is called before each one (the panel holds it there while a change is answered)."""
        lim = self.limits()
        for views in (None, *self.views_options):
            for cls in (None, *lim.override_classes):
                if pause is not None:
                    pause()
                if stop is not None and stop.is_set():
                    return
                try:
                    self.evaluate(Choices(views=views, override_class=cls, override_reason=reason if cls else None),
                                  explain=False)
                except (WealthError, ValueError):  # e.g. an expired KYC: the change itself says so when the advisor asks
                    continue


# --------------------------------------------------------------------------------------------- display


def _e(x: Any) -> str:
    return _html.escape(str(x), quote=True)


def _pct(x: float, d: int = 1) -> str:
    return f"{100 * x:.{d}f}%"


def expected_range(expected_return: float, volatility: float) -> tuple[float, float]:
    """The one-year range holding :data:`RANGE_COVERAGE` of outcomes under a normal approximation."""
    return expected_return - _Z * volatility, expected_return + _Z * volatility


def _frontier_svg(out: Outcome, width: int = 360, height: int = 220) -> str:
    pts: list[tuple[float, float]] = []
    if out.frontier is not None and len(out.frontier):
        pts = [(float(v), float(r)) for v, r in zip(out.frontier["volatility"], out.frontier["expected_return"])]
    marks = []
    if out.current is not None:
        marks.append(("current", out.current, "#888"))
    if out.allocation is not None:
        marks.append(("proposed", (float(out.allocation.volatility), float(out.allocation.expected_return)), "#c0392b"))
    xs = [p[0] for p in pts] + [m[1][0] for m in marks]
    ys = [p[1] for p in pts] + [m[1][1] for m in marks]
    if not xs:
        return ""
    x0, x1 = min(0.0, min(xs)), max(xs) * 1.1 or 0.01
    y0, y1 = min(0.0, min(ys)), max(ys) * 1.1 or 0.01
    L, B = 44, 30

    def sx(x: float) -> float:
        return L + (x - x0) / (x1 - x0) * (width - L - 10)

    def sy(y: float) -> float:
        return height - B - (y - y0) / (y1 - y0) * (height - B - 10)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             'aria-label="efficient frontier" class="wl-frontier" style="font:11px sans-serif">',
             f'<line x1="{L}" y1="{height - B}" x2="{width - 10}" y2="{height - B}" stroke="#444"/>',
             f'<line x1="{L}" y1="10" x2="{L}" y2="{height - B}" stroke="#444"/>',
             f'<text x="{(width + L) / 2:.0f}" y="{height - 4}" text-anchor="middle">volatility (a year) 0–{_pct(x1, 0)}</text>',
             f'<text x="10" y="{(height - B) / 2:.0f}" transform="rotate(-90 10 {(height - B) / 2:.0f})" '
             f'text-anchor="middle">expected return {_pct(y0, 0)}–{_pct(y1, 0)}</text>']
    if pts:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#2c6fbb" stroke-width="2"/>')
    for label, (x, y), colour in marks:
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="5" fill="{colour}"/>'
                     f'<text x="{sx(x) + 7:.1f}" y="{sy(y) - 6:.1f}" fill="{colour}">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(head: list[str], rows: list[list[str]], cls: str) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def outcome_html(out: Outcome) -> str:
    """The panel's answer to one state: every number as text (escaped), the frontier as inline SVG."""
    lim = out.limits
    head = (f'<p class="wl-class">Class {_e(lim.class_name)} ({_e(lim.class_code)}), products up to RR{lim.ceiling}; '
            f'assessed {_e(lim.assessed_class)}.</p>')
    if not out.ok:
        return (head + f'<p class="wl-problem" style="color:#b00"><b>No allocation:</b> {_e(out.problem)}</p>'
                + _frontier_svg(out))
    a = out.allocation
    lo, hi = expected_range(a.expected_return, a.volatility)
    summary = (f'<p class="wl-summary">Objective <b>{_e(a.objective)}</b>; expected return '
               f'<b class="wl-expected">{_pct(a.expected_return, 2)}</b> a year, volatility {_pct(a.volatility, 2)}; '
               f'in {RANGE_COVERAGE:.0%} of years between {_pct(lo)} and {_pct(hi)} (normal approximation).</p>')
    weights = a.weights[a.weights.abs() > 5e-5]
    prod_rows = []
    for code, w in weights.sort_values(ascending=False).items():
        g = int(out.grades.get(code, 0))
        ok = "suitable" if g <= lim.ceiling else "NOT suitable"
        prod_rows.append([code, out.names.get(code, code), _pct(w), f"RR{g} ≤ RR{lim.ceiling}" if g <= lim.ceiling
                          else f"RR{g} > RR{lim.ceiling}", ok])
    by_product = _table(["product", "name", "weight", "grade vs ceiling", "suitability"], prod_rows, "wl-by-product")
    by_class = _table(["asset class", "weight"], [[k, _pct(v)] for k, v in a.by_class.items() if abs(v) > 5e-5],
                      "wl-by-class")
    trades = []
    amounts = a.trade_amounts
    for code, t in a.trades.items():
        if abs(t) < 5e-5:
            continue
        amt = "" if amounts is None or code not in amounts.index else f"{float(amounts[code]):,.0f} {out.currency}"
        trades.append([code, "buy" if t > 0 else "sell", _pct(abs(t)), amt])
    if a.off_shelf_sold > 5e-5:
        trades.append(["off-shelf holdings", "sell", _pct(a.off_shelf_sold), ""])
    trade_table = _table(["product", "trade", "of the portfolio", "amount"], trades, "wl-trades") if trades else \
        "<p>No trades.</p>"
    binds = "".join(f"<li>{_e(b)}</li>" for b in a.binding) or "<li>nothing binds</li>"
    notes = "".join(f"<li>{_e(n)}</li>" for n in a.notes)
    return (head + summary
            + '<div style="display:flex;gap:18px;flex-wrap:wrap"><div>' + by_product + by_class + "</div><div>"
            + _frontier_svg(out) + "</div></div>"
            + "<h4>Trades</h4>" + trade_table
            + f'<h4>What binds</h4><ul class="wl-binding">{binds}</ul>' + (f"<ul>{notes}</ul>" if notes else "")
            + f'<p class="wl-timing" style="color:#888">solved in {1000 * out.seconds:.1f} ms</p>')


# --------------------------------------------------------------------------------------------- the widget


def _notebook_path() -> Path:
    """The draft this kernel runs (JupyterLab tells its kernels through ``JPY_SESSION_NAME``)."""
    name = os.environ.get("JPY_SESSION_NAME")
    if name and name.endswith(".ipynb") and Path(name).is_file():
        return Path(name)
    return Path.cwd() / "proposal.ipynb"


def start_choices(*, objective: str | None = None, override: tuple[Any, Any] | None = None,
                  exclude: Any = (), views: str | None = None, saved: Choices | None = None) -> Choices:
    """The panel's first state: the parameters cell's values, replaced by what was saved."""
    cls, reason = (override or (None, None))[:2]
    base = Choices(objective=objective, exclude=tuple(sorted(set(exclude or ()))), override_class=cls or None,
                   override_reason=reason or None, views=views or None)
    if saved is None or saved == Choices():
        return base
    return saved


def panel(client: str, *, params: str = "params", as_of: Any = None, locale: str | None = None,
          objective: str | None = None, override: tuple[Any, Any] | None = None, exclude: Any = (),
          views: str | None = None, choices: str | None = CHOICES_FILE, prebuilt: Any = None) -> Any:
    """The what-if panel (an ipywidgets box) for the draft's client; None when the notebook is being rendered
    (``prebuilt`` set: `wealth render` / `wealth propose`, the panel has nothing to show in a document)."""
    if prebuilt:
        return None
    import ipywidgets as W

    studio = Studio(client, params=params, as_of=as_of, locale=locale)
    nb_path = _notebook_path()
    choices_path = (nb_path.parent / choices) if choices else None
    saved = read_choices(choices_path) if choices_path is not None else None
    state = {"choices": start_choices(objective=objective, override=override, exclude=exclude, views=views,
                                      saved=saved)}
    lim = studio.limits(state["choices"])
    assessed = lim.assessed_class
    ladder = studio.root.policy.active

    w_objective = W.Dropdown(options=[("policy default", None)] + [(o, o) for o in lim.objectives],
                             value=state["choices"].objective, description="Objective")
    w_ra = W.FloatSlider(description="Risk aversion γ", step=0.1, readout_format=".1f", continuous_update=False,
                         style={"description_width": "initial"})
    w_vc = W.FloatSlider(description="Volatility target", step=0.001, readout_format=".1%", continuous_update=False,
                         style={"description_width": "initial"})
    w_override = W.Dropdown(description="Class override", style={"description_width": "initial"})
    w_reason = W.Text(description="Reason", placeholder="required for an override", continuous_update=False)
    w_views = W.Dropdown(options=[("none", None)] + [(v, v) for v in studio.views_options],
                         value=state["choices"].views if state["choices"].views in studio.views_options else None,
                         description="Views")
    w_exclude = W.SelectMultiple(description="Exclude", rows=6)
    w_pin_product = W.Dropdown(description="Pin", style={"description_width": "initial"})
    w_pin_weight = W.FloatSlider(description="weight", step=0.01, readout_format=".0%", continuous_update=False)
    w_pin_add = W.Button(description="Pin")
    w_pin_clear = W.Button(description="Clear pins")
    w_save = W.Button(description="Save choices", button_style="primary")
    w_preview = W.Button(description="Preview PDF")
    w_status = W.HTML()
    w_out = W.HTML()
    w_preview_out = W.HTML()
    busy = {"sync": False}
    # What the advisor sees belongs to the newest state: each shown state takes a generation; a diagnosis
    # finished in the background is drawn only if its generation is still the shown one (under `drawing`).
    drawing = threading.Lock()
    state["generation"] = 0
    state["explained"] = threading.Event()  # set when the shown state's explanation is drawn (or superseded)
    state["explained"].set()
    # The panel's background work (the precompile, a conflict's diagnosis) waits on `idle` before each of its
    # solves while a change is being answered, so a change does not share the interpreter with it (a change
    # made during a diagnosis took up to 7× its CPU time in wall time before, benchmarks/studio.py).
    idle = state["idle"] = threading.Event()
    idle.set()
    depth = [0]  # handlers run on the kernel's main thread; a handler may run inside another

    def foreground(fn: Any) -> Any:
        def run(*a: Any) -> Any:
            depth[0] += 1
            idle.clear()
            try:
                return fn(*a)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    idle.set()
        return run

    explainer = state["explainer"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-explain")

    def sync_controls(ch: Choices) -> None:
        """Set every control's range and value from the limits of the state's class (no events)."""
        lim = studio.limits(ch)
        busy["sync"] = True
        try:
            w_ra.min, w_ra.max = 0.0, 1e9  # widen first: min ≤ max holds at every step
            w_ra.min, w_ra.max = lim.risk_aversion[0], lim.risk_aversion[1]
            w_ra.value = ch.risk_aversion if ch.risk_aversion is not None else lim.risk_aversion[2]
            w_vc.min, w_vc.max = 0.0, 1.0
            w_vc.min, w_vc.max = lim.volatility_cap[0], lim.volatility_cap[1]
            w_vc.value = ch.volatility_cap if ch.volatility_cap is not None else lim.volatility_cap[2]
            w_vc.disabled = (ch.objective or studio.root.policy.allocation.objective) != "max_return"
            opts = [("none (assessed: " + assessed + ")", None)] + [
                (f"{c} ({ladder.get(c).name(studio.locale)})", c) for c in lim.override_classes]
            w_override.options = opts
            w_override.value = ch.override_class if ch.override_class in lim.override_classes else None
            w_reason.value = ch.override_reason or ""
            codes = sorted(lim.products)
            w_exclude.options = [(f"{c} RR{lim.products[c].grade}", c) for c in codes]
            w_exclude.value = tuple(c for c in ch.exclude if c in lim.products)
            w_pin_product.options = [(f"{c} (≤ {lim.products[c].cap:.0%})", c) for c in codes]
            if w_pin_product.value in lim.products:
                w_pin_weight.max = lim.products[w_pin_product.value].cap
        finally:
            busy["sync"] = False

    def show(ch: Choices) -> Outcome:
        out = studio.evaluate(ch, explain=False)
        pins = ", ".join(f"{k} {v:.0%}" for k, v in sorted(ch.pinned.items())) or "none"
        tail = f'<p class="wl-pins">Pinned: {_e(pins)}</p>'
        with drawing:
            state["generation"] += 1
            gen = state["generation"]
            state["explained"].set()  # the earlier state's explanation, if pending, is superseded
            w_out.value = outcome_html(out) + tail
            if out.explain is not None:
                state["explained"] = done = threading.Event()
        if out.explain is not None:
            def explain() -> None:
                try:
                    if state["generation"] != gen:
                        return  # superseded before it started: not diagnosed now (a later visit will)
                    try:
                        out.problem = out.explain(pause=state["idle"].wait)
                    except Exception as exc:  # noqa: BLE001 - the panel must keep answering
                        out.problem = f"no allocation satisfies these choices (the diagnosis failed: {type(exc).__name__})"
                    out.explain = None
                    with drawing:
                        if state["generation"] == gen:
                            w_out.value = outcome_html(out) + tail
                finally:
                    done.set()
            explainer.submit(explain)
        return out

    @foreground
    def changed(*_: Any) -> None:
        if busy["sync"]:
            return
        old = state["choices"]
        lim = studio.limits(old)
        ra = None if abs(w_ra.value - lim.risk_aversion[2]) < 1e-9 else float(w_ra.value)
        vc = None if abs(w_vc.value - lim.volatility_cap[2]) < 1e-9 else float(w_vc.value)
        ov = w_override.value
        new = replace(old, objective=w_objective.value, risk_aversion=ra, volatility_cap=vc,
                      exclude=tuple(sorted(w_exclude.value)),
                      pinned={k: v for k, v in old.pinned.items() if k not in w_exclude.value},
                      override_class=ov, override_reason=(w_reason.value.strip() or None) if ov else None,
                      views=w_views.value)
        if (new.override_class, new.views) != (old.override_class, old.views):
            # another class: its own γ and volatility ranges; values outside are brought back to the class's own
            nl = studio.limits(new)
            ra_ok = new.risk_aversion is None or nl.risk_aversion[0] <= new.risk_aversion <= nl.risk_aversion[1]
            vc_ok = new.volatility_cap is None or nl.volatility_cap[0] <= new.volatility_cap <= nl.volatility_cap[1]
            new = replace(new, risk_aversion=new.risk_aversion if ra_ok else None,
                          volatility_cap=new.volatility_cap if vc_ok else None,
                          exclude=tuple(c for c in new.exclude if c in nl.products),
                          pinned={k: v for k, v in new.pinned.items() if k in nl.products})
        state["choices"] = new
        sync_controls(new)
        show(new)

    @foreground
    def pin(_: Any) -> None:
        code = w_pin_product.value
        if code is None:
            return
        ch = state["choices"]
        state["choices"] = replace(ch, pinned={**ch.pinned, code: float(w_pin_weight.value)},
                                   exclude=tuple(c for c in ch.exclude if c != code))
        sync_controls(state["choices"])
        show(state["choices"])

    @foreground
    def clear_pins(_: Any) -> None:
        state["choices"] = replace(state["choices"], pinned={})
        show(state["choices"])

    def pin_product_changed(_: Any) -> None:
        lim = studio.limits(state["choices"])
        if w_pin_product.value in lim.products:
            w_pin_weight.max = lim.products[w_pin_product.value].cap

    def save(_: Any = None) -> bool:
        ch = state["choices"]
        out = studio.evaluate(ch)
        if not out.ok:
            w_status.value = f'<span class="wl-saved" style="color:#b00">Not saved: {_e(out.problem)}</span>'
            return False
        if choices_path is None:
            w_status.value = '<span class="wl-saved">No choices file (parameter choices = None)</span>'
            return False
        write_choices(choices_path, ch)
        w_status.value = (f'<span class="wl-saved">Saved to {_e(choices_path.name)} '
                          f'(γ {_e(ch.risk_aversion if ch.risk_aversion is not None else "class default")}); '
                          "`wealth render` prints these choices.</span>")
        return True

    def preview(_: Any) -> None:
        if not save():
            return
        w_preview.disabled = True
        w_preview_out.value = "<p>Rendering the saved draft (choices and the notebook as last saved)…</p>"

        def run() -> None:
            target = nb_path.parent / "preview"
            try:
                proc = subprocess.run([sys.executable, "-c", _PREVIEW_CODE, str(nb_path), str(target),
                                       str(PREVIEW_NICE)], capture_output=True, text=True, cwd=str(nb_path.parent),
                                      timeout=600)
                if proc.returncode != 0:
                    lines = (proc.stderr.strip() or proc.stdout.strip() or "failed").splitlines()
                    w_preview_out.value = f'<p style="color:#b00">Preview failed: {_e(lines[-1])}</p>'
                    return
                state["preview_nice"] = json.loads(proc.stdout.strip().splitlines()[-1])["nice"]
                page = (target / f"{nb_path.stem}.html").read_text(encoding="utf-8")
                w_preview_out.value = (f'<p>Preview (PDF: {_e(target / (nb_path.stem + ".pdf"))})</p>'
                                       f'<iframe class="wl-preview" sandbox="" style="width:100%;height:600px;'
                                       f'border:1px solid #ccc" srcdoc="{_e(page)}"></iframe>')
            finally:
                w_preview.disabled = False

        state["preview"] = threading.Thread(target=run, daemon=True)  # tests join it
        state["preview"].start()

    for w in (w_objective, w_ra, w_vc, w_override, w_reason, w_views, w_exclude):
        w.observe(changed, names="value")
    w_pin_product.observe(pin_product_changed, names="value")
    w_pin_add.on_click(pin)
    w_pin_clear.on_click(clear_pins)
    w_save.on_click(save)
    w_preview.on_click(preview)
    sync_controls(state["choices"])
    show(state["choices"])
    # the other classes and views files, compiled while the advisor reads the first answer (a first switch
    # then re-uses them); `precompiled` is set when done, `stop_precompile` ends it early
    state["stop_precompile"] = threading.Event()
    state["precompiled"] = threading.Event()

    def precompile() -> None:
        try:
            studio.precompile(state["stop_precompile"], pause=state["idle"].wait)
        finally:
            state["precompiled"].set()

    threading.Thread(target=precompile, daemon=True, name="studio-precompile").start()
    controls = W.VBox([w_objective, w_ra, w_vc, W.HBox([w_override, w_reason]), w_views, w_exclude,
                       W.HBox([w_pin_product, w_pin_weight, w_pin_add, w_pin_clear]),
                       W.HBox([w_save, w_preview, w_status])])
    box = W.VBox([W.HTML("<h3>What-if studio</h3>"), controls, w_out, w_preview_out])
    box.studio, box.state = studio, state  # for notebooks, tests and benchmarks/studio.py
    box.controls = {"objective": w_objective, "risk_aversion": w_ra, "volatility_cap": w_vc, "override": w_override,
                    "reason": w_reason, "views": w_views, "exclude": w_exclude, "pin_product": w_pin_product,
                    "pin_weight": w_pin_weight, "pin": w_pin_add, "clear_pins": w_pin_clear, "save": w_save,
                    "preview": w_preview, "status": w_status, "result": w_out, "preview_result": w_preview_out}
    return box
