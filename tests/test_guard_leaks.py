"""Client data never leaves the process except in the client's own documents (issue 17, item 5): a batch (of
reviews, then of proposals) is run, then everything it wrote (manifest, index, archive index, stdout and stderr) except each client's own
documents and archived inputs is scanned for every client's name, free-text fields and amounts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from _paths import ROOT, WEALTH


def _needles(client: dict) -> set[str]:
    out = {client["name"], client.get("notes", ""), client.get("source_of_wealth", ""), client.get("profession", "")}
    out |= {g["name"] for g in client.get("goals", [])}
    out |= {c["note"] for c in client.get("contact_log", [])}
    out |= {c["summary"] for c in client.get("complaints", [])}
    amounts = [client["income"]["annual"], client["annual_expenses"], *client["assets"].values(),
               *[h.get("amount", 0) for h in client.get("holdings", {}).values()],
               *[g["target_amount"] for g in client.get("goals", [])]]
    for a in amounts:
        if isinstance(a, (int, float)) and a >= 10_000:
            out |= {str(int(a)), f"{int(a):,}"}
    return {s.strip() for s in out if s and len(s.strip()) >= 2}


@pytest.mark.slow
@pytest.mark.parametrize("kind_args", [["review", "--quarter", "2018Q3"], ["propose"]], ids=["review", "propose"])
def test_a_batch_writes_no_client_data_outside_the_clients_documents(params_copy, tmp_path: Path, kind_args: list[str]):
    params = params_copy
    out = tmp_path / "out"
    proc = subprocess.run([WEALTH, "batch", *kind_args, "--params", str(params), "--out", str(out),
                           "--workers", "1", "--no-progress"], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    clients = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (params / "clients").glob("*.yaml")}
    own = {f"{cid}.{ext}" for cid in clients for ext in ("html", "pdf", "ipynb")}
    written = [p for p in out.rglob("*") if p.is_file() and p.name not in own]
    archive = tmp_path / "archive"
    written += [p for p in archive.glob("*") if p.is_file()]  # the index; per-client folders hold their own data
    assert any(p.name == "manifest.json" for p in written)
    assert (archive / "index.jsonl").is_file(), proc.stderr  # the batch archived what it issued
    assert any((out / f"{cid}.pdf").is_file() for cid in clients), proc.stderr  # documents were issued at all
    texts = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in written}
    texts["stdout"], texts["stderr"] = proc.stdout, proc.stderr
    leaks = [(where, cid, needle) for cid, c in clients.items() for needle in _needles(c)
             for where, text in texts.items() if needle in text]
    assert not leaks, leaks[:10]
    # the scan would see them: each client's own HTML does hold its name
    for cid, c in clients.items():
        html = out / f"{cid}.html"
        if html.is_file():
            assert c["name"] in html.read_text(encoding="utf-8"), cid
