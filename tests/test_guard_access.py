"""Who may see whom (issue 17, item 5). Two advisors' books in one params folder: a run for one advisor never
opens the other's client files — proven with an audit hook that records every file this process opens (the
tests run as root, so chmod 000 alone would prove nothing; the files are made unreadable too)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from wealthlib.guard.access import AccessDenied, check_books_file, viewer_for
from wealthlib.policy import load_policy

from _paths import ROOT
OPENED: list[str] = []
_RECORDING = [False]


def _hook(event: str, args: tuple) -> None:
    if _RECORDING[0] and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_hook)


@pytest.fixture()
def params(params_copy) -> Path:
    p = params_copy
    return p


def _books(params: Path) -> dict[str, list[str]]:
    import yaml

    return yaml.safe_load((params / "books.yaml").read_text(encoding="utf-8"))


class _Recording:
    def __enter__(self):
        OPENED.clear()
        _RECORDING[0] = True
        return OPENED

    def __exit__(self, *exc):
        _RECORDING[0] = False


def _lock_out(params: Path, advisor: str) -> list[Path]:
    files = [params / "clients" / f"{c}.yaml" for c in _books(params)[advisor]]
    for f in files:
        f.chmod(0)
    return files


def test_an_advisor_sees_only_their_book_and_a_supervisor_their_branch(params: Path):
    policy = load_policy(params / "policy.yaml")
    books = _books(params)
    chen = viewer_for(policy, params, "adv-chen")
    assert chen.clients == frozenset(books["adv-chen"]) and chen.role == "advisor"
    sup = viewer_for(policy, params, "sup-wu")
    assert sup.clients == frozenset(books["adv-chen"] + books["adv-wang"]) and sup.role == "supervisor"
    with pytest.raises(AccessDenied, match="neither an advisor"):
        viewer_for(policy, params, "adv-nobody")
    with pytest.raises(AccessDenied, match="advisor adv-chen may not see client 'lee': not in advisor adv-chen's book"):
        chen.check("lee")


@pytest.mark.slow  # builds a whole proposal of its own (the batch plan's refusal below stays fast)
def test_proposal_for_another_advisors_client_is_refused_without_opening_it(params: Path):
    from wealthlib.documents import build_proposal

    other = _lock_out(params, "adv-wang")
    viewer = viewer_for(load_policy(params / "policy.yaml"), params, "adv-chen")
    with _Recording() as opened, pytest.raises(AccessDenied, match="may not see client 'lee'"):
        build_proposal("lee", params=params, viewer=viewer, n_paths=50)
    assert not {str(f) for f in other} & {str(Path(p).resolve()) for p in opened}
    with _Recording() as opened:
        proposal = build_proposal("lin", params=params, viewer=viewer, n_paths=50)
    assert proposal.client_id == "lin"
    assert any(p.endswith("lin.yaml") for p in opened)  # the hook does see client files being opened
    assert not {str(f) for f in other} & {str(Path(p).resolve()) for p in opened}


def test_batch_plan_for_an_advisor_never_opens_the_other_book(params: Path, tmp_path: Path):
    from wealthlib.batch import plan

    other = _lock_out(params, "adv-wang")
    with _Recording() as opened:
        jobs, failed = plan("propose", params=params, out=tmp_path / "out", advisor="adv-chen")
    planned = sorted([j["client"] for j in jobs] + [f["client"] for f in failed])
    assert planned == sorted(_books(params)["adv-chen"])
    assert not {str(f) for f in other} & {str(Path(p).resolve()) for p in opened}
    for f in other:
        f.chmod(0o644)
    jobs, failed = plan("propose", params=params, out=tmp_path / "out", advisor="sup-wu")
    assert len(jobs) + len(failed) == len(list((params / "clients").glob("*.yaml")))


def test_a_book_and_a_file_that_disagree_are_refused(params: Path, tmp_path: Path):
    from wealthlib.batch import plan

    lin = params / "clients" / "lin.yaml"
    lin.write_text(lin.read_text(encoding="utf-8").replace("advisor: adv-chen", "advisor: adv-wang"), encoding="utf-8")
    jobs, failed = plan("propose", params=params, out=tmp_path / "out", advisor="adv-chen")
    assert [f["client"] for f in failed] == ["lin"] and "names another advisor" in failed[0]["reason"]
    problems = check_books_file(params / "books.yaml", params)
    assert [str(p) for p in problems] == [f"{params / 'books.yaml'}: adv-chen: client lin: the file names another advisor"]


def test_book_scope_reads_only_the_advisors_files(params: Path):
    from wealthlib.guard.access import book_scope

    other = _lock_out(params, "adv-wang")
    policy = load_policy(params / "policy.yaml")
    with _Recording() as opened:
        clients, problems, targets = book_scope(policy, params, ["adv-chen"])
    assert sorted(c.id for c in clients) == sorted(_books(params)["adv-chen"]) and targets == ["adv-chen"]
    assert problems == []
    assert not {str(f) for f in other} & {str(Path(p).resolve()) for p in opened}
    for f in other:
        f.chmod(0o644)
    clients, _, targets = book_scope(policy, params, ["sup-wu"])
    assert targets == ["adv-chen", "adv-wang"] and len(clients) == sum(len(v) for v in _books(params).values())
    assert book_scope(policy, params, ["all"]) is None and book_scope(policy, params, None) is None
    assert book_scope(policy, params, ["adv-nobody"]) is None  # reported by the book command as before
