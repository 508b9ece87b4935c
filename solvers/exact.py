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

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .activation import relu
from .arrangement import DEFAULT_MAX_CELLS, largest_margin_point, refuse_if_too_many
from .cell import _kkt, solve_cell
from .errors import InaccurateSolutionError, InvalidInputError, SolveError
from .objectives import multi_neuron_objective, objective
from .rays import arrangement_rays, enumerate_rays
from .records import freeze_arrays
from .relaxation import Certificate
from .scaling import unit_problem
from .tolerances import EXACT_RTOL, LP_FEASIBILITY_RTOL, RAY_KKT_RTOL, cell_kkt_rtol, conic_rtol
from .validation import as_matrix, check_positive_int, check_problem

__all__ = [
    "ExactMinimum", "PPlusResult", "exact_minimum", "exact_min_over_patterns", "solve_pplus",
    "realisable_patterns_brute_force", "BRUTE_FORCE_MAX_ROWS", "NNLS_RAYS",
]  # fmt: skip

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
    arrangement of A's rows. ``method`` is ``"cvxpy"`` (a CVXPY cell solve
    per pattern, :func:`exact_min_over_patterns`) or ``"nnls-rays"``
    (:func:`exact_minimum`, where ``fallbacks`` cells failed the NNLS
    certificate and were solved by CVXPY); ``seconds`` is the wall time of
    the whole call (0 when not measured).
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
    fallbacks: int = 0
    method: str = "cvxpy"
    seconds: float = 0.0

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


# --- exact solves over the rays of the arrangement ----------------------------------------------

#: the backend name of a cell or a bound solved exactly over rays (Lawson-Hanson NNLS)
NNLS_RAYS = "nnls-rays"


