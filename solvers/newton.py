r"""Exact minimisation of the relaxation :math:`f_r` (Eq. (3), halved) by a semismooth Newton method.

:math:`f_r(x) = \tfrac12\|g(Ax)\|^2 - y^TAx + \tfrac12\|y\|^2` is convex
(Proposition 1) and *piecewise quadratic*: on each cell where the activation
mask :math:`D` (:func:`~.activation.activation_mask`, :math:`D_i = 1` iff
:math:`a_i^Tx \ge 0`) is constant it equals
:math:`\tfrac12\|DAx\|^2 - y^TAx + \tfrac12\|y\|^2`. Its gradient is
:math:`\nabla f_r(x) = A^T(g(Ax) - y)` (the direction of update (5)) and
:math:`A^TDA` is an element of its generalised (Clarke) Hessian, the exact
Hessian inside every cell. :func:`solve_relaxation_newton` minimises it to a
certified optimality measure, a CVXPY-free alternative to
:func:`~.relaxation.solve_relaxation`.

Method
------
From :math:`x_0 = 0` (every row ties, so :math:`D = I` and the first step is
the least-squares step for :math:`Ax \approx y`), iterate

.. math::

    (A^TDA + \mu_k I)\,p_k = -\nabla f_r(x_k), \qquad
    x_{k+1} = x_k + t_k p_k, \quad t_k = \arg\min_{t \ge 0} f_r(x_k + t p_k),

a Levenberg-Marquardt regularised semismooth Newton step with
:math:`\mu_k = s\,\max(\min(\theta_{\max}, \rho_k), 10^{-14})`, where
:math:`\rho_k = \|\nabla f_r(x_k)\|/\|A^Ty\|` and
:math:`s = \|A\|_F^2/\min(n, d)` (the mean nonzero eigenvalue of the Gram
matrix, so :math:`\mu` has the units of :math:`A^TDA`). Since
:math:`A^TDA + \mu_k I` is positive definite, :math:`p_k` is a descent
direction; :math:`\mu_k \to 0` as the gradient vanishes, which keeps the fast
local convergence of Newton's method on the final cell, and :math:`\mu_k > 0`
makes the step well defined when :math:`A^TDA` is singular (always when
:math:`n < d`, where the minimiser is not unique).

The step is computed in the cheaper of two spaces. With :math:`S` the active
rows and :math:`k = |S|`: if :math:`k \ge d`, the :math:`d \times d` matrix
:math:`A^TDA = A_S^TA_S` is accumulated over row chunks of :math:`A` (never a
copy of the active part of :math:`A`), or updated by the rows that changed
state, whichever touches fewer rows; if :math:`k < d`, the push-through identity
:math:`(A_S^TA_S + \mu I)^{-1}A_S^T = A_S^T(A_SA_S^T + \mu I)^{-1}` gives,
with :math:`w = g(Ax) - y`, :math:`h = A_{S^c}^Tw_{S^c}` and
:math:`K = A_SA_S^T + \mu I` (:math:`k \times k`),

.. math::

    p = -A_S^TK^{-1}w_S - \tfrac1\mu\,(h - A_S^TK^{-1}A_Sh).

The line search is exact: along :math:`x + tp`, with :math:`z = Ax`,
:math:`q = Ap`, :math:`\varphi'(t) = q^Tg(z + tq) - y^Tq` is nondecreasing
and piecewise linear with breakpoints :math:`-z_i/q_i`; sorting them finds
the root in :math:`O(n \log n)`.

Stopping. ``converged`` when :math:`\|\nabla f_r(x)\| \le` ``gtol``
:math:`\cdot\,\|A^Ty\|`, the same measure as
:attr:`~.relaxation.RelaxationResult.gradient_norm`; ``stalled`` when a
step no longer changes :math:`x` in float64 (the floor of rounding);
``max_iterations`` otherwise.

Units. The iteration runs on the problem at unit scale
(:mod:`.scaling`: :math:`A' = 2^{-e_A}A`, :math:`y' = 2^{-e_y}y`, exact)
and maps its answer back (:math:`x = 2^{e_y - e_A}x'`, :math:`f_r` times
:math:`2^{2e_y}`; the relative gradient norm is unchanged), with every norm
computed without underflow (:func:`~.scaling.safe_norm`). So labels of
1e-170 or data times 1e-100 are solved as data of unit size are (where the
squares of the data underflow, a gradient norm of 0 no longer stops the
iteration at its first step), and on data of ordinary size no bit changes.

Unboundedness
-------------
**Claim.** With :math:`c = A^Ty`, the following are equivalent: (a)
:math:`f_r` is bounded below; (b) :math:`c = A^T\lambda` for some
:math:`\lambda \ge 0`; (c) there is no :math:`v` with :math:`Av \le 0` and
:math:`y^TAv > 0`.

*Proof.* (b) :math:`\Rightarrow` (a): :math:`y^TAx = \lambda^TAx`, and each
term :math:`\tfrac12 g(z_i)^2 - \lambda_i z_i \ge -\tfrac12\lambda_i^2`
(for :math:`z_i \ge 0` the quadratic is least at :math:`z_i = \lambda_i`; for
:math:`z_i < 0` the term is :math:`-\lambda_iz_i \ge 0`), so
:math:`f_r \ge \tfrac12\|y\|^2 - \tfrac12\|\lambda\|^2`. (a) :math:`\Rightarrow`
(c): if :math:`Av \le 0` and :math:`y^TAv > 0` then :math:`g(tAv) = 0` for
:math:`t \ge 0` and :math:`f_r(tv) = \tfrac12\|y\|^2 - t\,y^TAv \to -\infty`.
(c) :math:`\Rightarrow` (b) is Farkas' lemma: exactly one of
:math:`\{\lambda \ge 0 : A^T\lambda = c\}` and
:math:`\{u : Au \ge 0,\ c^Tu < 0\}` is non-empty; take :math:`v = -u`. :math:`\square`

Consequences used here: labels :math:`y \ge 0` are their own certificate
(:math:`\lambda = y`); and since :math:`\nabla f_r(x) = A^Tg(Ax) - c` with
:math:`g(Ax) \ge 0`, every gradient norm is at least the distance from
:math:`c` to the cone :math:`\{A^T\lambda : \lambda \ge 0\}`, so convergence
to ``gtol`` puts :math:`c` within ``gtol`` :math:`\|c\|` of the cone with the
explicit :math:`\lambda = g(Ax)`. An unbounded :math:`f_r` is reported by
:class:`~.errors.UnboundedRelaxationError` with a certificate :math:`v`,
found (i) by the line search (no :math:`q_i > 0` and :math:`y^Tq > 0`: then
:math:`v = p`), (ii) as :math:`v = -\nabla f_r(x)`, which tends to such a
direction when the objective decreases without bound, or (iii) when neither
appears and the iteration fails to converge, by the linear program
:math:`\max c^Tv` s.t. :math:`Av \le 0`, :math:`c^Tv \le 1` (HiGHS), whose value
is 1 exactly when a certificate exists. Every certificate is checked in
float64 before it is reported: :math:`y^TAv > 0`, and :math:`Av \le 0` entrywise
(for (iii) up to the LP solver's feasibility tolerance).
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .records import freeze_arrays
from .validation import as_vector, check_positive_int, check_problem, check_tolerance
from .activation import activation_mask
from .errors import InvalidInputError, UnboundedRelaxationError
from .objectives import relaxed_from, _residual
from .scaling import parameters_to_unit, safe_norm, unit_exponent, unit_problem, x_to_user
from .tolerances import LP_FEASIBILITY_RTOL, NEWTON_GTOL
from .threads import blas_threads_for_problem

__all__ = ["NewtonStopReason", "NewtonResult", "solve_relaxation_newton", "unboundedness_certificate"]

#: cap on the relative gradient in mu_k = s * min(THETA_MAX, rho_k)
THETA_MAX = 1e-3
#: floor on mu_k / s: keeps A^T D A + mu I numerically positive definite
MU_FLOOR = 1e-14
#: largest accepted ratio of the n-space step's rounding error to the Newton step
NSPACE_NOISE = 1e-6
#: rows per chunk when accumulating A^T D A (about 8 MB of A per chunk, at least d rows)
CHUNK_BYTES = 8 * 2**20


class NewtonStopReason(enum.Enum):
    """Why :func:`solve_relaxation_newton` stopped."""

    CONVERGED = "converged"
    STALLED = "stalled"
    MAX_ITERATIONS = "max_iterations"


@dataclass(frozen=True)
class NewtonResult:
    r"""A Newton solve of :math:`\min f_r`.

    ``objective`` is :math:`f_r(x)`; ``gradient_norm`` is
    :math:`\|\nabla f_r(x)\|/\|A^Ty\|` at the returned ``x`` (the certified
    optimality measure, comparable with
    :attr:`~.relaxation.RelaxationResult.gradient_norm`); ``iterations``
    counts Newton steps; ``seconds`` is the wall time of the call.
    """

    x: NDArray[np.float64]
    objective: float
    gradient_norm: float
    iterations: int
    stop_reason: NewtonStopReason
    seconds: float
    message: str

    def __post_init__(self) -> None:
        freeze_arrays(self)


def _chunk_rows(d: int) -> int:
    return max(d, CHUNK_BYTES // (8 * d), 1)


class _Hessians:
    r"""The Gram matrices of the Newton steps, built from row chunks of :math:`A` without copying it.

    ``at(mask)`` is :math:`A^TDA = A_S^TA_S` (:math:`d \times d`), obtained by
    the cheapest of: adding and subtracting the rows whose state changed since
    the last call; subtracting the inactive rows from :math:`A^TA` (kept from
    the first step, where every row ties and :math:`D = I`); or summing the
    active rows. ``rows_gram()`` is :math:`AA^T` (:math:`n \times n`, only
    formed when :math:`n \le d`, so no larger than :math:`A`), whose principal
    submatrices are the :math:`A_SA_S^T` of the step in the n-space.
    """

    def __init__(self, A: NDArray[np.float64]) -> None:
        self.A = A
        self.rows = _chunk_rows(A.shape[1])
        self.mask: NDArray[np.bool_] | None = None
        self.H: NDArray[np.float64] | None = None
        self.full: NDArray[np.float64] | None = None  # A^T A
        self.G: NDArray[np.float64] | None = None  # A A^T

    def _add(self, H: NDArray[np.float64], rows: NDArray[np.intp], sign: float) -> None:
        # copies at most self.rows rows of A at a time
        for start in range(0, rows.size, self.rows):
            B = self.A[rows[start : start + self.rows]]
            if sign > 0:
                H += B.T @ B
            else:
                H -= B.T @ B

    def at(self, mask: NDArray[np.bool_], fresh: bool = False) -> NDArray[np.float64]:
        n, d = self.A.shape
        k = int(np.count_nonzero(mask))
        options = {"sum": k}
        if self.full is not None:
            options["complement"] = n - k
        if self.H is not None and not fresh:
            options["update"] = int(np.count_nonzero(mask != self.mask))
        how = min(options, key=options.__getitem__)
        if how == "update":
            assert self.H is not None and self.mask is not None  # an option only then
            self._add(self.H, np.flatnonzero(mask & ~self.mask), +1.0)
            self._add(self.H, np.flatnonzero(~mask & self.mask), -1.0)
        elif how == "complement":
            assert self.full is not None  # an option only then
            self.H = self.full.copy()
            self._add(self.H, np.flatnonzero(~mask), -1.0)
        else:
            self.H = np.zeros((d, d))
            self._add(self.H, np.flatnonzero(mask), +1.0)
            if k == n:
                self.full = self.H.copy()
        self.mask = mask.copy()
        return self.H

    def rows_gram(self) -> NDArray[np.float64]:
        if self.G is None:
            self.G = self.A @ self.A.T
        return self.G


def _spd_solve(M: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Solve with the positive definite ``M``; None if it is numerically singular.

    numpy's LAPACK (not scipy's): mixing the two bundled OpenBLAS thread
    pools in one loop makes their idle threads compete for the cores.
    """
    try:
        return cast("NDArray[np.float64]", np.linalg.solve(M, rhs))  # float64 in, float64 out
    except np.linalg.LinAlgError:
        return None


