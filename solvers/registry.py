r"""The registry of relurelax's solvers: one entry per method, each returning a :class:`~.solution.Solution`.

``relurelax solve``, ``relurelax crosscheck`` and ``relurelax bench``
iterate over :data:`SOLVERS`; adding a solver is one :class:`SolverEntry`
here plus its tests (README, "How to add a solver").

========  =========  ==========================================================
name      neurons    what it minimises
========  =========  ==========================================================
gd        any m      :math:`f` / :math:`f_m` by GD, Eq. (2) / (9)
rgd       any m      :math:`f_r` / :math:`f_{mp}` by RGD, Eq. (5) / (17)
newton    m = 1      :math:`f_r`, Eq. (3), by exact semismooth Newton steps
cvxpy     m = 1      :math:`f_r` with a CVXPY backend, certified
cell      m > 1      :math:`f_m` over one activation cell with a CVXPY backend
exact     any m      the global minimum of :math:`f` (m = 1) over every activation
                     cell; for m > 1 the certified lower bound :math:`P_+` and the
                     best network found with m neurons
========  =========  ==========================================================

Every ``run(problem, **options)`` takes a problem with attributes ``A``,
``y``, ``X0``, ``X_star``, ``A_test``, ``y_test`` (a
:class:`~.data.PlantedProblem`, or :class:`Problem` for a data file; a
solver uses the ones it needs) and its own options, and returns the
:class:`~.solution.Solution` whose values :func:`~.solution.evaluate_point`
computes at the returned point. Importing this module imports no CVXPY: the
conic entries import it when they run, in the worker process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Protocol

import numpy as np
from numpy.typing import NDArray

from .cell import CellResult, solve_cell
from .descent import GD, RGD, DescentResult, Direction, descend
from .errors import InvalidInputError
from .newton import NewtonResult, solve_relaxation_newton
from .relaxation import Certificate, RelaxationResult, solve_relaxation
from .solution import Solution, SolveStatus, evaluate_point
from .tolerances import DESCENT_GTOL, NEWTON_GTOL

__all__ = [
    "Problem",
    "ProblemLike",
    "SolverEntry",
    "SOLVERS",
    "solver",
    "solvers_for",
    "from_descent",
    "from_newton",
    "from_relaxation",
    "from_cell",
]


class ProblemLike(Protocol):
    """What a solver reads of a problem: a :class:`Problem` or a :class:`~.data.PlantedProblem`."""

    @property
    def A(self) -> NDArray[np.float64]: ...
    @property
    def y(self) -> NDArray[np.float64]: ...
    @property
    def X0(self) -> NDArray[np.float64] | None: ...
    @property
    def X_star(self) -> NDArray[np.float64] | None: ...
    @property
    def A_test(self) -> NDArray[np.float64] | None: ...
    @property
    def y_test(self) -> NDArray[np.float64] | None: ...


@dataclass(frozen=True)
class Problem:
    r"""Data for a solver: ``A`` (n, d), ``y`` (n,), and optionally a start ``X0`` (d, m), a planted
    ``X_star`` and a test set, all in the user's units (the attributes of a :class:`~.data.PlantedProblem`)."""

    A: NDArray[np.float64]
    y: NDArray[np.float64]
    X0: NDArray[np.float64] | None = None
    X_star: NDArray[np.float64] | None = None
    A_test: NDArray[np.float64] | None = None
    y_test: NDArray[np.float64] | None = None


def _evaluated(problem: ProblemLike, X: NDArray[np.float64]) -> dict[str, Any]:
    e = evaluate_point(problem.A, problem.y, X, X_star=problem.X_star, A_test=problem.A_test, y_test=problem.y_test)
    return {"objective": e.objective, "relaxed_objective": e.relaxed_objective, "train_error": e.train_error,
            "test_error": e.test_error, "relative_recovery_error": e.relative_recovery_error}  # fmt: skip


