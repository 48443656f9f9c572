"""Allocation engine vs peers, one process, per-client median times (not a test; prints ratios).

Problem A (same for every method, 20 real stocks from ``skfolio.datasets.load_sp500_dataset``, last 5 years
of daily returns; μ = 252·mean, Σ = 252·LedoitWolf, as in research/allocation.md §3):
maximize μᵀw − γ/2·wᵀΣw, 1ᵀw = 1, 0 ≤ w ≤ 0.25, for 200 clients with γ = geomspace(0.5, 50, 200).

* ours        ``wealthlib.allocate.solve`` on a spec per client (compiled once; per client the right-hand
              sides and objective vectors go straight to Clarabel; full result object)
* pypfopt     ``EfficientFrontier(...).max_quadratic_utility(γ)`` rebuilt per client
* skfolio     ``MeanRisk(MAXIMIZE_UTILITY, VARIANCE, risk_aversion=γ/2)`` fit per client on daily returns
* direct      ``clarabel.DefaultSolver`` built per client on the QP matrices (the floor)

Problem B (ours only): the full constraint set on the same 20 stocks — synthetic labels (asset class, RR grade,
currency) assigned to the stocks, class bands, per-class product caps, suitability ceilings 3–5, an exclusion,
liquidity reserve, foreign-currency cap, current holdings with a turnover limit, transaction costs and a
2% minimum position — and on the demo shelf with the policy's classes when ``wealthlib.products`` exists.

Problem C (ours only): **SYNTHETIC** factor covariance, n = 500, k = 10 (Σ = BBᵀ + D), factor form, full
constraint set; for scaling only.

Times are CPU time per call (see :func:`timed`; wall time is printed beside it). Problem A runs
``REPEATS`` = 3 times (the four methods one after the other in each run, so a run's
ratios compare methods measured minutes apart at most); the machine is shared, so the last line gives the
median over the runs of each run's ratio.

Last line: ``speedup_vs_pypfopt=… speedup_vs_skfolio=… ratio_to_direct=… max_weight_diff=…
max_weight_diff_skfolio=… runs=3`` on problem A (speedup = peer time / our time; ratio_to_direct = our time
/ direct time, all in CPU time; max |Δw| ours vs pypfopt and vs skfolio over all runs and clients), then the
same two speedups in wall time.
"""

from __future__ import annotations

import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

warnings.filterwarnings("ignore")

CLASSES = ("cash", "bond", "equity", "alternative")
REPEATS = 3


