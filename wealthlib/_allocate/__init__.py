"""Private implementation of :mod:`wealthlib.allocate` (spec, constraints, compiled model, diagnosis)."""
