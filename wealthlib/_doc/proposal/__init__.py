"""The proposal's section units (:mod:`wealthlib._doc`), one module per group; importing this package
registers them. Its inputs and numbers: :mod:`.inputs`, :mod:`.numbers`."""

from . import allocation, care, client, costs, credit, disclosures, record, risk, visits  # noqa: F401  (registers the units)
from .inputs import ProposalInputs

__all__ = ["ProposalInputs"]
