"""Named historical stress scenarios applied to a portfolio, in percent and in currency.

Scenarios are data (``wealthlib/data/stress.yaml``, versioned): an id, names per locale and a window from one
month-end value date (``from``) to another (``to``). The scenario return compounds each product's monthly
returns over the months after ``from`` through ``to`` and holds the portfolio without rebalancing:
``R = sum_i w_i * (prod_t (1 + r_it) - 1)``.

**Missing data rule.** A product *covers* a scenario when it has a return for every month of the window. When
a held product does not, the scenario is reported with ``covered = False``, ``return`` NaN and the product
listed in ``missing`` — it is skipped, never estimated from the other products. When ``proxies`` maps the
product to another series (e.g. ``{"NASDAQ": "US-TSM"}``), that proxy's returns stand in for the whole window,
and the row lists it in ``proxied`` so a document can say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .._yaml import load_yaml_text
from ..errors import InputError
from ..i18n import LOCALES, check_locale
from ._common import check_returns, check_weights

SOURCE = "wealthlib/data/stress.yaml"


@dataclass(frozen=True)
class Scenario:
    id: str
    start: pd.Timestamp  # month-end value date the move is measured from
    end: pd.Timestamp  # month-end value date it is measured to
    names: dict[str, str]

    def name(self, locale: str = "en") -> str:
        return self.names[check_locale(locale)]

    @property
    def months(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start + pd.offsets.MonthEnd(1), self.end, freq="ME")


def _month_end(text, field: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(str(text)) + pd.offsets.MonthEnd(0)
    except (ValueError, TypeError):
        raise InputError(SOURCE, field, f"{text!r} is not a month like 2007-10") from None


@lru_cache(maxsize=1)
def _load() -> tuple[str, tuple[Scenario, ...]]:
    text = (resources.files("wealthlib") / "data" / "stress.yaml").read_text(encoding="utf-8")
    data = load_yaml_text(text, SOURCE)
    out = []
    for i, item in enumerate(data.get("scenarios") or []):
        where = f"scenarios.{i}"
        names = item.get("name") or {}
        for loc in LOCALES:
            if loc not in names:
                raise InputError(SOURCE, f"{where}.name", f"no {loc} name")
        s, e = _month_end(item.get("from"), f"{where}.from"), _month_end(item.get("to"), f"{where}.to")
        if e <= s:
            raise InputError(SOURCE, f"{where}.to", "must be after 'from'")
        out.append(Scenario(id=str(item["id"]), start=s, end=e, names=dict(names)))
    return str(data.get("version", "")), tuple(out)


def scenarios() -> tuple[Scenario, ...]:
    """The named scenarios shipped with the package, oldest first."""
    return _load()[1]


def scenarios_version() -> str:
    """The version of the scenario file (for the audit footer)."""
    return _load()[0]


def _resolve(selection) -> list[Scenario]:
    if selection is None:
        return list(scenarios())
    by_id = {s.id: s for s in scenarios()}
    out = []
    for item in selection:
        if isinstance(item, Scenario):
            out.append(item)
        elif item in by_id:
            out.append(by_id[item])
        else:
            raise InputError("scenarios", str(item), f"unknown scenario; known: {', '.join(by_id)}")
    return out


def stress(
    returns: pd.DataFrame,
    weights: pd.Series | Mapping[str, float],
    scenarios: Iterable[str | Scenario] | None = None,
    value: float = 1.0,
    proxies: Mapping[str, str] | None = None,
    locale: str = "en",
) -> pd.DataFrame:
    """One row per scenario: ``scenario`` (id), ``name`` (in ``locale``), ``start``, ``end`` (value dates),
    ``months``, ``return`` (fraction), ``return_pct``, ``pnl`` (currency, ``value * return``; negative is a
    loss), ``covered``, ``missing`` (products without data, tuple) and ``proxied`` (product → proxy used).

    ``returns`` are monthly simple returns dated at month ends.
    """
    check_locale(locale)
    w = check_weights(weights)
    proxies = dict(proxies or {})
    check_returns(returns, list(w.index))
    for code, proxy in proxies.items():
        if proxy not in returns.columns:
            raise InputError("proxies", str(code), f"proxy series {proxy!r} is not in the returns")
    rows = []
    for sc in _resolve(scenarios):
        months = sc.months
        growth = {}
        missing, proxied = [], {}
        for code in w.index:
            own = returns[code].reindex(months)
            if own.notna().all():
                growth[code] = float(np.prod(1.0 + own.to_numpy()))
                continue
            proxy = proxies.get(code)
            if proxy is not None:
                alt = returns[proxy].reindex(months)
                if alt.notna().all():
                    growth[code] = float(np.prod(1.0 + alt.to_numpy()))
                    proxied[code] = proxy
                    continue
            missing.append(code)
        covered = not missing
        ret = float(sum(w[c] * (growth[c] - 1.0) for c in w.index)) if covered else float("nan")
        rows.append({
            "scenario": sc.id,
            "name": sc.name(locale),
            "start": sc.start,
            "end": sc.end,
            "months": len(months),
            "return": ret,
            "return_pct": ret * 100.0,
            "pnl": ret * value,
            "covered": covered,
            "missing": tuple(missing),
            "proxied": proxied,
        })
    return pd.DataFrame(rows, columns=["scenario", "name", "start", "end", "months", "return", "return_pct",
                                       "pnl", "covered", "missing", "proxied"])
