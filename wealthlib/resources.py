"""Where the files the code reads at run time live: the document templates and our export template.

Every lookup of ``templates/…`` goes through :func:`template_path`, so there is one place that knows where
they are installed.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["TEMPLATES_DIR", "template_path"]

#: The folder holding the papermill templates (``proposal.ipynb`` …) and the export template ``wealth_html/``.
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def template_path(name: str) -> Path:
    """The installed template ``name`` (``"proposal.ipynb"``, ``"wealth_html"`` …), a file or a folder."""
    return TEMPLATES_DIR / name
