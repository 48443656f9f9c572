"""Fixtures shared by the test modules. Import-time constants (ROOT, PARAMS, SAMPLES, WEALTH) are in ``_paths``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from _paths import PARAMS


@pytest.fixture()
def params_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped params folder at ``tmp_path/params``, for tests that edit or add files."""
    dst = tmp_path / "params"
    shutil.copytree(PARAMS, dst)
    return dst
