r"""The multi-neuron loss :math:`f_m` (Eq. (9)) restricted to one activation cell, solved with CVXPY.

CVXPY cannot minimise :math:`f_{mp}` (Eq. (14)): it is not convex for
m > 1 (Section II.B, the permutations of the neurons give many global
minima). What *can* be certified is the minimum of :math:`f_m` over one
activation cell. Fix the masks :math:`D_1, \dots, D_m` (the paper's
:math:`D_j`, written by :func:`~.activation.activation_mask`); on the closed
cell

.. math::

    C(D) = \{X : (2D_j - I) A x_j \ge 0 \ \forall j\}

every ReLU is linear, :math:`g(Ax_j) = D_j A x_j`, so :math:`f_m` equals the
convex quadratic

.. math::

    q_D(X) = \tfrac12 \Big\|\sum_{j=1}^m D_j A x_j - y\Big\|_2^2

(halved as every objective of :mod:`.objectives`), and
:math:`\min_{X \in C(D)} q_D` is a convex QP. ``X = 0`` is feasible and
:math:`q_D \ge 0`, so the QP is always feasible and bounded.

A point whose masks are :math:`D` lies in :math:`C(D)`, so its :math:`f_m`
is at least the cell optimum; equality certifies that the point is a
minimiser of :math:`f_m` within its cell. Under the planted model (8) the
global value of :math:`f_m` is 0.

KKT residuals (duals :math:`\lambda_j \ge 0` of the cell constraints,
:math:`r = \sum_j D_j A x_j - y`), each scaled as in :mod:`.relaxation`:

- stationarity: :math:`A^T (D_j r - (2D_j - I)\lambda_j) = 0` for every j;
- primal feasibility: :math:`(2D_j - I) A x_j \ge 0`;
- dual feasibility: :math:`\lambda_j \ge 0`;
- complementarity: :math:`\lambda_j^T (2D_j - I) A x_j = 0`.

As for the relaxation (:mod:`.relaxation`), the QP is built and solved at
unit scale in the worker process (:math:`X = (b/a) X'`, values times
:math:`b^2`, the masks unchanged), and the result is accepted only when its
worst KKT residual, computed in float64 at unit scale, is within the
backend's :data:`~.tolerances.CELL_KKT_RTOL`: otherwise its status is
``"inaccurate"`` and :class:`~.errors.InaccurateSolutionError` is raised
unless ``accept_inaccurate=True``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .records import freeze_arrays
from .validation import as_matrix, as_parameters, check_problem
from .activation import activation_mask
from .errors import InvalidInputError, SolveError
from .objectives import loss_from, regularized_from
from .relaxation import (
    Certificate,
    KKTResiduals,
    _SOLVED,
    check_backend,
    _objective_from_unit,
    accept_certified,
    backend_options,
    certified_status,
    native_solve,
    solve_natively,
)
from .scaling import safe_norm, unit_problem, x_to_user
from .tolerances import cell_kkt_rtol

__all__ = ["CellResult", "cell_masks", "cell_problem", "constrained_rows", "solve_cell"]

if TYPE_CHECKING:
    import cvxpy as cp


@dataclass(frozen=True)
class CellResult:
    r"""A CVXPY solve of :math:`\min_{X \in C(D)} q_D(X)`; arrays are read-only.

    ``objective`` is :math:`q_D(X)` recomputed in float64 at the returned X
    (the cell optimum); ``loss`` is :math:`f_m(X)` at the same X (equal to
    ``objective`` up to the solver's feasibility error). ``regularized`` is
    :math:`f_{mp}(X) = f_m(X) - y^T \prod_j D_j^c A \sum_j x_j` (Eq. (14)
    halved), which differs from ``loss`` (exceeds it, for labels
    :math:`\ge 0`) wherever a row with a nonzero label has
    :math:`a_i^T x_j < 0` for every j: on a row that every mask leaves
    inactive the cell QP only asks :math:`a_i^T x_j \le 0`.
    ``solver_objective`` is what CVXPY reported; ``masks`` (n, m) are the
    fixed :math:`D_j`. ``status`` is ``"optimal"`` when ``certificate``
    (the KKT residuals ``kkt`` at unit scale) passes and ``"inaccurate"``
    otherwise; ``backend_status`` is what the backend said.
    """

    X: NDArray[np.float64]
    masks: NDArray[np.bool_]
    objective: float
    loss: float
    regularized: float
    solver_objective: float
    status: str
    backend: str
    seconds: float
    iterations: int | None
    is_dcp: bool
    kkt: KKTResiduals
    backend_status: str = ""
    certificate: Certificate | None = None

    def __post_init__(self) -> None:
        freeze_arrays(self)


def cell_masks(A: ArrayLike, X: ArrayLike) -> NDArray[np.bool_]:
    r"""The activation cell of ``X``: the (n, m) masks :math:`D_j` of :math:`AX` (Eq. (2) convention)."""
    A = as_matrix(A, "A")
    X = as_parameters(X, A.shape[1], "X")
    return activation_mask(A @ X)


def _check_masks(masks: ArrayLike, n: int) -> NDArray[np.bool_]:
    arr = np.asarray(masks)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise InvalidInputError(f"masks must have shape (n, m) = ({n}, m); got shape {np.shape(masks)}")
    if arr.dtype != bool:
        raise InvalidInputError(f"masks must be a boolean array (D_j = 1 iff a_i^T x_j >= 0); got dtype {arr.dtype}")
    return arr


def cell_problem(
    A: NDArray[np.float64], y: NDArray[np.float64], masks: NDArray[np.bool_]
) -> tuple[cp.Problem, cp.Variable, cp.Constraint]:
    """Build the CVXPY model of the cell QP; returns ``(problem, X, constraint)``."""
    import cvxpy as cp

    n, d = A.shape
    m = masks.shape[1]
    D = masks.astype(np.float64)
    S = 2.0 * D - 1.0
    X = cp.Variable((d, m), name="X")
    Z = A @ X
    output = cp.sum(cp.multiply(D, Z), axis=1)
    # a zero row's constraint reads 0 >= 0: left out (it only makes the problem degenerate; CLARABEL has
    # failed on a cell with a zero row and a repeated hyperplane), its dual is 0 (see constrained_rows)
    keep = constrained_rows(A)
    in_cell = cp.multiply(S[keep], A[keep] @ X) >= 0
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(output - y)), [in_cell])
    return problem, X, in_cell


def constrained_rows(A: NDArray[np.float64]) -> NDArray[np.intp]:
    r"""The rows of A whose cell constraint says something: the nonzero ones (:math:`0 \ge 0` says nothing)."""
    return np.flatnonzero(np.any(A != 0.0, axis=1))


def _cell_residual(Z: NDArray[np.float64], masks: NDArray[np.bool_], y: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Residual of the cell's linear model, :math:`\sum_j D_j A x_j - y`, for ``Z = A X``."""
    return (masks * Z).sum(axis=1) - y


def _kkt(
    A: NDArray[np.float64], y: NDArray[np.float64], X: NDArray[np.float64], masks: NDArray[np.bool_],
    lam: NDArray[np.float64],
) -> KKTResiduals:  # fmt: skip
    Z = A @ X
    D = masks.astype(np.float64)
    S = 2.0 * D - 1.0
    r = _cell_residual(Z, masks, y)
    signed = S * Z
    c = safe_norm(A.T @ y)
    primal = float(np.max(-signed, initial=0.0)) / max(1.0, float(np.max(np.abs(Z), initial=0.0))) + 0.0
    dual = float(np.max(-lam, initial=0.0)) / max(1.0, float(np.max(np.abs(lam), initial=0.0))) + 0.0
    comp = float(np.abs((lam * signed).sum(axis=0)).sum()) / max(1.0, float(y @ y))
    stat = float(np.linalg.norm(A.T @ (D * r[:, None] - S * lam))) / max(1.0, c)
    return KKTResiduals(primal, dual, comp, stat)


def _native_cell(
    A: NDArray[np.float64], y: NDArray[np.float64], masks: NDArray[np.bool_], name: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Build and solve the cell QP (in the worker); see :func:`~.relaxation.native_solve`."""
    import time

    start = time.perf_counter()
    problem, X, in_cell = cell_problem(A, y, masks)
    out = native_solve(problem, {"X": X}, {"lam": in_cell}, name, options)
    out["is_dcp"] = problem.is_dcp()
    out["seconds"] = time.perf_counter() - start
    return out


def solve_cell(A: ArrayLike, y: ArrayLike, masks: ArrayLike, *, backend: str = "CLARABEL",
               accept_inaccurate: bool = False, **solver_options: Any) -> CellResult:  # fmt: skip
    r"""Minimise :math:`f_m` over the closed activation cell with masks ``masks``.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,).
    masks : boolean (n, m) (or (n,) for one neuron): column j is the diagonal
        of :math:`D_j`, e.g. :func:`cell_masks` of a descent result.
    backend : ``"CLARABEL"`` (default), ``"SCS"`` or ``"OSQP"``.
    accept_inaccurate : return a result whose certificate fails (status
        ``"inaccurate"``) instead of raising :class:`~.errors.InaccurateSolutionError`.
    solver_options : passed to ``Problem.solve`` (over
        :data:`~.relaxation.BACKEND_DEFAULTS`).

    Raises
    ------
    InaccurateSolutionError : the KKT residuals at the backend's point exceed
        :data:`~.tolerances.CELL_KKT_RTOL`; ``.result`` holds the record.
    SolveError : the backend failed, returned no solution, or its worker died.
    SolverUnavailableError : the backend is unknown or not installed.
    """
    A, y = check_problem(A, y)
    masks = _check_masks(masks, A.shape[0])
    name = check_backend(backend)
    unit = unit_problem(A, y)
    A_unit, y_unit, scaling = unit.A, unit.y, unit.scaling
    d, m = A.shape[1], masks.shape[1]

    what = "the cell problem"
    out = solve_natively("cell._native_cell", (A_unit, y_unit, masks, name, backend_options(name, solver_options)),
                         name, what)  # fmt: skip
    status = out["status"]
    Xu = out["values"]["X"]
    if status not in _SOLVED or Xu is None:
        raise SolveError(f"{name} returned status '{status}' on {what}; no solution is available")
    Xu = Xu.reshape(d, m)
    lam = out["duals"]["lam"]
    if lam is not None:  # the duals of the constrained rows; a zero row's multiplier is 0
        full = np.zeros(masks.shape)
        full[constrained_rows(A_unit)] = lam.reshape(-1, m)
        lam = full
    kkt = (KKTResiduals(math.nan, math.nan, math.nan, math.nan) if lam is None
           else _kkt(A_unit, y_unit, Xu, masks, lam))  # fmt: skip
    certificate = Certificate(name, None, None, kkt.worst, cell_kkt_rtol(name))
    Z = A_unit @ Xu
    r = _cell_residual(Z, masks, y_unit)
    result = CellResult(
        X=x_to_user(scaling, Xu),
        masks=masks.copy(),
        objective=_objective_from_unit(scaling, 0.5 * float(r @ r)),
        loss=_objective_from_unit(scaling, float(loss_from(Z, y_unit))),
        regularized=_objective_from_unit(scaling, float(regularized_from(Z, y_unit))),
        solver_objective=_objective_from_unit(scaling, out["value"]),
        status=certified_status(certificate),
        backend=name,
        seconds=out["seconds"],
        iterations=out["iterations"],
        is_dcp=out["is_dcp"],
        kkt=kkt,
        backend_status=status,
        certificate=certificate,
    )
    return accept_certified(result, what, accept_inaccurate)
