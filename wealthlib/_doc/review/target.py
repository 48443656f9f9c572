"""What a review says about its target and what follows from it (:func:`wealthlib.review.build_review`): the
target it measures drift against — the client's agreed target (when, which proposal) or the engine's — with the
reasons to revisit it (:mod:`wealthlib._analytics.target`), the notes on refused, scaled and implied trades, and
the action items, each with its owner and due date."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import fmt_date, fmt_money, fmt_pct, join_terms, t


def target_notes(chosen: Any, ctx: Any, profile: Any, locale: str) -> list[str]:
    """Agreed (when, which proposal) or the engine's target, and every reason to revisit an agreed one."""
    if chosen.decision is None:
        return [t("lifecycle.review_target_engine", locale)]
    d = chosen.decision
    out = [t("lifecycle.review_target_agreed", locale, date=fmt_date(d.decided_on, locale), ref=d.proposal_hash[:12])]
    if "class_changed" in chosen.revisit:
        old = ctx.policy.risk_class(d.risk_class).name(locale) if d.risk_class in ctx.policy.active.codes else d.risk_class
        out.append(t("lifecycle.review_revisit_class_changed", locale, old=old,
                     new=profile.class_name(ctx.policy, locale)))
    if "kyc_expired" in chosen.revisit:
        out.append(t("lifecycle.review_revisit_kyc_expired", locale))
    if "off_shelf" in chosen.revisit:
        out.append(t("lifecycle.review_revisit_off_shelf", locale, products=join_terms(chosen.off_shelf, locale)))
    return out


def trade_notes(rb: Any, locale: str) -> list[str]:
    """Buys refused by the suitability check, and buys scaled down for want of cash."""
    out = []
    refused = rb.checks[~rb.checks["suitable"]]
    if len(refused):
        out.append(t("documents.review_buys_refused", locale, products=join_terms(refused["code"], locale)))
    if rb.scale < 1.0:
        out.append(t("lifecycle.review_buys_scaled", locale, share=fmt_pct(rb.scale, locale)))
    return out


def implied_notes(implied: list, currency: str, locale: str) -> list[str]:
    """The contributions and withdrawals the valuation had to imply (:func:`wealthlib.review.valuation`)."""
    return [t(f"documents.review_implied_{kind}", locale, date=fmt_date(d, locale),
              amount=fmt_money(amount, currency, locale)) for d, kind, code, amount in implied if amount > 1e-6]


def actions(*, kyc: dict, trades: Any, chosen: Any, goals: Any, complaints: list, owner: str,
            end: pd.Timestamp, locale: str) -> list[dict[str, str]]:
    """The review's action items: KYC to renew, trades to make, a target to revisit, goals off track (due a month
    after the quarter end), and every open complaint (due a month after it was opened)."""
    due = fmt_date((end + pd.Timedelta(days=30)).date(), locale)
    items = [("documents.review_action_kyc", kyc["expired"] or kyc["due_soon"]),
             ("documents.review_action_rebalance", bool(len(trades))),
             ("lifecycle.review_action_revisit", bool(chosen.revisit)),
             ("documents.review_action_goals", bool(len(goals)) and not goals["on_track"].all())]
    out = [{"item": t(key, locale), "owner": owner, "due": due} for key, due_now in items if due_now]
    for comp in complaints:
        if comp.is_open:
            out.append({"item": t("documents.review_action_complaint", locale), "owner": owner,
                        "due": fmt_date(comp.opened + pd.Timedelta(days=30), locale)})
    return out
