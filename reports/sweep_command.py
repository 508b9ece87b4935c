r"""``relurelax sweep``: phase diagrams of GD, RGD, Newton and the exact solver over n/d, m, noise and lam.

Runs the cells of a grid (:mod:`.sweep`) and writes ``DIR/summary.json``,
``DIR/trials.npz``, ``DIR/cells/*.npz`` and ``DIR/figures/*.png``. Axes not
given come from ``--profile``. A table of every cell (fitting 80 columns)
goes to the terminal; progress (cells done, trials per second, the time left)
to stderr when it is a terminal. Exit 0 when the sweep is written (a rate is
a measurement, not a verdict), 2 for bad input: an empty grid, d, m or
trials below 1, a grid with too many cells or too large for the memory
(refused with the estimate), a folder that is not a sweep, a ``--resume`` of
another grid.
"""

from __future__ import annotations

import argparse
import os

from . import progress as run_progress
from ._args import HelpFormatter, PROFILE_NAMES, nonnegative_float, nonnegative_int, positive_int

__all__ = ["register", "table_rows", "TABLE_HEADERS"]

#: the columns of the terminal table
TABLE_HEADERS = ("n", "d", "m", "noise", "lam", "method", "success", "recovery", "global", "unbounded", "iters")


def _methods(text: str) -> tuple[str, ...]:
    from relurelax.solvers.sweep import SWEEP_METHODS

    names = tuple(part.strip() for part in text.split(",") if part.strip())
    wrong = [n for n in names if n not in SWEEP_METHODS]
    if not names or wrong:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {','.join(SWEEP_METHODS)}, got {text!r}")
    return names


def _positive_float(text: str) -> float:
    value = nonnegative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def _fraction(text: str) -> float:
    value = nonnegative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        description=(
            "Run K planted trials per cell of a grid over n (or n/d), d, m, label noise S (y = g(A x*) + S e) and "
            "lam (RGD descends f_m + lam (f_mp - f_m); gd is lam = 0) and write DIR/summary.json (schema "
            "relurelax.sweep/1: per cell and method success_rate, global_rate, exact_recovery_rate, diverged and "
            "unbounded shares with Wilson 95% intervals, median test error and iterations), DIR/trials.npz (every "
            "trial, a column per quantity), DIR/cells/*.npz (each cell as it finishes) and DIR/figures/*.png. "
            "Axes not given come from --profile: quick (seconds), default (under a minute on 2 idle cores), thorough (for a "
            "cluster). Exit 0 written, 2 bad input."
        ),
        formatter_class=HelpFormatter,
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--n", type=positive_int, nargs="+", metavar="N", help="sample counts")
    size.add_argument("--ratio", type=_positive_float, nargs="+", metavar="R", help="ratios n/d (n = round(R d))")
    p.add_argument("--d", type=positive_int, nargs="+", metavar="D", help="dimensions")
    p.add_argument("--m", type=positive_int, nargs="+", metavar="M", help="neurons")
    p.add_argument("--noise", type=nonnegative_float, nargs="+", metavar="S", help="label noise levels")
    p.add_argument("--lam", type=_fraction, nargs="+", metavar="L",
                   help="regulariser strengths of rgd in [0, 1] (1 is the paper's RGD)")  # fmt: skip
    p.add_argument("--clip", action="store_true", help="clip the labels at 0 (max(0, y)), which keeps f_r bounded")
    p.add_argument("--trials", type=positive_int, metavar="K", help="trials per cell")
    p.add_argument("--methods", type=_methods, metavar="LIST",
                   help="comma-separated from gd,rgd,newton,exact (newton and exact: m = 1 cells only)")  # fmt: skip
    p.add_argument("--iters", type=nonnegative_int, metavar="T", help="iteration budget of gd and rgd")
    p.add_argument("--profile", choices=PROFILE_NAMES, default="quick",
                   help="the axes and sizes of the standard maps, for what is not given")  # fmt: skip
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed S; trial k at (n, d, m) is planted_problem with seed derived_seed(S, 'sweep', n, d, m, k)")  # fmt: skip
    p.add_argument("--out", metavar="DIR", required=True, help="sweep folder")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep in DIR: finished cells are kept, the rest computed (same grid only)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="start the sweep in DIR again (a relurelax sweep folder only)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the cells on the Dask cluster of the scheduler at tcp://HOST:PORT (needs "
                        "relurelax[cluster]; refused within 5 s when nothing answers there)")  # fmt: skip
    p.add_argument("--processes", type=positive_int, metavar="P",
                   help="local worker processes (default: every CPU this process may use; 1 runs the cells in "
                        "this process); the results are the same for any P")  # fmt: skip
    p.set_defaults(handler=_handle)


