"""Client files: the samples load and cover what the demo needs; bad input gives exact, readable messages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from wealthlib.clients import Client, check_product_codes, load_client, load_clients
from wealthlib.errors import InputError, InputErrors

from _paths import BANK, ROOT
CLIENTS = ROOT / "params" / "clients"
BAD = ROOT / "tests" / "data" / "clients_bad"
AS_OF = date(2018, 12, 31)
SHELF = {"USD-MMF", "CORP-AAA5", "CORP-AAA10", "CORP-BAA10", "US-TSM", "SP500", "NASDAQ", "OIL-WTI"}
SAMPLE_IDS = {"chen", "huang", "lee", "lin", "morgan"}  # the Taiwanese firm's; the bank's are in params/cn-bank


@pytest.fixture(scope="module")
def samples() -> dict[str, Client]:
    clients, errors = load_clients(CLIENTS)
    assert errors == []
    return {c.id: c for c in clients}


# --- the sample clients ---------------------------------------------------------------------------------------


def test_every_sample_loads_and_id_is_file_stem(samples):
    assert set(samples) == SAMPLE_IDS
    for path in CLIENTS.glob("*.yaml"):
        c = load_client(path)
        assert c.id == path.stem
        assert c.source.endswith(f"clients/{path.stem}.yaml")


def test_load_by_id_equals_load_by_path():
    assert load_client("lin", CLIENTS) == load_client(CLIENTS / "lin.yaml")


def test_source_is_not_dumped(samples):
    assert "source" not in samples["lin"].model_dump()


def test_samples_cover_locales_and_special_cases(samples):
    assert {c.locale for c in samples.values()} == {"en", "zh-TW"}
    assert [c.id for c in samples.values() if not c.holdings] == []
    assert [c.id for c in samples.values() if c.is_elderly(AS_OF)] == ["chen"]
    assert [c.id for c in samples.values() if c.flags.professional_investor] == ["morgan"]
    assert [c.id for c in samples.values() if c.kyc.date < date(2017, 12, 31)] == ["huang"]
    assert [c.id for c in samples.values() if c.kyc.override is not None] == []
    complaints = [k for c in samples.values() for k in c.complaints]
    assert len(complaints) == 1 and sum(k.is_open for k in complaints) == 0
    assert {c.advisor for c in samples.values()} == {"adv-chen", "adv-wang"}
    assert {c.base_currency for c in samples.values()} == {"TWD", "USD"}


def test_the_banks_samples_are_mainland_clients_of_the_bank():
    """liu, wang and zhang moved to the bank (params/cn-bank): zh-CN, renminbi, the bank's questionnaire, shelf
    and 理财经理; no override (the bank changes no class upward); zhang sold out; liu's complaint is open."""
    import yaml as _yaml

    clients, errors = load_clients(BANK / "clients")
    assert errors == [] and {c.id for c in clients} == {"liu", "wang", "zhang"}
    shelf = {p["code"] for p in _yaml.safe_load((BANK / "products.yaml").read_text(encoding="utf-8"))["products"]}
    for c in clients:
        assert (c.locale, c.base_currency, c.kyc.questionnaire) == ("zh-CN", "CNY", "cn_bank_risk"), c.id
        assert c.kyc.override is None and c.advisor in {"adv-li", "adv-zhou"}, c.id
        assert check_product_codes(c, shelf, {"cash", "bond", "equity", "alternative"}) == [], c.id
        assert not (CLIENTS / f"{c.id}.yaml").exists(), c.id  # moved, not copied
    by_id = {c.id: c for c in clients}
    assert by_id["zhang"].portfolio_value() == 0.0
    assert [k.is_open for k in by_id["liu"].complaints] == [True]


def test_zh_clients_have_chinese_names(samples):
    for c in samples.values():
        if c.locale != "en":
            assert all("\u4e00" <= ch <= "\u9fff" for ch in c.name), c.name


