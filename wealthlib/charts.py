"""Matplotlib figures for proposals and reviews, in one house style, in en / zh-TW / zh-CN.

* Never pyplot: every chart is a :class:`matplotlib.figure.Figure` built inside a local
  ``matplotlib.rc_context`` with the house style; nothing global is changed (quantstats' import-time changes
  are undone by :mod:`wealthlib.analytics`, and our style does not depend on them anyway).
* Every label comes from ``wealthlib/data/i18n/charts.yaml`` through :func:`wealthlib.i18n.t`.
* Fonts: zh-TW text is set in Noto Sans CJK TC and zh-CN in Noto Sans CJK SC (the traditional and simplified
  forms of shared characters differ); English in DejaVu Sans (shipped with matplotlib). A missing font is a
  :class:`FontMissingError` naming the font and the Debian package ``fonts-noto-cjk``.
* :func:`to_png` / :func:`to_svg` render a figure (inside the same style, so lazily created tick labels get
  the locale's font too).
* Text is text: labels, titles, legends and annotations are drawn literally, never as math text or TeX
  (``text.parse_math`` and ``text.usetex`` off in the style, and again on every Text of a finished figure), so a
  goal named "Save $5k now and $10k later" prints as written and ``$\\badcmd$`` is not parsed. A client's or
  advisor's text that no chart font can draw is refused up front (:func:`check_drawable`), naming file and field.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.ticker import FuncFormatter, PercentFormatter  # loaded by font_manager already

from .errors import WealthError
from .i18n import LOCALES, check_locale, t

if TYPE_CHECKING:  # imported where a chart is drawn: `wealth validate` checks fonts only and never draws
    from matplotlib.figure import Figure

FONTS: dict[str, str] = {"en": "DejaVu Sans", "zh-TW": "Noto Sans CJK TC", "zh-CN": "Noto Sans CJK SC"}
#: Fonts a chart falls back on for characters its locale's font lacks (a Chinese goal name in an English chart).
FALLBACK_FONTS: tuple[str, ...] = ("DejaVu Sans", "Noto Sans CJK TC")
FONT_PACKAGE = "fonts-noto-cjk"

#: house palette: proposed, current, benchmark, then the rest
PALETTE: tuple[str, ...] = ("#1f4e79", "#9aa5b1", "#c9a227", "#2e8b57", "#8b3a3a", "#5b7083", "#d98c5f", "#6a4c93")
SERIES_COLORS = {"proposed": PALETTE[0], "current": PALETTE[1], "benchmark": PALETTE[2]}
LOSS, GAIN = "#b03a2e", "#2e8b57"


class FontMissingError(WealthError):
    """A font a chart's locale needs is not installed."""


def font_for(locale: str) -> str:
    """The font family for ``locale``, checked to be installed."""
    family = FONTS[check_locale(locale)]
    if not _installed(family):
        raise FontMissingError(
            f"charts in {locale} need the font '{family}', which matplotlib cannot find; install the Debian "
            f"package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) or the Noto Sans CJK fonts, then delete "
            f"matplotlib's font cache ({matplotlib.get_cachedir()}/fontlist-*.json)"
        )
    return family


def style(locale: str) -> dict:
    """The house rcParams for ``locale``."""
    return {
        # concrete names, not "sans-serif": each Text keeps them, so a render outside this style stays right
        "font.family": list(families(locale)),
        "font.size": 10.0,
        "axes.titlesize": 12.0,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 10.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#444444",
        "axes.linewidth": 0.8,
        "axes.grid": True,
        "axes.axisbelow": True,
        "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE)),
        "axes.unicode_minus": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "legend.frameon": False,
        "legend.fontsize": 9.0,
        "xtick.labelsize": 9.0,
        "ytick.labelsize": 9.0,
        "xtick.color": "#333333",
        "ytick.color": "#333333",
        "text.color": "#222222",
        "lines.linewidth": 1.6,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "svg.fonttype": "path",
        "svg.hashsalt": "wealthlib",  # stable element ids: same figure, same SVG
        "pdf.fonttype": 42,
        # client and advisor text is drawn as written: "$5k ... $10k" is not math, "$\\badcmd$" is no error
        "text.parse_math": False,
        "text.usetex": False,
    }


def families(locale: str) -> tuple[str, ...]:
    """The chart font families for ``locale``: its own font (checked to be installed), then the installed
    fallbacks."""
    family = font_for(locale)
    return (family, *(f for f in FALLBACK_FONTS if f != family and _installed(f)))


