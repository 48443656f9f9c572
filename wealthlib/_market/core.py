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
    - ``vintage``: package versions / file and last date; lands in audit footers.

    Treat the frames as read-only: :func:`load_demo_market` hands out cheap copy-on-write copies of a cached
    market, so writing to them does not corrupt the cache, but changes are not seen by anyone else either.
    """

    monthly: pd.DataFrame
    daily: pd.DataFrame | None
    inflation: pd.Series | None
    info: dict[str, SeriesInfo]
    vintage: str

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
        for sid, si in self.info.items():
            if sid in monthly.columns:
                frame = daily if (si.frequency == "daily" and daily is not None and sid in daily.columns) else monthly
                span = _span(frame[sid])
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
        base = self.vintage.split(", data to ")[0]
        last = monthly.index[-1].date() if len(monthly.index) else ts.date()
        return Market(monthly, daily, inflation, info, f"{base}, data to {last}, as of {ts.date()}")

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
    """One row per series for ``wealth market info``: series, name, kind, frequency, first, last, source, note."""
    rows = []
    for sid, si in market.info.items():
        rows.append(
            {
                "series": sid,
                "name": si.name,
                "kind": si.kind,
                "frequency": si.frequency,
                "first": si.start,
                "last": si.end,
                "source": si.source,
                "note": si.note,
            }
        )
    return rows


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
