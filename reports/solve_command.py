r"""``relurelax solve``: GD, RGD, the CVXPY relaxation or its exact Newton solve on planted data or a data file.

The JSON written by ``--json`` has exactly the keys of :data:`SOLVE_KEYS`;
``seconds`` is the wall time of the solve call alone (drop it to compare runs:
everything else is a function of the arguments and the seed).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from relurelax.solvers import (
    BACKENDS,
    GD,
    RGD,
    StopReason,
    descend,
    load_data,
    planted_problem,
    relative_error,
    solve_relaxation,
)
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.newton import solve_relaxation_newton
from relurelax.solvers.objectives import _loss_from, _output, _relaxation_from

from . import progress
from ._args import nonnegative_float, nonnegative_int, positive_int, step_size
from ._io import atomic_write_text, check_writable_target, dumps_json
from .cli import CommandFailed

__all__ = ["register", "run_solve", "SOLVE_KEYS", "METHODS"]

METHODS = ("gd", "rgd", "cvxpy", "newton")
SOLVE_KEYS = (
    "method", "solver", "n", "d", "m", "objective", "relaxed_objective", "train_error",
    "test_error", "recovery_error", "iterations", "stop_reason", "seconds",
)  # fmt: skip


def register(sub) -> None:
    p = sub.add_parser(
        "solve",
        help="solve one instance with GD, RGD or the CVXPY relaxation",
        description=(
            "Solve min f (GD), min f_r / f_mp (RGD) or min f_r with CVXPY on planted data "
            "(Eq. 4 / Eq. 8) or on a data file. Prints a table; --json writes one object with keys "
            + ", ".join(SOLVE_KEYS)
            + ". Exit 0 done, 1 the solve failed (diverged, unbounded, solver error), 2 bad usage or input."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--planted", action="store_true", help="draw a planted instance (needs --n and --d)")
    src.add_argument("--data", metavar="FILE", help=".npz with arrays A, y (never unpickled) or .csv with a header, y last")
    p.add_argument("--n", type=positive_int, help="samples (planted)")
    p.add_argument("--d", type=positive_int, help="features (planted)")
    p.add_argument("--m", type=positive_int, default=1, help="neurons")
    p.add_argument("--noise", type=nonnegative_float, default=0.0, help="label noise std (planted)")
    p.add_argument("--scale", type=float, default=1.0, help="factor on the rows of A (planted)")
    p.add_argument("--method", required=True, choices=METHODS,
                   help="gd: Eq. 2/9; rgd: Eq. 5/17; cvxpy: min f_r with CVXPY; newton: min f_r by exact Newton steps")
    p.add_argument("--solver", default="CLARABEL", type=str.upper, choices=BACKENDS, help="CVXPY backend")
    p.add_argument("--step", type=step_size, default="auto", help="step size, or auto = 1/(m ||A||_2^2)")
    p.add_argument("--iters", type=nonnegative_int, default=10_000, help="iteration budget (gd, rgd, newton)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of data and initial point")
    p.add_argument("--json", metavar="PATH", help="write the result as one JSON object")
    p.set_defaults(handler=_handle)


def run_solve(args) -> tuple[dict, str | None]:
    """Run the solve described by parsed arguments.

    Returns the JSON object (keys :data:`SOLVE_KEYS`) and, when the solve
    failed (diverged or unbounded), the message saying why (else None).
    """
    if args.planted:
        missing = [k for k in ("n", "d") if getattr(args, k) is None]
        if missing:
            raise InvalidInputError(f"--planted needs {' and '.join('--' + k for k in missing)}")
        P = planted_problem(args.n, args.d, args.m, seed=args.seed, noise=args.noise, scale=args.scale)
        A, y, X0, A_test, y_test, X_star = P.A, P.y, P.X0, P.A_test, P.y_test, P.X_star
    else:
        for flag in ("n", "d"):
            if getattr(args, flag) is not None:
                raise InvalidInputError(f"--{flag} applies to --planted data only; the data file fixes the shape")
        A, y = load_data(args.data)
        X0 = np.random.default_rng(args.seed).standard_normal((A.shape[1], args.m))
        A_test = y_test = X_star = None
    n, d = A.shape
    m = args.m

    if args.method in ("cvxpy", "newton") and m != 1:
        raise InvalidInputError(
            f"--method {args.method} solves the one-neuron relaxation f_r; got --m {m} (use rgd for m > 1)"
        )
    progress.stage(f"solving the relaxation with {args.solver} (n={n}, d={d})" if args.method == "cvxpy"
                   else f"solving with {args.method} (n={n}, d={d}, m={m})")  # fmt: skip
    if args.method == "cvxpy":
        res = solve_relaxation(A, y, backend=args.solver)
        X = res.x[:, None]
        solver, iterations, stop_reason, seconds = res.backend, res.iterations, res.status, res.seconds
        failed = None
    elif args.method == "newton":
        res = solve_relaxation_newton(A, y, max_iter=args.iters)
        X = res.x[:, None]
        solver, iterations, stop_reason, seconds = None, res.iterations, res.stop_reason.value, res.seconds
        failed = None
    else:
        start = time.perf_counter()
        res = descend(
            A, y, X0, GD if args.method == "gd" else RGD, step=args.step, max_iter=args.iters,
            history_every=max(1, args.iters), A_test=A_test, y_test=y_test, X_star=X_star,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        X = np.asarray(res.X)
        solver, iterations, stop_reason = None, res.iterations, res.stop_reason.value
        failed = res.message if res.stop_reason in (StopReason.DIVERGED, StopReason.UNBOUNDED) else None

    Z = A @ X
    out = {
        "method": args.method,
        "solver": solver,
        "n": n,
        "d": d,
        "m": m,
        "objective": _loss_from(Z, y),
        "relaxed_objective": _relaxation_from(Z, y),
        "train_error": relative_error(_output(Z), y),
        "test_error": relative_error(_output(A_test @ X), y_test) if A_test is not None else None,
        "recovery_error": relative_error(X, X_star) if (X_star is not None and m == 1) else None,
        "iterations": iterations,
        "stop_reason": stop_reason,
        "seconds": seconds,
    }
    return out, failed


def _print_table(out: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"relurelax solve: {out['method']}", show_header=True)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key in SOLVE_KEYS:
        value = out[key]
        if isinstance(value, float):
            value = f"{value:.6g}"
        table.add_row(key, "-" if value is None else str(value))
    Console().print(table)


def _handle(args) -> int:
    if args.json:
        check_writable_target(args.json)
    out, failed = run_solve(args)
    _print_table(out)
    if args.json:
        atomic_write_text(args.json, dumps_json(out))
    if failed:
        raise CommandFailed(failed)
    return 0