_names: dict[tuple[int, int], frozenset[str]] = {}


def _installed(family: str) -> bool:
    # the names of matplotlib's font list, kept while that list is the same (by identity and length): a book's
    # validation asks for every goal name of 10,000 clients, and scanning the list each time cost a second
    fm = font_manager.fontManager
    key = (id(fm), len(fm.ttflist))
    names = _names.get(key)
    if names is None:
        _names.clear()
        names = _names[key] = frozenset(entry.name for entry in fm.ttflist)
    return family in names


_charmaps: dict[str, frozenset[int]] = {}


def _coverage(family: str) -> frozenset[int]:
    """Code points the installed font ``family`` has glyphs for (every face of that family, united)."""
    if family not in _charmaps:
        from matplotlib.ft2font import FT2Font

        points: set[int] = set()
        for entry in font_manager.fontManager.ttflist:
            if entry.name == family:
                try:
                    points.update(FT2Font(entry.fname).get_charmap())
                except (OSError, RuntimeError, ValueError):
                    pass
        _charmaps[family] = frozenset(points)
    return _charmaps[family]


#: :func:`undrawable`'s answers by (text, font families): a book's clients share many goal names, and each is
#: checked by ``wealth validate``, the batch plan and every proposal
_undrawable: dict[tuple[str, tuple[str, ...]], tuple[int, ...]] = {}


def undrawable(text: str, locale: str) -> list[int]:
    """Positions (0-based) of the characters of ``text`` that none of the locale's chart fonts can draw."""
    key = (str(text), families(locale))
    hit = _undrawable.get(key)
    if hit is None:
        covered = [_coverage(f) for f in key[1]]
        hit = tuple(i for i, ch in enumerate(key[0]) if not ch.isspace() and not any(ord(ch) in c for c in covered))
        if len(_undrawable) >= 20_000:
            _undrawable.clear()
        _undrawable[key] = hit
    return list(hit)


def check_drawable(texts, locale: str, source: str) -> list[WealthError]:
    """An error per ``(field, text)`` that a chart in ``locale`` could not draw: ``<file>: <field>: has N
    character(s) no chart font can draw (first at position P)`` — the text itself is not quoted."""
    from .errors import InputError

    out: list[WealthError] = []
    for fieldname, text in texts:
        bad = undrawable(text, locale)
        if bad:
            out.append(InputError(source, fieldname, f"has {len(bad)} character(s) no chart font ({locale}) can draw "
                                                     f"(first at position {bad[0] + 1})"))
    return out


@contextmanager
def house_style(locale: str):
    """A local rc_context with the house style; matplotlib's global settings are untouched outside it."""
    with matplotlib.rc_context(style(locale)):
        yield


def _figure(locale: str, size=(8.0, 4.5)) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    fig.wealthlib_locale = locale  # read by to_png / to_svg
    return fig


def client_chart_problems(client, locale: str) -> list[WealthError]:
    """The client's texts that charts print (goal names, in the projection) that ``locale``'s fonts cannot draw."""
    texts = [(f"goals.{i}.name", g.name) for i, g in enumerate(client.goals)]
    return check_drawable(texts, locale, client.source or client.id)


def shelf_chart_problems(shelf, locales=LOCALES) -> list[WealthError]:
    """The shelf's product names (drawn in the allocation chart) that their locale's chart fonts cannot draw, for
    each of ``locales``: ``products.yaml: products.3.names.zh-TW: has 1 character(s) no chart font …``."""
    out: list[WealthError] = []
    for loc in locales:
        texts = [(f"products.{i}.names.{loc}", p.name(loc)) for i, p in enumerate(shelf)]
        out += check_drawable(texts, loc, shelf.source or "products.yaml")
    return out


def _finish(fig: Figure, locale: str) -> Figure:
    from matplotlib.text import Text

    family = style(locale)["font.family"]
    for ax in fig.axes:
        # tick labels are created lazily at draw time: pin their font so a render outside the style is right too
        ax.tick_params(labelfontfamily=family)
    for text in fig.findobj(Text):  # literal text even when drawn outside the style (an inline backend)
        text.set_parse_math(False)
        text.set_usetex(False)
    return fig


def _series_label(name, locale: str) -> str:
    from .i18n import catalog

    key = f"series_{name}"
    return t(f"charts.{key}", locale) if key in catalog("charts") else str(name)


