r"""One descent loop for GD and RGD, one neuron or many.

GD and RGD differ only in the :class:`Direction` they pass to
:func:`descend`: GD uses the gradient of :math:`f_m` (update (2) when m = 1)
and RGD the regularised gradient (13) (update (5) when m = 1, update (17) for
m > 1), both at the scaling of :mod:`.objectives`.

Step size. ``step="auto"`` uses :math:`\mu = 1/L` with
:math:`L = m\,\|A\|_2^2`:

* m = 1, RGD: :math:`\nabla f_r(x) - \nabla f_r(z) = A^T(g(Ax) - g(Az))` and
  :math:`g` is 1-Lipschitz, so :math:`\nabla f_r` is
  :math:`\|A\|_2^2`-Lipschitz and the descent lemma makes every step a
  descent step: :math:`f_r(x_{t+1}) \le f_r(x_t) - \tfrac{\mu}{2}\|\nabla f_r(x_t)\|^2`.
* GD, and m > 1: :math:`f` and :math:`f_m` are piecewise quadratic with a
  gradient that jumps across activation boundaries, so no global Lipschitz
  constant exists. Inside one activation cell the objective is
  :math:`\tfrac12\|\sum_j D_j A x_j - y\|^2` whose Hessian is
  :math:`B^T B` with :math:`B = [D_1A, \dots, D_mA]`, and
  :math:`\|B\|_2^2 \le \sum_j \|D_jA\|_2^2 \le m\|A\|_2^2 = L`. So
  :math:`\mu = 1/L` is a descent step inside every cell, and the map
  :math:`X \mapsto \sum_j g(Ax_j)` is :math:`\sqrt{m}\|A\|_2`-Lipschitz,
  which bounds how far one step can move the residual. Steps that cross a
  cell boundary carry no guarantee; the divergence check below guards them.

Stopping. ``converged`` when :math:`\|G\|_F \le` ``gtol`` :math:`\cdot\|A^Ty\|`
(G the direction); ``max_iterations``; ``diverged`` when the direction is
non-finite or grows by more than ``1e10`` over its starting size or
:math:`\|A^Ty\|`, whichever is larger (the last finite iterate is returned,
never NaNs); ``unbounded`` when the descended
objective is negative (impossible for labels ``y >= 0``, for which all four
objectives are nonnegative) and keeps decreasing linearly along the
iterates' direction: the objective at ``X + 1e3 V`` and ``X + 1e6 V``
(``V`` the last ``check_every`` steps) lies below ``f(X)`` by at least half of
the linear extrapolation, the numerical signature of a recession direction.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._records import freeze_arrays
from ._validation import (
    as_matrix,
    as_parameters,
    as_vector,
    check_positive_int,
    check_problem,
    check_step,
    check_tolerance,
)
from .errors import InvalidInputError
from .objectives import _dot, _gd_weights, _loss_from, _output, _regularized_from, _relaxation_from, _residual, _rgd_weights
from .tolerances import DESCENT_GTOL

__all__ = [
    "StopReason",
    "Direction",
    "GD",
    "RGD",
    "History",
    "DescentResult",
    "descend",
    "gradient_descent",
    "regularized_gradient_descent",
    "safe_step",
    "spectral_norm_squared",
    "relative_error",
]

#: growth of the direction norm over its starting size that counts as divergence
BLOWUP_FACTOR = 1e10


class StopReason(enum.Enum):
    """Why :func:`descend` stopped."""

    CONVERGED = "converged"
    MAX_ITERATIONS = "max_iterations"
    DIVERGED = "diverged"
    UNBOUNDED = "unbounded"


@dataclass(frozen=True)
class Direction:
    r"""A descent direction :math:`G = A^T W(AX, y)` and the objective it descends.

    ``weights(Z, y)`` maps pre-activations ``Z = A X`` (n, m) and labels to
    the (n, m) matrix ``W``; ``objective(Z, y)`` is the function whose
    (generalised) gradient ``A^T W`` is.
    """

    name: str
    weights: Callable[[np.ndarray, np.ndarray], np.ndarray]
    objective: Callable[[np.ndarray, np.ndarray], float]


#: plain gradient descent on f (m = 1, Eq. (2)) or f_m (Eq. (9))
GD = Direction("gd", _gd_weights, _loss_from)
#: regularised gradient descent on f_r (m = 1, Eq. (5)) or f_mp (Eqs. (13), (17))
RGD = Direction("rgd", _rgd_weights, _regularized_from)


@dataclass(frozen=True)
class History:
    r"""Values recorded every ``history_every`` iterations (and at the end).

    ``relaxed_objective`` is :math:`f_r` for m = 1 and :math:`f_{mp}` for
    m > 1; errors are relative (:math:`\|r\|/\|y\|`); ``recovery_distance`` is
    :math:`\|x - x^*\|_2` as in the paper's Fig. 1 (NaN unless m = 1 and the
    planted point is known); ``test_error`` is NaN without a test set.
    """

    iterations: np.ndarray
    objective: np.ndarray
    relaxed_objective: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    recovery_distance: np.ndarray

    def __post_init__(self):
        freeze_arrays(self)


@dataclass(frozen=True)
class DescentResult:
    """The outcome of :func:`descend`; ``X`` has shape (d, m)."""

    X: np.ndarray
    method: str
    step: float
    iterations: int
    stop_reason: StopReason
    gradient_norm: float
    objective: float
    relaxed_objective: float
    train_error: float
    history: History
    message: str

    def __post_init__(self):
        freeze_arrays(self)

    @property
    def x(self) -> np.ndarray:
        """The single neuron's parameters (m = 1 only)."""
        if self.X.shape[1] != 1:
            raise InvalidInputError(f"x is defined for one neuron; this result has m = {self.X.shape[1]}")
        return self.X[:, 0]


