"""Named historical stress scenarios applied to a portfolio, in percent and in currency.

Scenarios are data (``wealthlib/data/stress.yaml``, versioned): an id, names per locale and a window from one
month-end value date (``from``) to another (``to``). The scenario return compounds each product's monthly
returns over the months after ``from`` through ``to`` and holds the portfolio without rebalancing:
``R = sum_i w_i * (prod_t (1 + r_it) - 1)``.

**Missing data rule.** A product *covers* a scenario when it has a return for every month of the window. When
a held product does not, the scenario is reported with ``covered = False`` and the product listed in
``missing`` — never estimated from the other products. By default the row's ``return`` is then NaN. With
``partial=True`` (each portfolio on its own available history) the products that do cover the window are still
counted: ``counted`` is their share of the weights, ``return`` the buy-and-hold return of that part,
``R = sum_{i counted} w_i (g_i - 1) / counted``, and ``pnl = R * value_counted`` with
``value_counted = counted * value`` — the loss of the part the data reach, never spread over the rest.
When ``proxies`` maps the product to another series (e.g. ``{"NASDAQ": "US-TSM"}``), that proxy's returns
stand in for the whole window, and the row lists it in ``proxied`` so a document can say so. When ``fallback``
holds returns of the same products in another denomination (their own currencies, for a window before the
exchange-rate data begin), a product without ``returns`` in the window but with ``fallback`` returns is
counted on those and listed in ``fallback_used``: the document says that this episode is replayed without
the currency's move.

**Shock scenarios** (:func:`shocks`, ``shocks:`` in the same file) are instantaneous moves, not history: a
parallel rise of interest rates by ``rates`` (a fraction, 0.01 = one percentage point) costs a product
``−duration × rates`` (first-order, the modified duration of ``products.yaml``; a product without a duration
is named in ``missing`` and the rest counted), and a fall of every other currency against the client's base
currency by ``currency`` costs each product priced in another currency that fraction.
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
def _load() -> tuple[str, tuple[Scenario, ...], tuple[Shock, ...]]:
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
    shocks = tuple(_shock(item, f"shocks.{i}") for i, item in enumerate(data.get("shocks") or []))
    return str(data.get("version", "")), tuple(out), shocks


@dataclass(frozen=True)
class Shock:
    """An instantaneous move: interest rates up by ``rates``, or other currencies down by ``currency``."""

    id: str
    names: dict[str, str]
    rates: float | None = None
    currency: float | None = None

    def name(self, locale: str = "en") -> str:
        return self.names[check_locale(locale)]


def _shock(item: dict, where: str) -> Shock:
    names = item.get("name") or {}
    for loc in LOCALES:
        if loc not in names:
            raise InputError(SOURCE, f"{where}.name", f"no {loc} name")
    given = [k for k in ("rates", "currency") if item.get(k) is not None]
    if len(given) != 1:
        raise InputError(SOURCE, where, "a shock moves either 'rates' or 'currency'")
    size = item[given[0]]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0.0 < float(size) < 1.0:
        raise InputError(SOURCE, f"{where}.{given[0]}", "must be a fraction between 0 and 1 (0.01 = 1 point)")
    return Shock(id=str(item["id"]), names=dict(names), **{given[0]: float(size)})


def shock_scenarios() -> tuple[Shock, ...]:
    """The rate and currency shocks shipped with the package."""
    return _load()[2]


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


def _growth(series: pd.Series, months: pd.DatetimeIndex) -> float | None:
    own = series.reindex(months)
    return float(np.prod(1.0 + own.to_numpy())) if own.notna().all() else None


def _replay(code: str, months, returns, proxies, fallback) -> tuple[float | None, str | None, bool]:
    """(growth, proxy used, fallback used) of one product over one window; growth None = no data."""
    g = _growth(returns[code], months)
    if g is not None:
        return g, None, False
    proxy = proxies.get(code)
    if proxy is not None:
        g = _growth(returns[proxy], months)
        if g is not None:
            return g, proxy, False
    if fallback is not None and code in fallback.columns:
        g = _growth(fallback[code], months)
        if g is not None:
            return g, None, True
    return None, None, False


COLUMNS = ["scenario", "name", "start", "end", "months", "return", "return_pct", "pnl", "covered", "missing",
           "proxied", "counted", "value_counted", "fallback_used"]


def _row(sc_id, name, start, end, months, w, growth, missing, proxied, fallback_used, value, partial) -> dict:
    counted = float(sum(w[c] for c in growth))
    covered = not missing
    if growth and (covered or partial):
        ret = float(sum(w[c] * (g - 1.0) for c, g in growth.items())) / counted
    else:
        ret, counted = float("nan"), (counted if partial else 0.0)
    return {"scenario": sc_id, "name": name, "start": start, "end": end, "months": months, "return": ret,
            "return_pct": ret * 100.0, "pnl": ret * counted * value, "covered": covered, "missing": tuple(missing),
            "proxied": proxied, "counted": counted, "value_counted": counted * value,
            "fallback_used": tuple(fallback_used)}


def stress(
    returns: pd.DataFrame,
    weights: pd.Series | Mapping[str, float],
    scenarios: Iterable[str | Scenario] | None = None,
    value: float = 1.0,
    proxies: Mapping[str, str] | None = None,
    locale: str = "en",
    *,
    partial: bool = False,
    fallback: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per scenario: ``scenario`` (id), ``name`` (in ``locale``), ``start``, ``end`` (value dates),
    ``months``, ``return`` (fraction, of the counted part), ``return_pct``, ``pnl`` (currency,
    ``return * value_counted``; negative is a loss), ``covered`` (every product has data), ``missing``
    (products without data, tuple), ``proxied`` (product → proxy used), ``counted`` (share of the weights
    counted), ``value_counted`` and ``fallback_used`` (products replayed on ``fallback``). See the module
    docstring for ``partial`` and ``fallback``; without them a row missing a product has ``return`` NaN.

    ``returns`` are monthly simple returns dated at month ends, NaN where a product has no data.
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
        growth: dict[str, float] = {}
        missing, proxied, used = [], {}, []
        for code in w.index:
            g, proxy, fell_back = _replay(code, months, returns, proxies, fallback)
            if g is None:
                missing.append(code)
                continue
            growth[code] = g
            if proxy is not None:
                proxied[code] = proxy
            if fell_back:
                used.append(code)
        rows.append(_row(sc.id, sc.name(locale), sc.start, sc.end, len(months), w, growth, missing, proxied, used,
                         value, partial))
    return pd.DataFrame(rows, columns=COLUMNS)


def shocks(
    weights: pd.Series | Mapping[str, float],
    durations: Mapping[str, float | None],
    currencies: Mapping[str, str],
    base: str,
    value: float = 1.0,
    locale: str = "en",
) -> pd.DataFrame:
    """The file's rate and currency shocks on ``weights``, one row per shock, in the columns of :func:`stress`
    (``start``/``end`` None, ``months`` 0). A rate shock counts the products with a duration (the others are
    ``missing``); a currency shock counts every product, those priced in ``base`` losing nothing."""
    check_locale(locale)
    w = check_weights(weights)
    rows = []
    for sh in shock_scenarios():
        growth: dict[str, float] = {}
        missing: list[str] = []
        for code in w.index:
            if sh.rates is not None:
                d = durations.get(code)
                if d is None:
                    missing.append(code)
                    continue
                growth[code] = 1.0 - float(d) * sh.rates
            else:
                growth[code] = 1.0 - (sh.currency if currencies[code] != base else 0.0)
        rows.append(_row(sh.id, sh.name(locale), None, None, 0, w, growth, missing, {}, [], value, True))
    return pd.DataFrame(rows, columns=COLUMNS)
