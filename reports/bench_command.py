r"""``relurelax bench``: performance ratios of the exact solver and the batched engine, measured in one run.

Runs :func:`relurelax.benchmarks.run_benchmarks` (``--quick`` for a
few-minute version), prints the ratios and each case, and with ``--json``
writes ``{"machine", "profile", "ratios", "cases"}``. Exit 0 when the run
completed (whether or not a target was met: the targets are reported, not
enforced), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys

from . import progress as run_progress
from ._io import prepare_output_file, write_json

__all__ = ["register", "TARGETS"]

#: the issue's targets: (ratio key, comparison, bound)
TARGETS = (
    ("exact_vs_fastest_cvxpy", ">=", 10.0),
    ("batched_vs_loop", ">=", 5.0),
    ("rgd_iteration_vs_two_matvecs", "<=", 1.5),
    ("newton_peak_memory_vs_A", "<=", 2.5),
    ("newton_loaded_vs_idle", "<=", 2.0),
)


def register(sub) -> None:
    p = sub.add_parser(
        "bench",
        description=(
            "Time the exact Newton solver of f_r against the fastest CVXPY backend, the batched GD/RGD engine "
            "against per-trial loops (with its GFLOP/s beside the machine's dgemm rate), one RGD iteration "
            "against two matrix-vector products, the Newton solver with a CPU-bound process beside it against "
            "without, and the peak memory of 'solve --method newton'; every ratio "
            "is measured side by side in this run. The default (thorough) run takes several minutes; --quick is smaller."
        ),
    )
    p.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    p.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # tiny sizes, for the test suite
    p.add_argument("--json", metavar="PATH", help="write the result as one JSON object")
    p.set_defaults(handler=_handle)


def _status(value: float, op: str, bound: float) -> str:
    met = value >= bound if op == ">=" else value <= bound
    return f"{'met' if met else 'NOT met'} (target {op} {bound:g})"


def _handle(args) -> int:
    from relurelax.benchmarks import run_benchmarks

    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json)
    profile = "smoke" if args.smoke else "quick" if args.quick else "thorough"
    def progress(message: str) -> None:
        run_progress.stage(f"the benchmark: {message}")
        print(f"bench: {message} ...", file=sys.stderr)

    result = run_benchmarks(profile, progress=progress)
    print(f"relurelax bench ({profile}) on {result['machine']['cpu']}, {result['machine']['cpus']} cpus")
    print("ratios:")
    targets = {key: (op, bound) for key, op, bound in TARGETS}
    for key, value in result["ratios"].items():
        note = f"  {_status(value, *targets[key])}" if key in targets else ""
        print(f"  {key:32s} {value:10.3f}{note}")
    print("cases:")
    for case in result["cases"]:
        size = f"n={case['n']} d={case['d']}"
        print(f"  {case['case']:32s} {size:18s} ratio {case['ratio']:.3f}")
    if args.json is not None:
        write_json(args.json, result, "bench")
    return 0