def spectral_norm_squared(A: np.ndarray) -> float:
    r""":math:`\|A\|_2^2`, the largest eigenvalue of the Gram matrix of A's smaller side."""
    A = np.asarray(A, dtype=np.float64)
    G = A.T @ A if A.shape[0] >= A.shape[1] else A @ A.T
    return float(np.linalg.eigvalsh(G)[-1])


def safe_step(A, m: int = 1) -> float:
    r"""The ``auto`` step :math:`1/(m\|A\|_2^2)`; see the module docstring for why it is safe."""
    A = as_matrix(A, "A")
    m = check_positive_int(m, "m")
    L = m * spectral_norm_squared(A) * (1.0 + 1e-12)
    if L == 0.0:
        raise InvalidInputError("A is zero: every direction vanishes and no step size is defined")
    return 1.0 / L


def _relative_norms(diff: np.ndarray, target: np.ndarray):
    r""":math:`\|d\|/\|t\|`, or :math:`\|d\|` where :math:`t = 0`, over the last axis; a float for vectors."""
    num = np.sqrt(_dot(diff, diff))
    den = np.sqrt(_dot(target, target))
    if np.ndim(num) == 0:
        return float(num / den) if den > 0 else float(num)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), num)


def relative_error(prediction: np.ndarray, target: np.ndarray) -> float:
    r""":math:`\|p - t\| / \|t\|` (Euclidean / Frobenius), or the absolute error when :math:`t = 0`."""
    prediction, target = np.broadcast_arrays(
        np.asarray(prediction, dtype=np.float64), np.asarray(target, dtype=np.float64)
    )
    return _relative_norms((prediction - target).ravel(), target.ravel())


def _resolve_step(step, A, m) -> float:
    if isinstance(step, str):
        if step != "auto":
            raise InvalidInputError(f"step must be a positive finite number or 'auto'; got {step!r}")
        return safe_step(A, m)
    return check_step(step)


def _gradient_scale(A: np.ndarray, y: np.ndarray) -> float:
    r"""The scale of ``gtol``: :math:`\|A^Ty\|`, else :math:`\|A\|_F`, else 1."""
    return float(np.linalg.norm(A.T @ y)) or float(np.linalg.norm(A)) or 1.0


def _is_receding(direction: Direction, A, y, X, V, f_X: float) -> bool:
    """Numerical recession test along V (see module docstring)."""
    # X - V is the previous checkpoint; drop is how much the last V bought
    drop = direction.objective(A @ (X - V), y) - f_X
    if not drop > 0:
        return False
    for T in (1e3, 1e6):
        f_far = direction.objective(A @ (X + T * V), y)
        if not (math.isfinite(f_far) and f_far < f_X - 0.5 * T * drop):
            return False
    return True


