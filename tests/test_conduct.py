"""Taiwan's client-protection rules as data (wealthlib.conduct): professional investors, foreign-securities
gates, elderly steps, and every holding above the ceiling with its decision."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from _paths import PARAMS
from wealthlib.clients import load_client, parse_client
from wealthlib.conduct import ConductRefused, ceiling_decisions, check_conduct, elderly_steps, trades_past_year
from wealthlib.policy import load_policy
from wealthlib.products import load_shelf

POLICY = load_policy(PARAMS / "policy.yaml")
SHELF = load_shelf(PARAMS / "products.yaml", POLICY)
ON = date(2018, 12, 31)
FOREIGN = {"SP500": 0.6, "CORP-AAA10": 0.4}  # every demo product is US-domiciled: foreign for a TW firm


def _client(cid: str, **changes):
    raw = yaml.safe_load((PARAMS / "clients" / f"{cid}.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return parse_client(raw, f"params/clients/{cid}.yaml")


def test_trades_past_year_counts_foreign_buys_and_sells_in_the_window_and_declared_outside_trades():
    lee = load_client("lee", PARAMS / "clients")
    # by hand: 2018-02-05 two buys, 2018-08-15 two sells (the deposit and fee do not count), plus 3 declared
    assert trades_past_year(lee, POLICY, SHELF, ON) == 7
    # as of 2018-06-30: the two buys and the declared 3 of 2018-05-31; the August sells are after the date
    assert trades_past_year(lee, POLICY, SHELF, date(2018, 6, 30)) == 5
    # 2019-02-05: the window (2018-02-05, 2019-02-05] leaves the two February buys out
    assert trades_past_year(lee, POLICY, SHELF, date(2019, 2, 5)) == 5
    assert trades_past_year(lee, POLICY, SHELF, date(2017, 12, 31)) == 0


@pytest.mark.parametrize("cid", ["chen", "lee", "lin"])
def test_sample_non_professionals_pass_every_gate(cid):
    assert check_conduct(POLICY, SHELF, load_client(cid, PARAMS / "clients"), FOREIGN, ON) is None  # no refusal
    # the gates are live for this client: the same file without its foreign-securities record is refused
    with pytest.raises(ConductRefused, match="a signed one-page consent"):
        check_conduct(POLICY, SHELF, _client(cid, foreign_securities=None), FOREIGN, ON)


def test_a_non_professional_aged_71_is_refused_naming_the_age_gate():
    old = _client("chen", birth_date=date(1947, 6, 1))  # 71 on 2018-12-31
    with pytest.raises(ConductRefused) as err:
        check_conduct(POLICY, SHELF, old, FOREIGN, ON)
    msg = str(err.value)
    assert msg.startswith("params/clients/chen.yaml: birth_date: ")
    assert "age 70 or under" in msg and "CORP-AAA10" in msg and "non-professional" in msg
    assert "1947" not in msg and "71" not in msg  # the client's own values stay out of messages


def test_each_gate_is_named_when_it_fails():
    c = _client("lin", foreign_securities={"consent": date(2019, 1, 15), "outside_trades": []},
                education_level="primary", flags={"professional_investor": False, "major_illness_card": True})
    with pytest.raises(ConductRefused) as err:
        check_conduct(POLICY, SHELF, c, FOREIGN, ON)
    msg = str(err.value)
    assert "foreign_securities.consent" in msg  # the consent is dated after the as-of date: not yet signed
    for gate in ("a signed one-page consent", "at least 5 trades in foreign securities in the past 12 months",
                 "schooling of junior_high or above", "no major-illness card"):
        assert gate in msg
    assert "age 70 or under" not in msg


def test_unrecorded_gate_data_fails_the_gate():
    c = _client("lin", education_level=None, flags={"professional_investor": False})
    with pytest.raises(ConductRefused, match="schooling of junior_high.*no major-illness card"):
        check_conduct(POLICY, SHELF, c, FOREIGN, ON)


def test_gates_apply_only_when_a_foreign_product_is_proposed():
    old = _client("chen", birth_date=date(1947, 6, 1))
    policy = POLICY.model_copy(update={"conduct": POLICY.conduct.model_copy(update={
        "foreign_securities": POLICY.conduct.foreign_securities.model_copy(update={"home": "US"})})})
    assert check_conduct(policy, SHELF, old, FOREIGN, ON) is None  # the same products are domestic for a US firm
    with pytest.raises(ConductRefused, match="age 70 or under"):  # and foreign for the Taiwanese firm
        check_conduct(POLICY, SHELF, old, FOREIGN, ON)


def test_professional_investor_passes_gates_but_needs_the_acknowledgement():
    morgan = load_client("morgan", PARAMS / "clients")  # no consent or schooling data needed: professional
    check_conduct(POLICY, SHELF, morgan, FOREIGN, ON)
    with pytest.raises(ConductRefused, match="professional.acknowledged: a professional investor's signed"):
        check_conduct(POLICY, SHELF, _client("morgan", professional=None), FOREIGN, ON)
    late = {"basis": "assets", "verified": date(2018, 1, 10), "acknowledged": date(2019, 1, 2)}
    with pytest.raises(ConductRefused, match="professional.acknowledged"):
        check_conduct(POLICY, SHELF, _client("morgan", professional=late), FOREIGN, ON)


def test_elderly_steps_reasons_for_every_product_and_review_of_high_risk_buys():
    chen = load_client("chen", PARAMS / "clients")  # 68
    steps = elderly_steps(POLICY, SHELF, chen, {"CORP-AAA10": 0.7, "US-TSM": 0.3, "NASDAQ": 0.0},
                          {"CORP-AAA10": 1000.0, "US-TSM": 500.0, "NASDAQ": -200.0}, ON)
    assert steps.applies and steps.reasons_for == ("CORP-AAA10", "US-TSM")
    assert steps.review == ("US-TSM",)  # RR4 bought; the RR5 NASDAQ is sold, not bought
    lin = load_client("lin", PARAMS / "clients")  # 43
    assert not elderly_steps(POLICY, SHELF, lin, {"US-TSM": 1.0}, {"US-TSM": 1.0}, ON).applies


def test_every_holding_above_the_ceiling_has_its_decision():
    ex = [{"product": "NASDAQ", "approved_by": "sup-wu", "date": date(2018, 11, 5),
           "reason": "客戶聲明自行承擔風險並保留部位"}]
    chen = _client("chen", exceptions=ex)
    current = {"CORP-AAA10": 500.0, "US-TSM": 300.0, "NASDAQ": 100.0}
    rows = ceiling_decisions(chen, SHELF, 3, current, {"CORP-AAA10": 700.0, "NASDAQ": 100.0}, ON)
    assert [(r.code, r.decision) for r in rows] == [("US-TSM", "sold"), ("NASDAQ", "kept_exception")]
    assert rows[1].approved_by == "sup-wu" and rows[1].approved_on == date(2018, 11, 5) and rows[1].kept == 100.0
    assert rows[0].held == 300.0 and rows[0].kept == 0.0
    with pytest.raises(ValueError, match="without a recorded exception"):  # an exception recorded after the date
        ceiling_decisions(chen, SHELF, 3, current, {"NASDAQ": 100.0}, date(2018, 10, 31))


def test_validate_names_a_foreign_product_paying_the_firm_above_the_cap(params_copy):
    from _cli import run_in_process

    raw = yaml.safe_load((params_copy / "products.yaml").read_text(encoding="utf-8"))
    wti = next(i for i, p in enumerate(raw["products"]) if p["code"] == "OIL-WTI")
    raw["products"][wti]["distribution"]["sales_bonus"] = 0.003  # 0.30% + 0.30% share > the 0.50% cap
    del raw["products"][0]["domicile"]
    (params_copy / "products.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    proc = run_in_process("--params", str(params_copy), "validate", cwd=params_copy.parent)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert f"products.{wti}.distribution: the firm would receive more than 0.50% a year" in text
    assert "products.0.domicile: is required" in text


def test_book_names_the_approver_of_a_holding_kept_above_the_ceiling(params_copy):
    from wealthlib.book import build_book

    raw = yaml.safe_load((params_copy / "clients" / "chen.yaml").read_text(encoding="utf-8"))
    raw["exceptions"] = [{"product": "NASDAQ", "approved_by": "sup-wu", "date": date(2018, 11, 5),
                          "reason": "客戶聲明自行承擔風險並保留部位"}]
    (params_copy / "clients" / "chen.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    ex = build_book(params=params_copy, as_of="2018-12-31").exceptions.set_index(["client", "product"])
    assert ex.loc[("chen", "NASDAQ"), "approved_by"] == "sup-wu"
    assert not isinstance(ex.loc[("chen", "US-TSM"), "approved_by"], str)  # above the ceiling, no exception
    before = build_book(params=params_copy, as_of="2018-10-31").exceptions.set_index(["client", "product"])
    assert not isinstance(before.loc[("chen", "NASDAQ"), "approved_by"], str)  # granted after that date


def _propose(params, cid, out):
    from _cli import run_in_process

    return run_in_process("--params", str(params), "propose", cid, "--out", str(out), cwd=params.parent)


def _edit(path, change):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def test_wealth_propose_refuses_a_non_professional_aged_71_offered_a_foreign_product(params_copy, tmp_path):
    _edit(params_copy / "clients" / "chen.yaml", lambda raw: raw.update(birth_date=date(1947, 6, 1)))  # 71
    out = tmp_path / "out"
    proc = _propose(params_copy, "chen", out)
    assert proc.returncode == 1
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "chen.yaml: birth_date: foreign securities (" in lines[0]  # every demo product is US-domiciled
    assert "may not be recommended to a non-professional investor without: age 70 or under" in lines[0]
    assert "1947" not in lines[0] and "71" not in lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_a_foreign_product_paying_the_firm_above_the_cap_is_not_proposed_to_a_non_professional(params_copy, tmp_path):
    shelf = params_copy / "products.yaml"
    raw = yaml.safe_load(shelf.read_text(encoding="utf-8"))
    i = next(i for i, p in enumerate(raw["products"]) if p["code"] == "CORP-BAA10")
    raw["products"][i]["distribution"]["sales_bonus"] = 0.004  # 0.20% share + 0.40% bonus = 0.60% > 0.50%
    shelf.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    proc = _propose(params_copy, "lee", out)  # lee's allocation holds CORP-BAA10 at its 50% cap
    assert proc.returncode == 1
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert f"products.yaml: products.{i}.distribution: CORP-BAA10 pays the firm 0.60% a year, above the 0.50% " \
           "cap on a foreign product for a non-professional investor" in lines[0]
    assert lines[0].endswith("lee.yaml")
    assert not out.exists() or not any(out.iterdir())
    # a professional investor may be offered it (the cap protects non-professionals only)
    policy = load_policy(params_copy / "policy.yaml")
    check_conduct(policy, load_shelf(shelf, policy), load_client("morgan", PARAMS / "clients"),
                  {"CORP-BAA10": 1.0}, ON)
    with pytest.raises(ConductRefused, match="CORP-BAA10 pays the firm 0.60%"):
        check_conduct(policy, load_shelf(shelf, policy), load_client("lin", PARAMS / "clients"),
                      {"CORP-BAA10": 0.5, "USD-MMF": 0.5}, ON)
