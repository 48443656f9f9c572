"""The ``Market`` value: return frames on one calendar, with what each series is and where it came from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

Kind = Literal["real", "modeled"]
Freq = Literal["monthly", "daily"]

#: An FX observation older than this many days is not a rate for the date asked (a weekly fixing is ≤ 7 days old).
FX_MAX_AGE_DAYS = 31


class FxPairMissing(InputError):
    """The market has no FX series (direct, inverse or one cross) for ``ccy/base``.

    ``pair`` is ``"CCY/BASE"``; callers that know the client file prefix it (see :mod:`wealthlib.context`).
    """

    def __init__(self, ccy: str, base: str, market: str):
        self.pair = f"{ccy}/{base}"
        self.market = market
        super().__init__(market, self.pair, f"the market has no FX series for {self.pair} (units of {base} per {ccy}), "
                                             f"neither direct, inverse nor crossed through one currency")


@dataclass(frozen=True)
class SeriesInfo:
    """What a series is.

    ``start``/``end`` are the first and last dates with a return at the series' own ``frequency`` (a daily
    series' first daily return; in the monthly frame its first month-end return can be later).
    """

    id: str
    name: str
    source: str  # package + loader, or the file it was read from
    kind: Kind  # "real": returns computed from observed prices/rates; "modeled": derived by a stated model
    frequency: Freq
    start: date
    end: date
    note: str = ""
    currency: str = "USD"  # the currency the series is quoted in (an FX series: its pair's base, BASE of CCY/BASE)
    calendar: str | None = None  # exchange calendar the series trades on (e.g. "XNYS", "XTAI"), None = not judged
    method: str = ""  # how an FX series was built, e.g. "NBP table B weekly fixing, crossed through PLN"


def to_timestamp(when: date | str | pd.Timestamp, what: str = "date") -> pd.Timestamp:
    """A date given as ``date``/``str``/``Timestamp`` as a midnight ``Timestamp``; unparseable → InputError."""
    try:
        ts = pd.Timestamp(when)
    except (ValueError, TypeError):
        raise InputError(what, "", f"not a date: {when!r}") from None
    if ts is pd.NaT or pd.isna(ts):
        raise InputError(what, "", f"not a date: {when!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _span(s: pd.Series) -> tuple[date, date] | None:
    v = s.dropna()
    if v.empty:
        return None
    return v.index[0].date(), v.index[-1].date()


def _spans(frame: pd.DataFrame) -> dict[str, tuple[date, date] | None]:
    """:func:`_span` of every column at once (one pass over the values: a 200-series market is cut in ms)."""
    if frame.shape[1] == 0:
        return {}
    values = frame.to_numpy()
    mask = ~np.isnan(values) if values.dtype.kind == "f" else frame.notna().to_numpy()
    has = mask.any(axis=0)
    first = mask.argmax(axis=0)
    last = len(mask) - 1 - mask[::-1].argmax(axis=0)
    days = frame.index.values.astype("datetime64[D]")
    firsts, lasts = days[first].tolist(), days[last].tolist()  # datetime.date objects, without boxing each Timestamp
    return {c: ((firsts[i], lasts[i]) if has[i] else None) for i, c in enumerate(frame.columns)}


@dataclass(eq=False)
class Market:
    """Return series on one calendar per frequency.

    - ``monthly``: simple returns (0.01 = 1%), month-end ``DatetimeIndex`` (calendar month ends, no missing
      months), one column per series id; NaN before a series starts and after it ends. The row dated
      2018-11-30 is the return over November 2018.
    - ``daily``: simple returns on the union of the daily series' trading days, NaN where a series has no
      observation that day (each return runs from that series' previous observation); ``None`` when no
      series is daily.
    - ``inflation``: monthly change of the price index (same calendar as ``monthly``), or ``None``.
    - ``info``: one :class:`SeriesInfo` per series id (and per inflation series).
    - ``vintage``: package versions / file and last date; lands in audit footers (it names the FX sources too).
    - ``fx``: FX rate **levels** (not returns), ``DatetimeIndex`` sorted, the observation dates of the sources
      (daily, weekly or month-end as published); one column per pair ``"CCY/BASE"`` = units of BASE per one
      CCY (``"USD/TWD"`` = TWD per 1 USD), NaN where a pair has no observation that day; ``None`` = no FX.
      ``fx_info`` has one :class:`SeriesInfo` per pair (source, kind, ``method``). See :meth:`fx_rate`,
      :meth:`fx_monthly`, :meth:`fx_returns` for how a pair is looked up (direct, inverse, one cross).
    - ``yields``: yield **levels** (decimals a year, 0.0422 = 4.22%), month-end ``DatetimeIndex``, one column per
      yield series id (the demo: Moody's ``AAA`` and ``BAA``, each month's average dated at its end); ``None``
      = no yields. ``yield_info`` describes them. Products anchor their expected return to one (see
      :meth:`yield_on` and ``estimator.bond_returns`` in the policy).

    Treat the frames as read-only: :func:`load_demo_market` hands out cheap copy-on-write copies of a cached
    market, so writing to them does not corrupt the cache, but changes are not seen by anyone else either.
    """

    monthly: pd.DataFrame
    daily: pd.DataFrame | None
    inflation: pd.Series | None
    info: dict[str, SeriesInfo]
    vintage: str
    fx: pd.DataFrame | None = None
    fx_info: dict[str, SeriesInfo] = dataclasses.field(default_factory=dict)
    yields: pd.DataFrame | None = None
    yield_info: dict[str, SeriesInfo] = dataclasses.field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def series(self) -> list[str]:
        """Series ids with returns (columns of ``monthly``)."""
        return list(self.monthly.columns)

    def __contains__(self, series_id: object) -> bool:
        return series_id in self.monthly.columns

    def copy(self) -> "Market":
        """Shallow copy-on-write copy (pandas ≥ 3): cheap, and writes to it never reach this market."""
        return Market(
            monthly=self.monthly.copy(deep=False),
            daily=None if self.daily is None else self.daily.copy(deep=False),
            inflation=None if self.inflation is None else self.inflation.copy(deep=False),
            info=dict(self.info),
            vintage=self.vintage,
            fx=None if self.fx is None else self.fx.copy(deep=False),
            fx_info=dict(self.fx_info),
            yields=None if self.yields is None else self.yields.copy(deep=False),
            yield_info=dict(self.yield_info),
        )

    def as_of(self, when: date | str) -> "Market":
        """The market as known at the close of ``when``: every row dated after ``when`` is cut, in every frame.

        A month-end row is the return over that month, so ``as_of("2015-06-15")`` ends the monthly frame at
        2015-05-31. ``info`` start/end dates and ``vintage`` follow the cut. Note: the cut is on the period a
        value describes; publication lags (CPI for a month is released mid-next month) are not modeled.
        """
        ts = to_timestamp(when, "as_of")
        first = self.monthly.index[0] if len(self.monthly.index) else None
        if first is None or ts < first:
            raise InputError(
                "as_of", "", f"{ts.date()} is before the first month of market data ({first.date() if first is not None else 'none'})"
            )
        monthly = self.monthly.loc[:ts]
        daily = None if self.daily is None else self.daily.loc[:ts]
        inflation = None if self.inflation is None else self.inflation.loc[:ts]
        info: dict[str, SeriesInfo] = {}
        spans = _spans(monthly)
        if daily is not None:  # a daily series' span is that of its daily returns
            spans.update({c: v for c, v in _spans(daily).items()
                          if c in self.info and self.info[c].frequency == "daily"})
        for sid, si in self.info.items():
            if sid in monthly.columns:
                span = spans.get(sid)
            elif inflation is not None and sid == inflation.name:
                span = _span(inflation)
            else:
                span = None
            if span is None:
                continue  # nothing left of this series at that date
            info[sid] = dataclasses.replace(si, start=span[0], end=span[1])
        monthly = monthly.loc[:, [c for c in monthly.columns if c in info]]
        if daily is not None:
            daily = daily.loc[:, [c for c in daily.columns if c in info]]
            if daily.shape[1] == 0:
                daily = None
        fx, fx_info = None, {}
        if self.fx is not None:
            fx = self.fx.loc[:ts]
            fx_spans = _spans(fx)
            for pair, si in self.fx_info.items():
                span = fx_spans.get(pair)
                if span is not None:
                    fx_info[pair] = dataclasses.replace(si, start=span[0], end=span[1])
            fx = fx.loc[:, [c for c in fx.columns if c in fx_info]]
            if fx.shape[1] == 0:
                fx = None
        base = self.vintage.split(", data to ")[0]
        last = monthly.index[-1].date() if len(monthly.index) else ts.date()
        yields = None if self.yields is None else self.yields.loc[:ts]
        return Market(monthly, daily, inflation, info, f"{base}, data to {last}, as of {ts.date()}", fx, fx_info,
                      yields, dict(self.yield_info))

    def yield_on(self, series_id: str, when: date | str | pd.Timestamp) -> tuple[pd.Timestamp, float]:
        """The last yield of ``series_id`` on or before ``when``: (its month end, the yield as a decimal).
        An unknown series, or none on or before ``when``, is an :class:`InputError` naming the series."""
        if self.yields is None or series_id not in self.yields.columns:
            have = ", ".join(self.yields.columns) if self.yields is not None else "none"
            raise InputError(self.vintage, series_id, f"no such yield series in this market (yields: {have})")
        s = self.yields[series_id].loc[: to_timestamp(when, "date")].dropna()
        if s.empty:
            raise InputError(self.vintage, series_id, f"no yield on or before {to_timestamp(when).date()}")
        return s.index[-1], float(s.iloc[-1])

    # ------------------------------------------------------------------ FX
    def fx_pairs(self) -> list[str]:
        """The stored FX pairs (``"CCY/BASE"`` columns of ``fx``)."""
        return [] if self.fx is None else list(self.fx.columns)

    def _fx_legs(self, ccy: str, base: str) -> list[tuple[str, int]]:
        """How ``ccy/base`` is made of stored pairs: ``[(column, +1 | −1), …]``, product of ``level**sign``.

        Rule (the first that applies): the stored pair ``CCY/BASE``; the inverse of a stored ``BASE/CCY``; one
        cross through a currency X with both legs stored (directly or inverted), X tried USD first, then EUR,
        then alphabetically. Nothing else (no two-step crosses). A pair none of these give is an
        :class:`FxPairMissing` naming the pair and the market.
        """
        cols = set(self.fx_pairs())

        def leg(a: str, b: str) -> tuple[str, int] | None:
            if f"{a}/{b}" in cols:
                return (f"{a}/{b}", 1)
            if f"{b}/{a}" in cols:
                return (f"{b}/{a}", -1)
            return None

        direct = leg(ccy, base)
        if direct is not None:
            return [direct]
        via = sorted({c for p in cols for c in p.split("/")} - {ccy, base},
                     key=lambda x: (x != "USD", x != "EUR", x))
        for x in via:
            a, b = leg(ccy, x), leg(x, base)
            if a is not None and b is not None:
                return [a, b]
        raise FxPairMissing(ccy, base, self.vintage)

    def fx_rate(self, ccy: str, base: str, on: date | str | pd.Timestamp, *, max_age_days: int = FX_MAX_AGE_DAYS) -> float:
        """Units of ``base`` per one ``ccy`` known at the close of ``on``: each stored pair's last observation
        on or before ``on`` (see :meth:`_fx_legs` for direct / inverse / one cross). 1.0 when ``ccy == base``.

        An observation older than ``max_age_days`` before ``on`` (default 31: a weekly fixing is at most 7 days
        old) is not used: the pair has no rate at that date, an :class:`InputError` naming pair, date and the
        last observation. A pair the market cannot make is an :class:`FxPairMissing`.
        """
        if ccy == base:
            return 1.0
        ts = to_timestamp(on, "date")
        out = 1.0
        for col, sign in self._fx_legs(ccy, base):
            s = self.fx[col].dropna()  # type: ignore[index]
            s = s.loc[:ts]
            if s.empty or (ts - s.index[-1]).days > max_age_days:
                last = f"last observation {s.index[-1].date()}" if not s.empty else "no observation before it"
                raise InputError(self.vintage, f"{ccy}/{base}",
                                 f"no {col} rate within {max_age_days} days before {ts.date()} ({last})")
            out *= float(s.iloc[-1]) ** sign
        return out

    def fx_monthly(self, ccy: str, base: str) -> pd.Series:
        """Month-end levels of ``ccy/base`` on the monthly calendar (``monthly.index``): for each stored leg the
        last observation inside that calendar month (a weekly fixing: the month's last fixing), NaN in a month
        without one; legs multiplied month by month (a cross of two sources is taken at their month-end levels).
        All 1.0 when ``ccy == base``. Named ``"CCY/BASE"``.
        """
        idx = self.monthly.index
        name = f"{ccy}/{base}"
        if ccy == base:
            return pd.Series(1.0, index=idx, name=name)
        out = pd.Series(1.0, index=idx, name=name)
        for col, sign in self._fx_legs(ccy, base):
            s = self.fx[col].dropna()  # type: ignore[index]
            me = s.groupby(s.index + pd.offsets.MonthEnd(0)).last()
            out = out * me.reindex(idx).astype(float) ** sign
        out.name = name
        return out

    def fx_levels_on(self, ccy: str, base: str, dates: pd.DatetimeIndex, *, max_age_days: int = FX_MAX_AGE_DAYS) -> pd.Series:
        """``ccy/base`` at each of ``dates``: the last observation on or before it, NaN where that is older
        than ``max_age_days`` (or there is none). 1.0 when ``ccy == base``."""
        name = f"{ccy}/{base}"
        if ccy == base:
            return pd.Series(1.0, index=dates, name=name)
        out = pd.Series(1.0, index=dates, name=name)
        for col, sign in self._fx_legs(ccy, base):
            s = self.fx[col].dropna()  # type: ignore[index]
            if s.empty:
                return pd.Series(np.nan, index=dates, name=name)
            pos = s.index.searchsorted(dates, side="right") - 1
            ok = pos >= 0
            vals = np.full(len(dates), np.nan)
            obs = s.index[np.clip(pos, 0, None)]
            age = np.asarray((dates - obs).days)
            ok &= age <= max_age_days
            vals[ok] = s.to_numpy(dtype=float)[pos[ok]]
            out = out * pd.Series(vals, index=dates) ** sign
        out.name = name
        return out

    def fx_returns(self, ccy: str, base: str, freq: Freq = "monthly") -> pd.Series:
        """Simple returns of ``ccy/base`` (a rise = CCY gained against BASE), on the market's calendar.

        ``monthly``: month-end level over the previous month-end level (:meth:`fx_monthly`), NaN where either
        is missing. ``daily``: on ``daily.index``, the level known at each date (:meth:`fx_levels_on`) over the
        previous date's; a weekly source gives 0 between its fixings and the week's move on the fixing day.
        All 0.0 when ``ccy == base``.
        """
        if freq == "monthly":
            lv = self.fx_monthly(ccy, base)
        elif freq == "daily":
            if self.daily is None:
                raise InputError(self.vintage, "", "this market has no daily data")
            lv = self.fx_levels_on(ccy, base, self.daily.index)
        else:
            raise ValueError(f"freq must be 'monthly' or 'daily', got {freq!r}")
        r = lv.pct_change(fill_method=None)
        if ccy == base:
            r = r.fillna(0.0)
        r.name = f"{ccy}/{base}"
        return r

    def cpi(self, currency: str) -> pd.Series | None:
        """Monthly inflation of ``currency``'s consumer prices, or None when this market has none (documents
        then say their figures are nominal). The demo's core CPI is the United States' (USD)."""
        if self.inflation is None:
            return None
        si = self.info.get(str(self.inflation.name))
        return self.inflation if si is not None and si.currency == currency else None

    def returns(
        self,
        series: Sequence[str],
        freq: Freq = "monthly",
        start: date | str | None = None,
        end: date | str | None = None,
        common: bool = True,
    ) -> pd.DataFrame:
        """Returns of ``series`` between ``start`` and ``end`` (inclusive).

        ``common=True`` keeps only the period every series covers (latest first date to earliest last date)
        and no NaN: monthly, that is the overlap window (an interior missing month is an error); daily, the
        dates on which every series traded, each return compounded from the series' own daily returns since
        the previous common date (so nothing is lost when one market traded on a day another did not).
        ``common=False`` returns the slice as stored, NaN included.
        """
        if isinstance(series, str):
            series = [series]
        series = list(dict.fromkeys(series))
        if not series:
            raise ValueError("returns() needs at least one series id")
        if freq not in ("monthly", "daily"):
            raise ValueError(f"freq must be 'monthly' or 'daily', got {freq!r}")
        frame = self.monthly if freq == "monthly" else self.daily
        if frame is None:
            raise InputError(self.vintage, "", "this market has no daily data")
        missing = [s for s in series if s not in frame.columns]
        if missing:
            raise KeyError(
                f"unknown {freq} series {', '.join(map(repr, missing))}; this market has: {', '.join(frame.columns)}"
            )
        out = frame.loc[:, series]
        lo = to_timestamp(start, "start") if start is not None else None
        hi = to_timestamp(end, "end") if end is not None else None
        out = out.loc[lo:hi]
        if not common:
            return out.copy()
        firsts = {s: out[s].first_valid_index() for s in series}
        lasts = {s: out[s].last_valid_index() for s in series}
        empty = [s for s in series if firsts[s] is None]
        where = f"{lo.date() if lo is not None else '…'} to {hi.date() if hi is not None else '…'}"
        if empty:
            raise InputError(self.vintage, ", ".join(empty), f"no {freq} data from {where}")
        w0, w1 = max(firsts.values()), min(lasts.values())
        if w0 > w1:
            spans = "; ".join(f"{s} {firsts[s].date()}…{lasts[s].date()}" for s in series)
            raise InputError(self.vintage, ", ".join(series), f"the series have no period in common ({spans})")
        window = out.loc[w0:w1]
        if freq == "monthly":
            holes = window.isna()
            if holes.to_numpy().any():
                col = holes.any().idxmax()
                day = holes[col].idxmax()
                raise InputError(self.vintage, col, f"missing monthly return on {day.date()} inside the common period")
            return window.copy()
        ok = window.notna().all(axis=1)
        growth = (1.0 + window.fillna(0.0)).cumprod()
        at = growth.loc[ok]
        prev = at.shift(1)
        prev.iloc[0] = 1.0  # the first common date compounds everything in the window up to it
        return at / prev - 1.0


def market_info(market: Market) -> list[dict]:
    """One row per series for ``wealth market info``: series, name, currency, kind, frequency, first, last,
    calendar, source, note."""
    rows = []
    for sid, si in market.info.items():
        rows.append(
            {
                "series": sid,
                "name": si.name,
                "currency": getattr(si, "currency", None),
                "kind": si.kind,
                "frequency": si.frequency,
                "first": si.start,
                "last": si.end,
                "calendar": getattr(si, "calendar", None),
                "source": si.source,
                "note": si.note,
            }
        )
    return rows


def fx_market_info(market: Market) -> list[dict]:
    """One row per stored FX pair for ``wealth market info``: pair, name, currency (its base), kind,
    frequency, first, last, source, method."""
    return [
        {"pair": pair, "name": si.name, "currency": si.currency, "kind": si.kind, "frequency": si.frequency,
         "first": si.start, "last": si.end, "source": si.source, "method": si.method}
        for pair, si in market.fx_info.items()
    ]


def monthly_from_daily_prices(prices: pd.Series) -> pd.Series:
    """Month-end returns of one daily price series: last price of each calendar month, simple change.

    The first month has no previous month-end price and gives no return. The final month is kept only if the
    series' last observation falls on or after that month's last business day (Mon–Fri); a source that ends
    mid-month would otherwise yield a partial month labeled as a full one.
    """
    p = prices.dropna()
    if p.empty:
        return pd.Series(dtype=float, name=prices.name)
    month_end = p.groupby(p.index + pd.offsets.MonthEnd(0)).last()
    last_obs = p.index[-1]
    last_bday = (last_obs + pd.offsets.BMonthEnd(0)).normalize()
    if last_obs.normalize() < last_bday:
        month_end = month_end.iloc[:-1]
    r = month_end.pct_change(fill_method=None).iloc[1:]
    r.name = prices.name
    return r


def month_end_calendar(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    return pd.date_range(start + pd.offsets.MonthEnd(0), end + pd.offsets.MonthEnd(0), freq="ME", name="date")


def as_float(a: pd.Series) -> np.ndarray:
    return np.asarray(a, dtype=float)
