r"""Time the claims ledger (`relurelax verify`) on its profiles; figures are printed, never asserted.

Each profile runs as the user runs it, ``python -m relurelax.reports.cli verify
--profile P --json ...`` in a fresh process (imports included), and is reported
with the issue's target, the fewest hypothesis examples behind any property of
the ledger, and its ratio to a baseline measured in the same run: a fixed CPU
workload (2,000 RGD iterations (5) on a planted 50 x 100 instance, Eq. (4)),
so that figures from different machines can be compared.

Usage::

    python benchmarks/bench_verify.py                                     # quick and default
    python benchmarks/bench_verify.py --profiles quick default thorough   # also thorough (about 10 minutes)
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

#: the profiles of ``relurelax verify`` (the names of every command's profiles) and their targets in seconds
TARGETS = {"quick": 15.0, "default": 60.0, "thorough": 600.0}


def baseline_seconds(repeats: int = 3) -> float:
    """Best of ``repeats`` timings of 2,000 RGD iterations on a planted 50 x 100 instance."""
    P = planted_problem(50, 100, 1, seed=0)
    return best_seconds(lambda: descend(P.A, P.y, P.X0, RGD, max_iter=2000, gtol=0.0, history_every=2000), repeats)


def time_profile(profile: str, seed: int) -> tuple[float, int, dict]:
    """Wall seconds, exit code and the JSON ledger of one ``relurelax verify`` run."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ledger.json")
        cmd = [sys.executable, "-m", "relurelax.reports.cli", "verify", "--profile", profile, "--seed", str(seed), "--json", path]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        doc = json.load(open(path)) if os.path.exists(path) else {}
    return seconds, proc.returncode, doc


def fewest_property_examples(doc: dict) -> int:
    """The smallest example count of the ledger's property checks (hypothesis evidence that passed)."""
    counts = [e["examples"] for c in doc.get("claims", []) for e in c["evidence"] if e["method"] == "hypothesis" and e["status"] == "passed"]
    return min(counts) if counts else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", choices=tuple(TARGETS), default=["quick", "default"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    base = baseline_seconds()
    print(f"baseline: 2,000 RGD iterations on a planted 50 x 100 instance: {base:.3f} s")
    print(f"{'profile':<9} {'exit':>4} {'seconds':>8} {'target':>7} {'ratio to baseline':>18} {'fewest examples':>16}")
    for profile in args.profiles:
        seconds, code, doc = time_profile(profile, args.seed)
        print(f"{profile:<9} {code:>4} {seconds:>8.1f} {TARGETS[profile]:>7.0f} {seconds / base:>18.0f} {fewest_property_examples(doc):>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
