"""Where the files the code reads at run time are installed: the document templates and our export template.

They are package data: ``wealthlib/templates`` is a link to the repository's top-level ``templates/`` folder
(where authors edit them), and a wheel carries them as ``wealthlib/templates/…`` inside the package
(``[tool.setuptools.package-data]``). So an editable install, a checkout on ``PYTHONPATH`` and a regular
``pip install .`` all find them at the same place relative to this module, and every lookup goes through
:func:`template_path`. The questionnaires, disclosures, texts and wording rules are package data under
``wealthlib/data/``; a firm's own inputs (``params/``) are not: ``--params`` / ``WEALTH_PARAMS`` name them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["TEMPLATES_DIR", "template_path"]

#: The installed templates: papermill templates (``proposal.ipynb`` …) and the export template ``wealth_html/``.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def template_path(name: str) -> Path:
    """The installed template ``name`` (``"proposal.ipynb"``, ``"wealth_html"`` …), a file or a folder; the
    caller says what is missing when it does not exist."""
    return TEMPLATES_DIR / name
