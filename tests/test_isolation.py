"""Kernels forked from one warm template share nothing at run time.

Client A's notebook changes pandas options, environment variables, matplotlib rcParams, an attribute of an
imported module, numpy's and random's global state, the working directory and builtins; client B's kernel, forked
next from the same warm template process, sees none of it. Without a seed, two kernels draw different numbers
(each is reseeded after the fork).
"""

from __future__ import annotations

import json
import os

import nbformat
import psutil
import pytest

from _procs import assert_all_ended, started_here
from wealthlib import render
from wealthlib._batch import worker

pytestmark = pytest.mark.slow  # real forked kernels

A = r'''
import os, builtins, random
import numpy as np, pandas as pd, matplotlib, wealthlib
pd.set_option("display.max_rows", 3)
os.environ["LAST_CLIENT"] = "A: 1,000,000 in SP500"
matplotlib.rcParams["lines.linewidth"] = 17.0
wealthlib._cache_from_A = {"client": "A", "holdings": [1, 2, 3]}
builtins._last_client = "A"
np.random.seed(1234)
random.seed(1234)
os.chdir("/tmp")
print(json.dumps({"pid": os.getpid(), "draw": float(np.random.rand())}))
'''

B = r'''
import os, builtins, random
import numpy as np, pandas as pd, matplotlib, wealthlib
np.random.seed(1234); expected = float(np.random.rand())
'''

PROBE = r'''
import sys
warm = all(m in sys.modules for m in ("cvxpy", "quantstats", "pandas", "wealthlib.review"))
import os, builtins, random, json
import numpy as np, pandas as pd, matplotlib, wealthlib
print(json.dumps({
    "pid": os.getpid(),
    "max_rows": pd.get_option("display.max_rows"),
    "env": os.environ.get("LAST_CLIENT"),
    "linewidth": float(matplotlib.rcParams["lines.linewidth"]),
    "module_attr": hasattr(wealthlib, "_cache_from_A"),
    "builtin": hasattr(builtins, "_last_client"),
    "cwd": os.getcwd(),
    "np_draw": float(np.random.rand()),
    "py_draw": random.random(),
    "warm": warm,
}))
'''


def _notebook(code: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('client = ""')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("import json\n" + code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _run(tmp_path, code: str, kernel: str, name: str) -> dict:
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(_notebook(code), path)
    nb = render.execute(path, {"client": name}, kernel_name=kernel, timeout=60, cwd=tmp_path)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


@pytest.fixture()
def fork_kernel(process_mark):
    kernel = worker.ensure_engine("fork")
    zpid = worker.zygote_pid()
    zygote = psutil.Process(zpid)
    yield kernel, zpid
    worker.stop_engine()
    # the zygote and whatever it forked end; only processes this test started (its process_mark) are looked at
    assert_all_ended([zygote, *started_here(("wealthlib._batch",))])


def test_client_b_sees_nothing_of_client_a(tmp_path, fork_kernel):
    kernel, zpid = fork_kernel
    baseline = _run(tmp_path, PROBE, kernel, "baseline")
    a = _run(tmp_path, A, kernel, "a")
    b = _run(tmp_path, PROBE, kernel, "b")
    # three different processes, each a child of the same warm template
    assert len({baseline["pid"], a["pid"], b["pid"]}) == 3
    assert b["warm"]  # cvxpy, quantstats, pandas, wealthlib came with the fork: the client imported nothing heavy
    assert b["max_rows"] == baseline["max_rows"] != 3
    assert b["env"] is None
    assert b["linewidth"] == baseline["linewidth"] != 17.0
    assert b["module_attr"] is False
    assert b["builtin"] is False
    assert b["cwd"] == str(tmp_path)
    # random state: A seeded 1234; B is not on that sequence and differs from the baseline kernel too
    import numpy as np

    np.random.seed(1234)
    seeded = float(np.random.rand())
    assert a["draw"] == seeded
    assert b["np_draw"] != seeded
    assert b["np_draw"] != baseline["np_draw"]
    assert b["py_draw"] != baseline["py_draw"]


def test_forked_kernels_are_children_of_the_warm_template(tmp_path, fork_kernel):
    kernel, zpid = fork_kernel
    code = "import os\nprint(json.dumps({'pid': os.getpid(), 'ppid': os.getppid()}))"
    first = _run(tmp_path, code, kernel, "one")
    second = _run(tmp_path, code, kernel, "two")
    assert first["ppid"] == second["ppid"] == zpid
    assert first["pid"] != second["pid"]
    kernels = []
    for pid in (first["pid"], second["pid"]):
        try:
            kernels.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass  # already gone
    assert_all_ended(kernels)  # each kernel exits with its notebook: waited on, not slept for
    assert os.environ["WEALTHLIB_ZYGOTE"].endswith("zygote.sock")
