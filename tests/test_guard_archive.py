"""The archive of what each client was given (issue 17, item 4): content-addressed, write-once, indexed."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from wealthlib.guard.archive import ArchiveError, archive_document, list_archive


def test_archive_is_content_addressed_read_only_and_indexed(tmp_path: Path):
    pdf = b"%PDF-1.7 first document"
    inputs = {"client.yaml": b"id: lin\n", "wealth-inputs.json": b"{}"}
    path = archive_document(tmp_path, "lin", pdf, inputs, {"kind": "proposal", "as_of": "2018-12-31"})
    digest = hashlib.sha256(pdf).hexdigest()  # computed here, independently
    assert path == tmp_path / "lin" / f"{digest}.pdf" and path.read_bytes() == pdf
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert (tmp_path / "lin" / f"{digest}.inputs" / "client.yaml").read_bytes() == b"id: lin\n"
    assert stat.S_IMODE((tmp_path / "lin" / f"{digest}.inputs" / "client.yaml").stat().st_mode) == 0o444
    rows = list_archive(tmp_path, "lin")
    assert [(r["sha256"], r["kind"], r["as_of"]) for r in rows] == [(digest, "proposal", "2018-12-31")]
    # the same bytes again: nothing new; a re-render (new bytes) is a second entry, the first untouched
    archive_document(tmp_path, "lin", pdf, inputs, {"kind": "proposal"})
    archive_document(tmp_path, "lin", b"%PDF-1.7 re-rendered", inputs, {"kind": "proposal"})
    assert len(list_archive(tmp_path, "lin")) == 2 and path.read_bytes() == pdf
    assert list_archive(tmp_path, "wang") == []
    lines = (tmp_path / "index.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(x)["client"] == "lin" for x in lines)


def test_archive_never_overwrites(tmp_path: Path):
    pdf = b"%PDF original"
    path = archive_document(tmp_path, "lin", pdf, {}, {})
    os.chmod(path, 0o644)
    path.write_bytes(b"%PDF tampered")  # a file under the content name that is not that content
    with pytest.raises(ArchiveError, match="not replaced"):
        archive_document(tmp_path, "lin", pdf, {}, {})
    assert path.read_bytes() == b"%PDF tampered"  # left as found, for someone to look at
    with pytest.raises(ArchiveError, match="not a client id"):
        archive_document(tmp_path, "../x", pdf, {}, {})
