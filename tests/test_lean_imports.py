"""The processes this package starts (CLI, batch pool workers, the warm template) skip the optional
``rfc3987_syntax`` grammar jsonschema would load through nbformat, and notebooks still validate; importing
``wealthlib`` alone changes nothing in a user's process."""

from __future__ import annotations

import subprocess
import sys

from tests._paths import ROOT

TEMPLATE = ROOT / "wealthlib" / "templates" / "proposal.ipynb"


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return done.stdout.strip()


def test_after_the_skip_nbformat_validates_without_the_iri_grammar():
    out = _run("import sys\nfrom wealthlib._imports import skip_slow_optional_imports\nskip_slow_optional_imports()\n"
               f"import nbformat\nnbformat.validate(nbformat.read({str(TEMPLATE)!r}, as_version=4))\n"
               "print(sys.modules.get('rfc3987_syntax', 'absent'))")
    assert out in ("None", "absent")


def test_a_pool_worker_skips_it_and_importing_wealthlib_does_not():
    worker = _run("import sys\nfrom wealthlib._batch.worker import init_pool_worker\nimport os\n"
                  "os.environ['WEALTH_DEBUG'] = '1'\ninit_pool_worker()\nimport nbformat\n"
                  "print(sys.modules.get('rfc3987_syntax', 'absent'))")
    assert worker in ("None", "absent")
    plain = _run("import sys, importlib.util\nimport wealthlib\n"
                 "print(importlib.util.find_spec('rfc3987_syntax') is not None, 'rfc3987_syntax' in sys.modules and "
                 "sys.modules['rfc3987_syntax'] is None)")
    # where the package is installed a plain import of wealthlib leaves it importable
    assert plain.split()[1] == "False"
