r"""relurelax.benchmarks: performance ratios measured side by side in one run.

:func:`~.suite.run_benchmarks` times the exact Newton solver of the
relaxation (3) against the fastest installed CVXPY backend, the batched GD /
RGD engine against per-trial loops, one RGD iteration (5) against the two
matrix-vector products it needs, and the peak memory of
``relurelax solve --method newton``; ``relurelax bench`` prints and writes
the result. Timings are never asserted in tests: only the ratios measured
here, against baselines timed in the same process, are reported.
"""

from .suite import PROFILES, run_benchmarks

__all__ = ["PROFILES", "run_benchmarks"]
