"""``python -m wealthlib.cli`` runs the ``wealth`` command."""

from .app import main

main()
