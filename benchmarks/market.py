"""Building the context of a firm market of 200 daily series over 20 years: first load vs cached load (not a test).

BENCHMARK FIXTURE — never used in a document. The firm's file is generated here from real demo series: the 20
US large caps and the S&P 500 index shipped by ``skfolio`` (adjusted daily closes, 1990–2022), relabelled
``B000`` … ``B199``: series k is base series ``k mod 21`` with its daily returns taken ``63·(k div 21)`` trading
days earlier, placed on the XNYS sessions 2003-01-02 … 2022-12-28, and compounded into prices. One wide CSV
(``date`` + 200 columns, ~5,000 rows, ~10 MB), configured in a copy of ``params/`` by a ``market.yaml`` naming
it (USD, calendar XNYS); the shelf's 14 products are mapped to B000 … B013 (only the market load, the shelf's
returns and the estimates are timed: ``wealthlib.context.load_context``).

* ``first``: a fresh process with an empty ``$WEALTHLIB_CACHE``: the CSV is read, every series judged against
  the XNYS calendar (exchange_calendars), returns derived, the parsed file written to the cache, μ and Σ estimated.
* ``cached``: a fresh process with that cache: the file's content hash finds the parsed frames on disk (the
  work a batch worker does when it starts).

Imports (pandas, cvxpy, wealthlib, exchange_calendars) are done before the clock starts in each process: they
are the same for any market and are not what this measures. Each mode runs 3 times; medians are reported.

Last line: ``first_s=<median> cached_s=<median> speedup=<first/cached>`` (target: cached ≤ 0.3 s).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_SERIES = 200
RUNS = 3

CHILD = r"""
import json, sys, time
import exchange_calendars, pandas, sklearn.covariance  # noqa: F401  (imports are not timed)
import wealthlib.context, wealthlib.estimate, wealthlib.market, wealthlib.policy, wealthlib.products  # noqa: F401
from wealthlib.context import load_context
t0 = time.perf_counter()
ctx = load_context(sys.argv[1])
t1 = time.perf_counter()
print(json.dumps({"s": t1 - t0, "as_of": str(ctx.as_of), "series": len(ctx.market.info), "vintage": ctx.data_vintage}))
"""


def build_fixture(dest: Path) -> Path:
    import numpy as np
    import pandas as pd
    import yaml

    from wealthlib.market import load_demo_market

    demo = load_demo_market()
    base = [s for s, si in demo.info.items() if si.source.startswith("skfolio")]
    assert len(base) == 21, base
    daily = demo.daily[base].dropna()
    dates = daily.loc["2003-01-02":"2022-12-28"].index
    n = len(dates)
    end = len(daily.index)
    cols = {}
    for k in range(N_SERIES):
        shift = 63 * (k // len(base))
        r = daily[base[k % len(base)]].to_numpy()[end - n - shift:end - shift]
        cols[f"B{k:03d}"] = np.round(100.0 * np.cumprod(1.0 + r), 6)
    prices = pd.DataFrame(cols, index=dates)
    prices.index.name = "date"
    params = dest / "params"
    shutil.copytree(ROOT / "params", params)
    (params / "data").mkdir()
    prices.to_csv(params / "data" / "prices.csv", date_format="%Y-%m-%d")
    market = {"version": "benchmark-fixture-1",
              "sources": [{"file": "data/prices.csv", "values": "prices", "frequency": "daily", "currency": "USD",
                           "calendar": "XNYS",
                           "source": "BENCHMARK FIXTURE: skfolio demo series relabelled; never used in a document"}]}
    (params / "market.yaml").write_text(yaml.safe_dump(market, sort_keys=False), encoding="utf-8")
    shelf = yaml.safe_load((params / "products.yaml").read_text(encoding="utf-8"))
    for i, p in enumerate(shelf["products"]):
        p["series"], p["currency"] = f"B{i:03d}", "USD"
    (params / "products.yaml").write_text(yaml.safe_dump(shelf, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return params


def _run(params: Path, cache: Path) -> dict:
    env = {**os.environ, "WEALTHLIB_CACHE": str(cache), "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(params)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="wealth-bench-market-") as tmp:
        tmp = Path(tmp)
        params = build_fixture(tmp)
        size = (params / "data" / "prices.csv").stat().st_size
        print(f"fixture: {N_SERIES} daily series, {size / 1e6:.1f} MB CSV")
        # the demo market (and its FX) cached once, so that the runs below time the firm file only
        demo_cache = tmp / "demo-cache"
        _run(ROOT / "params", demo_cache)
        first, cached = [], []
        for i in range(RUNS):
            cache = tmp / f"cache-{i}"
            shutil.copytree(demo_cache, cache)
            a = _run(params, cache)
            b = _run(params, cache)
            first.append(a["s"])
            cached.append(b["s"])
            print(f"run {i + 1}: first {a['s']:.3f} s, cached {b['s']:.3f} s ({a['series']} series, as of {a['as_of']})")
        f, c = statistics.median(first), statistics.median(cached)
        print(f"target cached <= 0.3 s: {'met' if c <= 0.3 else 'NOT met'}")
        print(f"first_s={f:.3f} cached_s={c:.3f} speedup={f / c:.1f}")


if __name__ == "__main__":
    main()
