"""Loading a market from a CSV or Parquet file, with validation that names file, column and line.

Layouts:

- ``wide``: a ``date`` column and one column per series (blank = no value).
- ``long``: columns ``date``, ``series``, ``value``; each series' rows in increasing date order.

``kind="prices"``: positive prices (returns are computed); ``kind="returns"``: simple returns as decimals.
Monthly files may date a month by any day in it (it is moved to the calendar month end). Locations in
messages: ``line N`` for CSV (the header is line 1), ``row N`` for Parquet (first data row is row 1).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

import numpy as np
import pandas as pd

from ..errors import InputError, display_path
from .core import Market, SeriesInfo, month_end_calendar, monthly_from_daily_prices

if TYPE_CHECKING:
    from .calendars import CalendarRules

MAX_GAP_BDAYS = 5


def _fmt(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m-%d}"


def _read(p: Path, src: str) -> tuple[pd.DataFrame, Callable[[int], str]]:
    suffix = p.suffix.lower()
    if not p.exists():
        raise InputError(src, "", "file not found")
    if suffix in (".csv", ".txt"):
        try:
            df = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8")
        except pd.errors.EmptyDataError:
            raise InputError(src, "", "file has no data rows") from None
        except UnicodeDecodeError as exc:
            raise InputError(src, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except pd.errors.ParserError as exc:
            raise InputError(src, "", f"not a readable CSV file ({str(exc).strip()})") from None
        return df, lambda i: f"line {i + 2}"
    if suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(p)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
            raise InputError(src, "", f"not a readable Parquet file ({type(exc).__name__})") from None
        if not isinstance(df.index, pd.RangeIndex) and str(df.index.name or "").strip().lower() == "date":
            df = df.reset_index()
        return df, lambda i: f"row {i + 1}"
    raise InputError(src, "", f"unknown file type {suffix or '(none)'!r}; use .csv or .parquet")


def _parse_dates(raw: pd.Series, src: str, field: str, where: Callable[[int], str]) -> pd.DatetimeIndex:
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = pd.to_datetime(raw)
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
    else:
        text = raw.astype(str).str.strip()
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        val = raw.iloc[i]
        problem = "missing date" if (val is None or str(val).strip() in ("", "NaT", "nan", "None")) else f"not a date: {str(val)!r}"
        raise InputError(src, field, f"{problem} ({where(i)})")
    return pd.DatetimeIndex(parsed).normalize()


def _check_order(dates: pd.DatetimeIndex, monthly: bool, src: str, field: str, where: Callable[[int], str], rows: list[int]) -> None:
    """Increasing, no duplicates (monthly: no two dates in one month), no gaps."""
    keys = (dates + pd.offsets.MonthEnd(0)) if monthly else dates
    for k in range(1, len(keys)):
        a, b = keys[k - 1], keys[k]
        if b < a:
            raise InputError(
                src, field,
                f"dates are not in increasing order: {_fmt(dates[k])} ({where(rows[k])}) comes after {_fmt(dates[k - 1])} ({where(rows[k - 1])})",
            )  # fmt: skip
        if b == a:
            if dates[k] == dates[k - 1]:
                raise InputError(src, field, f"duplicate date {_fmt(dates[k])} ({where(rows[k - 1])} and {where(rows[k])})")
            raise InputError(
                src, field,
                f"two dates in month {b:%Y-%m}: {_fmt(dates[k - 1])} ({where(rows[k - 1])}) and {_fmt(dates[k])} ({where(rows[k])})",
            )  # fmt: skip


def _check_gaps(dates: pd.DatetimeIndex, monthly: bool, max_gap: int, src: str, field: str, where: Callable[[int], str], rows: list[int]) -> None:
    if monthly:
        keys = dates + pd.offsets.MonthEnd(0)
        for k in range(1, len(keys)):
            expected = keys[k - 1] + pd.offsets.MonthEnd(1)
            if keys[k] != expected:
                missing = pd.date_range(expected, keys[k] - pd.offsets.MonthEnd(1), freq="ME")
                names = ", ".join(f"{m:%Y-%m}" for m in missing[:6]) + (", …" if len(missing) > 6 else "")
                raise InputError(
                    src, field,
                    f"missing month(s) between {_fmt(dates[k - 1])} and {_fmt(dates[k])} ({where(rows[k])}): {names}",
                )  # fmt: skip
        return
    days = dates.values.astype("datetime64[D]")
    for k in range(1, len(days)):
        n = int(np.busday_count(days[k - 1] + np.timedelta64(1, "D"), days[k]))
        if n > max_gap:
            raise InputError(
                src, field,
                f"gap of {n} business days between {_fmt(dates[k - 1])} and {_fmt(dates[k])} ({where(rows[k])}); at most {max_gap} allowed",
            )  # fmt: skip


def _parse_values(raw: pd.Series, dates: pd.DatetimeIndex, kind: str, src: str, field: str, where: Callable[[int], str], rows: list[int]) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        vals = raw.to_numpy(dtype=float, na_value=np.nan)
    else:
        # vectorized (string dtype): a 200-series file has a million cells; missing and blank cells are ""
        text = raw.astype("string").str.strip().fillna("")
        blank = (text == "").to_numpy(dtype=bool)
        vals = pd.to_numeric(text.mask(blank), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(vals) & ~blank
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(src, field, f"not a number: {text.iloc[i]!r} on {_fmt(dates[i])} ({where(rows[i])})")
    inf = np.isinf(vals)
    if inf.any():
        i = int(np.argmax(inf))
        raise InputError(src, field, f"not a finite number: {vals[i]} on {_fmt(dates[i])} ({where(rows[i])})")
    if kind == "prices":
        bad = vals <= 0
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(src, field, f"non-positive price {vals[i]:g} on {_fmt(dates[i])} ({where(rows[i])})")
    else:
        bad = vals <= -1
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                src, field,
                f"return {vals[i]:g} on {_fmt(dates[i])} ({where(rows[i])}) is a loss of 100% or more; returns are decimals (0.012 = 1.2%)",
            )  # fmt: skip
    return vals


def load_market_file(
    path: str | Path,
    kind: Literal["prices", "returns"] = "prices",
    layout: Literal["wide", "long"] = "wide",
    freq: Literal["monthly", "daily"] = "monthly",
    *,
    max_gap_bdays: int = MAX_GAP_BDAYS,
) -> Market:
    """A :class:`Market` from one CSV or Parquet file; every problem is an :class:`InputError` naming the file,
    the column (or ``date``) and the line/row.

    Checks: file readable and not empty; a ``date`` column (wide) or ``date``, ``series``, ``value`` (long);
    dates parse, increase, are not repeated (monthly: one date per month); no gaps — a monthly series may not
    skip a month between its first and last value, a daily series may not skip more than ``max_gap_bdays``
    business days (Mon–Fri, holidays not known); values numeric and finite; prices positive; returns above −1.
    Leading and trailing blanks in a wide file are allowed (a series starting later or ending earlier).

    Daily files also get monthly returns (month-end to month-end; a final month not covered to its last
    business day is dropped; from daily returns, only months the data covers from their first business day).

    This is the calendar-less loader; :func:`read_market_file` judges each daily series against its own exchange
    calendar (what ``market.yaml`` sources use) and can list every defect instead of stopping at the first.
    """
    from .calendars import CalendarRules, Tolerances

    rules = CalendarRules(tolerances=Tolerances(max_gap_bdays=max_gap_bdays))
    market, _ = read_market_file(path, kind, layout, freq, rules=rules)
    return market


SeriesOption = Callable[[str], object]


def read_market_file(
    path: str | Path,
    kind: Literal["prices", "returns"] = "prices",
    layout: Literal["wide", "long"] = "wide",
    freq: Literal["monthly", "daily"] = "monthly",
    *,
    rules: "CalendarRules | None" = None,
    calendar_of: Callable[[str], str | None] | None = None,
    price_limit_of: Callable[[str], float | None | str] | None = None,
    collect: bool = False,
    source_name: str | None = None,
) -> tuple[Market | None, list[InputError]]:
    """Read and judge one file: ``(market, problems)``.

    ``calendar_of(series)`` names a daily series' exchange calendar (``None``: the calendar-less business-day
    rule of :func:`load_market_file`; ``"none"``: business days with ``rules.tolerances.max_gap_bdays``);
    ``price_limit_of(series)`` its daily limit (``"calendar"``, a number, or ``None``). With ``collect=False`` the
    first problem is raised; with ``collect=True`` every problem found is returned (a file-level problem, such
    as an unreadable file or a bad date column, stops the reading; a bad series does not stop the others) and
    the market is ``None`` when there was any.
    """
    from .calendars import CalendarRules, check_daily

    if kind not in ("prices", "returns"):
        raise ValueError(f"kind must be 'prices' or 'returns', got {kind!r}")
    if layout not in ("wide", "long"):
        raise ValueError(f"layout must be 'wide' or 'long', got {layout!r}")
    if freq not in ("monthly", "daily"):
        raise ValueError(f"freq must be 'monthly' or 'daily', got {freq!r}")
    rules = rules or CalendarRules()
    max_gap_bdays = rules.tolerances.max_gap_bdays
    problems: list[InputError] = []

    def fail(err: InputError) -> None:
        if not collect:
            raise err
        problems.append(err)

    p = Path(path)
    src = display_path(p)
    try:
        df, where = _read(p, src)
    except InputError as err:
        fail(err)
        return None, problems
    df = df.rename(columns=lambda c: str(c).strip())
    lower = {c.lower(): c for c in df.columns}
    monthly = freq == "monthly"

    def calendar(name: str) -> str | None:
        return None if (monthly or calendar_of is None) else calendar_of(name)

    def judged(name: str, s: pd.Series) -> pd.Series:
        """The daily calendar checks of one series (values on their dates)."""
        cal = calendar(name)
        if cal is None:
            return s
        limit = price_limit_of(name) if price_limit_of is not None else "calendar"
        s, found = check_daily(s, cal, rules, (src, name), kind=kind, price_limit=limit)
        for err in found:
            fail(err)
        return s

    columns: dict[str, pd.Series] = {}
    if layout == "long":
        missing = [c for c in ("date", "series", "value") if c not in lower]
        if missing:
            fail(InputError(src, "", f"long layout needs columns date, series, value; missing: {', '.join(missing)}"))
            return None, problems
        if len(df) == 0:
            fail(InputError(src, "", "file has no data rows"))
            return None, problems
        try:
            dates_all = _parse_dates(df[lower["date"]], src, "date", where)
            names = df[lower["series"]].astype(str).str.strip()
            blank = (names == "") | df[lower["series"]].isna().to_numpy()
            if blank.any():
                raise InputError(src, "series", f"missing series name ({where(int(np.argmax(blank.to_numpy())))})")
        except InputError as err:
            fail(err)
            return None, problems
        for name in dict.fromkeys(names):
            try:
                rows = np.flatnonzero((names == name).to_numpy()).tolist()
                d = dates_all[rows]
                _check_order(d, monthly, src, name, where, rows)
                vals = _parse_values(df[lower["value"]].iloc[rows], d, kind, src, name, where, rows)
                keep = ~np.isnan(vals)
                s = pd.Series(vals[keep], index=d[keep], name=name)
                if calendar(name) is None:
                    _check_gaps(s.index, monthly, max_gap_bdays, src, name, where, [r for r, k in zip(rows, keep) if k])
                columns[name] = judged(name, s)
            except InputError as err:
                fail(err)
    else:
        if len(df) == 0:
            fail(InputError(src, "", "file has no data rows"))
            return None, problems
        if "date" not in lower:
            fail(InputError(src, "date", "no date column (expected a column named 'date')"))
            return None, problems
        dcol = lower["date"]
        series_cols = [c for c in df.columns if c != dcol]
        if not series_cols:
            fail(InputError(src, "", "no series columns besides date"))
            return None, problems
        dupes = [c for c in series_cols if series_cols.count(c) > 1 or c == ""]
        if dupes:
            fail(InputError(src, dupes[0], "series column names must be unique and not blank"))
            return None, problems
        rows = list(range(len(df)))
        try:
            dates = _parse_dates(df[dcol], src, "date", where)
            _check_order(dates, monthly, src, "date", where, rows)
            if any(calendar(c) is None for c in series_cols):
                _check_gaps(dates, monthly, max_gap_bdays, src, "date", where, rows)
        except InputError as err:
            fail(err)
            return None, problems
        for c in series_cols:
            try:
                vals = _parse_values(df[c], dates, kind, src, c, where, rows)
                keep = ~np.isnan(vals)
                if not keep.any():
                    raise InputError(src, c, "no values")
                if calendar(c) is None:  # one market in the file: a blank inside the series is a missing value
                    first, last = int(np.argmax(keep)), len(keep) - 1 - int(np.argmax(keep[::-1]))
                    inner = ~keep[first : last + 1]
                    if inner.any():
                        i = first + int(np.argmax(inner))
                        raise InputError(src, c, f"missing value on {_fmt(dates[i])} ({where(i)}) between the series' first and last value"
                                         if monthly else f"missing value on {_fmt(dates[i])} ({where(i)})")  # fmt: skip
                columns[c] = judged(c, pd.Series(vals[keep], index=dates[keep], name=c))
            except InputError as err:
                fail(err)
    if problems:
        return None, problems

    # ------------------------------------------------------------------ returns
    mcols: dict[str, pd.Series] = {}
    dcols: dict[str, pd.Series] = {}
    for name, s in columns.items():
        if monthly:
            s = s.copy()
            s.index = (s.index + pd.offsets.MonthEnd(0)).normalize()
            mcols[name] = s.pct_change(fill_method=None).iloc[1:] if kind == "prices" else s
        elif kind == "prices":
            dcols[name] = s.pct_change(fill_method=None).iloc[1:]
            mcols[name] = monthly_from_daily_prices(s)
        else:
            dcols[name] = s
            g = (1.0 + s).groupby(s.index + pd.offsets.MonthEnd(0))
            m = g.prod() - 1.0
            first_obs, last_obs = s.index[0], s.index[-1]
            if first_obs > first_obs.replace(day=1) + pd.offsets.BDay(0):
                m = m.iloc[1:]  # data starts after the month's first business day: a partial month
            if last_obs < last_obs + pd.offsets.BMonthEnd(0):
                m = m.iloc[:-1]
            mcols[name] = m
    nonempty = [s for s in mcols.values() if len(s)]
    if not nonempty:
        fail(InputError(src, "", "too short: not one full month of returns"))
        return None, problems
    cal = month_end_calendar(min(s.index[0] for s in nonempty), max(s.index[-1] for s in nonempty))
    mframe = pd.DataFrame({n: s.reindex(cal) for n, s in mcols.items()}, index=cal)
    mframe.index.freq = None
    dframe = None
    if dcols:
        dframe = pd.concat(dcols, axis=1, sort=True)
        dframe.index.name = "date"
    info = {}
    label = source_name or f"file {src}"
    for n in columns:
        frame = dframe if dframe is not None else mframe
        v = frame[n].dropna()
        if v.empty:
            fail(InputError(src, n, "too short: needs at least two values for a return"))
            continue
        info[n] = SeriesInfo(
            id=n, name=n, source=label, kind="real", frequency=freq,
            start=v.index[0].date(), end=v.index[-1].date(), note=f"{kind}, {layout} layout",
        )  # fmt: skip
    if problems:
        return None, problems
    digest = hashlib.sha256(p.read_bytes()).hexdigest()[:12]
    vintage = f"file {p.name} (sha256 {digest}), data to {mframe.index[-1].date()}"
    return Market(mframe, dframe, None, info, vintage), problems
