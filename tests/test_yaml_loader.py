"""The house YAML loader (libyaml with its shortcuts) reads every file as PyYAML's own pure-Python safe loader does.

``wealthlib._yaml`` replaces the per-node Python callbacks of libyaml's composer by C callables and cached tags,
and builds the common scalars (plain decimal integers, ``YYYY-MM-DD`` dates) directly. The peer here is
``yaml.load(text, Loader=yaml.SafeLoader)``, PyYAML's reference implementation in Python, which shares none of
those shortcuts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wealthlib import _yaml
from wealthlib.errors import InputError

from _paths import ROOT

#: every YAML file the repository ships: the sample firms' params, the package's data, the tests' inputs
SHIPPED = sorted(p for pattern in ("params*/**/*.yaml", "wealthlib/data/**/*.yaml", "tests/**/*.yaml")
                 for p in ROOT.glob(pattern) if ".venv" not in p.parts)

#: scalars whose YAML 1.1 reading is easy to get wrong: octal and sexagesimal integers, bases, signs and
#: underscores, dates that are and are not ISO, booleans, nulls, special floats, the same text quoted
SCALARS = """
octal: 010
zero: 0
underscored: 1_000
signed: +5
negative: -12
hex: 0x1F
binary: 0b101
sexagesimal: 1:20
date: 2018-03-20
short_date: 2018-3-5
stamp: 2018-03-20T10:00:00Z
spaced_stamp: 2018-03-20 10:00:00.5 +08:00
yes_word: yes
off_word: off
tilde: ~
null_word: null
inf: .inf
nan_float: .NaN
exponent: 1e3
float_exponent: 1.5e3
arabic_digits: ١٢٣
full_width_digits: １２３
quoted_octal: "010"
quoted_date: '2018-03-20'
quoted_yes: "yes"
list: [010, "010", 2018-03-20, '2018-03-20', 7]
"""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_reads_as_pyyaml_reads_it(path: Path):
    text = path.read_text(encoding="utf-8")
    try:
        expected = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - PyYAML's safe loader
    except yaml.YAMLError:
        pytest.skip("not valid YAML for PyYAML either (a test input)")
    if "&" in text or "*" in text:
        try:
            got = _yaml.load_yaml_text(text, path.name)
        except InputError:
            return  # anchors and aliases are refused by design
    else:
        got = _yaml.load_yaml_text(text, path.name)
    assert got == expected
    assert [type(v) for v in _leaves(got)] == [type(v) for v in _leaves(expected)]


def test_tricky_scalars_read_as_pyyaml_reads_them_twice():
    expected = yaml.load(SCALARS, Loader=yaml.SafeLoader)  # noqa: S506
    assert expected["octal"] == 8 and expected["sexagesimal"] == 80 and expected["exponent"] == "1e3"  # the peer
    for _ in range(2):  # the second time every tag comes from the cache
        got = _yaml.load_yaml_text(SCALARS, "scalars.yaml")
        assert {k: v for k, v in got.items() if k != "nan_float"} == \
               {k: v for k, v in expected.items() if k != "nan_float"}
        assert [type(v) for v in _leaves(got)] == [type(v) for v in _leaves(expected)]
        assert got["nan_float"] != got["nan_float"]  # NaN


def test_an_impossible_date_is_an_error_naming_the_file():
    with pytest.raises(ValueError, match="day is out of range"):
        yaml.load("a: 1\nd: 2018-02-30\n", Loader=yaml.SafeLoader)  # noqa: S506 - the peer refuses it too
    with pytest.raises(InputError) as err:
        _yaml.load_yaml_text("a: 1\nd: 2018-02-30\n", "dates.yaml")
    assert str(err.value) == "dates.yaml: invalid YAML: day is out of range for month"


def _leaves(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value
