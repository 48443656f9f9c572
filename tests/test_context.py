"""What a run shares (policy, shelf, market, estimates) and the advisor's views on top of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from wealthlib.clients import load_client
from wealthlib.context import KycExpired, advise, load_context, with_views
from wealthlib.errors import InputError

from _paths import PARAMS


@pytest.fixture(scope="module")
def ctx():
    return load_context(PARAMS, "2018-12-31")


def _views(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "views.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_context_is_cut_at_the_as_of_date(ctx):
    assert ctx.as_of == date(2018, 12, 31)
    assert ctx.returns.index[-1] <= np.datetime64("2018-12-31")
    assert list(ctx.estimates.mu.index) == list(ctx.returns.columns)
    assert load_context(PARAMS, "2018-12-31") is ctx  # built once per process and as-of date


def test_a_certain_view_is_met_exactly_and_leaves_risk_alone(ctx, tmp_path):
    path = _views(tmp_path, "views:\n  - assets: {SP500: 1.0, CORP-AAA10: -1.0}\n    expected_return: 0.08\n    confidence: 1.0\n")
    v = with_views(ctx, path)
    mu = v.estimates.mu
    assert mu["SP500"] - mu["CORP-AAA10"] == pytest.approx(0.08, abs=1e-6)
    assert ctx.estimates.mu["SP500"] - ctx.estimates.mu["CORP-AAA10"] != pytest.approx(0.08, abs=1e-3)
    assert v.estimates.cov.equals(ctx.estimates.cov)
    assert v.estimates.method.endswith("+views")
    assert ctx.estimates.method == v.estimates.method.removesuffix("+views")  # the shared context is untouched


def test_a_bearish_view_lowers_that_product_in_the_allocation(ctx, tmp_path):
    client = load_client("morgan", PARAMS / "clients")
    _, base = advise(ctx, client)
    assert base.weights["NASDAQ"] > 0.05
    path = _views(tmp_path, "views:\n  - assets: {NASDAQ: 1.0, USD-MMF: -1.0}\n    expected_return: -0.05\n    confidence: 0.9\n")
    _, bear = advise(with_views(ctx, path), client)
    assert bear.weights["NASDAQ"] < base.weights["NASDAQ"] - 0.05


def test_a_view_on_an_unknown_product_names_file_and_field(ctx, tmp_path):
    path = _views(tmp_path, "views:\n  - assets: {TSLA: 1.0}\n    expected_return: 0.1\n    confidence: 0.5\n")
    with pytest.raises(InputError) as exc:
        with_views(ctx, path)
    assert str(exc.value).endswith("views.yaml: views.0.assets.TSLA: is not a product with estimates")


def test_expired_kyc_blocks_a_proposal_but_not_a_review(ctx):
    huang = load_client("huang", PARAMS / "clients")
    with pytest.raises(KycExpired, match=r"huang.yaml: kyc.date: the KYC assessment of 2017-09-30 expired on 2018-09-30"):
        advise(ctx, huang)
    profile, alloc = advise(ctx, huang, require_valid_kyc=False)
    assert profile.kyc_expired and alloc.status == "optimal"


def test_a_policy_or_shelf_edited_while_the_process_lives_is_read_again(params_copy):
    """A long-lived kernel (the studio) sees the firm's new policy and shelf, not the ones cached before."""
    import os

    first = load_context(params_copy, "2018-12-31")
    assert load_context(params_copy, "2018-12-31") is first  # unchanged files: the cached context
    policy = params_copy / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert 'version: "demo-2026.11"' in text
    policy.write_text(text.replace('version: "demo-2026.11"', 'version: "demo-2026.12"'), encoding="utf-8")
    st = policy.stat()
    os.utime(policy, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a later edit, whatever the clock
    second = load_context(params_copy, "2018-12-31")
    assert second.policy.version == "demo-2026.12" and first.policy.version == "demo-2026.11"
    shelf = params_copy / "products.yaml"
    st = shelf.stat()
    os.utime(shelf, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert load_context(params_copy, "2018-12-31") is not second