def _newton_direction(
    A: NDArray[np.float64], mask: NDArray[np.bool_], w: NDArray[np.float64], grad: NDArray[np.float64], mu: float,
    hessians: _Hessians, c_norm: float,
) -> NDArray[np.float64] | None:  # fmt: skip
    r"""Solve :math:`(A^TDA + \mu I)p = -\nabla f_r` in the cheaper space (module docstring).

    The n-space formula divides :math:`h - A_S^TK^{-1}A_Sh` by :math:`\mu`;
    that difference carries a rounding error of about
    :math:`\epsilon\|h\|`, so the n-space is used only while the error it
    adds, :math:`\epsilon\|h\|/\mu` with
    :math:`\mu \approx s\|\nabla f_r\|/\|c\|`, stays below
    :data:`NSPACE_NOISE` times the Newton step :math:`\approx\|\nabla f_r\|/s`,
    i.e. :math:`\epsilon\|h\|\|c\| \le` ``NSPACE_NOISE`` :math:`\|\nabla f_r\|^2`
    (always when :math:`h = 0`). Otherwise the :math:`d \times d` system is
    solved directly, which is backward stable.
    """
    n, d = A.shape
    k = int(np.count_nonzero(mask))
    h = A.T @ np.where(mask, 0.0, w) if k < d else None
    if h is not None and np.finfo(float).eps * safe_norm(h) * c_norm > NSPACE_NOISE * float(grad @ grad):
        h = None
    if h is None:
        for fresh in (False, True):  # an updated matrix drifts by rounding: rebuild it if it fails
            M = hessians.at(mask, fresh=fresh).copy()
            M.flat[:: d + 1] += mu
            p = _spd_solve(M, -grad)
            if p is not None and np.all(np.isfinite(p)) and float(p @ grad) < 0:
                return p
        return None
    # n-space: K = A_S A_S^T + mu I, h = A_{S^c}^T w_{S^c}
    if n <= d:
        S = np.flatnonzero(mask)
        K = hessians.rows_gram()[np.ix_(S, S)]
        K.flat[:: k + 1] += mu
        sol = _spd_solve(K, np.column_stack((w[S], (A @ h)[S])))
        if sol is None:
            return None
        U = np.zeros((n, 2))
        U[S] = sol
        AtU = A.T @ U  # A_S^T sol, without copying A_S
        return -AtU[:, 0] - (h - AtU[:, 1]) / mu
    A_S = A[mask]  # k x d with k < d: no larger than the d x d matrix of the d-space
    K = A_S @ A_S.T
    K.flat[:: k + 1] += mu
    sol = _spd_solve(K, np.column_stack((w[mask], A_S @ h)))
    if sol is None:
        return None
    AtU = A_S.T @ sol
    return -AtU[:, 0] - (h - AtU[:, 1]) / mu


