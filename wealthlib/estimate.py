"""Capital-market estimates: expected returns and covariance, annualized explicitly.

Expected returns (all annualized, ``periods_per_year`` × the per-period figure)

* :func:`historical_mean` — the sample mean.
* :func:`shrunk_mean` — positive-part James–Stein shrinkage of the sample mean toward the grand mean
  (the estimator of skfolio's ``ShrunkMu(method=JAMES_STEIN)``, with the intensity clipped to [0, 1] so that a
  small shelf, where tr Σ − 2λ_max < 0, is never *anti*-shrunk).
* :func:`equilibrium_mean` — reverse optimization, π = γ Σ w_bench (Sharpe 1974; He & Litterman 1999).
* :func:`black_litterman` — the Black–Litterman posterior around π with advisor views read from a YAML file
  (:func:`load_views`); view uncertainty from a confidence in (0, 1] (Idzorek-style, see below).

Covariance (annualized): :func:`sample_cov`, :func:`ledoit_wolf_cov` and :func:`oas_cov` (scikit-learn's
estimators, not re-implemented) and :func:`ewma_cov` (exponentially weighted, half-life in periods).

:func:`estimate` applies the policy's :class:`~wealthlib.policy.EstimatorChoice` to a frame of simple periodic
returns (columns = product codes) and returns :class:`Estimates`, which also carries the NaN-free periodic
return window as ``scenarios`` (used by the minimum-CVaR objective).

:func:`anchor_to_yields` replaces the expected return of products that have a yield (bond funds, when the
policy's ``estimator.bond_returns`` is ``"yield"``) by the yield of the as-of date: a constant-maturity bond
bought at yield y returns y a year if yields do not move, whatever they did in the estimation window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._yaml import load_yaml, validate_model
from .errors import InputError, WealthError, display_path

if TYPE_CHECKING:  # pragma: no cover
    from .policy import EstimatorChoice

__all__ = [
    "Estimates",
    "EstimationError",
    "View",
    "Views",
    "PERIODS_PER_YEAR",
    "historical_mean",
    "shrunk_mean",
    "equilibrium_mean",
    "black_litterman",
    "load_views",
    "sample_cov",
    "ledoit_wolf_cov",
    "oas_cov",
    "ewma_cov",
    "estimate",
    "anchor_to_yields",
]

PERIODS_PER_YEAR: dict[str, int] = {"daily": 252, "weekly": 52, "monthly": 12, "quarterly": 4, "annual": 1}
MIN_OBSERVATIONS = 12


class EstimationError(WealthError):
    """The returns cannot support the requested estimate (too short, missing, degenerate)."""


@dataclass(frozen=True)
class Estimates:
    """Annualized capital-market assumptions for one set of products.

    ``mu`` and ``cov`` are annualized (``periods_per_year`` × per-period moments); ``scenarios`` are the raw
    periodic simple returns the moments were estimated from (rows = periods, columns = products).
    """

    mu: pd.Series
    cov: pd.DataFrame
    scenarios: pd.DataFrame
    periods_per_year: int
    method: str
    notes: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        codes = list(self.mu.index)
        if list(self.cov.index) != codes or list(self.cov.columns) != codes:
            raise ValueError("Estimates: cov must be indexed by the same codes as mu, in the same order")
        if len(self.scenarios.columns) and list(self.scenarios.columns) != codes:
            raise ValueError("Estimates: scenarios must have the same columns as mu")

    @property
    def codes(self) -> list[str]:
        return list(self.mu.index)

    @property
    def volatility(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.mu.index, name="volatility")

    def subset(self, codes: list[str]) -> "Estimates":
        """The same estimates restricted to ``codes`` (in that order)."""
        missing = [c for c in codes if c not in self.mu.index]
        if missing:
            raise EstimationError(f"no estimates for {', '.join(missing)}")
        return Estimates(
            mu=self.mu.loc[codes],
            cov=self.cov.loc[codes, codes],
            scenarios=self.scenarios.loc[:, codes] if len(self.scenarios.columns) else self.scenarios,
            periods_per_year=self.periods_per_year,
            method=self.method,
            notes=dict(self.notes),
        )


# --------------------------------------------------------------------------------------------------- helpers


def _clean(returns: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(returns, pd.DataFrame):
        raise TypeError("returns must be a pandas DataFrame (rows = periods, columns = products)")
    if returns.shape[1] == 0:
        raise EstimationError("no products to estimate")
    r = returns.astype(float)
    if not np.isfinite(r.to_numpy()[~np.isnan(r.to_numpy())]).all():
        raise EstimationError("returns contain infinite values")
    full = r.dropna(how="any")
    if len(full) < MIN_OBSERVATIONS:
        counts = r.notna().sum().sort_values()
        short = ", ".join(f"{c} ({n})" for c, n in counts.items() if n < MIN_OBSERVATIONS) or ", ".join(
            f"{c} ({n})" for c, n in counts.head(3).items()
        )
        raise EstimationError(
            f"only {len(full)} periods have returns for every product (need ≥ {MIN_OBSERVATIONS}); "
            f"shortest histories: {short}"
        )
    return full


def _annual(periods_per_year: int) -> int:
    if int(periods_per_year) < 1:
        raise ValueError("periods_per_year must be a positive integer")
    return int(periods_per_year)


def _psd(cov: np.ndarray) -> np.ndarray:
    cov = 0.5 * (cov + cov.T)
    vals, vecs = np.linalg.eigh(cov)
    if vals.min() >= 0:
        return cov
    return (vecs * np.clip(vals, 0.0, None)) @ vecs.T


def _frame(cov: np.ndarray, cols) -> pd.DataFrame:
    return pd.DataFrame(_psd(cov), index=cols, columns=cols)


# ------------------------------------------------------------------------------------------- expected returns


def historical_mean(returns: pd.DataFrame, periods_per_year: int) -> pd.Series:
    """Annualized sample mean: μ = P · (1/T) Σ_t r_t."""
    r = _clean(returns)
    return (r.mean() * _annual(periods_per_year)).rename("mu")


def shrunk_mean(returns: pd.DataFrame, periods_per_year: int, cov: np.ndarray | None = None) -> pd.Series:
    r"""Positive-part James–Stein mean, shrunk toward the grand mean.

    .. math::  \hat\mu_{JS} = (1-\beta)\,\hat\mu + \beta\,\bar\mu\,\mathbf 1,\qquad
               \beta = \operatorname{clip}\Big(\frac{\operatorname{tr}\Sigma - 2\lambda_{\max}(\Sigma)}
               {T\,\lVert\hat\mu - \bar\mu\mathbf 1\rVert^2},\ 0,\ 1\Big)

    with Σ the per-period covariance (sample unless given), T the number of periods and μ̄ the mean of the
    sample means (skfolio ``ShrunkMu`` / James & Stein 1961; the clip is the positive-part estimator).
    """
    r = _clean(returns)
    x = r.to_numpy()
    t = x.shape[0]
    sample = x.mean(axis=0)
    sigma = np.cov(x, rowvar=False, ddof=1) if cov is None else np.asarray(cov, dtype=float)
    sigma = np.atleast_2d(sigma)
    target = sample.mean()
    dev = float(np.sum((sample - target) ** 2))
    if dev <= 0:
        beta = 1.0
    else:
        eig = np.linalg.eigvalsh(sigma)
        beta = float(np.clip((eig.sum() - 2 * eig.max()) / (t * dev), 0.0, 1.0))
    mu = (1 - beta) * sample + beta * target
    out = pd.Series(mu * _annual(periods_per_year), index=r.columns, name="mu")
    out.attrs["shrinkage"] = beta
    return out


def equilibrium_mean(
    cov: pd.DataFrame, benchmark_weights: pd.Series | None = None, risk_aversion: float = 2.5
) -> pd.Series:
    r"""Reverse-optimized (implied) excess returns: :math:`\pi = \gamma\,\Sigma\,w_{bench}`.

    ``cov`` is annualized, so π is too. ``benchmark_weights`` default to equal weights over the columns;
    ``risk_aversion`` γ defaults to 2.5 (He & Litterman 1999).
    """
    cols = list(cov.columns)
    if benchmark_weights is None:
        wb = np.full(len(cols), 1.0 / len(cols))
    else:
        missing = [c for c in cols if c not in benchmark_weights.index]
        if missing:
            raise EstimationError(f"benchmark weights missing for {', '.join(missing)}")
        wb = benchmark_weights.reindex(cols).to_numpy(dtype=float)
        if wb.sum() <= 0 or (wb < 0).any():
            raise EstimationError("benchmark weights must be non-negative with a positive sum")
        wb = wb / wb.sum()
    if risk_aversion <= 0:
        raise ValueError("risk_aversion must be positive")
    return pd.Series(risk_aversion * cov.to_numpy() @ wb, index=cols, name="mu")


class View(BaseModel):
    """One advisor view: the portfolio ``assets`` (code → P row coefficient) returns ``expected_return`` a year."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    name: str = ""
    assets: dict[str, float] = Field(min_length=1)
    expected_return: float = Field(ge=-1.0, le=1.0, description="Q: annualized return of the view portfolio")
    confidence: float = Field(gt=0.0, le=1.0, description="0 < c ≤ 1; 1 = certain")

    @field_validator("assets")
    @classmethod
    def _nonzero(cls, v: dict[str, float]) -> dict[str, float]:
        if all(abs(x) == 0 for x in v.values()):
            raise ValueError("a view needs at least one non-zero coefficient")
        return v


