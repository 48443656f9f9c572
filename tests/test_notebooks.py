"""The analyst notebooks (notebooks/0*.ipynb) run top to bottom with papermill on the bundled data.

Each notebook's last cell (tagged ``result``) publishes its key figures as ``application/json``; the checks
below recompute those figures here, from the YAML files and the raw market series, without the notebook's code.
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from _paths import ROOT
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_market_tour", "02_estimators", "03_frontier_and_bands", "04_shelf_review", "05_backtest_lab"]

pytestmark = pytest.mark.slow

_cache: dict[tuple, nbformat.NotebookNode] = {}


def run(name: str, **parameters) -> nbformat.NotebookNode:
    key = (name, tuple(sorted(parameters.items())))
    if key not in _cache:
        import papermill

        path = NOTEBOOKS / f"{name}.ipynb"
        # run as JupyterLab runs it: in the notebook's folder, with its own defaults (params = "../params")
        _cache[key] = papermill.execute_notebook(
            str(path), None, parameters=parameters, kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOKS),
            execution_timeout=120,
        )
    return _cache[key]


def result(nb) -> dict:
    for cell in nb.cells:
        if "result" in cell.metadata.get("tags", []):
            for out in cell.get("outputs", []):
                if "application/json" in out.get("data", {}):
                    data = out["data"]["application/json"]
                    return json.loads(data) if isinstance(data, str) else data
    raise AssertionError("no application/json output in the cell tagged 'result'")


def _products() -> list[dict]:
    return yaml.safe_load((ROOT / "params" / "products.yaml").read_text(encoding="utf-8"))["products"]


def _policy() -> dict:
    return yaml.safe_load((ROOT / "params" / "policy.yaml").read_text(encoding="utf-8"))


def _monthly(as_of: str) -> pd.DataFrame:
    """Raw monthly returns of every shelf product's series, cut at ``as_of`` (common window, as the shelf uses)."""
    from wealthlib.market import load_market

    m = load_market(ROOT / "params", as_of=as_of).monthly
    frame = pd.DataFrame({p["code"]: m[p["series"]] for p in _products()})
    start = max(frame[c].first_valid_index() for c in frame)
    end = min(frame[c].last_valid_index() for c in frame)
    return frame.loc[start:end]


# ------------------------------------------------------------------------------------------ every notebook


def test_notebooks_are_committed_without_outputs():
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{name}: stored outputs"
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), f"{name}: no parameters cell"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_without_errors(name):
    nb = run(name)
    for i, cell in enumerate(nb.cells, 1):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{name} cell {i}: {out.get('ename')}: {out.get('evalue')}"
            if out.output_type == "stream":
                assert "Traceback" not in out.text
    assert result(nb)


# ------------------------------------------------------------------------------------------ 01 market tour


def test_market_tour_covers_the_shelf_and_drawdowns_match():
    res = result(run("01_market_tour"))
    assert res["shelf_columns"] == [p["code"] for p in _products()]
    for col in ("cagr", "volatility", "max_drawdown", "sharpe"):
        assert col in res["metrics_columns"]
    r = _monthly("2018-12-31")
    assert res["start"] == str(r.index[0].date()) and res["end"] == str(r.index[-1].date())
    for code, got in res["max_drawdown"].items():
        wealth = np.cumprod(1 + r[code].to_numpy())
        expected = float(np.min(wealth / np.maximum.accumulate(wealth) - 1))
        assert got == pytest.approx(expected, abs=1e-12), code
    assert res["max_drawdown"]["NASDAQ"] < -0.7  # the 2000–2002 crash


# ------------------------------------------------------------------------------------------ 02 estimators


def test_estimators_out_of_sample_sample_cov_recomputed():
    res = result(run("02_estimators"))
    assert res["estimators"] == ["sample", "ledoit_wolf", "oas", "ewma"]
    from wealthlib.market import load_market

    m = load_market(ROOT / "params", as_of="2018-12-31")
    # the notebook's rule: every daily (traded) series with a monthly return in every month from start to as_of
    span = m.monthly.loc["1995-01-01":]
    stocks = [s for s, si in m.info.items() if si.frequency == "daily" and s in span and span[s].notna().all()]
    assert {"AAPL", "XOM", "SP500_SKF"} <= set(stocks) and "SP500" not in stocks  # arch's S&P 500 starts 1999
    R = span[stocks]
    X = R.to_numpy()
    realized = []
    for t in range(60, len(X) - 12 + 1, 12):
        cov = np.cov(X[t - 60:t], rowvar=False, ddof=1) * 12
        inv = np.linalg.inv(cov) @ np.ones(len(stocks))
        w = inv / inv.sum()
        realized.append(np.sqrt(np.var(X[t:t + 12] @ w, ddof=1) * 12))
    assert res["windows"] == len(realized)
    assert res["mean_realized_vol"]["sample"] == pytest.approx(float(np.mean(realized)), rel=1e-9)
    # 22 series, 60 months: shrinkage gives a lower realized risk than the raw sample covariance
    assert res["mean_realized_vol"]["ledoit_wolf"] < res["mean_realized_vol"]["sample"]
    assert res["mean_realized_vol"]["oas"] < res["mean_realized_vol"]["sample"]


# ------------------------------------------------------------------------------------------ 03 frontier


