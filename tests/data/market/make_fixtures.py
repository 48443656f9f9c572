"""Writes the market-file fixtures from REAL packaged data (arch.data.sp500 and nasdaq month-end Adj Close,
1999-01 … 1999-08). Bad-file fixtures are the same real rows with one defect each. Run once; output committed.

    .venv/bin/python tests/data/market/make_fixtures.py
"""

from pathlib import Path

from arch.data import nasdaq, sp500

HERE = Path(__file__).parent


def month_end(df):
    s = df["Adj Close"]
    return s.groupby(s.index.to_period("M")).agg(lambda x: x.iloc[-1]).loc["1999-01":"1999-08"], \
        s.groupby(s.index.to_period("M")).apply(lambda x: x.index[-1])


spx, dates = month_end(sp500.load())
ndq, _ = month_end(nasdaq.load())
rows = [(dates[p].strftime("%Y-%m-%d"), f"{spx[p]:.2f}", f"{ndq[p]:.2f}") for p in spx.index]


def wide(name, rs, header="date,SP500,NASDAQ"):
    (HERE / name).write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rs), encoding="utf-8")


wide("prices_wide.csv", rows)
(HERE / "prices_long.csv").write_text(
    "date,series,value\n" + "".join(f"{d},{sid},{v}\n" for sid, k in (("SP500", 1), ("NASDAQ", 2)) for d, *vals in [r for r in rows] for v in [r[k] for r in rows if r[0] == d]),
    encoding="utf-8",
)
wide("bad_unsorted.csv", rows[:3] + [rows[4], rows[3]] + rows[5:])
wide("bad_duplicate.csv", rows[:4] + [rows[3]] + rows[4:])
wide("bad_nonpositive.csv", rows[:2] + [(rows[2][0], "0", rows[2][2])] + rows[3:])
wide("bad_gap.csv", rows[:3] + rows[5:])
wide("bad_nonnumeric.csv", rows[:5] + [(rows[5][0], rows[5][1], "n/a")] + rows[6:])
wide("bad_nodate.csv", rows, header="when,SP500,NASDAQ")
(HERE / "bad_long_columns.csv").write_text(
    "date,ticker,value\n" + "".join(f"{r[0]},SP500,{r[1]}\n" for r in rows), encoding="utf-8"
)
(HERE / "bad_empty.csv").write_text("date,SP500,NASDAQ\n", encoding="utf-8")
