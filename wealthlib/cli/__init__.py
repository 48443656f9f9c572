"""The ``wealth`` command (console script ``wealth = "wealthlib.cli:main"``).

One module per command group; none imports this package's ``__init__`` back, and the groups import only
:mod:`.common`:

======================  ===================================================================================
``app.py``              the root ``typer`` app, ``--params``, :data:`~.app.GROUPS`, :func:`main` (one-line errors)
``common.py``           shared by every group: ``state`` (``--params``), the ``out``/``err`` consoles, the
                        option parsers (``parse_as_of``, ``parse_formats`` — the one ``--format`` parser —,
                        ``parse_locale``), ``format_option()``, ``CLIENT``, input loaders
``advice.py``           ``validate``, ``profile``, ``score grable-lytton``, ``allocate``
``market.py``           ``market info``
``documents.py``        ``propose``, ``review``, ``draft``, ``render``, ``demo`` (the propose handshake: :mod:`wealthlib._propose`)
``batch.py``            ``batch review``, ``batch propose``
``book.py``             ``book report``, ``book summary``
``records.py``          ``accept`` (a client's decision about a proposal: :mod:`wealthlib.records`)
======================  ===================================================================================

A new command group: a module here that imports what it needs from :mod:`.common` (never from
``wealthlib.cli`` or ``.app``), defines its commands (a ``typer.Typer`` for a sub-group, plain functions for
top-level commands) and a ``register(app)`` that adds them; then append the module to ``GROUPS`` in
``app.py``. Heavy imports go inside the commands, so ``wealth --help`` stays fast.
"""

from __future__ import annotations

from .app import app, main

__all__ = ["app", "main"]
