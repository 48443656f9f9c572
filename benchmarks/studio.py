"""The what-if panel's change-to-update time: 50 random changes per sample client.

Each change is made on the real ipywidgets panel (no browser: the widgets' Python side, which is what the
kernel does), as an advisor would: the objective, the γ slider, the volatility target, a product excluded or
included, a pin set or cleared, a class override with its reason, a views file. The time measured runs from
setting the widget's value to the moment the panel's page (numbers, tables and the frontier chart) holds the
new state's answer — its numbers, or for a state no allocation satisfies the line saying so at once
(:data:`wealthlib.studio.INFEASIBLE_LINE`) — the observers run synchronously, so it is the assignment's
duration. The words of a conflict come later from a
background thread: their latency (change → explanation drawn) is printed apart; the benchmark waits for
them (an event) before the next change, as it waits for the panel's background precompile of the other
classes and views files after opening (its time is printed too). The browser's drawing of the HTML is not included. Wall time is what the advisor waits; CPU time beside it, because on a machine
shared with other work the wall time mostly measures the others. Changes that need a new compiled problem (a class or views file not seen before)
are counted apart as well as in the totals.

    python benchmarks/studio.py            # last line: median_ms=… max_ms=…
"""

from __future__ import annotations

import html
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wealthlib.clients import load_clients  # noqa: E402
from wealthlib.context import KycExpired  # noqa: E402
from wealthlib.studio import INFEASIBLE_LINE, panel  # noqa: E402

PARAMS = ROOT / "params"
CHANGES = 50
REASON = "client confirmed a longer horizon in the meeting"


def _change(rng: random.Random, box) -> tuple[str, callable]:
    c, studio = box.controls, box.studio
    lim = studio.limits(box.state["choices"])
    kind = rng.choice(["objective", "risk_aversion", "risk_aversion", "volatility_cap", "exclude", "exclude", "pin",
                       "clear_pins", "override", "views"])
    if kind == "objective":
        options = [v for _, v in c["objective"].options if v != c["objective"].value]
        value = rng.choice(options)
        return kind, lambda: setattr(c["objective"], "value", value)
    if kind == "risk_aversion":
        value = round(rng.uniform(*lim.risk_aversion[:2]), 1)
        return kind, lambda: setattr(c["risk_aversion"], "value", value)
    if kind == "volatility_cap":
        value = round(rng.uniform(*lim.volatility_cap[:2]), 3)
        return kind, lambda: setattr(c["volatility_cap"], "value", value)
    if kind == "exclude":
        codes = sorted(lim.products)
        current = set(c["exclude"].value)
        code = rng.choice(codes)
        value = tuple(sorted(current ^ {code}))
        return kind, lambda: setattr(c["exclude"], "value", value)
    if kind == "pin":
        codes = [x for x in sorted(lim.products) if x not in c["exclude"].value]
        if not codes:
            return "clear_pins", lambda: c["clear_pins"].click()
        code = rng.choice(codes)
        weight = round(rng.uniform(0.0, lim.products[code].cap), 2)

        def pin() -> None:
            c["pin_product"].value = code
            c["pin_weight"].value = min(weight, c["pin_weight"].max)
            c["pin"].click()
        return kind, pin
    if kind == "clear_pins":
        return kind, lambda: c["clear_pins"].click()
    if kind == "override":
        options = [v for _, v in c["override"].options]
        value = rng.choice(options)

        def override() -> None:
            c["reason"].value = REASON
            c["override"].value = value
        return kind, override
    options = [v for _, v in c["views"].options]
    value = rng.choice(options)
    return kind, lambda: setattr(c["views"], "value", value)


def main() -> None:
    os.environ.setdefault("JPY_SESSION_NAME", str(Path(tempfile.mkdtemp(prefix="studio-bench-")) / "proposal.ipynb"))
    clients, _ = load_clients(PARAMS / "clients")
    rng = random.Random(20181231)
    every: list[float] = []
    warm: list[float] = []
    compiles: list[float] = []
    cpus: list[float] = []
    slowest: list[tuple[float, float, str, str, bool]] = []
    explained: list[float] = []
    precompiles: list[float] = []
    for client in clients:
        try:
            t0 = time.perf_counter()
            box = panel(client.id, params=str(PARAMS), as_of="2018-12-31")
            opened = time.perf_counter() - t0
            box.state["precompiled"].wait(timeout=600)
            precompiles.append(time.perf_counter() - t0 - opened)
        except KycExpired:
            print(f"{client.id:8s} skipped: KYC expired (no new proposal, no panel)")
            continue
        times: list[float] = []
        noops = 0
        while len(times) < CHANGES:
            kind, do = _change(rng, box)
            setups = len(box.studio._setups)
            before = box.controls["result"].value
            state_before = box.state["choices"]
            t, cpu = time.perf_counter(), time.process_time()
            do()
            dt = (time.perf_counter() - t) * 1000
            cpu = (time.process_time() - cpu) * 1000
            page = html.unescape(box.controls["result"].value)
            assert page, "the panel shows an answer"
            pending = INFEASIBLE_LINE in page
            if pending:
                assert box.state["explained"].wait(timeout=600), "the explanation never came"
                explained.append((time.perf_counter() - t) * 1000)
            if box.controls["result"].value == before and box.state["choices"] == state_before:
                noops += 1  # the value was already there (a widget fires nothing): not a change
                continue
            times.append(dt)
            cpus.append(cpu)
            slowest.append((dt, cpu, client.id, kind, box.controls["result"].value.count("No allocation") > 0))
            (compiles if len(box.studio._setups) > setups else warm).append(dt)
        every += times
        print(f"{client.id:8s} opened in {opened:5.2f} s (+{precompiles[-1]:.2f} s precompiling in the background); {CHANGES} changes: median {statistics.median(times):6.1f} ms, "
              f"max {max(times):6.1f} ms ({noops} no-op draws skipped)")
    print(f"changes re-using a compiled problem: {len(warm)}, median {statistics.median(warm):.1f} ms, "
          f"max {max(warm):.1f} ms")
    if compiles:
        print(f"changes compiling a new class / views problem: {len(compiles)}, median "
              f"{statistics.median(compiles):.1f} ms, max {max(compiles):.1f} ms")
    print("slowest changes (wall ms, CPU ms, client, change, answered 'no allocation'):")
    for dt, cpu, cid, kind, infeasible in sorted(slowest, reverse=True)[:8]:
        print(f"  {dt:8.1f} {cpu:8.1f}  {cid:8s} {kind:14s} {infeasible}")
    if explained:
        print(f"infeasible changes explained in the background: {len(explained)}, change → explanation drawn: "
              f"median {statistics.median(explained):.1f} ms, max {max(explained):.1f} ms")
    over = sum(t > 100 for t in every)
    print(f"all {len(every)} changes: {over} above 100 ms")
    print(f"CPU time of the same changes (this process; less sensitive to a loaded machine): median "
          f"{statistics.median(cpus):.1f} ms, max {max(cpus):.1f} ms; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"median_ms={statistics.median(every):.1f} max_ms={max(every):.1f} "
          f"cpu_median_ms={statistics.median(cpus):.1f} cpu_max_ms={max(cpus):.1f} over_100ms={over} "
          f"explain_median_ms={statistics.median(explained) if explained else 0:.1f} "
          f"explain_max_ms={max(explained) if explained else 0:.1f} load={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
