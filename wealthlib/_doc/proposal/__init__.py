"""The proposal's section units (:mod:`wealthlib._doc`), one module per group; importing this package
registers them. Its inputs and numbers: :mod:`.inputs`, :mod:`.numbers`."""

# importing the unit modules registers their units
from . import (allocation, care, client, costs, credit, disclosures, downside, household, record,  # noqa: F401
               risk, summary, visits)
from .inputs import ProposalInputs

__all__ = ["ProposalInputs"]