def _line_search(z: NDArray[np.float64], q: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    r"""The exact minimiser :math:`t^* \ge 0` of :math:`f_r` along :math:`z + tq`.

    Returns ``inf`` when no :math:`q_i > 0` and :math:`y^Tq > 0` (then
    :math:`f_r` decreases linearly without bound along the line).
    """
    b = float(y @ q)
    pos = q > 0
    if not pos.any() and b > 0:
        # phi'(t) = -b < 0 once every row with q_i < 0 has left: a recession direction
        return math.inf
    enter = (z < 0) & pos
    leave = (z > 0) & (q < 0)
    idx = np.flatnonzero(enter | leave)
    times = -z[idx] / q[idx]
    order = np.argsort(times, kind="stable")
    idx, times = idx[order], times[order]
    sign = np.where(enter[idx], 1.0, -1.0)
    active0 = ((z > 0) & (q != 0)) | ((z == 0) & pos)
    alpha = float(q[active0] @ z[active0]) + np.concatenate(([0.0], np.cumsum(sign * q[idx] * z[idx])))
    beta = float(q[active0] @ q[active0]) + np.concatenate(([0.0], np.cumsum(sign * q[idx] ** 2)))
    # phi'(t) = alpha_k + t beta_k - b on segment k = [times[k-1], times[k]]
    at_ends = alpha[:-1] + times * beta[:-1] - b
    hits = np.flatnonzero(at_ends >= 0)
    seg = int(hits[0]) if hits.size else times.size
    lo = times[seg - 1] if seg > 0 else 0.0
    hi = times[seg] if seg < times.size else math.inf
    # recompute the segment's coefficients exactly (the cumulative sums only locate it)
    mid = lo + 1.0 if math.isinf(hi) else 0.5 * (lo + hi)
    act = z + mid * q > 0
    a_seg, b_seg = float(q[act] @ z[act]), float(q[act] @ q[act])
    if b_seg <= 0.0:
        return lo
    return min(max((b - a_seg) / b_seg, lo), hi)


def _is_certificate(A: NDArray[np.float64], y: NDArray[np.float64], v: NDArray[np.float64], slack: float = 0.0) -> bool:
    r""":math:`Av \le` ``slack`` entrywise and :math:`y^TAv > 0` in float64."""
    q = A @ v
    return bool(np.all(q <= slack) and float(y @ q) > 0.0)


def unboundedness_certificate(A: ArrayLike, y: ArrayLike) -> NDArray[np.float64] | None:
    r"""A direction :math:`v` with :math:`Av \le 0` and :math:`y^TAv > 0`, or None if there is none.

    Solves the linear program :math:`\max c^Tv` s.t. :math:`Av \le 0`,
    :math:`c^Tv \le 1` (:math:`c = A^Ty`) with HiGHS, on the problem at unit
    scale (a certificate is a direction, so any positive multiple of one is
    one, and HiGHS's absolute tolerances then mean the same for data of any
    units); its value is 1 if a certificate exists and 0 otherwise (module
    docstring). The returned :math:`v` satisfies :math:`y^TAv > 0` exactly and
    :math:`Av \le 0` up to HiGHS's feasibility tolerance
    (:data:`~.tolerances.LP_FEASIBILITY_RTOL` times
    :math:`\|A\|_\infty\|v\|_\infty`, the size of one entry of :math:`Av`),
    both checked in float64 at unit scale. Labels :math:`y \ge 0` need no LP:
    :math:`\lambda = y` proves boundedness.
    """
    A, y = check_problem(A, y)
    unit = unit_problem(A, y, keep_moderate=True)
    return _unit_certificate(unit.A, unit.y)


def _unit_certificate(A: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """:func:`unboundedness_certificate` on validated data (a certificate of the data at any scale)."""
    from scipy.optimize import linprog

    if np.all(y >= 0):
        return None
    # HiGHS's tolerances are absolute: solve at true unit scale. A certificate v of the
    # scaled data is one of the data (A v <= 0 and y^T A v > 0 keep their signs)
    A, y = np.ldexp(A, -unit_exponent(A)), np.ldexp(y, -unit_exponent(y))
    n = A.shape[0]
    c = A.T @ y
    if not np.any(c):
        return None
    res = linprog(-c, A_ub=np.vstack([A, c[None, :]]), b_ub=np.r_[np.zeros(n), 1.0],
                  bounds=(None, None), method="highs")  # fmt: skip
    if res.status != 0 or res.x is None or -res.fun < 0.5:
        return None
    v = np.asarray(res.x, dtype=np.float64)
    slack = LP_FEASIBILITY_RTOL * float(np.abs(A).sum(axis=1).max()) * float(np.abs(v).max())
    return v if _is_certificate(A, y, v, slack) else None


def _unbounded_message(
    A: NDArray[np.float64], y: NDArray[np.float64], v: NDArray[np.float64], how: str, labels: NDArray[np.float64]
) -> str:
    # A, y at unit scale (the printed A v and y^T A v are unit-scale numbers); labels in the user's units
    q = A @ v
    neg = int(np.count_nonzero(labels < 0))
    return (
        f"the relaxation f_r is unbounded below (newton, {how}): along v with A v <= 0 (max {float(q.max()):.3g} "
        f"at unit scale) and y^T A v = {float(y @ q):.3g} > 0, f_r(t v) = ||y||^2/2 - t y^T A v -> -inf; "
        f"y has {neg} negative entries" + (f" (min {float(labels.min()):.3g})" if neg else "")
    )


def _raise_if_unbounded(A: NDArray[np.float64], y: NDArray[np.float64], labels: NDArray[np.float64]) -> None:
    v = _unit_certificate(A, y)
    if v is not None:
        raise UnboundedRelaxationError(_unbounded_message(A, y, v, "linear-program certificate", labels))


@blas_threads_for_problem
def solve_relaxation_newton(
    A: ArrayLike,
    y: ArrayLike,
    *,
    x0: ArrayLike | None = None,
    gtol: float = NEWTON_GTOL,
    max_iter: int = 200,
) -> NewtonResult:
    r"""Minimise :math:`f_r` (Eq. (3), halved) exactly by semismooth Newton steps.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,).
    x0 : starting point (d,); default 0, where the first step is least squares.
    gtol : stop when :math:`\|\nabla f_r(x)\| \le` ``gtol`` :math:`\|A^Ty\|`.
    max_iter : Newton step budget (>= 0).

    Returns
    -------
    NewtonResult with ``gradient_norm`` the certified optimality measure.

    Raises
    ------
    UnboundedRelaxationError : :math:`f_r` is unbounded below; the message
        gives the certificate (module docstring).
    InvalidInputError : bad shapes, non-finite entries or options.
    """
    start = time.perf_counter()
    A, y = check_problem(A, y)
    n, d = A.shape
    gtol = check_tolerance(gtol, "gtol")
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    x = np.zeros(d) if x0 is None else as_vector(x0, "x0", None).copy()
    if x.shape[0] != d:
        raise InvalidInputError(f"x0 has {x.shape[0]} entries but A has {d} columns")

    # the iteration runs at unit scale (powers of two, exact; module docstring of .scaling)
    unit = unit_problem(A, y, keep_moderate=True)
    x, objective, rho, k, reason, message = _minimise(unit.A, unit.y, parameters_to_unit(unit.scaling, x, "x0"),
                                                      gtol, max_iter, labels=y)  # fmt: skip
    return NewtonResult(
        x=x_to_user(unit.scaling, x),
        objective=float(unit.scaling.objective_from_unit(np.asarray(objective))),  # inf, not an error, on overflow
        gradient_norm=rho,
        iterations=k,
        stop_reason=reason,
        seconds=time.perf_counter() - start,
        message=message,
    )


def _minimise(
    A: NDArray[np.float64], y: NDArray[np.float64], x: NDArray[np.float64], gtol: float, max_iter: int,
    labels: NDArray[np.float64],
) -> tuple[NDArray[np.float64], float, float, int, NewtonStopReason, str]:  # fmt: skip
    r"""The Newton iteration on validated data at unit scale from ``x`` (unit scale).

    Returns ``(x, f_r(x), ||grad|| / ||A^T y||, iterations, stop reason, message)``;
    ``labels`` are the user's ``y``, for messages.
    """
    n, d = A.shape
    c_norm = safe_norm(A.T @ y) or 1.0
    scale = float(np.einsum("ij,ij->", A, A)) / min(n, d) or 1.0
    nonnegative_labels = bool(np.all(y >= 0))
    hessians = _Hessians(A)
    lp_checked = False

    z = A @ x
    reason = NewtonStopReason.MAX_ITERATIONS
    message = f"reached the iteration budget ({max_iter})"
    k = 0
    while True:
        w = _residual(z[:, None], y)
        grad = A.T @ w
        rho = safe_norm(grad) / c_norm
        if rho <= gtol:
            reason = NewtonStopReason.CONVERGED
            message = f"converged: ||grad f_r|| = {rho:.3g} ||A^T y|| <= {gtol:.1e} ||A^T y||"
            break
        if k >= max_iter:
            break
        if not nonnegative_labels and not lp_checked and relaxed_from(z[:, None], y) < 0:
            # a negative f_r with some negative labels: test -grad, then settle it by the LP once
            if _is_certificate(A, y, -grad):
                raise UnboundedRelaxationError(_unbounded_message(A, y, -grad, "steepest-descent direction", labels))
            _raise_if_unbounded(A, y, labels)
            lp_checked = True
        mask = activation_mask(z)
        mu = scale * max(min(THETA_MAX, rho), MU_FLOOR)
        p = _newton_direction(A, mask, w, grad, mu, hessians, c_norm)
        if p is None or not np.all(np.isfinite(p)) or float(p @ grad) >= 0:
            p = -grad  # the gradient step is always a descent direction
        q = A @ p
        t = _line_search(z, q, y)
        if math.isinf(t):
            if _is_certificate(A, y, p):
                raise UnboundedRelaxationError(_unbounded_message(A, y, p, "line search", labels))
            t = 1.0
        x_new = x + t * p
        if t <= 0.0 or np.array_equal(x_new, x):
            reason = NewtonStopReason.STALLED
            message = f"stalled at ||grad f_r|| = {rho:.3g} ||A^T y||: a step no longer changes x in float64"
            break
        x = x_new
        z = A @ x
        k += 1

    if reason is not NewtonStopReason.CONVERGED and not nonnegative_labels and not lp_checked:
        _raise_if_unbounded(A, y, labels)
    return x, float(relaxed_from(z[:, None], y)), rho, k, reason, message
