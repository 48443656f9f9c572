"""Client text in charts is drawn literally in every locale: "$" is a dollar sign, never math text or TeX; a text
no chart font can draw is an error naming file and field (without quoting the text)."""

from __future__ import annotations

import io
import shutil
from html import unescape
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from wealthlib import charts
from wealthlib.clients import load_client

from _paths import PARAMS

GOALS = ["Save $5k now and $10k later", r"Tuition $\badcmd$ fund", r"$\frac{1}{2}$ of \textbf{it} ^_^ %"]
LOCALES = ("en", "zh-TW", "zh-CN")


class _Projection:
    """What :func:`charts.projection_fan` reads from a projection: a percentile fan and the goals."""

    def __init__(self, names):
        years = list(range(0, 11))
        self.fan = pd.DataFrame({p: [1e5 * (1 + 0.01 * p) ** y for y in years] for p in (5, 25, 50, 75, 95)},
                                index=years)
        self.goals = pd.DataFrame({"years": [3, 6, 9][: len(names)], "amount": [1.2e5, 1.5e5, 1.9e5][: len(names)],
                                   "probability": [0.5, 0.6, 0.7][: len(names)]}, index=names)


def _svg_texts(fig) -> str:
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # glyphs as <text>: what was drawn can be read back
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    return unescape(buf.getvalue())


@pytest.mark.parametrize("locale", [pytest.param(loc, marks=() if loc == "en" else pytest.mark.slow)
                                    for loc in LOCALES])  # a chart drawn four times: English in the fast tier
def test_dollar_goal_names_print_as_written(locale):
    fig = charts.projection_fan(_Projection(GOALS), locale)
    charts.to_png(fig)  # no ParseFatalException
    drawn = _svg_texts(fig)
    for name in GOALS:
        assert name in drawn, name
    assert "5knowand10k" not in drawn.replace(" ", "")
    # also when drawn outside the house style (as an inline backend would)
    with matplotlib.rc_context({"text.parse_math": True}):
        assert all(name in _svg_texts(fig) for name in GOALS)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_title_or_series_name_with_dollars_is_literal(locale):
    frame = pd.DataFrame({"$A$ fund": [1.0, 1.1, 1.2], "proposed": [1.0, 1.05, 1.1]},
                         index=pd.date_range("2018-01-31", periods=3, freq="ME"))
    fig = charts.cumulative_growth(frame, locale, title="Plan $x$ and $y$")
    drawn = _svg_texts(fig)
    assert "Plan $x$ and $y$" in drawn and "$A$ fund" in drawn


def test_a_goal_no_font_can_draw_is_an_error_naming_file_and_field(tmp_path):
    src = tmp_path / "clients"
    src.mkdir()
    shutil.copy(PARAMS / "clients" / "lee.yaml", src / "lee.yaml")
    client = load_client("lee", src)
    assert charts.client_chart_problems(client, client.locale) == []
    goal = client.goals[0].model_copy(update={"name": "Fund \U000f0001 x"})  # a private-use plane: no font has it
    bad = client.model_copy(update={"goals": [goal, *client.goals[1:]]})
    problems = charts.client_chart_problems(bad, bad.locale)
    assert [str(p) for p in problems] == [
        f"{client.source}: goals.0.name: has 1 character(s) no chart font ({bad.locale}) can draw (first at position 6)"]
    assert "Fund" not in str(problems[0])


