"""The relationship report's (client book's) section units (:mod:`wealthlib._doc`), one module per group;
importing this package registers them. They compute from a built :class:`wealthlib.book.BookReport` (its tables
and measures: :func:`wealthlib.book.build_book`, :mod:`wealthlib._analytics.book`) in one locale
(:class:`~._common.BookInputs`) and render with the document's :class:`~wealthlib._doc.Labels`. The section list is
``book:`` in ``wealthlib/data/documents/sections.yaml`` (a firm's: ``documents: {book: [...]}``); the document
around them (title, scope line, signatures) is :mod:`.document`."""

from . import lists, measures, overview, record  # noqa: F401  (registers the units)
