"""The advisor's studio (wealthlib.studio): what the panel offers is what the policy allows, any reachable panel
state gives a suitable, fully invested allocation or says why not, and what the panel saves is what renders.

Expected values come from the input files (params/policy.yaml, params/products.yaml read here with PyYAML),
not from the studio's own output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wealthlib.errors import InputError
from wealthlib.studio import (PREVIEW_NICE, Choices, Studio, expected_range, outcome_html, read_choices,
                             write_choices)

from _paths import ROOT, PARAMS
POLICY = yaml.safe_load((PARAMS / "policy.yaml").read_text(encoding="utf-8"))
SHELF = {p["code"]: p for p in yaml.safe_load((PARAMS / "products.yaml").read_text(encoding="utf-8"))["products"]}
CLASSES = {c["code"]: c for c in POLICY["ladders"][POLICY["ladder"]]["classes"]}
CLIENTS = ("lin", "morgan", "chen", "lee")


def _client_file(cid: str) -> dict:
    return yaml.safe_load((PARAMS / "clients" / f"{cid}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def studios() -> dict[str, Studio]:
    return {cid: Studio(cid, params=PARAMS, as_of="2018-12-31") for cid in CLIENTS}


# --------------------------------------------------------------------------------------------- what is offered


def test_products_above_the_ceiling_or_excluded_by_the_client_are_not_offered(studios):
    lin = studios["lin"]
    lim = lin.limits()
    ceiling = CLASSES[lim.class_code]["max_grade"]
    assert lim.ceiling == ceiling
    excluded = set(_client_file("lin")["restrictions"]["excluded_products"])
    expected = {c for c, p in SHELF.items() if p["grade"] <= ceiling and c not in excluded}
    assert set(lim.products) == expected
    assert all(SHELF[c]["grade"] <= ceiling for c in lim.products)
    # caps: the policy's per-class cap, the single-stock cap for single stocks
    caps = POLICY["allocation"]["max_product_weight"]
    assert all(p.cap == pytest.approx(caps[p.asset_class]) for p in lim.products.values())


def test_gamma_and_volatility_ranges_come_from_the_policy(studios):
    for cid, s in studios.items():
        lim = s.limits()
        rc = CLASSES[lim.class_code]
        lo, hi = POLICY["what_if"]["risk_aversion"]
        assert lim.risk_aversion == pytest.approx((lo * rc["risk_aversion"], hi * rc["risk_aversion"], rc["risk_aversion"]))
        assert lim.volatility_cap == pytest.approx(
            (POLICY["what_if"]["volatility_cap_min"] * rc["volatility_cap"], rc["volatility_cap"], rc["volatility_cap"]))


@pytest.fixture()
def strict_params(tmp_path: Path) -> Path:
    """The sample firm with what_if.upward_override: false (a mainland-style rule)."""
    dest = tmp_path / "params"
    shutil.copytree(PARAMS, dest)
    text = (dest / "policy.yaml").read_text(encoding="utf-8")
    assert "upward_override: true" in text
    (dest / "policy.yaml").write_text(text.replace("upward_override: true", "upward_override: false"), encoding="utf-8")
    return dest


def test_no_upward_override_is_offered_where_the_policy_forbids_it(strict_params: Path, studios):
    strict = Studio("lin", params=strict_params, as_of="2018-12-31")
    assert strict.limits().assessed_class == "moderate"
    assert strict.limits().override_classes == ("conservative", "moderate")
    assert "aggressive" in studios["lin"].limits().override_classes  # the sample policy allows it


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_the_elderly_cap_bounds_the_override_list(studios, tmp_path: Path, monkeypatch):
    """chen is 68 on the as-of date: the policy caps an elderly client's class at the ladder's elderly_max_class,
    so no what-if (panel, dropdown or a hand-edited choices file) may override above it, although the sample
    policy allows upward overrides for everyone else."""
    from wealthlib.documents import build_proposal
    from wealthlib.studio import panel

    ladder = POLICY["ladders"][POLICY["ladder"]]
    order = [c["code"] for c in ladder["classes"]]
    cap = ladder["elderly_max_class"]
    assert _age(_client_file("chen")["birth_date"], date(2018, 12, 31)) >= POLICY["kyc"]["elderly_age"]
    assert POLICY["what_if"]["upward_override"] is True and order.index(cap) < len(order) - 1
    lim = studios["chen"].limits()
    assert lim.override_classes == tuple(order[: order.index(cap) + 1])
    assert lim.assessed_class == cap  # chen's questionnaire gives more; the cap is what was assessed
    assert studios["lin"].limits().override_classes == tuple(order)  # not elderly: every class
    draft = tmp_path / "proposal.ipynb"
    draft.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(draft))
    box = panel("chen", params=str(PARAMS), as_of="2018-12-31")
    offered = [v for _, v in box.controls["override"].options]
    assert offered == [None, *order[: order.index(cap) + 1]]
    box.state["stop_precompile"].set()
    with pytest.raises(InputError) as err:
        build_proposal("chen", params=PARAMS, as_of="2018-12-31", n_paths=50,
                       choices=Choices(override_class=order[-1], override_reason="long horizon, confirmed"))
    msg = str(err.value)
    assert f"override_class: {order[-1]!r} is above {cap!r}" in msg and "elderly" in msg
    assert box.state["precompiled"].wait(timeout=300)


def test_render_refuses_what_the_panel_would_not_offer(strict_params: Path):
    from wealthlib.documents import build_proposal

    def refused(params: Path, **choices) -> str:
        with pytest.raises(InputError) as err:
            build_proposal("lin", params=params, as_of="2018-12-31", choices=Choices(**choices), n_paths=50)
        return str(err.value)

    # lin is moderate: γ 6 × [0.5, 2] = [3, 12]; volatility cap 10%, from 5%; TW0050-like equity RR4 is above RR3
    assert "risk_aversion: must lie between 3 and 12" in refused(PARAMS, risk_aversion=2.0)
    assert "volatility_cap: must lie between 5.00% and 10.00%" in refused(PARAMS, volatility_cap=0.12)
    assert "pinned.SP500: is not a product this client may hold" in refused(PARAMS, pinned={"SP500": 0.05})
    assert "pinned.OIL-WTI: is not a product" in refused(PARAMS, pinned={"OIL-WTI": 0.05})  # excluded by the client
    assert "pinned.CORP-BAA10: must be at most the product's cap 50%" in refused(PARAMS, pinned={"CORP-BAA10": 0.6})
    assert "pinned.NOT-ON-SHELF: not a product of shelf" in refused(PARAMS, pinned={"NOT-ON-SHELF": 0.05})
    msg = refused(strict_params, override_class="aggressive", override_reason="long horizon")
    assert "override_class: 'aggressive' is above the assessed class 'moderate'" in msg


# --------------------------------------------------------------------------------------------- the choices file


def test_choices_round_trip_and_bad_files_name_the_field(tmp_path: Path):
    ch = Choices(objective="min_cvar", risk_aversion=4.5, exclude=("CORP-BAA10",), pinned={"CORP-AAA5": 0.3},
                 override_class="conservative", override_reason="client asked", views="views/house.yaml")
    path = write_choices(tmp_path / "choices.json", ch)
    assert read_choices(path) == ch
    assert read_choices(tmp_path / "missing.json") == Choices()
    cases = {
        '{"gamma": 3}': "gamma: not a choice of the panel",
        '{"risk_aversion": "high"}': "risk_aversion: must be a positive number or null",
        '{"risk_aversion": -1}': "risk_aversion: must be a positive number or null",
        '{"objective": "yolo"}': "objective: must be one of",
        '{"exclude": "CORP-BAA10"}': "exclude: must be a list of product codes",
        '{"pinned": {"CORP-AAA5": 1.5}}': "pinned.CORP-AAA5: must be a weight between 0 and 1",
        '{"pinned": {"X": 0.1}, "exclude": ["X"]}': "pinned.X: is also excluded",
        "[1, 2]": "must be a JSON object",
        "{not json": "not valid JSON",
    }
    for text, expected in cases.items():
        (tmp_path / "bad.json").write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as err:
            read_choices(tmp_path / "bad.json")
        assert expected in str(err.value) and "bad.json" in str(err.value) and "\n" not in str(err.value)


def test_an_override_reason_with_a_forbidden_claim_gives_no_allocation(studios):
    out = studios["lin"].evaluate(Choices(override_class="conservative", override_reason="本產品保證獲利"))
    assert not out.ok and "保證獲利" in out.problem and "rule" in out.problem
    out = studios["lin"].evaluate(Choices(override_class="conservative"))
    assert not out.ok and "needs a reason" in out.problem


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text)


def test_the_wording_checks_apply_to_what_the_panel_writes(tmp_path: Path, monkeypatch):
    """The one text the panel writes is the override reason (choices.json holds no other): a forbidden claim of
    the firm's rule sets (wealthlib/data/wording/, read here) — in Traditional or Simplified script, full-width,
    spaced out — gives no allocation and is not saved; a choices file edited by hand to carry one is refused by
    render, naming the file and the field."""
    from wealthlib.documents import build_proposal
    from wealthlib.guard.wording import ForbiddenClaim
    from wealthlib.studio import panel

    rules = {f.stem: yaml.safe_load(f.read_text(encoding="utf-8"))
             for f in (ROOT / "wealthlib" / "data" / "wording").glob("*.yaml")}
    profit = next(r for r in rules["tw"]["rules"] if r["id"] == "tw-guaranteed-profit")["phrases"][0]  # 保證獲利
    capital = next(r for r in rules["en"]["rules"] if r["id"] == "en-capital-guaranteed")["phrases"][0]
    claims = [f"客戶同意，{profit}", "客户同意，保证获利", _fullwidth(f"told {capital}"), " ".join(profit)]
    draft = tmp_path / "proposal.ipynb"
    draft.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(draft))
    box = panel("lin", params=str(PARAMS), as_of="2018-12-31")
    c = box.controls
    c["override"].value = "conservative"
    for claim in claims:
        c["reason"].value = claim
        assert box.state["choices"].override_reason == claim.strip()
        page = _html_unescape(c["result"].value)
        assert "No allocation" in page and "forbidden claim" in page and "wl-expected" not in page, claim
        c["save"].click()
        assert "Not saved" in c["status"].value and "forbidden claim" in _html_unescape(c["status"].value)
        assert not (tmp_path / "choices.json").exists()
    c["reason"].value = "the client asked for less risk after retiring"
    assert "wl-expected" in c["result"].value
    c["save"].click()
    saved = json.loads((tmp_path / "choices.json").read_text(encoding="utf-8"))
    assert saved["override_class"] == "conservative"
    box.state["stop_precompile"].set()
    saved["override_reason"] = claims[1]
    (tmp_path / "choices.json").write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ForbiddenClaim) as err:
        build_proposal("lin", params=PARAMS, as_of="2018-12-31", choices=tmp_path / "choices.json", n_paths=50)
    msg = str(err.value)
    assert "choices.json: override_reason: forbidden claim" in msg and "tw-guaranteed-profit" in msg
    assert box.state["precompiled"].wait(timeout=300)


# --------------------------------------------------------------------------------------------- property


@st.composite
def panel_states(draw, studio: Studio):
    """A state the panel can reach: every value inside what the limits of its class offer."""
    lim0 = studio.limits()
    override = draw(st.sampled_from((None, *lim0.override_classes)))
    reason = draw(st.sampled_from(("long investment horizon, confirmed in the meeting", ""))) if override else None
    views = draw(st.sampled_from((None, *studio.views_options)))
    lim = studio.limits(Choices(override_class=override, views=views))
    codes = sorted(lim.products)
    exclude = draw(st.lists(st.sampled_from(codes), unique=True, max_size=len(codes)))
    pin_codes = draw(st.lists(st.sampled_from([c for c in codes if c not in exclude] or [None]), unique=True,
                              max_size=2))
    pinned = {c: draw(st.floats(0.0, lim.products[c].cap)) for c in pin_codes if c is not None}
    use_ra, use_vc = draw(st.booleans()), draw(st.booleans())
    return Choices(
        objective=draw(st.sampled_from((None, *lim.objectives))),
        risk_aversion=draw(st.floats(*lim.risk_aversion[:2])) if use_ra else None,
        volatility_cap=draw(st.floats(*lim.volatility_cap[:2])) if use_vc else None,
        exclude=tuple(sorted(exclude)), pinned=pinned, override_class=override, override_reason=reason or None,
        views=views)


@pytest.mark.parametrize("cid", CLIENTS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@pytest.mark.slow  # hypothesis over the panel's states: a solve and a page each
@given(data=st.data())
def test_any_reachable_state_is_suitable_and_fully_invested_or_explained(studios, cid, data):
    studio = studios[cid]
    ch = data.draw(panel_states(studio))
    out = studio.evaluate(ch)
    if not out.ok:
        # a clear explanation: one line of words, never a traceback or an empty message
        assert out.problem and out.problem.strip() and "Traceback" not in out.problem
        assert "\n" not in out.problem
        if ch.override_class and not ch.override_reason:
            assert "needs a reason" in out.problem
        assert "No allocation" in outcome_html(out)
        return
    assert not (ch.override_class and not ch.override_reason)
    a = out.allocation
    w = a.weights
    cls = CLASSES[ch.override_class] if ch.override_class else CLASSES[out.limits.class_code]
    assert out.limits.class_code == cls["code"]
    assert float(w.sum()) == pytest.approx(1.0, abs=1e-6)  # fully invested
    assert (w > -1e-7).all()  # long only
    held = [c for c, x in w.items() if x > 1e-6]
    assert all(SHELF[c]["grade"] <= cls["max_grade"] for c in held)  # suitable: every holding within the ceiling
    client_out = set((_client_file(cid).get("restrictions") or {}).get("excluded_products") or [])
    assert all(c not in client_out and c not in ch.exclude for c in held)
    for c, pin in ch.pinned.items():
        assert float(w[c]) == pytest.approx(pin, abs=1e-5)
    by_class = {k: 0.0 for k in cls["bands"]}
    for c, x in w.items():
        by_class[SHELF[c]["asset_class"]] = by_class.get(SHELF[c]["asset_class"], 0.0) + float(x)
    for k, (lo, hi) in cls["bands"].items():
        assert lo - 1e-6 <= by_class[k] <= hi + 1e-6, (k, by_class[k], (lo, hi))
    for c, x in w.items():  # per-product caps of the policy
        cap = POLICY["allocation"]["max_product_weight"][SHELF[c]["asset_class"]]
        if SHELF[c]["type"] in POLICY["allocation"]["max_type_weight"]:
            cap = min(cap, POLICY["allocation"]["max_type_weight"][SHELF[c]["type"]])
        assert float(x) <= cap + 1e-6
    page = outcome_html(out)
    assert f"{100 * a.expected_return:.2f}%" in page and "<svg" in page


# --------------------------------------------------------------------------------------------- pieces


def test_expected_range_is_the_normal_90_percent_interval():
    # z(0.95) = 1.644854 (published normal tables): 5% ± 1.644854 × 10%
    lo, hi = expected_range(0.05, 0.10)
    assert lo == pytest.approx(0.05 - 0.1644854, abs=1e-6) and hi == pytest.approx(0.05 + 0.1644854, abs=1e-6)


def test_outcome_page_escapes_names_and_marks_current_and_proposed(studios):
    out = studios["lin"].evaluate(Choices())
    assert out.ok and out.current is not None  # lin holds products today
    page = outcome_html(out)
    assert ">current</text>" in page and ">proposed</text>" in page and "<polyline" in page
    # the current point is the client's holdings: μ·w0 from the spec equals the frontier chart's input
    spec = studios["lin"].setup().problem.spec
    assert out.current[1] == pytest.approx(float(np.dot(spec.mu, spec.current_weights)))
    out.names = {k: "<script>x</script>" for k in out.names}
    assert "<script>" not in outcome_html(out)


def test_a_frontier_that_cannot_be_drawn_is_not_tried_again(monkeypatch):
    """A state whose frontier fails is answered with its allocation and the proposed point; going back to it
    does not compute the frontier again (it cost wang's panel 450 ms a visit)."""
    import wealthlib.allocate as allocate
    from wealthlib.allocate import AllocationError

    calls = []

    def failing(*a, **k):
        calls.append(1)
        raise AllocationError("no frontier")

    studio = Studio("lee", params=PARAMS, as_of="2018-12-31")
    monkeypatch.setattr(allocate, "efficient_frontier", failing)
    ch = Choices(exclude=(sorted(studio.limits().products)[0],))
    first, again = studio.evaluate(ch), studio.evaluate(ch)
    assert len(calls) == 1
    assert first.ok and again.ok and again.frontier is None
    page = outcome_html(again)
    assert ">proposed</text>" in page and "<polyline" not in page


def _number(html: str) -> str:
    return re.search(r'wl-expected">([^<]*)<', html).group(1)


@pytest.mark.slow  # renders the panel's pages
def test_the_widget_answers_a_change_and_saves_what_renders(tmp_path: Path, monkeypatch):
    """The ipywidgets panel without a browser: a change updates the page, Save writes choices.json, and
    build_proposal (what `wealth render` runs) prints the saved γ in the audit record."""
    from wealthlib.documents import build_proposal
    from wealthlib.studio import panel

    draft = tmp_path / "proposal.ipynb"
    draft.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(draft))
    box = panel("lin", params=str(PARAMS), as_of="2018-12-31")
    c = box.controls
    before = _number(c["result"].value)
    c["exclude"].value = ("CORP-BAA10",)
    assert box.state["choices"].exclude == ("CORP-BAA10",)
    assert "CORP-BAA10" not in re.search(r'wl-by-product.*?</table>', c["result"].value).group(0)
    assert _number(c["result"].value) != before
    c["risk_aversion"].value = 4.5
    assert box.state["choices"].risk_aversion == pytest.approx(4.5)
    assert c["risk_aversion"].min == pytest.approx(3.0) and c["risk_aversion"].max == pytest.approx(12.0)
    c["save"].click()
    saved = json.loads((tmp_path / "choices.json").read_text(encoding="utf-8"))
    assert saved["risk_aversion"] == 4.5 and saved["exclude"] == ["CORP-BAA10"]
    p = build_proposal("lin", params=PARAMS, as_of="2018-12-31", choices=tmp_path / "choices.json", n_paths=50)
    assert "risk aversion γ = 4.5" in p.audit["what_if"]
    assert "CORP-BAA10" in p.section_html("goals")  # printed as excluded for this proposal
    # an override without a reason is not saved
    c["override"].value = "conservative"
    c["save"].click()
    assert "Not saved" in c["status"].value and "needs a reason" in c["status"].value
    assert json.loads((tmp_path / "choices.json").read_text(encoding="utf-8")) == saved