@pytest.mark.parametrize("kind", ["review", "propose"])
def test_the_batch_plan_records_an_undrawable_goal_as_that_clients_failure(tmp_path, kind):
    from wealthlib.batch import plan

    root = PARAMS
    params = tmp_path / "params"
    (params / "clients").mkdir(parents=True)
    for name in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):
        shutil.copy(root / name, params)
    shutil.copy(root / "clients" / "lin.yaml", params / "clients")
    text = (root / "clients" / "lee.yaml").read_text(encoding="utf-8")
    assert "{name: Flat deposit," in text
    (params / "clients" / "lee.yaml").write_text(text.replace("{name: Flat deposit,", "{name: Flat \U000f0001 deposit,"),
                                                 encoding="utf-8")
    jobs, failed = plan(kind, params=params, clients="*", quarter="2018Q3", as_of=None, out=tmp_path / "out",
                        formats=("html",), engine="fork", cell_timeout=300, advisor=None)
    assert [j["client"] for j in jobs] == ["lin"]  # the other client is planned as before
    assert [(f["client"], f["status"]) for f in failed] == [("lee", "failed")]
    reason = failed[0]["reason"]
    assert reason.endswith("lee.yaml: goals.0.name: has 1 character(s) no chart font (en) can draw "
                           "(first at position 6)"), reason  # "Flat " is 5 characters
    assert "Flat" not in reason and "deposit" not in reason
    assert not (tmp_path / "out").exists()


# --- product names: the allocation chart draws each in its locale -------------------------------------------

#: products.0 (USD-MMF) of the shipped shelf, its zh-CN name with a private-use character after "美元现金"
SHIPPED_ZH_CN = 'zh-CN: "美元现金（一个月期美国国库券）"'
BAD_ZH_CN = 'zh-CN: "美元现金\U000f0001（一个月期美国国库券）"'
BAD_NAME_LINE = "products.yaml: products.0.names.zh-CN: has 1 character(s) no chart font (zh-CN) can draw " \
                "(first at position 5)"


def _book_with_bad_product_name(tmp_path: Path, ids) -> Path:
    from _paths import sample_book

    params = sample_book(tmp_path / "params", ids)
    text = (params / "products.yaml").read_text(encoding="utf-8")
    assert text.count(SHIPPED_ZH_CN) == 1
    (params / "products.yaml").write_text(text.replace(SHIPPED_ZH_CN, BAD_ZH_CN), encoding="utf-8")
    return params


def test_the_shipped_shelf_names_are_drawable_in_every_locale():
    from wealthlib.products import load_shelf

    assert charts.shelf_chart_problems(load_shelf(PARAMS / "products.yaml")) == []


def test_a_product_name_no_font_can_draw_is_refused_by_validate(tmp_path):
    from wealthlib.validation import validate_params

    params = _book_with_bad_product_name(tmp_path, ["lee"])
    problems, _ = validate_params(params, [])
    lines = [str(p) for p in problems]
    assert [ln for ln in lines if "products.yaml" in ln] == [f"{params}/{BAD_NAME_LINE}"], lines
    assert not any("美元现金" in ln for ln in lines)  # the name is not quoted


def test_the_batch_plan_refuses_an_undrawable_product_name_in_a_locale_it_prints(tmp_path):
    from wealthlib.batch import BatchError, plan

    params = _book_with_bad_product_name(tmp_path, ["lee", "morgan"])  # both en: the zh-CN name is never drawn
    kw = dict(params=params, clients="*", quarter="2018Q3", as_of=None, out=tmp_path / "out", formats=("html",),
              engine="fork", cell_timeout=300, advisor=None)
    jobs, failed = plan("review", **kw)
    assert [j["client"] for j in jobs] == ["lee", "morgan"] and failed == []
    shutil.copy(PARAMS / "clients" / "chen.yaml", params / "clients")  # zh-TW: still not zh-CN
    assert len(plan("review", **kw)[0]) == 3
    (params / "clients" / "chen.yaml").write_text(
        (PARAMS / "clients" / "chen.yaml").read_text(encoding="utf-8").replace("locale: zh-TW", "locale: zh-CN"),
        encoding="utf-8")
    for kind in ("review", "propose"):
        with pytest.raises(BatchError) as err:
            plan(kind, **kw)
        assert str(err.value).endswith(BAD_NAME_LINE), str(err.value)
        assert "美元现金" not in str(err.value)
    assert not (tmp_path / "out").exists()
