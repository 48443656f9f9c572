"""What a proposal's sections compute from: the client (valued in the base currency), the profile, the
allocation and the run's settings, then — after the checks — the numbers of :mod:`.numbers`."""

from __future__ import annotations

from typing import Any

from ...i18n import source_text
from ..base import Labels
from ..html import p
from . import downside, numbers


class ProposalInputs:
    """One proposal's inputs and numbers; ``prepare()`` is the cheap part right after the checks (weights,
    current weights, trades, class name, disclaimer), ``build()`` the analytics. One use per proposal."""

    def __init__(self, ctx, client, profile, alloc, locale, seed, n_paths, objective, override):
        self.ctx, self.c, self.profile, self.alloc = ctx, client, profile, alloc
        self.loc, self.seed, self.n_paths, self.objective, self.ov = locale, seed, n_paths, objective, override
        self.policy, self.shelf = ctx.policy, ctx.shelf
        self.jur = self.policy.jurisdiction  # one the disclosure texts have (checked when the policy is loaded)
        self.cur = client.base_currency
        self.labels = Labels(locale, self.cur, self.jur)
        self.value = float(client.portfolio_value())
        # No holdings yet: the proposal is for a first investment of the client's financial assets less the
        # money they may need at short notice (kept outside the portfolio).
        first = float(client.assets.financial) - float(client.liquidity_need)
        self.amount = self.value if self.value > 0 else (first if first > 0 else float(client.assets.financial))
        self.projection_horizon = None
        self.audit: dict[str, Any] = {}
        from ...advisors import Signers

        self.signers = Signers(None, None, client.advisor)  # build_proposal sets the registry's (names, numbers)
        self.people: dict[str, str] = {}                     # registry id → name in the locale
        self.held_all: dict[str, float] = {}   # every holding (base currency), those kept under an exception too
        self.kept: dict[str, float] = {}       # holdings above the ceiling an exception keeps outside the proposal
        self.client_all = None                 # the client before those were set aside (their exceptions)

    # the labels' shortcuts, for the texts built here
    def L(self, key: str, **fmt: Any) -> str:
        return self.labels.L(key, **fmt)

    def pname(self, code: str) -> str:
        return self.shelf.get(code).name(self.loc)

    def prepare(self) -> "ProposalInputs":
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
        self.disclaimer = "\n".join(self.general()[:2])
        return self

    def build(self) -> "ProposalInputs":
        from ...documents import currency_notes, currency_share

        self.bench = numbers.benchmark(self)
        held = [] if self.w0 is None else list(self.w0.index)
        self.fx = currency_notes(self.ctx, [*self.w.index, *held, *self.bench.index], self.loc)
        self.fx_share = currency_share(self.ctx, self.w)
        self.fx_share_current = currency_share(self.ctx, self.w0)
        self.hh, self.ratios = numbers.household(self)
        self.exp = numbers.expected(self)
        self.cmp, self.bt = numbers.backtest(self)
        self.stress = downside.stress(self)
        self.proj, self.goal_rows = numbers.projection(self)
        self.fee = numbers.fees(self)
        return self

    # ---- texts more than one section (or the footer) uses ---------------------------------------------
    def general(self) -> list[str]:
        from ...disclosures import general_disclosures

        return general_disclosures(self.loc, self.jur)

    def bench_words(self) -> str:
        return " + ".join(f"{self.labels.pct(w, 0)} {self.pname(k)} ({k})" for k, w in self.bench.items())

    def objective_name(self, objective: str) -> str:
        """The objective in words (the catalog's ``objective_<name>``), never its code."""
        return self.labels.maybe(f"objective_{objective}", objective.replace("_", " "))

    def method_words(self, method: str) -> str:
        """The estimator's method (``shrunk_mean+ledoit_wolf+yield``) in words, one phrase per part."""
        sep = "; " if self.loc == "en" else "；"
        return sep.join(self.labels.maybe(f"asm_method_{part}", part.replace("_", " ")) for part in method.split("+"))

    def assumptions(self) -> list[tuple[str, str]]:
        est = self.ctx.estimates
        win = est.notes.get("window", ("", ""))
        rules = self.policy.allocation
        lb = self.labels
        return [
            (lb.L("field_estimator"), lb.L("asm_estimator", method=self.method_words(est.method), start=str(win[0])[:7],
                                           end=str(win[1])[:7], periods=est.notes.get("periods", "—"))),
            (lb.L("field_objective"), self.objective_name(self.objective or rules.objective)),
            (lb.L("field_inflation"), self.fx.inflation_row),
            (lb.L("col_fees"), lb.L("asm_fees", cost=lb.pct(rules.transaction_cost, 2))),
            (lb.L("field_rebalancing_rule"), lb.L(f"rebalance_{numbers.REBALANCE}")),
            (lb.L("term_benchmark"), self.bench_words()),
            *self.fx.assumptions,
            (lb.L("field_simulations"), f"{self.n_paths:,} · {lb.L('field_seed')} {self.seed}"),
            (lb.L("asm_contrib_label"), lb.L("asm_contrib", amount=lb.money(max(0.0, self.hh["savings"])))),
            (lb.L("field_data_sources"), lb.L("asm_sources", vintage=source_text(self.ctx.data_vintage, self.loc),
                                              shelf=self.shelf.version)),
        ]

    def default_letter(self) -> str:
        """The standard cover letter (safe HTML), printed when the advisor wrote none."""
        lb = self.labels
        return p(lb.L("letter_default", client=self.c.name, date=lb.date(self.ctx.as_of),
                      class_name=self.class_name, advisor=self.signers.advisor_name()))

    def default_rationale(self) -> str:
        """The standard rationale (safe HTML), printed when the advisor wrote none."""
        lb = self.labels
        classes = self.shelf.asset_classes()
        by = self.w.groupby(classes.reindex(self.w.index)).sum()
        mix = lb.join(f"{lb.asset(a)} {lb.pct(float(by[a]), 0)}" for a in self.policy.asset_classes
                        if a in by and by[a] > 1e-6)
        lines = [lb.L("rationale_default_class", class_name=self.class_name, ceiling=lb.grade(self.profile.ceiling)),
                 lb.L("rationale_default_mix", mix=mix, ret=lb.pct(self.alloc.expected_return, 1),
                      vol=lb.pct(self.alloc.volatility, 1)),
                 lb.L("rationale_default_liquidity", amount=lb.money(self.c.liquidity_need))]
        return "".join(p(x) for x in lines)