class Views(BaseModel):
    """A views file: ``tau`` (prior uncertainty scale) and a list of :class:`View`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    version: str = ""
    tau: float = Field(default=0.05, gt=0.0, le=1.0)
    views: list[View] = Field(min_length=1)
    source: str = Field(default="", exclude=True)

    def matrices(self, codes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(P, Q, confidences) over ``codes``; unknown codes are an :class:`InputError` naming the field."""
        pos = {c: i for i, c in enumerate(codes)}
        p = np.zeros((len(self.views), len(codes)))
        for k, v in enumerate(self.views):
            for code, coef in v.assets.items():
                if code not in pos:
                    raise InputError(
                        self.source or "views", f"views.{k}.assets.{code}", "is not a product with estimates"
                    )
                p[k, pos[code]] = coef
        q = np.array([v.expected_return for v in self.views])
        c = np.array([v.confidence for v in self.views])
        return p, q, c


def load_views(path: str | Path) -> Views:
    """Read a views YAML file::

        tau: 0.05
        views:
          - name: equities beat long bonds
            assets: {SP500: 1.0, CORP-AAA10: -1.0}
            expected_return: 0.03
            confidence: 0.5

    Every problem is an :class:`InputError` naming the file and the field.
    """
    source = display_path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping with 'views'")
    views = validate_model(Views, data, source)
    return views.model_copy(update={"source": source})


