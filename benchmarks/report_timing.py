r"""Wall time of ``relurelax report`` per profile, against its budget and against a baseline trial.

Runs ``relurelax report`` in a child process (as a user runs it, imports
included: the benchmarks import no reports code) into a temporary folder for
each requested profile and prints, for each stage, its seconds; the ratio of the whole
report to its budget (quick 60 s, default 300 s on the reference 2-core
machine); and the ratio to a baseline measured in the same run: one RGD
trial of the reproduction (n = d = 100, 10000 iterations), so that the
numbers transfer between machines.

Usage::

    python benchmarks/report_timing.py                 # quick and default
    python benchmarks/report_timing.py --profiles quick
    python benchmarks/report_timing.py --profiles thorough   # 100 trials per panel
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from relurelax.benchmarks.suite import best_seconds
from relurelax.solvers import RGD, descend, planted_problem

#: the profiles of ``relurelax report`` (the names of every command's profiles) and their budgets; None: no budget
BUDGET_SECONDS = {"quick": 60.0, "default": 300.0, "thorough": None}


def baseline_seconds() -> float:
    """One RGD trial of Figure 1's n = d panel (best of three)."""
    P = planted_problem(100, 100, 1, seed=0, scale=0.1)
    return best_seconds(
        lambda: descend(P.A, P.y, P.X0, RGD, step=0.1, max_iter=10_000, history_every=10, gtol=0.0,
                        A_test=P.A_test, y_test=P.y_test, X_star=P.X_star), 3,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", choices=tuple(BUDGET_SECONDS), default=["quick", "default"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    base = baseline_seconds()
    print(f"baseline: one RGD trial (n = d = 100, 10000 iterations) {base:.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.profiles:
            out = os.path.join(tmp, name)
            command = [sys.executable, "-m", "relurelax.reports.cli", "report", "--profile", name,
                       "--seed", str(args.seed), "--out", out]  # fmt: skip
            start = time.perf_counter()
            proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
            wall = time.perf_counter() - start
            if proc.returncode not in (0, 1):  # 1: written, but a check disagreed; the timing still stands
                raise SystemExit(f"relurelax report --profile {name} failed: {proc.stderr.strip()[-300:]}")
            with open(os.path.join(out, "results.json"), encoding="utf-8") as fh:
                results = json.load(fh)
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in results["timings"].items())
            budget = BUDGET_SECONDS[name]
            vs_budget = f", {wall / budget:.2f} x its budget of {budget:.0f} s" if budget else ""
            print(f"{name}: {wall:.1f} s wall ({stages}){vs_budget}, {wall / base:.0f} x the baseline trial")


if __name__ == "__main__":
    main()