def _nnls(G: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`\arg\min_{t \ge 0} \|Gt - y\|` by Lawson-Hanson (``scipy.optimize.nnls``); t = 0 for no column."""
    if G.shape[1] == 0 or not np.any(y):
        return np.zeros(G.shape[1])  # y = 0: t = 0 is optimal, exactly
    from scipy.optimize import nnls

    try:
        t, _ = nnls(G, y)
    except RuntimeError as exc:  # its iteration limit
        raise SolveError(f"Lawson-Hanson NNLS ({G.shape[0]} x {G.shape[1]}) did not finish: {exc}") from exc
    return np.asarray(t, dtype=np.float64)


def _cell_duals(A: NDArray[np.float64], pattern: NDArray[np.bool_], r: NDArray[np.float64],
                active: NDArray[np.bool_]) -> NDArray[np.float64]:  # fmt: skip
    r"""Multipliers :math:`\lambda \ge 0` of the cell QP, zero off ``active``, from NNLS on :math:`A^T D r = A^T S \lambda`."""
    lam = np.zeros(A.shape[0])
    S = np.where(pattern, 1.0, -1.0)
    if np.any(active):
        lam[active] = _nnls(A[active].T * S[active], A.T @ (pattern * r))
    return lam


def _ray_columns(values: NDArray[np.float64], signs: NDArray[np.int8]) -> NDArray[np.float64]:
    r"""The columns (n, k) :math:`DAx_u` or :math:`g(Ax_u)` with the rows through each ray set to exactly 0.

    On a row through the ray, :math:`a_i^T x_u` is a rounding error
    (:math:`10^{-16}`), not a value: a column of such errors only would be
    taken up by NNLS with a weight of :math:`10^{16}`.
    """
    return np.where(signs.T == 0, 0.0, values)


@dataclass(frozen=True)
class _CellSolve:
    x: NDArray[np.float64]
    qp_objective: float
    certificate: Certificate
    worst: float


def _cell_by_rays(A: NDArray[np.float64], y: NDArray[np.float64], pattern: NDArray[np.bool_],
                  rays: NDArray[np.float64], signs: NDArray[np.int8]) -> _CellSolve:  # fmt: skip
    r"""The cell QP :math:`\min_{x \in C(D)} \tfrac12\|DAx - y\|^2` over the cell's extreme rays (unit scale).

    ``rays`` (k, d) and ``signs`` (k, n) are the cell's extreme rays and
    their signs. :math:`x = \sum_u t_u x_u` with :math:`t \ge 0` the NNLS
    solution for the columns :math:`DAx_u`; the rows active at x are those
    through every ray with :math:`t_u > 0`, and the certificate is
    :func:`~.cell._kkt` with the multipliers of :func:`_cell_duals`.
    """
    G = _ray_columns(pattern[:, None] * (A @ rays.T), signs)
    t = _nnls(G, y)
    x = rays.T @ t
    r = pattern * (A @ x) - y
    active = np.all(signs[t > 0] == 0, axis=0) & np.any(A != 0.0, axis=1)
    lam = _cell_duals(A, pattern, r, active)
    kkt = _kkt(A, y, x[:, None], pattern[:, None], lam[:, None])
    certificate = Certificate(NNLS_RAYS, None, None, kkt.worst, RAY_KKT_RTOL)
    return _CellSolve(x, 0.5 * float(r @ r), certificate, kkt.worst)


def _cell_by_cvxpy(A: NDArray[np.float64], y: NDArray[np.float64], pattern: NDArray[np.bool_]) -> _CellSolve:
    """The cell QP by :func:`~.cell.solve_cell` (CLARABEL), which raises unless its own certificate passes."""
    res = solve_cell(A, y, pattern)
    certificate = res.certificate
    if certificate is None:
        raise SolveError("a cell solve returned no certificate; the minimum cannot be certified")
    return _CellSolve(np.array(res.X[:, 0]), res.objective, certificate, res.kkt.worst)


def exact_minimum(A: ArrayLike, y: ArrayLike, *, max_cells: int = DEFAULT_MAX_CELLS) -> ExactMinimum:
    r"""The global minimum of :math:`f(x) = \tfrac12\|g(Ax) - y\|^2` (Eq. (1)), exactly, over the rays of the arrangement.

    The cells and their extreme rays come from
    :func:`~.rays.enumerate_rays`. On the closed cell :math:`C(D)` the ReLU
    is linear and :math:`C(D)` is the cone of its rays (plus
    :math:`\mathrm{null}(A)`, along which nothing changes), with
    :math:`DAx_u = g(Ax_u)`, so the cell QP is the NNLS

    .. math::

        \min_{t \ge 0} \tfrac12 \|G_D t - y\|^2, \qquad G_D = [D A x_u]_{u \text{ ray of } D},

    solved exactly by Lawson-Hanson, :math:`x = \sum_u t_u x_u`. Each cell
    answer is accepted only when relurelax's KKT residuals of the cell QP
    (:func:`~.cell._kkt`, multipliers from an NNLS over the active rows) are
    within :data:`~.tolerances.RAY_KKT_RTOL`; a cell that fails is solved
    again by :func:`~.cell.solve_cell` (counted in ``fallbacks``), which
    raises if its certificate fails too. Everything runs at unit scale
    (:func:`~.scaling.unit_problem`).

    Parameters
    ----------
    A, y : data (n, d) and labels (n,), any sign.
    max_cells : refuse above this many possible cells (Cover's bound).

    Returns
    -------
    ExactMinimum
        ``method`` ``"nnls-rays"``; ``objective`` is :math:`f(x)` at the
        returned ``x`` in float64; ``worst_kkt`` is the worst residual of the
        cells solved by NNLS (``kkt_tolerance`` = RAY_KKT_RTOL), the
        fallbacks' certificates are in ``certificates``.

    Raises
    ------
    InvalidInputError : bad A, y or max_cells, or too many possible cells.
    SolveError : a near-degenerate arrangement (:mod:`.rays`), or a cell that
        neither NNLS nor CVXPY can certify (InaccurateSolutionError).
    """
    start = time.perf_counter()
    A, y = check_problem(A, y)
    unit = unit_problem(A, y)
    A_u, y_u = unit.A, unit.y
    arrangement = enumerate_rays(A_u, max_cells=max_cells)
    solves: list[_CellSolve] = []
    fallbacks = 0
    for c, pattern in enumerate(arrangement.patterns):
        members = arrangement.cell_rays(c)
        solve = _cell_by_rays(A_u, y_u, pattern, arrangement.rays[members], arrangement.ray_signs[members])
        if not solve.certificate.passed:
            fallbacks += 1
            solve = _cell_by_cvxpy(A_u, y_u, pattern)
        solves.append(solve)
    values = [objective(A_u, y_u, s.x) for s in solves]
    best = int(np.argmin(values))
    x = unit.scaling.x_from_unit(solves[best].x)
    value = objective(A, y, x)
    qp_value = unit.scaling.objective_from_unit(solves[best].qp_objective)
    backend = solves[best].certificate.backend
    tolerance = (EXACT_RTOL if backend == NNLS_RAYS else conic_rtol(backend)) * float(y @ y)
    return ExactMinimum(
        objective=value,
        x=x,
        pattern=arrangement.patterns[best].copy(),
        qp_objective=qp_value,
        agrees=abs(value - qp_value) <= tolerance,
        tolerance=tolerance,
        cells=len(solves),
        certificates=tuple(s.certificate for s in solves),
        worst_kkt=max((s.worst for s in solves if s.certificate.backend == NNLS_RAYS), default=0.0),
        kkt_tolerance=RAY_KKT_RTOL,
        backend=backend,
        fallbacks=fallbacks,
        method=NNLS_RAYS,
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class PPlusResult:
    r"""The convex bound :math:`P_+` solved exactly as one NNLS over the rays of the arrangement; arrays read-only.

    ``lower_bound`` is :math:`f_m(X)` (Eq. (9) halved) recomputed in float64 by
    :func:`~.objectives.multi_neuron_objective` at the recovered network
    ``X`` (d, k): the columns :math:`t_u x_u` of the rays with
    :math:`t_u > 0` (one zero neuron when t = 0), a network with output
    weights +1 whose loss is :math:`P_+`. ``neurons`` is k (at most
    rank G <= n, or 1 for the zero network), ``rays`` the number of rays
    (columns of G), ``ray_indices`` the rays used. ``certificate`` holds the
    worst scaled NNLS optimality residual (``kkt_worst``, see
    :func:`solve_pplus`) against :data:`~.tolerances.RAY_KKT_RTOL`.
    """

    lower_bound: float
    X: NDArray[np.float64]
    neurons: int
    rays: int
    ray_indices: NDArray[np.intp]
    certificate: Certificate
    seconds: float

    def __post_init__(self) -> None:
        freeze_arrays(self)


def caratheodory(W: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Weights :math:`t' \ge 0` with :math:`Wt' = Wt` and at most :math:`\operatorname{rank} W_S` positive entries.

    Caratheodory's theorem for cones, constructively: while the columns of
    the support :math:`S = \{u : t_u > 0\}` are dependent, take a null vector
    :math:`z` of them with a positive entry and move :math:`t \leftarrow t -
    \tau z`, :math:`\tau = \min_{z_u > 0} t_u / z_u`, which keeps
    :math:`Wt` and :math:`t \ge 0` and zeroes one weight. Each step looks at
    no more than :math:`n + 1` columns of the support (n + 1 vectors in
    :math:`\mathbb{R}^n` are dependent), :math:`O(n^3)` instead of an SVD of
    every column. ``W`` is (n, k), ``t`` (k,) nonnegative; rounding below 0
    is clipped.
    """
    t = np.array(t, dtype=np.float64)
    n = W.shape[0]
    while True:
        support = np.flatnonzero(t > 0)
        head = support[: n + 1]
        if head.size == 0:
            return t
        _, s, vt = np.linalg.svd(W[:, head], full_matrices=True)
        rank = int(np.count_nonzero(s > max(W.shape) * np.finfo(np.float64).eps * s[0])) if s[0] > 0 else 0
        if head.size <= rank:
            return t  # head is the whole support (n + 1 columns are never independent), and it is independent
        z = vt[-1]
        z = z if z.max() > 0 else -z
        up = np.flatnonzero(z > 0)
        k = up[int(np.argmin(t[head[up]] / z[up]))]
        t[head] -= t[head[k]] / z[k] * z
        t[head[k]] = 0.0
        t[t < 0] = 0.0


def _pplus_residual(G: NDArray[np.float64], y: NDArray[np.float64], t: NDArray[np.float64]) -> float:
    r"""Worst NNLS optimality residual: :math:`w = G^T(y - Gt)`, :math:`w_u \le 0`, :math:`w_u = 0` where :math:`t_u > 0`.

    Each :math:`w_u` is scaled by :math:`\|g_u\| \|y\|` (a zero column or
    zero labels give 0).
    """
    w = G.T @ (y - G @ t)
    scale = np.linalg.norm(G, axis=0) * float(np.linalg.norm(y))
    scaled = np.divide(w, scale, out=np.zeros_like(w), where=scale > 0)
    worst = float(np.max(scaled, initial=0.0))
    return max(worst, float(np.max(np.abs(scaled[t > 0]), initial=0.0)))


def solve_pplus(A: ArrayLike, y: ArrayLike, *, max_cells: int = DEFAULT_MAX_CELLS) -> PPlusResult:
    r"""The convex bound :math:`P_+ = \min \tfrac12\|\sum_D DAv_D - y\|^2` over :math:`v_D \in K_D`, as one NNLS.

    :math:`K_D = \{v : (2D - I)Av \ge 0\}` for every cell :math:`D`. Each
    :math:`K_D` is generated by its rays (and :math:`\mathrm{null}(A)`), and
    :math:`DAx_u = g(Ax_u)` on them, so

    .. math::

        P_+ = \min_{t \ge 0} \tfrac12 \|G t - y\|^2, \qquad G = [g(A x_u)]_{u \text{ ray of the arrangement}}

    (n x #rays), solved by Lawson-Hanson at unit scale; a support larger
    than rank G is reduced (Caratheodory) without changing :math:`Gt`. The
    answer is accepted only when :math:`w = G^T(y - Gt)` has
    :math:`w_u \le` tol for every u and :math:`|w_u| \le` tol where
    :math:`t_u > 0` (each scaled by :math:`\|g_u\|\|y\|`, tol =
    :data:`~.tolerances.RAY_KKT_RTOL`), the KKT conditions of the NNLS.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,), any sign.
    max_cells : refuse when Cover's bound of the cells exceeds this (the
        rays number at most twice :math:`\binom{n}{r-1}`).

    Returns
    -------
    PPlusResult

    Raises
    ------
    InvalidInputError : bad input or too many possible cells.
    InaccurateSolutionError : the NNLS certificate fails.
    SolveError : a near-degenerate arrangement (:mod:`.rays`).
    """
    start = time.perf_counter()
    A, y = check_problem(A, y)
    unit = unit_problem(A, y)
    n, d = A.shape
    refuse_if_too_many(int(np.count_nonzero(np.any(A != 0.0, axis=1))), n, d, check_positive_int(max_cells, "max_cells"))
    _, rays, signs = arrangement_rays(unit.A)
    G = _ray_columns(relu(unit.A @ rays.T), signs)
    t = caratheodory(G, _nnls(G, unit.y))
    certificate = Certificate(NNLS_RAYS, None, None, _pplus_residual(G, unit.y, t), RAY_KKT_RTOL)
    if not certificate.passed:
        raise InaccurateSolutionError(f"the NNLS of P_+ over {G.shape[1]} rays fails its certificate: "
                                      f"{'; '.join(certificate.failures())}")  # fmt: skip
    used = np.flatnonzero(t > 0)
    X_u = rays[used].T * t[used] if used.size else np.zeros((d, 1))
    X = unit.scaling.x_from_unit(X_u)
    return PPlusResult(
        lower_bound=multi_neuron_objective(A, y, X),
        X=X,
        neurons=int(X.shape[1]),
        rays=int(G.shape[1]),
        ray_indices=used.astype(np.intp),
        certificate=certificate,
        seconds=time.perf_counter() - start,
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