def from_descent(problem: ProblemLike, res: DescentResult, seconds: float, method: str | None = None) -> Solution:
    r"""A :func:`~.descent.descend` result as a :class:`~.solution.Solution`.

    ``gradient_norm`` is the run's ``relative_gradient_norm``: the last
    :math:`\|G\|_F` over the scale of descend's own stopping rule
    (:math:`\|A^Ty\|`, else :math:`\|A\|_F`, else 1), taken at unit scale.
    ``method`` is the registry name (default: the direction's name).
    """
    X = np.asarray(res.X)
    return Solution(
        method=method or res.method, backend=None, X=X, **_evaluated(problem, X),
        status=SolveStatus.of(res.stop_reason), iterations=res.iterations, seconds=seconds,
        gradient_norm=res.relative_gradient_norm, message=res.message,
    )  # fmt: skip


def from_newton(problem: ProblemLike, res: NewtonResult) -> Solution:
    """A :func:`~.newton.solve_relaxation_newton` result as a :class:`~.solution.Solution` (its gradient norm is relative)."""
    X = np.asarray(res.x, dtype=np.float64)[:, None]
    return Solution(
        method="newton", backend=None, X=X, **_evaluated(problem, X), status=SolveStatus.of(res.stop_reason),
        iterations=res.iterations, seconds=res.seconds, gradient_norm=res.gradient_norm, message=res.message,
    )  # fmt: skip


def _certificate_message(res: RelaxationResult | CellResult) -> str:
    return "" if res.certificate is None or res.certificate.passed else "; ".join(res.certificate.failures())


def from_relaxation(problem: ProblemLike, res: RelaxationResult) -> Solution:
    """A :func:`~.relaxation.solve_relaxation` result as a :class:`~.solution.Solution` (status optimal / inaccurate)."""
    X = np.asarray(res.x, dtype=np.float64)[:, None]
    return Solution(
        method="cvxpy", backend=res.backend, X=X, **_evaluated(problem, X), status=SolveStatus.of(res.status),
        iterations=res.iterations, seconds=res.seconds, gradient_norm=res.gradient_norm, kkt=res.kkt,
        certificate=res.certificate, message=_certificate_message(res),
    )  # fmt: skip


def from_cell(problem: ProblemLike, res: CellResult) -> Solution:
    r"""A :func:`~.cell.solve_cell` result as a :class:`~.solution.Solution`; ``solver_value`` is the cell optimum :math:`q_D`."""
    X = np.asarray(res.X, dtype=np.float64)
    return Solution(
        method="cell", backend=res.backend, X=X, **_evaluated(problem, X), status=SolveStatus.of(res.status),
        iterations=res.iterations, seconds=res.seconds, gradient_norm=None, kkt=res.kkt,
        certificate=res.certificate, solver_value=res.objective, message=_certificate_message(res),
    )  # fmt: skip


def _exact_single(problem: ProblemLike, max_cells: int) -> tuple[NDArray[np.float64], dict[str, Any]]:
    r"""m = 1: the exact :math:`\min f` over every cell; the point and the bound fields of its :class:`Solution`."""
    from .exact import exact_minimum

    res = exact_minimum(problem.A, problem.y, max_cells=max_cells)
    certificate = Certificate(res.method, None, None, res.worst_kkt, res.kkt_tolerance)
    return np.asarray(res.x, dtype=np.float64)[:, None], {
        "lower_bound": res.objective, "lower_bound_name": "min f", "certified": True,
        "gap_tolerance": 0.0, "cells": res.cells, "certificate": certificate,
        "kkt": None, "message": f"every one of the {res.cells} cells certified (worst KKT residual "
                                f"{res.worst_kkt:.1e})",
    }  # fmt: skip


def _exact_network(problem: ProblemLike, m: int, max_cells: int, starts: int, seed: int,
                   max_iter: int) -> tuple[NDArray[np.float64], dict[str, Any]]:  # fmt: skip
    r"""m > 1: :math:`P_+` and the best network of m neurons (the recovered one when it fits, else RGD's best)."""
    from .exact import solve_pplus
    from .pplus import bound_network

    from .rays import enumerate_rays

    pp = solve_pplus(problem.A, problem.y, max_cells=max_cells)
    recovered = np.asarray(pp.X, dtype=np.float64)
    candidates = {"the network recovered from P_+": recovered}  # bound_network skips it when it has > m neurons
    bound = bound_network(problem.A, problem.y, m, lower_bound=pp.lower_bound, lower_bound_name="P_+",
                          starts=starts, seed=seed, max_iter=max_iter, candidates=candidates)  # fmt: skip
    cells = int(enumerate_rays(problem.A, max_cells=max_cells).patterns.shape[0])
    return np.asarray(bound.X, dtype=np.float64), {
        "lower_bound": pp.lower_bound, "lower_bound_name": "P_+", "certified": bool(bound.certified),
        "gap_tolerance": bound.tolerance, "cells": cells,
        "message": f"best of {bound.source}; P_+ from {pp.rays} rays of the arrangement, "
                   f"{pp.neurons} neuron(s) recovered",
    }  # fmt: skip


