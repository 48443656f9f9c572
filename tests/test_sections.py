"""The documents' seam (wealthlib._doc): units registered once, section lists as data, a firm's list in its
policy.yaml checked naming file and key, and a firm's list changing what the document prints (read back
from the printed HTML)."""

from __future__ import annotations

import re

import pytest
import yaml

from wealthlib import _doc
from wealthlib import documents as D
from wealthlib.errors import InputError
from wealthlib.i18n import t
from wealthlib.policy import load_policy

from _paths import PARAMS, policy_with_sections

AS_OF = "2018-12-31"
DEFAULT = list(_doc.default_sections("proposal"))


def _h2(html: str) -> list[str]:
    return re.findall(r'<h2 id="wl-([a-z_]+)"', html)


def test_every_listed_section_is_a_registered_unit_with_its_labels():
    units = _doc.units("proposal")
    # the package lists every proposal unit, each once, except those a shipped firm's policy lists for itself
    # (the bank's credit support and follow-up visits: params/cn-bank/policy.yaml documents.proposal)
    firms = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in PARAMS.rglob("policy.yaml")]
    firm_only = {k for f in firms for k in (f.get("documents") or {}).get("proposal", [])} - set(DEFAULT)
    assert set(DEFAULT) | firm_only == set(units) and firm_only <= {"credit", "follow_up"}
    assert DEFAULT[0] == "cover" and DEFAULT[-1] == "audit"
    for key, cls in units.items():
        assert cls.key == key and cls.kind == "proposal"
        for loc in ("en", "zh-TW", "zh-CN"):
            assert t(f"documents.{cls.heading}", loc)
    assert D.SECTIONS == tuple((k, units[k].heading) for k in DEFAULT)


def test_a_unit_registered_twice_under_one_key_is_refused():
    with pytest.raises(_doc.SectionError, match="'cover' is registered twice"):
        @_doc.register("proposal")
        class Other(_doc.Section):
            key, heading = "cover", "proposal_client_advisor"


def test_unknown_section_in_a_firms_list_names_the_file_and_the_key(params_copy):
    path = policy_with_sections(params_copy, "proposal", [*DEFAULT[:3], "sumary", *DEFAULT[3:]])
    with pytest.raises(InputError) as err:
        load_policy(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: documents.proposal[3]: unknown section 'sumary'")
    assert "cover" in msg and "\n" not in msg


@pytest.mark.parametrize("sections, field, problem", [
    ([*DEFAULT, "cover"], f"documents.proposal[{len(DEFAULT)}]", "section 'cover' is listed twice"),
    (DEFAULT[:-1], "documents.proposal", "section 'audit' may not be left out"),
    ([{"cover_letter": "rationale", "rationale": "cover_letter"}.get(k, k) for k in DEFAULT],
     "documents.proposal", "the advisor's sections must keep the template's order"),
    ("cover, audit", "documents.proposal", "Input should be a valid list"),
])
def test_bad_firm_lists_are_refused_naming_file_and_key(params_copy, sections, field, problem):
    path = policy_with_sections(params_copy, "proposal", sections)
    with pytest.raises(InputError) as err:
        load_policy(path)
    assert str(err.value).startswith(f"{path}: {field}: {problem}")


def test_a_kind_without_sections_is_refused(params_copy):
    path = params_copy / "policy.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["documents"] = {"brochure": ["cover"]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"documents\.brochure: not a kind of document with sections"):
        load_policy(path)


def test_the_package_list_unknown_key_names_sections_yaml():
    with pytest.raises(InputError) as err:
        _doc.check_list("proposal", ["cover", "summry", "audit"], _doc.SECTIONS_FILE)
    assert str(err.value).startswith("wealthlib/data/documents/sections.yaml: proposal[1]: unknown section 'summry'")


@pytest.mark.slow  # builds whole documents of its own (an edited params copy)
def test_a_firms_list_drops_and_reorders_sections_in_the_document(params_copy):
    """A jurisdiction drops the backtest and the cover letter and prints the costs before the allocation."""
    order = [k for k in DEFAULT if k not in ("backtest", "cover_letter", "costs")]
    order.insert(order.index("allocation"), "costs")
    policy_with_sections(params_copy, "proposal", order)
    firm = D.build_proposal("lin", params=params_copy, as_of=AS_OF, n_paths=200)
    assert list(firm.sections) == order
    assert _h2(firm.html()) == order
    assert firm.section_html("backtest") == "" and firm.heading_html("cover_letter") == ""
    assert "cover_letter" not in firm.default_advisor_text
    # the template's three parts around the advisor's cells print the list in its order
    assert firm.part("cover_letter") == []
    assert firm.part("rationale") == order[:order.index("rationale")]
    assert firm.part(None) == order[order.index("rationale") + 1:]
    with pytest.raises(KeyError):
        firm.section_html("no_such_section")


def test_the_default_parts_cover_the_list_once(sample_proposal):
    p = sample_proposal("lin", PARAMS, as_of=AS_OF)
    parts = [*p.part("cover_letter"), "cover_letter", *p.part("rationale"), "rationale", *p.part(None)]
    assert parts == DEFAULT
    assert p.sections["allocation"].data["by_class"]  # the plain data a section was rendered from
    assert p.sections["costs"].data["total_rate"] == pytest.approx(p.fees["total_rate"])


@pytest.mark.slow
def test_wealth_propose_prints_the_firms_list(params_copy, tmp_path):
    """The printed document (``wealth propose``: template, kernel, nbconvert) follows the firm's list: the
    backtest and the cover letter left out, the costs before the allocation."""
    from _cli import run_subprocess as run

    order = [k for k in DEFAULT if k not in ("backtest", "cover_letter", "costs")]
    order.insert(order.index("allocation"), "costs")
    policy_with_sections(params_copy, "proposal", order)
    proc = run("--params", str(params_copy), "propose", "lin", "--out", str(tmp_path), "--format", "html")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "lin.html").read_text(encoding="utf-8")
    assert _h2(html) == order
    assert t("documents.proposal_backtest", "zh-TW") not in html
    assert t("documents.proposal_cover_letter", "zh-TW") not in html
    assert "wl-advisor" in html  # the rationale's standard text still prints
