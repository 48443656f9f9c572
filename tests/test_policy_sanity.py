"""Policy values no firm could mean are refused with the allowed range, naming file and field."""

from __future__ import annotations

import pytest

from wealthlib.errors import WealthError
from wealthlib.policy import load_policy

from _paths import PARAMS

POLICY = (PARAMS / "policy.yaml").read_text(encoding="utf-8")
CLASSES = "asset_classes: [cash, bond, equity, alternative]"

CASES = [
    (POLICY.replace(CLASSES, "asset_classes: [cash, bond, equity, alternative, bond]"),
     "asset_classes: asset classes must be listed once each; listed twice: bond"),
    (POLICY.replace("risk_aversion: 12.0", "risk_aversion: 1e308", 1),
     "ladders.tw3.classes.0.risk_aversion: risk aversion γ must be between 0.5 and 100"),
    (POLICY.replace("risk_aversion: 12.0", "risk_aversion: 0.01", 1),
     "ladders.tw3.classes.0.risk_aversion: risk aversion γ must be between 0.5 and 100"),
    (POLICY.replace("volatility_cap: 0.06", "volatility_cap: 1e-300", 1),
     "ladders.tw3.classes.0.volatility_cap: an annualized volatility cap must be between 0.005 and 1"),
    (POLICY.replace("volatility_cap: 0.06", "volatility_cap: 3.5", 1),
     "ladders.tw3.classes.0.volatility_cap: an annualized volatility cap must be between 0.005 and 1"),
    (POLICY.replace("equity: 0.30, alternative: 0.10}", "equity: 0.30, alternative: 7}", 1),
     "allocation.max_product_weight: the cap for alternative must be a weight above 0 and at most 1"),
]


@pytest.mark.parametrize("text,expected", CASES, ids=["duplicate-class", "gamma-huge", "gamma-tiny", "vol-tiny",
                                                     "vol-huge", "cap-above-1"])
def test_values_no_firm_could_mean_are_refused_with_the_range(tmp_path, text, expected):
    assert text != POLICY  # the edit applied
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(WealthError) as err:
        load_policy(tmp_path / "policy.yaml")
    assert str(err.value) == f"{tmp_path / 'policy.yaml'}: {expected}"


def test_the_shipped_policy_is_within_every_range():
    assert load_policy(PARAMS / "policy.yaml").version
