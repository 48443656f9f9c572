"""wealthlib: the logic of an open workbench for wealth advisors.

Public modules (see DESIGN.md §4): ``clients``, ``policy``, ``risk``, ``products``, ``market``, ``estimate``,
``allocate``, ``analytics``, ``charts``, ``documents``, ``render``, ``cli``. Importing the package itself is
cheap; heavy libraries (cvxpy, quantstats, papermill) are imported by the modules that need them.
"""

__version__ = "0.1.0"