def _money(x, _pos=None) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def _frame(values) -> pd.DataFrame:
    if isinstance(values, pd.Series):
        return values.to_frame()
    if isinstance(values, Mapping):
        return pd.DataFrame(dict(values))
    return pd.DataFrame(values)


def cumulative_growth(values, locale: str = "en", title: str | None = None) -> Figure:
    """Value paths (columns; e.g. ``Comparison.values``) on one chart; ``proposed``/``current``/``benchmark``
    columns get their house colours and translated names."""
    df = _frame(values)
    with house_style(locale):
        fig = _figure(locale)
        ax = fig.add_subplot()
        for i, col in enumerate(df.columns):
            ax.plot(df.index, df[col], color=SERIES_COLORS.get(col, PALETTE[(i + 3) % len(PALETTE)]),
                    label=_series_label(col, locale))
        ax.set_title(title or t("charts.cumulative_growth", locale))
        ax.set_ylabel(t("charts.value", locale))
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        ax.legend(loc="upper left")
        # a figure-level caption: constrained layout keeps room for it below the tick labels
        fig.supxlabel(t("charts.hypothetical", locale), fontsize=7.5, color="#666666", x=0.01, ha="left")
    return _finish(fig, locale)


def drawdown(values, locale: str = "en", title: str | None = None) -> Figure:
    """Fall from the running peak of each value path, in percent."""
    df = _frame(values)
    dd = df / df.cummax() - 1.0
    with house_style(locale):
        fig = _figure(locale, (8.0, 3.5))
        ax = fig.add_subplot()
        for i, col in enumerate(dd.columns):
            color = SERIES_COLORS.get(col, PALETTE[(i + 3) % len(PALETTE)])
            ax.plot(dd.index, dd[col] * 100, color=color, label=_series_label(col, locale), linewidth=1.2)
            if i == 0:
                ax.fill_between(dd.index, dd[col] * 100, 0, color=color, alpha=0.15, linewidth=0)
        ax.set_title(title or t("charts.drawdown", locale))
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_ylim(top=0)
        ax.legend(loc="lower left")
    return _finish(fig, locale)


def allocation(current: pd.Series | None, proposed: pd.Series, locale: str = "en",
               names: Mapping[str, str] | None = None, title: str | None = None) -> Figure:
    """Current vs proposed weights by product (horizontal grouped bars, in percent).

    ``names`` maps product codes to display names in the locale (e.g. from the product shelf)."""
    cur = pd.Series(dtype=float) if current is None else pd.Series(current, dtype=float)
    pro = pd.Series(proposed, dtype=float)
    codes = list(dict.fromkeys([*pro.index, *cur.index]))
    cur, pro = cur.reindex(codes).fillna(0.0), pro.reindex(codes).fillna(0.0)
    labels = [(names or {}).get(c, c) for c in codes]
    y = np.arange(len(codes))
    with house_style(locale):
        fig = _figure(locale, (8.0, max(2.5, 0.45 * len(codes) + 1.2)))
        ax = fig.add_subplot()
        h = 0.38
        if current is not None:
            ax.barh(y + h / 2, cur * 100, h, color=SERIES_COLORS["current"], label=t("charts.series_current", locale))
        ax.barh(y - h / 2 if current is not None else y, pro * 100, h, color=SERIES_COLORS["proposed"],
                label=t("charts.series_proposed", locale))
        for yy, v in zip(y - h / 2 if current is not None else y, pro):
            ax.text(v * 100 + 0.5, yy, f"{v:.0%}", va="center", fontsize=8)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_xlabel(t("charts.weight", locale))
        ax.set_title(title or t("charts.allocation", locale))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right")
    return _finish(fig, locale)


def risk_contribution(contributions: pd.Series, weights: pd.Series | None = None, locale: str = "en",
                      names: Mapping[str, str] | None = None, title: str | None = None) -> Figure:
    """Each product's share of portfolio risk (from :func:`wealthlib.analytics.risk_contribution`), next to
    its weight when given."""
    rc = pd.Series(contributions, dtype=float)
    codes = list(rc.index)
    labels = [(names or {}).get(c, c) for c in codes]
    y = np.arange(len(codes))
    with house_style(locale):
        fig = _figure(locale, (8.0, max(2.5, 0.45 * len(codes) + 1.2)))
        ax = fig.add_subplot()
        h = 0.38 if weights is not None else 0.6
        if weights is not None:
            w = pd.Series(weights, dtype=float).reindex(codes).fillna(0.0)
            ax.barh(y + h / 2, w * 100, h, color=PALETTE[1], label=t("charts.weight", locale))
        ax.barh(y - h / 2 if weights is not None else y, rc * 100, h, color=PALETTE[4],
                label=t("charts.risk_share", locale))
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_title(title or t("charts.risk_contribution", locale))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right")
    return _finish(fig, locale)


