"""Policy file: the shipped one loads; bad ones fail naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wealthlib.errors import InputError, InputErrors
from wealthlib.policy import load_policy

from _paths import ROOT
POLICY = ROOT / "params" / "policy.yaml"


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load(POLICY.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def test_shipped_policy_taiwan_default_matrix():
    policy = load_policy(POLICY)
    assert policy.ladder == "tw3"
    assert policy.active.codes == ["conservative", "moderate", "aggressive"]
    # DOMAIN.md §1: 保守 → RR1–RR2; 穩健 → RR1–RR3; 積極 → RR1–RR5
    assert [policy.ceiling(c) for c in policy.active.codes] == [2, 3, 5]
    assert policy.risk_class("moderate").name("zh-TW") == "穩健型"


def test_china_ladder_matrix():
    policy = load_policy(POLICY).with_ladder("cn5")
    # DOMAIN.md §1: C1→R1, C2→R1–R2, C3→R1–R3, C4→R1–R4, C5→R1–R5
    assert [policy.ceiling(c) for c in ["C1", "C2", "C3", "C4", "C5"]] == [1, 2, 3, 4, 5]


def test_share_maps_to_highest_class_reached():
    ladder = load_policy(POLICY).active
    assert ladder.for_share(0.0).code == "conservative"
    assert ladder.for_share(0.3999).code == "conservative"
    assert ladder.for_share(0.40).code == "moderate"
    assert ladder.for_share(0.70).code == "aggressive"
    assert ladder.lower("aggressive", "moderate") == "moderate"


def test_unknown_ladder_selected(tmp_path, raw):
    raw["ladder"] = "uk7"
    with pytest.raises(InputError) as exc:
        load_policy(_write(tmp_path, raw))
    assert "policy.yaml" in str(exc.value)
    assert "ladder 'uk7' is not one of the ladders defined (tw3, cn5)" in str(exc.value)


def test_band_min_above_max_names_the_field(tmp_path, raw):
    raw["ladders"]["tw3"]["classes"][0]["bands"]["bond"] = [0.9, 0.6]
    with pytest.raises(InputError) as exc:
        load_policy(_write(tmp_path, raw))
    assert str(exc.value).endswith(
        "policy.yaml: ladders.tw3.classes.0.bands: band for bond must satisfy 0 ≤ min ≤ max ≤ 1, got [0.9, 0.6]"
    )


def test_bands_that_cannot_sum_to_one(tmp_path, raw):
    raw["ladders"]["tw3"]["classes"][0]["bands"]["bond"] = [0.90, 0.95]
    raw["ladders"]["tw3"]["classes"][0]["bands"]["cash"] = [0.20, 0.40]
    with pytest.raises(InputError) as exc:
        load_policy(_write(tmp_path, raw))
    assert "class conservative bands cannot sum to 100% (minimums 110%" in str(exc.value)


def test_grade_out_of_range_and_unknown_field_listed_together(tmp_path, raw):
    raw["ladders"]["tw3"]["classes"][2]["max_grade"] = 6
    raw["colour"] = "blue"
    with pytest.raises(InputErrors) as exc:
        load_policy(_write(tmp_path, raw))
    text = str(exc.value)
    assert "ladders.tw3.classes.2.max_grade: Input should be less than or equal to 5, got 6" in text
    assert "colour: is not a known field" in text


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError) as exc:
        load_policy(tmp_path / "nope.yaml")
    assert str(exc.value).endswith("nope.yaml: file not found")


def test_drift_bands_are_policy_data(tmp_path, raw):
    assert load_policy(POLICY).review.drift_bands.half_width(0.10) == pytest.approx(0.03)
    raw["review"]["drift_bands"] = {"absolute": 0.05, "small_weight": 0.10, "relative": 0.25}
    bands = load_policy(_write(tmp_path, raw)).review.drift_bands
    assert bands.half_width(0.20) == pytest.approx(0.05)
    assert bands.half_width(0.08) == pytest.approx(0.02)  # 0.25 × 8%
    assert bands.half_width(0.0) == 0.0


def test_bad_drift_band_names_the_field(tmp_path, raw):
    raw["review"]["drift_bands"]["absolute"] = 0
    with pytest.raises(InputError) as exc:
        load_policy(_write(tmp_path, raw))
    assert str(exc.value).endswith("policy.yaml: review.drift_bands.absolute: Input should be greater than 0, got 0")
