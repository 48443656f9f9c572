"""The documents' seam: a document is an ordered list of sections, each a small unit.

A unit (:class:`Section`) computes plain data from the document's inputs (``compute``: numbers, text, ISO
dates; JSON for exports and tests) and renders that data with a locale's :class:`Labels` into safe HTML
(``render``). Units register with :func:`register`; the list of a kind's sections is data
(``wealthlib/data/documents/sections.yaml``, replaced for a firm by ``documents:`` in its ``policy.yaml``),
read by :func:`section_list`. :func:`build_sections` runs the units of a list. Shared pieces: tables, money,
percentages and labels (:mod:`.html`, :class:`Labels`), charts embedding (:func:`.html.chart_png`,
:func:`.html.img`), the audit record (:mod:`.audit`).

Adding a section: write a unit in the kind's package (``wealthlib/_doc/proposal/<group>.py``)::

    @register("proposal")
    class Summary(Section):
        key, heading = "summary", "proposal_summary"       # heading: a label in data/i18n/documents.yaml
        def compute(self, inputs): return {"risk_class": inputs.class_name, ...}
        def render(self, data, labels): return p(labels.L("summary_intro", ...)) + table(...)

add its labels to ``wealthlib/data/i18n/documents.yaml`` (en, zh-TW, zh-CN), and list its key where it prints
(``sections.yaml``, or a firm's ``policy.yaml`` ``documents.proposal``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .base import Labels, Section
from .registry import (SECTIONS_FILE, SectionError, check_list, check_policy_documents, default_sections, register,
                       section_list, unit, units)

__all__ = ["Built", "Labels", "SECTIONS_FILE", "Section", "SectionError", "build_sections", "check_list",
           "check_policy_documents", "default_sections", "register", "section_list", "unit", "units"]


@dataclass
class Built:
    """One section as built: its key, localized heading, plain data and body HTML."""

    key: str
    heading: str
    data: dict[str, Any] = field(default_factory=dict)
    html: str = ""
    advisor: bool = False


def build_sections(kind: str, keys: Iterable[str], inputs: Any, labels: Labels, *,
                   source: str = SECTIONS_FILE) -> list[Built]:
    """Compute and render each section of ``keys`` (a checked section list) from ``inputs``, in order."""
    out = []
    for key in keys:
        u = unit(kind, key, source=source)
        data = u.compute(inputs)
        title = getattr(u, "title", None)  # a heading with the section's own numbers (``title(data, labels)``)
        heading = title(data, labels) if title is not None else labels.L(u.heading)
        out.append(Built(key, heading, data, u.render(data, labels), u.advisor))
    return out
