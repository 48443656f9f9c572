"""Fixtures shared by the test modules. Import-time constants (ROOT, PARAMS, SAMPLES, WEALTH) are in ``_paths``."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from _paths import PARAMS


@pytest.fixture()
def params_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped params folder at ``tmp_path/params``, for tests that edit or add files."""
    dst = tmp_path / "params"
    shutil.copytree(PARAMS, dst)
    return dst


@pytest.fixture()
def process_mark(monkeypatch: pytest.MonkeyPatch) -> str:
    """A value of this test's own in ``WEALTHLIB_TEST_RUN``, inherited by every process it starts (see _procs)."""
    from _procs import MARK

    value = uuid.uuid4().hex
    monkeypatch.setenv(MARK, value)
    return value
