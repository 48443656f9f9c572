"""Market data: what ``<params>/market.yaml`` configures (:func:`load_market`; format in
:mod:`wealthlib._market.config`) — the bundled demo market (real series shipped in ``arch`` and ``skfolio``)
and/or the firm's CSV/Parquet files, judged against each series' exchange calendar — one month-end calendar,
caching, FX, and the returns of a product shelf.

Demo series (ids are what ``params/products.yaml`` maps to; see ``market_info(load_demo_market())``):

===========  ==================================================  =======  =======  =====================
id           what                                                kind     freq     span (returns)
===========  ==================================================  =======  =======  =====================
RF           1-month T-bill (Fama–French RF), cash               real     monthly  1926-07 … 2018-11
US_MKT       US total market = Mkt-RF + RF (dividends included)  real     monthly  1926-07 … 2018-11
AAA5         Aaa corporate bond, 5y constant maturity            modeled  monthly  1919-02 … 2018-12
AAA10        Aaa corporate bond, 10y constant maturity           modeled  monthly  1919-02 … 2018-12
BAA10        Baa corporate bond, 10y constant maturity           modeled  monthly  1919-02 … 2018-12
SP500        S&P 500 price index (arch)                          real     daily    1999-01 … 2018-12
NASDAQ       NASDAQ Composite price index                        real     daily    1999-01 … 2018-12
WTI          WTI crude oil spot                                  real     daily    1986-01 … 2019-01
SP500_SKF    S&P 500 price index (skfolio)                       real     daily    1990-01 … 2022-12
AAPL … XOM   20 US large caps, adjusted close (skfolio)          real     daily    1990-01 … 2022-12
CPI          core CPI monthly change (``Market.inflation``)      real     monthly  1957-02 … 2018-11
===========  ==================================================  =======  =======  =====================

Monthly returns of daily series are month-end to month-end (last observation in each calendar month); a final
month the source does not cover to its last business day is dropped (so skfolio series end 2022-11, WTI
2018-12). The bond model is documented in :mod:`wealthlib._market.demo` (and summarized in each series' note):
``R = P − 1 + y[t−1]/12`` with ``P = c/y[t]·(1 − (1+y[t])^−n) + (1+y[t])^−n``, ``c = y[t−1]``, ``n = M − 1/12``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Literal

import pandas as pd

from ._market.config import MarketConfig, clear_caches, configured_market, load_market_config
from ._market.core import FxPairMissing, Market, SeriesInfo, market_info, to_timestamp
from ._market.files import load_market_file, read_market_file
from .errors import InputError

if TYPE_CHECKING:
    from .clients import Client
    from .products import Shelf

__all__ = [
    "FxPairMissing",
    "Market",
    "SeriesInfo",
    "holdings_in_base",
    "MarketConfig",
    "clear_caches",
    "configured_market",
    "load_demo_market",
    "load_market",
    "load_market_config",
    "load_market_file",
    "missing_fx_pairs",
    "market_config",
    "read_market_file",
    "market_info",
    "currency_mismatches",
    "missing_series",
    "shelf_returns",
]


def load_demo_market(as_of: date | str | None = None) -> Market:
    """The bundled demo market, cut at ``as_of`` (no row dated after it) when given.

    Derived frames are cached on disk as Parquet under ``$WEALTHLIB_CACHE`` (default ``~/.cache/wealthlib``),
    in a folder keyed by the arch/skfolio/pandas versions, and in process; a second load neither imports
    arch/skfolio nor recomputes. Each call returns its own copy-on-write copy of the cached market.
    """
    from ._market.demo import full_demo

    market = full_demo()
    return market.copy() if as_of is None else market.as_of(as_of)


def holdings_in_base(
    client: "Client", shelf: "Shelf", market: Market, on: date | str, not_modeled: Collection[str] = ()
) -> dict[str, float]:
    """Each holding of ``client`` in its base currency at ``on``: the amount (or ``units × price``) as entered,
    in the product's currency, times :meth:`Market.fx_rate` (the last rate on or before ``on``), to the cent.

    A code the shelf does not know is taken as already in the base currency (it has no currency on the shelf);
    a pair in ``not_modeled`` is taken at rate 1. A missing or stale rate is an :class:`InputError` naming the
    client file, the holding and the pair.
    """
    base = client.base_currency
    out: dict[str, float] = {}
    for code, h in client.holdings.items():
        ccy = shelf.get(code).currency if code in shelf else base
        if ccy == base or f"{ccy}/{base}" in set(not_modeled):
            rate = 1.0
        else:
            try:
                rate = market.fx_rate(ccy, base, on)
            except InputError as exc:
                raise InputError(client.source or client.id, f"holdings.{code}",
                                 f"cannot value it in {base}: {exc.problem} ({exc.source})") from None
        out[code] = round(h.value * rate, 2)
    return out


def market_config(params: str | Path = "params") -> MarketConfig:
    """``<params>/market.yaml`` read and checked (see :mod:`wealthlib._market.config` for the format)."""
    return load_market_config(params)


def load_market(params: str | Path = "params", as_of: date | str | None = None) -> Market:
    """The market ``<params>/market.yaml`` configures (the bundled demo and/or the firm's files), cut at ``as_of``
    when given. Parsed files are cached by content hash in process and on disk."""
    market = configured_market(params)
    return market if as_of is None else market.as_of(as_of)


def currency_mismatches(shelf: "Shelf", market: Market) -> list[InputError]:
    """One :class:`InputError` (``products.yaml``, field ``<code>.currency``) per product whose currency is not the
    currency its series is quoted in (``market.yaml``): converting it would use the wrong FX pair."""
    out = []
    for code in shelf.codes:
        p = shelf.get(code)
        si = market.info.get(p.series)
        if si is not None and si.currency != p.currency:
            out.append(InputError(shelf.source, f"{code}.currency", f"{p.currency}, but series {p.series!r} is quoted "
                                  f"in {si.currency} (market.yaml); a product's currency is its series' currency"))
    return out


def missing_fx_pairs(shelf: "Shelf", market: Market, base: str, not_modeled: Collection[str] = ()) -> list[str]:
    """The pairs ``"CCY/BASE"`` a ``base`` client needs for the shelf (one per product currency other than
    ``base``) that the market cannot make (direct, inverse or one cross) and the policy does not mark
    ``not_modeled``; empty when every product can be converted."""
    out = []
    for ccy in dict.fromkeys(p.currency for p in shelf):
        pair = f"{ccy}/{base}"
        if ccy == base or pair in set(not_modeled):
            continue
        try:
            market._fx_legs(ccy, base)
        except FxPairMissing:
            out.append(pair)
    return out


def missing_series(shelf: "Shelf", market: Market, freq: Literal["monthly", "daily"] = "monthly") -> list[InputError]:
    """One :class:`InputError` (``products.yaml``, field = product code) per product whose series ``market`` lacks.

    ``wealth validate`` lists them all against the bundled market; :func:`shelf_returns` refuses the first.
    """
    out = []
    for code in shelf.codes:
        sid = shelf.get(code).series
        if sid not in market.monthly.columns or (freq == "daily" and (market.daily is None or sid not in market.daily.columns)):
            out.append(InputError(shelf.source, code, f"series {sid!r} is not in the {freq} market data ({market.vintage})"))
    return out


def shelf_returns(
    shelf: "Shelf",
    market: Market,
    freq: Literal["monthly", "daily"] = "monthly",
    start: date | str | None = None,
    end: date | str | None = None,
    *,
    net_of_fees: bool = False,
    base: str | None = None,
    not_modeled: Collection[str] = (),
) -> pd.DataFrame:
    """Returns of every product on the shelf, columns = product codes, in shelf order.

    Rule for short histories: **common start** — the frame starts at the latest first date among the
    products' series (and ends at the earliest last date), so every column is complete and no product's
    history is back-filled or proxied. The rule, the start and end used and the product(s) that set the start
    are reported in ``df.attrs`` (``rule``, ``start``, ``end``, ``limited_by``). Returns are gross of product
    fees unless ``net_of_fees`` (then each period's return is ``(1 + r)·(1 − fee)^(1/k) − 1``, k = 12 or 252).

    ``base`` (a currency code): every product's return in that currency, currency risk included —
    ``(1 + r_local)(1 + r_fx) − 1`` with ``r_fx`` the return of ``"CCY/BASE"`` (:meth:`Market.fx_returns` levels)
    over the same period (a month-end to month-end; daily, between the same two dates); products already in
    ``base`` are unchanged. The common-start rule then covers the FX pairs too: the window is where every
    product *and every pair it needs* has data (a pair that sets the start is named in ``limited_by``). A pair
    listed in ``not_modeled`` (``"USD/TWD"``, the policy's explicit choice) is left unconverted and listed in
    ``attrs["fx_not_modeled"]``; any other pair the market cannot make is an
    :class:`~wealthlib._market.core.FxPairMissing`. ``attrs["base"]`` and ``attrs["fx"]`` (product → pair)
    say what was done; ``base=None`` keeps each product in its own currency (``attrs["base"] = None``).

    A product whose series is not in the market is an :class:`InputError` naming the product and the series.
    """
    codes = list(shelf.codes)
    missing = missing_series(shelf, market, freq)
    if missing:
        raise missing[0]
    sids = list(dict.fromkeys(shelf.get(c).series for c in codes))
    raw = market.returns(sids, freq=freq, start=start, end=end, common=True)
    out = pd.DataFrame({c: raw[shelf.get(c).series] for c in codes}, index=raw.index)
    frame = market.monthly if freq == "monthly" else market.daily
    assert frame is not None
    lo = to_timestamp(start, "start") if start is not None else None
    firsts: dict[str, pd.Timestamp] = {c: frame[shelf.get(c).series].loc[lo:].first_valid_index() for c in codes}
    pairs: dict[str, str] = {}
    skipped: dict[str, str] = {}
    if base is not None:
        out, pairs, skipped, fx_firsts = _to_base(out, shelf, market, freq, base, set(not_modeled))
        firsts.update(fx_firsts)
    if net_of_fees:
        k = 12 if freq == "monthly" else 252
        for c in codes:
            out[c] = (1.0 + out[c]) * (1.0 - shelf.get(c).annual_fee) ** (1.0 / k) - 1.0
    start0 = out.index[0]
    latest = max(v for v in firsts.values() if v is not None and v <= start0) if firsts else start0
    out.attrs.update(
        rule="common start: from the latest first date among the products' series (and the FX pairs they need) "
             "to the earliest last date",
        start=out.index[0].date(),
        end=out.index[-1].date(),
        limited_by=[c for c, f in firsts.items() if f == latest],
        net_of_fees=net_of_fees,
        base=base,
        fx=pairs,
        fx_not_modeled=skipped,
    )
    return out


def _to_base(
    local: pd.DataFrame, shelf: "Shelf", market: Market, freq: str, base: str, not_modeled: set[str]
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], dict[str, pd.Timestamp]]:
    """``local`` (product returns in their own currencies, on their common dates) in ``base``; see shelf_returns."""
    if local.empty:
        return local, {}, {}, {}
    idx = local.index
    prev = idx[0] - (pd.offsets.MonthEnd(1) if freq == "monthly" else pd.Timedelta(days=0))
    if freq == "daily":  # the period before the first common date: from the previous trading day of the frame
        allday = market.daily.index  # type: ignore[union-attr]
        i = allday.searchsorted(idx[0])
        prev = allday[i - 1] if i > 0 else idx[0]
    dates = pd.DatetimeIndex([prev, *idx])
    out = local.copy()
    pairs: dict[str, str] = {}
    skipped: dict[str, str] = {}
    fx_r: dict[str, pd.Series] = {}
    for c in local.columns:
        ccy = shelf.get(c).currency
        if ccy == base:
            continue
        pair = f"{ccy}/{base}"
        if pair in not_modeled:
            skipped[c] = pair
            continue
        if pair not in fx_r:
            if freq == "monthly":
                lv = market.fx_monthly(ccy, base).reindex(dates)
            else:
                lv = market.fx_levels_on(ccy, base, dates)
            fx_r[pair] = (lv / lv.shift(1) - 1.0).iloc[1:]
        pairs[c] = pair
        out[c] = (1.0 + local[c]) * (1.0 + fx_r[pair]) - 1.0
    if not fx_r:
        return out, pairs, skipped, {}
    have = out.notna().all(axis=1)
    if not have.any():
        pair = next(p for p, r in fx_r.items() if r.isna().all())
        raise InputError(market.vintage, pair, f"no {pair} rates over the products' common period "
                         f"{idx[0].date()} to {idx[-1].date()}, so no return in {base} can be computed")
    w0, w1 = have.idxmax(), have[::-1].idxmax()
    window = out.loc[w0:w1]
    holes = window.isna().any(axis=1)
    if holes.any():
        day = holes.idxmax()
        pair = next(p for p, r in fx_r.items() if pd.isna(r.loc[day]))
        raise InputError(market.vintage, pair, f"missing {pair} rate for the period ending {day.date()} inside the "
                         f"common period (a month without an observation)")
    fx_firsts = {}
    for p in fx_r:
        ccy, b = p.split("/")
        fx_firsts[p] = market.fx_returns(ccy, b, "monthly" if freq == "monthly" else "daily").first_valid_index()
    return window.copy(), pairs, skipped, fx_firsts