def test_samples_use_only_shelf_codes_and_have_history(samples):
    for c in samples.values():
        assert check_product_codes(c, SHELF, {"cash", "bond", "equity", "alternative"}) == []
        assert len(c.transactions) >= 3
        assert all(date(2017, 1, 1) <= t.date <= date(2018, 12, 31) for t in c.transactions)
        assert c.contact_log


def test_samples_cover_every_tw3_class():
    from wealthlib.policy import load_policy
    from wealthlib.risk import profile_client

    policy = load_policy(ROOT / "params" / "policy.yaml")
    clients, _ = load_clients(CLIENTS)
    computed = {profile_client(c, policy, AS_OF).computed_class for c in clients}
    assert computed == {"conservative", "moderate", "aggressive"}


def test_age_and_elderly(samples):
    chen = samples["chen"]  # born 1950-08-03
    assert chen.age(date(2018, 8, 2)) == 67
    assert chen.age(date(2018, 8, 3)) == 68
    assert chen.is_elderly(date(2015, 8, 3)) and not chen.is_elderly(date(2015, 8, 2))
    assert not chen.is_elderly(AS_OF, elderly_age=70)


def test_holding_values_amount_or_units_times_price(samples):
    lin = samples["lin"]
    # as entered: each holding in its product's currency (USD for the demo shelf); valued in TWD later
    assert lin.holding_values() == {"USD-MMF": 16305.24, "CORP-AAA5": 39132.58, "CORP-BAA10": 26088.39,
                                    "SP500": 52.5 * 994.62}
    assert lin.portfolio_value() == pytest.approx(16305.24 + 39132.58 + 26088.39 + 52.5 * 994.62)
    assert lin.holdings_currency is None


# --- bad input: exact messages ------------------------------------------------------------------------------