def stress_bars(table: pd.DataFrame, locale: str = "en", title: str | None = None,
                currency: str | None = None) -> Figure:
    """Scenario returns from :func:`wealthlib.analytics.stress` (bars in percent, P&L in currency beside
    them); scenarios the data do not cover are listed and marked so."""
    rows = table.reset_index(drop=True)
    y = np.arange(len(rows))
    with house_style(locale):
        fig = _figure(locale, (8.0, max(2.5, 0.5 * len(rows) + 1.2)))
        ax = fig.add_subplot()
        covered = rows["covered"].to_numpy(dtype=bool)
        pct = rows["return_pct"].where(covered, 0.0).to_numpy(dtype=float)
        ax.barh(y, pct, 0.6, color=[LOSS if v < 0 else GAIN for v in pct])
        span = max(1.0, float(np.nanmax(np.abs(pct))) if len(pct) else 1.0)
        for yy, ok, v, pnl in zip(y, covered, pct, rows["pnl"]):
            if ok:
                money = f" ({currency} {pnl:,.0f})" if currency else f" ({pnl:,.0f})"
                ax.text(v + (0.02 * span if v >= 0 else -0.02 * span), yy, f"{v:.1f}%{money}", va="center",
                        ha="left" if v >= 0 else "right", fontsize=8)
            else:
                ax.text(0.02 * span, yy, t("charts.no_data", locale), va="center", ha="left", fontsize=8,
                        color="#777777", style="italic")
        ax.set_xlim(-span * 1.6, span * 0.6 if (pct > 0).any() or not covered.all() else span * 0.25)
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_yticks(y, rows["name"].tolist())
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_xlabel(t("charts.return_pct", locale))
        ax.set_title(title or t("charts.stress", locale))
        ax.grid(axis="y", visible=False)
    return _finish(fig, locale)


def projection_fan(projection, locale: str = "en", title: str | None = None) -> Figure:
    """Percentile fan (5–95, 25–75, median) from :func:`wealthlib.analytics.project`, with each goal marked."""
    fan = projection.fan
    years = fan.index.to_numpy()
    with house_style(locale):
        fig = _figure(locale)
        ax = fig.add_subplot()
        ax.fill_between(years, fan[5], fan[95], color=PALETTE[0], alpha=0.15, linewidth=0,
                        label=t("charts.band_5_95", locale))
        ax.fill_between(years, fan[25], fan[75], color=PALETTE[0], alpha=0.30, linewidth=0,
                        label=t("charts.band_25_75", locale))
        ax.plot(years, fan[50], color=PALETTE[0], label=t("charts.median", locale))
        for name, g in projection.goals.iterrows():
            ax.plot([g["years"]], [g["amount"]], marker="D", color=PALETTE[2], linestyle="none", clip_on=False)
            at_end = g["years"] >= years[-1] - 0.5
            ax.annotate(t("charts.goal", locale, name=name, probability=f"{g['probability']:.0%}"),
                        (g["years"], g["amount"]), textcoords="offset points", xytext=(-6 if at_end else 6, 6),
                        ha="right" if at_end else "left", fontsize=8)
        ax.set_xlim(years[0], years[-1])
        ax.set_xlabel(t("charts.year", locale))
        ax.set_ylabel(t("charts.value", locale))
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_title(title or t("charts.projection", locale))
        ax.legend(loc="upper left")
    return _finish(fig, locale)


def _render(fig: Figure, fmt: str, dpi: float) -> bytes:
    locale = getattr(fig, "wealthlib_locale", "en")
    buf = io.BytesIO()
    with house_style(locale):
        # no wall-clock in outputs: same figure, same bytes
        meta = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}.get(fmt)
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    return buf.getvalue()


def to_png(fig: Figure, dpi: float = 150) -> bytes:
    """The figure as PNG bytes."""
    return _render(fig, "png", dpi)


def to_svg(fig: Figure) -> str:
    """The figure as SVG text (glyphs as paths: no font needed to view it)."""
    return _render(fig, "svg", 72).decode("utf-8")


def to_pdf(fig: Figure) -> bytes:
    """The figure as PDF bytes (fonts embedded)."""
    return _render(fig, "pdf", 72)