@pytest.mark.slow
def test_preview_renders_the_saved_draft_in_the_background(tmp_path: Path, monkeypatch):
    """Preview PDF: saves the choices, renders the saved draft (unsealed) into preview/ beside it, shows the HTML."""
    import subprocess

    from wealthlib.documents import write_draft
    from wealthlib.studio import panel

    draft = write_draft(ROOT / "templates" / "proposal.ipynb", "lin", tmp_path / "drafts", params=PARAMS,
                        as_of="2018-12-31")
    monkeypatch.setenv("JPY_SESSION_NAME", str(draft))
    box = panel("lin", params=str(PARAMS), as_of="2018-12-31")
    box.controls["risk_aversion"].value = 4.5
    box.controls["preview"].click()
    box.state["preview"].join(timeout=600)  # the render's end, an event
    shown = box.controls["preview_result"].value
    assert "<iframe" in shown and "risk aversion γ = 4.5" in shown, shown[:300]
    pdf = draft.parent / "preview" / "proposal.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "risk aversion γ = 4.5" in " ".join(text.split())
    assert json.loads((draft.parent / "choices.json").read_text(encoding="utf-8"))["risk_aversion"] == 4.5
    # the render ran in its own process at a lower priority than this one (what the OS reports in it), so a
    # change made meanwhile keeps the CPU (benchmarks/studio.py measures changes made during a render)
    assert box.state["preview_nice"] == min(19, os.nice(0) + PREVIEW_NICE)


