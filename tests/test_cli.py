"""The ``wealth`` command's behaviour: exit codes, one-line messages, JSON output.

Run in-process through the same entry point as the console script (``_cli.run_in_process``: typer's
``CliRunner``, a fresh working directory and environment per invocation); ``test_cli_entry_point.py`` checks
that the installed console script, in a process of its own, prints the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _cli import run_in_process as run
from _paths import ROOT, yaml_files


def test_validate_shipped_params_is_clean():
    proc = run("validate")
    assert proc.returncode == 0, proc.stderr
    assert "no problems" in proc.stdout


def test_validate_lists_every_problem_and_exits_1(params_copy: Path, tmp_path: Path):
    clients = params_copy / "clients"
    text = (clients / "lin.yaml").read_text(encoding="utf-8")
    assert "USD-MMF: {amount: 16305.24}" in text
    (clients / "neg.yaml").write_text(
        text.replace("id: lin", "id: neg").replace("USD-MMF: {amount: 16305.24}", "USD-MMF: {amount: -5}"),
        encoding="utf-8",
    )
    (clients / "badcode.yaml").write_text(
        text.replace("id: lin", "id: badcode").replace("USD-MMF: {amount: 16305.24}", "XX-FAKE: {amount: 5}"),
        encoding="utf-8",
    )
    (clients / "broken.yaml").write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    proc = run("--params", str(params_copy), "validate", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert "params/clients/neg.yaml: holdings.USD-MMF.amount: must be ≥ 0" in lines  # the value (-5) is not quoted
    assert not any("-5" in ln for ln in lines if "neg.yaml" in ln)
    # an unknown code is placed, not echoed (it may be client data)
    assert any(ln.startswith("params/clients/badcode.yaml: holdings (position ") and "unknown product code" in ln
               and "XX-FAKE" not in ln for ln in lines)
    assert any(ln.startswith("params/clients/broken.yaml: line") and "invalid YAML" in ln for ln in lines)
    # every YAML file of the folder is read: policy, shelf, market, views, book, the samples and the 3 written here
    assert lines[-1] == f"3 problem(s) in {len(yaml_files(params_copy))} file(s)"


def test_profile_json_has_the_class_and_ceiling():
    proc = run("profile", _first_client(), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["final_class"] in {"conservative", "moderate", "aggressive"}
    assert data["ceiling"] in {2, 3, 5}
    assert data["kyc_expiry"] > data["kyc_date"]


def test_profile_unknown_client_is_one_clear_line():
    proc = run("profile", "nobody-here")
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "nobody-here" in proc.stderr


def test_grable_lytton_score_from_the_published_grid():
    # DOMAIN.md §3: item 1 a=4; items 2,3,6,7,8,11,13 d=4; items 4,5,12 c=3; items 9,10 b=3 → the maximum, 47
    answers = "a,d,d,c,c,d,d,d,b,b,d,c,d"
    proc = run("score", "grable-lytton", "--answers", answers)
    assert proc.returncode == 0, proc.stderr
    assert "score 47" in proc.stdout and "band: high" in proc.stdout
    # all-minimum: item 1 d=1, every other item a=1 → 13, band low
    proc = run("score", "grable-lytton", "--answers", "d" + ",a" * 12)
    assert "score 13" in proc.stdout and "band: low" in proc.stdout


def test_grable_lytton_bad_answers():
    proc = run("score", "grable-lytton", "--answers", "a,b")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: --answers:")


def test_bad_as_of_date():
    proc = run("profile", _first_client(), "--as-of", "31/12/2018")
    assert proc.returncode == 1
    assert "--as-of: not a date in YYYY-MM-DD form: '31/12/2018'" in proc.stderr


def test_market_info_lists_real_and_modeled_series():
    proc = run("market", "info", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    kinds = {r["kind"] for r in rows}
    assert kinds == {"real", "modeled"}
    assert all(r["first"] < r["last"] for r in rows)
    ids = {r["series"] for r in rows}
    assert {"RF", "US_MKT", "AAA10", "BAA10", "SP500", "NASDAQ", "WTI"} <= ids


def _first_client() -> str:
    return sorted((ROOT / "params" / "clients").glob("*.yaml"))[0].stem


def test_allocate_json_is_suitable_and_fully_invested():
    proc = run("allocate", "lin", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for key in ("weights", "expected_return", "volatility", "binding", "status"):
        assert key in data
    assert data["status"] == "optimal"
    weights = data["weights"]
    assert abs(sum(weights.values()) - 1.0) < 1e-6
    # lin is 穩健型 (ceiling RR3) and holds SP500 (RR4) today: the proposal must sell all of it
    import yaml

    shelf = yaml.safe_load((ROOT / "params" / "products.yaml").read_text(encoding="utf-8"))
    grade = {p["code"]: p["grade"] for p in shelf["products"]}
    assert data["ceiling"] == 3
    assert all(w <= 1e-6 for code, w in weights.items() if grade[code] > 3)
    assert data["trades"]["SP500"] < -0.3


def test_allocate_explains_an_infeasible_client(params_copy: Path, tmp_path: Path):
    clients = params_copy / "clients"
    text = (clients / "lin.yaml").read_text(encoding="utf-8")
    import yaml

    data = yaml.safe_load(text)
    data["id"] = "nobonds"
    data["restrictions"] = {"excluded_products": [], "excluded_classes": ["bond"]}
    (clients / "nobonds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = run("--params", str(params_copy), "allocate", "nobonds", cwd=tmp_path)
    assert proc.returncode == 1
    # 穩健型 (lin) may hold at most 40% cash and needs 50% bonds; with bonds excluded nothing can fill the rest
    assert "No allocation satisfies every constraint" in proc.stderr
    assert "class 穩健型" in proc.stderr and "the client excludes the asset class bond" in proc.stderr


def test_validate_catches_bands_the_shelf_cannot_meet(params_copy: Path, tmp_path: Path):
    import yaml

    policy_file = params_copy / "policy.yaml"
    policy = yaml.safe_load(policy_file.read_text(encoding="utf-8"))
    # 穩健型 (ceiling RR3) asked to hold ≥ 20% equity: every equity product on the shelf is RR4 or RR5
    policy["ladders"]["tw3"]["classes"][1]["bands"]["equity"] = [0.20, 0.40]
    policy_file.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
    proc = run("--params", str(params_copy), "validate", cwd=tmp_path)
    assert proc.returncode == 1
    assert (
        "params/policy.yaml: ladders.tw3.classes.1.bands.equity: class moderate requires equity ≥ 20%, but the "
        "shelf's equity products at or below grade 3 (none) can reach only 0% under the per-product caps"
    ) in proc.stderr.splitlines()


# ------------------------------------------------------------------------ documents (fast: no kernel starts)


def test_propose_bad_options_are_one_line_and_write_nothing(tmp_path):
    out = tmp_path / "out"
    proc = run("propose", "lin", "--format", "docx", "--out", str(out))
    assert proc.returncode == 1 and proc.stderr.startswith("error: --format: unknown format(s) docx")
    proc = run("propose", "lin", "--lang", "fr", "--out", str(out))
    assert proc.returncode == 1 and "--lang: unknown language 'fr'" in proc.stderr
    proc = run("propose", "nobody-here", "--out", str(out))
    assert proc.returncode == 1 and "nobody-here" in proc.stderr and proc.stderr.strip().count("\n") == 0
    assert not out.exists()


def test_propose_infeasible_client_is_explained_and_writes_nothing(params_copy: Path, tmp_path: Path):
    import yaml

    data = yaml.safe_load((params_copy / "clients" / "lin.yaml").read_text(encoding="utf-8"))
    data.update(id="nobonds", restrictions={"excluded_products": [], "excluded_classes": ["bond"]})
    (params_copy / "clients" / "nobonds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = run("--params", str(params_copy), "propose", "nobonds", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "No allocation satisfies every constraint" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_draft_writes_the_parameters_and_refuses_to_overwrite(tmp_path: Path):
    import nbformat

    proc = run("draft", "lin", "--dir", str(tmp_path / "drafts"))
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "drafts" / "lin" / "proposal.ipynb"
    nb = nbformat.read(path, as_version=4)
    src = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "client = 'lin'" in src and "as_of = '2018-12-31'" in src
    again = run("draft", "lin", "--dir", str(tmp_path / "drafts"))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_render_missing_notebook_is_one_clear_line(tmp_path: Path):
    proc = run("render", str(tmp_path / "nope.ipynb"))
    assert proc.returncode == 1 and "no such notebook" in proc.stderr


def test_allocate_with_the_house_views_reports_them():
    proc = run("allocate", "morgan", "--views", "views/house.yaml", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["estimator"].endswith("+views")
    proc = run("allocate", "morgan", "--views", "views/nope.yaml")
    assert proc.returncode == 1 and "params/views/nope.yaml: file not found" in proc.stderr


def test_an_unexpected_error_is_one_line_and_exit_2(monkeypatch, capsys):
    """The last line of defence: a bug is named in one line, never a traceback (with WEALTH_DEBUG it is raised)."""
    import wealthlib.market
    from wealthlib import cli

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(wealthlib.market, "load_market", boom)  # what `wealth market info` calls
    monkeypatch.delenv("WEALTH_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exc:
        cli.main(["market", "info"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: unexpected RuntimeError: a bug (set WEALTH_DEBUG=1 for details)"
    monkeypatch.setenv("WEALTH_DEBUG", "1")
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["market", "info"])