def _grid(args):
    from .sweep import PROFILES, Grid

    base = dict(PROFILES[args.profile])
    given = {"ds": args.d, "ms": args.m, "noises": args.noise, "lams": args.lam, "methods": args.methods,
             "trials": args.trials, "max_iter": args.iters}  # fmt: skip
    base.update({k: tuple(v) if isinstance(v, list) else v for k, v in given.items() if v is not None})
    if args.n is not None:
        base.pop("ratios", None)
        base["ns"] = tuple(args.n)
    elif args.ratio is not None:
        base["ratios"] = tuple(args.ratio)
    return Grid(seed=args.seed, clip=args.clip, **base)


def table_rows(summary: dict) -> list[list[str]]:
    """One row per cell of ``summary.json``: rates as count/of, numbers through :func:`~.formatting.number`."""
    from .formatting import number

    def rate(value: dict | None) -> str:
        return "-" if value is None or value["of"] == 0 else f"{value['count']}/{value['of']}"

    return [[str(c["n"]), str(c["d"]), str(c["m"]), number(c["noise"]), number(c["lam"]), c["method"],
             rate(c["success_rate"]), rate(c["exact_recovery_rate"]), rate(c["global_rate"]),
             rate(c["unbounded_share"]), number(c["median_iterations"], ".0f")] for c in summary["cells"]]  # fmt: skip


def _handle(args) -> int:
    from rich.console import Console

    from relurelax.solvers.resources import check_memory

    from .executor import CellExecutor
    from .errors import ResumableInterrupt, interruption
    from .sweep import finished_cells, prepare_sweep_folder, run_sweep
    from .terminal import print_table

    grid = _grid(args)
    cells = grid.cells()  # validates every cell (and the cell count) before anything is written
    n_max, d_max = max(c.n for c in cells), max(c.d for c in cells)
    check_memory(n_max, d_max, max(grid.ms), "rgd", n_test=100)  # one cell at a time per process
    # connected before the folder is touched: a scheduler that does not answer is refused with nothing written
    with CellExecutor(scheduler=args.scheduler, processes=args.processes) as executor:
        out = prepare_sweep_folder(args.out, grid, resume=args.resume, force=args.force)
        try:
            with run_progress.display("relurelax sweep") as show:
                show(f"cells ({executor.info.describe()})", 0, len(cells))
                run = run_sweep(grid, out, profile=args.profile, executor=executor,
                                progress=lambda text, done, total: show(f"cells ({text})", done, total))  # fmt: skip
        except BaseException as exc:
            # after a signal any exception is the interruption (a library may have turned the KeyboardInterrupt
            # into another one); what is on disk is kept, and --resume goes on from it
            if not isinstance(exc, KeyboardInterrupt) and interruption() is None:
                raise
            kept = len(finished_cells(out, cells))
            raise ResumableInterrupt(
                f"after {kept} of {len(cells)} cells; the finished cells are kept in {os.path.relpath(out)}, and "
                "the same command with --resume computes the rest"
            ) from None
    console = Console()
    print_table(console, TABLE_HEADERS, table_rows(run.summary), left=("method",), title="relurelax sweep")
    console.print(
        f"{len(cells)} cells ({run.computed} computed, {run.reused} reused) in {run.seconds:.1f} s; "
        f"rates as count/of (intervals in summary.json); written to {os.path.relpath(out)}",
        markup=False, highlight=False,
    )  # fmt: skip
    return 0
