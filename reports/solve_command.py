r"""``relurelax solve``: GD, RGD, the CVXPY relaxation, its exact Newton solve or the global method, on planted data or a data file.

The JSON written by ``--json`` has exactly the keys of :data:`SOLVE_KEYS`;
``seconds`` is the wall time of the solve call alone (drop it to compare runs:
everything else is a function of the arguments, the seed and the package
versions recorded under ``versions``). ``X`` is the solution itself, always a
(d, m) nested list (one inner list of m numbers per feature; m = 1 gives d
lists of one number), written with Python's ``repr`` of each float so that
``json.loads`` gives back every bit; the reported errors and objectives are
those of exactly that point, computed at unit scale
(:mod:`relurelax.solvers.scaling`), so they hold for data of any units.
``--save FILE.npz`` writes the same point as the array ``X`` and the same
object without ``X`` as the array ``metadata``
(:func:`relurelax.reports._io.write_npz`); a saved solution is a valid
``--x0``.

With ``--data`` the initial point of gd and rgd is :math:`N(0, I)` times
:math:`\max|y| / \max|A|` (the scale of the solution), so that it does not
depend on the units of the file either; ``--x0 FILE`` gives it instead
(:func:`relurelax.solvers.datafiles.load_point`), and ``--test FILE`` a
held-out set whose relative error is ``test_error``.

Each option belongs to the methods or the data source that use it
(:data:`METHOD_OPTIONS`); giving it to another is bad usage (exit 2). A
request that cannot fit in memory is refused before anything is allocated
(:func:`relurelax.solvers.resources.check_memory`, exit 2).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

import numpy as np

from relurelax.solvers import BACKENDS, descend, load_data, planted_problem, solve_relaxation
from relurelax.solvers.arrangement import DEFAULT_MAX_CELLS, cells_over_limit, cover_bound
from relurelax.solvers.datafiles import load_point
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.newton import solve_relaxation_newton
from relurelax.solvers.provenance import versions
from relurelax.solvers.registry import SOLVERS, Problem
from relurelax.solvers.resources import check_memory
from relurelax.solvers.solution import SolveStatus
from relurelax.solvers.scaling import UnitScaling, safe_norm, unit_exponent

from . import progress as run_progress
from ._args import nonnegative_float, nonnegative_int, positive_int, step_size
from ._io import NPZ, SCHEMA_KEY, _same, prepare_output_file, write_json, write_npz
from .errors import CommandFailed
from .formatting import number
from .terminal import print_table

if TYPE_CHECKING:  # rich is imported where a console is made, not with the module
    from rich.console import Console

__all__ = ["register", "run_solve", "SOLVE_KEYS", "METHODS", "STEP_METHODS", "ITERS_METHODS", "METHOD_OPTIONS"]

#: the registry's solvers that need nothing but the data (a cell solve needs masks)
METHODS = tuple(name for name, entry in SOLVERS.items() if not entry.needs)
#: the methods that use --step and --iters, and their defaults
STEP_METHODS = {"gd": "auto", "rgd": "auto"}
ITERS_METHODS = {"gd": 10_000, "rgd": 10_000, "newton": 200, "exact": 10_000}
#: RGD starts of the exact method's search for a network of m > 1 neurons
DEFAULT_STARTS = 8
#: every option that only some methods use, and those methods
METHOD_OPTIONS = {"step": tuple(STEP_METHODS), "iters": tuple(ITERS_METHODS), "x0": ("gd", "rgd"), "solver": ("cvxpy",),
                  "max_cells": ("exact",), "starts": ("exact",)}  # fmt: skip
SOLVE_KEYS = (
    "schema",  # "relurelax.solve/2", added by _io.write_json: marks the file as relurelax's
    "method", "solver", "n", "d", "m", "n_test", "objective", "relaxed_objective", "train_error",
    "test_error", "relative_recovery_error", "gradient_norm", "iterations", "stop_reason",
    "lower_bound", "lower_bound_name", "certified", "gap_tolerance", "cells", "seed", "seconds",
    "versions", "X",
)  # fmt: skip
#: the packages whose versions every solve records; a conic solve adds CVXPY and its backend
VERSION_PACKAGES = ("relurelax", "numpy", "scipy")
#: the table lists every entry of X up to this many, else a summary
TABLE_ENTRIES = 12
#: the keys the table does not show as a row of their own
_NOT_IN_TABLE = (SCHEMA_KEY, "versions", "X")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "solve",
        description=(
            "Solve min f (GD), min f_r / f_mp (RGD), min f_r (CVXPY, exact Newton steps) or the global min f "
            "over every activation cell (exact; for m > 1 the certified lower bound P_+ on min f_m and the best "
            "network of m neurons) on planted data (Eq. 4 / Eq. 8) or on a data file. Prints a table; --json "
            "writes one object with keys "
            + ", ".join(SOLVE_KEYS)
            + "; X is the solution, a d x m nested list (also for m = 1), with every float written exactly; "
            "--save writes X and the same object without X to an .npz. The errors are relative: "
            "||r|| / ||y|| on the training and the test set, ||x - x*|| / ||x*|| to the planted point. "
            "Options that only some methods use are an error with the others. A fixed --step is in the units of "
            "the data: the paper's mu = 0.1 (m = 1) and 0.08 (m = 3) need rows of A scaled by 1/sqrt(d) "
            "(--scale with --planted); --step auto is stable for any scale. A request too large for the memory "
            "is refused before it starts, and so is data with more activation cells than --max-cells for exact. "
            "Exit 0 done, 1 the solve failed (diverged, unbounded, solver error), 2 bad usage or input."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--planted", action="store_true",
                     help="draw a planted instance, model (4) / (8), with a test set of 100 samples "
                          "(needs --n and --d)")  # fmt: skip
    src.add_argument("--data", metavar="FILE",
                     help=".npz with arrays A (n, d), y (n,) (never unpickled) or .csv with a header row, y last")
    p.add_argument("--n", type=positive_int, help="--planted only: samples")
    p.add_argument("--d", type=positive_int, help="--planted only: features")
    p.add_argument("--m", type=positive_int, default=1, help="neurons (default: 1)")
    p.add_argument("--noise", type=nonnegative_float, help="--planted only: label noise std (default: 0)")
    p.add_argument("--scale", type=float,
                   help="--planted only: factor on the rows of A (default: 1; 1/sqrt(d) is the scaling of the "
                        "paper's experiments, for which its steps are stable)")  # fmt: skip
    p.add_argument("--method", required=True, choices=METHODS,
                   help="; ".join(f"{name}: {SOLVERS[name].summary}" for name in METHODS))
    p.add_argument("--solver", type=str.upper, choices=BACKENDS,
                   help=f"cvxpy only: the CVXPY backend (default: {BACKENDS[0]})")  # fmt: skip
    p.add_argument("--step", type=step_size, default=None,
                   help="gd and rgd only: step size in the units of the data, or auto = 1/(m ||A||_2^2), stable "
                        "for data of any scale (default: auto)")  # fmt: skip
    p.add_argument("--iters", type=nonnegative_int, default=None,
                   help="gd, rgd, newton and exact only: iteration budget (default: 10000 for gd and rgd, "
                        "200 Newton steps for newton, 10000 RGD steps per start for exact with m > 1)")  # fmt: skip
    p.add_argument("--max-cells", type=positive_int, default=None,
                   help=f"exact only: refuse data whose arrangement may have more activation cells than this "
                        f"(Cover's bound 2 sum_(k<d) C(n-1, k)), before starting (default: {DEFAULT_MAX_CELLS})")  # fmt: skip
    p.add_argument("--starts", type=positive_int, default=None,
                   help=f"exact with --m > 1 only: RGD starts of the search for a network of m neurons, beside the "
                        f"network recovered from P_+ (default: {DEFAULT_STARTS})")  # fmt: skip
    p.add_argument("--x0", metavar="FILE",
                   help="gd and rgd only: the initial point, an .npz with an array X0 (or X, as --save writes it) "
                        "or a .csv with a header row and d rows of m numbers; shape (d, m), or (d,) for m = 1 "
                        "(default: --planted's X0; with --data N(0, I) times max|y| / max|A|)")  # fmt: skip
    p.add_argument("--test", metavar="FILE",
                   help="--data only: a held-out set A_test, y_test in the formats of --data; its relative error "
                        "||g(A_test X) - y_test|| / ||y_test|| is test_error (--planted has its own test set)")  # fmt: skip
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed of the planted data and of the initial point (default: 0)")  # fmt: skip
    p.add_argument("--json", metavar="PATH", help="write the result as one JSON object")
    p.add_argument("--save", metavar="FILE.npz",
                   help="write the solution X and the run's metadata (the --json object without X: method, status, "
                        "objective, gradient norm, iterations, seed, versions, ...) to an .npz, atomically; an "
                        "existing file is replaced only when relurelax wrote it")  # fmt: skip
    p.set_defaults(handler=_handle)


def _join(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _method_options(args) -> tuple:
    """``(step, iters)`` for ``args.method``; an option the method or the data source ignores is bad usage."""
    for flag, users in METHOD_OPTIONS.items():
        if getattr(args, flag) is not None and args.method not in users:
            option = "--" + flag.replace("_", "-")  # as typed: --max-cells
            raise InvalidInputError(
                f"{option} is used by {_join(users)} only; --method {args.method} ignores it (drop {option})"
            )
    for flag in ("noise", "scale"):
        if getattr(args, flag) is not None and not args.planted:
            raise InvalidInputError(f"--{flag} applies to --planted data only; --data ignores it (drop --{flag})")
    if args.test is not None and args.planted:
        raise InvalidInputError("--test applies to --data only; --planted draws its own test set of 100 samples "
                                "(drop --test)")  # fmt: skip
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


def _test_set(path: str, d: int) -> tuple[np.ndarray, np.ndarray]:
    """The held-out set of ``--test``: a data file whose A has the d columns of the training data."""
    A_test, y_test = load_data(path)
    if A_test.shape[1] != d:
        raise InvalidInputError(
            f"--test {path}: A_test has shape {A_test.shape}, {A_test.shape[1]} columns, but the training data "
            f"has d = {d} features; the test set needs one column per feature of A"
        )
    return A_test, y_test


def _problem(args, m: int) -> Problem:
    """The problem to solve: planted or read from ``--data`` (and ``--test``), starting from ``--x0`` when given."""
    if args.planted:
        missing = [k for k in ("n", "d") if getattr(args, k) is None]
        if missing:
            raise InvalidInputError(f"--planted needs {' and '.join('--' + k for k in missing)}")
        noise = 0.0 if args.noise is None else args.noise
        scale = 1.0 if args.scale is None else args.scale
        _refuse_too_many_cells(args, args.n, args.d)  # Gaussian rows: every row nonzero
        check_memory(args.n, args.d, m, args.method, n_test=100, negative_labels=noise > 0)
        P = planted_problem(args.n, args.d, m, seed=args.seed, noise=noise, scale=scale)
        problem = Problem(P.A, P.y, P.X0, P.X_star, P.A_test, P.y_test)
    else:
        for flag in ("n", "d"):
            if getattr(args, flag) is not None:
                raise InvalidInputError(f"--{flag} applies to --planted data only; the data file fixes the shape")
        A, y = load_data(args.data)
        A_test, y_test = (None, None) if args.test is None else _test_set(args.test, A.shape[1])
        _refuse_too_many_cells(args, int(np.count_nonzero(np.any(A != 0.0, axis=1))), A.shape[1])
        held = A.nbytes + y.nbytes + (0 if A_test is None else A_test.nbytes + y_test.nbytes)
        check_memory(A.shape[0], A.shape[1], m, args.method, n_test=0 if A_test is None else A_test.shape[0],
                     negative_labels=bool(np.any(y < 0)), allocated=held)  # fmt: skip
        problem = Problem(A, y, _initial_point(A, y, m, args.seed), None, A_test, y_test)
    if args.x0 is not None:
        problem = Problem(problem.A, problem.y, load_point(args.x0, problem.A.shape[1], m), problem.X_star,
                          problem.A_test, problem.y_test)  # fmt: skip
    return problem


def _refuse_too_many_cells(args, n_nonzero: int, d: int) -> None:
    """The exact method enumerates every activation cell: refuse, before any work, an instance over the limit."""
    if SOLVERS[args.method].family != "global":
        return
    why = cells_over_limit(n_nonzero, d, args.max_cells, limit_name="--max-cells ")
    if why:
        raise InvalidInputError(f"--method exact: the data has {why}; raise --max-cells to enumerate them "
                                "(time and memory grow with the count), or use rgd or newton")  # fmt: skip


def _divergence_advice(args, d: int) -> str:
    """What a diverged solve's message adds for the command line: the options that give a stable step."""
    rows = (f"--scale {number(1 / math.sqrt(d))} (1/sqrt(d))" if args.planted
            else f"rows of A divided by sqrt(d) = {number(math.sqrt(d))}")  # fmt: skip
    if args.step in (None, "auto"):
        return f"; give a smaller --step, or {rows}"
    return f"; give --step auto, or {rows} with the paper's step"


