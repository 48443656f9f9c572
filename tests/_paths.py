"""Paths every test module needs at import time (module constants, parametrize lists).

Fixtures live in ``conftest.py``; this module holds only what must exist before a fixture can run.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

#: The repository's root folder (the one holding ``params/``, ``templates/`` and ``tests/``).
ROOT = Path(__file__).resolve().parents[1]
#: The shipped sample params folder (policy, shelf, market, views, book and the sample clients).
PARAMS = ROOT / "params"
#: The sample clients' ids, in file-name order.
SAMPLES = sorted(p.stem for p in (PARAMS / "clients").glob("*.yaml"))
#: The second sample firm, a mainland bank sub-branch, shipped beside the Taiwanese securities firm (a folder of
#: params holding its own policy.yaml is a firm of its own), and its sample clients (liu, wang, zhang).
BANK = PARAMS / "cn-bank"
BANK_SAMPLES = sorted(p.stem for p in (BANK / "clients").glob("*.yaml"))
#: The installed ``wealth`` console script of the interpreter running the tests (the venv's, not one on PATH).
WEALTH = str(Path(sys.executable).with_name("wealth"))


def yaml_files(params: Path) -> list[Path]:
    """Every YAML file under a params folder: what ``wealth validate`` with no argument is documented to check."""
    return sorted(params.rglob("*.yaml"))


def sample_book(dst: Path, ids) -> Path:
    """A params folder at ``dst``: the shipped policy, shelf and market file and the sample clients ``ids``."""
    (dst / "clients").mkdir(parents=True)
    for name in ("policy.yaml", "products.yaml", "market.yaml", "advisors.yaml"):
        shutil.copy(PARAMS / name, dst)
    for cid in ids:
        shutil.copy(PARAMS / "clients" / f"{cid}.yaml", dst / "clients")
    return dst


def policy_with_sections(params: Path, kind: str, sections) -> Path:
    """Rewrite ``params/policy.yaml`` so that its ``documents`` block lists only ``{kind: sections}`` (what a firm
    prints in its proposals or reviews), and return that file's path."""
    import yaml

    path = params / "policy.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["documents"] = {kind: sections}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
