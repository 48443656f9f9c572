"""Estimators: annualization, shrinkage bounds, equilibrium, Black–Litterman views file errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.covariance import OAS, LedoitWolf

from wealthlib.errors import InputError
from wealthlib.estimate import (
    EstimationError,
    Views,
    black_litterman,
    equilibrium_mean,
    estimate,
    ewma_cov,
    historical_mean,
    ledoit_wolf_cov,
    load_views,
    oas_cov,
    sample_cov,
    shrunk_mean,
)
from wealthlib.policy import EstimatorChoice


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    idx = pd.period_range("2005-01", periods=180, freq="M").to_timestamp()
    a = rng.normal(size=(5, 5)) * 0.02
    x = rng.multivariate_normal([0.002, 0.004, 0.006, 0.008, 0.01], a @ a.T + 0.0004 * np.eye(5), size=180)
    return pd.DataFrame(x, index=idx, columns=["A", "B", "C", "D", "E"])


def test_annualization_is_explicit(returns):
    assert np.allclose(historical_mean(returns, 12), 12 * returns.mean())
    assert np.allclose(sample_cov(returns, 12), 12 * returns.cov())
    assert np.allclose(ledoit_wolf_cov(returns, 12), 12 * LedoitWolf().fit(returns).covariance_)
    assert np.allclose(oas_cov(returns, 12), 12 * OAS().fit(returns).covariance_)


def test_shrunk_mean_lies_between_sample_and_grand_mean(returns):
    mu = shrunk_mean(returns, 12)
    sample = historical_mean(returns, 12)
    grand = sample.mean()
    beta = mu.attrs["shrinkage"]
    assert 0.0 <= beta <= 1.0
    assert np.allclose(mu, (1 - beta) * sample + beta * grand)


def test_ewma_long_halflife_approaches_biased_sample(returns):
    c = ewma_cov(returns, 12, halflife=1e9)
    assert np.allclose(c, 12 * np.cov(returns.to_numpy(), rowvar=False, ddof=0), rtol=1e-6)
    short = ewma_cov(returns, 12, halflife=6)
    assert np.all(np.linalg.eigvalsh(short.to_numpy()) >= -1e-12)


def test_equilibrium_is_reverse_optimization(returns):
    cov = sample_cov(returns, 12)
    wb = pd.Series([0.1, 0.2, 0.3, 0.2, 0.2], index=cov.index)
    assert np.allclose(equilibrium_mean(cov, wb, 3.0), 3.0 * cov.to_numpy() @ wb.to_numpy())
    assert np.allclose(equilibrium_mean(cov), 2.5 * cov.to_numpy() @ np.full(5, 0.2))


def test_black_litterman_certain_view_is_met_and_weak_view_barely_moves(returns):
    cov = sample_cov(returns, 12)
    prior = equilibrium_mean(cov)
    certain = Views(views=[{"assets": {"E": 1, "A": -1}, "expected_return": 0.05, "confidence": 1.0}])
    post = black_litterman(prior, cov, certain)
    assert post["E"] - post["A"] == pytest.approx(0.05, abs=1e-10)
    weak = Views(views=[{"assets": {"E": 1, "A": -1}, "expected_return": 0.05, "confidence": 1e-6}])
    assert np.allclose(black_litterman(prior, cov, weak), prior, atol=1e-6)


def test_views_file_errors_name_file_and_field(tmp_path, returns):
    good = tmp_path / "views.yaml"
    good.write_text("tau: 0.05\nviews:\n  - name: E over A\n    assets: {E: 1, A: -1}\n"
                    "    expected_return: 0.02\n    confidence: 0.5\n", encoding="utf-8")
    v = load_views(good)
    est = estimate(returns, EstimatorChoice(returns="black_litterman", covariance="ledoit_wolf",
                                            window_years=15, frequency="monthly"), views=good)
    assert est.method == "black_litterman+ledoit_wolf" and len(v.views) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("views:\n  - assets: {E: 1}\n    expected_return: 0.02\n    confidence: 1.5\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_views(bad)
    assert "bad.yaml" in str(err.value) and "views.0.confidence" in str(err.value)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("views:\n  - assets: {ZZZ: 1}\n    expected_return: 0.02\n    confidence: 0.5\n",
                       encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown.yaml: views.0.assets.ZZZ: is not a product"):
        estimate(returns, EstimatorChoice(returns="black_litterman"), views=unknown)


@pytest.mark.parametrize("ret", ["historical", "shrunk_mean", "equilibrium"])
@pytest.mark.parametrize("cov", ["sample", "ledoit_wolf", "oas", "ewma"])
def test_estimate_dispatch_window_and_scenarios(returns, ret, cov):
    est = estimate(returns, EstimatorChoice(returns=ret, covariance=cov, window_years=10, frequency="monthly"))
    assert est.periods_per_year == 12 and len(est.scenarios) == 120
    assert list(est.mu.index) == list(returns.columns) == list(est.cov.columns)
    assert np.all(np.linalg.eigvalsh(est.cov.to_numpy()) >= -1e-12)
    assert est.method == f"{ret}+{cov}"


def test_short_history_is_a_clear_error(returns):
    r = returns.copy()
    r.iloc[:-5, 2] = np.nan
    with pytest.raises(EstimationError, match="C"):
        estimate(r)
    with pytest.raises(EstimationError, match="no views file"):
        estimate(returns, EstimatorChoice(returns="black_litterman"))