def run_solve(args: argparse.Namespace,
              progress: run_progress.Progress = run_progress.stage) -> tuple[dict, str | None]:  # fmt: skip
    """Run the solve described by parsed arguments, reporting its stage to ``progress``.

    Returns the JSON object (keys :data:`SOLVE_KEYS`) and, when the solve
    failed (diverged or unbounded), the message saying why (else None).
    """
    step, iters = _method_options(args)
    m = args.m
    if not SOLVERS[args.method].supports(m):
        raise InvalidInputError(
            f"--method {args.method} solves the one-neuron relaxation f_r; got --m {m} (use rgd for m > 1)"
        )
    problem = _problem(args, m)
    n, d = problem.A.shape
    entry = SOLVERS[args.method]
    packages = VERSION_PACKAGES
    # the descent loop and the solves are handed to the entry by name from this module: the
    # reliability tests replace them here to stop or interrupt a solve where it would start
    if entry.family == "conic":
        backend = args.solver or BACKENDS[0]
        progress(f"solving the relaxation with {backend} (n={n}, d={d})")
        options = {"backend": backend, "solve": solve_relaxation}
        packages += ("cvxpy", backend.lower())
    elif entry.family == "exact":
        progress(f"the Newton solve (n={n}, d={d})")
        options = {"max_iter": iters, "solve": solve_relaxation_newton}
    elif entry.family == "global":
        limit = DEFAULT_MAX_CELLS if args.max_cells is None else args.max_cells
        progress(f"enumerating up to {cover_bound(n, d)} activation cells (n={n}, d={d}, m={m})")
        options = {"max_cells": limit, "starts": DEFAULT_STARTS if args.starts is None else args.starts,
                   "seed": args.seed, "max_iter": iters}  # fmt: skip
    else:
        progress(f"the {args.method.upper()} descent (n={n}, d={d}, m={m})")
        options = {"step": step, "max_iter": iters, "descent": descend}
    # the reported numbers are evaluate_point's at the returned X, at unit scale
    sol = entry.run(problem, **options)
    failed = sol.message if sol.status in (SolveStatus.DIVERGED, SolveStatus.UNBOUNDED) else None
    if sol.status is SolveStatus.DIVERGED:
        failed += _divergence_advice(args, d)
    out = {"method": args.method, "solver": sol.backend, "n": n, "d": d, "m": m,
           "n_test": None if problem.A_test is None else int(problem.A_test.shape[0]),
           "objective": sol.objective, "relaxed_objective": sol.relaxed_objective, "train_error": sol.train_error,
           "test_error": sol.test_error, "relative_recovery_error": sol.relative_recovery_error,
           "gradient_norm": sol.gradient_norm, "iterations": sol.iterations, "stop_reason": sol.status.value,
           "lower_bound": sol.lower_bound, "lower_bound_name": sol.lower_bound_name, "certified": sol.certified,
           "gap_tolerance": sol.gap_tolerance, "cells": sol.cells, "seed": args.seed, "seconds": sol.seconds, "versions": versions(packages),
           "X": np.asarray(sol.X).tolist()}  # fmt: skip
    return out, failed


