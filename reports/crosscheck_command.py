r"""``relurelax crosscheck``: GD, RGD and the exact Newton solver against independent convex solvers on planted instances.

See :mod:`relurelax.proofs.crosscheck` for what is compared and when a pair agrees. The
terminal shows one table per instance that fits 80 columns (``--wide``: one
table of every column); numbers are rounded, never cut. Exit 0 when every
instance agrees, 1 otherwise (the table and ``--json`` are still written), 2
for bad usage.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from relurelax.solvers import BACKENDS
from relurelax.solvers.resources import check_memory

from . import progress as run_progress
from ._io import prepare_output_file, write_json
from .errors import CommandFailed
from .crosscheck import (
    DEFAULT_DS,
    DEFAULT_MAX_ITER,
    DEFAULT_NS,
    TABLE_HEADERS,
    TEXT_HEADERS,
    check_backends,
    disagreements,
    instance_tables,
    run_crosscheck,
    table_rows,
)
from ._args import nonnegative_int, positive_int
from .formatting import number
from .progress import progress_bar  # the report command's bar, defined once in progress.py
from .terminal import print_table as print_rows

if TYPE_CHECKING:  # rich is imported where a console is made, not with the module
    from rich.console import Console

__all__ = ["register", "print_table", "progress_bar"]


def _backend_list(text: str) -> list[str]:
    names = [part.strip().upper() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(BACKENDS)}, got {text!r}")
    return names


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "crosscheck",
        description=(
            "For K planted instances per (n, d): m = 1 runs every solver of the registry (GD, RGD, the exact Newton "
            "solver and each CVXPY backend on the relaxation f_r) and compares the values of f_r that RGD, Newton "
            "and the backends claim as its minimum (a pair agrees when they differ by at most a named tolerance "
            "times ||y||^2) and checks that f at every solution, GD's included, lies above that minimum "
            "(Theorem 1); a CVXPY answer counts only when relurelax's certificate (gradient norm, KKT residuals) "
            "passes. Recovery errors are shown, not compared. m > 1 (where Newton does not apply) fixes the "
            "activation cell RGD ends in and compares RGD's f_m with the cell optimum from each backend. "
            "The table fits 80 columns (one table per instance; --wide shows every column in one table). "
            '--json writes {"instances": [{"n", "d", "m", "seed", "solutions", "agree", ...}], "tolerances"}. '
            "Exit 0 every instance agrees, 1 otherwise, 2 bad usage."
        ),
    )
    p.add_argument("--n", type=positive_int, nargs="+", default=list(DEFAULT_NS), metavar="N",
                   help=f"sample counts (default: {' '.join(map(str, DEFAULT_NS))})")  # fmt: skip
    p.add_argument("--d", type=positive_int, nargs="+", default=list(DEFAULT_DS), metavar="D",
                   help=f"dimensions (default: {' '.join(map(str, DEFAULT_DS))})")  # fmt: skip
    p.add_argument("--m", type=positive_int, default=1, help="neurons; m > 1: the cell-restricted check (default: 1)")
    p.add_argument("--trials", type=positive_int, default=5, metavar="K", help="instances per (n, d) (default: 5)")
    p.add_argument("--solvers", type=_backend_list, default=list(BACKENDS), metavar="LIST",
                   help=f"comma-separated CVXPY backends (default: {','.join(BACKENDS)})")  # fmt: skip
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed S of the instances; instance k has seed derived_seed(S, 'crosscheck', k), printed "
                        "with it (default: 0)")  # fmt: skip
    p.add_argument("--iters", type=positive_int, default=DEFAULT_MAX_ITER,
                   help=f"iteration budget of GD and RGD (default: {DEFAULT_MAX_ITER})")  # fmt: skip
    p.add_argument("--wide", action="store_true",
                   help="one table with every column (f_r, relative recovery error, worst KKT residual), as wide "
                        "as it needs; the default layout fits 80 columns")  # fmt: skip
    p.add_argument("--json", metavar="PATH", help="write the instances and tolerances as JSON")
    p.set_defaults(handler=_handle)


def print_table(crosscheck_json: dict, console: Console | None = None, *, wide: bool = False) -> None:
    r"""The cross-check as the terminal shows it: one table per instance that fits 80 columns, or with
    ``wide`` one table of every column (:data:`~.crosscheck.TABLE_HEADERS`); no number is ever cut
    (:func:`~.terminal.print_table`)."""
    from rich.console import Console

    console = console or Console()
    if wide:
        print_rows(console, TABLE_HEADERS, table_rows(crosscheck_json), left=TEXT_HEADERS,
                   title="relurelax crosscheck", wide=True)  # fmt: skip
        return
    console.print("relurelax crosscheck: value (what is compared: f_r for m = 1, f_m for m > 1) and f are "
                  "divided by ||y||^2; --wide shows every column", markup=False, highlight=False)  # fmt: skip
    for heading, headers, rows in instance_tables(crosscheck_json):
        console.print()
        print_rows(console, headers, rows, left=TEXT_HEADERS, title=heading)


def _handle(args) -> int:
    from rich.console import Console

    backends = check_backends(args.solvers)
    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json)
    # instances run one after the other: the largest must fit (planted data has a test set of 100 rows)
    check_memory(max(args.n), max(args.d), args.m, "crosscheck", n_test=100, negative_labels=False)
    total = len(args.n) * len(args.d) * args.trials
    with run_progress.display("relurelax crosscheck") as show:
        show("the cross-check", 0, total)

        def progress(label, done=None, total=None):
            show(f"the cross-check ({label})", done, total)

        result = run_crosscheck(
            args.n, args.d, (args.m,), trials=args.trials, backends=backends, seed=args.seed,
            max_iter=args.iters, progress=progress,
        )  # fmt: skip
    data = result.to_json()
    console = Console()
    print_table(data, console, wide=args.wide)
    agreeing = sum(inst["agree"] for inst in data["instances"])
    total = len(data["instances"])
    rtol = ", ".join(f"{k} {number(v)}" for k, v in data["tolerances"]["agreement_rtol"].items())
    console.print(f"{agreeing} of {total} instances agree (agreement tolerances relative to ||y||^2: {rtol})",
                  markup=False, highlight=False)  # fmt: skip
    if args.json is not None:
        write_json(args.json, data, "crosscheck")
    if not result.agree:
        problems = disagreements(data)
        more = f" (and {len(problems) - 1} more; see the table)" if len(problems) > 1 else ""
        raise CommandFailed(f"{total - agreeing} of {total} instances disagree: {problems[0]}{more}")
    return 0