def black_litterman(prior: pd.Series, cov: pd.DataFrame, views: Views) -> pd.Series:
    r"""Black–Litterman posterior mean.

    .. math::  \mu_{BL} = \pi + \tau\Sigma P^\top (P\tau\Sigma P^\top + \Omega)^{-1}(Q - P\pi),\qquad
               \Omega_{kk} = \frac{1-c_k}{c_k}\,p_k^\top\tau\Sigma p_k

    so confidence c = 1 makes a view exact and c = ½ weighs it like the prior (Idzorek-style scaling).
    """
    codes = list(prior.index)
    sigma = cov.loc[codes, codes].to_numpy()
    p, q, conf = views.matrices(codes)
    ts = views.tau * sigma
    pts = p @ ts @ p.T
    omega = np.diag((1.0 - conf) / conf * np.diag(pts))
    m = pts + omega
    try:
        adj = ts @ p.T @ np.linalg.solve(m, q - p @ prior.to_numpy())
    except np.linalg.LinAlgError:
        raise InputError(views.source or "views", "views", "views are linearly dependent (P τΣ Pᵀ is singular)") from None
    return pd.Series(prior.to_numpy() + adj, index=codes, name="mu")


# ------------------------------------------------------------------------------------------------ covariance


def sample_cov(returns: pd.DataFrame, periods_per_year: int) -> pd.DataFrame:
    """Annualized unbiased sample covariance (ddof = 1)."""
    r = _clean(returns)
    return _frame(np.cov(r.to_numpy(), rowvar=False, ddof=1) * _annual(periods_per_year), r.columns)


def ledoit_wolf_cov(returns: pd.DataFrame, periods_per_year: int) -> pd.DataFrame:
    """Annualized Ledoit–Wolf shrinkage covariance (``sklearn.covariance.LedoitWolf``)."""
    from sklearn.covariance import LedoitWolf

    r = _clean(returns)
    est = LedoitWolf().fit(r.to_numpy())
    out = _frame(est.covariance_ * _annual(periods_per_year), r.columns)
    out.attrs["shrinkage"] = float(est.shrinkage_)
    return out


def oas_cov(returns: pd.DataFrame, periods_per_year: int) -> pd.DataFrame:
    """Annualized Oracle Approximating Shrinkage covariance (``sklearn.covariance.OAS``)."""
    from sklearn.covariance import OAS

    r = _clean(returns)
    est = OAS().fit(r.to_numpy())
    out = _frame(est.covariance_ * _annual(periods_per_year), r.columns)
    out.attrs["shrinkage"] = float(est.shrinkage_)
    return out


def ewma_cov(returns: pd.DataFrame, periods_per_year: int, halflife: float = 36.0) -> pd.DataFrame:
    r"""Annualized exponentially weighted covariance with half-life ``halflife`` periods.

    Weights :math:`a_t \propto \lambda^{T-1-t}`, :math:`\lambda = 2^{-1/h}`, normalized to sum to one; the mean
    is the same weighted mean; Σ = P · Σ_t a_t (r_t − m)(r_t − m)ᵀ.
    """
    if halflife <= 0:
        raise ValueError("halflife must be positive")
    r = _clean(returns)
    x = r.to_numpy()
    lam = 0.5 ** (1.0 / halflife)
    a = lam ** np.arange(len(x) - 1, -1, -1, dtype=float)
    a /= a.sum()
    m = a @ x
    d = x - m
    return _frame((d * a[:, None]).T @ d * _annual(periods_per_year), r.columns)


