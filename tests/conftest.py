"""Fixtures shared by the test modules. Import-time constants (ROOT, PARAMS, SAMPLES, WEALTH) are in ``_paths``."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from _paths import PARAMS


@pytest.fixture()
def params_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped params folder at ``tmp_path/params``, for tests that edit or add files."""
    dst = tmp_path / "params"
    shutil.copytree(PARAMS, dst)
    return dst


@pytest.fixture()
def process_mark(monkeypatch: pytest.MonkeyPatch) -> str:
    """A value of this test's own in ``WEALTHLIB_TEST_RUN``, inherited by every process it starts (see _procs)."""
    from _procs import MARK

    value = uuid.uuid4().hex
    monkeypatch.setenv(MARK, value)
    return value


@pytest.fixture(scope="session")
def sp500():
    """Five years of skfolio's S&P 500 constituents' daily returns, with annualized mean and Ledoit–Wolf covariance:
    the allocation tests' shared problem (ours vs PyPortfolioOpt and skfolio)."""
    import pandas as pd
    from skfolio.datasets import load_sp500_dataset
    from sklearn.covariance import LedoitWolf

    prices = load_sp500_dataset()
    r = prices.pct_change().dropna()
    r = r[r.index > r.index[-1] - pd.DateOffset(years=5)]
    mu = 252 * r.mean()
    cov = pd.DataFrame(252 * LedoitWolf().fit(r.to_numpy()).covariance_, index=r.columns, columns=r.columns)
    return r, mu, cov