def timed(fn, items, warm=1):
    """(results, median CPU ms per call, median wall ms per call).

    CPU time (``time.process_time``, every thread of this process) is what the ratios use: on a shared
    machine wall time also counts the waits for a core, which grow with a call's length (a 30 ms call is
    pre-empted many times, a 0.7 ms one rarely), so wall-time ratios flatter the faster method under load.
    """
    for it in items[: max(1, len(items) // 10)] if warm else []:
        fn(it)
    out, cpu, wall = [], [], []
    for it in items:
        c0, t0 = time.process_time(), time.perf_counter()
        out.append(fn(it))
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return out, 1e3 * float(np.median(cpu)), 1e3 * float(np.median(wall))


def main() -> None:
    from skfolio.datasets import load_sp500_dataset
    from sklearn.covariance import LedoitWolf

    from wealthlib.allocate import AllocationSpec, solve

    prices = load_sp500_dataset()
    r = prices.pct_change().dropna()
    r = r[r.index > r.index[-1] - pd.DateOffset(years=5)]
    mu = (252 * r.mean()).to_numpy()
    cov = 252 * LedoitWolf().fit(r.to_numpy()).covariance_
    codes = tuple(r.columns)
    n = len(codes)
    gammas = list(np.geomspace(0.5, 50, 200))
    print(f"data: {n} stocks, {len(r)} days {r.index[0].date()}…{r.index[-1].date()}; 200 clients")

    # ---- A: ours
    base = AllocationSpec(codes=codes, asset_classes=("equity",) * n, mu=mu, cov=cov,
                          max_product_weight={"equity": 0.25})

    def ours(g):
        return solve(base.replace(risk_aversion=g)).weights.to_numpy()

    # ---- A: PyPortfolioOpt rebuilt per client
    from pypfopt import EfficientFrontier

    mu_s, cov_df = pd.Series(mu, index=codes), pd.DataFrame(cov, index=codes, columns=codes)

    def pypf(g):
        ef = EfficientFrontier(mu_s, cov_df, weight_bounds=(0, 0.25))
        return pd.Series(ef.max_quadratic_utility(risk_aversion=g)).reindex(codes).to_numpy()

    # ---- A: skfolio MeanRisk fit per client
    from skfolio import RiskMeasure
    from skfolio.moments import LedoitWolf as SkLW
    from skfolio.optimization import MeanRisk, ObjectiveFunction
    from skfolio.prior import EmpiricalPrior

    def skf(g):
        m = MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_UTILITY, risk_measure=RiskMeasure.VARIANCE,
                     risk_aversion=g / 2, max_weights=0.25,
                     prior_estimator=EmpiricalPrior(covariance_estimator=SkLW()))
        return m.fit(r).weights_

    # ---- A: direct Clarabel (floor)
    import clarabel
    from scipy import sparse

    a_mat = sparse.csc_matrix(np.vstack([np.ones((1, n)), -np.eye(n), np.eye(n)]))
    b_vec = np.concatenate([[1.0], np.zeros(n), np.full(n, 0.25)])
    cones = [clarabel.ZeroConeT(1), clarabel.NonnegativeConeT(2 * n)]
    settings = clarabel.DefaultSettings()
    settings.verbose = False

    def direct(g):
        p = sparse.triu(sparse.csc_matrix(g * cov)).tocsc()
        sol = clarabel.DefaultSolver(p, -mu, a_mat, b_vec, cones, settings).solve()
        return np.asarray(sol.x)

    def diff(xs, ys):
        return max(float(np.abs(a - b).max()) for a, b in zip(xs, ys))

    runs = []
    for rep in range(REPEATS):
        ours_w, t_ours, w_ours = timed(ours, gammas)
        pyp_w, t_pyp, w_pyp = timed(pypf, gammas)
        skf_w, t_skf, w_skf = timed(skf, gammas)
        dir_w, t_dir, w_dir = timed(direct, gammas)
        runs.append(dict(ours=t_ours, pyp=t_pyp, skf=t_skf, dir=t_dir, d_pyp=diff(ours_w, pyp_w),
                         d_skf=diff(ours_w, skf_w), d_dir=diff(ours_w, dir_w),
                         wall_pyp=w_pyp / w_ours, wall_skf=w_skf / w_ours))
        x = runs[-1]
        print(f"problem A run {rep + 1}/{REPEATS} (mean-variance, 0 ≤ w ≤ 25%), median ms/client, CPU (wall):")
        print(f"  ours (wealthlib, compiled once) {t_ours:8.3f} ({w_ours:.3f})")
        print(f"  PyPortfolioOpt (rebuilt)        {t_pyp:8.3f} ({w_pyp:.3f})   max|Δw| vs ours {x['d_pyp']:.1e}")
        print(f"  skfolio MeanRisk (fit)          {t_skf:8.3f} ({w_skf:.3f})   max|Δw| vs ours {x['d_skf']:.1e}")
        print(f"  direct Clarabel (new solver)    {t_dir:8.3f} ({w_dir:.3f})   max|Δw| vs ours {x['d_dir']:.1e}")
        print(f"  run {rep + 1}: speedup_vs_pypfopt={t_pyp / t_ours:.2f} speedup_vs_skfolio={t_skf / t_ours:.2f} "
              f"ratio_to_direct={t_ours / t_dir:.2f}")

    # ---- B: full constraint set on the 20 stocks (synthetic labels)
    rng = np.random.default_rng(0)
    classes = tuple(CLASSES[i % 4] for i in range(n))
    grades = tuple(int(g) for g in rng.integers(1, 6, n))
    ccy = tuple("TWD" if i % 3 == 0 else "USD" for i in range(n))
    specs = []
    for i, g in enumerate(gammas):
        ceiling = 3 + i % 3
        eq_hi = [0.5, 0.7, 0.9][i % 3]
        w0 = rng.dirichlet(np.ones(n))
        specs.append(AllocationSpec(
            codes=codes, asset_classes=classes, mu=mu, cov=cov, grades=grades, currencies=ccy, base_currency="TWD",
            ceiling=ceiling, risk_aversion=g, bands={"cash": (0.02, 0.4), "bond": (0.1, 0.7), "equity": (0.1, eq_hi),
                                                     "alternative": (0.0, 0.15)},
            max_product_weight={"cash": 1.0, "bond": 0.4, "equity": 0.25, "alternative": 0.1},
            excluded_products=frozenset({codes[i % n]}), cash_min=0.05, max_foreign=0.8, current_weights=w0,
            turnover_limit=1.0, transaction_cost=0.002, min_position=0.02, portfolio_value=1e6))
    full, t_full, _ = timed(solve, specs)
    rounds = float(np.mean([a.min_position_rounds for a in full]))
    print(f"problem B (full constraint set, 20 stocks, synthetic labels): ours {t_full:.3f} ms/client (CPU) "
          f"(mean min-position rounds {rounds:.2f})")

    # ---- B': demo shelf
    try:
        from datetime import date

        from wealthlib.estimate import estimate
        from wealthlib.market import load_demo_market, shelf_returns
        from wealthlib.policy import load_policy
        from wealthlib.products import load_shelf

        policy = load_policy("params/policy.yaml")
        shelf = load_shelf("params/products.yaml", policy)
        est = estimate(shelf_returns(shelf, load_demo_market(date(2018, 11, 30)), "monthly"),
                       policy.allocation.estimator)
        sc = list(shelf.codes)
        demo = []
        ladder = policy.active
        for i, g in enumerate(gammas):
            rc = ladder.classes[i % len(ladder.classes)]
            demo.append(AllocationSpec(
                codes=tuple(sc), asset_classes=tuple(shelf.asset_classes()[sc]), mu=est.mu[sc].to_numpy(),
                cov=est.cov.loc[sc, sc].to_numpy(), grades=tuple(int(x) for x in shelf.grades()[sc]),
                classes=tuple(policy.asset_classes), ceiling=5, bands=dict(ladder.classes[-1].bands),
                max_product_weight=dict(policy.allocation.max_product_weight), risk_aversion=g,
                transaction_cost=policy.allocation.transaction_cost, min_position=policy.allocation.min_position,
                cash_min=0.02 + 0.1 * (i % 3) / 3, class_label=rc.code))
        _, t_demo, _ = timed(solve, demo)
        print(f"problem B' (demo shelf, {len(sc)} products, aggressive bands, 200 γ): ours {t_demo:.3f} ms/client (CPU)")
    except ImportError as exc:  # pragma: no cover
        print(f"problem B' skipped: {exc}")

    # ---- C: SYNTHETIC factor covariance, n = 500
    n5, k5 = 500, 10
    rng = np.random.default_rng(500)
    b = rng.normal(0, 0.15, (n5, k5)) / np.sqrt(k5)
    d = rng.uniform(0.02, 0.09, n5) ** 2
    mu5 = 0.03 + b @ rng.uniform(0.0, 0.3, k5) + rng.normal(0, 0.02, n5)
    cls5 = tuple(CLASSES[i % 4] for i in range(n5))
    codes5 = tuple(f"S{i:03d}" for i in range(n5))
    specs5 = [AllocationSpec(
        codes=codes5, asset_classes=cls5, mu=mu5, cov_factor=b, idio_var=d, grades=tuple(1 + i % 5 for i in range(n5)),
        ceiling=3 + i % 3, risk_aversion=g, bands={"cash": (0.02, 0.4), "equity": (0.1, 0.8)},
        max_product_weight={"cash": 0.2, "bond": 0.05, "equity": 0.03, "alternative": 0.02}, cash_min=0.05,
        current_weights=np.full(n5, 1 / n5), turnover_limit=0.7, transaction_cost=0.002)
        for i, g in enumerate(gammas[::4])]
    _, t_500, _ = timed(solve, specs5)
    print(f"problem C (SYNTHETIC factor Σ, n=500, k=10, full constraints w/o min position, 50 clients): "
          f"ours {t_500:.3f} ms/client (CPU)")

    def median(f):
        return float(np.median([f(x) for x in runs]))

    print(f"speedup_vs_pypfopt={median(lambda x: x['pyp'] / x['ours']):.2f} "
          f"speedup_vs_skfolio={median(lambda x: x['skf'] / x['ours']):.2f} "
          f"ratio_to_direct={median(lambda x: x['ours'] / x['dir']):.2f} "
          f"max_weight_diff={max(x['d_pyp'] for x in runs):.1e} "
          f"max_weight_diff_skfolio={max(x['d_skf'] for x in runs):.1e} "
          f"wall_speedup_vs_pypfopt={median(lambda x: x['wall_pyp']):.2f} "
          f"wall_speedup_vs_skfolio={median(lambda x: x['wall_skf']):.2f} runs={len(runs)}")


if __name__ == "__main__":
    main()
