"""Special files under params/clients (``/dev/zero``, a FIFO, a socket; directly and through symlinks) are refused
by type before anything is read: by the loader, ``wealth validate``, ``wealth profile`` and ``wealth batch``,
each in a subprocess under a memory limit (``RLIMIT_AS``) and a deadline, so a read of ``/dev/zero`` or a
blocking open of a FIFO fails the test instead of taking the machine down or hanging."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from wealthlib._yaml import MAX_BYTES, read_bounded
from wealthlib.clients import load_client
from wealthlib.errors import InputError

from _paths import PARAMS, WEALTH

MEMORY_LIMIT = 3 << 30  # address space: the CLI with numpy, pandas and cvxpy loaded needs well under this
DEADLINE_S = 120  # a hang is a failure; the refusal itself takes milliseconds (the CLI's imports take seconds)

KINDS = {"zero": "a character device", "fifo": "a FIFO", "sock": "a socket"}


def _make(kind: str, path: Path, keep: list) -> None:
    if kind == "zero":
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # the /dev/zero device itself
        except PermissionError:
            pytest.skip("mknod needs root")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(str(path))
        s.listen(1)
        keep.append(s)


@pytest.fixture(params=[(k, via) for k in KINDS for via in ("direct", "symlink")], ids=lambda p: "-".join(p))
def hostile(request, tmp_path):
    """A params folder with lee's file and one special file ``bad.yaml`` (or a symlink to one)."""
    kind, via = request.param
    params = tmp_path / "params"
    (params / "clients").mkdir(parents=True)
    for f in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):
        shutil.copy(PARAMS / f, params)
    shutil.copy(PARAMS / "clients" / "lee.yaml", params / "clients")
    keep: list = []
    target = params / "clients" / "bad.yaml"
    if via == "symlink":
        if kind == "zero":
            target.symlink_to("/dev/zero")
        else:
            _make(kind, tmp_path / "special", keep)
            (params / "special").symlink_to(tmp_path / "special")  # a link into params, to a file outside it
            target.symlink_to(params / "special")
    else:
        _make(kind, target, keep)
    yield params, kind, via
    for s in keep:
        s.close()


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(WEALTH), *args], cwd=cwd, capture_output=True, text=True, timeout=DEADLINE_S,
                          preexec_fn=_limited, stdin=subprocess.DEVNULL)


def _expected(kind: str, via: str) -> str:
    return KINDS[kind]  # what it is comes first, wherever a link leads


def test_the_loader_refuses_it_naming_the_path(hostile):
    params, kind, via = hostile
    with pytest.raises(InputError) as err:
        load_client("bad", params / "clients")
    assert "bad.yaml" in str(err.value) and _expected(kind, via) in str(err.value)
    assert load_client("lee", params / "clients").id == "lee"


@pytest.mark.slow
def test_validate_profile_and_batch_refuse_it(hostile, tmp_path):
    params, kind, via = hostile
    v = _run("--params", str(params), "validate", cwd=tmp_path)
    assert v.returncode == 1, v.stdout + v.stderr
    lines = [line for line in (v.stdout + v.stderr).splitlines() if "bad.yaml" in line]
    assert len(lines) == 1 and _expected(kind, via) in lines[0], v.stdout + v.stderr
    p = _run("--params", str(params), "profile", "bad", cwd=tmp_path)
    assert p.returncode != 0 and "bad.yaml" in p.stderr and _expected(kind, via) in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    # only the special file: the batch plans, refuses it, and starts no kernel at all
    os.unlink(params / "clients" / "lee.yaml")
    b = _run("batch", "review", "--params", str(params), "--out", str(tmp_path / "out"), "--no-progress", cwd=tmp_path)
    assert b.returncode == 1, b.stderr
    assert [line for line in b.stderr.splitlines() if line.startswith("failed:")] == [
        line for line in b.stderr.splitlines() if "bad" in line and _expected(kind, via) in line]
    assert "Traceback" not in b.stderr


def test_reads_are_bounded_whatever_st_size_says(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(InputError, match=f"larger than {MAX_BYTES} bytes"):
        read_bounded(big)
    ok = tmp_path / "ok.yaml"
    ok.write_bytes(b"#" * MAX_BYTES)
    assert len(read_bounded(ok)) == MAX_BYTES
    with pytest.raises(InputError, match="a character device"):
        read_bounded("/dev/zero")  # st_size 0, endless content
    with pytest.raises(InputError, match="a folder"):
        read_bounded(tmp_path)


def test_a_symlink_inside_the_params_folder_is_followed(tmp_path):
    params = tmp_path / "params"
    (params / "clients").mkdir(parents=True)
    (params / "archive").mkdir()
    text = (PARAMS / "clients" / "lee.yaml").read_text(encoding="utf-8")
    (params / "archive" / "lee.yaml").write_text(text, encoding="utf-8")
    (params / "clients" / "lee.yaml").symlink_to(params / "archive" / "lee.yaml")
    assert load_client("lee", params / "clients").id == "lee"
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(text, encoding="utf-8")
    (params / "clients" / "lee.yaml").unlink()
    (params / "clients" / "lee.yaml").symlink_to(outside)
    with pytest.raises(InputError, match="outside the params folder"):
        load_client("lee", params / "clients")
