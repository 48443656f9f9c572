"""The client book's measures (DOMAIN.md §6), computed from the book's client table (one row per client, built by
:func:`wealthlib.book.build_book`): AUM change per currency and per advisor, the AUM in the policy's reporting
currency, each client's share of the advisor's duties in the period (follow-up visits, satisfaction, sales,
loans introduced) and the advisor measures. The relationship report's section units
(:mod:`wealthlib._doc.book`) only display these."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd


def in_reporting_currency(df: pd.DataFrame, reporting: str, market, when: date) -> dict[str, Any]:
    """AUM per base currency converted into ``reporting`` at the last rate on or before ``when``; the total."""
    rates: dict[str, float] = {}
    amounts: dict[str, float] = {}
    for ccy, v in (df.groupby("currency")["aum"].sum().items() if len(df) else []):
        rates[ccy] = market.fx_rate(ccy, reporting, when)
        amounts[ccy] = float(v) * rates[ccy]
    return {"currency": reporting, "rates": rates, "amounts": amounts, "total": float(sum(amounts.values()))}


def aum_change(df: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The AUM change per currency (per ``by`` and currency: ``("advisor",)`` gives every advisor's in one pass)."""
    cols = [*by, "currency", "clients", "opening", "deposits", "withdrawals", "net_new_money", "income", "fees", "closing", "change", "growth"]
    if not len(df):
        return pd.DataFrame(columns=cols)
    g = df.groupby([*by, "currency"]).agg(
        clients=("id", "size"), opening=("opening", "sum"), deposits=("deposits", "sum"),
        withdrawals=("withdrawals", "sum"), net_new_money=("net_new_money", "sum"), income=("income", "sum"),
        fees=("fees", "sum"), closing=("aum", "sum"),
    ).reset_index()
    g["change"] = g["closing"] - g["opening"]
    g["growth"] = [ch / op if op > 0 else float("nan") for ch, op in zip(g["change"], g["opening"])]
    return g[cols]


#: What each client row counts of the advisor's duties in the period (:func:`duties`).
DUTY_COLUMNS = ("follow_ups", "rated_visits", "satisfied_visits", "sales", "loans_introduced")


def answer_days(policy: Any, comp: Any) -> int | None:
    """The days the firm has to answer ``comp``: the policy's ``complex_answer_days`` for a complex case where it
    sets them (the mainland 30), else ``answer_days`` (the mainland 15, Taiwan 30)."""
    rules = policy.complaints
    if comp.complex and rules.complex_answer_days is not None:
        return rules.complex_answer_days
    return rules.answer_days


def duties(c: Any, policy: Any, start: date, when: date) -> dict[str, Any]:
    """A client's share of the seed's advisor measures in the period ``start``–``when``: follow-up visits (回访)
    recorded, those rated and those rated ``follow_up.satisfied_from`` or above; product sales (buys, base
    currency); loans introduced to the bank's credit process (their amounts, base currency)."""
    log = [x for x in c.contact_log if start <= x.date <= when]
    visits = [x for x in log if x.kind == "follow_up"]
    rated = [x.satisfaction for x in visits if x.satisfaction is not None]
    cut = policy.follow_up.satisfied_from if policy.follow_up is not None else None
    return {"follow_ups": len(visits), "rated_visits": len(rated),
            "satisfied_visits": sum(1 for r in rated if cut is not None and r >= cut),
            "sales": float(sum(t.amount for t in c.transactions if t.type == "buy" and start <= t.date <= when)),
            "loans_introduced": float(sum(x.amount for x in log if x.kind == "loan_introduced"))}


def advisor_measures(df: pd.DataFrame) -> pd.DataFrame:
    """Per advisor: clients, AUM and its growth per currency, new accounts, reviews due and on time, follow-up
    visits, satisfaction (share of rated visits rated satisfied; None without a rated visit), sales and loans
    introduced per currency."""
    if not len(df):
        return pd.DataFrame(columns=["advisor", "clients", "new_accounts", "reviews_due", "reviews_on_time",
                                     "follow_ups", "satisfaction"])
    out = []
    currencies = sorted(df["currency"].unique())
    for adv, part in df.groupby("advisor", sort=True):
        row: dict[str, Any] = {"advisor": adv, "clients": len(part)}
        for ccy in currencies:
            p = part[part["currency"] == ccy]
            closing, opening = float(p["aum"].sum()), float(p["opening"].sum())
            row[f"aum_{ccy}"] = closing if len(p) else float("nan")
            row[f"aum_growth_{ccy}"] = (closing - opening) / opening if len(p) and opening > 0 else float("nan")
        row["new_accounts"] = int(part["new_account"].sum())
        row["reviews_due"] = int(part["review_due"].sum())
        row["reviews_on_time"] = float((~part["review_due"]).mean())
        for ccy in currencies:
            p = part[part["currency"] == ccy]
            row[f"sales_{ccy}"] = float(p["sales"].sum()) if len(p) else float("nan")
            row[f"loans_{ccy}"] = float(p["loans_introduced"].sum()) if len(p) else float("nan")
        row["follow_ups"] = int(part["follow_ups"].sum())
        rated = int(part["rated_visits"].sum())
        row["satisfaction"] = float(part["satisfied_visits"].sum()) / rated if rated else None
        out.append(row)
    return pd.DataFrame(out)

