"""Risk contribution of each product to portfolio volatility (Euler decomposition), and the share of it that
comes from currency (:func:`currency_risk`)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
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


def currency_risk(local: pd.DataFrame, base: pd.DataFrame, weights: pd.Series | Mapping[str, float],
                  periods_per_year: int = 12) -> dict:
    """How much of a portfolio's volatility comes from currency: a covariance decomposition.

    ``base`` are the products' returns in the client's base currency, ``local`` the same products' returns in
    their own currencies, over the same dates (rows present in both are used). With fixed ``weights`` the
    portfolio's base-currency return is split into its local part and its currency part,
    ``r_base = r_local + r_ccy`` with ``r_ccy = Σ w_i (r_base,i − r_local,i)`` (the FX move and its cross term
    ``r_local·r_fx``). Then ``var(r_base) = cov(r_local, r_base) + cov(r_ccy, r_base)`` and

    - ``currency_share = cov(r_ccy, r_base) / var(r_base)``: currency's share of the variance (negative when
      the currency moves against the assets and so diversifies them);
    - ``volatility_base`` and ``volatility_local``: annualized sample volatilities (×√periods) of the
      same weights in the base currency and in the products' own currencies;
    - ``volatility_currency``: the currency part's own volatility; ``periods``, ``start``, ``end``.

    Sample moments (ddof 1) over the common dates; a portfolio with no foreign product has share 0.
    """
    w = check_weights(weights)
    codes = list(w.index)
    for frame, name in ((local, "local"), (base, "base")):
        missing = [c for c in codes if c not in frame.columns]
        if missing:
            raise InputError(name, missing[0], "product missing from the returns")
    idx = local.index.intersection(base.index)
    lo = local.loc[idx, codes].dropna()
    bs = base.loc[lo.index, codes].dropna()
    lo = lo.loc[bs.index]
    if len(bs) < 3:
        raise InputError("returns", "", "need at least three common periods to split the volatility")
    x = w.to_numpy()
    r_base = bs.to_numpy() @ x
    r_local = lo.to_numpy() @ x
    r_ccy = r_base - r_local
    var_b = float(np.var(r_base, ddof=1))
    share = float(np.cov(r_ccy, r_base, ddof=1)[0, 1] / var_b) if var_b > 0 else 0.0
    k = np.sqrt(periods_per_year)
    return {
        "currency_share": share,
        "volatility_base": float(np.sqrt(var_b) * k),
        "volatility_local": float(np.std(r_local, ddof=1) * k),
        "volatility_currency": float(np.std(r_ccy, ddof=1) * k),
        "periods": int(len(bs)),
        "start": bs.index[0],
        "end": bs.index[-1],
    }
