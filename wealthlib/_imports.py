"""Imports this package's own processes can do without (the CLI, batch workers, the warm template).

:func:`skip_slow_optional_imports` keeps jsonschema (imported by nbformat, hence by papermill and nbconvert)
from loading the optional ``rfc3987_syntax`` package. That package compiles three Lark grammars at import
(measured 1.9–2.0 s of CPU here, `python -X importtime`) only to check the ``iri`` string format, which no
notebook schema uses; without it jsonschema simply skips that format check. It is called at the start of the
processes this package starts itself — never on import of ``wealthlib``, so a user's kernel or JupyterLab
keeps its jsonschema as installed.
"""

from __future__ import annotations

import sys

__all__ = ["skip_slow_optional_imports"]


def skip_slow_optional_imports() -> None:
    """Make ``import rfc3987_syntax`` raise ImportError in this process, when nothing has imported it yet."""
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes ``import`` raise ImportError
