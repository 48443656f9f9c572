"""The book's two charts, drawn from its tables: AUM by tier (one panel per currency) and the risk classes of
each tier's clients (stacked bars)."""

from __future__ import annotations

from typing import Any


def aum_chart(book: Any, locale: str = "en"):
    """Bar chart of AUM by tier, one panel per currency (a :class:`matplotlib.figure.Figure`)."""
    from matplotlib.ticker import FuncFormatter

    from ...book import _tier_key
    from ...charts import PALETTE, _figure, _finish, _money, house_style
    from ._common import labels_for

    lb = labels_for(book, locale)
    data = book.aum_by_tier
    currencies = sorted(data["currency"].unique()) if len(data) else []
    tiers = sorted(book.clients["tier"].unique(), key=_tier_key) if len(book.clients) else []
    n = max(1, len(currencies))
    with house_style(locale):
        fig = _figure(locale, (8.0, 3.2 if n == 1 else 2.2 + 1.1 * n))
        axes = fig.subplots(n, 1, squeeze=False)[:, 0]
        for ax, ccy in zip(axes, currencies or [None]):
            if ccy is None:
                ax.set_axis_off()
                continue
            part = data[data["currency"] == ccy].set_index("tier")["aum"].reindex(tiers).fillna(0.0)
            ax.barh(range(len(tiers)), part.to_numpy(), 0.6, color=PALETTE[0])
            ax.set_yticks(range(len(tiers)), [book.tier_label(tr, locale) for tr in tiers])
            ax.invert_yaxis()
            ax.xaxis.set_major_formatter(FuncFormatter(_money))
            ax.set_title(f"{lb.L('col_aum')} ({ccy})", fontsize=10, loc="left")
            ax.grid(axis="y", visible=False)
        fig.suptitle(lb.L("book_aum_by_tier_chart"), x=0.01, ha="left", fontweight="bold")
    return _finish(fig, locale)


def class_mix_chart(book: Any, locale: str = "en"):
    """Stacked bars: the number of clients per tier by risk class."""
    import numpy as np

    from ...charts import PALETTE, _figure, _finish, house_style
    from ._common import labels_for

    lb = labels_for(book, locale)
    tc = book.tier_class
    with house_style(locale):
        fig = _figure(locale, (8.0, 3.2))
        ax = fig.add_subplot()
        if len(tc):
            body = tc.drop(index="total").drop(columns="total")
            y = np.arange(len(body.index))
            left = np.zeros(len(body.index))
            palette = [PALETTE[3], PALETTE[0], PALETTE[4], PALETTE[2], PALETTE[5]]
            for i, cls in enumerate(body.columns):
                vals = body[cls].to_numpy(dtype=float)
                ax.barh(y, vals, 0.6, left=left, color=palette[i % len(palette)], label=book.class_name(cls, locale))
                left += vals
            ax.set_yticks(y, [book.tier_label(tr, locale) for tr in body.index])
            ax.invert_yaxis()
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_xlabel(lb.L("col_book_clients"))
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
            ax.grid(axis="y", visible=False)
        ax.set_title(lb.L("book_class_mix_chart"))
    return _finish(fig, locale)
