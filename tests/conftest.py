"""Fixtures shared by the test modules. Import-time constants (ROOT, PARAMS, SAMPLES, WEALTH) are in ``_paths``."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from _paths import PARAMS
from wealthlib._imports import skip_slow_optional_imports

# the test process imports nbformat as the package's own processes do (the CLI, batch workers, the warm template):
# without the ~2 s rfc3987_syntax grammars jsonschema would compile for a format no notebook schema uses
skip_slow_optional_imports()


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


@pytest.fixture(scope="session")
def sample_proposal():
    """``sample_proposal(client, firm=PARAMS, locale=None, n_paths=200, as_of="2018-12-31")``: that sample client's
    proposal, built once a session and shared by every test module that reads it (a build costs 1–3 s, mostly its
    charts). Only for documents of the shipped params folders, and only to be read: a test that edits a file or
    patches the code builds its own. ``locale=None`` is the client file's ``locale``, as in ``build_proposal``."""
    import yaml

    from wealthlib.documents import build_proposal

    built: dict[tuple, object] = {}

    def get(client: str, firm: Path = PARAMS, locale: str | None = None, n_paths: int = 200,
            as_of: str = "2018-12-31"):
        if locale is None:
            path = Path(firm) / "clients" / f"{client}.yaml"
            locale = yaml.safe_load(path.read_text(encoding="utf-8"))["locale"]
        key = (str(Path(firm).resolve()), client, locale, n_paths, str(as_of))
        if key not in built:
            built[key] = build_proposal(client, params=firm, as_of=as_of, locale=locale, n_paths=n_paths)
        return built[key]

    return get


@pytest.fixture(scope="session")
def chen_kept_nasdaq(tmp_path_factory: pytest.TempPathFactory):
    """chen's proposal (2018-12-31, 200 paths) with her NASDAQ holding kept under a recorded exception
    (approved by sup-wu on 2018-11-05), from a private copy of the params folder: built once for the tests of
    the kept holding's tables (test_proposal_numbers) and of its printed approver (test_conduct_documents)."""
    from datetime import date

    import yaml

    from wealthlib.documents import build_proposal

    params = tmp_path_factory.mktemp("chen-kept") / "params"
    shutil.copytree(PARAMS, params)
    path = params / "clients" / "chen.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["exceptions"] = [{"product": "NASDAQ", "approved_by": "sup-wu", "date": date(2018, 11, 5),
                          "reason": "客戶聲明自行承擔風險並保留部位"}]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return build_proposal("chen", params=params, as_of="2018-12-31", n_paths=200)


@pytest.fixture(scope="session")
def sample_review():
    """``sample_review(client, firm=PARAMS, quarter="2018Q3", locale=None)``: that sample client's quarterly review,
    built once a session for every module that reads it (a review renders in ~0.5 s). Only to be read, as
    ``sample_proposal``; ``locale=None`` is the client file's ``locale``, as in ``build_review``."""
    import yaml

    from wealthlib.review import build_review

    built: dict[tuple, object] = {}

    def get(client: str, firm: Path = PARAMS, quarter: str = "2018Q3", locale: str | None = None):
        if locale is None:
            path = Path(firm) / "clients" / f"{client}.yaml"
            locale = yaml.safe_load(path.read_text(encoding="utf-8"))["locale"]
        key = (str(Path(firm).resolve()), client, quarter, locale)
        if key not in built:
            built[key] = build_review(client, params=firm, quarter=quarter, locale=locale)
        return built[key]

    return get
