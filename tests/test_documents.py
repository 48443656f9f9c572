"""The Proposal object: numbers checked by hand from the sample client files, audit hash, override, escaping.

No kernel here (fast): ``build_proposal`` runs in this process on the bundled market data.
"""

from __future__ import annotations

import re
from pathlib import Path
from html import escape

import nbformat
import pytest
import yaml

from wealthlib import documents as D
from wealthlib.allocate import AllocationInfeasible
from wealthlib.context import KycExpired
from wealthlib.errors import InputError
from wealthlib.i18n import LOCALES, t

from _paths import BANK, BANK_SAMPLES, PARAMS, ROOT, SAMPLES
AS_OF = "2018-12-31"


def _yaml(client: str, params: Path = PARAMS) -> dict:
    return yaml.safe_load((params / "clients" / f"{client}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lin(sample_proposal) -> D.Proposal:
    return sample_proposal("lin", PARAMS, as_of=AS_OF)  # 200 paths, shared with the other modules


def _holding_value(h: dict) -> float:
    return h["amount"] if "amount" in h else h["units"] * h["price"]


#: TWD per USD on 2018-12-31: the last NBP fixings before it (2018-12-24), table A USD 3.7588 PLN and table B
#: TWD 0.1221 PLN, as published; lin's holdings are entered in USD (the products' currency).
USD_TWD_20181231 = 3.7588 / 0.1221


# --------------------------------------------------------------------------------------- household picture


def test_household_ratios_hand_computed_from_the_yaml(lin):
    y = _yaml("lin")
    usd = sum(_holding_value(h) for h in y["holdings"].values())
    assert usd == pytest.approx(16_305.24 + 39_132.58 + 26_088.39 + 52.5 * 994.62)
    portfolio = sum(round(_holding_value(h) * USD_TWD_20181231, 2) for h in y["holdings"].values())
    # liquid reserve = financial assets outside the portfolio + money-market holdings, in TWD
    reserve = (y["assets"]["financial"] - portfolio) + y["holdings"]["USD-MMF"]["amount"] * USD_TWD_20181231
    assert lin.household["liquid_reserve"] == pytest.approx(reserve)
    assert lin.ratios["emergency_months"] == pytest.approx(reserve / (y["annual_expenses"] / 12))
    total_assets = y["assets"]["financial"] + y["assets"]["property"] + y["assets"]["other"]
    total_debt = y["debts"]["mortgage"] + y["debts"]["other"]
    assert lin.ratios["debt_to_assets"] == pytest.approx(total_debt / total_assets) == pytest.approx(0.25)
    assert lin.ratios["debt_service_to_income"] == pytest.approx(420_000 / 2_400_000)
    savings = y["income"]["annual"] - y["annual_expenses"] - y["debts"]["annual_debt_service"]
    assert lin.household["savings"] == pytest.approx(880_000) == pytest.approx(savings)
    assert lin.ratios["savings_rate"] == pytest.approx(savings / y["income"]["annual"])
    assert lin.household["net_worth"] == pytest.approx(total_assets - total_debt)
    # and the contribution the projection uses is those savings
    assert lin.projection_assumptions["contributions"][0] == pytest.approx(savings)


def test_household_section_shows_the_ratios_in_the_clients_language(lin):
    html = lin.section_html("household")
    assert t("documents.ratio_emergency_months", "zh-TW") in html
    y = _yaml("lin")
    portfolio = sum(_holding_value(h) for h in y["holdings"].values()) * USD_TWD_20181231
    months = (6_500_000 - portfolio + 16_305.24 * USD_TWD_20181231) / (1_100_000 / 12)
    assert f"{months:.1f} 個月" in html
    assert "25.0%" in html and "17.5%" in html and "36.7%" in html
    assert "新臺幣 20,800,000 元" in html


# --------------------------------------------------------------------------------------- fees, allocation


def test_fees_in_currency_are_weights_times_fees_times_value(lin):
    shelf = {p["code"]: p for p in yaml.safe_load((PARAMS / "products.yaml").read_text(encoding="utf-8"))["products"]}
    value = lin.portfolio_value
    usd = 16_305.24 + 39_132.58 + 26_088.39 + 52.5 * 994.62
    assert value == pytest.approx(usd * USD_TWD_20181231, abs=0.05)  # valued in TWD at the as-of date
    total = 0.0
    for row in lin.fees["rows"]:
        expected = lin.weights[row["code"]] * shelf[row["code"]]["annual_fee"] * value
        assert row["amount"] == pytest.approx(expected)
        total += expected
    assert lin.fees["total_amount"] == pytest.approx(total)
    assert lin.fees["total_rate"] == pytest.approx(total / value)
    # cumulative effect grows with the years and is positive
    red = [r["reduction"] for r in lin.fees["cumulative"]]
    assert red == sorted(red) and red[0] > 0
    # trading cost = traded amount × the policy's rate
    assert lin.fees["trading_cost"] == pytest.approx(lin.fees["traded"] * 0.002)


def test_allocation_is_suitable_and_the_benchmark_is_stated(lin, sample_proposal):
    assert abs(sum(lin.weights.values()) - 1) < 1e-9
    assert lin.ceiling == 3 and lin.ceiling_label == "RR3"
    assert all(int(g[2:]) <= 3 for g in lin.grades.values())
    assert "SP500" not in lin.weights  # RR4, sold
    assert lin.trade_amounts["SP500"] == pytest.approx(-52.5 * 994.62 * USD_TWD_20181231, abs=0.01)
    # moderate class may not hold the RR4 equity index: 80/20 bond/cash benchmark, named in the document
    assert lin.benchmark == pytest.approx({"CORP-AAA5": 0.8, "USD-MMF": 0.2})
    assert "CORP-AAA5" in lin.section_html("backtest")
    morgan = sample_proposal("morgan", PARAMS, as_of=AS_OF)
    assert morgan.benchmark == pytest.approx({"US-TSM": 0.6, "CORP-AAA5": 0.4})


def test_suitability_section_lists_each_product_grade_against_the_ceiling(lin):
    html = lin.section_html("suitability")
    for code, grade in lin.grades.items():
        assert re.search(rf"{re.escape(code)}.*?{grade}", html, re.S)
    assert html.count("RR3") >= len(lin.grades)


def test_every_heading_in_order_in_every_locale(sample_proposal):
    for client, locale, firm in (("lee", "en", PARAMS), ("lin", "zh-TW", PARAMS), ("wang", "zh-CN", BANK)):
        p = sample_proposal(client, firm, as_of=AS_OF)
        assert p.locale == locale
        html = p.html()
        positions = [html.index(f">{escape(p.heading(k))}<") for k, _ in D.SECTIONS]
        assert positions == sorted(positions)
        for heading in D.proposal_headings(locale)[1:]:
            assert escape(heading) in html, heading


def test_locale_parameter_overrides_the_clients_language(sample_proposal):
    p = sample_proposal("lin", PARAMS, locale="en", as_of=AS_OF)
    assert p.title == "Asset Allocation Proposal" and "Key ratios" in p.html()


@pytest.mark.slow  # builds whole documents of its own
def test_same_inputs_same_document_and_json_round_trip(lin):
    again = D.build_proposal("lin", params=PARAMS, as_of=AS_OF, n_paths=200)
    assert again.html() == lin.html()  # every printed figure, chart bytes included
    assert again.weights == pytest.approx(lin.weights, abs=1e-12)  # a warm re-solve may move the 17th digit
    assert [g["probability"] for g in again.goals] == [g["probability"] for g in lin.goals]
    assert again.audit == lin.audit
    back = D.Proposal.from_json(lin.to_json())
    assert back.html() == lin.html() and back.as_of == lin.as_of


def test_stress_in_currency_and_percent(lin):
    covered = [r for r in lin.stress_rows if r["covered"]]
    assert covered, "the demo data cover at least the 2000 and 2008 episodes"
    for r in covered:
        assert r["pnl"] == pytest.approx(r["return"] * lin.portfolio_value)
    assert lin.projection_assumptions["seed"] == 20181231


# --------------------------------------------------------------------------------------- audit hash


@pytest.mark.slow  # builds whole documents of its own (six)
def test_audit_hash_changes_with_the_client_file_and_is_stable_otherwise(params_copy):
    path = params_copy / "clients" / "lin.yaml"
    a = D.build_proposal("lin", params=params_copy, as_of=AS_OF)
    b = D.build_proposal("lin", params=params_copy, as_of=AS_OF)
    assert a.audit["inputs_hash"] == b.audit["inputs_hash"]
    assert re.fullmatch(r"[0-9a-f]{64}", a.audit["inputs_hash"])
    path.write_text(path.read_text(encoding="utf-8").replace("偏好每季電話聯繫。", "偏好每月電話聯繫。"), encoding="utf-8")
    c = D.build_proposal("lin", params=params_copy, as_of=AS_OF)
    assert c.audit["inputs_hash"] != a.audit["inputs_hash"]
    # parameters are inputs too
    d = D.build_proposal("lin", params=params_copy, as_of=AS_OF, seed=7)
    assert d.audit["inputs_hash"] != c.audit["inputs_hash"]
    for key in ("data_vintage", "policy_version", "questionnaire_version", "disclosures_version", "software_version"):
        assert a.audit[key]
    assert a.audit["inputs_hash"] in a.section_html("audit")
    assert a.audit["inputs_hash"][:16] in a.audit_line


# --------------------------------------------------------------------------------------- override


@pytest.mark.slow  # builds whole documents of its own
def test_override_is_recorded_in_the_document_and_the_audit():
    reason = "Client signed a declaration; supervisor Wu approved on 2018-12-20"
    p = D.build_proposal("lin", params=PARAMS, as_of=AS_OF, override=("aggressive", reason, "sup-wu"))
    assert p.risk_class == "aggressive" and p.ceiling == 5
    assert p.override == {"class": "aggressive", "class_name": "積極型", "assessed": "moderate", "reason": reason,
                          "by": "sup-wu", "date": AS_OF}
    # who made it, by name (advisors.yaml: sup-wu is 吳建宏), never the id
    assert reason in p.section_html("kyc") and "吳建宏" in p.section_html("kyc") and "sup-wu" not in p.section_html("kyc")
    assert reason in p.audit["overrides"] and "吳建宏" in p.audit["overrides"] and "積極型" in p.audit["overrides"]
    assert "吳建宏" in p.audit_line and "sup-wu" not in p.audit_line and reason in p.section_html("audit")
    # who made it defaults to the client's advisor
    q = D.build_proposal("lin", params=PARAMS, as_of=AS_OF, override=("aggressive", reason, None))
    assert q.override["by"] == "adv-chen"


@pytest.mark.slow  # builds whole documents of its own
def test_override_needs_a_reason_and_a_known_class():
    with pytest.raises(InputError, match="needs a reason"):
        D.build_proposal("lin", params=PARAMS, as_of=AS_OF, override=("aggressive", " ", None))
    with pytest.raises(InputError, match="not a class"):
        D.build_proposal("lin", params=PARAMS, as_of=AS_OF, override=("reckless", "because", None))
    none = D.build_proposal("lin", params=PARAMS, as_of=AS_OF, override=(None, None, None))
    assert none.override is None and none.audit["overrides"] == "—"


@pytest.mark.slow  # builds whole documents of its own
def test_exclusion_what_if_is_stated():
    p = D.build_proposal("lin", params=PARAMS, as_of=AS_OF, exclude=["CORP-BAA10"])
    assert "CORP-BAA10" not in p.weights
    assert "CORP-BAA10" in p.section_html("goals")
    with pytest.raises(InputError, match="unknown product"):
        D.build_proposal("lin", params=PARAMS, as_of=AS_OF, exclude=["NOPE"])


@pytest.mark.slow  # builds whole documents of its own
def test_views_what_if_changes_the_assumptions_and_the_audit_hash(lin):
    p = D.build_proposal("lin", params=PARAMS, as_of=AS_OF, views="views/house.yaml", n_paths=200)
    views = t("documents.asm_method_views", "zh-TW")  # the method in words, the views as its last part
    assert views in p.section_html("assumptions") and "shrunk_mean" not in p.section_html("assumptions")
    assert views not in lin.section_html("assumptions")
    assert p.audit["inputs_hash"] != lin.audit["inputs_hash"]
    with pytest.raises(InputError, match="file not found"):
        D.build_proposal("lin", params=PARAMS, as_of=AS_OF, views="views/missing.yaml")


# --------------------------------------------------------------------------------------- refusals


def test_expired_kyc_is_refused_with_a_clear_message():
    with pytest.raises(KycExpired, match=r"huang\.yaml: kyc\.date: .*expired on 2018-09-30"):
        D.build_proposal("huang", params=PARAMS, as_of=AS_OF)


def test_infeasible_allocation_names_the_conflict(params_copy):
    data = _yaml("lin")  # 穩健型: at least 50% bonds, at most 40% cash
    data.update(id="nobonds", restrictions={"excluded_products": [], "excluded_classes": ["bond"]})
    (params_copy / "clients" / "nobonds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(AllocationInfeasible, match="the client excludes the asset class bond"):
        D.build_proposal("nobonds", params=params_copy, as_of=AS_OF)


# --------------------------------------------------------------------------------------- escaping

HOSTILE = "<script>alert(1)</script>"


@pytest.mark.slow  # builds whole documents of its own
def test_client_text_is_escaped_everywhere(params_copy):
    data = _yaml("lee")
    data.update(id="evil", name=f"Eve {HOSTILE}", notes=f'<img src=x onerror=alert(2)> {HOSTILE}')
    data["goals"][0]["name"] = f"Flat <b>deposit</b> {HOSTILE}"
    (params_copy / "clients" / "evil.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    p = D.build_proposal("evil", params=params_copy, as_of=AS_OF)
    html = p.html()
    assert "<script" not in html.lower() and "<img src=x" not in html and "<b>deposit" not in html
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "Flat &lt;b&gt;deposit&lt;/b&gt;" in html


@pytest.mark.slow  # builds whole documents of its own
def test_advisor_markdown_renders_without_raw_html_or_script_links():
    out = D.advisor_html(f"Hello **you** {HOSTILE}\n\n[click](javascript:alert(1)) <img src=x onerror=alert(3)>\n\n"
                         "```\ncode\n\nmore\n```")
    assert "<strong>you</strong>" in out
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "javascript:" not in out.split("[click]")[0] and 'href="javascript' not in out
    assert "<img" not in out
    assert "\n\n" not in out  # one HTML block in a markdown cell
    p = D.build_proposal("lee", params=PARAMS, as_of=AS_OF, advisor_text={"rationale": f"Because {HOSTILE}"})
    assert "Because &lt;script&gt;" in p.section_html("rationale")
    assert p.section_html("cover_letter").count("Kevin Lee") == 1  # standard letter when none was written


# --------------------------------------------------------------------------------------- notebooks


def test_template_has_the_parameters_and_advisor_cells_and_no_outputs():
    nb = nbformat.read(ROOT / "templates" / "proposal.ipynb", as_version=4)
    params = D.read_parameters(nb)
    assert params == {"client": "lin", "as_of": None, "locale": None, "params": "params", "objective": None,
                      "override_class": None, "override_reason": None, "override_by": None, "exclude": [],
                      "views": None, "choices": "choices.json", "seed": 20181231, "prebuilt": None,
                      "audit_out": None}
    advisor = [c for c in nb.cells if "advisor-text" in c.metadata.get("tags", [])]
    assert [c.metadata["advisor_section"] for c in advisor] == ["cover_letter", "rationale"]
    assert all(c.cell_type == "markdown" for c in advisor)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # which sections the template shows is checked on what it prints: test_proposal_e2e finds every heading of the
    # client's locale in the PDF rendered from this template (no regex over the template's code)


def test_draft_parameters_and_advisor_cells(tmp_path, lin):
    tpl = ROOT / "templates" / "proposal.ipynb"
    path = D.write_draft(tpl, "lin", tmp_path / "drafts", params=PARAMS, as_of=AS_OF)
    assert path == tmp_path / "drafts" / "lin" / "proposal.ipynb"
    nb = nbformat.read(path, as_version=4)
    p = D.read_parameters(nb)
    assert p["client"] == "lin" and (path.parent / p["params"]).resolve() == PARAMS.resolve()
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    with pytest.raises(Exception, match="already exists"):
        D.write_draft(tpl, "lin", tmp_path / "drafts", params=PARAMS)
    D.set_parameters(nb, {"override_class": "aggressive", "exclude": ["AAPL"]})
    p = D.read_parameters(nb)
    assert p["override_class"] == "aggressive" and p["exclude"] == ["AAPL"]
    # advisor cells: placeholder → standard text; the advisor's words → safe HTML
    for cell in nb.cells:
        if cell.metadata.get("advisor_section") == "rationale":
            cell.source = f"My **own** words {HOSTILE}"
    written = D.prepare_advisor_cells(nb, lin)
    assert written == {"rationale": f"My **own** words {HOSTILE}"}
    sources = {c.metadata.get("advisor_section"): c.source for c in nb.cells if c.metadata.get("advisor_section")}
    assert "<strong>own</strong>" in sources["rationale"] and "&lt;script&gt;" in sources["rationale"]
    assert lin.default_advisor_text["cover_letter"] in sources["cover_letter"]


@pytest.fixture(scope="module")
def labels_the_proposals_use() -> set[str]:
    """Every label key looked up while building and printing each sample client's proposal (in the client's
    own language): what the documents use, observed, not read out of the source."""
    used: set[str] = set()

    def recording_t(key: str, locale: str, **fmt):
        used.add(key)
        return t(key, locale, **fmt)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(D, "t", recording_t)
        for cid, firm in [*((c, PARAMS) for c in SAMPLES), *((c, BANK) for c in BANK_SAMPLES)]:
            try:
                D.build_proposal(cid, params=firm, as_of=AS_OF).html()
            except KycExpired:
                continue  # a sample kept to show the refusal: it gets no proposal to print
    return used


@pytest.mark.slow  # builds every sample's proposal, recording its label look-ups
@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_label_the_proposal_uses(locale, labels_the_proposals_use):
    assert any(k.startswith("documents.") for k in labels_the_proposals_use)  # the recorder saw the lookups
    missing = sorted(k for k in labels_the_proposals_use if not _has_text(k, locale))
    assert missing == []


def _has_text(key: str, locale: str) -> bool:
    try:
        return bool(t(key, locale))
    except KeyError:
        return False


def test_client_without_holdings_gets_a_first_investment_of_financial_assets_less_liquidity_need(sample_proposal):
    y = _yaml("zhang", BANK)  # a client of the bank
    assert y["holdings"] == {}
    p = sample_proposal("zhang", BANK, as_of=AS_OF)
    amount = y["assets"]["financial"] - y["liquidity_need"]
    assert p.portfolio_value == 0 and p.amount == pytest.approx(amount)
    assert sum(p.trade_amounts.values()) == pytest.approx(amount)
    assert all(v > 0 for v in p.trade_amounts.values())  # buys only
    assert p.fees["total_amount"] == pytest.approx(p.fees["total_rate"] * amount)
    assert p.projection_assumptions["start_value"] == pytest.approx(amount)
