"""Private implementation of :mod:`wealthlib.analytics` (import from there)."""