def test_an_infeasible_change_answers_at_once_and_explains_later(tmp_path: Path, monkeypatch):
    """The verdict comes from one solve; the conflict's words (the diagnosis, many small solves) come from a
    background thread. The diagnosis is held on an event here, so the verdict cannot have waited for it; a
    later change supersedes the explanation (the page keeps the newer state's numbers)."""
    import threading

    from wealthlib._allocate import diagnose
    from wealthlib.studio import INFEASIBLE_LINE, panel

    draft = tmp_path / "proposal.ipynb"
    draft.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(draft))
    box = panel("lin", params=str(PARAMS), as_of="2018-12-31")
    c = box.controls
    release, entered = threading.Event(), threading.Event()
    real = diagnose.explain

    def held(n, constraints, pause=None):
        assert pause is not None  # the panel holds the diagnosis between solves while it answers a change
        entered.set()
        assert release.wait(timeout=300), "the test never released the diagnosis"
        return real(n, constraints, pause)

    monkeypatch.setattr(diagnose, "explain", held)
    # lin is moderate (bands from params/policy.yaml): with every bond excluded and equity above the ceiling,
    # cash alone cannot fill the budget
    bonds = sorted(code for code, p in SHELF.items() if p["asset_class"] == "bond")
    c["exclude"].value = tuple(bonds)
    page = c["result"].value
    assert not release.is_set()
    assert INFEASIBLE_LINE in _html_unescape(page) and "No allocation" in page and "wl-expected" not in page
    assert not box.state["explained"].is_set()
    release.set()
    assert box.state["explained"].wait(timeout=300)  # the explanation drawn: an event, not a sleep
    page = _html_unescape(c["result"].value)
    assert INFEASIBLE_LINE not in page and "No allocation satisfies every constraint" in page
    assert "excludes all bond products" in page

    # superseded: a second infeasible state's diagnosis is held, the advisor moves on to a feasible state
    release.clear()
    entered.clear()
    c["objective"].value = "min_variance"  # another objective: another state, not diagnosed yet
    assert INFEASIBLE_LINE in _html_unescape(c["result"].value)
    pending = box.state["explained"]
    assert entered.wait(timeout=300)  # its diagnosis is running (held)
    c["exclude"].value = ()
    fresh = _number(c["result"].value)
    release.set()
    assert pending.wait(timeout=300)
    page = _html_unescape(c["result"].value)
    assert _number(c["result"].value) == fresh and "No allocation" not in page
    release.set()
    box.state["stop_precompile"].set()
    assert box.state["precompiled"].wait(timeout=300)