def _entries(values) -> str:
    return "[" + ", ".join(number(float(v), ".6g") for v in values) + "]"


def _solution_rows(X: np.ndarray) -> list[tuple[str, str]]:
    """Table rows for the solution: every entry when there are few, else a summary."""
    d, m = X.shape
    if d * m <= TABLE_ENTRIES:
        return [(f"X[:, {j}]", _entries(X[:, j])) for j in range(m)]
    return [("X", f"{d} x {m}, entries {number(float(X.min()), '.6g')} .. {number(float(X.max()), '.6g')}, "
                  f"||X||_F {number(safe_norm(X), '.6g')} (full matrix in --json)")]  # fmt: skip


#: the keys of the exact method's certified lower bound, absent (None) for the other methods
_BOUND_KEYS = ("lower_bound", "lower_bound_name", "certified", "gap_tolerance", "cells")


def table_rows(out: dict) -> list[tuple[str, str]]:
    """The rows (quantity, value) of the terminal table of a solve, from its JSON object."""
    rows = []
    for key in SOLVE_KEYS:
        if key in _NOT_IN_TABLE:
            continue
        value = out.get(key) if key in _BOUND_KEYS else out[key]
        if key in _BOUND_KEYS and value is None:
            continue  # only the exact method has a bound; the other methods' tables do not list it
        if isinstance(value, bool):
            rows.append((key, "yes" if value else "no"))
            continue
        rows.append((key, number(value, ".6g") if isinstance(value, (int, float)) else "-" if value is None else str(value)))
    return rows + _solution_rows(np.asarray(out["X"], dtype=np.float64))


