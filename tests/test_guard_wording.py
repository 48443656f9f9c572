"""Compliance wording checks (issue 17, item 2). Every rule of every shipped rule set is tried in each script
(as written, Traditional, Simplified), full-width, spaced, and negated; the variants are made here with OpenCC's
s2t/t2s and the Unicode full-width block, not by the code under test."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import nbformat
import pytest
import yaml
from opencc import OpenCC

from wealthlib.guard.wording import ClaimWarning, ForbiddenClaim, available_rule_sets, check_texts, scan

from _paths import ROOT
DATA = ROOT / "wealthlib" / "data" / "wording"
S2T, T2S = OpenCC("s2t"), OpenCC("t2s")


def _rules():
    for name in available_rule_sets():
        data = yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))
        for rule in data["rules"]:
            yield name, data, rule


RULES = list(_rules())


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def _spaced(text: str) -> str:
    return " ".join(text)


def _variants(phrase: str, language: str) -> dict[str, str]:
    if language == "en":
        return {"as written": f"We offer a {phrase} plan.", "upper": f"A {phrase.upper()} PLAN",
                "full-width": _fullwidth(f"a {phrase} plan"), "spaced": f"a {_spaced(phrase)} plan",
                "double-spaced": f"a {phrase.replace(' ', '   ')} plan"}
    return {"as written": f"本產品{phrase}，請放心", "traditional": f"本產品{S2T.convert(phrase)}，請放心",
            "simplified": f"本产品{T2S.convert(phrase)}，请放心", "spaced": f"本產品 {_spaced(phrase)} 請放心",
            "full-width spaces": "本產品" + "\u3000".join(phrase), "zero-width": "本產品" + "\u200b".join(phrase)}


@pytest.mark.parametrize("name,data,rule", RULES, ids=[r["id"] for _, _, r in RULES])
def test_every_phrase_of_every_rule_is_caught_in_every_form(name, data, rule):
    for phrase in rule["phrases"]:
        for kind, text in _variants(phrase, data["language"]).items():
            hits = [h.rule for h in scan(text, "f", [name])]
            assert rule["id"] in hits, f"{rule['id']}: {kind} {text!r} not caught"


@pytest.mark.parametrize("name,data,rule", RULES, ids=[r["id"] for _, _, r in RULES])
def test_negated_forms_pass(name, data, rule):
    phrase = rule["phrases"][0]
    if data["language"] == "en":
        texts = [f"There is no {phrase} here.", f"This is not a {phrase}.", f"We never offer any {phrase}."]
    else:
        texts = [f"本產品不{phrase}", f"本产品并非{T2S.convert(phrase)}", f"投資並不{S2T.convert(phrase)}"]
    for text in texts:
        assert rule["id"] not in [h.rule for h in scan(text, "f", [name])], f"{rule['id']}: {text!r} refused"


@pytest.mark.parametrize("text,rule_sets,expected", [
    ("保證年報酬 30%，保本保息", ["tw"], {"tw-guaranteed-profit", "tw-principal-guaranteed"}),
    ("不保證獲利", ["tw"], set()),
    ("no guarantee of returns", ["en"], set()),
    ("returns are not guaranteed", ["en"], set()),
    ("穩賺不賠的好機會", ["cn"], {"cn-sure-win"}),  # a Traditional phrase caught by the mainland (Simplified) rules
    ("本理财產品保本保收益", ["cn"], {"cn-principal-and-return"}),
    ("剛性兌付", ["cn"], {"cn-rigid-redemption"}),
    ("資管新規要求打破刚性兑付", ["cn"], set()),
    ("不是不保證獲利", ["tw"], {"tw-guaranteed-profit"}),  # a double negation is a claim
    ("無風險利率為 2%", ["tw"], set()),  # the risk-free rate is a finance term
    ("the risk-free rate of 2%", ["en"], set()),
    ("a risk free portfolio", ["en"], {"en-no-risk"}),
    ("You CANNOT lose.", ["en"], {"en-cannot-lose"}),
    ("ｇｕａｒａｎｔｅｅｄ　ｒｅｔｕｒｎ", ["en"], {"en-guaranteed-return"}),
    ("本基金經金融監督管理委員會核准或同意生效，惟不表示本基金絕無風險", ["tw"], set()),
])
def test_examples(text, rule_sets, expected):
    assert {h.rule for h in scan(text, "f", rule_sets)} == expected


class _Policy:
    def __init__(self, rule_sets, warn=()):
        from wealthlib.guard.rules import GuardRules, WordingRules

        self.guard = GuardRules(wording=WordingRules(rule_sets=list(rule_sets), warn=list(warn)))


def test_check_texts_names_source_field_phrase_and_rule_and_warns_by_policy():
    with pytest.raises(ForbiddenClaim) as err:
        check_texts([("notes", "ok"), ("contact_log[1].note", "說明此產品穩賺")], _Policy(["tw"]), "c.yaml")
    assert str(err.value) == ('c.yaml: contact_log[1].note: forbidden claim "穩賺" (rule tw-sure-win: promises a '
                              'gain without loss; 投信管理規則 Art 22; 證券商管理規則 Art 36)')
    with pytest.warns(ClaimWarning, match="tw-sure-win"):
        hits = check_texts([("notes", "穩賺")], _Policy(["tw"], warn=["tw-sure-win"]), "c.yaml")
    assert [h.rule for h in hits] == ["tw-sure-win"]
    with pytest.raises(Exception, match="unknown rule id"):
        _Policy(["tw"], warn=["tw-nope"])


def test_markdown_is_read_as_printed():
    policy = _Policy(["tw"])
    with pytest.raises(ForbiddenClaim):
        check_texts([("cell 6", "保**證**獲利 &#20445;本")], policy, "d", markdown=["cell 6"])


# --------------------------------------------------------------------------------------------- hooked in


def test_render_refuses_a_draft_with_a_forbidden_claim_naming_the_cell(tmp_path: Path):
    from wealthlib.documents import render_draft, write_draft

    draft = write_draft(ROOT / "templates" / "proposal.ipynb", "lin", tmp_path / "d", params=ROOT / "params",
                        as_of=date(2018, 12, 31))
    nb = nbformat.read(draft, as_version=4)
    next(c for c in nb.cells if c.get("id") == "advisor-rationale").source = "這個組合 **穩賺不賠**。"
    nbformat.write(nb, draft)
    with pytest.raises(ForbiddenClaim) as err:
        render_draft(draft, formats=("html",))
    assert "cell 10 ('advisor-rationale', advisor text): forbidden claim \"穩賺\" (rule tw-sure-win" in str(err.value)
    assert sorted(p.name for p in draft.parent.iterdir()) == ["proposal.ipynb"]


def test_build_proposal_and_review_refuse_a_claim_in_the_client_file(params_copy):
    from wealthlib.documents import build_proposal
    from wealthlib.review import build_review

    params = params_copy
    path = params / "clients" / "lin.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("說明美股修正對投資組合的影響", "告知客戶此配置保 本"),
                    encoding="utf-8")
    with pytest.raises(ForbiddenClaim, match=r"lin\.yaml: contact_log\[1\]\.note: forbidden claim \"保本\""):
        build_proposal("lin", params=params)
    with pytest.raises(ForbiddenClaim, match=r"contact_log\[1\]\.note"):
        build_review("lin", params=params, quarter="2018Q3")
