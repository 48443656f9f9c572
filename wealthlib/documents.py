"""The objects document templates render: :class:`Proposal` (資產配置建議書), built by :func:`build_proposal`.

A :class:`Proposal` holds everything ``templates/proposal.ipynb`` shows, already computed, formatted and
localized, so a template cell is one call and one display (DESIGN.md §5.1)::

    proposal = build_proposal("lin", as_of="2018-12-31")
    proposal.show("allocation")            # IPython HTML of one section, heading included
    proposal.section_html("allocation")    # the same as a string
    proposal.ratios["savings_rate"]        # the numbers stay available for tests and other documents

Sections, in the order of DOMAIN.md §4 (:data:`SECTIONS`): cover, cover letter (advisor's words), KYC summary
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

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from ._html import escape as _e
from ._html import kv as _kv
from ._html import table as _table
from ._html import ul as _ul
from .errors import InputError, WealthError
from .i18n import check_locale, fmt_date, fmt_money, fmt_number, fmt_pct, t

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

#: Sections in document order: (key, heading key in ``documents.yaml``).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("cover", "proposal_client_advisor"),
    ("cover_letter", "proposal_cover_letter"),
    ("kyc", "proposal_kyc_summary"),
    ("household", "proposal_household"),
    ("goals", "proposal_goals"),
    ("allocation", "proposal_allocation"),
    ("suitability", "proposal_suitability"),
    ("rationale", "proposal_rationale"),
    ("expected", "proposal_expected"),
    ("backtest", "proposal_backtest"),
    ("stress", "proposal_stress"),
    ("projection", "proposal_projection"),
    ("costs", "proposal_costs"),
    ("product_disclosures", "proposal_product_disclosures"),
    ("general_disclosures", "proposal_general_disclosures"),
    ("complaints", "proposal_complaints"),
    ("acknowledgement", "proposal_acknowledgement"),
    ("assumptions", "proposal_assumptions"),
    ("audit", "proposal_audit"),
)

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

_BENCH_EQUITY_SHARE = 0.60
_BENCH_BOND_SHARE_NO_EQUITY = 0.80
_REBALANCE = "quarterly"


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


def _p(text: Any, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{_e(text)}</p>"


def _img(png: bytes, alt: str) -> str:
    import base64

    return f'<p><img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{_e(alt)}" width="680"></p>'


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
    when the advisor used one, the views file."""
    h = hashlib.sha256()
    parts = [client_bytes, policy_bytes, shelf_bytes,
             json.dumps(dict(parameters), sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")]
    for part in parts + ([views_bytes] if views_bytes else []):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _read_bytes(path: str | Path | None) -> bytes:
    try:
        return Path(path).read_bytes() if path else b""
    except OSError:
        return b""


# --------------------------------------------------------------------------------------------- the object


@dataclass
class Section:
    key: str
    heading: str
    html: str  # safe HTML of the body (heading not included)


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
        return f'<h2 id="wl-{_e(key)}">{_e(self.heading(key))}</h2>'

    def section_html(self, key: str, *, heading: bool = True) -> str:
        """One section as safe HTML (its heading first unless ``heading=False``)."""
        if key not in self.sections:
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


def _audit_line(a: Mapping[str, str], locale: str, override: bool) -> str:
    parts = [f"{t('documents.audit_inputs_hash', locale)} sha256:{a['inputs_hash'][:16]}",
             f"{t('documents.audit_policy_version', locale)} {a['policy_version']}",
             f"{t('documents.audit_questionnaire_version', locale)} {a['questionnaire_version']}",
             f"{t('documents.audit_disclosures_version', locale)} {a['disclosures_version']}",
             f"{t('documents.audit_software_version', locale)} wealthlib {a['software_version']}"]
    if override:
        parts.append(f"{t('documents.audit_overrides', locale)}: {a['overrides']}")
    if a.get("modified_template"):  # a draft rendered on purpose with changed code: said first, on every page
        parts.insert(0, f"{t('documents.audit_modified_template', locale)}: {a['modified_template']}")
    return " · ".join(parts)


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

    ``risk_aversion``, ``volatility_cap`` (of ``max_return``) and ``pinned`` (``{code: weight}``) are the
    what-ifs of :class:`wealthlib.allocate.ClientProblem`; ``choices`` a file the draft's what-if panel saved
    (:mod:`wealthlib.studio`, a path or a :class:`~wealthlib.studio.Choices`): its values replace
    ``objective``, ``exclude``, the override's class and reason, ``views`` and those three. All are checked
    against the policy's ``what_if`` limits (:func:`wealthlib.studio.check_what_if`) before anything is
    computed, and print in the audit record.
    """
    from . import __version__
    from .clients import Client, load_client
    from .context import advise, load_context
    from .disclosures import DISCLOSURES_VERSION

    params = _find_params(Path(params))
    ctx = load_context(params, as_of)
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
    loc = check_locale(locale or c.locale)
    from .charts import client_chart_problems

    for problem in client_chart_problems(c, loc)[:1]:  # before any work: the goal projection could not print it
        raise problem
    wi_source, reason_source = "what-if", "proposal"
    if choices is not None:
        from .errors import display_path
        from .studio import Choices, read_choices

        ch = choices if isinstance(choices, Choices) else read_choices(choices)
        wi_source = "choices" if isinstance(choices, Choices) else display_path(choices)
        if ch != Choices():
            reason_source = wi_source  # a forbidden claim in the saved reason names the choices file
            objective, exclude, views = ch.objective, ch.exclude, ch.views
            by = (list(override) + [None, None, None])[2] if isinstance(override, (list, tuple)) else None
            override = (ch.override_class, ch.override_reason, by)
            risk_aversion, volatility_cap, pinned = ch.risk_aversion, ch.volatility_cap, dict(ch.pinned)
    if objective is not None:
        from .allocate import OBJECTIVES

        if objective not in OBJECTIVES:
            raise InputError("objective", "", f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    views_bytes = b""
    if views:
        from .context import with_views

        vpath = _views_path(views, params)
        views_bytes = _read_bytes(vpath)
        ctx = with_views(ctx, vpath)
    from .context import check_product_codes, client_in_base, for_client

    check_product_codes(ctx, c)
    from .charts import shelf_chart_problems

    for problem in shelf_chart_problems(ctx.shelf, [loc])[:1]:  # the allocation chart could not print that name
        raise problem
    ctx = for_client(ctx, c)  # returns, μ, Σ in the client's base currency (FX risk inside)
    c = client_in_base(ctx, c)  # holdings (entered in each product's currency) valued in it at the as-of date
    exclude = tuple(sorted(set(exclude or ())))
    unknown = [code for code in exclude if code not in ctx.shelf]
    if unknown:
        raise InputError("exclude", "", f"unknown product code(s) {', '.join(unknown)} (shelf {ctx.shelf.version})")
    ov = _override(override, c.advisor, ctx.as_of)
    if ov is not None:
        ctx.policy.check_class(ov.risk_class, "override", "class")
    from .guard.wording import check_texts, client_texts

    check_texts(client_texts(c), ctx.policy, c.source or c.id)  # forbidden claims (wealthlib.guard.wording)
    check_texts([("override_reason", ov.reason if ov else None)], ctx.policy, reason_source)
    check_texts([(f"advisor text {k}", v) for k, v in (advisor_text or {}).items()], ctx.policy, "proposal",
                markdown=[f"advisor text {k}" for k in (advisor_text or {})])
    from .studio import check_what_if

    pinned = {str(k): float(v) for k, v in (pinned or {}).items()}
    unknown = sorted(set(pinned) - set(ctx.shelf.codes))
    if unknown:
        raise InputError(wi_source, f"pinned.{unknown[0]}", f"not a product of shelf {ctx.shelf.version}")
    check_what_if(ctx, c, ov, risk_aversion=risk_aversion, volatility_cap=volatility_cap, pinned=pinned,
                  source=wi_source)
    from .advisors import check_signer
    from .conduct import kept_under_exception, without_holdings

    signer = check_signer(ctx.policy, params, c.advisor, ctx.as_of)  # a licensed advisor signs, or no proposal

    def _advise(client):
        return advise(ctx, client, objective=objective, override=ov, extra_exclusions=exclude, locale=loc,
                      risk_aversion=risk_aversion, volatility_cap=volatility_cap, pinned=pinned)

    profile, alloc = _advise(c)
    held_all = c.holding_values()  # every holding, those kept under a recorded exception included
    kept = kept_under_exception(c, ctx.shelf, profile.ceiling, ctx.as_of)
    if kept:  # positions above the ceiling an exception keeps stay outside the proposal's allocation
        c = without_holdings(c, kept)
        profile, alloc = _advise(c)
    parameters = {"client": c.id, "as_of": ctx.as_of.isoformat(), "locale": loc, "objective": objective,
                  "override": None if ov is None else [ov.risk_class, ov.reason, ov.by], "exclude": list(exclude),
                  "seed": int(seed), "n_paths": int(n_paths), "views": str(views) if views else None}
    what_if = []
    if risk_aversion is not None:
        parameters["risk_aversion"] = float(risk_aversion)
        what_if.append(f"risk aversion γ = {float(risk_aversion):g}")
    if volatility_cap is not None:
        parameters["volatility_cap"] = float(volatility_cap)
        what_if.append(f"volatility target {float(volatility_cap):.2%}")
    if pinned:
        parameters["pinned"] = dict(sorted(pinned.items()))
        what_if.append("pinned " + ", ".join(f"{k} {v:.1%}" for k, v in sorted(pinned.items())))
    digest = inputs_hash(client_bytes, _read_bytes(params / "policy.yaml"), _read_bytes(params / "products.yaml"),
                         parameters, views_bytes)
    b = _Builder(ctx, c, profile, alloc, loc, int(seed), int(n_paths), objective, ov)
    b.prepare()
    effective_ov = profile.override
    override_info = None if effective_ov is None else {
        "class": effective_ov.risk_class, "class_name": ctx.policy.risk_class(effective_ov.risk_class).name(loc),
        "assessed": profile.computed_class, "reason": effective_ov.reason, "by": effective_ov.by,
        "date": effective_ov.date.isoformat()}
    audit = {
        "inputs_hash": digest,
        "data_vintage": ctx.data_vintage,
        "policy_version": ctx.policy.version,
        "shelf_version": ctx.shelf.version,
        "questionnaire_version": f"{profile.questionnaire} {profile.questionnaire_version}",
        "disclosures_version": DISCLOSURES_VERSION,
        "software_version": __version__,
        "as_of": ctx.as_of.isoformat(),
        "seed": str(seed),
        "overrides": "—" if effective_ov is None else
        f"{effective_ov.risk_class} ({effective_ov.by}, {effective_ov.date.isoformat()}): {effective_ov.reason}",
    }
    # what `wealth accept` records as the client's agreed target (wealthlib.records): not printed
    audit["target_weights"] = {str(k): round(float(v), 8) for k, v in alloc.weights.items() if float(v) > 1e-6}
    audit["risk_class"] = profile.final_class
    audit.update({k: str(v) for k, v in (template or {}).items() if k in ("template", "modified_template")})
    if what_if:
        audit["what_if"] = "; ".join(what_if)
    defaults = {"cover_letter": b._default_letter(), "rationale": b._default_rationale()}
    if on_checked is not None:
        on_checked({"client_id": c.id, "client_name": c.name, "locale": loc, "title": b.L("proposal_title"),
                    "disclaimer": b.disclaimer, "audit_line": _audit_line(audit, loc, override_info is not None),
                    "default_advisor_text": defaults})
    proposal = b.build()
    proposal.override = override_info
    proposal.audit = audit
    proposal.default_advisor_text = defaults
    proposal.advisor_text = {k: str(v) for k, v in (advisor_text or {}).items() if k in ADVISOR_SECTIONS}
    b.finish(proposal)
    return proposal


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

    base = ctx.base
    codes = [c for c in dict.fromkeys(codes) if c in ctx.shelf]
    L = lambda key, **f: t(f"documents.{key}", locale, **f)  # noqa: E731
    foreign = sorted({ctx.shelf.get(c).currency for c in codes} - {base})
    attrs = ctx.returns.attrs
    modeled = sorted({pair for code, pair in (attrs.get("fx") or {}).items() if code in codes})
    skipped = sorted({pair for code, pair in (attrs.get("fx_not_modeled") or {}).items() if code in codes})
    if not foreign:
        note = L("fx_note_none", currency=base)
        asm_ccy = L("asm_currency_none", currency=base)
    else:
        note = L("fx_note_modeled", currency=base, foreign="、".join(foreign) if locale != "en" else ", ".join(foreign),
                 pairs=", ".join(modeled)) if modeled else ""
        asm_ccy = L("asm_currency", currency=base) if modeled else ""
    nm = ""
    if skipped:
        sk_foreign = sorted({p.split("/")[0] for p in skipped})
        nm = L("fx_note_not_modeled", pairs=", ".join(skipped), foreign=", ".join(sk_foreign), currency=base)
        note = f"{note} {nm}".strip()
        asm_ccy = "; ".join(x for x in (asm_ccy, L("asm_currency_not_modeled", pairs=", ".join(skipped), currency=base)) if x)
    rows = [(L("asm_currency_label"), asm_ccy)]
    for pair in modeled:
        ccy, b = pair.split("/")
        for col, info in pair_sources(ctx.market, ccy, b):
            rows.append((L("asm_fx_label"), L("asm_fx", pair=col, method=info.method or info.name, source=info.source)))
    if modeled and len(ctx.returns):
        rows.append((L("asm_fx_label"), L("asm_fx_window", currency=base, start=f"{ctx.returns.index[0]:%Y-%m}",
                                          end=f"{ctx.returns.index[-1]:%Y-%m}")))
    cpi = ctx.market.cpi(base)
    if cpi is not None:
        key = f"fx_cpi_{base.lower()}"
        from .i18n import catalog

        name = L(key) if key in catalog("documents") else ctx.market.info[str(cpi.name)].name
        deflation, infl_row = L("proj_real", cpi=name), L("asm_inflation", cpi=name)
    else:
        deflation = L("proj_nominal", currency=base)
        infl_row = L("asm_inflation_nominal", currency=base)
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


class _Builder:
    """Computes the numbers and writes each section's HTML; one use per proposal."""

    def __init__(self, ctx, client, profile, alloc, locale, seed, n_paths, objective, override):
        self.ctx, self.c, self.profile, self.alloc = ctx, client, profile, alloc
        self.loc, self.seed, self.n_paths, self.objective, self.ov = locale, seed, n_paths, objective, override
        self.policy, self.shelf = ctx.policy, ctx.shelf
        self.jur = self.policy.jurisdiction if self.policy.jurisdiction in ("TW", "CN") else "TW"
        self.cur = client.base_currency
        self.value = float(client.portfolio_value())
        # No holdings yet: the proposal is for a first investment of the client's financial assets less the
        # money they may need at short notice (kept outside the portfolio).
        first = float(client.assets.financial) - float(client.liquidity_need)
        self.amount = self.value if self.value > 0 else (first if first > 0 else float(client.assets.financial))

    # helpers
    def L(self, key: str, **fmt: Any) -> str:
        return t(f"documents.{key}", self.loc, **fmt)

    def money(self, x: float) -> str:
        return fmt_money(x, self.cur, self.loc)

    def money_c(self, x: float) -> str:
        """Compact money (NT$1,234) for tables with many columns."""
        return fmt_money(x, self.cur, self.loc, symbol=True)

    def pct(self, x: float, d: int = 1, signed: bool = False) -> str:
        return fmt_pct(x, self.loc, d, signed=signed)

    def grade(self, g: int) -> str:
        from .disclosures import grade_label

        return grade_label(int(g), self.jur)

    def pname(self, code: str) -> str:
        return self.shelf.get(code).name(self.loc)

    def prepare(self) -> None:
        """The cheap part, right after the checks: weights, current weights, trades, class name, disclaimer."""
        import pandas as pd

        c, alloc = self.c, self.alloc
        w = alloc.weights[alloc.weights > 1e-6]
        self.w = (w / w.sum()).astype(float)
        held = c.holding_values()
        on_shelf = {k: v for k, v in held.items() if k in self.shelf and v > 0}
        tot = sum(on_shelf.values())
        self.w0 = pd.Series({k: v / tot for k, v in on_shelf.items()}, dtype=float) if tot > 0 else None
        if alloc.trade_amounts is not None:
            self.trades = {k: float(v) for k, v in alloc.trade_amounts.items() if abs(v) > 0.5}
        else:
            self.trades = {k: float(v) * self.amount for k, v in self.w.items() if v * self.amount > 0.5}
        self.class_name = self.profile.class_name(self.policy, self.loc)
        self.disclaimer = "\n".join(self._general()[:2])

    def build(self) -> Proposal:
        c, loc = self.c, self.loc
        self.bench = self._benchmark()
        held = [] if self.w0 is None else list(self.w0.index)
        self.fx = currency_notes(self.ctx, [*self.w.index, *held, *self.bench.index], loc)
        self.fx_share = currency_share(self.ctx, self.w)
        self.fx_share_current = currency_share(self.ctx, self.w0)
        self.hh, self.ratios = self._household()
        self.exp = self._expected()
        self.cmp, self.bt = self._backtest()
        self.stress = self._stress()
        self.proj, self.goal_rows = self._projection()
        self.fee = self._fees()
        class_name, disclaimer = self.class_name, self.disclaimer
        return Proposal(
            client_id=c.id, client_name=c.name, locale=loc, jurisdiction=self.jur, currency=self.cur,
            as_of=self.ctx.as_of, title=self.L("proposal_title"), risk_class=self.profile.final_class,
            class_name=class_name, ceiling=int(self.profile.ceiling), ceiling_label=self.grade(self.profile.ceiling),
            portfolio_value=self.value, amount=self.amount, weights={k: float(v) for k, v in self.w.items()},
            current_weights={} if self.w0 is None else {k: float(v) for k, v in self.w0.items()},
            trade_amounts=dict(self.trades),
            grades={k: self.grade(self.shelf.get(k).grade) for k in self.w.index},
            household=self.hh, ratios=self.ratios, expected=self.exp, backtest_metrics=self.bt,
            stress_rows=self.stress, goals=self.goal_rows,
            projection_assumptions=json.loads(json.dumps(self.proj.assumptions, default=_json_default)),
            fees=self.fee, benchmark={k: float(v) for k, v in self.bench.items()}, override=None, audit={},
            assumptions=[], disclaimer=disclaimer,
        )

    # ---- numbers ----------------------------------------------------------------------------------------
    def _benchmark(self):
        """60/40 equity index / bond when the class may hold the equity index, else 80/20 bond / cash."""
        import pandas as pd

        ceiling = self.profile.ceiling

        def pick(types: tuple[str, ...]) -> str | None:
            ok = [p for p in self.shelf if p.type in types and p.grade <= ceiling and p.code in self.ctx.returns]
            return min(ok, key=lambda p: p.grade).code if ok else None

        eq, bd, cash = pick(("equity_index_fund",)), pick(("bond_fund",)), pick(("money_market",))
        if eq and bd:
            return pd.Series({eq: _BENCH_EQUITY_SHARE, bd: 1 - _BENCH_EQUITY_SHARE})
        if bd and cash:
            return pd.Series({bd: _BENCH_BOND_SHARE_NO_EQUITY, cash: 1 - _BENCH_BOND_SHARE_NO_EQUITY})
        return pd.Series({(bd or cash or self.w.index[0]): 1.0})

    def _household(self):
        c = self.c
        cash_held = sum(v for k, v in c.holding_values().items()
                        if k in self.shelf and self.shelf.get(k).asset_class == "cash")
        outside = max(0.0, c.assets.financial - self.value)
        reserve = outside + cash_held
        monthly = c.annual_expenses / 12.0
        savings = c.income.annual - c.annual_expenses - c.debts.annual_debt_service
        hh = {"financial": c.assets.financial, "property": c.assets.property, "other": c.assets.other,
              "total_assets": c.assets.total, "mortgage": c.debts.mortgage, "other_debt": c.debts.other,
              "total_debt": c.debts.total, "net_worth": c.assets.total - c.debts.total,
              "income": c.income.annual, "expenses": c.annual_expenses, "debt_service": c.debts.annual_debt_service,
              "savings": savings, "liquid_reserve": reserve, "portfolio": self.value}
        nan = float("nan")
        ratios = {
            "emergency_months": reserve / monthly if monthly > 0 else nan,
            "debt_to_assets": c.debts.total / c.assets.total if c.assets.total > 0 else nan,
            "debt_service_to_income": c.debts.annual_debt_service / c.income.annual if c.income.annual > 0 else nan,
            "savings_rate": savings / c.income.annual if c.income.annual > 0 else nan,
        }
        return hh, ratios

    def _expected(self):
        import numpy as np

        est = self.ctx.estimates
        out = {"proposed_return": float(self.alloc.expected_return), "proposed_volatility": float(self.alloc.volatility)}
        for name, w in (("current", self.w0), ("benchmark", self.bench)):
            if w is None:
                continue
            codes = [k for k in w.index if k in est.mu.index]
            ww = w.reindex(codes).to_numpy()
            out[f"{name}_return"] = float(est.mu.reindex(codes).to_numpy() @ ww)
            out[f"{name}_volatility"] = float(np.sqrt(ww @ est.cov.loc[codes, codes].to_numpy() @ ww))
        return out

    def _backtest(self):
        import numpy as np

        from .analytics import compare

        initial = self.amount if self.amount > 0 else 1_000_000.0
        self.bt_initial = initial
        cmp = compare(self.ctx.returns, self.w, self.w0, self.bench, rebalance=_REBALANCE,
                      cost_rate=self.policy.allocation.transaction_cost, fees=self.shelf.fees(), initial=initial)
        out: dict[str, dict[str, float]] = {}
        for name, r in cmp.results.items():
            v = r.value
            years = len(r.returns) / 12.0
            total = float(v.iloc[-1] / v.iloc[0] - 1.0)
            out[name] = {
                "total_return": total,
                "cagr": float((1 + total) ** (1 / years) - 1) if years > 0 else float("nan"),
                "volatility": float(r.returns.std(ddof=1) * np.sqrt(12)),
                "max_drawdown": float((v / v.cummax() - 1).min()),
                "worst_year": float(r.returns.rolling(12).apply(lambda x: np.prod(1 + x) - 1, raw=True).min()),
                "final_value": float(v.iloc[-1]),
            }
        return cmp, out

    def _stress(self):
        from .analytics import scenarios, stress

        end = self.ctx.returns.index[-1]
        chosen = [s for s in scenarios() if s.end <= end]
        value = self.amount if self.amount > 0 else 1_000_000.0
        self.stress_value = value
        prop = stress(self.ctx.returns, self.w, chosen, value=value, locale=self.loc)
        cur = stress(self.ctx.returns, self.w0, chosen, value=value, locale=self.loc) if self.w0 is not None else None
        rows = []
        for i, r in prop.iterrows():
            row = {"scenario": r["scenario"], "name": r["name"], "start": r["start"].date(), "end": r["end"].date(),
                   "covered": bool(r["covered"]), "return": float(r["return"]), "pnl": float(r["pnl"]),
                   "missing": list(r["missing"])}
            if cur is not None:
                row.update(current_return=float(cur.loc[i, "return"]), current_pnl=float(cur.loc[i, "pnl"]),
                           current_covered=bool(cur.loc[i, "covered"]))
            rows.append(row)
        self.stress_frame = prop
        return rows

    def _projection(self):
        from .analytics import project

        as_of = self.ctx.as_of
        goals = []
        for g in sorted(self.c.goals, key=lambda g: (g.priority, g.target_date)):
            years = max(1, round((g.target_date - as_of).days / 365.25))
            goals.append((g, years))
        horizon = max([self.c.horizon_years, *[y for _, y in goals]])
        horizon = min(horizon, 60)
        self.projection_horizon = horizon
        contrib = max(0.0, self.hh["savings"])
        names = [g.name for g, _ in goals]
        uniq = [n if names.count(n) == 1 else f"{n} ({i + 1})" for i, n in enumerate(names)]
        start = self.amount
        proj = project(self.ctx.returns, self.w, start, horizon, contributions=contrib,
                       goals=[(u, g.target_amount, min(y, horizon)) for u, (g, y) in zip(uniq, goals)],
                       n_paths=self.n_paths, seed=self.seed, inflation=self.fx.cpi,
                       fees=self.shelf.fees())
        rows = []
        for u, (g, y) in zip(uniq, goals):
            r = proj.goals.loc[u]
            rows.append({"name": g.name, "amount": g.target_amount, "target_date": g.target_date, "years": int(y),
                         "priority": g.priority, "probability": float(r["probability"]),
                         "shortfall": float(r["shortfall"]), "median": float(proj.fan.loc[min(y, horizon), 50]),
                         "p5": float(proj.fan.loc[min(y, horizon), 5])})
        self.proj_names = dict(zip(uniq, names))
        return proj, rows

    def _fees(self):
        fees = self.shelf.fees()
        value = self.amount
        rows = []
        for code, w in self.w.items():
            rate = float(fees[code])
            rows.append({"code": code, "weight": float(w), "rate": rate, "amount": float(w) * rate * value})
        total_rate = sum(r["rate"] * r["weight"] for r in rows)
        traded = float(sum(abs(v) for v in self.trades.values()))
        trading_cost = traded * self.policy.allocation.transaction_cost
        r = self.alloc.expected_return
        horizon = int(self.projection_horizon) if hasattr(self, "projection_horizon") else self.c.horizon_years
        cumulative = []
        for year in sorted({1, 3, 5, 10, horizon} - {0}):
            if year > horizon:
                continue
            gross = value * (1 + r) ** year
            net = value * (1 + r - total_rate) ** year
            paid = sum(value * (1 + r - total_rate) ** (k - 1) * total_rate for k in range(1, year + 1))
            cumulative.append({"year": year, "gross": gross, "net": net, "reduction": gross - net,
                               "reduction_pct": (gross - net) / gross if gross > 0 else 0.0, "fees_paid": paid})
        return {"rows": rows, "total_rate": total_rate, "total_amount": total_rate * value, "traded": traded,
                "trading_cost": trading_cost, "trading_cost_rate": self.policy.allocation.transaction_cost,
                "cumulative": cumulative, "expected_return": r}

    def _general(self) -> list[str]:
        from .disclosures import general_disclosures

        return general_disclosures(self.loc, self.jur)

    # ---- sections ---------------------------------------------------------------------------------------
    def finish(self, p: Proposal) -> None:
        p.assumptions = self._assumptions()
        makers = {
            "cover": self.s_cover, "cover_letter": lambda: "", "kyc": self.s_kyc, "household": self.s_household,
            "goals": self.s_goals, "allocation": self.s_allocation, "suitability": self.s_suitability,
            "rationale": lambda: "", "expected": self.s_expected, "backtest": self.s_backtest,
            "stress": self.s_stress, "projection": self.s_projection, "costs": self.s_costs,
            "product_disclosures": self.s_product_disclosures, "general_disclosures": self.s_general,
            "complaints": self.s_complaints, "acknowledgement": self.s_ack,
            "assumptions": lambda: _kv(p.assumptions), "audit": lambda: self.s_audit(p),
        }
        self.p = p
        p.sections = {key: Section(key, self.L(hk), makers[key]()) for key, hk in SECTIONS}

    def s_cover(self) -> str:
        c = self.c
        rows = [(self.L("field_client"), c.name), (self.L("field_client_id"), c.id),
                (self.L("field_advisor"), c.advisor), (self.L("field_firm"), self.policy.firm or "—"),
                (self.L("field_date"), fmt_date(self.ctx.as_of, self.loc)),
                (self.L("field_as_of"), f"{fmt_date(self.ctx.returns.index[-1], self.loc)} ({self.ctx.data_vintage})"),
                (self.L("field_base_currency"), self.cur)]
        return f'<p class="wl-subtitle">{_e(self.L("proposal_subtitle", client=c.name))}</p>' + _kv(rows)

    def s_kyc(self) -> str:
        pr, pol = self.profile, self.policy
        rows = [(self.L("field_risk_class"), self.class_name),
                (self.L("field_tolerance"), f"{pol.risk_class(pr.tolerance_class).name(self.loc)} "
                 f"({self._score('tolerance')})"),
                (self.L("field_capacity"), f"{pol.risk_class(pr.capacity_class).name(self.loc)} "
                 f"({self._score('capacity')})"),
                (self.L("field_ceiling"), self.grade(pr.ceiling)),
                (self.L("field_kyc_date"), fmt_date(pr.kyc_date, self.loc)),
                (self.L("field_kyc_expiry"), fmt_date(pr.kyc_expiry, self.loc)),
                (self.L("field_age"), str(self.c.age(self.ctx.as_of))),
                (self.L("field_horizon"), self.L("field_horizon_years", years=self.c.horizon_years)),
                (self.L("field_professional"), self.L("term_yes") if self.c.flags.professional_investor
                 else self.L("term_no"))]
        flags = [f.message.get(self.loc) or f.message.get("en") for f in pr.flags
                 if f.code not in ("override", "override_above_computed")]
        out = _kv(rows) + f"<h3>{_e(self.L('proposal_flags'))}</h3>"
        out += _ul(flags) if flags else _p(self.L("book_none"))
        out += f"<h3>{_e(self.L('proposal_override'))}</h3>"
        if pr.override is not None:
            ov = pr.override
            out += _kv([(self.L("field_risk_class"), f"{pol.risk_class(ov.risk_class).name(self.loc)} "
                         f"({self.L('ovr_assessed')}: {pol.risk_class(pr.computed_class).name(self.loc)})"),
                        (self.L("col_reason"), ov.reason), (self.L("ovr_by"), ov.by),
                        (self.L("field_date"), fmt_date(ov.date, self.loc))])
        else:
            out += _p(self.L("book_none"))
        return out

    def _score(self, dim: str) -> str:
        s, m = self.profile.scores.get(dim), self.profile.max_scores.get(dim)
        return "—" if s is None else f"{s}/{m}"

    def s_household(self) -> str:
        h, r, m = self.hh, self.ratios, self.money
        bs = _table([self.L("col_item"), self.L("col_amount")], [
            [self.L("household_financial_assets"), m(h["financial"])],
            [self.L("household_real_estate"), m(h["property"])],
            [self.L("household_other_assets"), m(h["other"])],
            [f"{self.L('household_assets')} {self.L('term_total')}", m(h["total_assets"])],
            [self.L("household_mortgage"), m(h["mortgage"])],
            [self.L("household_other_debt"), m(h["other_debt"])],
            [f"{self.L('household_liabilities')} {self.L('term_total')}", m(h["total_debt"])],
            [self.L("household_net_worth"), m(h["net_worth"])],
        ])
        cf = _table([self.L("col_item"), self.L("col_amount")], [
            [self.L("household_income"), m(h["income"])],
            [self.L("household_expenses"), m(h["expenses"])],
            [self.L("household_debt_service"), m(h["debt_service"])],
            [self.L("household_savings"), m(h["savings"])],
        ])
        months = r["emergency_months"]
        ratio_rows = [
            [self.L("ratio_emergency_months"), self.L("ratio_months", months=fmt_number(months, self.loc, 1)),
             self.L("hh_def_emergency", reserve=m(h["liquid_reserve"]))],
            [self.L("ratio_debt_to_assets"), self.pct(r["debt_to_assets"]), self.L("hh_def_debt_to_assets")],
            [self.L("ratio_debt_service"), self.pct(r["debt_service_to_income"]), self.L("hh_def_debt_service")],
            [self.L("ratio_savings_rate"), self.pct(r["savings_rate"]), self.L("hh_def_savings")],
        ]
        ratios = _table([self.L("col_item"), self.L("col_value"), self.L("hh_definition")], ratio_rows)
        return (bs + cf + f"<h3>{_e(self.L('proposal_key_ratios'))}</h3>" + ratios)

    def s_goals(self) -> str:
        c = self.c
        rows = [[g.name, self.money(g.target_amount), fmt_date(g.target_date, self.loc), str(g.priority)]
                for g in sorted(c.goals, key=lambda g: (g.priority, g.target_date))]
        out = _table([self.L("col_goal"), self.L("col_target_amount"), self.L("col_target_year"),
                      self.L("goal_priority")], rows) if rows else _p(self.L("book_none"))
        lines = [self.L("goal_horizon", years=c.horizon_years),
                 self.L("goal_liquidity", amount=self.money(c.liquidity_need))]
        what_if = [code for code in self.alloc.excluded if code not in c.restrictions.excluded_products
                   and self.shelf.get(code).grade <= self.profile.ceiling]
        if c.restrictions.excluded_products:
            lines.append(self.L("goal_excluded", products=", ".join(
                f"{self.pname(x)} ({x})" for x in c.restrictions.excluded_products if x in self.shelf)))
        if what_if:
            lines.append(self.L("goal_excluded_now", products=", ".join(f"{self.pname(x)} ({x})" for x in what_if)))
        if c.restrictions.excluded_classes:
            lines.append(self.L("goal_excluded_classes", classes=", ".join(
                self._asset(a) for a in c.restrictions.excluded_classes)))
        lines.append(self.L("goal_ceiling", class_name=self.class_name, ceiling=self.grade(self.profile.ceiling)))
        if c.notes.strip():
            lines.append(self.L("goal_notes", notes=c.notes.strip()))
        return out + _ul(lines)

    def _asset(self, a: str) -> str:
        try:
            return self.L(f"asset_{a}")
        except KeyError:
            return a

    def s_allocation(self) -> str:
        import pandas as pd

        from .charts import allocation as chart, to_png

        cls_order = list(self.policy.asset_classes)
        classes = self.shelf.asset_classes()
        w0 = self.w0 if self.w0 is not None else pd.Series(dtype=float)
        by_p = self.w.groupby(classes.reindex(self.w.index)).sum()
        by_c = w0.groupby(classes.reindex(w0.index)).sum() if len(w0) else pd.Series(dtype=float)
        rows = []
        for a in cls_order:
            p, cu = float(by_p.get(a, 0.0)), float(by_c.get(a, 0.0))
            if p or cu:
                rows.append([self._asset(a), self.pct(cu), self.pct(p), self.pct(p - cu, signed=True)])
        out = f"<h3>{_e(self.L('proposal_by_asset_class'))}</h3>"
        out += _table([self.L("col_asset_class"), self.L("col_current_weight"), self.L("col_proposed_weight"),
                       self.L("col_change")], rows)
        codes = list(dict.fromkeys([*self.w.index, *w0.index]))
        prow = []
        value = self.value
        for code in codes:
            pr = self.shelf.get(code)
            p, cu = float(self.w.get(code, 0.0)), float(w0.get(code, 0.0))
            prow.append([pr.name(self.loc), code, self._asset(pr.asset_class), self.grade(pr.grade),
                         self.pct(cu), self.pct(p), self.money_c(cu * value), self.money_c(p * self.amount)])
        out += f"<h3>{_e(self.L('proposal_by_product'))}</h3>"
        out += _table([self.L("col_product"), self.L("col_code"), self.L("col_asset_class"), self.L("col_grade"),
                       self.L("col_current_weight"), self.L("col_proposed_weight"), self.L("col_current_value"),
                       self.L("col_proposed_value")], prow)
        names = {k: self.pname(k) for k in codes}
        fig = chart(self.w0, self.w, locale=self.loc, names=names)
        out += _img(to_png(fig, dpi=110), self.L("proposal_allocation"))
        out += f"<h3>{_e(self.L('proposal_trades'))}</h3>"
        trows = []
        if self.trades:
            for code, amt in self.trades.items():
                action = self.L("term_buy") if amt > 0 else self.L("term_sell")
                trows.append([self.pname(code), code, action, self.money_c(abs(amt)),
                              self.money_c(abs(amt) * self.policy.allocation.transaction_cost)])
        off = {k: v for k, v in self.c.holding_values().items() if k not in self.shelf and v > 0}
        for code, v in off.items():
            trows.append([code, code, self.L("term_sell"), self.money_c(v),
                          self.money_c(v * self.policy.allocation.transaction_cost)])
        out += _table([self.L("col_product"), self.L("col_code"), self.L("col_action"), self.L("col_amount"),
                       self.L("col_cost")], trows) if trows else _p(self.L("book_none"))
        if self.value <= 0:
            out += _p(self.L("alloc_no_holdings", amount=self.money(self.amount),
                             financial=self.money(self.c.assets.financial), need=self.money(self.c.liquidity_need)))
        out += _p(self.fx.note)
        return out

    def s_suitability(self) -> str:
        from .disclosures import suitability_statement

        rows = [(code, self.pname(code), self.shelf.get(code).grade) for code in self.w.index]
        text = suitability_statement(rows, self.profile.ceiling, self.class_name, self.loc, jurisdiction=self.jur)
        lines = text.split("\n")
        table = _table([self.L("col_product"), self.L("col_code"), self.L("col_grade"), self.L("col_ceiling"),
                        self.L("col_suitable")],
                       [[name, code, self.grade(g), self.grade(self.profile.ceiling),
                         self.L("term_within_ceiling") if g <= self.profile.ceiling else self.L("term_above_ceiling")]
                        for code, name, g in rows])
        out = _p(lines[0]) + table + _ul(lines[1:])
        out += f"<h3>{_e(self.L('proposal_exception'))}</h3>"
        above = [code for code, _, g in rows if g > self.profile.ceiling]
        out += _p(self.L("book_none")) if not above else _ul(above)
        return out

    def s_expected(self) -> str:
        e = self.exp
        rows = [[self.L("term_proposed_portfolio"), self.pct(e["proposed_return"], 2), self.pct(e["proposed_volatility"], 2)]]
        if "current_return" in e:
            rows.append([self.L("term_current_portfolio"), self.pct(e["current_return"], 2),
                         self.pct(e["current_volatility"], 2)])
        rows.append([self.L("term_benchmark"), self.pct(e["benchmark_return"], 2), self.pct(e["benchmark_volatility"], 2)])
        out = _table([self.L("col_portfolio"), self.L("metric_expected_return"), self.L("metric_volatility")], rows)
        lo = e["proposed_return"] - 2 * e["proposed_volatility"]
        hi = e["proposed_return"] + 2 * e["proposed_volatility"]
        out += _p(self.L("expected_range", low=self.pct(lo), high=self.pct(hi)))
        if lo < 0 and self.amount > 0:
            out += _p(self.L("expected_bad_year", loss=self.money(-lo * self.amount)))
        out += _p(self.L("expected_estimator", method=self.ctx.estimates.method))
        out += self._fx_share_html()
        return out

    def _fx_share_html(self) -> str:
        out = ""
        sh = self.fx_share
        if sh is not None:
            out += _p(self.L("fx_share", currency=self.cur, vol_base=self.pct(sh["volatility_base"]),
                             vol_local=self.pct(sh["volatility_local"]), share=self.pct(sh["currency_share"]),
                             start=f"{sh['start']:%Y-%m}", end=f"{sh['end']:%Y-%m}"))
            cur = self.fx_share_current
            if cur is not None:
                out += _p(self.L("fx_share_current", currency=self.cur, vol_base=self.pct(cur["volatility_base"]),
                                 vol_local=self.pct(cur["volatility_local"]), share=self.pct(cur["currency_share"])))
        if self.fx.not_modeled:
            out += _p(self.fx.not_modeled, "wl-note")
        return out

    def _bench_words(self) -> str:
        return " + ".join(f"{self.pct(w, 0)} {self.pname(k)} ({k})" for k, w in self.bench.items())

    def s_backtest(self) -> str:
        from .charts import cumulative_growth, drawdown, to_png

        cmp = self.cmp
        names = {"proposed": self.L("term_proposed_portfolio"), "current": self.L("term_current_portfolio"),
                 "benchmark": self.L("term_benchmark")}
        header = [self.L("col_portfolio"), self.L("metric_total_return"), self.L("metric_cagr"),
                  self.L("metric_volatility"), self.L("metric_max_drawdown"), self.L("bt_worst_12m"),
                  self.L("col_closing_value")]
        rows = [[names[k], self.pct(m["total_return"]), self.pct(m["cagr"]), self.pct(m["volatility"]),
                 self.pct(m["max_drawdown"]), self.pct(m["worst_year"]), self.money(m["final_value"])]
                for k, m in self.bt.items()]
        out = _p(self.L("bt_label", start=fmt_date(cmp.start, self.loc), end=fmt_date(cmp.end, self.loc),
                        rule=self.L(f"rebalance_{_REBALANCE}"), initial=self.money(self.bt_initial)), "wl-note")
        out += _table(header, rows)
        out += _p(self.L("bt_benchmark", benchmark=self._bench_words()))
        out += _img(to_png(cumulative_growth(cmp.values, locale=self.loc), dpi=110), self.L("proposal_backtest"))
        out += _img(to_png(drawdown(cmp.values, locale=self.loc), dpi=110), self.L("metric_max_drawdown"))
        return out

    def s_stress(self) -> str:
        from .charts import stress_bars, to_png

        rows = []
        has_cur = self.w0 is not None
        for r in self.stress:
            period = f"{r['start']:%Y-%m} – {r['end']:%Y-%m}"
            if not r["covered"]:
                row = [r["name"], period, self.L("term_not_available"), "—"]
                if has_cur:
                    row += ["—", "—"]
            else:
                row = [r["name"], period, self.pct(r["return"]), self.money_c(r["pnl"])]
                if has_cur:
                    row += [self.pct(r["current_return"]) if r["current_covered"] else "—",
                            self.money_c(r["current_pnl"]) if r["current_covered"] else "—"]
            rows.append(row)
        header = [self.L("col_scenario"), self.L("col_scenario_period"),
                  f"{self.L('term_proposed')} {self.L('col_loss_pct')}", f"{self.L('term_proposed')} {self.L('col_loss_amount')}"]
        if has_cur:
            header += [f"{self.L('term_current')} {self.L('col_loss_pct')}", f"{self.L('term_current')} {self.L('col_loss_amount')}"]
        out = _table(header, rows)
        out += _p(self.L("stress_note", value=self.money(self.stress_value)))
        if self.fx.modeled:
            out += _p(self.L("stress_fx_note", currency=self.cur, pairs=", ".join(self.fx.modeled)))
        if self.fx.not_modeled:
            out += _p(self.fx.not_modeled, "wl-note")
        if len(self.stress_frame):
            out += _img(to_png(stress_bars(self.stress_frame, locale=self.loc, currency=self.cur), dpi=110),
                        self.L("proposal_stress"))
        return out

    def s_projection(self) -> str:
        from .charts import projection_fan, to_png

        a = self.proj.assumptions
        rows = [[g["name"], self.money(g["amount"]), fmt_date(g["target_date"], self.loc), self.pct(g["probability"], 0),
                 self.money(g["median"]), self.money(g["p5"]),
                 "—" if g["shortfall"] != g["shortfall"] else self.money(g["shortfall"])] for g in self.goal_rows]
        out = _table([self.L("col_goal"), self.L("col_target_amount"), self.L("col_target_year"),
                      self.L("metric_success_probability"), self.L("col_percentile_50"), self.L("proj_p5"),
                      self.L("metric_shortfall")], rows) if rows else _p(self.L("book_none"))
        fan = self.proj.fan
        years = sorted({y for y in (1, 5, 10, 15, 20, int(fan.index[-1])) if y <= fan.index[-1]})
        out += _table([self.L("col_year"), self.L("proj_p5"), self.L("col_percentile_50"), self.L("proj_p95")],
                      [[str(y), self.money(fan.loc[y, 5]), self.money(fan.loc[y, 50]), self.money(fan.loc[y, 95])]
                       for y in years])
        out += _p(self.L("proj_assumptions", paths=a["n_paths"], seed=a["seed"], block=a["block"],
                         start=f"{a['history_start']:%Y-%m}", end=f"{a['history_end']:%Y-%m}",
                         contribution=self.money(a["contributions"][0] if a["contributions"] else 0.0),
                         value=self.money(a["start_value"]), deflation=self.fx.deflation), "wl-note")
        names = dict(self.proj_names)
        if self.loc == "en":  # the English chart font has no CJK glyphs: number goals named in another script
            names = {k: (v if v.isascii() else f"{self.L('col_goal')} {i}") for i, (k, v) in
                     enumerate(names.items(), 1)}
        fig = projection_fan(_RenamedProjection(self.proj, names), locale=self.loc)
        out += _img(to_png(fig, dpi=110), self.L("proposal_projection"))
        return out

    def s_costs(self) -> str:
        f = self.fee
        rows = [[self.pname(r["code"]), r["code"], self.pct(r["weight"]), self.pct(r["rate"], 2), self.money(r["amount"])]
                for r in f["rows"]]
        rows.append([self.L("term_total"), "", self.pct(1.0), self.pct(f["total_rate"], 2), self.money(f["total_amount"])])
        out = _table([self.L("col_product"), self.L("col_code"), self.L("col_proposed_weight"), self.L("col_fee_rate"),
                      self.L("col_fee_amount")], rows)
        out += _p(self.L("cost_trading", traded=self.money(f["traded"]), rate=self.pct(f["trading_cost_rate"], 2),
                         cost=self.money(f["trading_cost"])))
        out += f"<h3>{_e(self.L('proposal_cost_effect'))}</h3>"
        out += _table([self.L("col_year"), self.L("cost_value_without"), self.L("cost_value_with"),
                       self.L("cost_reduction"), self.L("col_cumulative")],
                      [[str(r["year"]), self.money(r["gross"]), self.money(r["net"]), self.money(r["reduction"]),
                        self.pct(r["reduction_pct"], 2)] for r in f["cumulative"]])
        out += _p(self.L("cost_effect_note", r=self.pct(f["expected_return"], 2), fee=self.pct(f["total_rate"], 2)))
        return out

    def s_product_disclosures(self) -> str:
        from .disclosures import product_disclosures

        out = ""
        for code in self.w.index:
            pr = self.shelf.get(code)
            out += f"<h3>{_e(pr.name(self.loc))} ({_e(code)}) · {_e(self.grade(pr.grade))}</h3>"
            out += _ul(product_disclosures(pr.type, pr.grade, self.loc, pr.currency, self.cur, jurisdiction=self.jur))
            if pr.note:
                out += _p(pr.note_in(self.loc), "wl-note")
        return out

    def s_general(self) -> str:
        return _ul(self._general())

    def s_complaints(self) -> str:
        from .disclosures import complaint_channel

        return _p(complaint_channel(self.loc, self.jur, firm=self.policy.firm or None))

    def s_ack(self) -> str:
        from .disclosures import acknowledgement

        foreign = any(self.shelf.get(k).currency != self.cur for k in self.w.index)
        above = any(self.shelf.get(k).grade > self.profile.ceiling for k in self.w.index)
        a = acknowledgement(self.loc, self.jur, exception=above, foreign_currency=foreign)
        labels = a["signature_labels"]
        out = f"<h3>{_e(a['title'])}</h3>" + _p(a["intro"]) + "<ol>" + "".join(
            f"<li>{_e(s)}</li>" for s in a["statements"]) + "</ol>"
        line = "_" * 24
        sig = [(labels["client"], line, labels["seal"], line), (labels["advisor"], f"{self.c.advisor}  {line}",
               labels["date"], line), (labels["supervisor"], line, labels["date"], line)]
        out += '<table class="wl-signature"><tbody>' + "".join(
            f"<tr><th>{_e(a)}</th><td>{_e(b)}</td><th>{_e(c)}</th><td>{_e(d)}</td></tr>" for a, b, c, d in sig
        ) + "</tbody></table>"
        return out

    def _assumptions(self) -> list[tuple[str, str]]:
        est = self.ctx.estimates
        win = est.notes.get("window", ("", ""))
        rules = self.policy.allocation
        return [
            (self.L("field_estimator"), self.L("asm_estimator", method=est.method, start=str(win[0])[:7],
                                                end=str(win[1])[:7], periods=est.notes.get("periods", "—"))),
            (self.L("field_objective"), self._objective_name(self.objective or rules.objective)),
            (self.L("field_inflation"), self.fx.inflation_row),
            (self.L("col_fees"), self.L("asm_fees", cost=self.pct(rules.transaction_cost, 2))),
            (self.L("field_rebalancing_rule"), self.L(f"rebalance_{_REBALANCE}")),
            (self.L("term_benchmark"), self._bench_words()),
            *self.fx.assumptions,
            (self.L("field_simulations"), f"{self.n_paths:,} · {self.L('field_seed')} {self.seed}"),
            (self.L("asm_contrib_label"), self.L("asm_contrib", amount=self.money(max(0.0, self.hh["savings"])))),
            (self.L("field_data_sources"), self.L("asm_sources", vintage=self.ctx.data_vintage,
                                                 shelf=self.shelf.version)),
        ]

    def _objective_name(self, objective: str) -> str:
        try:
            return f"{self.L(f'objective_{objective}')} ({objective})"
        except KeyError:
            return objective

    def s_audit(self, p: Proposal) -> str:
        a = p.audit
        rows = [(self.L("audit_inputs_hash"), f"sha256:{a['inputs_hash']}"),
                (self.L("audit_as_of"), a["as_of"]),
                (self.L("audit_data_vintage"), a["data_vintage"]),
                (self.L("audit_policy_version"), f"{a['policy_version']} · {a['shelf_version']}"),
                (self.L("audit_questionnaire_version"), a["questionnaire_version"]),
                (self.L("audit_disclosures_version"), a["disclosures_version"]),
                (self.L("audit_software_version"), f"wealthlib {a['software_version']}"),
                (self.L("field_seed"), a["seed"]),
                (self.L("audit_overrides"), a["overrides"])]
        if a.get("what_if"):
            rows.append((self.L("audit_what_if"), a["what_if"]))
        if a.get("template"):
            rows.append((self.L("audit_template"), a["template"]))
        if a.get("modified_template"):
            rows.append((self.L("audit_modified_template"), a["modified_template"]))
        return _kv(rows)

    # ---- standard advisor texts (safe HTML) -------------------------------------------------------------
    def _default_letter(self) -> str:
        return _p(self.L("letter_default", client=self.c.name, date=fmt_date(self.ctx.as_of, self.loc),
                         class_name=self.class_name, advisor=self.c.advisor))

    def _default_rationale(self) -> str:
        classes = self.shelf.asset_classes()
        by = self.w.groupby(classes.reindex(self.w.index)).sum()
        mix = ", ".join(f"{self._asset(a)} {self.pct(float(by[a]), 0)}" for a in self.policy.asset_classes
                        if a in by and by[a] > 1e-6)
        lines = [self.L("rationale_default_class", class_name=self.class_name, ceiling=self.grade(self.profile.ceiling)),
                 self.L("rationale_default_mix", mix=mix, ret=self.pct(self.alloc.expected_return, 1),
                        vol=self.pct(self.alloc.volatility, 1)),
                 self.L("rationale_default_liquidity", amount=self.money(self.c.liquidity_need))]
        return "".join(_p(x) for x in lines)


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

    import nbformat

    from .errors import display_path
    from .guard.draft import check_draft
    from .render import RenderError, render

    path = Path(notebook)
    if not path.is_file():
        raise RenderError(f"{display_path(path)}: no such notebook")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"{display_path(path)}: not a readable notebook: {exc}") from None
    check = check_draft(nb, display_path(path), allow_modified=allow_modified)
    p = check.parameters
    check_draft_parameters(p, display_path(path))
    _check_draft_wording(nb, p, check, display_path(path))
    folder = path.parent.resolve()
    params = Path(p.get("params", "params"))
    params = params if params.is_absolute() else folder / params
    client = p.get("client", "")
    if isinstance(client, str) and (client.endswith((".yaml", ".yml")) or "/" in client) and not Path(client).is_absolute():
        client = str(folder / client)
    choices = choices_path = None
    if p.get("choices"):  # the what-if panel's saved choices, a JSON file beside the draft (wealthlib.studio)
        from .studio import read_choices

        choices_path = Path(p["choices"]) if Path(p["choices"]).is_absolute() else folder / p["choices"]
        choices = read_choices(choices_path)  # checked now: a bad file stops before anything runs
        choices_path = choices_path if choices_path.is_file() else None
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
    pdf_finish = None
    if seal and "pdf" in fmts:
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
        pdf_finish = sealer(policy, params_dir, proposal.audit, attachments)
    from ._tmp import private_tempdir

    with private_tempdir("wealth-render-") as tmp:  # 0700, removed even after kill -9: it holds client data
        tpl = Path(tmp) / "proposal.ipynb"
        nbformat.write(run_nb, tpl)
        prebuilt = Path(tmp) / "proposal.json"
        prebuilt.write_text(proposal.to_json(), encoding="utf-8")
        injected = {**p, "prebuilt": str(prebuilt)}
        written = render(tpl, injected, target, path.stem, fmts, lang=proposal.locale,
                         title=f"{proposal.title} — {proposal.client_name}", footer=proposal.disclaimer,
                         audit=proposal.audit_line, cwd=folder, pdf_finish=pdf_finish)
    if pdf_finish is not None:  # what the client is given, kept write-once (wealthlib.guard.archive)
        from .guard.archive import archive_document, archive_folder, record_for

        box = archive_folder(policy, params_dir)
        if box is not None:
            archive_document(box, proposal.client_id, written["pdf"].read_bytes(), attachments,
                             record_for(proposal.audit, kind="proposal", signer=pdf_finish.signer))
    return written


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
