"""Private parts of :mod:`wealthlib.batch`: the warm kernel zygote (:mod:`.zygote`), the tiny launcher a
kernelspec runs to ask it for a forked kernel (:mod:`.launcher`), and the per-process worker (:mod:`.worker`)."""
