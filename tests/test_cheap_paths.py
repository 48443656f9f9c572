"""The cheap paths stay cheap: what a failing or planning command needs does not import the heavy stacks."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd


def test_demo_yields_are_arch_s_file_read_without_importing_arch():
    from arch.data import default  # the peer: arch's own loader of the same file

    from wealthlib._market import demo

    expected = default.load()
    expected.index = demo._first_of_month_to_end(expected.index)
    expected = expected[["AAA", "BAA"]].astype(float) / 100.0
    expected.index.freq = None
    pd.testing.assert_frame_equal(demo.demo_yields(), expected)
    code = ("import sys; from wealthlib._market.demo import demo_yields; demo_yields(); "
            "print('arch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split() == ["False"]