def _run_exact(problem: ProblemLike, *, max_cells: int | None = None, starts: int = 8, seed: int = 0,
               max_iter: int = 10_000) -> Solution:  # fmt: skip
    r"""The global answer over every activation cell (:mod:`.exact`): exact :math:`\min f`, or :math:`P_+` and a network.

    m (the columns of ``problem.X0``) = 1: the exact minimum of :math:`f`,
    certified cell by cell. m > 1: the lower bound :math:`P_+ \le \min f_m`
    and the best network of m neurons found (the recovered :math:`P_+`
    network when it has at most m neurons, which then attains the bound,
    else RGD from ``starts`` starts drawn from ``seed``); status
    ``optimal`` when the gap is within the tolerance, ``uncertified``
    otherwise. ``max_cells`` raises the enumeration's limit
    (:data:`~.arrangement.DEFAULT_MAX_CELLS`).
    """
    from .arrangement import DEFAULT_MAX_CELLS

    if problem.X0 is None:
        raise InvalidInputError("the exact method needs the number of neurons: a problem with X0 (d, m)")
    m = problem.X0.shape[1]
    limit = DEFAULT_MAX_CELLS if max_cells is None else max_cells
    start = time.perf_counter()
    X, bound = _exact_single(problem, limit) if m == 1 else _exact_network(problem, m, limit, starts, seed, max_iter)
    values = _evaluated(problem, X)
    if m == 1:
        bound["lower_bound"] = values["objective"]  # f recomputed at the minimiser, the same number
    certified = bound["certified"]
    return Solution(
        method="exact", backend=None, X=X, **values,
        status=SolveStatus.OPTIMAL if certified else SolveStatus.UNCERTIFIED, iterations=None,
        seconds=time.perf_counter() - start, gradient_norm=None, **bound,
    )  # fmt: skip


def _descent_runner(direction: Direction) -> Callable[..., Solution]:
    def run(problem: ProblemLike, *, step: float | str = "auto", max_iter: int = 10_000, gtol: float = DESCENT_GTOL,
            descent: Callable[..., DescentResult] | None = None) -> Solution:  # fmt: skip
        if problem.X0 is None:
            raise InvalidInputError(f"{direction.name} needs a start X0 (d, m); the problem has none")
        start = time.perf_counter()
        res = (descent or descend)(problem.A, problem.y, problem.X0, direction, step=step, max_iter=max_iter, gtol=gtol,
                      history_every=max(1, max_iter))  # fmt: skip
        return from_descent(problem, res, time.perf_counter() - start, direction.name)

    run.__doc__ = (f"Run {direction.name.upper()} (:func:`~.descent.descend`) from ``problem.X0``; ``descent`` "
                   "replaces the loop (a seam for tests).")  # fmt: skip
    return run


def _run_newton(problem: ProblemLike, *, max_iter: int = 200, gtol: float = NEWTON_GTOL,
                solve: Callable[..., NewtonResult] | None = None) -> Solution:  # fmt: skip
    """Minimise f_r by :func:`~.newton.solve_relaxation_newton` from 0 (``solve`` replaces it, a seam for tests)."""
    return from_newton(problem, (solve or solve_relaxation_newton)(problem.A, problem.y, max_iter=max_iter, gtol=gtol))


