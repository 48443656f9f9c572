"""The objects document templates render: :class:`Proposal` (資產配置建議書), built by :func:`build_proposal`.

A :class:`Proposal` holds everything ``templates/proposal.ipynb`` shows, already computed, formatted and
localized, so a template cell is one call and one display (DESIGN.md §5.1)::

    proposal = build_proposal("lin", as_of="2018-12-31")
    proposal.show("allocation")            # IPython HTML of one section, heading included
    proposal.section_html("allocation")    # the same as a string
    proposal.ratios["savings_rate"]        # the numbers stay available for tests and other documents

Sections are units of :mod:`wealthlib._doc.proposal` (each computes plain data and renders it; see
:mod:`wealthlib._doc` for how to add one); their list is data, ``wealthlib/data/documents/sections.yaml``,
replaced for a firm by ``documents.proposal`` in its ``policy.yaml``. The template prints the list in three
parts around the advisor's two cells (:meth:`Proposal.show_until`, :meth:`Proposal.show_rest`). The package's
list, in the order of DOMAIN.md §4 (:data:`SECTIONS`): cover, cover letter (advisor's words), KYC summary
(with flags and any override), household picture and key ratios, goals and constraints, allocation (by asset
class, by product, trades), suitability (with the exception record), rationale (advisor's words), expected
return and volatility, backtest (hypothetical), stress scenarios, goal projection, costs and their cumulative
effect, product risk disclosures, general disclosures, complaint channel, acknowledgement and signature,
assumptions, audit record.

**Escaping.** Every piece of text that reaches HTML here goes through :func:`html.escape` (client names,
notes, goals, advisor ids, override reasons) or, for the advisor's own words, through :func:`advisor_html`:
CommonMark with raw HTML disabled (markdown-it-py), so ``<script>`` prints as text and ``javascript:`` links
are not links. The render sanitizer (``wealthlib.render``) is the last line of defence, not the first.

**Errors.** An expired KYC raises :class:`wealthlib.context.KycExpired`; conflicting constraints raise
:class:`wealthlib.allocate.AllocationInfeasible`; bad parameters an :class:`~wealthlib.errors.InputError`.
Nothing is written by this module.

**Household ratios** (stated in the document too):

* emergency reserve (months) = liquid reserve / (yearly expenses / 12), where the liquid reserve is the
  financial assets outside the portfolio (``assets.financial`` − portfolio value, not below zero) plus the
  portfolio's cash-class (money-market) holdings;
* debt to assets = (mortgage + other debt) / total assets;
* debt service to income = yearly debt payments / yearly income;
* yearly savings = income − expenses − debt payments; savings rate = yearly savings / income.

**Projection contributions**: the yearly savings (not below zero) are paid into the portfolio every year, in
today's money (the projection is in real terms, deflated by the bundled US CPI series).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import _doc
from ._doc.audit import audit_line as _audit_line
from ._doc.proposal import ProposalInputs
from ._html import escape as _e
from .errors import InputError, WealthError
from .i18n import check_locale, t

__all__ = [
    "ADVISOR_SECTIONS",
    "ADVISOR_PLACEHOLDERS",
    "SECTIONS",
    "Proposal",
    "advisor_html",
    "build_proposal",
    "inputs_hash",
    "prepare_advisor_cells",
    "read_parameters",
    "render_draft",
    "set_parameters",
    "write_draft",
    "proposal_headings",
]

#: The package's proposal sections in document order: (key, heading key in ``documents.yaml``). The list is
#: data (``wealthlib/data/documents/sections.yaml``; a firm's ``policy.yaml`` ``documents.proposal`` replaces
#: it); each key is a unit of :mod:`wealthlib._doc.proposal`.
SECTIONS: tuple[tuple[str, str], ...] = tuple(
    (k, _doc.units("proposal")[k].heading) for k in _doc.default_sections("proposal"))

#: Sub-headings printed inside sections (always present, so a reader always finds them).
SUBHEADINGS: tuple[str, ...] = (
    "proposal_flags", "proposal_override", "proposal_key_ratios", "proposal_by_asset_class",
    "proposal_by_product", "proposal_trades", "proposal_exception", "proposal_cost_effect",
)

#: The sections whose body is the advisor's own markdown (cells tagged ``advisor-text`` in the template).
ADVISOR_SECTIONS: tuple[str, ...] = ("cover_letter", "rationale")

#: The text the template ships in each advisor cell; left unchanged, the standard text is printed instead.
ADVISOR_PLACEHOLDERS: dict[str, str] = {
    "cover_letter": "*Advisor: write your cover letter to the client here (markdown). "
                    "Leave this text unchanged to print the standard letter.*",
    "rationale": "*Advisor: write in your own words why this allocation fits the client (markdown). "
                 "Leave this text unchanged to print the standard rationale.*",
}

def proposal_headings(locale: str) -> list[str]:
    """Every heading a proposal in ``locale`` prints: title, sections and sub-sections (for tests and TOCs)."""
    keys = ["proposal_title", *[k for _, k in SECTIONS], *SUBHEADINGS]
    return [t(f"documents.{k}", locale) for k in keys]


# --------------------------------------------------------------------------------------------- escaping

_md = None


def advisor_html(text: str) -> str:
    """The advisor's markdown as safe HTML: CommonMark, raw HTML shown as text, unsafe links dropped.

    The result holds no blank line (newlines inside ``<pre>`` become ``&#10;``), so it stays one HTML block
    when placed in a notebook markdown cell.
    """
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    out = _md.render(str(text or ""))
    out = re.sub(r"<pre>(.*?)</pre>", lambda m: "<pre>" + m.group(1).replace("\n", "&#10;") + "</pre>", out,
                 flags=re.DOTALL)
    return "\n".join(line for line in out.splitlines() if line.strip())


# --------------------------------------------------------------------------------------------- inputs


def _override(value: Any, default_by: str, on: date):
    """``override`` as a :class:`wealthlib.clients.Override` (class, reason, by) or None."""
    from pydantic import ValidationError

    from .clients import Override

    if value is None:
        return None
    if isinstance(value, Override):
        return value
    if isinstance(value, Mapping):
        data = dict(value)
        cls = data.get("risk_class", data.get("class"))
        reason, by = data.get("reason"), data.get("by")
    else:
        parts = list(value) + [None, None, None]
        cls, reason, by = parts[0], parts[1], parts[2]
    if cls in (None, ""):
        return None
    if not reason or not str(reason).strip():
        raise InputError("override", "reason", f"an override to {cls!r} needs a reason (override_reason)")
    try:
        return Override(risk_class=str(cls), reason=str(reason), by=str(by or default_by), date=on)
    except ValidationError as exc:
        raise InputError("override", "", str(exc.errors()[0]["msg"])) from None


def inputs_hash(client_bytes: bytes, policy_bytes: bytes, shelf_bytes: bytes, parameters: Mapping[str, Any],
                views_bytes: bytes = b"") -> str:
    """sha256 over the client file, the policy file, the shelf file, the run's parameters (canonical JSON) and,
    when the advisor used one, the views file (:func:`wealthlib._doc.audit.digest`)."""
    parts = [client_bytes, policy_bytes, shelf_bytes, _doc.audit.canonical(parameters)]
    return _doc.audit.digest(*parts, *([views_bytes] if views_bytes else []))


def _read_bytes(path: str | Path | None) -> bytes:
    try:
        return Path(path).read_bytes() if path else b""
    except OSError:
        return b""


# --------------------------------------------------------------------------------------------- the object


@dataclass
class Section:
    """One section of a built proposal (the units that make them: :mod:`wealthlib._doc.proposal`)."""

    key: str
    heading: str
    html: str  # safe HTML of the body (heading not included)
    data: dict[str, Any] = field(default_factory=dict)  # the plain data it was rendered from


@dataclass
class Proposal:
    """Everything a proposal shows, computed and localized. Build it with :func:`build_proposal`."""

    client_id: str
    client_name: str
    locale: str
    jurisdiction: str
    currency: str
    as_of: date
    title: str
    risk_class: str
    class_name: str
    ceiling: int
    ceiling_label: str
    portfolio_value: float
    amount: float  # the amount the figures are computed on: the portfolio, or a first investment
    weights: dict[str, float]
    current_weights: dict[str, float]
    trade_amounts: dict[str, float]
    grades: dict[str, str]  # product code → grade label (RR3) for every proposed product
    household: dict[str, float]
    ratios: dict[str, float]
    expected: dict[str, float]
    backtest_metrics: dict[str, dict[str, float]]
    stress_rows: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    projection_assumptions: dict[str, Any]
    fees: dict[str, Any]
    benchmark: dict[str, float]
    override: dict[str, Any] | None
    audit: dict[str, str]
    assumptions: list[tuple[str, str]]
    disclaimer: str
    sections: dict[str, Section] = field(default_factory=dict)
    advisor_text: dict[str, str] = field(default_factory=dict)
    default_advisor_text: dict[str, str] = field(default_factory=dict)

    # ---- display ----------------------------------------------------------------------------------------
    def heading(self, key: str) -> str:
        return self.sections[key].heading

    def heading_html(self, key: str) -> str:
        if key not in self.sections and key in _doc.units("proposal"):
            return ""
        return f'<h2 id="wl-{_e(key)}">{_e(self.heading(key))}</h2>'

    def section_html(self, key: str, *, heading: bool = True) -> str:
        """One section as safe HTML (its heading first unless ``heading=False``)."""
        if key not in self.sections:
            if key in _doc.units("proposal"):  # a section the firm's list leaves out prints nothing
                return ""
            raise KeyError(f"no section {key!r}; sections: {', '.join(self.sections)}")
        body = self.sections[key].html
        if key in ADVISOR_SECTIONS:
            body = self.advisor_section_body(key)
        return (self.heading_html(key) if heading else "") + body

    def advisor_section_body(self, key: str) -> str:
        """The advisor's words for ``key`` (rendered, escaped), or the standard text when none were given."""
        text = self.advisor_text.get(key)
        if text and text.strip() and text.strip() != ADVISOR_PLACEHOLDERS[key]:
            return f'<div class="wl-advisor">{advisor_html(text)}</div>'
        return f'<div class="wl-advisor">{self.default_advisor_text[key]}</div>'

    def html(self) -> str:
        """The whole document body (every section, in order)."""
        return "\n".join(self.section_html(k) for k in self.sections)

    def show(self, key: str, *, heading: bool = True):
        """IPython ``HTML`` of one section, for a template cell."""
        from IPython.display import HTML

        return HTML(self.section_html(key, heading=heading))

    def show_heading(self, key: str):
        from IPython.display import HTML

        return HTML(self.heading_html(key))

    def part(self, until: str | None = None) -> list[str]:
        """The sections one template cell prints: those of the section list after the previous advisor's
        section and before ``until`` (an advisor's section; None: to the end). Empty when ``until`` is not in
        the list (its sections print with the next part). The template prints the list in three parts around
        the advisor's cells (cover letter, rationale), so a firm's list adds, drops or reorders sections
        without a change to the template."""
        keys = list(self.sections)
        if until is not None and until not in keys:
            return []
        end = keys.index(until) if until is not None else len(keys)
        before = [i for i, k in enumerate(keys[:end]) if k in ADVISOR_SECTIONS]
        return keys[(before[-1] + 1 if before else 0):end]

    def show_until(self, until: str):
        """IPython ``HTML`` of :meth:`part` ``(until)``, each section with its heading."""
        from IPython.display import HTML

        return HTML("".join(self.section_html(k) for k in self.part(until)))

    def show_rest(self):
        """IPython ``HTML`` of the sections after the last advisor's section."""
        from IPython.display import HTML

        return HTML("".join(self.section_html(k) for k in self.part(None)))

    @property
    def audit_line(self) -> str:
        """One line for the running footer of every printed page."""
        return _audit_line(self.audit, self.locale, bool(self.override))

    @property
    def stem(self) -> str:
        return self.client_id

    # ---- persistence (JSON, no pickle) ------------------------------------------------------------------
    def to_json(self) -> str:
        """The proposal as JSON text (everything, sections included); :func:`wealthlib._propose.load_proposal` reads it back."""
        import dataclasses

        data = dataclasses.asdict(self)
        return json.dumps(data, ensure_ascii=False, default=_json_default)

    @classmethod
    def from_json(cls, text: str) -> "Proposal":
        data = json.loads(text)
        data["as_of"] = date.fromisoformat(data["as_of"])
        data["sections"] = {k: Section(**v) for k, v in data["sections"].items()}
        data["assumptions"] = [tuple(x) for x in data["assumptions"]]
        return cls(**data)


def _json_default(x: Any) -> Any:
    if hasattr(x, "isoformat"):
        return x.isoformat()
    if hasattr(x, "item"):  # numpy scalars
        return x.item()
    return str(x)


def __getattr__(name: str) -> Any:
    """``load_proposal`` is the kernel's side of the ``wealth propose`` handshake (:mod:`wealthlib._propose`);
    the proposal template and the drafts made from it import it from here."""
    if name == "load_proposal":
        from ._propose import load_proposal

        return load_proposal
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------------------------- builder


def _views_path(views: Any, params: Path) -> Path:
    """A views file as given, or relative to the params folder (``views/house.yaml``)."""
    p = Path(views)
    if p.is_file() or p.is_absolute():
        return p
    return params / p


def build_proposal(
    client: Any,
    *,
    params: str | Path = "params",
    as_of: date | str | None = None,
    locale: str | None = None,
    objective: str | None = None,
    override: Any = None,
    exclude: Iterable[str] = (),
    views: Any = None,
    seed: int = 20181231,
    advisor_text: Mapping[str, str] | None = None,
    n_paths: int = 2000,
    on_checked: Callable[[dict[str, Any]], None] | None = None,
    template: Mapping[str, str] | None = None,
    viewer: Any = None,
    risk_aversion: float | None = None,
    volatility_cap: float | None = None,
    pinned: Mapping[str, float] | None = None,
    choices: Any = None,
    audit_out: str | Path | None = None,
) -> Proposal:
    """Build one client's proposal: profile, allocation, analytics, disclosures and every section's HTML.

    ``client`` is a client id under ``<params>/clients``, a path to a client YAML file, or a
    :class:`wealthlib.clients.Client`. ``override`` is ``(class, reason, by)`` (or a mapping with those keys,
    or an :class:`~wealthlib.clients.Override`); ``by`` defaults to the client's advisor. ``exclude`` adds
    excluded products (a what-if). ``views`` is an advisor's views file (a path, or relative to ``params``),
    blended into the capital-market assumptions by :func:`wealthlib.context.with_views`. ``advisor_text`` maps ``cover_letter`` / ``rationale`` to the advisor's
    markdown. Raises :class:`~wealthlib.context.KycExpired`, :class:`~wealthlib.allocate.AllocationInfeasible`
    or :class:`~wealthlib.errors.InputError`; see the module docstring for the rules.

    ``on_checked`` (optional) is called once the checks have passed (KYC valid, allocation feasible), before
    the analytics and charts, with what a renderer needs up front: ``client_id``, ``client_name``, ``locale``,
    ``title``, ``disclaimer``, ``audit_line`` and ``default_advisor_text`` (``wealth propose`` starts the
    kernel then, while the rest is computed).

    ``template`` (set by ``wealth render``) is the draft's template record for the audit:
    ``{"template": "<name> sha256:<fingerprint>"}`` plus ``modified_template`` (reason and first change) for a
    draft rendered with ``--allow-modified``; the latter also leads the audit line printed on every page.

    ``viewer`` (a :class:`wealthlib.guard.access.Viewer`, ``--advisor ID``): a client outside the viewer's
    book is refused before its file is opened; the file read must name an advisor the viewer may see.

    ``audit_out`` (set by ``wealth batch`` in its kernels) is a file to leave the audit record and its footer line
    in (:func:`wealthlib._doc.audit.save`), so the batch prints and seals the record this proposal prints; the
    audit then names the installed template, as ``wealth propose`` does.

    ``risk_aversion``, ``volatility_cap`` (of ``max_return``) and ``pinned`` (``{code: weight}``) are the
    what-ifs of :class:`wealthlib.allocate.ClientProblem`; ``choices`` a file the draft's what-if panel saved
    (:mod:`wealthlib.studio`, a path or a :class:`~wealthlib.studio.Choices`): its values replace
    ``objective``, ``exclude``, the override's class and reason, ``views`` and those three. All are checked
    against the policy's ``what_if`` limits (:func:`wealthlib.studio.check_what_if`) before anything is
    computed, and print in the audit record.
    """
    params = _find_params(Path(params))
    if audit_out is not None and template is None:  # a batch runs the installed template
        from .guard.draft import installed_template_record

        template = installed_template_record("proposal.ipynb")
    c, client_bytes = _read_client(client, params, viewer)
    loc = check_locale(locale or c.locale)
    from .charts import client_chart_problems
    from .context import load_context

    for problem in client_chart_problems(c, loc)[:1]:  # before any work: the goal projection could not print it
        raise problem
    ctx = load_context(params, as_of)  # after the client's checks: a missing or broken file costs no market
    ask = _asked(choices, _Ask(objective, exclude, views, override, risk_aversion, volatility_cap, pinned))
    ctx, views_bytes = _with_views(ctx, ask.views, params)
    ctx, c = _in_client_terms(ctx, c, loc)
    ask, ov = _check_asked(ctx, c, ask, advisor_text)
    from .advisors import check_signer

    check_signer(ctx.policy, params, c.advisor, ctx.as_of)  # a licensed advisor signs, or no proposal
    profile, alloc, held = _advise_client(ctx, c, ask, ov, loc)
    parameters, what_if = _run_parameters(held.c, ctx, loc, ask, ov, seed, n_paths)
    digest = inputs_hash(client_bytes, _read_bytes(params / "policy.yaml"), _read_bytes(params / "products.yaml"),
                         parameters, views_bytes)
    keys = _doc.section_list("proposal", ctx.policy)  # the firm's list, checked before any work
    b = _prepared_inputs(ctx, held, profile, alloc, loc, seed, n_paths, ask.objective, ov, params)
    override_info = _override_info(profile, ctx, loc)
    audit = _proposal_audit(digest, b, override_info, seed=seed, template=template, what_if=what_if)
    defaults = {k: v for k, v in (("cover_letter", b.default_letter()), ("rationale", b.default_rationale()))
                if k in keys}  # the advisor's sections the firm's list prints
    if on_checked is not None:
        on_checked({"client_id": b.c.id, "client_name": b.c.name, "locale": loc, "title": b.L("proposal_title"),
                    "disclaimer": b.disclaimer, "audit_line": _audit_line(audit, loc, override_info is not None),
                    "default_advisor_text": defaults})
    proposal = _built_proposal(b, keys, audit, override_info, defaults, advisor_text)
    if audit_out is not None:
        _doc.audit.save(audit_out, proposal.audit, proposal.audit_line)
    return proposal


@dataclass
class _Ask:
    """What the caller asked of the allocation (the what-ifs), after a saved choices file replaced its values.
    ``source`` names where the what-ifs came from in an error; ``reason_source`` where the override's reason did."""

    objective: str | None
    exclude: Iterable[str]
    views: Any
    override: Any
    risk_aversion: float | None
    volatility_cap: float | None
    pinned: Mapping[str, float] | None
    source: str = "what-if"
    reason_source: str = "proposal"


def _read_client(client: Any, params: Path, viewer: Any) -> tuple[Any, bytes]:
    """The client (a :class:`~wealthlib.clients.Client`, an id or a file) and the bytes its inputs hash covers.
    A viewer's book is checked before the file is opened, so a client outside it costs no read."""
    from .clients import Client, load_client

    if isinstance(client, Client):
        c = client
        client_bytes = c.model_dump_json().encode("utf-8")
    else:
        if viewer is not None:  # before the file is opened: the book says whose client it is
            viewer.check(_client_path(client, params).stem)
        c = load_client(client, params / "clients")
        client_bytes = _read_bytes(_client_path(client, params))
    if viewer is not None:
        viewer.check(c.id)
        viewer.check_file(c)
    return c, client_bytes


def _asked(choices: Any, ask: _Ask) -> _Ask:
    """``ask`` with a saved choices file's values in place of the what-ifs (a file of no choices replaces
    nothing, but still names the source of errors); the objective checked against the engine's list."""
    from dataclasses import replace

    if choices is not None:
        from .errors import display_path
        from .studio import Choices, read_choices

        ch = choices if isinstance(choices, Choices) else read_choices(choices)
        ask = replace(ask, source="choices" if isinstance(choices, Choices) else display_path(choices))
        if ch != Choices():
            override = ask.override
            by = (list(override) + [None, None, None])[2] if isinstance(override, (list, tuple)) else None
            ask = replace(ask, reason_source=ask.source,  # a forbidden claim in the saved reason names the file
                          objective=ch.objective, exclude=ch.exclude, views=ch.views,
                          override=(ch.override_class, ch.override_reason, by), risk_aversion=ch.risk_aversion,
                          volatility_cap=ch.volatility_cap, pinned=dict(ch.pinned))
    if ask.objective is not None:
        from .allocate import OBJECTIVES

        if ask.objective not in OBJECTIVES:
            raise InputError("objective", "", f"unknown objective {ask.objective!r}; "
                                              f"use one of {', '.join(OBJECTIVES)}")
    return ask


def _with_views(ctx: Any, views: Any, params: Path) -> tuple[Any, bytes]:
    """The context with an advisor's views blended in, and the views file's bytes (b"" without views: the
    inputs hash then covers no views file)."""
    if not views:
        return ctx, b""
    from .context import with_views

    vpath = _views_path(views, params)
    views_bytes = _read_bytes(vpath)
    return with_views(ctx, vpath), views_bytes


def _in_client_terms(ctx: Any, c: Any, loc: str) -> tuple[Any, Any]:
    """The context and the client in the client's base currency, once the holdings' codes are on the shelf and
    the allocation chart can print every product's name in ``loc``."""
    from .charts import shelf_chart_problems
    from .context import check_product_codes, client_in_base, for_client

    check_product_codes(ctx, c)
    for problem in shelf_chart_problems(ctx.shelf, [loc])[:1]:  # the allocation chart could not print that name
        raise problem
    ctx = for_client(ctx, c)  # returns, μ, Σ in the client's base currency (FX risk inside)
    return ctx, client_in_base(ctx, c)  # holdings (entered in each product's currency) valued at the as-of date


def _check_asked(ctx: Any, c: Any, ask: _Ask, advisor_text: Mapping[str, str] | None) -> tuple[_Ask, Any]:
    """The what-ifs checked, in this order, before anything is computed: excluded codes on the shelf, the
    override (a reason, a class of the policy), forbidden claims in the client file, the reason and the advisor's
    text (:mod:`wealthlib.guard.wording`), pinned codes on the shelf, the policy's ``what_if`` limits. Returns
    ``ask`` with ``exclude`` sorted and ``pinned`` as floats, and the override as an
    :class:`~wealthlib.clients.Override` (or None)."""
    from dataclasses import replace

    from .guard.wording import check_texts, client_texts
    from .studio import check_what_if

    exclude = tuple(sorted(set(ask.exclude or ())))
    unknown = [code for code in exclude if code not in ctx.shelf]
    if unknown:
        raise InputError("exclude", "", f"unknown product code(s) {', '.join(unknown)} (shelf {ctx.shelf.version})")
    ov = _override(ask.override, c.advisor, ctx.as_of)
    if ov is not None:
        ctx.policy.check_class(ov.risk_class, "override", "class")
    check_texts(client_texts(c), ctx.policy, c.source or c.id)  # forbidden claims (wealthlib.guard.wording)
    check_texts([("override_reason", ov.reason if ov else None)], ctx.policy, ask.reason_source)
    check_texts([(f"advisor text {k}", v) for k, v in (advisor_text or {}).items()], ctx.policy, "proposal",
                markdown=[f"advisor text {k}" for k in (advisor_text or {})])
    pinned = {str(k): float(v) for k, v in (ask.pinned or {}).items()}
    unknown = sorted(set(pinned) - set(ctx.shelf.codes))
    if unknown:
        raise InputError(ask.source, f"pinned.{unknown[0]}", f"not a product of shelf {ctx.shelf.version}")
    check_what_if(ctx, c, ov, risk_aversion=ask.risk_aversion, volatility_cap=ask.volatility_cap, pinned=pinned,
                  source=ask.source)
    return replace(ask, exclude=exclude, pinned=pinned), ov


@dataclass
class _Held:
    """The client the allocation is made for (``c``: without the positions a recorded exception keeps) and,
    for the sections that show them, the client as read (``client_all``), every holding (``held_all``) and the
    kept positions (``kept``)."""

    c: Any
    client_all: Any
    held_all: dict[str, float]
    kept: dict[str, float]


def _advise_client(ctx: Any, c: Any, ask: _Ask, ov: Any, loc: str) -> tuple[Any, Any, _Held]:
    """Profile and allocation under the firm's conduct rules: positions above the ceiling that a recorded
    exception keeps (policy ``conduct.above_grade``) stay outside the allocation, which is then made again
    without them; the firm's client-protection rules (policy ``conduct:``) are checked on the result."""
    from .conduct import check_conduct, check_exceptions, kept_under_exception, without_holdings
    from .context import advise

    def _advise(client):
        return advise(ctx, client, objective=ask.objective, override=ov, extra_exclusions=ask.exclude, locale=loc,
                      risk_aversion=ask.risk_aversion, volatility_cap=ask.volatility_cap, pinned=ask.pinned)

    profile, alloc = _advise(c)
    held_all = c.holding_values()  # every holding, those kept under a recorded exception included
    client_all = c
    kept = kept_under_exception(c, ctx.shelf, profile.ceiling, ctx.as_of)
    check_exceptions(ctx.policy, ctx.shelf, c, profile.final_class, kept, ctx.as_of)  # policy conduct.above_grade
    if kept:  # positions above the ceiling an exception keeps stay outside the proposal's allocation
        c = without_holdings(c, kept)
        profile, alloc = _advise(c)
    # the firm's client-protection rules (policy `conduct:`; none when the firm has no such block): a gate that
    # fails, a missing acknowledgement or a foreign product paying the firm above the cap refuses the proposal
    check_conduct(ctx.policy, ctx.shelf, c, {str(k): float(v) for k, v in alloc.weights.items()}, ctx.as_of)
    return profile, alloc, _Held(c, client_all, dict(held_all), dict(kept))


def _run_parameters(c: Any, ctx: Any, loc: str, ask: _Ask, ov: Any, seed: int,
                    n_paths: int) -> tuple[dict[str, Any], list[str]]:
    """The run's parameters as the inputs hash covers them, and the what-ifs in words for the audit record
    (each what-if enters both only when it was asked, so a plain proposal's hash does not change)."""
    parameters = {"client": c.id, "as_of": ctx.as_of.isoformat(), "locale": loc, "objective": ask.objective,
                  "override": None if ov is None else [ov.risk_class, ov.reason, ov.by], "exclude": list(ask.exclude),
                  "seed": int(seed), "n_paths": int(n_paths), "views": str(ask.views) if ask.views else None}
    what_if = []
    if ask.risk_aversion is not None:
        parameters["risk_aversion"] = float(ask.risk_aversion)
        what_if.append(f"risk aversion γ = {float(ask.risk_aversion):g}")
    if ask.volatility_cap is not None:
        parameters["volatility_cap"] = float(ask.volatility_cap)
        what_if.append(f"volatility target {float(ask.volatility_cap):.2%}")
    if ask.pinned:
        parameters["pinned"] = dict(sorted(ask.pinned.items()))
        what_if.append("pinned " + ", ".join(f"{k} {v:.1%}" for k, v in sorted(ask.pinned.items())))
    return parameters, what_if


def _prepared_inputs(ctx: Any, held: _Held, profile: Any, alloc: Any, loc: str, seed: int, n_paths: int,
                     objective: str | None, ov: Any, params: Path) -> ProposalInputs:
    """The proposal's inputs (:class:`~wealthlib._doc.proposal.ProposalInputs`) with the people who sign and
    are named (display names and registration numbers, never the ids), prepared up to the point where the
    header a renderer needs first (:func:`build_proposal`'s ``on_checked``) is known."""
    from .advisors import display_names, signers

    b = _Builder(ctx, held.c, profile, alloc, loc, int(seed), int(n_paths), objective, ov)
    b.signers = signers(ctx.policy, params, held.c.advisor, loc)  # names and registration numbers, never the ids
    b.people = display_names(ctx.policy, params, loc)
    b.held_all, b.kept, b.client_all = held.held_all, held.kept, held.client_all
    b.prepare()
    return b


def _override_info(profile: Any, ctx: Any, loc: str) -> dict[str, Any] | None:
    """The override in force (the advisor's, or the client file's), as the KYC section prints it; None without."""
    ov = profile.override
    return None if ov is None else {
        "class": ov.risk_class, "class_name": ctx.policy.risk_class(ov.risk_class).name(loc),
        "assessed": profile.computed_class, "reason": ov.reason, "by": ov.by, "date": ov.date.isoformat()}


def _proposal_audit(digest: str, b: ProposalInputs, override_info: dict[str, Any] | None, *, seed: int,
                    template: Mapping[str, str] | None, what_if: list[str]) -> dict[str, Any]:
    """The proposal's audit record (:func:`wealthlib._doc.audit.record`), its override as printed (the class's
    and the author's names), plus what ``wealth accept`` records as the client's agreed target (not printed)
    and the what-ifs in words."""
    ctx, profile = b.ctx, b.profile
    ov = profile.override
    overrides = None if ov is None else _doc.audit.override_text(  # as printed: class and author names
        ov, override_info["class_name"], b.people.get(ov.by, ov.by))
    audit = _doc.audit.record(digest, ctx, profile, as_of=ctx.as_of, seed=seed, template=template, overrides=overrides)
    # what `wealth accept` records as the client's agreed target (wealthlib.records): not printed
    audit["target_weights"] = {str(k): round(float(v), 8) for k, v in b.alloc.weights.items() if float(v) > 1e-6}
    audit["risk_class"] = profile.final_class
    if what_if:
        audit["what_if"] = "; ".join(what_if)
    return audit


def _built_proposal(b: ProposalInputs, keys: list[str], audit: dict[str, Any], override_info: dict[str, Any] | None,
                    defaults: dict[str, str], advisor_text: Mapping[str, str] | None) -> Proposal:
    """The analytics and charts computed, the sections of ``keys`` built and their printed tables' identities
    checked (a table that does not add up: no document), then the :class:`Proposal` with its texts and audit."""
    b.build()
    b.audit = audit
    proposal = _proposal(b)
    proposal.override = override_info
    proposal.audit = audit
    proposal.default_advisor_text = defaults
    proposal.advisor_text = {k: str(v) for k, v in (advisor_text or {}).items() if k in ADVISOR_SECTIONS}
    proposal.assumptions = b.assumptions()
    built = _doc.build_sections("proposal", keys, b, b.labels, source=b.ctx.policy.source or _doc.SECTIONS_FILE)
    from ._doc.proposal import identities

    identities.check(b, {s.key: s.data for s in built})  # a table that does not add up: no document
    proposal.sections = {s.key: Section(s.key, s.heading, s.html, s.data) for s in built}
    return proposal


def _proposal(b: ProposalInputs) -> Proposal:
    """The proposal's numbers, from its built inputs (sections, audit and texts are added after)."""
    lb = b.labels
    return Proposal(
        client_id=b.c.id, client_name=b.c.name, locale=b.loc, jurisdiction=b.jur, currency=b.cur,
        as_of=b.ctx.as_of, title=b.L("proposal_title"), risk_class=b.profile.final_class,
        class_name=b.class_name, ceiling=int(b.profile.ceiling), ceiling_label=lb.grade(b.profile.ceiling),
        portfolio_value=b.value, amount=b.amount, weights={k: float(v) for k, v in b.w.items()},
        current_weights={} if b.w0 is None else {k: float(v) for k, v in b.w0.items()},
        trade_amounts=dict(b.trades),
        grades={k: lb.grade(b.shelf.get(k).grade) for k in b.w.index},
        household=b.hh, ratios=b.ratios, expected=b.exp, backtest_metrics=b.bt,
        stress_rows=b.stress, goals=b.goal_rows,
        projection_assumptions=json.loads(json.dumps(b.proj.assumptions, default=_json_default)),
        fees=b.fee, benchmark={k: float(v) for k, v in b.bench.items()}, override=None, audit={},
        assumptions=[], disclaimer=b.disclaimer,
    )


def _find_params(params: Path) -> Path:
    """``params`` as given, or — when it is relative and not found here — the first ``<parent>/params`` above
    the working folder that holds a ``policy.yaml`` (JupyterLab runs a notebook in its own folder, e.g.
    ``templates/``, so the template's default ``params = "params"`` still finds the repository's inputs)."""
    if params.is_absolute() or (params / "policy.yaml").is_file():
        return params
    here = Path.cwd()
    for parent in list(here.parents)[:3]:
        candidate = parent / params
        if (candidate / "policy.yaml").is_file():
            return candidate
    return params


def _client_path(ref: Any, params: Path) -> Path:
    s = str(ref)
    if isinstance(ref, Path) or s.endswith((".yaml", ".yml")) or "/" in s:
        return Path(ref)
    return params / "clients" / f"{s}.yaml"


@dataclass
class CurrencyNotes:
    """What a document says about currencies for one client (DOMAIN.md §10), in one locale.

    ``note``: the sentence under the amounts (no FX risk / converted at the market's rates / not modeled);
    ``not_modeled``: the sentence for the risk section when a pair is not modeled by policy ("" otherwise);
    ``assumptions``: rows for the assumptions table (currency rule, each FX source, the estimation window);
    ``inflation``: the projection's deflation words and the assumptions' inflation row; ``cpi``: the
    client's-currency CPI series or None (nominal).
    """

    base: str
    foreign: list[str]
    modeled: list[str]
    not_modeled_pairs: list[str]
    note: str
    not_modeled: str
    assumptions: list[tuple[str, str]]
    deflation: str
    inflation_row: str
    cpi: Any


def currency_notes(ctx: Any, codes: Iterable[str], locale: str) -> CurrencyNotes:
    """:class:`CurrencyNotes` for a portfolio of ``codes`` held by a client of ``ctx.base`` (a base context)."""
    from ._market.fx import pair_sources

    import functools

    from .i18n import currency_name, join_terms, source_text

    base = ctx.base
    codes = [c for c in dict.fromkeys(codes) if c in ctx.shelf]
    L = lambda key, **f: t(f"documents.{key}", locale, **f)  # noqa: E731
    N = lambda ccy: currency_name(ccy, locale)  # noqa: E731  (the code in en, 人民币 / 美元 in Chinese)
    P = lambda pairs: join_terms(("/".join(N(x) for x in p.split("/")) for p in pairs), locale)  # noqa: E731
    name = N(base)
    foreign = sorted({ctx.shelf.get(c).currency for c in codes} - {base})
    attrs = ctx.returns.attrs
    modeled = sorted({pair for code, pair in (attrs.get("fx") or {}).items() if code in codes})
    skipped = sorted({pair for code, pair in (attrs.get("fx_not_modeled") or {}).items() if code in codes})
    if not foreign:
        note = L("fx_note_none", currency=name)
        asm_ccy = L("asm_currency_none", currency=name)
    else:
        listed = functools.reduce(lambda a, b: L("fx_list", a=a, b=b), [N(f) for f in foreign])
        note = L("fx_note_modeled", currency=name, foreign=listed,
                 pairs=P(modeled)) if modeled else ""
        asm_ccy = L("asm_currency", currency=name) if modeled else ""
    nm = ""
    if skipped:
        sk_foreign = sorted({p.split("/")[0] for p in skipped})
        nm = L("fx_note_not_modeled", pairs=P(skipped), foreign=join_terms((N(f) for f in sk_foreign), locale), currency=name)
        note = f"{note} {nm}".strip()
        asm_ccy = "; ".join(x for x in (asm_ccy, L("asm_currency_not_modeled", pairs=P(skipped), currency=name)) if x)
    rows = [(L("asm_currency_label"), asm_ccy)]
    for pair in modeled:
        ccy, b = pair.split("/")
        for col, info in pair_sources(ctx.market, ccy, b):
            rows.append((L("asm_fx_label"), L("asm_fx", pair=P([col]), method=source_text(info.method or info.name, locale),
                                              source=source_text(info.source, locale))))
    if modeled and len(ctx.returns):
        rows.append((L("asm_fx_label"), L("asm_fx_window", currency=name, start=f"{ctx.returns.index[0]:%Y-%m}",
                                          end=f"{ctx.returns.index[-1]:%Y-%m}")))
    cpi = ctx.market.cpi(base)
    if cpi is not None:
        key = f"fx_cpi_{base.lower()}"
        from .i18n import catalog

        cpi_name = L(key) if key in catalog("documents") else ctx.market.info[str(cpi.name)].name
        deflation, infl_row = L("proj_real", cpi=cpi_name), L("asm_inflation", cpi=cpi_name)
    else:
        deflation = L("proj_nominal", currency=name)
        infl_row = L("asm_inflation_nominal", currency=name)
    return CurrencyNotes(base=base, foreign=foreign, modeled=modeled, not_modeled_pairs=skipped, note=note,
                         not_modeled=nm, assumptions=rows, deflation=deflation, inflation_row=infl_row, cpi=cpi)


def currency_share(ctx: Any, weights: Any) -> dict | None:
    """:func:`wealthlib.analytics.currency_risk` of ``weights`` over the estimation window of ``ctx`` (a base
    context): the base-currency returns against the same products in their own currencies. None when no
    weight is on a product priced outside the base currency (nothing to split)."""
    import pandas as pd

    from .analytics import currency_risk

    if weights is None or not len(weights):
        return None
    w = pd.Series(weights, dtype=float)
    if all(ctx.shelf.get(c).currency == ctx.base for c in w.index if c in ctx.shelf):
        return None
    local = ctx.local_returns
    win = ctx.estimates.notes.get("window")
    base = ctx.returns.loc[pd.Timestamp(win[0]):pd.Timestamp(win[1])] if win else ctx.returns
    return currency_risk(local, base, w)


#: The builder of a proposal's inputs and numbers (its sections are units of :mod:`wealthlib._doc.proposal`).
_Builder = ProposalInputs


class _RenamedProjection:
    """A projection whose goal rows carry the clients' own goal names (charts label the markers with them)."""

    def __init__(self, proj, names: Mapping[str, str]):
        self.fan = proj.fan
        self.goals = proj.goals.rename(index=dict(names))


# --------------------------------------------------------------------------------------------- notebooks


def prepare_advisor_cells(nb: Any, proposal: "Proposal | Mapping[str, str] | None" = None) -> dict[str, str]:
    """Make a notebook's advisor cells safe to export, in place; returns ``{section: markdown}`` written.

    Each markdown cell tagged ``advisor-text`` becomes one HTML block rendered by :func:`advisor_html` (raw
    HTML shown as text, unsafe links dropped). A cell still holding the template's placeholder gets the
    standard text — ``proposal.default_advisor_text``, or ``proposal`` itself when it is that mapping — or,
    without one, is tagged ``remove-cell``.
    """
    defaults = proposal.default_advisor_text if isinstance(proposal, Proposal) else dict(proposal or {})
    written: dict[str, str] = {}
    for cell in nb.cells:
        meta = cell.setdefault("metadata", {})
        tags = meta.get("tags", []) or []
        if cell.get("cell_type") != "markdown" or "advisor-text" not in tags:
            continue
        section = meta.get("advisor_section")
        if isinstance(proposal, Proposal) and section in ADVISOR_SECTIONS and section not in proposal.sections:
            cell["source"] = ""  # the firm's section list leaves this section out
            meta["tags"] = [*tags, "remove-cell"]
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        if not text.strip() or (section in ADVISOR_PLACEHOLDERS and text.strip() == ADVISOR_PLACEHOLDERS[section]):
            if section in defaults:
                cell["source"] = f'<div class="wl-advisor">{defaults[section]}</div>'
            else:
                cell["source"] = ""
                meta["tags"] = [*tags, "remove-cell"]
            continue
        if section:
            written[section] = text
        cell["source"] = f'<div class="wl-advisor">{advisor_html(text)}</div>'
    return written


_PARAM_LINE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*?)(?P<comment>\s+#.*)?$")


def write_draft(template: str | Path, client_id: str, drafts_dir: str | Path, *, params: str | Path = "params",
                as_of: date | str | None = None, force: bool = False) -> Path:
    """Copy the proposal template to ``<drafts_dir>/<client_id>/proposal.ipynb`` with its parameters filled in.

    The parameters cell keeps its comments; ``client``, ``as_of`` and ``params`` (relative to the draft's
    folder, where JupyterLab and ``wealth render`` run it) are set. An existing draft is kept unless ``force``.
    """
    import os

    import nbformat

    from .clients import ID_PATTERN
    from .render import write_atomic

    if not ID_PATTERN.match(client_id):
        raise InputError("client", "", f"{client_id!r} is not a client id")
    folder = Path(drafts_dir) / client_id
    dest = folder / "proposal.ipynb"
    if dest.exists() and not force:
        raise WealthError(f"{dest}: a draft already exists (it may hold the advisor's edits); "
                          "open it, or use --force to start again")
    from .guard.draft import record_template

    nb = nbformat.read(Path(template), as_version=4)
    from .context import resolve_as_of

    values = {"client": client_id, "as_of": str(resolve_as_of(params, as_of)),
              "params": os.path.relpath(Path(params).resolve(), folder.resolve())}
    set_parameters(nb, values)
    record_template(nb, nbformat.read(Path(template), as_version=4), Path(template).name)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return write_atomic(dest, nbformat.writes(nb))


def set_parameters(nb: Any, values: Mapping[str, Any]) -> Any:
    """Set assignments in the ``parameters`` cell (comments kept); a name it lacks is appended."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and "parameters" in (cell.get("metadata", {}).get("tags", []) or []):
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            lines, seen = [], set()
            for line in src.splitlines():
                m = _PARAM_LINE.match(line)
                if m and m.group("name") in values:
                    name = m.group("name")
                    seen.add(name)
                    comment = m.group("comment") or ""
                    line = f"{name} = {values[name]!r}{comment}"
                lines.append(line)
            lines += [f"{k} = {v!r}" for k, v in values.items() if k not in seen]
            cell["source"] = "\n".join(lines)
            return nb
    raise WealthError("the notebook has no cell tagged 'parameters'")


def render_draft(notebook: str | Path, out_dir: str | Path | None = None, formats: Iterable[str] = ("html", "pdf"),
                 *, allow_modified: str | None = None, seal: bool = True, advisor: str | None = None,
                 ) -> dict[str, Path]:
    """``wealth render``: check the draft in this process, then execute it and export it. Nothing is written
    when anything fails, and nothing runs before the checks pass.

    The checks (:func:`wealthlib.guard.draft.check_draft`): the draft's code, cell order and non-advisor cells
    are the installed template's (else refused naming the first changed cell, unless ``allow_modified`` gives
    the reason — then "modified template" and the reason print on every page and in the audit record); its
    parameters cell holds only plain assignments of the template's own parameters (else refused naming the
    line); the values have the right types (:func:`check_draft_parameters`). The proposal is then built here
    and handed to the kernel, which runs the template's cells (the draft's own, when modified on purpose)
    with the draft's values and advisor texts.

    With ``seal`` (default) the PDF carries the audit record and its inputs and is signed when the policy names
    a certificate (:mod:`wealthlib.guard.signing`); ``wealth verify --rebuild`` renders unsealed. ``advisor``
    (``--advisor ID``) renders only a client of that advisor's book (or their branch's, for a supervisor).
    """

    from .errors import display_path
    from .guard.draft import check_draft
    from .render import RenderError

    path = Path(notebook)
    nb = _read_draft(path)
    check = check_draft(nb, display_path(path), allow_modified=allow_modified)
    p = check.parameters
    check_draft_parameters(p, display_path(path))
    _check_draft_wording(nb, p, check, display_path(path))
    folder = path.parent.resolve()
    params, client = _draft_params_and_client(p, folder)
    choices, choices_path = _draft_choices(p, folder)
    fmts = tuple(formats)
    target = Path(out_dir) if out_dir is not None else path.parent
    if "ipynb" in fmts and target.resolve() == folder:
        raise RenderError(f"{display_path(path)}: give --out to write the executed notebook (it would replace the draft)")
    run_nb = check.notebook_to_run(nb)
    viewer = None
    if advisor is not None:
        from .guard.access import viewer_for
        from .policy import load_policy

        viewer = viewer_for(load_policy(_find_params(params) / "policy.yaml"), _find_params(params), advisor)
    proposal = build_proposal(
        client, params=params, as_of=p.get("as_of"), locale=p.get("locale"),
        objective=p.get("objective"), override=(p.get("override_class"), p.get("override_reason"), p.get("override_by")),
        exclude=p.get("exclude") or (), seed=int(p.get("seed", 20181231)), views=p.get("views"),
        template=check.audit(), viewer=viewer, choices=choices_path)
    proposal.advisor_text = prepare_advisor_cells(run_nb, proposal)
    sealed = _draft_seal(proposal, p, path, check, client, params, choices) if seal and "pdf" in fmts else None
    written = _render_prebuilt(run_nb, proposal, p, target, path.stem, fmts, folder,
                               sealed.finish if sealed else None)
    if sealed is not None and sealed.finish is not None:  # what the client is given, kept write-once
        _archive_draft(sealed, proposal, written["pdf"])
    return written


def _read_draft(path: Path) -> Any:
    """The draft as a notebook, or a one-line :class:`~wealthlib.render.RenderError` naming the file."""
    import nbformat

    from .errors import display_path
    from .render import RenderError

    if not path.is_file():
        raise RenderError(f"{display_path(path)}: no such notebook")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"{display_path(path)}: not a readable notebook: {exc}") from None


def _draft_params_and_client(p: Mapping[str, Any], folder: Path) -> tuple[Path, Any]:
    """The draft's params folder and client reference, a relative path read from the draft's folder (where
    JupyterLab runs it), so ``wealth render`` finds what the advisor's kernel found."""
    params = Path(p.get("params", "params"))
    params = params if params.is_absolute() else folder / params
    client = p.get("client", "")
    if isinstance(client, str) and (client.endswith((".yaml", ".yml")) or "/" in client) and not Path(client).is_absolute():
        client = str(folder / client)
    return params, client


