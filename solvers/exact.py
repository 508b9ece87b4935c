r"""The exact global minimum of the non-convex single-neuron loss :math:`f` (Eq. (1)) over activation cells.

The rows of A cut :math:`\mathbb{R}^d` by the central hyperplanes
:math:`\{x : a_i^T x = 0\}` into open cells on which the sign pattern of
:math:`Ax` is constant. Label a full-dimensional cell by the diagonal
:math:`D \in \{0, 1\}^n` of its activation mask (True where
:math:`a_i^T x > 0` inside the cell). On the closed cell

.. math::

    C(D) = \{x : (2D - I) A x \ge 0\}

the ReLU is linear, :math:`g(Ax) = DAx` (on a row with :math:`a_i^T x = 0`
both sides are 0, whatever :math:`D_i`), so :math:`f` (halved, as in
:mod:`.objectives`) equals the convex quadratic
:math:`q_D(x) = \tfrac12\|DAx - y\|^2` there, and

.. math::

    \min_{x \in \mathbb{R}^d} f(x) = \min_D \ \min_{x \in C(D)} q_D(x),

the outer minimum over the full-dimensional cells: their closures cover
:math:`\mathbb{R}^d` (the union of the hyperplanes has empty interior and
:math:`f` is continuous). Every inner problem is the cell QP of
:mod:`.cell` with m = 1, solved by :func:`~.cell.solve_cell` and accepted
only with its KKT certificate. :math:`q_D \ge 0` and :math:`x = 0` is
feasible, so each QP is bounded and feasible for every label vector,
negative entries included (:math:`f` is bounded below by 0).

:func:`realisable_patterns_brute_force` lists the cells by trying each of
the :math:`2^n` sign patterns :math:`s \in \{-1, 1\}^n` with a linear
program (the slow reference for the arrangement enumeration).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .arrangement import largest_margin_point
from .cell import solve_cell
from .errors import InvalidInputError, SolveError
from .objectives import objective
from .records import freeze_arrays
from .relaxation import Certificate
from .tolerances import LP_FEASIBILITY_RTOL, cell_kkt_rtol, conic_rtol
from .validation import as_matrix, check_problem

__all__ = ["ExactMinimum", "exact_min_over_patterns", "realisable_patterns_brute_force", "BRUTE_FORCE_MAX_ROWS"]

#: the largest n for which :func:`realisable_patterns_brute_force` runs its 2^(n-1) linear programs
BRUTE_FORCE_MAX_ROWS = 16


@dataclass(frozen=True)
class ExactMinimum:
    r"""The minimum of :math:`f` over the closed cells of a list of activation patterns; arrays read-only.

    ``objective`` is :math:`f(x)` (Eq. (1) halved) recomputed in float64 by
    :func:`~.objectives.objective` at the returned ``x``, the best of the
    cell optima; ``pattern`` (n,) is the cell :math:`D` whose QP gave ``x``
    and ``qp_objective`` that QP's value :math:`q_D(x)`. The two agree
    except where ``x`` leaves :math:`C(D)` by the solver's feasibility
    error; ``agrees`` says whether :math:`|f(x) - q_D(x)| \le`
    ``tolerance`` (:data:`~.tolerances.CONIC_RTOL` of the backend times
    :math:`\|y\|^2`). ``cells`` QPs were solved, each certified
    (``certificates``, in the order of the patterns); ``worst_kkt`` is the
    largest of their worst KKT residuals, at most ``kkt_tolerance``
    (:data:`~.tolerances.CELL_KKT_RTOL`). The value is the global minimum of
    :math:`f` when the patterns are every full-dimensional cell of the
    arrangement of A's rows.
    """

    objective: float
    x: NDArray[np.float64]
    pattern: NDArray[np.bool_]
    qp_objective: float
    agrees: bool
    tolerance: float
    cells: int
    certificates: tuple[Certificate, ...]
    worst_kkt: float
    kkt_tolerance: float
    backend: str

    def __post_init__(self) -> None:
        freeze_arrays(self)


def _check_patterns(patterns: ArrayLike, n: int) -> NDArray[np.bool_]:
    arr = np.asarray(patterns)
    if arr.dtype != bool:
        raise InvalidInputError(f"patterns must be a boolean array (True where a_i^T x > 0 in the cell); "
                                f"got dtype {arr.dtype}")  # fmt: skip
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] == 0:
        raise InvalidInputError(f"patterns must have shape (K, n) = (K, {n}) with K >= 1, one row per cell; "
                                f"got shape {arr.shape}")  # fmt: skip
    return arr


def exact_min_over_patterns(A: ArrayLike, y: ArrayLike, patterns: ArrayLike, *,
                            backend: str = "CLARABEL") -> ExactMinimum:  # fmt: skip
    r"""Minimise :math:`f(x) = \tfrac12\|g(Ax) - y\|^2` over the closed cells of ``patterns``.

    For each row :math:`D` of ``patterns``, :func:`~.cell.solve_cell` solves
    :math:`\min_{x} \tfrac12\|DAx - y\|^2` s.t. :math:`(2D - I)Ax \ge 0`
    and certifies it (KKT residuals); the answer is the cell optimum with the
    smallest :math:`f` recomputed at its point.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,); labels of any sign.
    patterns : boolean (K, n), K >= 1; row k is the diagonal of one cell's
        :math:`D` (e.g. :func:`realisable_patterns_brute_force`).
    backend : conic backend of :func:`~.cell.solve_cell`.

    Returns
    -------
    ExactMinimum
        The global minimum of :math:`f` when ``patterns`` lists every
        full-dimensional cell; otherwise the minimum over those cells.

    Raises
    ------
    InvalidInputError : bad A, y or patterns.
    InaccurateSolutionError : a cell's certificate failed (no minimum is
        claimed unless every cell is certified).
    SolveError, SolverUnavailableError : as :func:`~.cell.solve_cell`.
    """
    A, y = check_problem(A, y)
    patterns = _check_patterns(patterns, A.shape[0])
    results = [solve_cell(A, y, pattern, backend=backend) for pattern in patterns]
    values = [objective(A, y, res.X[:, 0]) for res in results]
    best = int(np.argmin(values))
    res = results[best]
    tolerance = conic_rtol(res.backend) * float(y @ y)
    certificates = tuple(r.certificate for r in results if r.certificate is not None)
    if len(certificates) != len(results):  # solve_cell always attaches one; a record without it proves nothing
        raise SolveError("a cell solve returned no certificate; the minimum cannot be certified")
    return ExactMinimum(
        objective=values[best],
        x=res.X[:, 0].copy(),
        pattern=patterns[best].copy(),
        qp_objective=res.objective,
        agrees=abs(values[best] - res.objective) <= tolerance,
        tolerance=tolerance,
        cells=len(results),
        certificates=certificates,
        worst_kkt=max(r.kkt.worst for r in results),
        kkt_tolerance=cell_kkt_rtol(res.backend),
        backend=res.backend,
    )


def _margin_witness(U: NDArray[np.float64], signs: NDArray[np.float64]) -> NDArray[np.float64] | None:
    r"""An x with :math:`s_i u_i^T x > 0` for every row, checked in float64, or None.

    Solves the LP :math:`\max t` s.t. :math:`s_i u_i^T x \ge t`,
    :math:`\|x\|_\infty \le 1`, :math:`0 \le t \le 1` with HiGHS
    (:func:`~.arrangement.largest_margin_point`). A pattern counts
    as realisable only when HiGHS's margin exceeds
    :data:`~.tolerances.LP_FEASIBILITY_RTOL` (the rows ``U`` have unit norm,
    so the margin is a distance) *and* the returned x has the strict signs
    when recomputed in float64.
    """
    x, margin = largest_margin_point(signs[:, None] * U)
    if not margin > LP_FEASIBILITY_RTOL or not np.all(signs * (U @ x) > 0.0):
        return None
    return x


def realisable_patterns_brute_force(A: ArrayLike) -> NDArray[np.bool_]:
    r"""Every activation pattern of a full-dimensional cell of the arrangement of A's rows, by brute force.

    A pattern :math:`D \in \{0,1\}^n` with signs :math:`s = 2D - 1` is
    realisable iff some x has :math:`s_i a_i^T x > 0` for every nonzero row,
    i.e. iff the LP :math:`\max t` s.t. :math:`s_i \hat a_i^T x \ge t`,
    :math:`\|x\|_\infty \le 1` (:math:`\hat a_i = a_i/\|a_i\|`) has
    :math:`t > 0`; a margin at or below :data:`~.tolerances.LP_FEASIBILITY_RTOL`
    counts as empty (so a cell thinner than that may be missed). The
    arrangement is central, so :math:`s` is realisable iff :math:`-s` is, and
    :math:`2^{n'-1}` LPs suffice (:math:`n'` the number of nonzero rows).
    A zero row has :math:`a_i^T x = 0` everywhere; its entry is True in
    every pattern, the paper's convention (:math:`D_i = 1` iff
    :math:`a_i^T x \ge 0`) and :func:`~.arrangement.enumerate_cells`'s
    (and :math:`g(0) = 0` for either value of :math:`D_i`).

    Parameters
    ----------
    A : data (n, d), n <= :data:`BRUTE_FORCE_MAX_ROWS`.

    Returns
    -------
    NDArray[bool]
        (K, n), one distinct row per cell, True where :math:`a_i^T x > 0`
        inside the cell.
    """
    A = as_matrix(A, "A")
    n = A.shape[0]
    if n > BRUTE_FORCE_MAX_ROWS:
        raise InvalidInputError(f"A has n = {n} rows; the brute force tries 2^(n-1) sign patterns and accepts "
                                f"n <= {BRUTE_FORCE_MAX_ROWS} (use the arrangement enumeration instead)")  # fmt: skip
    norms = np.linalg.norm(A, axis=1)
    nonzero = np.flatnonzero(norms > 0.0)
    found = [np.ones(n, dtype=bool)] if nonzero.size == 0 else []
    U = A[nonzero] / norms[nonzero, None]
    k = nonzero.size
    for code in range(2 ** max(k - 1, 0) if k else 0):
        # the first nonzero row is negative here; its mirror -s is the other half
        bits = (code >> np.arange(k - 1)) & 1 if k > 1 else np.zeros(0, dtype=np.int64)
        signs = np.concatenate([[-1.0], 2.0 * bits - 1.0])
        if _margin_witness(U, signs) is not None:
            for s in (signs, -signs):
                pattern = np.ones(n, dtype=bool)  # zero rows active: a_i^T x = 0 >= 0
                pattern[nonzero] = s > 0
                found.append(pattern)
    return np.array(found, dtype=bool).reshape(len(found), n)