@np.errstate(over="ignore", invalid="ignore")  # non-finite values are stop reasons, not warnings
def descend(
    A,
    y,
    X0,
    direction: Direction,
    *,
    step="auto",
    max_iter: int = 10_000,
    gtol: float = DESCENT_GTOL,
    history_every: int = 10,
    check_every: int = 100,
    A_test=None,
    y_test=None,
    X_star=None,
    progress: Callable[[int, int], None] | None = None,
) -> DescentResult:
    r"""Run :math:`X_{t+1} = X_t - \mu\, A^T W(AX_t, y)` from ``X0``.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,).
    X0 : initial point, (d,) or (d, m).
    direction : :data:`GD`, :data:`RGD` or any :class:`Direction`.
    step : positive float or ``"auto"`` (:func:`safe_step`).
    max_iter : iteration budget (>= 0).
    gtol : relative gradient-norm tolerance (see module docstring).
    history_every : record the history every this many iterations (>= 1).
    check_every : iterations between recession checks (>= 1).
    A_test, y_test : optional test set for ``test_error``.
    X_star : optional planted point for ``recovery_distance`` (m = 1; ignored for m > 1).
    progress : optional ``progress(iteration, max_iter)`` called at each record.
    """
    A, y = check_problem(A, y)
    X = as_parameters(X0, A.shape[1], "X0").copy()
    m = X.shape[1]
    if not isinstance(direction, Direction):
        raise InvalidInputError(f"direction must be a Direction (GD or RGD); got {direction!r}")
    mu = _resolve_step(step, A, m)
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    history_every = check_positive_int(history_every, "history_every")
    check_every = check_positive_int(check_every, "check_every")
    gtol = check_tolerance(gtol, "gtol")
    if (A_test is None) != (y_test is None):
        raise InvalidInputError("A_test and y_test must be given together")
    if A_test is not None:
        A_test = as_matrix(A_test, "A_test")
        if A_test.shape[1] != A.shape[1]:
            raise InvalidInputError(f"A_test has {A_test.shape[1]} columns but A has {A.shape[1]}")
        y_test = as_vector(y_test, "y_test", A_test.shape[0])
    if X_star is not None:
        X_star = as_parameters(X_star, A.shape[1], "X_star")
        if m == 1 and X_star.shape != X.shape:
            # X - X_star would broadcast to (d, k) and report a distance to no planted point
            raise InvalidInputError(f"X_star has shape {X_star.shape} but X0 describes one neuron, shape {X.shape}")

    gscale = _gradient_scale(A, y)
    records: list[tuple[float, ...]] = []

    def record(t: int, Z: np.ndarray, X: np.ndarray) -> None:
        r = _residual(Z, y)
        relaxed = _relaxation_from(Z, y)
        test = relative_error(_output(A_test @ X), y_test) if A_test is not None else math.nan
        rec = float(np.linalg.norm(X - X_star)) if (X_star is not None and m == 1) else math.nan
        records.append((t, 0.5 * float(r @ r), relaxed, _relative_norms(r, y), test, rec))
        if progress is not None:
            progress(t, max_iter)

    Z = A @ X
    record(0, Z, X)
    reason = StopReason.MAX_ITERATIONS
    message = f"reached the iteration budget ({max_iter})"
    gnorm0 = None
    gnorm = math.nan
    X_check = X.copy()
    t = 0
    while True:
        G = A.T @ direction.weights(Z, y)
        gnorm = float(np.linalg.norm(G))
        if gnorm0 is None:
            gnorm0 = max(gnorm, gscale)
        if t == 0 and not math.isfinite(gnorm):
            raise InvalidInputError(
                "the direction at X0 is not finite: X0 or the data are too large in magnitude for float64"
            )
        if not math.isfinite(gnorm) or gnorm > BLOWUP_FACTOR * gnorm0:
            reason = StopReason.DIVERGED
            message = (
                f"diverged at iteration {t}: the direction norm {gnorm:.3g} exceeds "
                f"{BLOWUP_FACTOR:.0e} x its starting size; the step {mu:.3g} is too large"
            )
            break
        if gnorm <= gtol * gscale:
            reason = StopReason.CONVERGED
            message = f"converged: ||direction|| = {gnorm:.3g} <= {gtol:.1e} * ||A^T y||"
            break
        if t >= max_iter:
            break
        X_next = X - mu * G
        if not np.all(np.isfinite(X_next)):
            reason = StopReason.DIVERGED
            message = f"diverged at iteration {t}: the next iterate is not finite"
            break
        X = X_next
        Z = A @ X
        t += 1
        if t % check_every == 0:
            f_X = direction.objective(Z, y)
            if f_X < 0 and _is_receding(direction, A, y, X, X - X_check, f_X):
                reason = StopReason.UNBOUNDED
                message = (
                    f"unbounded at iteration {t}: the {direction.name} objective is {f_X:.3g} < 0 and "
                    "keeps decreasing linearly along the iterates' direction (a recession direction; "
                    "labels with negative entries make the relaxation unbounded below)"
                )
                break
            X_check = X.copy()
        if t % history_every == 0:
            record(t, Z, X)
    if records[-1][0] != t:
        record(t, Z, X)

    cols = list(zip(*records))
    history = History(
        iterations=np.asarray(cols[0], dtype=np.int64),
        objective=np.asarray(cols[1]),
        relaxed_objective=np.asarray(cols[2]),
        train_error=np.asarray(cols[3]),
        test_error=np.asarray(cols[4]),
        recovery_distance=np.asarray(cols[5]),
    )
    return DescentResult(
        X=X,
        method=direction.name,
        step=mu,
        iterations=t,
        stop_reason=reason,
        gradient_norm=gnorm,
        objective=float(history.objective[-1]),
        relaxed_objective=float(history.relaxed_objective[-1]),
        train_error=float(history.train_error[-1]),
        history=history,
        message=message,
    )


def gradient_descent(A, y, X0, **options) -> DescentResult:
    """Plain GD, update (2) for one neuron and gradient descent on f_m (9) for many."""
    return descend(A, y, X0, GD, **options)


def regularized_gradient_descent(A, y, X0, **options) -> DescentResult:
    """RGD, update (5) for one neuron (GD on f_r) and update (17) for many."""
    return descend(A, y, X0, RGD, **options)