def print_result(out: dict, console: Console | None = None) -> None:
    """The terminal's table of a solve (:func:`table_rows`), which fits 80 columns and never cuts a number."""
    from rich.console import Console

    console = console or Console()
    print_table(console, ("quantity", "value"), table_rows(out), left=("quantity", "value"),
                title=f"relurelax solve: {out['method']}")  # fmt: skip


def _prepare_outputs(args) -> None:
    """Refuse, before any work, outputs that may not be written (README, "Nothing is lost")."""
    inputs = {"--data": args.data, "--x0": args.x0, "--test": args.test}
    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json, inputs=inputs)
    if args.save is not None:
        if not args.save.lower().endswith(".npz"):
            raise InvalidInputError(f"--save {args.save!r}: the file name must end in .npz")
        if args.json and _same(args.json, args.save):
            raise InvalidInputError(f"--json and --save name the same file {args.save}; give two paths")
        prepare_output_file(args.save, inputs=inputs, flag="--save", kind=NPZ)


def _handle(args) -> int:
    _prepare_outputs(args)
    with run_progress.display("relurelax solve") as show:
        show(f"the solve (--method {args.method})")
        out, failed = run_solve(args, show)
    print_result(out)
    if args.json is not None:
        write_json(args.json, out, "solve")
    if args.save is not None:
        metadata = {key: value for key, value in out.items() if key != "X"}
        write_npz(args.save, {"X": np.asarray(out["X"], dtype=np.float64)}, metadata, "solve")
    if failed:
        raise CommandFailed(failed)
    return 0
