"""No client value in any manifest, index, log or message: a client file carrying a distinctive value in every
field, broken one field at a time (one file per field, plus unknown field names, unknown codes, an override
naming no class, impossible complaint dates, a file that is not a client file at all), is run through
``wealth validate`` and ``wealth batch``; every output is scanned for the values. The terminal is no
exception: a message names file, field and problem (``holdings.X.amount: must be ≥ 0``), never the value."""

from __future__ import annotations

import copy
import json
import re
import subprocess

import pytest
import yaml

from _cli import run_in_process
from _paths import PARAMS, WEALTH

MARK = re.compile(r"SECRET\d+|刘伟|機密|2017-03-04|2017-05-06")


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path, node


def _set(node, path, value):
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


FREE_TEXT = {"name", "profession", "education", "source_of_wealth", "note"}


def _base() -> dict:
    """lee's file with a distinctive value in every free-text field (still a valid client)."""
    data = yaml.safe_load((PARAMS / "clients" / "lee.yaml").read_text(encoding="utf-8"))
    n = 0
    for path, value in list(_leaves(data)):
        if isinstance(value, str) and path[-1] in FREE_TEXT:
            n += 1
            _set(data, path, f"SECRET{n} 刘伟 機密")
    return data


def _variants() -> dict[str, dict | str]:
    base = _base()
    out: dict[str, dict | str] = {}
    for i, (path, value) in enumerate(_leaves(base)):
        broken = copy.deepcopy(base)
        if isinstance(value, str):
            bad: object = {f"SECRET{900 + i}": f"SECRET{1900 + i} 刘伟"}  # a mapping where text or a code belongs
        else:
            bad = f"SECRET{2900 + i} 刘伟"  # text where a number, a date or a flag belongs
        _set(broken, path, bad)
        out[f"f{i:03d}"] = broken
    extra = {
        "unknown-top": lambda d: d.update({"secret_note_刘伟_SECRET5551": "SECRET5552"}),
        "unknown-nested": lambda d: d["income"].update({"SECRET5553 刘伟": 1}),
        "unknown-code": lambda d: d["holdings"].update({"刘伟 private acct SECRET5554": {"amount": 10}}),
        "unknown-tx-code": lambda d: d["transactions"].append(
            {"date": "2018-03-01", "type": "buy", "product": "SECRET5555刘伟", "amount": 1}),
        "unknown-excluded": lambda d: d.update({"restrictions": {"excluded_products": ["SECRET5556-刘伟"]}}),
        "override-class": lambda d: d["kyc"].update(
            {"override": {"risk_class": "SECRET-CLASS-刘伟機密", "reason": "SECRET5557", "by": "adv-wang",
                          "date": "2018-03-01"}}),
        "complaint-dates": lambda d: d.update({"complaints": [
            {"opened": "2017-05-06", "closed": "2017-03-04", "summary": "SECRET5558"}]}),
    }
    for name, edit in extra.items():
        d = copy.deepcopy(base)
        edit(d)
        out[name] = d
    out["not-a-client"] = "".join(f"rootSECRET{7000 + i}刘伟:x:17000:0:99999:7:::\n" for i in range(5))
    return out


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    params = tmp_path_factory.mktemp("leaks") / "params"
    (params / "clients").mkdir(parents=True)
    for f in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):
        (params / f).write_text((PARAMS / f).read_text(encoding="utf-8"), encoding="utf-8")
    for name, data in _variants().items():
        cid = name.lower()
        if isinstance(data, dict):
            data = {**data, "id": cid} if not isinstance(data.get("id"), dict) else data
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        else:
            text = data
        (params / "clients" / f"{cid}.yaml").write_text(text, encoding="utf-8")
    return params


def _leaks(text: str) -> list[str]:
    return [line for line in text.splitlines() if MARK.search(line)]


def test_every_broken_field_is_named_without_its_value(book):
    v = run_in_process("--params", str(book), "validate")
    assert v.returncode == 1
    out = v.stdout + v.stderr
    assert "Traceback" not in out
    assert _leaks(out) == []
    assert ", got " not in out  # no client value is quoted, whatever it is
    names = {p.stem for p in (book / "clients").glob("*.yaml")}
    named = {m.group(1) for m in re.finditer(r"clients/([a-z0-9-]+)\.yaml", out)}
    assert named == names  # every file is reported (each has one broken field)


@pytest.mark.slow
def test_the_batch_manifest_index_and_messages_hold_no_client_value(book, tmp_path):
    out = tmp_path / "out"
    b = subprocess.run([str(WEALTH), "batch", "review", "--params", str(book), "--out", str(out), "--no-progress",
                        "--format", "html"], capture_output=True, text=True, timeout=1200)
    assert b.returncode == 1, b.stderr
    assert "Traceback" not in b.stderr
    assert _leaks(b.stdout + b.stderr) == []
    for f in ("manifest.json", "manifest.csv", "index.html"):
        assert _leaks((out / f).read_text(encoding="utf-8")) == [], f
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["client"] for e in data["clients"] if e["status"] == "failed"} == {
        p.stem for p in (book / "clients").glob("*.yaml")}
