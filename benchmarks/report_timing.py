r"""Wall time of ``relurelax report`` per profile, against its budget and against a baseline trial.

Runs the report in-process into a temporary folder for each requested
profile and prints, for each stage, its seconds; the ratio of the whole
report to its budget (quick 60 s, default 300 s on the reference 2-core
machine); and the ratio to a baseline measured in the same run: one RGD
trial of the reproduction (n = d = 100, 10000 iterations), so that the
numbers transfer between machines.

Usage::

    python benchmarks/report_timing.py                 # quick and default
    python benchmarks/report_timing.py --profiles quick
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from relurelax.benchmarks.suite import best_seconds
from relurelax.reports.report import PROFILES, build_results, write_report
from relurelax.solvers import RGD, descend, planted_problem

BUDGET_SECONDS = {"quick": 60.0, "default": 300.0, "full": None}


def baseline_seconds() -> float:
    """One RGD trial of Figure 1's n = d panel (best of three)."""
    P = planted_problem(100, 100, 1, seed=0, scale=0.1)
    return best_seconds(
        lambda: descend(P.A, P.y, P.X0, RGD, step=0.1, max_iter=10_000, history_every=10, gtol=0.0,
                        A_test=P.A_test, y_test=P.y_test, X_star=P.X_star), 3,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", choices=tuple(PROFILES), default=["quick", "default"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    base = baseline_seconds()
    print(f"baseline: one RGD trial (n = d = 100, 10000 iterations) {base:.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.profiles:
            start = time.perf_counter()
            results = build_results(PROFILES[name], args.seed)
            write_report(results, os.path.join(tmp, name))
            wall = time.perf_counter() - start
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in results["timings"].items())
            budget = BUDGET_SECONDS[name]
            vs_budget = f", {wall / budget:.2f} x its budget of {budget:.0f} s" if budget else ""
            print(f"{name}: {wall:.1f} s wall ({stages}){vs_budget}, {wall / base:.0f} x the baseline trial")


if __name__ == "__main__":
    main()
