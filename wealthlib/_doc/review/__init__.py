"""The quarterly review's section units (:mod:`wealthlib._doc`), one module per group; importing this package
registers them. They compute from a built :class:`wealthlib.review.Review` (its numbers: valuation,
performance, attribution, drift, trades, goals — computed by :mod:`wealthlib.review` and
:mod:`wealthlib._analytics`) and render with the document's :class:`~wealthlib._doc.Labels`. The section list
is ``review:`` in ``wealthlib/data/documents/sections.yaml`` (a firm's: ``documents: {review: [...]}``)."""

from . import cover, follow_up, meeting, performance, positions, record, risk  # noqa: F401  (registers the units)