def test_frontier_portfolios_respect_each_class_policy():
    res = result(run("03_frontier_and_bands"))
    policy = _policy()
    ladder = policy["ladders"][policy["ladder"]]["classes"]
    grade = {p["code"]: p["grade"] for p in _products()}
    asset_class = {p["code"]: p["asset_class"] for p in _products()}
    assert set(res) == {c["code"] for c in ladder}
    for c in ladder:
        r = res[c["code"]]
        w = pd.Series(r["weights"])
        assert w.sum() == pytest.approx(1.0, abs=1e-6)
        assert (w > -1e-7).all()
        above = [code for code, x in w.items() if x > 1e-6 and grade[code] > c["max_grade"]]
        assert above == [], f"{c['code']} holds products above RR{c['max_grade']}: {above}"
        assert r["volatility"] <= c["volatility_cap"] + 1e-6
        by_class = w.groupby(w.index.map(asset_class)).sum()
        for ac, (lo, hi) in c["bands"].items():
            assert lo - 1e-6 <= by_class.get(ac, 0.0) <= hi + 1e-6, (c["code"], ac)
        assert r["binding"] and all(isinstance(b, str) for b in r["binding"])
        assert r["frontier_points"] >= 2


# ------------------------------------------------------------------------------------------ 04 shelf review


@pytest.mark.parametrize("as_of", ["2018-12-31", "2009-12-31"])
def test_shelf_review_flags_match_the_rule(as_of):
    res = result(run("04_shelf_review", as_of=as_of))
    window = _monthly(as_of).iloc[-60:]
    edges = [0.02, 0.05, 0.10, 0.15]
    expected = []
    for p in _products():
        vol = float(window[p["code"]].std(ddof=1) * np.sqrt(12))
        suggested = 1 + sum(vol >= e for e in edges)
        assert res["volatility"][p["code"]] == pytest.approx(vol, rel=1e-12)
        assert res["suggested"][p["code"]] == suggested
        if suggested > p["grade"]:
            expected.append(p["code"])
    assert res["flagged"] == expected
    assert res["months"] == 60 and res["window_end"] == str(window.index[-1].date())
    if as_of == "2009-12-31":  # the crisis window: the 10y bond and broad US equity look riskier than graded
        assert expected == ["CORP-AAA10", "US-TSM", "SP500"]


# ------------------------------------------------------------------------------------------ 05 backtest lab


def test_backtest_lab_buy_and_hold_recomputed():
    res = result(run("05_backtest_lab"))
    assert res["rules"] == ["monthly", "quarterly", "annual", "bands", "none"]
    r = _monthly("2018-12-31").loc[res["start"]:res["end"]]
    w = pd.Series(res["target"])
    assert w.sum() == pytest.approx(1.0, abs=1e-6)
    growth = (1 + r[w.index]).prod()
    assert res["buy_and_hold_gross"] == pytest.approx(float((w * growth).sum()), rel=1e-9)
    # costs and fees only take away
    for rule, value in res["final_value"].items():
        assert value < res["buy_and_hold_gross"], rule


# ------------------------------------------------------------------------------------------ a firm's own market


@pytest.fixture(scope="module")
def firm(tmp_path_factory):
    """A firm's params folder whose market is files the test wrote (tests/firm_market.py)."""
    from firm_market import build_firm_params

    return build_firm_params(tmp_path_factory.mktemp("firm"))


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_runs_on_a_firms_market(firm, name):
    from firm_market import monthly_from_files, shelf_codes_series

    nb = run(name, params=str(firm))
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream")
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{name}: {out.get('ename')}: {out.get('evalue')}"
    assert "market.yaml firm-test-1" in text  # the notebook says which market it shows
    res = result(nb)
    series = shelf_codes_series(firm)
    files = monthly_from_files(firm)
    shelf = pd.DataFrame({code: files[sid] for code, sid in series.items()})
    shelf = shelf.loc[max(shelf[c].first_valid_index() for c in shelf):min(shelf[c].last_valid_index() for c in shelf)]
    if name == "01_market_tour":
        assert res["shelf_columns"] == list(series)
        assert res["end"] == "2018-11-30" == str(shelf.index[-1].date())  # the firm data's default as-of
        for code, got in res["max_drawdown"].items():
            wealth = np.cumprod(1 + shelf[code].to_numpy())
            assert got == pytest.approx(float(np.min(wealth / np.maximum.accumulate(wealth) - 1)), abs=1e-9), code
    if name == "04_shelf_review":
        window = shelf.iloc[-60:]
        for code, got in res["volatility"].items():
            assert got == pytest.approx(float(window[code].std(ddof=1) * np.sqrt(12)), rel=1e-9), code
    if name == "02_estimators":  # every daily series of the firm's files with the whole span 1995-01 … 2018-11
        daily = [c for c in pd.read_csv(firm / "data" / "us_prices.csv", nrows=1).columns if c != "date"]
        span = files.loc["1995-01-01":"2018-11-30"]
        X = span[[c for c in daily if span[c].notna().all()]].to_numpy()
        realized = []
        for t in range(60, len(X) - 12 + 1, 12):
            inv = np.linalg.inv(np.cov(X[t - 60:t], rowvar=False, ddof=1) * 12) @ np.ones(X.shape[1])
            realized.append(np.sqrt(np.var(X[t:t + 12] @ (inv / inv.sum()), ddof=1) * 12))
        assert res["windows"] == len(realized)
        assert res["mean_realized_vol"]["sample"] == pytest.approx(float(np.mean(realized)), rel=1e-9)