# -------------------------------------------------------------------------------------------------- dispatch


def estimate(
    returns: pd.DataFrame,
    choice: "EstimatorChoice | None" = None,
    *,
    periods_per_year: int | None = None,
    benchmark_weights: pd.Series | None = None,
    equilibrium_risk_aversion: float = 2.5,
    views: Views | str | Path | None = None,
    ewma_halflife: float | None = None,
) -> Estimates:
    """Estimate μ and Σ as the policy's ``choice`` says.

    ``returns`` are simple periodic returns at ``choice.frequency``; only the last ``choice.window_years``
    years are used, and only periods where every product has a return. ``periods_per_year`` defaults from
    the frequency (monthly 12, daily 252). Black–Litterman needs ``views`` (a :class:`Views` or a YAML path);
    its prior is the equilibrium π from ``benchmark_weights`` (equal weights when omitted).
    """
    if choice is None:
        from .policy import EstimatorChoice

        choice = EstimatorChoice()
    ppy = _annual(periods_per_year or PERIODS_PER_YEAR[choice.frequency])
    window = returns.iloc[-choice.window_years * ppy :] if len(returns) > choice.window_years * ppy else returns
    r = _clean(window)

    notes: dict = {"window": (str(r.index[0]), str(r.index[-1])), "periods": len(r)}
    if choice.covariance == "sample":
        cov = sample_cov(r, ppy)
    elif choice.covariance == "ledoit_wolf":
        cov = ledoit_wolf_cov(r, ppy)
    elif choice.covariance == "oas":
        cov = oas_cov(r, ppy)
    elif choice.covariance == "ewma":
        hl = ewma_halflife if ewma_halflife is not None else (36.0 if ppy <= 12 else 126.0)
        cov = ewma_cov(r, ppy, halflife=hl)
        notes["halflife"] = hl
    else:  # pragma: no cover - the policy model forbids it
        raise ValueError(f"unknown covariance estimator {choice.covariance!r}")
    if "shrinkage" in cov.attrs:
        notes["cov_shrinkage"] = cov.attrs["shrinkage"]

    if choice.returns == "historical":
        mu = historical_mean(r, ppy)
    elif choice.returns == "shrunk_mean":
        mu = shrunk_mean(r, ppy)
        notes["mu_shrinkage"] = mu.attrs.get("shrinkage")
    elif choice.returns == "equilibrium":
        mu = equilibrium_mean(cov, benchmark_weights, equilibrium_risk_aversion)
    elif choice.returns == "black_litterman":
        if views is None:
            raise EstimationError("the policy asks for Black–Litterman returns but no views file was given")
        v = views if isinstance(views, Views) else load_views(views)
        prior = equilibrium_mean(cov, benchmark_weights, equilibrium_risk_aversion)
        mu = black_litterman(prior, cov, v)
        notes["views"] = v.source or "in memory"
    else:  # pragma: no cover
        raise ValueError(f"unknown returns estimator {choice.returns!r}")
    mu.attrs = {}
    cov.attrs = {}
    return Estimates(
        mu=mu.rename("mu"),
        cov=cov,
        scenarios=r,
        periods_per_year=ppy,
        method=f"{choice.returns}+{choice.covariance}",
        notes=notes,
    )


def anchor_to_yields(est: Estimates, anchors: "dict[str, dict]") -> Estimates:
    r"""``est`` with the expected return of each anchored product set from its yield.

    ``anchors``: product code → ``{"series", "date", "yield", "fx_drift"}``; the product expects
    :math:`\mu = y + d`, ``y`` the yield (decimal a year) of its yield series at ``date`` and ``d`` the
    annualized mean return of its exchange rate against the estimates' currency over the estimation window (0
    when it is priced in that currency), so currency drift is counted as the estimator counts it for every other
    product. Σ and the scenarios are unchanged; ``notes["yield_anchor"]`` records each product's figures and the
    estimator's own μ it replaced; ``method`` gains ``+yield``.
    """
    if not anchors:
        return est
    unknown = [c for c in anchors if c not in est.mu.index]
    if unknown:
        raise EstimationError(f"no estimates for {', '.join(unknown)}")
    mu = est.mu.copy()
    record = {}
    for code, a in anchors.items():
        record[code] = {**a, "estimator_mu": float(mu[code])}
        mu[code] = float(a["yield"]) + float(a.get("fx_drift", 0.0))
    notes = {**est.notes, "yield_anchor": record}
    return Estimates(mu=mu.rename("mu"), cov=est.cov, scenarios=est.scenarios, periods_per_year=est.periods_per_year,
                     method=f"{est.method}+yield", notes=notes)
