"""The what-if panel's change-to-update time: 50 random changes per sample client, then changes made while
the panel's preview renders.

Each change is made on the real ipywidgets panel (no browser: the widgets' Python side, which is what the
kernel does), as an advisor would: the objective, the γ slider, the volatility target, a product excluded or
included, a pin set or cleared, a class override with its reason, a views file. The time measured runs from
setting the widget's value to the moment the panel's output widget holds the new state's page — the
numbers, the tables (by product, by class, trades, suitability, what binds) and the frontier chart (inline
SVG, drawn in the same HTML) — or, for a state no allocation satisfies, the line saying so at once
(:data:`wealthlib.studio.INFEASIBLE_LINE`). The observers run synchronously, so it is the assignment's
duration. Not included: sending the widget's new value to the browser (a comm message the kernel's I/O
thread writes) and the browser's drawing of the HTML (the browser test checks the page updates, untimed).

The words of a conflict come later from a background thread: their latency (change → explanation drawn) is
printed apart; the benchmark waits for them (an event) before the next change, as it waits for the panel's
background precompile of the other classes and views files after opening (its time is printed too).

Scenarios per client, on a real draft (``write_draft`` from the template, in a temporary folder), in order:

* **opening** — changes made at once after the panel opens, while it precompiles the other classes and
  views files in its thread (usually one: the precompile takes a fraction of a second);
* **quiet** — :data:`CHANGES` (50) random changes, each after the previous one's answer and explanation are
  drawn: the issue's measure;
* **explaining** — :data:`EXPLAINING_CHANGES` changes each made at once after an infeasible one, while that
  conflict's diagnosis runs in the panel's thread (the infeasible change before it is not counted);
* **preview** — the choices reset to the client's own, "Preview PDF" clicked (the draft rendered to HTML and
  PDF by a separate process at lower priority, :data:`wealthlib.studio.PREVIEW_NICE`), and random changes
  made every :data:`PACE` seconds until the render ends (at least :data:`PREVIEW_CHANGES` per client: the
  preview is clicked again if the render ends first). The render's own time and niceness are printed.

Each scenario's median and max print on a line of their own; the totals cover every counted change.

Wall time is what the advisor waits; CPU time beside it (of the thread making the change, as the kernel's
main thread runs the observers: the panel's own background threads are left out of it, their competition
for the interpreter shows in the wall time), because on a machine shared with other work the wall time
mostly measures the others (the load average is printed at start and end).
Changes that need a new compiled problem (a class or views file not seen before) are counted apart as
well as in the totals.

    python benchmarks/studio.py [--params DIR ...] [--changes 50] [--no-preview]

``--params`` may be given more than once (one firm's folder each); by default ``params/`` as shipped and each
firm nested in it (a sub-folder with its own ``policy.yaml``, e.g. ``params/cn-bank``). Every client file in
``<DIR>/clients`` whose KYC is in force on the as-of date is a sample client.
The line before the last: CPU time, the preview and explaining scenarios' medians and maxima, the load. The
last line: ``median_ms=… max_ms=…`` over every counted change of every scenario.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wealthlib.clients import load_clients  # noqa: E402
from wealthlib.context import KycExpired  # noqa: E402
from wealthlib.studio import INFEASIBLE_LINE, PREVIEW_NICE, panel  # noqa: E402

PARAMS = ROOT / "params"
AS_OF = "2018-12-31"
CHANGES = 50
PREVIEW_CHANGES = 20
EXPLAINING_CHANGES = 10
PACE = 0.5  # seconds between changes while a preview renders (an advisor clicking quickly)
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


@dataclass
class Change:
    wall: float  # ms
    cpu: float  # ms, CPU time of the thread making the change (the kernel's main thread), not the panel's others
    client: str
    kind: str
    infeasible: bool
    compiled: bool  # needed a new compiled problem
    scenario: str  # quiet, preview, explaining, opening (see the module docstring)
    state: dict = field(default_factory=dict)  # the choices after the change (for the slowest list)


@dataclass
class Run:
    changes: list[Change] = field(default_factory=list)
    explained: list[float] = field(default_factory=list)
    renders: list[tuple[str, float, object, bool]] = field(default_factory=list)  # client, s, nice, ok
    pages: list[str] = field(default_factory=list)


def _one_change(rng: random.Random, box, cid: str, run: Run, scenario: str, wait: bool = True) -> Change | None:
    """Make one random change; None when it changed nothing (the value was already there: a widget fires
    nothing, so it is not a change and is not counted). ``wait``: for an infeasible answer, wait for its
    explanation to be drawn (else leave it running)."""
    kind, do = _change(rng, box)
    setups = len(box.studio._setups)
    before = box.controls["result"].value
    state_before = box.state["choices"]
    t, cpu = time.perf_counter(), time.thread_time()
    do()
    dt = (time.perf_counter() - t) * 1000
    cpu = (time.thread_time() - cpu) * 1000
    page = html.unescape(box.controls["result"].value)
    assert page, "the panel shows an answer"
    if INFEASIBLE_LINE in page and wait:
        assert box.state["explained"].wait(timeout=600), "the explanation never came"
        run.explained.append((time.perf_counter() - t) * 1000)
    if box.controls["result"].value == before and box.state["choices"] == state_before:
        return None
    ch = Change(dt, cpu, cid, kind, "No allocation" in box.controls["result"].value,
                len(box.studio._setups) > setups, scenario, box.state["choices"].to_json_dict())
    run.changes.append(ch)
    run.pages.append(box.controls["result"].value)
    return ch


def _reset(box) -> None:
    """Back to the client's own choices (a state that renders), without timing it."""
    c = box.controls
    c["override"].value = None
    c["views"].value = None
    c["objective"].value = None
    c["exclude"].value = ()
    c["clear_pins"].click()
    lim = box.studio.limits(box.state["choices"])
    c["risk_aversion"].value = lim.risk_aversion[2]  # the class's own γ and volatility target
    c["volatility_cap"].value = lim.volatility_cap[2]
    box.state["explained"].wait(timeout=600)