def _draft_choices(p: Mapping[str, Any], folder: Path) -> tuple[Any, Path | None]:
    """The what-if panel's saved choices (a JSON file beside the draft, :mod:`wealthlib.studio`), read now so a
    bad file stops the render before anything runs; and its path, None when no such file exists."""
    if not p.get("choices"):
        return None, None
    from .studio import read_choices

    choices_path = Path(p["choices"]) if Path(p["choices"]).is_absolute() else folder / p["choices"]
    choices = read_choices(choices_path)  # checked now: a bad file stops before anything runs
    return choices, (choices_path if choices_path.is_file() else None)


@dataclass
class _Seal:
    """How a draft's PDF is finished (audit record and inputs embedded, signed when the policy names a
    certificate) and what the archive keeps of it."""

    finish: Any
    attachments: Any
    policy: Any
    params_dir: Path


def _draft_seal(proposal: Proposal, p: Mapping[str, Any], path: Path, check: Any, client: Any, params: Path,
                choices: Any) -> _Seal:
    """The PDF's seal (:mod:`wealthlib.guard.signing`): the inputs it carries are the draft's parameters (and
    saved choices), the advisor's texts, the audit record, and the draft itself when its template was modified
    on purpose."""
    from .guard.signing import document_inputs, sealer
    from .policy import load_policy

    params_dir = _find_params(params)
    attachments = document_inputs(
        kind="proposal", client_id=proposal.client_id, client_file=_client_path(client, params_dir),
        params=params_dir, parameters={**p, **({"choices_saved": choices.to_json_dict()} if choices else {})},
        advisor_text=proposal.advisor_text, audit=proposal.audit,
        template=check.template_name, views=p.get("views"),
        draft=path.read_bytes() if check.modified else None, modified_reason=check.modified_reason)
    policy = load_policy(params_dir / "policy.yaml")
    return _Seal(sealer(policy, params_dir, proposal.audit, attachments), attachments, policy, params_dir)