def test_the_diagnosis_waits_while_a_change_is_answered(tmp_path: Path, monkeypatch):
    """The conflict's diagnosis runs in the panel's thread and waits on state['idle'] before each solve, so
    it does not share the interpreter with a change being answered. Held at its first pause with a change
    'in progress' (idle cleared), it has run no solve; released, it explains."""
    import threading

    from wealthlib._allocate import diagnose
    from wealthlib.studio import panel

    draft = tmp_path / "proposal.ipynb"
    draft.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(draft))
    box = panel("lin", params=str(PARAMS), as_of="2018-12-31")
    box.state["stop_precompile"].set()
    assert box.state["precompiled"].wait(timeout=300)
    solves, at_pause, go = [], threading.Event(), threading.Event()
    real_status, real_explain = diagnose._status, diagnose.explain
    monkeypatch.setattr(diagnose, "_status", lambda *a, **k: solves.append(1) or real_status(*a, **k))

    def watched(n, constraints, pause=None):
        def p():
            at_pause.set()
            assert go.wait(timeout=300)
            pause()
        return real_explain(n, constraints, p)

    monkeypatch.setattr(diagnose, "explain", watched)
    bonds = sorted(code for code, p in SHELF.items() if p["asset_class"] == "bond")
    box.controls["exclude"].value = tuple(bonds)  # lin, moderate: cash alone cannot fill the budget
    assert at_pause.wait(timeout=300)
    box.state["idle"].clear()  # as while a change is being answered
    go.set()
    assert not box.state["explained"].wait(timeout=0)  # still pending
    assert solves == []
    box.state["idle"].set()
    assert box.state["explained"].wait(timeout=300)
    assert solves and "No allocation satisfies every constraint" in _html_unescape(box.controls["result"].value)


def _html_unescape(text: str) -> str:
    import html

    return html.unescape(text)
