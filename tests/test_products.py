"""wealthlib.products: the shelf file, its validation, and the suitability rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wealthlib.errors import InputError, InputErrors
from wealthlib.policy import load_policy
from wealthlib.products import Violation, check_suitability, load_shelf, suitability_ceiling

from _paths import ROOT
SHELF = ROOT / "params" / "products.yaml"


@pytest.fixture(scope="module")
def policy():
    return load_policy(ROOT / "params" / "policy.yaml")


@pytest.fixture(scope="module")
def shelf(policy):
    return load_shelf(SHELF, policy)


def test_shelf_loads_with_the_core_codes(shelf):
    core = {"USD-MMF": (1, "cash", "RF"), "CORP-AAA5": (2, "bond", "AAA5"), "CORP-AAA10": (2, "bond", "AAA10"),
            "CORP-BAA10": (3, "bond", "BAA10"), "US-TSM": (4, "equity", "US_MKT"), "SP500": (4, "equity", "SP500"),
            "NASDAQ": (5, "equity", "NASDAQ"), "OIL-WTI": (5, "alternative", "WTI")}  # fmt: skip
    for code, (grade, ac, series) in core.items():
        p = shelf.get(code)
        assert (p.grade, p.asset_class, p.series) == (grade, ac, series), code
    singles = [p for p in shelf if p.type == "single_stock"]
    assert len(singles) >= 3 and all(p.grade == 5 and p.annual_fee == 0 for p in singles)
    assert len(shelf) == len(set(shelf.codes)) and "NASDAQ" in shelf and "NOPE" not in shelf


def test_shelf_covers_every_grade_and_asset_class(shelf, policy):
    assert set(shelf.grades()) == {1, 2, 3, 4, 5}
    assert set(shelf.asset_classes()) == set(policy.asset_classes)
    by = shelf.by_class()
    assert list(by) == policy.asset_classes
    assert by["cash"] == ["USD-MMF"] and by["alternative"] == ["OIL-WTI"]
    assert set(shelf.currencies()) == {"USD"}
    assert shelf.fees()["US-TSM"] == pytest.approx(0.002)


def test_names_in_every_locale(shelf):
    p = shelf.get("CORP-AAA5")
    assert "modeled" in p.name("en") and "Aaa" in p.name("en")
    assert "Aaa" in p.name("zh-TW") and not p.name("zh-TW").isascii() and p.name("zh-TW") != p.name("en")
    for prod in shelf:
        for loc in ("en", "zh-TW", "zh-CN"):
            assert prod.name(loc).strip()
    with pytest.raises(ValueError, match="unknown locale 'fr'"):
        p.name("fr")


def test_get_unknown_code_names_it(shelf):
    with pytest.raises(KeyError, match="'TSLA'"):
        shelf.get("TSLA")


def test_every_product_series_is_in_the_demo_market(shelf, tmp_path_factory, monkeypatch):
    from wealthlib._market import demo
    from wealthlib.market import load_demo_market

    monkeypatch.setenv("WEALTHLIB_CACHE", str(tmp_path_factory.mktemp("cache")))
    demo.full_demo.cache_clear()
    m = load_demo_market()
    demo.full_demo.cache_clear()
    for p in shelf:
        assert p.series in m.monthly.columns, p.code
        assert m.monthly[p.series].notna().sum() > 120, p.code  # at least ten years of months


def test_conservative_holding_nasdaq_is_one_violation(shelf, policy):
    ceiling = suitability_ceiling(policy, "conservative")
    assert ceiling == 2
    found = check_suitability({"USD-MMF": 0.3, "CORP-AAA10": 0.6, "NASDAQ": 0.1}, shelf, ceiling)
    assert found == [Violation("NASDAQ", 5, 2)]
    assert "NASDAQ" in str(found[0]) and "5" in str(found[0]) and "2" in str(found[0])


def test_zero_and_tiny_weights_are_not_violations(shelf):
    assert check_suitability({"NASDAQ": 0.0, "OIL-WTI": 1e-12, "USD-MMF": 1.0}, shelf, 2) == []
    # amounts work too, and a short (negative) position still counts
    assert [v.code for v in check_suitability({"AAPL": 50_000.0, "SP500": -0.1}, shelf, 3)] == ["AAPL", "SP500"]


def test_grade_at_the_ceiling_is_allowed(shelf, policy):
    assert check_suitability({"CORP-BAA10": 0.5}, shelf, suitability_ceiling(policy, "moderate")) == []
    assert check_suitability({"CORP-BAA10": 0.5}, shelf, 2) == [Violation("CORP-BAA10", 3, 2)]


def test_cn5_ladder_ceilings(shelf, policy):
    cn = policy.with_ladder("cn5")
    assert [suitability_ceiling(cn, c) for c in ("C1", "C2", "C3", "C4", "C5")] == [1, 2, 3, 4, 5]
    assert check_suitability({"USD-MMF": 0.5, "CORP-AAA5": 0.5}, shelf, suitability_ceiling(cn, "C1")) == [
        Violation("CORP-AAA5", 2, 1)
    ]
    with pytest.raises(KeyError, match="'conservative'"):
        suitability_ceiling(cn, "conservative")


def test_unknown_code_in_positions_is_a_keyerror(shelf):
    with pytest.raises(KeyError, match="'TW0050'"):
        check_suitability({"TW0050": 0.0}, shelf, 5)


# ------------------------------------------------------------------------------------------------ bad shelves
def _write(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(SHELF.read_text(encoding="utf-8"))
    edit(data)
    p = tmp_path / "shelf.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _set(i: int, key: str, value):
    def edit(d):
        d["products"][i][key] = value

    return edit


BAD = [
    ("duplicate", _set(3, "code", "USD-MMF"), "products.3.code: duplicate code 'USD-MMF' (also products.0)"),
    ("grade6", _set(3, "grade", 6), "products.3.grade: grade must be a whole number from 1 to 5 (RR1–RR5), got 6"),
    ("grade0", _set(0, "grade", 0), "products.0.grade: grade must be a whole number from 1 to 5 (RR1–RR5), got 0"),
    ("class", _set(2, "asset_class", "crypto"),
     "products.2.asset_class: unknown asset class 'crypto'; the policy (demo-2026.11) has cash, bond, equity, alternative"),
    ("fee", _set(1, "annual_fee", 0.3),
     "products.1.annual_fee: annual_fee must be a yearly rate from 0 to 0.05 (0.003 = 0.3%), got 0.3"),
    ("type", _set(4, "type", "hedge_fund"), None),
    ("extra", _set(4, "rating", "AAA"), "products.4.rating: is not a known field"),
    ("locale", lambda d: d["products"][5]["names"].pop("zh-CN"), "products.5.names: needs a name in every locale; missing zh-CN"),
    ("noversion", lambda d: d.pop("version"), "version: is required"),
    ("note", _set(1, "note", {"en": "English only"}), "products.1.note: a note needs text in every locale; missing zh-TW, zh-CN"),
]  # fmt: skip


@pytest.mark.parametrize("edit,expected", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_shelf_names_file_and_field(tmp_path, monkeypatch, policy, edit, expected):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, edit)
    with pytest.raises(InputError) as exc:
        load_shelf(path.name, policy)
    if expected is None:
        assert str(exc.value).startswith("shelf.yaml: products.4.type: ")
        assert "hedge_fund" in str(exc.value)
    else:
        assert str(exc.value) == f"shelf.yaml: {expected}"


def test_several_problems_are_all_listed(tmp_path, monkeypatch, policy):
    monkeypatch.chdir(tmp_path)

    def edit(d):
        d["products"][1]["grade"] = 7
        d["products"][2]["asset_class"] = "gold"

    with pytest.raises(InputErrors) as exc:
        load_shelf(_write(tmp_path, edit).name, policy)
    fields = [e.field for e in exc.value.errors]
    assert fields == ["products.1.grade", "products.2.asset_class"]


def test_a_policy_without_alternatives_rejects_oil(tmp_path, policy):
    narrow = policy.model_copy(update={"asset_classes": ["cash", "bond", "equity"]})
    with pytest.raises(InputError, match=r"products\.7\.asset_class: unknown asset class 'alternative'"):
        load_shelf(SHELF, narrow)


def test_product_notes_are_in_every_locale(shelf):
    noted = [p for p in shelf if p.note]
    assert {p.code for p in noted} >= {"SP500", "NASDAQ", "OIL-WTI"}
    for p in noted:
        for loc in ("zh-TW", "zh-CN"):  # a Chinese document never prints an English caveat
            assert any("\u4e00" <= ch <= "\u9fff" for ch in p.note_in(loc)), (p.code, loc)
        assert p.note_in("zh-TW") != p.note_in("zh-CN")
    assert shelf.get("USD-MMF").note_in("zh-TW") == ""
