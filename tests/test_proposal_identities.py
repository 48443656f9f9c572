"""The proposal's identities (weights sum to 100%, trades = target − current, fee = rate × amount, stress loss =
% × value): each check refuses a table that does not add up, naming client, table and both sides but no amount."""

from __future__ import annotations

import pytest

from wealthlib._analytics.identities import IdentityError
from wealthlib._analytics.proposal_identities import check_fees, check_proposal_numbers, check_stress, check_trades

GOOD = dict(
    weights={"A": 0.6, "B": 0.4}, current_weights={"A": 1.0},
    target_values={"A": 600.0, "B": 400.0}, current_values={"A": 1000.0},
    trades={"A": -400.0, "B": 400.0}, trade_rate=0.002, trade_costs={"A": 0.8, "B": 0.8},
    fees={"rows": [{"code": "A", "weight": 0.6, "rate": 0.01, "amount": 6.0},
                   {"code": "B", "weight": 0.4, "rate": 0.005, "amount": 2.0}],
          "total_rate": 0.008, "total_amount": 8.0},
    amount=1000.0,
    stress={"stress (proposed)": [{"scenario": "gfc", "return": -0.2, "pnl": -120.0, "value_counted": 600.0},
                                  {"scenario": "covid", "return": float("nan"), "pnl": float("nan"),
                                   "value_counted": 0.0}]},
)


def test_numbers_that_add_up_pass():
    assert check_proposal_numbers("lin.yaml", **GOOD) is None  # no refusal: every identity holds
    # the check is live on these numbers: one weight off by a point is refused
    with pytest.raises(IdentityError, match="sum of weights"):
        check_proposal_numbers("lin.yaml", **{**GOOD, "weights": {"A": 0.6, "B": 0.41}})


@pytest.mark.parametrize("change,table,sides,figures", [
    ({"weights": {"A": 0.6, "B": 0.41}}, "proposed weights", "sum of weights ≠ 100%", ["1.01", "0.41", "41%"]),
    ({"trades": {"A": -400.0, "B": 398.0}}, "trades", "B: trade ≠ target value − current value", ["398", "400"]),
    ({"trade_costs": {"A": 0.8, "B": 0.9}}, "trades", "B: cost ≠ rate × |trade|", ["0.9 ", "0.8"]),
    ({"stress": {"stress (current)": [{"scenario": "gfc", "return": -0.2, "pnl": -200.0, "value_counted": 600.0}]}},
     "stress (current)", "gfc: loss ≠ return × value counted", ["200", "600", "120"]),
])
def test_a_table_that_does_not_add_up_is_refused_by_name(change, table, sides, figures):
    with pytest.raises(IdentityError) as exc:
        check_proposal_numbers("params/clients/lin.yaml", **{**GOOD, **change})
    msg = str(exc.value)
    assert msg.startswith(f"params/clients/lin.yaml: {table}: {sides}"), msg
    assert not [f for f in figures if f in msg], msg  # no figure of the client's


def test_fee_rows_and_totals():
    rows = GOOD["fees"]["rows"]
    check_fees("c", rows, 1000.0, 0.008, 8.0)
    with pytest.raises(IdentityError, match="c: fees: A: fee ≠ rate × amount invested"):
        check_fees("c", [{**rows[0], "amount": 6.5}, rows[1]], 1000.0, 0.008, 8.5)
    with pytest.raises(IdentityError, match="total fee ≠ weighted rate × amount"):
        check_fees("c", rows, 1000.0, 0.009, 8.0)


def test_a_trade_under_half_a_unit_is_not_listed_and_passes():
    check_trades("c", {"A": 100.4}, {"A": 100.0}, {}, 0.002, {})
    with pytest.raises(IdentityError):
        check_trades("c", {"A": 101.0}, {"A": 100.0}, {}, 0.002, {})
    check_stress("c", "shocks", [{"scenario": "x", "return": 0.0, "pnl": 0.0, "value_counted": 0.0}])