def _during_preview(rng: random.Random, box, cid: str, run: Run) -> list[Change]:
    got: list[Change] = []
    while len(got) < PREVIEW_CHANGES:
        _reset(box)
        assert box.studio.evaluate(box.state["choices"]).ok, f"{cid}: the client's own choices give no allocation"
        t0 = time.perf_counter()
        box.controls["preview"].click()
        thread = box.state["preview"]
        while thread.is_alive():
            ch = _one_change(rng, box, cid, run, "preview")
            if ch is not None:
                got.append(ch)
            thread.join(timeout=PACE)  # the render's end, or the next change
        ok = "<iframe" in box.controls["preview_result"].value
        run.renders.append((cid, time.perf_counter() - t0, box.state.get("preview_nice"), ok))
        if not ok:  # the changes made meanwhile still ran beside a render; say so and do not click again
            print(f"{cid}: the preview failed: {html.unescape(box.controls['preview_result'].value)[:300]}")
            break
    return got


def _while_explaining(rng: random.Random, box, cid: str, run: Run) -> list[Change]:
    """Changes made at once after an infeasible one, while its diagnosis runs in the panel's thread."""
    got: list[Change] = []
    tries = 0
    while len(got) < EXPLAINING_CHANGES and tries < 50 * EXPLAINING_CHANGES:
        tries += 1
        box.state["explained"].wait(timeout=600)
        first = _one_change(rng, box, cid, run, "setup", wait=False)
        if first is not None:
            run.changes.remove(first)  # the infeasible change itself is not this scenario's
            run.pages.pop()
        pending = box.state["explained"]
        if pending.is_set():
            continue  # feasible, or its words known already: nothing runs in the background
        ch = _one_change(rng, box, cid, run, "explaining", wait=True)
        if ch is not None:
            got.append(ch)
    box.state["explainer"].submit(lambda: None).result(timeout=600)  # every diagnosis begun has ended
    return got


