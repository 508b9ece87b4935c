r"""``relurelax crosscheck``: GD, RGD and the exact Newton solver against independent convex solvers on planted instances.

See :mod:`relurelax.proofs.crosscheck` for what is compared and when a pair agrees. Exit 0
when every instance agrees, 1 otherwise (the table and ``--json`` are still
written), 2 for bad usage.
"""

from __future__ import annotations

import argparse

from relurelax.solvers import BACKENDS
from relurelax.solvers.resources import check_memory

from . import progress as run_progress
from ._io import prepare_output_file, write_json
from .errors import CommandFailed
from .crosscheck import DEFAULT_DS, DEFAULT_MAX_ITER, DEFAULT_NS, TABLE_HEADERS, check_backends, disagreements, run_crosscheck, table_rows
from ._args import nonnegative_int, positive_int

__all__ = ["register", "print_table", "progress_bar"]


def _backend_list(text: str) -> list[str]:
    names = [part.strip().upper() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(BACKENDS)}, got {text!r}")
    return names


def register(sub) -> None:
    p = sub.add_parser(
        "crosscheck",
        description=(
            "For K planted instances per (n, d): m = 1 runs every solver of the registry (GD, RGD, the exact Newton "
            "solver and each CVXPY backend on the relaxation f_r) and compares f_r, f, recovery error and KKT "
            "residuals; m > 1 (where Newton does not apply) fixes the activation cell RGD ends in "
            "and compares RGD's f_m with the cell optimum from each backend. A pair agrees when the values differ "
            "by at most a named tolerance times ||y||^2. --json writes "
            '{"instances": [{"n", "d", "m", "seed", "solutions", "agree", ...}], "tolerances"}. '
            "Exit 0 every instance agrees, 1 otherwise, 2 bad usage."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--n", type=positive_int, nargs="+", default=list(DEFAULT_NS), metavar="N", help="sample counts")
    p.add_argument("--d", type=positive_int, nargs="+", default=list(DEFAULT_DS), metavar="D", help="dimensions")
    p.add_argument("--m", type=positive_int, default=1, help="neurons (m > 1: cell-restricted check)")
    p.add_argument("--trials", type=positive_int, default=5, metavar="K", help="instances per (n, d)")
    p.add_argument("--solvers", type=_backend_list, default=list(BACKENDS), metavar="LIST",
                   help="comma-separated CVXPY backends")  # fmt: skip
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed S of the instances (instance k: derived_seed(S, 'crosscheck', k), printed with it)")
    p.add_argument("--iters", type=positive_int, default=DEFAULT_MAX_ITER, help="iteration budget of GD and RGD")
    p.add_argument("--json", metavar="PATH", help="write the instances and tolerances as JSON")
    p.set_defaults(handler=_handle)


def progress_bar(console=None):
    """A rich progress bar on stderr (shared by the commands of relurelax.reports)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
    )


def print_table(crosscheck_json: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="relurelax crosscheck", show_header=True, header_style="bold")
    for header in TABLE_HEADERS:
        table.add_column(header, justify="left" if header in ("instance", "solution", "stop") else "right")
    for row in table_rows(crosscheck_json):
        table.add_row(*row)
    if console is None:
        console = Console()
        if not console.is_terminal:  # a pipe or a file: do not squeeze the table into 80 columns
            console = Console(width=200)
    console.print(table)


def _handle(args) -> int:
    backends = check_backends(args.solvers)
    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json)
    # instances run one after the other: the largest must fit (planted data has a test set of 100 rows)
    check_memory(max(args.n), max(args.d), args.m, "crosscheck", n_test=100, negative_labels=False)
    with progress_bar() as bar:
        total = len(args.n) * len(args.d) * args.trials
        task = bar.add_task("crosscheck", total=total)
        run_progress.stage("the cross-check", 0, total)

        def progress(label, done=None, total=None):
            run_progress.stage(f"the cross-check ({label})", done, total)
            bar.update(task, completed=done, total=total, description=f"crosscheck {label}")

        result = run_crosscheck(
            args.n, args.d, (args.m,), trials=args.trials, backends=backends, seed=args.seed,
            max_iter=args.iters, progress=progress,
        )  # fmt: skip
    data = result.to_json()
    print_table(data)
    agreeing = sum(inst["agree"] for inst in data["instances"])
    total = len(data["instances"])
    rtol = ", ".join(f"{k} {v:g}" for k, v in data["tolerances"]["agreement_rtol"].items())
    print(f"{agreeing} of {total} instances agree (agreement tolerances relative to ||y||^2: {rtol})")
    if args.json is not None:
        write_json(args.json, data, "crosscheck")
    if not result.agree:
        problems = disagreements(data)
        more = f" (and {len(problems) - 1} more; see the table)" if len(problems) > 1 else ""
        raise CommandFailed(f"{total - agreeing} of {total} instances disagree: {problems[0]}{more}")
    return 0