def _render_prebuilt(run_nb: Any, proposal: Proposal, p: Mapping[str, Any], target: Path, stem: str,
                     fmts: tuple[str, ...], folder: Path, pdf_finish: Any) -> dict[str, Path]:
    """Execute the notebook with the proposal built here handed to its kernel (``prebuilt``: the kernel loads it
    instead of building again) and export it; both files sit in a private folder, since they hold client data."""
    import nbformat

    from ._tmp import private_tempdir
    from .render import render

    with private_tempdir("wealth-render-") as tmp:  # 0700, removed even after kill -9: it holds client data
        tpl = Path(tmp) / "proposal.ipynb"
        nbformat.write(run_nb, tpl)
        prebuilt = Path(tmp) / "proposal.json"
        prebuilt.write_text(proposal.to_json(), encoding="utf-8")
        injected = {**p, "prebuilt": str(prebuilt)}
        return render(tpl, injected, target, stem, fmts, lang=proposal.locale,
                      title=f"{proposal.title} — {proposal.client_name}", footer=proposal.disclaimer,
                      audit=proposal.audit_line, cwd=folder, pdf_finish=pdf_finish, kind="proposal")


def _archive_draft(sealed: _Seal, proposal: Proposal, pdf: Path) -> None:
    """What the client is given, kept write-once when the policy names an archive (:mod:`wealthlib.guard.archive`)."""
    from .guard.archive import archive_document, archive_folder, record_for

    box = archive_folder(sealed.policy, sealed.params_dir)
    if box is not None:
        archive_document(box, proposal.client_id, pdf.read_bytes(), sealed.attachments,
                         record_for(proposal.audit, kind="proposal", signer=sealed.finish.signer))