def _run_cvxpy(problem: ProblemLike, *, backend: str = "CLARABEL", form: str = "direct",
               accept_inaccurate: bool = False,
               solve: Callable[..., RelaxationResult] | None = None) -> Solution:  # fmt: skip
    """Minimise f_r with CVXPY (:func:`~.relaxation.solve_relaxation`; ``solve`` replaces it, a seam for tests)."""
    res = (solve or solve_relaxation)(problem.A, problem.y, backend=backend, form=form, accept_inaccurate=accept_inaccurate)
    return from_relaxation(problem, res)


def _run_cell(problem: ProblemLike, *, masks: NDArray[np.bool_], backend: str = "CLARABEL",
              accept_inaccurate: bool = False, solve: Callable[..., CellResult] | None = None) -> Solution:  # fmt: skip
    """Minimise f_m over the cell of ``masks`` with CVXPY (:func:`~.cell.solve_cell`; ``solve`` replaces it)."""
    return from_cell(problem, (solve or solve_cell)(problem.A, problem.y, masks, backend=backend, accept_inaccurate=accept_inaccurate))


@dataclass(frozen=True)
class SolverEntry:
    r"""One solver of the registry.

    ``family`` is ``"descent"`` (runs from ``X0`` within an iteration budget
    ``max_iter``), ``"exact"`` (minimises :math:`f_r` to its own tolerance),
    ``"conic"`` (takes a CVXPY ``backend``; its answer counts only with
    relurelax's certificate) or ``"global"`` (enumerates every activation
    cell, so it refuses instances whose cell count exceeds ``max_cells``,
    and gives a certified lower bound on the non-convex loss). ``neurons`` is ``"any"``, ``"one"`` (m = 1) or
    ``"several"`` (m > 1); ``needs`` names options without a default
    (``masks`` for a cell solve), so a command that cannot supply them skips
    the entry. ``crosscheck`` is the solver's part in the cross-check of
    :mod:`relurelax.proofs.crosscheck`: ``"reference"`` (its value claims
    the instance's optimum), ``"claimant"`` (its value claims the optimum
    and is compared with every reference, but does not set it) or
    ``"contrast"`` (not a method for the optimum; only the lower bound of
    Theorem 1 applies) or ``"bound"`` (its ``lower_bound`` is a certified
    lower bound on every solution's loss, and each solution's gap to it is
    reported).
    """

    name: str
    summary: str
    family: str
    neurons: str
    crosscheck: str
    run: Callable[..., Solution]
    needs: tuple[str, ...] = ()

    def supports(self, m: int) -> bool:
        """Whether the solver applies to m neurons."""
        return self.neurons == "any" or (self.neurons == "one") == (m == 1)


#: every solver by name, in the order the commands list them
SOLVERS = MappingProxyType({entry.name: entry for entry in (
    SolverEntry("gd", "gradient descent on f (Eq. 2) / f_m (Eq. 9)", "descent", "any", "contrast",
                _descent_runner(GD)),
    SolverEntry("rgd", "regularised gradient descent on f_r (Eq. 5) / f_mp (Eq. 17)", "descent", "any",
                "reference", _descent_runner(RGD)),
    SolverEntry("newton", "min f_r (Eq. 3) by exact semismooth Newton steps", "exact", "one", "claimant",
                _run_newton),
    SolverEntry("cvxpy", "min f_r (Eq. 3) with a CVXPY backend, certified", "conic", "one", "reference",
                _run_cvxpy),
    SolverEntry("cell", "min f_m over one activation cell with a CVXPY backend, certified", "conic", "several",
                "reference", _run_cell, needs=("masks",)),
    SolverEntry("exact", "global min f (m = 1) over every activation cell; for m > 1 the lower bound P_+ and the "
                "best network of m neurons", "global", "any", "bound", _run_exact),
)})  # fmt: skip


def solver(name: str) -> SolverEntry:
    """The registry entry ``name``; an unknown name is an :class:`~.errors.InvalidInputError` naming the known ones."""
    try:
        return SOLVERS[name]
    except KeyError:
        raise InvalidInputError(f"unknown solver {name!r}; known: {', '.join(SOLVERS)}") from None


def solvers_for(m: int, *, family: str | None = None) -> tuple[SolverEntry, ...]:
    """The entries that apply to m neurons (of one ``family`` if given), in registry order."""
    return tuple(e for e in SOLVERS.values() if e.supports(m) and (family is None or e.family == family))
