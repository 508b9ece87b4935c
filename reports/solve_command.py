r"""``relurelax solve``: GD, RGD, the CVXPY relaxation or its exact Newton solve on planted data or a data file.

The JSON written by ``--json`` has exactly the keys of :data:`SOLVE_KEYS`;
``seconds`` is the wall time of the solve call alone (drop it to compare runs:
everything else is a function of the arguments and the seed). ``X`` is the
solution itself, always a (d, m) nested list (one inner list of m numbers
per feature; m = 1 gives d lists of one number), written with Python's
``repr`` of each float so that ``json.loads`` gives back every bit; the
reported errors and objectives are those of exactly that point, computed
at unit scale (:mod:`relurelax.solvers.scaling`), so they hold for data of
any units.

With ``--data`` the initial point of gd and rgd is :math:`N(0, I)` times
:math:`\max|y| / \max|A|` (the scale of the solution), so that it does not
depend on the units of the file either.

``--step`` is used by gd and rgd only, ``--iters`` by gd, rgd and newton;
giving either to a method that ignores it is bad usage (exit 2). A request
that cannot fit in memory is refused before anything is allocated
(:func:`relurelax.solvers.resources.check_memory`, exit 2).
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from relurelax.solvers import BACKENDS, descend, load_data, planted_problem, solve_relaxation
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.newton import solve_relaxation_newton
from relurelax.solvers.registry import SOLVERS, Problem
from relurelax.solvers.resources import check_memory
from relurelax.solvers.solution import SolveStatus
from relurelax.solvers.scaling import UnitScaling, safe_norm, unit_exponent

from . import progress as run_progress
from ._args import nonnegative_float, nonnegative_int, positive_int, step_size
from ._io import SCHEMA_KEY, prepare_output_file, write_json
from .errors import CommandFailed

__all__ = ["register", "run_solve", "SOLVE_KEYS", "METHODS", "STEP_METHODS", "ITERS_METHODS"]

#: the registry's solvers that need nothing but the data (a cell solve needs masks)
METHODS = tuple(name for name, entry in SOLVERS.items() if not entry.needs)
#: the methods that use --step and --iters, and their defaults
STEP_METHODS = {"gd": "auto", "rgd": "auto"}
ITERS_METHODS = {"gd": 10_000, "rgd": 10_000, "newton": 200}
SOLVE_KEYS = (
    "schema",  # "relurelax.solve/1", added by _io.write_json: marks the file as relurelax's
    "method", "solver", "n", "d", "m", "objective", "relaxed_objective", "train_error",
    "test_error", "relative_recovery_error", "iterations", "stop_reason", "seconds", "X",
)  # fmt: skip
#: the table lists every entry of X up to this many, else a summary
TABLE_ENTRIES = 12


def register(sub) -> None:
    p = sub.add_parser(
        "solve",
        description=(
            "Solve min f (GD), min f_r / f_mp (RGD) or min f_r (CVXPY, Newton) on planted data "
            "(Eq. 4 / Eq. 8) or on a data file. Prints a table; --json writes one object with keys "
            + ", ".join(SOLVE_KEYS)
            + "; X is the solution, a d x m nested list (also for m = 1), with every float written exactly. "
            "--step is used by gd and rgd only, --iters by gd, rgd and newton: giving one to a method that "
            "ignores it is an error. A request too large for the memory is refused before it starts. "
            "Exit 0 done, 1 the solve failed (diverged, unbounded, solver error), 2 bad usage or input."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--planted", action="store_true", help="draw a planted instance (needs --n and --d)")
    src.add_argument("--data", metavar="FILE", help=".npz with arrays A, y (never unpickled) or .csv with a header, y last")
    p.add_argument("--n", type=positive_int, help="samples (planted)")
    p.add_argument("--d", type=positive_int, help="features (planted)")
    p.add_argument("--m", type=positive_int, default=1, help="neurons")
    p.add_argument("--noise", type=nonnegative_float, help="--planted only: label noise std (default 0)")
    p.add_argument("--scale", type=float, help="--planted only: factor on the rows of A (default 1)")
    p.add_argument("--method", required=True, choices=METHODS,
                   help="; ".join(f"{name}: {SOLVERS[name].summary}" for name in METHODS))
    p.add_argument("--solver", type=str.upper, choices=BACKENDS,
                   help=f"cvxpy only: the CVXPY backend (default {BACKENDS[0]})")  # fmt: skip
    p.add_argument("--step", type=step_size, default=None,
                   help="gd and rgd only: step size in the units of the data, or auto = 1/(m ||A||_2^2) "
                        "(the default)")  # fmt: skip
    p.add_argument("--iters", type=nonnegative_int, default=None,
                   help="gd, rgd and newton only: iteration budget (default 10000 for gd and rgd, "
                        "200 Newton steps for newton)")  # fmt: skip
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed of data and initial point (--data: N(0, I) times max|y| / max|A|)")  # fmt: skip
    p.add_argument("--json", metavar="PATH", help="write the result as one JSON object")
    p.set_defaults(handler=_handle)


def _method_options(args) -> tuple:
    """``(step, iters)`` for ``args.method``; a flag the method ignores is bad usage."""
    for flag, used in (("step", STEP_METHODS), ("iters", ITERS_METHODS)):
        if getattr(args, flag) is not None and args.method not in used:
            names = list(used)
            users = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            raise InvalidInputError(
                f"--{flag} is used by {users} only; --method {args.method} ignores it (drop --{flag})"
            )
    if args.solver is not None and args.method != "cvxpy":
        raise InvalidInputError(f"--solver is used by cvxpy only; --method {args.method} ignores it (drop --solver)")
    for flag in ("noise", "scale"):
        if getattr(args, flag) is not None and not args.planted:
            raise InvalidInputError(f"--{flag} applies to --planted data only; --data ignores it (drop --{flag})")
    step = STEP_METHODS.get(args.method) if args.step is None else args.step
    iters = ITERS_METHODS.get(args.method) if args.iters is None else args.iters
    return step, iters


def _initial_point(A, y, m: int, seed: int) -> np.ndarray:
    r""":math:`X_0 \sim N(0, I)` times :math:`\max|y| / \max|A|` (the scale of the solution), for a data file.

    So the start is the same point relative to the solution whatever the
    units of ``A`` and ``y`` (up to rounding); the ratio is formed from the
    mantissas and the exponent apart, so it neither overflows nor underflows.
    """
    top_A, top_y = float(np.max(np.abs(A))), float(np.max(np.abs(y)))
    ratio = math.frexp(top_y)[0] / math.frexp(top_A)[0] if top_A > 0 and top_y > 0 else 1.0
    scaling = UnitScaling(unit_exponent(A), unit_exponent(y))
    return scaling.x_from_unit(ratio * np.random.default_rng(seed).standard_normal((A.shape[1], m)))


def run_solve(args) -> tuple[dict, str | None]:
    """Run the solve described by parsed arguments.

    Returns the JSON object (keys :data:`SOLVE_KEYS`) and, when the solve
    failed (diverged or unbounded), the message saying why (else None).
    """
    step, iters = _method_options(args)
    m = args.m
    if not SOLVERS[args.method].supports(m):
        raise InvalidInputError(
            f"--method {args.method} solves the one-neuron relaxation f_r; got --m {m} (use rgd for m > 1)"
        )
    if args.planted:
        missing = [k for k in ("n", "d") if getattr(args, k) is None]
        if missing:
            raise InvalidInputError(f"--planted needs {' and '.join('--' + k for k in missing)}")
        noise = 0.0 if args.noise is None else args.noise
        scale = 1.0 if args.scale is None else args.scale
        check_memory(args.n, args.d, m, args.method, n_test=100, negative_labels=noise > 0)
        P = planted_problem(args.n, args.d, args.m, seed=args.seed, noise=noise, scale=scale)
        A, y, X0, A_test, y_test, X_star = P.A, P.y, P.X0, P.A_test, P.y_test, P.X_star
    else:
        for flag in ("n", "d"):
            if getattr(args, flag) is not None:
                raise InvalidInputError(f"--{flag} applies to --planted data only; the data file fixes the shape")
        A, y = load_data(args.data)
        check_memory(A.shape[0], A.shape[1], m, args.method, negative_labels=bool(np.any(y < 0)),
                     allocated=A.nbytes + y.nbytes)  # fmt: skip
        X0 = _initial_point(A, y, m, args.seed)
        A_test = y_test = X_star = None
    n, d = A.shape
    entry = SOLVERS[args.method]
    # the descent loop and the solves are handed to the entry by name from this module: the
    # reliability tests replace them here to stop or interrupt a solve where it would start
    if entry.family == "conic":
        backend = args.solver or BACKENDS[0]
        run_progress.stage(f"solving the relaxation with {backend} (n={n}, d={d})")
        options = {"backend": backend, "solve": solve_relaxation}
    elif entry.family == "exact":
        run_progress.stage(f"the Newton solve (n={n}, d={d})")
        options = {"max_iter": iters, "solve": solve_relaxation_newton}
    else:
        run_progress.stage(f"the {args.method.upper()} descent (n={n}, d={d}, m={m})")
        options = {"step": step, "max_iter": iters, "descent": descend}
    # the reported numbers are evaluate_point's at the returned X, at unit scale
    sol = entry.run(Problem(A, y, X0, X_star, A_test, y_test), **options)
    failed = sol.message if sol.status in (SolveStatus.DIVERGED, SolveStatus.UNBOUNDED) else None
    out = {"method": args.method, "solver": sol.backend, "n": n, "d": d, "m": m,
           "objective": sol.objective, "relaxed_objective": sol.relaxed_objective, "train_error": sol.train_error,
           "test_error": sol.test_error, "relative_recovery_error": sol.relative_recovery_error, "iterations": sol.iterations,
           "stop_reason": sol.status.value, "seconds": sol.seconds, "X": np.asarray(sol.X).tolist()}  # fmt: skip
    return out, failed


def _solution_rows(X: np.ndarray) -> list[tuple[str, str]]:
    """Table rows for the solution: every entry when there are few, else a summary."""
    d, m = X.shape
    if d * m <= TABLE_ENTRIES:
        if m == 1:
            return [("X[:, 0]", "[" + ", ".join(f"{v:.6g}" for v in X[:, 0]) + "]")]
        return [(f"X[:, {j}]", "[" + ", ".join(f"{v:.6g}" for v in X[:, j]) + "]") for j in range(m)]
    return [("X", f"{d} x {m}, entries {float(X.min()):.6g} .. {float(X.max()):.6g}, ||X||_F {safe_norm(X):.6g} "
                  "(full matrix in --json)")]  # fmt: skip


def _print_table(out: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"relurelax solve: {out['method']}", show_header=True)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key in SOLVE_KEYS:
        if key == SCHEMA_KEY:  # the marker of the file, not a quantity
            continue
        if key == "X":
            for label, text in _solution_rows(np.asarray(out["X"], dtype=np.float64)):
                table.add_row(label, text)
            continue
        value = out[key]
        if isinstance(value, float):
            value = f"{value:.6g}"
        table.add_row(key, "-" if value is None else str(value))
    Console().print(table)


def _handle(args) -> int:
    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json, inputs={"--data": args.data})
    run_progress.stage(f"the solve (--method {args.method})")
    out, failed = run_solve(args)
    _print_table(out)
    if args.json is not None:
        write_json(args.json, out, "solve")
    if failed:
        raise CommandFailed(failed)
    return 0
