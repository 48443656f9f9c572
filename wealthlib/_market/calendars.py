"""Exchange calendars for judging a daily series: sessions from ``exchange_calendars``, patched by the market file.

A daily series is judged against its own exchange's sessions, so a Lunar New Year closure in Taipei or a
Golden Week in Shanghai is not a gap, and a day the exchange traded but the file lacks is a defect. The library
is not complete (measured for 4.13.2, see ``/work/shared/research/ecosystem.md``): XTAI has no weekend sessions, so
Taiwan's pre-2019 Saturday make-up sessions (2016-01-30, 2018-03-31, 2018-12-22, …) are missing, and some 2027
holidays are unknown; XSHG is only defined 1991 … 2026-12-31. A :class:`CalendarPatch` from ``market.yaml``
adds sessions and closures (data, with their source named) and may extend a calendar past the library's last
year (weekdays, minus the listed closures). A date outside what the library and the patch know is a
:class:`~wealthlib.errors.InputError` naming the calendar, the dates and the fix, never a library traceback.

``calendar: none`` (funds priced on business days, series with no exchange) falls back to a gap rule on
business days (Mon–Fri) with the market file's ``max_gap_bdays``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import InputError

NONE = "none"


@dataclass(frozen=True)
class CalendarPatch:
    """Corrections to one library calendar, as stated in ``market.yaml`` (``calendars.<NAME>``)."""

    add_sessions: tuple[date, ...] = ()
    add_closures: tuple[date, ...] = ()
    extend_to: date | None = None  # past the library's range: weekdays up to here, minus add_closures
    source: str = ""


@dataclass(frozen=True)
class PriceLimit:
    """A daily price limit (0.10 = ±10% of the previous close) in force from ``start``."""

    start: date
    limit: float | None  # None: no limit from that date
    source: str = ""


@dataclass(frozen=True)
class Tolerances:
    """How strict a daily file is judged (``market.yaml`` ``tolerances``)."""

    missing_sessions: int = 0  # sessions of its calendar a series may lack between its first and last value
    off_session: str = "refuse"  # a value on a day that is no session: "refuse" or "drop"
    max_gap_bdays: int = 5  # series on calendar "none": longest run of business days without a value
    price_limit_slack: float = 0.005  # tick rounding and adjusted prices: a move may exceed the limit by this
    max_listed: int = 10  # dates quoted in one message (the count is always given)


@dataclass(frozen=True)
class CalendarRules:
    """Everything a file is judged by: patches per calendar, price limits per calendar, tolerances."""

    patches: dict[str, CalendarPatch] = field(default_factory=dict)
    price_limits: dict[str, tuple[PriceLimit, ...]] = field(default_factory=dict)
    tolerances: Tolerances = field(default_factory=Tolerances)

    def key(self) -> str:
        """A stable text of the rules (part of the cache key of a parsed file)."""
        parts = [repr(sorted(self.patches.items())), repr(sorted(self.price_limits.items())), repr(self.tolerances)]
        return "|".join(parts)


def names() -> list[str]:
    import exchange_calendars as xc

    return sorted(xc.get_calendar_names(include_aliases=True))


def _get_calendar(name: str, start: pd.Timestamp, end: pd.Timestamp):
    import warnings

    import exchange_calendars as xc

    with warnings.catch_warnings():  # exchange_calendars 4.13 on pandas 3.1: its own Series.values deprecation
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xc.get_calendar(name, start=start, end=end)


@lru_cache(maxsize=64)
def _library_sessions(name: str, start: date, end: date) -> pd.DatetimeIndex:
    cal = _get_calendar(name, pd.Timestamp(start), pd.Timestamp(end))
    return pd.DatetimeIndex(cal.sessions).tz_localize(None).normalize()


@lru_cache(maxsize=64)
def _library_bounds(name: str) -> tuple[date | None, date | None]:
    cls = type(_get_calendar(name, pd.Timestamp("2000-01-03"), pd.Timestamp("2000-01-31")))
    lo, hi = cls.bound_min(), cls.bound_max()
    return (None if lo is None else pd.Timestamp(lo).date(), None if hi is None else pd.Timestamp(hi).date())


def sessions(name: str, start: date, end: date, patch: CalendarPatch | None, where: tuple[str, str]) -> pd.DatetimeIndex:
    """The sessions of calendar ``name`` from ``start`` to ``end`` (inclusive), with ``patch`` applied.

    ``where`` is ``(file, series)`` for messages. An unknown calendar or a span outside what the library (and the
    patch's ``extend_to``) cover is an :class:`InputError`.
    """
    import exchange_calendars as xc

    src, sid = where
    try:
        lo, hi = _library_bounds(name)
    except xc.errors.InvalidCalendarName:
        raise InputError(src, sid, f"unknown exchange calendar {name!r} (exchange_calendars names such as XNYS, "
                         "XTAI, XSHG, XHKG; or 'none' for a series without an exchange)") from None
    patch = patch or CalendarPatch()
    lib_end = end
    tail = pd.DatetimeIndex([])
    if hi is not None and end > hi:
        if patch.extend_to is None or end > patch.extend_to:
            reach = f" (market.yaml extends it to {patch.extend_to})" if patch.extend_to else ""
            raise InputError(src, sid, f"dates up to {end} are beyond the {name} calendar of exchange_calendars, which "
                             f"ends {hi}{reach}; set calendars.{name}.extend_to and list that period's closures under "
                             f"calendars.{name}.add_closures in market.yaml (naming their source)")
        lib_end = hi
        tail = pd.bdate_range(pd.Timestamp(hi) + pd.Timedelta(days=1), pd.Timestamp(end))
    try:
        lib = _library_sessions(name, start, lib_end) if start <= lib_end else pd.DatetimeIndex([])
    except (xc.errors.DateOutOfBounds, ValueError) as exc:
        first = lo.isoformat() if lo else "its first recorded year"
        raise InputError(src, sid, f"dates from {start} to {end} are outside the {name} calendar of exchange_calendars "
                         f"({first} … {hi or 'open-ended'}): {str(exc).strip().splitlines()[0]}") from None
    out = lib.union(tail)
    if patch.add_sessions:
        extra = pd.DatetimeIndex(pd.to_datetime(list(patch.add_sessions)))
        out = out.union(extra[(extra >= pd.Timestamp(start)) & (extra <= pd.Timestamp(end))])
    if patch.add_closures:
        out = out.difference(pd.DatetimeIndex(pd.to_datetime(list(patch.add_closures))))
    return out


def limit_on(limits: tuple[PriceLimit, ...], day: pd.Timestamp) -> float | None:
    best = None
    for pl in limits:
        if pd.Timestamp(pl.start) <= day and (best is None or pl.start >= best.start):
            best = pl
    return None if best is None else best.limit


def _listed(days: pd.DatetimeIndex, n: int) -> str:
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in days[:n])
    return shown + (f", … ({len(days)} in all)" if len(days) > n else "")


def check_daily(
    values: pd.Series,
    calendar: str,
    rules: CalendarRules,
    where: tuple[str, str],
    *,
    kind: str = "prices",
    price_limit: float | None | str = "calendar",
) -> tuple[pd.Series, list[InputError]]:
    """Judge one daily series (values on their dates, NaN-free, increasing) against its calendar.

    Returns the series to use (values on non-sessions dropped when ``off_session: drop``) and its defects:
    values on days that are no session, sessions without a value (beyond ``missing_sessions``), and daily moves
    beyond the price limit (``price_limit``: a number, ``None`` for none, or ``"calendar"``: the calendar's
    limits in ``rules``). Each defect names file, series and dates.
    """
    src, sid = where
    tol = rules.tolerances
    problems: list[InputError] = []
    if values.empty:
        return values, problems
    days = pd.DatetimeIndex(values.index)
    if calendar == NONE:
        d = days.values.astype("datetime64[D]")
        gaps = np.busday_count(d[:-1] + np.timedelta64(1, "D"), d[1:]) if len(d) > 1 else np.array([], dtype=int)
        bad = np.flatnonzero(gaps > tol.max_gap_bdays)
        for k in bad[: tol.max_listed]:
            problems.append(InputError(src, sid, f"gap of {int(gaps[k])} business days between {days[k]:%Y-%m-%d} and "
                                       f"{days[k + 1]:%Y-%m-%d}; at most {tol.max_gap_bdays} allowed "
                                       "(tolerances.max_gap_bdays; or name the series' exchange calendar)"))
        return values, problems
    sess = sessions(calendar, days[0].date(), days[-1].date(), rules.patches.get(calendar), where)
    off = days.difference(sess)
    if len(off):
        if tol.off_session == "drop":
            values = values.loc[~days.isin(off)]
            days = pd.DatetimeIndex(values.index)
        else:
            problems.append(InputError(src, sid, f"value on {len(off)} day(s) that are no {calendar} session: "
                                       f"{_listed(off, tol.max_listed)}; if the exchange traded then, add the dates "
                                       f"to calendars.{calendar}.add_sessions in market.yaml (naming the source)"))
    if len(days):
        inside = sess[(sess >= days[0]) & (sess <= days[-1])]
        missing = inside.difference(days)
        if len(missing) > tol.missing_sessions:
            allowed = f" ({tol.missing_sessions} allowed by tolerances.missing_sessions)" if tol.missing_sessions else ""
            problems.append(InputError(src, sid, f"no value on {len(missing)} {calendar} session(s){allowed}: "
                                       f"{_listed(missing, tol.max_listed)}; if the exchange was closed, add the "
                                       f"dates to calendars.{calendar}.add_closures in market.yaml"))
    limits = rules.price_limits.get(calendar, ()) if price_limit == "calendar" else (
        () if price_limit is None else (PriceLimit(date(1900, 1, 1), float(price_limit)),))
    if limits and len(values) > 1:
        v = values.to_numpy(dtype=float)
        moves = (v[1:] / v[:-1] - 1.0) if kind == "prices" else v[1:]
        when = pd.DatetimeIndex(values.index[1:])
        caps = np.array([np.inf if (lim := limit_on(limits, d)) is None else lim for d in when])
        over = np.flatnonzero(np.abs(moves) > caps + tol.price_limit_slack)
        if len(over):
            shown = ", ".join(f"{when[k]:%Y-%m-%d} ({moves[k]:+.1%}, limit ±{caps[k]:.0%})" for k in over[: tol.max_listed])
            more = f", … ({len(over)} in all)" if len(over) > tol.max_listed else ""
            problems.append(InputError(src, sid, f"daily move beyond the {calendar} price limit on {shown}{more}; a "
                                       "split or a wrong price? (per-series price_limit in market.yaml overrides)"))
    return values, problems
