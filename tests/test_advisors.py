"""The advisor registry (wealthlib.advisors): licences, signatures, refusals, and `wealth validate` of it."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from _cli import run_in_process
from _paths import PARAMS
from wealthlib.advisors import UnlicensedAdvisor, check_licences, load_registry, signature
from wealthlib.policy import load_policy

POLICY = load_policy(PARAMS / "policy.yaml")
ON = date(2018, 12, 31)


def _registry(tmp_path, edit):
    raw = yaml.safe_load((PARAMS / "advisors.yaml").read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "advisors.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_registry(path)


def test_signature_is_name_and_registration_numbers_never_the_id():
    reg = load_registry(PARAMS / "advisors.yaml")
    sig = signature(reg, POLICY.advisors, "adv-wang", "zh-TW")
    assert sig.name == "王大明" and sig.branch == "台北信義分公司"
    assert sig.licences == (("證券商業務員", "SR-2013-027760"), ("財富管理業務人員", "WM-2015-004129"),
                            ("信託業務人員", "TR-2014-041986"))
    assert "adv-wang" not in sig.name + sig.line()
    assert signature(reg, POLICY.advisors, "adv-wang", "en").name == "Wang Da-ming"


def test_a_renewal_counts_by_its_latest_expiry():
    reg = load_registry(PARAMS / "advisors.yaml")  # sup-wu: wealth_mgmt 2005–2025, renewed 2025–2030
    assert check_licences(reg, POLICY.advisors, "sup-wu", date(2027, 1, 1)).name("en") == "Wu Chien-hung"


def test_training_hours_in_a_window():
    p = load_registry(PARAMS / "advisors.yaml").person("adv-chen")
    assert p.training_hours(date(2018, 1, 1), date(2018, 12, 31)) == 15  # 6 + 9
    assert p.training_hours(date(2018, 6, 1), date(2018, 12, 31)) == 9


def _expire_wealth_mgmt(raw):
    for lic in raw["people"]["adv-wang"]["licences"]:
        if lic["type"] == "wealth_mgmt":
            lic["expires"] = date(2018, 6, 30)


def test_expired_licence_is_refused_naming_person_and_licence(tmp_path):
    reg = _registry(tmp_path, _expire_wealth_mgmt)
    with pytest.raises(UnlicensedAdvisor) as err:
        check_licences(reg, POLICY.advisors, "adv-wang", ON)
    msg = str(err.value)
    assert "Wang Da-ming (adv-wang)" in msg and "Wealth Management Personnel (wealth_mgmt)" in msg
    assert "expired on 2018-06-30" in msg
    check_licences(reg, POLICY.advisors, "adv-wang", date(2018, 6, 30))  # still valid on its last day


def test_missing_licence_and_unknown_person_are_refused(tmp_path):
    reg = _registry(tmp_path, lambda raw: raw["people"]["adv-chen"]["licences"].pop())  # drops trust
    with pytest.raises(UnlicensedAdvisor, match=r"Chen Ya-ting \(adv-chen\) holds no Trust Business Personnel"):
        check_licences(reg, POLICY.advisors, "adv-chen", ON)
    with pytest.raises(UnlicensedAdvisor, match="adv-nobody is not in the firm's advisor registry"):
        check_licences(reg, POLICY.advisors, "adv-nobody", ON)


def test_wealth_propose_by_an_unlicensed_advisor_is_one_line_and_writes_nothing(params_copy, tmp_path):
    raw = yaml.safe_load((params_copy / "advisors.yaml").read_text(encoding="utf-8"))
    _expire_wealth_mgmt(raw)
    (params_copy / "advisors.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    proc = run_in_process("--params", str(params_copy), "propose", "lee", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 1
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "Wang Da-ming (adv-wang)" in lines[0] and "Wealth Management Personnel" in lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_validate_names_unknown_licence_types_and_advisors_missing_from_the_registry(params_copy):
    raw = yaml.safe_load((params_copy / "advisors.yaml").read_text(encoding="utf-8"))
    raw["people"]["adv-chen"]["licences"][0]["type"] = "insurance"
    del raw["people"]["adv-wang"]
    (params_copy / "advisors.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    proc = run_in_process("--params", str(params_copy), "validate", cwd=params_copy.parent)
    assert proc.returncode == 1
    text = proc.stdout + proc.stderr
    assert "people.adv-chen.licences[0].type: not a licence type of the policy" in text
    assert "adv-wang: has a book (books.yaml) but is not in the registry" in text
    assert "adv-wang: the policy's guard.access.branches puts them in taipei-xinyi" in text


def test_a_branch_or_supervisor_the_registry_lacks_is_refused(tmp_path):
    from wealthlib.errors import WealthError

    with pytest.raises(WealthError, match="people.adv-chen.branch: not a branch of this file"):
        _registry(tmp_path, lambda raw: raw["people"]["adv-chen"].update(branch="kaohsiung"))
    with pytest.raises(WealthError, match="people.adv-chen.supervisor: not a supervisor of this file"):
        _registry(tmp_path, lambda raw: raw["people"]["adv-chen"].update(supervisor="adv-wang"))
