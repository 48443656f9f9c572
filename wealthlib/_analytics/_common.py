"""Validation at the boundary of the analytics functions: weights, return frames, common windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import InputError

WEIGHT_TOL = 1e-6


def check_weights(weights: Mapping[str, float] | pd.Series, source: str = "weights") -> pd.Series:
    """Long-only weights that sum to one; zero weights are dropped. Errors name the product."""
    w = pd.Series(weights, dtype=float)
    if w.empty:
        raise InputError(source, "", "no weights given")
    if not w.index.is_unique:
        dup = w.index[w.index.duplicated()][0]
        raise InputError(source, str(dup), "product listed twice")
    for code, x in w.items():
        if not np.isfinite(x):
            raise InputError(source, str(code), f"weight is {x}; it must be a number")
        if x < 0:
            raise InputError(source, str(code), f"weight {x:.6g} is negative; portfolios here are long-only")
    total = float(w.sum())
    if abs(total - 1.0) > WEIGHT_TOL:
        raise InputError(source, "", f"weights sum to {total:.6f}, not 1")
    return w[w > 0] / total


def check_returns(returns: pd.DataFrame, codes: Iterable[str], source: str = "returns") -> None:
    if not isinstance(returns, pd.DataFrame):
        raise InputError(source, "", f"expected a DataFrame of periodic returns, got {type(returns).__name__}")
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise InputError(source, "index", "the index must be dates (a DatetimeIndex)")
    if not returns.index.is_monotonic_increasing or not returns.index.is_unique:
        raise InputError(source, "index", "dates must be unique and increasing")
    for code in codes:
        if code not in returns.columns:
            raise InputError(source, str(code), "no return series for this product")
        col = returns[code]
        if col.notna().sum() == 0:
            raise InputError(source, str(code), "the series has no data")
        bad = col[col.notna() & (col <= -1.0)]
        if len(bad):
            raise InputError(source, f"{code}.{bad.index[0].date()}", f"return {bad.iloc[0]:.4f} is -100% or worse")


def common_window(
    returns: pd.DataFrame,
    codes: list[str],
    start=None,
    end=None,
    source: str = "returns",
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The rows where every product in ``codes`` has data: the *common start* rule.

    The window starts at the latest first observation of the products (or ``start`` when later) and ends at the
    earliest last observation (or ``end`` when earlier). A gap inside the window is an error, never filled.
    Returns the window and the products whose history set the start (empty when ``start`` did).
    """
    check_returns(returns, codes, source)
    firsts = {c: returns[c].first_valid_index() for c in codes}
    lasts = {c: returns[c].last_valid_index() for c in codes}
    s = max(firsts.values())
    e = min(lasts.values())
    # products that set the start: only when some other product reaches further back
    limited = tuple(c for c in codes if firsts[c] == s) if min(firsts.values()) < s else ()
    if start is not None and pd.Timestamp(start) > s:
        after = returns.index[returns.index >= pd.Timestamp(start)]
        s = after[0] if len(after) else pd.Timestamp(start)
        limited = ()
    if end is not None:
        e = min(e, pd.Timestamp(end))
    frame = returns.loc[s:e, codes]
    if len(frame) == 0:
        raise InputError(source, "", f"the products {', '.join(codes)} have no period in common"
                         + (f" between {pd.Timestamp(start).date()} and {pd.Timestamp(end).date()}"
                            if start is not None or end is not None else ""))
    gaps = frame.isna()
    if gaps.any().any():
        code = gaps.any()[gaps.any()].index[0]
        day = gaps[code][gaps[code]].index[0]
        raise InputError(source, f"{code}.{day.date()}", "missing return inside the common window")
    return frame, limited


def period_before(index: pd.DatetimeIndex, first: pd.Timestamp, full_index: pd.DatetimeIndex) -> pd.Timestamp:
    """The date of the starting value, one period before the first return."""
    earlier = full_index[full_index < first]
    if len(earlier):
        return earlier[-1]
    if first == first + pd.offsets.MonthEnd(0):
        return first - pd.offsets.MonthEnd(1)
    if len(index) > 1:
        return first - (index[1] - index[0])
    return first - pd.offsets.MonthEnd(1)


def check_fees(fees, codes: list[str], source: str = "fees") -> np.ndarray:
    if fees is None:
        return np.zeros(len(codes))
    f = pd.Series(fees, dtype=float)
    out = []
    for c in codes:
        if c not in f.index:
            raise InputError(source, c, "no annual fee given for this product (use 0 for none)")
        x = float(f[c])
        if not np.isfinite(x) or x < 0 or x >= 1:
            raise InputError(source, c, f"annual fee {x} must be a fraction in [0, 1), e.g. 0.005 for 0.5%")
        out.append(x)
    return np.array(out)
