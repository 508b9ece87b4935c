r"""The convex relaxation :math:`f_r` (Eq. (3), halved) solved with CVXPY.

Two equivalent forms:

* ``"direct"``: :math:`\min_x \tfrac12\,\mathrm{sum\_squares}(\mathrm{pos}(Ax)) - (A^Ty)^Tx + \tfrac12\|y\|^2`.
  CVXPY's ``is_dcp()`` on it is the convexity certificate of Proposition 1
  (it holds for *any* y: ``pos`` is convex, its square is convex and
  nondecreasing on the nonnegative half-line, and the rest is affine).
* ``"qp"``: :math:`\min_{x,s} \tfrac12\|s\|^2 - (A^Ty)^Tx + \tfrac12\|y\|^2`
  subject to :math:`s \ge Ax` (dual :math:`\lambda`) and :math:`s \ge 0`
  (dual :math:`\nu`). At the optimum :math:`s = g(Ax)`, so both forms have
  the same optimum. The duals give the KKT residuals of
  :class:`KKTResiduals`:

  - stationarity in x: :math:`A^T\lambda = A^Ty`; in s: :math:`s = \lambda + \nu`;
  - primal feasibility: :math:`Ax - s \le 0`, :math:`-s \le 0`;
  - dual feasibility: :math:`\lambda, \nu \ge 0`;
  - complementarity: :math:`\lambda^T(s - Ax) = 0`, :math:`\nu^Ts = 0`.

A status other than ``optimal`` never passes silently: an unbounded problem
raises :class:`~.errors.UnboundedRelaxationError`, any other failure
:class:`~.errors.SolveError`, and ``optimal_inaccurate`` is returned with its
status and a warning.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from ._records import freeze_arrays
from ._validation import check_problem
from .errors import SolveError, SolverUnavailableError, UnboundedRelaxationError, InvalidInputError
from .objectives import _relaxed_from, _residual

__all__ = [
    "BACKENDS",
    "FORMS",
    "installed_backends",
    "KKTResiduals",
    "RelaxationResult",
    "solve_relaxation",
    "relaxation_problem",
]

#: conic/QP backends relurelax supports, in order of preference
BACKENDS = ("CLARABEL", "SCS", "OSQP")
FORMS = ("direct", "qp")


def installed_backends() -> tuple[str, ...]:
    """The supported backends that CVXPY reports as installed."""
    import cvxpy as cp

    have = set(cp.installed_solvers())
    return tuple(b for b in BACKENDS if b in have)


@dataclass(frozen=True)
class KKTResiduals:
    """KKT residuals of the QP form, each scaled to be dimensionless (see module docstring)."""

    primal_feasibility: float
    dual_feasibility: float
    complementarity: float
    stationarity: float

    @property
    def worst(self) -> float:
        return max(self.primal_feasibility, self.dual_feasibility, self.complementarity, self.stationarity)


@dataclass(frozen=True)
class RelaxationResult:
    r"""A CVXPY solve of :math:`\min f_r`.

    ``objective`` is :math:`f_r(x)` recomputed in float64 at the returned x
    (not the solver's own value); ``solver_objective`` is what CVXPY
    reported. ``gradient_norm`` is :math:`\|\nabla f_r(x)\|/\|A^Ty\|`, an
    optimality measure independent of the backend. ``seconds`` is the wall
    time of building and solving the model.
    """

    x: np.ndarray
    objective: float
    solver_objective: float
    status: str
    backend: str
    form: str
    seconds: float
    iterations: int | None
    is_dcp: bool
    gradient_norm: float
    kkt: KKTResiduals | None

    def __post_init__(self):
        freeze_arrays(self)


def _check_backend(backend: str) -> str:
    if not isinstance(backend, str):
        raise InvalidInputError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    name = backend.upper()
    if name not in BACKENDS:
        raise SolverUnavailableError(f"unknown backend {backend!r}; supported: {', '.join(BACKENDS)}")
    have = installed_backends()
    if name not in have:
        raise SolverUnavailableError(
            f"backend {name} is not installed; installed backends: {', '.join(have) or 'none'}"
        )
    return name


def run_backend(problem, name: str, what: str, **solver_options) -> str:
    """Solve a CVXPY problem with backend ``name``; a backend crash becomes a :class:`SolveError`.

    Returns CVXPY's status string; ``what`` names the problem in messages.
    """
    import cvxpy as cp

    try:
        problem.solve(solver=name, **solver_options)
    except cp.error.SolverError as exc:
        raise SolveError(f"{name} failed on {what}: {str(exc).splitlines()[0]}") from None
    return problem.status


def check_solved(status: str, variable, name: str, what: str) -> None:
    """Accept ``optimal`` silently and ``optimal_inaccurate`` with a warning; raise :class:`SolveError` otherwise."""
    import cvxpy as cp

    if status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or variable.value is None:
        raise SolveError(f"{name} returned status '{status}' on {what}; no solution is available")
    if status == cp.OPTIMAL_INACCURATE:
        warnings.warn(f"{name} solved {what} only to reduced accuracy (status '{status}')", stacklevel=3)


def relaxation_problem(A: np.ndarray, y: np.ndarray, form: str = "direct"):
    """Build the CVXPY problem of the given form; returns ``(problem, x, extras)``."""
    import cvxpy as cp

    n, d = A.shape
    c = A.T @ y
    const = 0.5 * float(y @ y)
    x = cp.Variable(d, name="x")
    if form == "direct":
        obj = 0.5 * cp.sum_squares(cp.pos(A @ x)) - c @ x + const
        return cp.Problem(cp.Minimize(obj)), x, {}
    s = cp.Variable(n, name="s")
    lam_con = A @ x <= s
    nu_con = s >= 0
    obj = 0.5 * cp.sum_squares(s) - c @ x + const
    return cp.Problem(cp.Minimize(obj), [lam_con, nu_con]), x, {"s": s, "lam": lam_con, "nu": nu_con}


def _kkt(A, y, x, s, lam, nu) -> KKTResiduals:
    Ax = A @ x
    c = A.T @ y
    scale_z = max(1.0, float(np.max(np.abs(Ax), initial=0.0)), float(np.max(np.abs(s), initial=0.0)))
    primal = max(float(np.max(Ax - s, initial=0.0)), float(np.max(-s, initial=0.0))) / scale_z + 0.0
    dual = max(float(np.max(-lam, initial=0.0)), float(np.max(-nu, initial=0.0))) / max(
        1.0, float(np.max(np.abs(lam), initial=0.0))
    ) + 0.0
    comp = (abs(float(lam @ (s - Ax))) + abs(float(nu @ s))) / max(1.0, float(y @ y))
    stat = max(
        float(np.linalg.norm(A.T @ lam - c)) / max(1.0, float(np.linalg.norm(c))),
        float(np.linalg.norm(s - lam - nu)) / max(1.0, float(np.linalg.norm(s))),
    )
    return KKTResiduals(primal, dual, comp, stat)


def solve_relaxation(A, y, *, backend: str = "CLARABEL", form: str = "direct", **solver_options) -> RelaxationResult:
    r"""Minimise :math:`f_r` with CVXPY.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,).
    backend : ``"CLARABEL"`` (default), ``"SCS"`` or ``"OSQP"``.
    form : ``"direct"`` or ``"qp"`` (the latter also returns KKT residuals).
    solver_options : passed to ``Problem.solve``.

    Raises
    ------
    UnboundedRelaxationError : f_r is unbounded below (e.g. a negative label).
    SolveError : the backend failed or returned no solution.
    SolverUnavailableError : the backend is unknown or not installed.
    """
    import cvxpy as cp

    A, y = check_problem(A, y)
    name = _check_backend(backend)
    if form not in FORMS:
        raise InvalidInputError(f"form must be one of {', '.join(FORMS)}; got {form!r}")

    start = time.perf_counter()
    problem, x, extras = relaxation_problem(A, y, form)
    dcp = problem.is_dcp()
    status = run_backend(problem, name, "the relaxation", **solver_options)
    seconds = time.perf_counter() - start

    if status in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
        neg = int(np.count_nonzero(y < 0))
        why = (
            f"y has {neg} negative entries (min {float(y.min()):.3g}); f_r decreases without bound "
            "along a direction v with A v <= 0 and y^T A v > 0, which exists when a label is negative "
            "and A has full row rank"
            if neg
            else "f_r decreases without bound along a direction v with A v <= 0 and y^T A v > 0"
        )
        raise UnboundedRelaxationError(f"the relaxation f_r is unbounded below ({name} status '{status}'): {why}")
    check_solved(status, x, name, "the relaxation")

    xv = np.asarray(x.value, dtype=np.float64)
    Z = (A @ xv)[:, None]
    objective = _relaxed_from(Z, y)
    c_norm = float(np.linalg.norm(A.T @ y)) or 1.0
    gradient_norm = float(np.linalg.norm(A.T @ _residual(Z, y))) / c_norm
    kkt = None
    if form == "qp":
        kkt = _kkt(
            A,
            y,
            xv,
            np.asarray(extras["s"].value, dtype=np.float64),
            np.asarray(extras["lam"].dual_value, dtype=np.float64),
            np.asarray(extras["nu"].dual_value, dtype=np.float64),
        )
    return RelaxationResult(
        x=xv,
        objective=objective,
        solver_objective=float(problem.value),
        status=status,
        backend=name,
        form=form,
        seconds=seconds,
        iterations=getattr(problem.solver_stats, "num_iters", None),
        is_dcp=dcp,
        gradient_norm=gradient_norm,
        kkt=kkt,
    )
