"""Private parts of :mod:`wealthlib.market`: the ``Market`` value, the demo-market builder and cache, file loading.

Import from :mod:`wealthlib.market`; names here may move.
"""