def _firms(params: Path) -> list[Path]:
    """The shipped params folder and each firm nested in it (a sub-folder with its own policy.yaml)."""
    return [params, *sorted(p for p in params.iterdir() if (p / "policy.yaml").is_file())]


def _stats(xs: list[float]) -> str:
    return f"median {statistics.median(xs):6.1f} ms, max {max(xs):6.1f} ms" if xs else "none"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--params", action="append", type=Path,
                    help="a firm's params folder (repeatable; default: params/ as shipped)")
    ap.add_argument("--changes", type=int, default=CHANGES, help="random changes per client, quiet (default 50)")
    ap.add_argument("--no-preview", action="store_true", help="skip the changes made while a preview renders")
    args = ap.parse_args()
    folders = [p.resolve() for p in (args.params or _firms(PARAMS))]
    load_start = os.getloadavg()
    print(f"load average at start: {load_start[0]:.1f} {load_start[1]:.1f} {load_start[2]:.1f} on "
          f"{os.cpu_count()} cores; preview renders at nice +{PREVIEW_NICE}")
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:  # the drafts go when the run ends
        _run(args, folders, Path(tmp), load_start)


def _run(args: argparse.Namespace, folders: list[Path], work: Path, load_start: tuple[float, ...]) -> None:
    """Open a panel per sample client, make the changes, print the measurements (drafts under ``work``)."""
    from wealthlib.documents import write_draft

    rng = random.Random(20181231)
    run = Run()
    precompiles: list[float] = []
    for folder in folders:
        clients, _ = load_clients(folder / "clients")
        for client in clients:
            cid = client.id
            label = f"{folder.name}/{cid}" if len(folders) > 1 else cid
            draft = write_draft(ROOT / "templates" / "proposal.ipynb", cid, work / folder.name, params=folder,
                                as_of=AS_OF)
            os.environ["JPY_SESSION_NAME"] = str(draft)  # the panel saves and previews beside this draft
            try:
                t0 = time.perf_counter()
                box = panel(cid, params=str(folder), as_of=AS_OF)
                opened = time.perf_counter() - t0
            except KycExpired:
                print(f"{label:12s} skipped: KYC expired (no new proposal, no panel)")
                continue
            opening = None
            while opening is None and not box.state["precompiled"].is_set():  # while the precompile runs
                opening = _one_change(rng, box, label, run, "opening")
            box.state["precompiled"].wait(timeout=600)
            precompiles.append(time.perf_counter() - t0 - opened)
            quiet: list[Change] = []
            noops = 0
            while len(quiet) < args.changes:
                ch = _one_change(rng, box, label, run, "quiet")
                if ch is None:
                    noops += 1
                else:
                    quiet.append(ch)
            line = (f"{label:12s} opened in {opened:5.2f} s (+{precompiles[-1]:.2f} s precompiling in the "
                    f"background); {len(quiet)} changes: {_stats([c.wall for c in quiet])} ({noops} no-op draws "
                    "skipped)")
            explaining = _while_explaining(rng, box, label, run)
            line += f"; {len(explaining)} while a conflict is diagnosed: {_stats([c.wall for c in explaining])}"
            if not args.no_preview:
                during = _during_preview(rng, box, label, run)
                renders = [r for r in run.renders if r[0] == label]
                line += (f"; {len(during)} during {len(renders)} preview render(s)"
                         f"{'' if all(r[3] for r in renders) else ' (failed)'} of "
                         f"{statistics.median(r[1] for r in renders):.0f} s: {_stats([c.wall for c in during])}")
            print(line, flush=True)

    every = run.changes
    wall = [c.wall for c in every]
    cpu = [c.cpu for c in every]
    quiet = [c for c in every if c.scenario == "quiet"]
    during = [c for c in every if c.scenario == "preview"]
    explaining = [c for c in every if c.scenario == "explaining"]
    opening = [c for c in every if c.scenario == "opening"]
    warm = [c.wall for c in every if not c.compiled]
    compiles = [c.wall for c in every if c.compiled]
    print(f"changes re-using a compiled problem: {len(warm)}, {_stats(warm)}")
    if compiles:
        print(f"changes compiling a new class / views problem: {len(compiles)}, {_stats(compiles)}")
    print("slowest changes (wall ms, CPU ms, client, change, answered 'no allocation', scenario, choices):")
    for c in sorted(every, key=lambda c: -c.wall)[:8]:
        print(f"  {c.wall:8.1f} {c.cpu:8.1f}  {c.client:12s} {c.kind:14s} {c.infeasible!s:5s} {c.scenario:10s} "
              + json.dumps({k: v for k, v in c.state.items() if v not in (None, [], {})}, ensure_ascii=False))
    if run.explained:
        print(f"infeasible changes explained in the background: {len(run.explained)}, change → explanation drawn: "
              f"{_stats(run.explained)}")
    if run.renders:
        nices = sorted({str(r[2]) for r in run.renders})
        print(f"preview renders: {len(run.renders)} ({sum(not r[3] for r in run.renders)} failed), "
              f"{_stats([1000 * r[1] for r in run.renders])} (niceness reported by the render process: "
              f"{', '.join(nices)})")
    # what the kernel adds in a real session: the page goes to the browser as one comm message (JSON)
    biggest = max(run.pages, key=len)
    t = time.perf_counter()
    for _ in range(20):
        json.dumps({"method": "update", "state": {"value": biggest}, "buffer_paths": []})
    print(f"pages: median {statistics.median(len(p) for p in run.pages) / 1024:.1f} kB, largest "
          f"{len(biggest) / 1024:.1f} kB; encoding the largest as the widget's comm message: "
          f"{(time.perf_counter() - t) / 20 * 1000:.2f} ms (not in the times above)")
    print(f"quiet changes: {len(quiet)}, wall {_stats([c.wall for c in quiet])}; CPU "
          f"{_stats([c.cpu for c in quiet])}; {sum(c.wall > 100 for c in quiet)} above 100 ms")
    if during:
        print(f"changes during a preview render: {len(during)}, wall {_stats([c.wall for c in during])}; CPU "
              f"{_stats([c.cpu for c in during])}; {sum(c.wall > 100 for c in during)} above 100 ms")
    if explaining:
        print(f"changes made while a conflict is diagnosed in the background: {len(explaining)}, wall "
              f"{_stats([c.wall for c in explaining])}; CPU {_stats([c.cpu for c in explaining])}; "
              f"{sum(c.wall > 100 for c in explaining)} above 100 ms")
    if opening:
        print(f"first changes while the panel precompiles (just opened): {len(opening)}, wall "
              f"{_stats([c.wall for c in opening])}; CPU {_stats([c.cpu for c in opening])}; "
              f"{sum(c.wall > 100 for c in opening)} above 100 ms")
    over = sum(t > 100 for t in wall)
    load_end = os.getloadavg()
    print(f"all {len(every)} changes: {over} above 100 ms wall, {sum(t > 100 for t in cpu)} above 100 ms CPU; "
          f"load average at end {load_end[0]:.1f} {load_end[1]:.1f} {load_end[2]:.1f}")
    pm = statistics.median([c.wall for c in during]) if during else 0.0
    px = max([c.wall for c in during]) if during else 0.0
    print(f"cpu_median_ms={statistics.median(cpu):.1f} cpu_max_ms={max(cpu):.1f} over_100ms={over} "
          f"preview_changes={len(during)} preview_median_ms={pm:.1f} preview_max_ms={px:.1f} "
          f"explaining_median_ms={statistics.median([c.wall for c in explaining]) if explaining else 0:.1f} "
          f"explaining_max_ms={max([c.wall for c in explaining]) if explaining else 0:.1f} "
          f"explain_median_ms={statistics.median(run.explained) if run.explained else 0:.1f} "
          f"load_start={load_start[0]:.1f} load_end={load_end[0]:.1f}")
    print(f"median_ms={statistics.median(wall):.1f} max_ms={max(wall):.1f}")


if __name__ == "__main__":
    main()
