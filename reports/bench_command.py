r"""``relurelax bench``: performance ratios of the exact solver and the batched engine, measured in one run.

Runs :func:`relurelax.benchmarks.run_benchmarks` (``--quick`` for a
version of about a minute), prints the ratios and each case in tables of 80
columns, and with ``--json``
writes ``{"machine", "profile", "ratios", "cases"}``. Exit 0 when the run
completed (whether or not a target was met: the targets are reported, not
enforced), 2 for bad usage.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from . import progress as run_progress
from ._io import prepare_output_file, write_json
from .formatting import number
from .terminal import print_table

if TYPE_CHECKING:  # rich is imported where a console is made, not with the module
    from rich.console import Console

__all__ = ["register", "TARGETS", "ratio_rows", "case_rows", "print_result"]

#: the issue's targets: (ratio key, comparison, bound)
TARGETS = (
    ("exact_vs_fastest_cvxpy", ">=", 10.0),
    ("batched_vs_loop", ">=", 5.0),
    ("rgd_iteration_vs_two_matvecs", "<=", 1.5),
    ("newton_peak_memory_vs_A", "<=", 2.5),
    ("newton_loaded_vs_idle", "<=", 2.0),
    ("exact_min_vs_brute_force", ">=", 20.0),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "bench",
        description=(
            "Time the exact Newton solver of f_r against the fastest CVXPY backend, the batched GD/RGD engine "
            "against per-trial loops (with its GFLOP/s beside the machine's dgemm rate), one RGD iteration "
            "against two matrix-vector products, the Newton solver with a CPU-bound process beside it against "
            "without, the exact minimum of f against the brute force over sign patterns and per cell against one "
            "Newton solve, and the peak memory of 'solve --method newton'; every ratio "
            "is measured side by side in this run. The default (thorough) run takes about 5 minutes on a 2-core "
            "machine, most of it CVXPY; --quick about a minute. The tables fit 80 columns."
        ),
    )
    p.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    p.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # tiny sizes, for the test suite
    p.add_argument("--json", metavar="PATH", help="write the result as one JSON object")
    p.set_defaults(handler=_handle)


def _status(value: float, op: str, bound: float) -> str:
    met = value >= bound if op == ">=" else value <= bound
    return f"{'met' if met else 'NOT met'} ({op} {number(bound)})"


def ratio_rows(result: dict) -> list[tuple[str, str, str]]:
    """Rows (ratio, value, target) of the terminal's table of ratios; values rounded by :func:`~.formatting.number`."""
    targets = {key: (op, bound) for key, op, bound in TARGETS}
    return [(key, number(value), _status(value, *targets[key]) if key in targets else "")
            for key, value in result["ratios"].items()]  # fmt: skip


def case_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """Rows (case, n, d, ratio) of the terminal's table of cases."""
    return [(case["case"], number(case["n"]), number(case["d"]), number(case["ratio"])) for case in result["cases"]]


def print_result(result: dict, console: Console | None = None) -> None:
    """The terminal's view of a benchmark run: the machine, the ratios against their targets, the cases."""
    from rich.console import Console

    console = console or Console()
    machine = result["machine"]
    console.print(f"relurelax bench ({result['profile']}) on {machine['cpu']}, {number(machine['cpus'])} cpus",
                  markup=False, highlight=False)  # fmt: skip
    print_table(console, ("ratio", "value", "target"), ratio_rows(result), left=("ratio", "target"), title="ratios:")
    print_table(console, ("case", "n", "d", "ratio"), case_rows(result), left=("case",), title="cases:")
    for case in result["cases"]:  # the values a case compared, so a reader sees that they agree
        if "values" in case:
            values = ", ".join(f"{name} {number(value)}" for name, value in case["values"].items())
            console.print(f"{case['case']}: {values}", markup=False, highlight=False)


def _handle(args) -> int:
    from relurelax.benchmarks import run_benchmarks

    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json)
    profile = "smoke" if args.smoke else "quick" if args.quick else "thorough"
    with run_progress.display("relurelax bench") as show:

        def progress(message: str) -> None:
            show(f"the benchmark: {message}")

        result = run_benchmarks(profile, progress=progress)
    print_result(result)
    if args.json is not None:
        write_json(args.json, result, "bench")
    return 0
