"""Risk contribution of each product to portfolio volatility (Euler decomposition)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..errors import InputError
from ._common import check_weights, common_window


def risk_contribution(returns: pd.DataFrame, weights: pd.Series | Mapping[str, float],
                      cov: pd.DataFrame | None = None) -> pd.Series:
    """Each product's share of portfolio variance, ``w_i (S w)_i / (w' S w)``; the shares sum to one.

    ``S`` is ``cov`` when given (e.g. from ``wealthlib.estimate``), else the sample covariance of ``returns``
    over the products' common window.
    """
    w = check_weights(weights)
    codes = list(w.index)
    if cov is None:
        frame, _ = common_window(returns, codes)
        if len(frame) < 2:
            raise InputError("returns", "", "need at least two periods to estimate a covariance")
        s = frame.cov().to_numpy()
    else:
        missing = [c for c in codes if c not in cov.index or c not in cov.columns]
        if missing:
            raise InputError("cov", missing[0], "product missing from the covariance matrix")
        s = cov.loc[codes, codes].to_numpy(dtype=float)
    x = w.to_numpy()
    marginal = s @ x
    total = float(x @ marginal)
    if not total > 0:
        raise InputError("returns", "", "the portfolio has no variance; risk contributions are undefined")
    return pd.Series(x * marginal / total, index=codes, name="risk_contribution")
