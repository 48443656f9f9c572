"""wealthlib.charts: every chart renders in every locale, with no missing glyph, in the locale's CJK face,
without pyplot and without touching matplotlib's global settings."""

from __future__ import annotations

import subprocess
import sys
import warnings
from functools import lru_cache

import matplotlib
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from wealthlib import analytics as A
from wealthlib import charts as C
from wealthlib.i18n import LOCALES


@lru_cache(maxsize=1)
def _market() -> pd.DataFrame:
    from arch.data import frenchdata, nasdaq

    ff = frenchdata.load()
    ff.index = pd.to_datetime(ff.index.asi8.astype(str), format="%Y%m") + pd.offsets.MonthEnd(0)
    nq = nasdaq.load()["Adj Close"].resample("ME").last().pct_change()
    return pd.DataFrame({"EQ": (ff["Mkt-RF"] + ff["RF"]) / 100.0, "CASH": ff["RF"] / 100.0, "NQ": nq}).loc[:"2018-11-30"]


PROPOSED = pd.Series({"EQ": 0.5, "NQ": 0.2, "CASH": 0.3})
CURRENT = pd.Series({"EQ": 0.2, "CASH": 0.8})
BENCH = pd.Series({"EQ": 0.6, "CASH": 0.4})
NAMES = {
    "en": {"EQ": "US total market", "NQ": "NASDAQ Composite", "CASH": "US T-bills"},
    "zh-TW": {"EQ": "美國整體股市", "NQ": "那斯達克綜合指數", "CASH": "美國國庫券"},
    "zh-CN": {"EQ": "美国整体股市", "NQ": "纳斯达克综合指数", "CASH": "美国国库券"},
}


@lru_cache(maxsize=1)
def _inputs():
    m = _market()
    cmp = A.compare(m, PROPOSED, current=CURRENT, benchmark=BENCH, initial=1_000_000)
    rc = A.risk_contribution(m, PROPOSED)
    proj = A.project(m, PROPOSED, 1_000_000, 15, contributions=60_000,
                     goals=[("retire", 2_500_000, 15), ("school", 1_400_000, 6)], n_paths=300, seed=11)
    return cmp, rc, proj


def _all_charts(locale: str) -> dict[str, Figure]:
    cmp, rc, proj = _inputs()
    table = A.stress(_market(), PROPOSED, value=1_000_000, proxies={"NQ": "EQ"}, locale=locale)
    return {
        "growth": C.cumulative_growth(cmp.values, locale),
        "drawdown": C.drawdown(cmp.values, locale),
        "allocation": C.allocation(CURRENT, PROPOSED, locale, names=NAMES[locale]),
        "risk": C.risk_contribution(rc, PROPOSED, locale, names=NAMES[locale]),
        "stress": C.stress_bars(table, locale, currency="USD"),
        "fan": C.projection_fan(proj, locale),
    }


def _face(text: Text) -> str:
    path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
    return next(e.name for e in font_manager.fontManager.ttflist
                if e.fname == path and getattr(e, "index", 0) == getattr(path, "face_index", 0))


@pytest.mark.parametrize("locale", [pytest.param(loc, marks=() if loc == "zh-TW" else pytest.mark.slow)
                                    for loc in LOCALES])  # every chart drawn: one locale in the fast tier
def test_every_chart_renders_without_missing_glyphs_in_the_right_face(locale):
    before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes a failure
        figs = _all_charts(locale)
        for name, fig in figs.items():
            png = C.to_png(fig, dpi=60)
            assert png.startswith(b"\x89PNG"), name
            svg = C.to_svg(fig)
            assert "<svg" in svg, name
    want = C.FONTS[locale]
    for name, fig in figs.items():
        texts = [x for x in fig.findobj(Text) if x.get_text().strip() and x.get_visible()]
        assert texts, name
        faces = {_face(x) for x in texts}
        assert faces == {want}, (name, faces)  # titles, labels, legends, notes *and* tick labels
    after = {k: repr(v) for k, v in matplotlib.rcParams.items()}
    assert after == before, "a chart changed matplotlib's global rcParams"


@pytest.mark.slow  # writes PDFs with embedded CJK faces
def test_zh_tw_title_uses_the_tc_face_and_zh_cn_the_sc_face():
    tw = C.projection_fan(_inputs()[2], "zh-TW")
    cn = C.projection_fan(_inputs()[2], "zh-CN")
    assert _face(tw.axes[0].title if tw.axes[0].title.get_text() else tw.axes[0]._left_title) == "Noto Sans CJK TC"
    assert _face(cn.axes[0]._left_title) == "Noto Sans CJK SC"
    assert "投資組合" in tw.axes[0]._left_title.get_text() and "投资组合" in cn.axes[0]._left_title.get_text()
    # the embedded font in a PDF is the traditional-Chinese face
    pdf = C.to_pdf(tw)
    assert b"NotoSansCJKtc" in pdf or b"Noto Sans CJK TC" in pdf
    assert b"NotoSansCJKsc" in C.to_pdf(cn) or b"Noto Sans CJK SC" in C.to_pdf(cn)


def test_labels_come_from_the_catalog():
    fig = C.cumulative_growth(_inputs()[0].values, "zh-CN")
    legend = [x.get_text() for x in fig.axes[0].get_legend().get_texts()]
    assert legend == ["建议配置", "现有配置", "业绩基准"]
    fig = C.stress_bars(A.stress(_market(), PROPOSED, locale="en"), "en")
    texts = {x.get_text() for x in fig.findobj(Text)}
    assert "not covered by the data" in texts  # 1973 and 1987 lack NASDAQ, 2020 and 2022 lack everything


def test_missing_font_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(C.FONTS, "zh-TW", "Noto Sans CJK TC Imaginary")
    with pytest.raises(C.FontMissingError, match="Noto Sans CJK TC Imaginary.*fonts-noto-cjk"):
        C.allocation(CURRENT, PROPOSED, "zh-TW")


def test_no_pyplot_figures_are_created():
    _all_charts("en")
    if "matplotlib.pyplot" in sys.modules:  # quantstats imports pyplot; we must not register figures with it
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


@pytest.mark.slow  # a fresh process importing quantstats
def test_quantstats_import_does_not_change_our_style():
    # in a fresh process, so quantstats is really imported between the two renders
    code = """
import sys, pandas as pd
from wealthlib import charts as C
from wealthlib.analytics import metrics
w = pd.Series({"EQ": 0.5, "CASH": 0.5})
before = C.to_svg(C.allocation(w, w, "zh-TW"))
assert "quantstats" not in sys.modules
metrics(pd.Series([0.01, -0.02, 0.03], index=pd.date_range("2020-01-31", periods=3, freq="ME")))
assert "quantstats" in sys.modules
print(before == C.to_svg(C.allocation(w, w, "zh-TW")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.slow  # writes PDFs with embedded CJK faces
def test_rendering_is_deterministic():
    w = pd.Series({"EQ": 0.5, "CASH": 0.5})
    assert C.to_svg(C.allocation(w, w, "en")) == C.to_svg(C.allocation(w, w, "en"))
    assert C.to_pdf(C.allocation(w, w, "zh-CN")) == C.to_pdf(C.allocation(w, w, "zh-CN"))