def _lin_data() -> dict:
    return yaml.safe_load((CLIENTS / "lin.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data, name: str = "lin") -> Path:
    d = tmp_path / "params" / "clients"
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{name}.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    p.write_text(text, encoding="utf-8")
    return p


def _error(tmp_path, monkeypatch, data, name: str = "lin") -> str:
    _write(tmp_path, data, name)
    monkeypatch.chdir(tmp_path)
    with pytest.raises((InputError, InputErrors)) as exc:
        load_client(name)
    return str(exc.value)


def _refused(tmp_path, monkeypatch, data, value: str, name: str = "lin") -> str:
    """The message for a client file whose field holds ``value``: it names file, field and problem, and the
    value itself is not in it (a value in a client file is client data; messages reach logs and manifests)."""
    msg = _error(tmp_path, monkeypatch, data, name)
    assert value not in msg and ", got" not in msg, msg
    return msg


def test_good_copy_loads(tmp_path, monkeypatch):
    _write(tmp_path, _lin_data())
    monkeypatch.chdir(tmp_path)
    assert load_client("lin").source == "params/clients/lin.yaml"


def test_negative_amount(tmp_path, monkeypatch):
    d = _lin_data()
    d["holdings"]["SP500"] = {"amount": -5}
    assert _refused(tmp_path, monkeypatch, d, "-5") == "params/clients/lin.yaml: holdings.SP500.amount: must be ≥ 0"


def test_a_holding_key_that_is_no_code_is_named_by_position(tmp_path, monkeypatch):
    # the key of a holding may be client text ("Lin's private account"); a code-shaped key (SP500) is shown
    d = _lin_data()
    d["holdings"] = {"SP500": {"amount": 10}, "Lin's private account": {"amount": -5}}
    assert _refused(tmp_path, monkeypatch, d, "private") == (
        "params/clients/lin.yaml: holdings (position 2).amount: must be ≥ 0")
    d["holdings"] = {"Lin's private account": {"amount": 10, "pin": 1234}}
    assert _refused(tmp_path, monkeypatch, d, "private") == (
        "params/clients/lin.yaml: holdings (position 1): holds a field that is not known (its name is not shown: it "
        "may be client data)")


def test_amounts_have_an_upper_bound(tmp_path, monkeypatch):
    # was: 1e300 passed validate and gave a nonsense allocation
    d = _lin_data()
    d["holdings"]["SP500"] = {"amount": 1e300}
    assert _refused(tmp_path, monkeypatch, d, "1e+300") == (
        "params/clients/lin.yaml: holdings.SP500.amount: must be ≤ 10,000,000,000,000")
    d["holdings"]["SP500"] = {"units": 1e10, "price": 1e6}
    assert _error(tmp_path, monkeypatch, d).startswith(
        "params/clients/lin.yaml: holdings.SP500: units × price must be ≤ 10,000,000,000,000")


def test_zero_goal_amount(tmp_path, monkeypatch):
    d = _lin_data()
    d["goals"][1]["target_amount"] = 0
    assert _refused(tmp_path, monkeypatch, d, "got 0") == "params/clients/lin.yaml: goals.1.target_amount: must be > 0"


def test_unknown_field(tmp_path, monkeypatch):
    d = _lin_data()
    d["hobby"] = "golf"
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: holds a field that is not known (its name is not shown: it may be client data)"


def test_unknown_nested_field(tmp_path, monkeypatch):
    d = _lin_data()
    d["income"]["bonus"] = 1
    assert _error(tmp_path, monkeypatch, d) == ("params/clients/lin.yaml: income: holds a field that is not known "
                                                "(its name is not shown: it may be client data)")


def test_source_cannot_be_set_by_the_file(tmp_path, monkeypatch):
    d = _lin_data()
    d["source"] = "elsewhere.yaml"
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: source: is not a known field"


def test_wrong_type(tmp_path, monkeypatch):
    d = _lin_data()
    d["income"]["annual"] = "lots"
    assert _refused(tmp_path, monkeypatch, d, "lots") == "params/clients/lin.yaml: income.annual: must be a number"


def test_wrong_literal(tmp_path, monkeypatch):
    d = _lin_data()
    d["locale"] = "fr"
    assert _refused(tmp_path, monkeypatch, d, "fr") == (
        "params/clients/lin.yaml: locale: must be one of 'en', 'zh-TW' or 'zh-CN'"
    )


def test_bad_date_string(tmp_path, monkeypatch):
    d = _lin_data()
    d["birth_date"] = "12/04/1975"
    assert _refused(tmp_path, monkeypatch, d, "12/04") == "params/clients/lin.yaml: birth_date: must be a date (YYYY-MM-DD)"


def test_impossible_date_quoted(tmp_path, monkeypatch):
    d = _lin_data()
    d["transactions"][0]["date"] = "2017-02-30"
    assert _refused(tmp_path, monkeypatch, d, "2017-02-30") == (
        "params/clients/lin.yaml: transactions.0.date: must be a date (YYYY-MM-DD)"
    )


def test_impossible_date_unquoted(tmp_path, monkeypatch):
    text = (CLIENTS / "lin.yaml").read_text(encoding="utf-8").replace("birth_date: 1975-04-12", "birth_date: 1975-02-30")
    assert _error(tmp_path, monkeypatch, text) == "params/clients/lin.yaml: invalid YAML: day is out of range for month"


def test_missing_required_field(tmp_path, monkeypatch):
    d = _lin_data()
    del d["advisor"]
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: advisor: is required"


def test_several_problems_listed(tmp_path, monkeypatch):
    d = _lin_data()
    del d["advisor"]
    d["annual_expenses"] = -1
    msg = _error(tmp_path, monkeypatch, d)
    assert msg.splitlines() == [
        "params/clients/lin.yaml: annual_expenses: must be ≥ 0",
        "params/clients/lin.yaml: advisor: is required",
    ]


@pytest.mark.parametrize("bad_id", ["../x", "Lin", "lin chen", "-lin", "a" * 65])
def test_unsafe_id(tmp_path, monkeypatch, bad_id):
    d = _lin_data()
    d["id"] = bad_id
    assert _refused(tmp_path, monkeypatch, d, repr(bad_id)) == (
        "params/clients/lin.yaml: id: must be a safe id (lowercase letters, digits, '-' or '_', starting with "
        "a letter or digit, at most 64 characters)"
    )


def test_id_must_equal_file_stem(tmp_path, monkeypatch):
    d = _lin_data()
    d["id"] = "wang"
    assert _refused(tmp_path, monkeypatch, d, "wang") == "params/clients/lin.yaml: id: must equal the file name 'lin'"


def test_unsafe_file_name(tmp_path, monkeypatch):
    d = _lin_data()
    _write(tmp_path, d, name="Lin Chen")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as exc:
        load_client(Path("params/clients/Lin Chen.yaml"))
    assert str(exc.value) == (
        "params/clients/Lin Chen.yaml: file name 'Lin Chen' is not a safe client id (lowercase letters, digits, '-' or '_')"
    )


def test_unsafe_ref_is_not_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params" / "clients").mkdir(parents=True)
    with pytest.raises(InputError) as exc:
        load_client("Lin")
    assert str(exc.value) == "params/clients: 'Lin' is not a client id (lowercase letters, digits, '-' or '_')"


def test_alias_bomb_fails_fast():
    with pytest.raises(InputError) as exc:
        load_client(BAD / "alias_bomb.yaml")
    assert exc.value.problem == "invalid YAML: YAML anchors (&a) are not allowed"
    assert exc.value.field == "line 2"


def test_bare_alias_rejected():
    with pytest.raises(InputError) as exc:
        load_client(BAD / "bare_alias.yaml")
    assert exc.value.problem == "invalid YAML: YAML aliases (*name) are not allowed"


@pytest.mark.parametrize("c_loader", [True, False], ids=["libyaml", "pure-python"])
@pytest.mark.parametrize("text, field, problem", [
    ("a: 1\nb: &x [1, 2]\n", "line 2", "invalid YAML: YAML anchors (&x) are not allowed"),
    ("a: [1]\nb: *x\n", "line 2", "invalid YAML: YAML aliases (*name) are not allowed"),
    ("a: 1\nb: {c: 1, c: 2}\n", "line 2", "invalid YAML: duplicate key 'c' (first on line 2)"),
])
def test_both_yaml_loaders_refuse_the_same(monkeypatch, c_loader, text, field, problem):
    # the C loader (libyaml) is used when PyYAML has it; without it the pure-Python one must refuse the same
    from wealthlib import _yaml
    from wealthlib._yaml import load_yaml_text

    if c_loader and _yaml._C_LOADER is None:
        pytest.skip("PyYAML built without libyaml")
    if not c_loader:
        monkeypatch.setattr(_yaml, "_C_LOADER", None)
    with pytest.raises(InputError) as exc:
        load_yaml_text(text, "f.yaml")
    assert (exc.value.field, exc.value.problem) == (field, problem)


def test_both_yaml_loaders_read_the_samples_alike(monkeypatch):
    from wealthlib import _yaml

    if _yaml._C_LOADER is None:
        pytest.skip("PyYAML built without libyaml")
    texts = [p.read_text(encoding="utf-8") for p in sorted(CLIENTS.glob("*.yaml"))]
    fast = [_yaml.load_yaml_text(t, "f") for t in texts]
    monkeypatch.setattr(_yaml, "_C_LOADER", None)
    assert fast == [_yaml.load_yaml_text(t, "f") for t in texts] == [yaml.safe_load(t) for t in texts]


def test_not_a_mapping():
    with pytest.raises(InputError) as exc:
        load_client(BAD / "not_mapping.yaml")
    assert exc.value.problem == "expected a mapping of client fields at the top level, got list"
    assert exc.value.field == ""


def test_file_not_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as exc:
        load_client("nobody")
    assert str(exc.value) == "params/clients/nobody.yaml: file not found"


def test_holding_valued_two_ways(tmp_path, monkeypatch):
    d = _lin_data()
    d["holdings"]["SP500"] = {"amount": 10, "units": 1, "price": 10}
    assert _error(tmp_path, monkeypatch, d) == (
        "params/clients/lin.yaml: holdings.SP500: give either amount, or units and price, not both"
    )


def test_holding_units_without_price(tmp_path, monkeypatch):
    d = _lin_data()
    d["holdings"]["SP500"] = {"units": 3}
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: holdings.SP500: units and price must be given together"


def test_buy_without_product(tmp_path, monkeypatch):
    d = _lin_data()
    del d["transactions"][1]["product"]
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: transactions.1: a buy needs a product"


def test_override_needs_reason(tmp_path, monkeypatch):
    d = _lin_data()
    d["kyc"]["override"] = {"risk_class": "aggressive", "reason": "  ", "by": "sup-zhao", "date": date(2018, 7, 1)}
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: kyc.override.reason: an override needs a reason"


def test_bad_currency(tmp_path, monkeypatch):
    d = _lin_data()
    d["base_currency"] = "ntd$"
    assert _refused(tmp_path, monkeypatch, d, "ntd$") == (
        "params/clients/lin.yaml: base_currency: must be a three-letter ISO currency code such as TWD, CNY or USD"
    )


def test_load_clients_collects_failures(tmp_path, monkeypatch):
    good = _lin_data()
    _write(tmp_path, good)
    bad = _lin_data()
    bad["id"] = "other"
    bad["horizon_years"] = 0
    _write(tmp_path, bad, name="other")
    monkeypatch.chdir(tmp_path)
    clients, errors = load_clients()
    assert [c.id for c in clients] == ["lin"]
    assert [str(e) for e in errors] == ["params/clients/other.yaml: horizon_years: must be ≥ 1"]


def test_load_clients_missing_folder(tmp_path):
    clients, errors = load_clients(tmp_path / "none")
    assert clients == [] and len(errors) == 1 and errors[0].problem == "clients folder not found"


def test_unknown_product_codes_named(samples):
    lin = samples["lin"]
    known = SHELF - {"SP500", "OIL-WTI"}
    errs = check_product_codes(lin, known)
    hint = ", ".join(sorted(known))
    assert [str(e) for e in errs] == [
        f"params/clients/lin.yaml: holdings (position {list(lin.holdings).index('SP500') + 1}): unknown product code "
        f"(not shown: it may be client data; known: {hint})",
        f"params/clients/lin.yaml: transactions.2.product: unknown product code (not shown: it may be client data; "
        f"known: {hint})",
        f"params/clients/lin.yaml: restrictions.excluded_products.0: unknown product code (not shown: it may be "
        f"client data; known: {hint})",
    ]


def test_unknown_asset_class_named(samples):
    errs = check_product_codes(samples["chen"], SHELF, {"cash", "bond", "equity"})
    assert [e.field for e in errs] == ["restrictions.excluded_classes.0"]
    assert "alternative" not in errs[0].problem and "known: bond, cash, equity" in errs[0].problem


# --- dates that cannot be -----------------------------------------------------------------------------------


def test_birth_date_in_the_far_future_is_refused(tmp_path, monkeypatch):
    # lin.yaml: KYC 2018-06-15, 12 transactions, 2 contacts, a foreign-securities consent and one declared
    # outside trade, no override, no complaint -> each is before 2999
    d = _lin_data()
    d["birth_date"] = date(2999, 1, 1)
    lines = _error(tmp_path, monkeypatch, d).splitlines()
    assert lines[0] == "params/clients/lin.yaml: kyc.date: is before birth_date"
    assert lines[1:] == [f"params/clients/lin.yaml: transactions.{i}.date: is before birth_date" for i in range(12)] + [
        f"params/clients/lin.yaml: contact_log.{i}.date: is before birth_date" for i in range(2)] + [
        "params/clients/lin.yaml: foreign_securities.consent: is before birth_date",
        "params/clients/lin.yaml: foreign_securities.outside_trades.0.date: is before birth_date"]
    assert all("2999" not in ln and "1975" not in ln for ln in lines)  # no client value in the messages


def test_birth_date_before_1900_is_refused(tmp_path, monkeypatch):
    d = _lin_data()
    d["birth_date"] = date(1899, 12, 31)
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: birth_date: must be on or after 1900-01-01"
    d["birth_date"] = date(1900, 1, 1)  # the bound itself is a possible birth date
    _write(tmp_path, d)
    assert load_client("lin").birth_date == date(1900, 1, 1)


def test_kyc_before_birth_is_refused(tmp_path, monkeypatch):
    d = _lin_data()
    d["kyc"]["date"] = date(1975, 4, 11)  # lin was born 1975-04-12
    assert _error(tmp_path, monkeypatch, d) == "params/clients/lin.yaml: kyc.date: is before birth_date"
    d["kyc"]["date"] = date(1975, 4, 12)  # on the day of birth: possible (if odd), not refused
    _write(tmp_path, d)
    assert load_client("lin").kyc.date == date(1975, 4, 12)


def test_records_before_birth_are_refused(tmp_path, monkeypatch):
    d = _lin_data()
    d["transactions"][2]["date"] = date(1960, 1, 5)
    d["contact_log"][1]["date"] = date(1970, 3, 1)
    d["complaints"] = [{"opened": date(1974, 12, 1), "closed": date(2018, 1, 2), "summary": "x"}]
    d["kyc"]["override"] = {"risk_class": "conservative", "reason": "asked", "by": "adv-chen", "date": date(1975, 1, 1)}
    assert _error(tmp_path, monkeypatch, d).splitlines() == [
        "params/clients/lin.yaml: kyc.override.date: is before birth_date",
        "params/clients/lin.yaml: transactions.2.date: is before birth_date",
        "params/clients/lin.yaml: contact_log.1.date: is before birth_date",
        "params/clients/lin.yaml: complaints.0.opened: is before birth_date",
    ]


def test_birth_after_the_as_of_date_is_refused_where_the_date_is_known(samples):
    lin = samples["lin"]  # born 1975-04-12
    assert lin.age(date(1975, 4, 12)) == 0 and lin.age(date(2018, 12, 31)) == 43
    with pytest.raises(InputError) as exc:
        lin.age(date(1975, 4, 11))
    assert str(exc.value) == f"{lin.source}: birth_date: is after the as-of date 1975-04-11"


def test_validate_refuses_a_birth_date_in_the_future(params_copy, tmp_path, monkeypatch):
    from wealthlib.validation import validate_params

    params = params_copy
    text = (params / "clients" / "lee.yaml").read_text(encoding="utf-8")
    (params / "clients" / "lee.yaml").write_text(
        "\n".join("birth_date: 2999-01-01" if ln.startswith("birth_date:") else ln for ln in text.splitlines()) + "\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    problems, _ = validate_params(Path("params"), [])
    assert [str(p) for p in problems][0] == "params/clients/lee.yaml: kyc.date: is before birth_date"
    assert {str(p).split(": ")[0] for p in problems} == {"params/clients/lee.yaml"}


def test_reading_once_reads_each_client_file_once(tmp_path, monkeypatch):
    from wealthlib import clients as clients_mod
    from wealthlib.clients import reading_once

    good = _write(tmp_path, _lin_data())
    bad_data = _lin_data()
    bad_data["annual_expenses"] = -1
    bad = _write(tmp_path, bad_data, name="bad")
    bad.write_text(bad.read_text(encoding="utf-8").replace("id: lin", "id: bad"), encoding="utf-8")
    reads: list[str] = []
    real = clients_mod.load_yaml
    monkeypatch.setattr(clients_mod, "load_yaml", lambda p, **kw: (reads.append(Path(p).name), real(p, **kw))[1])
    with reading_once():
        assert load_client(good) is load_client(good)
        for _ in range(2):
            with pytest.raises(InputError, match="annual_expenses: must be ≥ 0"):
                load_client(bad)
        with reading_once():  # nested: the outer block's memory is kept
            load_client(good)
    assert reads == ["lin.yaml", "bad.yaml"]
    load_client(good)  # outside the block every call reads the file
    load_client(good)
    assert reads == ["lin.yaml", "bad.yaml", "lin.yaml", "lin.yaml"]
