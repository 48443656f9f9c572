"""`wealth propose` end to end vs the naive notebook-to-PDF route, same template, same client (not a test).

* ours   ``wealth propose lin --out DIR`` in a fresh process (cold: nothing warm, every import paid). A forked
         child builds the Proposal while the parent loads papermill/nbconvert/WeasyPrint; once the child reports
         the checks passed (KYC, feasibility) the kernel starts while the child finishes the analytics and
         charts; the template's kernel loads the saved proposal (parameter ``prebuilt``); HTML and PDF are
         exported in-process.
* naive  the three command-line tools one after the other, on the same ``templates/proposal.ipynb`` with the
         same parameters (the kernel builds the proposal itself):
         ``papermill … -p client lin …`` → ``jupyter nbconvert --to html --no-input`` → ``weasyprint``.

Each route runs 3 times; the median wall-clock time (``time.perf_counter`` around ``subprocess.run``) is
reported. The machine is shared and noisy: read the ratio, not the third digit.

Last line: ``seconds=<ours> speedup_vs_naive=<naive / ours>``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEMPLATE = ROOT / "templates" / "proposal.ipynb"
CLIENT = "lin"
RUNS = 3


def _timed(cmds: list[list[str]], expect: list[Path]) -> float:
    start = time.perf_counter()
    for cmd in cmds:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    elapsed = time.perf_counter() - start
    for path in expect:
        if not path.is_file() or path.stat().st_size == 0:
            raise SystemExit(f"missing output {path}")
    return elapsed


def ours(tmp: Path, i: int) -> float:
    out = tmp / f"ours{i}"
    return _timed([[str(BIN / "wealth"), "propose", CLIENT, "--out", str(out)]],
                  [out / f"{CLIENT}.html", out / f"{CLIENT}.pdf"])


def naive(tmp: Path, i: int) -> float:
    nb, html, pdf = tmp / f"naive{i}.ipynb", tmp / f"naive{i}.html", tmp / f"naive{i}.pdf"
    return _timed([
        [str(BIN / "papermill"), str(TEMPLATE), str(nb), "-p", "client", CLIENT, "-p", "as_of", "2018-12-31",
         "-p", "params", str(ROOT / "params"), "--kernel", "python3", "--no-progress-bar"],
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb), "--output", str(html)],
        [str(BIN / "weasyprint"), str(html), str(pdf)],
    ], [nb, html, pdf])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-propose-") as d:
        tmp = Path(d)
        ours_t, naive_t = [], []
        for i in range(RUNS):  # interleaved, so drift on a shared machine hits both routes alike
            ours_t.append(ours(tmp, i))
            naive_t.append(naive(tmp, i))
            print(f"run {i + 1}: ours {ours_t[-1]:.2f} s, naive {naive_t[-1]:.2f} s", flush=True)
    o, n = statistics.median(ours_t), statistics.median(naive_t)
    print(f"ours   wealth propose {CLIENT}: median {o:.2f} s (min {min(ours_t):.2f}, max {max(ours_t):.2f})")
    print(f"naive  papermill + nbconvert + weasyprint CLIs: median {n:.2f} s (min {min(naive_t):.2f}, max {max(naive_t):.2f})")
    print(f"seconds={o:.2f} speedup_vs_naive={n / o:.2f}")


if __name__ == "__main__":
    main()
