"""The proposal's numbers reconcile, enforced when it is built (issue 12 item 3): for every sample client of
both firms in every locale the printed allocation tables add up — read back from the HTML: each product's
trade = proposed value − current value, the weights of each table sum to 100% — and a number broken on
purpose stops the build with a message naming the client file, the table and both sides.

The same documents print no internal code (issue 12 item 7): no advisor or supervisor id of either firm's
registry, no estimator or objective name, no channel or class code — names and words instead."""

from __future__ import annotations

import functools
import html as _html
import re

import pytest

from wealthlib._analytics.identities import IdentityError
from wealthlib.documents import build_proposal

from _html import tables
from _paths import BANK, BANK_SAMPLES, PARAMS, SAMPLES

AS_OF = "2018-12-31"
LOCALES = ("en", "zh-TW", "zh-CN")
#: huang's KYC expired before the as-of date: no proposal is made for her
CLIENTS = [(PARAMS, c) for c in SAMPLES if c != "huang"] + [(BANK, c) for c in BANK_SAMPLES]


@functools.cache
def _own_locale(firm, client) -> str:
    import yaml

    return yaml.safe_load((firm / "clients" / f"{client}.yaml").read_text(encoding="utf-8"))["locale"]


#: every client in every locale; the fast tier (``-m "not slow"``) reads each in its own language, builds it shares
#: with the other modules (``sample_proposal``), and the full suite the other two as well
CASES = [pytest.param(firm, c, loc, id=f"{c}-{loc}",
                      marks=() if loc == _own_locale(firm, c) else pytest.mark.slow)
         for firm, c in CLIENTS for loc in LOCALES]


def _num(s: str) -> float:
    """A printed amount or percentage as a number (NT$1,234 → 1234; -¥5 → -5; 12.5% → 12.5)."""
    m = re.search(r"\d[\d,]*(?:\.\d+)?", s)
    assert m, s
    return (-1 if "-" in s[:m.start()] or "−" in s[:m.start()] else 1) * float(m.group().replace(",", ""))


def _people(firm) -> set[str]:
    import yaml

    return set(yaml.safe_load((firm / "advisors.yaml").read_text(encoding="utf-8"))["people"])


#: internal codes no client reads: estimator and objective names, and (outside English words) channel and class codes
CODES = re.compile(r"adv-|sup-|ledoit|shrunk_|black_litterman|\+yield|\+views|mean_variance|max_sharpe|max_return|"
                   r"min_cvar|min_variance|risk_parity")
ZH_CODES = re.compile(r"\b(visit|phone|branch|email|conservative|moderate|balanced|growth|aggressive)\b")


def _no_codes(p, firm, loc):
    text = " ".join([p.audit_line, *(_html.unescape(re.sub(r"<img[^>]*>|<[^>]+>", " ", p.section_html(k)))
                                     for k in p.sections)])
    assert not CODES.findall(text), (loc, sorted(set(CODES.findall(text))))
    assert not [i for i in _people(firm) if i in text], loc
    if loc != "en":
        assert not ZH_CODES.findall(text), (loc, ZH_CODES.findall(text))


@pytest.mark.parametrize("firm,client,loc", CASES)
def test_printed_allocation_tables_add_up_in_every_locale(firm, client, loc, sample_proposal):
    p = sample_proposal(client, firm, locale=loc)  # checked while built: 2018-12-31, 200 paths
    _no_codes(p, firm, loc)
    by_class, by_product, *trades = tables(p.section_html("allocation"))
    for col in (1, 2):  # current, proposed: each printed weight rounded to 0.1%
        shown = [_num(r[col]) for r in by_class[1:]]
        if col == 2 or p.current_weights:
            assert sum(shown) == pytest.approx(100.0, abs=0.05 * len(shown) + 1e-9), (loc, col)
    sell = {"en": "Sell", "zh-TW": "賣出", "zh-CN": "卖出"}
    traded = {r[1]: _num(r[3]) * (-1 if r[2] == sell[loc] or r[2].lower() == "sell" else 1)
              for r in (trades[0][1:] if trades else [])}
    for r in by_product[1:]:
        code, current, proposed = r[1], _num(r[6]), _num(r[7])
        want = proposed - current
        got = traded.get(code, 0.0)
        # printed to the unit: three roundings of half a unit, and no trade listed under half a unit
        assert got == pytest.approx(want, abs=2.0), (loc, code, got, want)