def _check_draft_wording(nb: Any, p: Mapping[str, Any], check: Any, source: str) -> None:
    """Forbidden claims in what the advisor wrote into the draft: the advisor-text cells (as printed), the
    override reason and the reason for rendering a modified template (the policy named by the draft)."""
    from .guard.wording import check_texts
    from .policy import load_policy

    params = Path(p.get("params", "params"))
    policy_file = (params if params.is_absolute() else Path(source).resolve().parent / params) / "policy.yaml"
    policy = load_policy(policy_file)
    texts, md = [], []
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {})
        if cell.get("cell_type") == "markdown" and "advisor-text" in (meta.get("tags", []) or []):
            section = meta.get("advisor_section")
            text = cell.get("source", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            if text.strip() == ADVISOR_PLACEHOLDERS.get(section, "").strip():
                continue
            field_name = f"cell {i + 1} ({cell.get('id')!r}, advisor text)"
            texts.append((field_name, text))
            md.append(field_name)
    texts.append(("parameters cell: override_reason", p.get("override_reason")))
    texts.append(("--allow-modified", check.modified_reason))
    check_texts(texts, policy, source, markdown=md)


def check_draft_parameters(p: dict[str, Any], source: str) -> None:
    """The values of a draft's parameters cell, checked before anything runs: ``<file>: parameters cell: <name>``.

    An advisor edits these by hand; a wrong type must be named, not surface as ``unexpected ValueError``, and
    a string where a list belongs (``exclude = "CORP-BAA10"``) must not be read as a list of characters.
    """
    from .allocate import OBJECTIVES
    from .i18n import LOCALES

    def bad(name: str, text: str) -> InputError:
        value = p[name]
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:59] + "…"
        return InputError(source, f"parameters cell: {name}", f"{text}, got {shown}")

    def text_or_none(name: str) -> None:
        if name in p and p[name] is not None and not isinstance(p[name], str):
            raise bad(name, "must be text in quotes or None")

    if "client" in p and (not isinstance(p["client"], str) or not p["client"].strip()):
        raise bad("client", "must be a client id or a path to a client file, in quotes")
    if "as_of" in p:
        try:
            date.fromisoformat(p["as_of"]) if isinstance(p["as_of"], str) else date.fromisoformat("x")
        except ValueError:
            raise bad("as_of", "must be a date in quotes, YYYY-MM-DD") from None
    if "locale" in p and p["locale"] is not None and p["locale"] not in LOCALES:
        raise bad("locale", f"must be one of {', '.join(LOCALES)} or None")
    if "objective" in p and p["objective"] is not None and p["objective"] not in OBJECTIVES:
        raise bad("objective", f"must be one of {', '.join(OBJECTIVES)} or None")
    if "seed" in p and (not isinstance(p["seed"], int) or isinstance(p["seed"], bool) or p["seed"] < 0):
        raise bad("seed", "must be a whole number ≥ 0")
    if "exclude" in p and p["exclude"] is not None and (
            not isinstance(p["exclude"], (list, tuple)) or not all(isinstance(x, str) for x in p["exclude"])):
        raise bad("exclude", 'must be a list of product codes, e.g. ["CORP-BAA10"]')
    for name in ("params", "views", "override_class", "override_reason", "override_by", "choices"):
        text_or_none(name)


def read_parameters(nb: Any, source: str | None = None) -> dict[str, Any]:
    """The literal assignments of a notebook's ``parameters`` cell (``ast.literal_eval``; nothing executed).

    Every statement must be a plain assignment (:func:`wealthlib.guard.draft.parse_parameters`); ``source``
    (the notebook's path as the user sees it) prefixes every error: ``<file>: parameters cell: line N: …``.
    """
    from .guard.draft import parameters_cell, parse_parameters

    found = parameters_cell(nb)
    if found is None:
        raise WealthError(f"{source + ': ' if source else ''}the notebook has no cell tagged 'parameters'")
    src = found[1].get("source", "")
    return parse_parameters("".join(src) if isinstance(src, list) else src, source, internal=frozenset())
