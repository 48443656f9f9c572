"""Guardrails an advisor cannot slip past (DESIGN.md §4 ``guard``).

* :mod:`wealthlib.guard.draft` — tamper-evident drafts: a draft may change only its parameter values and its
  advisor texts; the parameters cell holds plain assignments of the template's own parameters.
"""