@pytest.mark.slow  # a build of its own in each locale
@pytest.mark.parametrize("loc", LOCALES)
def test_an_override_and_the_method_print_as_names_and_words(loc):
    from wealthlib.i18n import t

    p = build_proposal("lin", params=PARAMS, as_of=AS_OF, locale=loc, n_paths=200,
                       override=("aggressive", "Client signed a declaration", "sup-wu"))
    _no_codes(p, PARAMS, loc)
    names = {"en": "Wu Chien-hung", "zh-TW": "吳建宏", "zh-CN": "吴建宏"}
    assert names[loc] in p.section_html("audit") and names[loc] in p.audit_line
    asm = _html.unescape(re.sub(r"<[^>]+>", " ", p.section_html("assumptions")))
    for part in ("shrunk_mean", "ledoit_wolf", "yield"):  # the policy's estimator: shrunk_mean+ledoit_wolf+yield
        assert t(f"documents.asm_method_{part}", loc) in asm
    assert t("documents.objective_mean_variance", loc) in asm


def test_a_kept_holding_leaves_the_tables_reconciled(chen_kept_nasdaq):
    p = chen_kept_nasdaq  # the identities passed while it was built
    products = {r["code"]: r for r in p.sections["allocation"].data["products"]}
    assert "NASDAQ" not in products and sum(r["current"] for r in products.values()) == pytest.approx(1.0)


def _breaking(module: str, name: str, mutate):
    """A patch making ``wealthlib._doc.proposal.<module>.<name>`` return its real result altered by ``mutate``."""

    def breaks(monkeypatch):
        import importlib

        mod = importlib.import_module(f"wealthlib._doc.proposal.{module}")
        real = getattr(mod, name)
        monkeypatch.setattr(mod, name, lambda inp: mutate(real(inp)))

    return breaks


def _off_by_1000(d):  # the first product's proposed value, not its trade
    d["products"][0] = {**d["products"][0], "proposed_value": d["products"][0]["proposed_value"] + 1000.0}
    return d


def _fee_1pct_high(f):  # the amount, not the rate
    f["rows"][0] = {**f["rows"][0], "amount": f["rows"][0]["amount"] * 1.01}
    return f


def _stress_doubled(rows):  # the current portfolio's loss in the last scenario
    rows[-1] = {**rows[-1], "current_pnl": rows[-1]["current_pnl"] * 2 + 1.0}
    return rows


_broken_trade = _breaking("allocation", "tables", _off_by_1000)
_broken_fee = _breaking("numbers", "fees", _fee_1pct_high)
_broken_stress = _breaking("downside", "stress", _stress_doubled)


@pytest.mark.slow  # a build of its own each (the checks themselves: test_proposal_identities, fast)
@pytest.mark.parametrize("breaks,table,sides", [
    (_broken_trade, "trades", r"[A-Z0-9-]+: trade ≠ target value − current value"),
    (_broken_fee, "fees", r"[A-Z0-9-]+: fee ≠ rate × amount invested"),
    (_broken_stress, r"stress scenarios \(current\)", r"\w+: loss ≠ return × value counted"),
])
def test_a_number_broken_on_purpose_stops_the_build_naming_client_table_and_sides(monkeypatch, breaks, table,
                                                                                   sides):
    breaks(monkeypatch)
    with pytest.raises(IdentityError) as exc:
        build_proposal("lin", params=PARAMS, as_of=AS_OF, n_paths=200)
    msg = str(exc.value)
    assert re.match(rf"\S*params/clients/lin\.yaml: {table}: {sides} \(apart by", msg), msg
    assert not re.search(r"\d{5,}|\d,\d{3}", msg)  # no amount of the client's, only how far apart
