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
never NaNs); ``unbounded`` only when the descended objective is negative
(impossible for labels ``y >= 0``, for which all four objectives are
nonnegative) at a check (every ``check_every`` iterations) and

* one neuron (RGD descends :math:`f_r`): a certificate :math:`v` with
  :math:`Av \le 0` and :math:`y^TAv > 0` is checked in float64 at unit scale
  (:func:`~.newton.unboundedness_certificate`'s conditions, which prove
  :math:`f_r(x + sv) \to -\infty`): first :math:`v = V`, the last
  ``check_every`` steps, then (once per run) the linear program of
  :func:`~.newton.unboundedness_certificate`. Without a certificate the run
  goes on: a negative :math:`f_r` with negative labels may be bounded.
* several neurons (:math:`f_{mp}`, for which no such certificate is known):
  a *numerical* recession test, not a proof. The objective at ``X + 1e3 V``
  and ``X + 1e6 V`` must lie below ``f(X)`` by at least half of the linear
  extrapolation of the drop ``V`` bought, the signature of a direction along
  which the objective decreases linearly without bound.

Units. The loop runs on the problem at unit scale (:mod:`.scaling`:
powers of two, exact) and maps every answer back to the user's units, so
the answer does not depend on the units of the data: ``descend(aA, by,
(b/a) X0)`` gives the relative errors, iterations and stop reason of
``descend(A, y, X0)`` (up to rounding for powers of ten such as
:math:`a = b = 10^{\pm 150}` or :math:`a = 1, b = 10^{-170}`; bitwise for
powers of two, with :math:`X` times :math:`b/a` and objectives times
:math:`b^2`), and on data of ordinary size the result is bitwise the one of
a run in the user's units. A step ``mu`` in the user's units is :math:`2^{2e_A}\mu` at
unit scale; ``"auto"`` is computed at unit scale. Norms are computed without
underflow (:func:`~.scaling.safe_norm`), so no vanishing square fakes a
converged run.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .records import freeze_arrays
from .scaling import parameters_to_unit, unit_problem, x_to_user
from .validation import (
    as_matrix,
    as_parameters,
    check_positive_int,
    check_problem,
    check_step,
    check_test_set,
    check_tolerance,
)
from .errors import InvalidInputError
from .objectives import (
    _dot,
    _gd_weights,
    loss_from,
    _norm,
    PointValues,
    network_output,
    regularized_from,
    rgd_objective_from,
    _residual,
    _rgd_weights,
)
from .scaling import safe_norm, unit_exponent
from .tolerances import DESCENT_GTOL

__all__ = [
    "StopReason",
    "Direction",
    "GD",
    "RGD",
    "check_lam",
    "interpolated_direction",
    "History",
    "DescentResult",
    "descend",
    "gradient_descent",
    "regularized_gradient_descent",
    "safe_step",
    "spectral_norm_squared",
    "relative_error",
    "point_measures",
    "test_error_from",
    "stopping_tests",
    "starting_size",
    "iterate_not_finite",
]

#: growth of the direction norm over its starting size that counts as divergence
BLOWUP_FACTOR = 1e10
#: how a diverged run's message says to pick a stable step: a fixed step is in the units of the data, and
#: the paper's mu = 0.1 (m = 1) and 0.08 (m = 3) are stable only for rows of A of norm about 1
STABLE_STEP_ADVICE = (
    "the step is too large for this data: step 'auto' = 1/(m ||A||_2^2) is a descent step inside every "
    "activation cell, and the paper's steps (mu = 0.1, 0.08) assume the rows of A scaled by 1/sqrt(d), as in "
    "its experiments"
)


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
    weights: Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]
    objective: Callable[[NDArray[np.float64], NDArray[np.float64]], PointValues]


#: plain gradient descent on f (m = 1, Eq. (2)) or f_m (Eq. (9))
GD = Direction("gd", _gd_weights, loss_from)
#: regularised gradient descent on f_r (m = 1, Eq. (5)) or f_mp (Eqs. (13), (17))
RGD = Direction("rgd", _rgd_weights, regularized_from)


def check_lam(lam: object) -> float:
    r"""``lam`` as a float in [0, 1], the weight of :math:`f_{mp} - f_m` (InvalidInputError otherwise)."""
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"lam must be a number in [0, 1]; got {lam!r}")
    value = float(lam)
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise InvalidInputError(f"lam must lie in [0, 1] (0 is GD, 1 is RGD); got {value!r}")
    return value


def interpolated_direction(lam: float) -> Direction:
    r"""The direction of :math:`f_m + \lambda (f_{mp} - f_m)`, between GD (:math:`\lambda = 0`) and RGD (:math:`\lambda = 1`).

    Both objectives are functions of :math:`Z = AX`, so the interpolated
    objective is :math:`(1 - \lambda) f_m + \lambda f_{mp}` and its direction
    :math:`A^T W` has :math:`W = (1 - \lambda) W_{GD} + \lambda W_{RGD}`:
    column j is :math:`(D_j + \lambda \prod_k D_k^c)\, r` (for one neuron
    :math:`(D + \lambda (I - D))\, r`). ``lam`` must lie in [0, 1]; the
    direction's ``lam`` attribute holds it.
    """
    lam = check_lam(lam)

    def weights(Z: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        return (1.0 - lam) * _gd_weights(Z, y) + lam * _rgd_weights(Z, y)

    def objective(Z: NDArray[np.float64], y: NDArray[np.float64]) -> PointValues:
        return (1.0 - lam) * loss_from(Z, y) + lam * regularized_from(Z, y)

    return _Interpolated(f"lam={lam:g}", weights, objective, lam)


@dataclass(frozen=True)
class _Interpolated(Direction):
    r"""A :class:`Direction` that knows its :math:`\lambda` (the batched engine's in-place weights use it)."""

    lam: float = 0.0


@dataclass(frozen=True)
class History:
    r"""Values recorded every ``history_every`` iterations (and at the end).

    ``relaxed_objective`` is :math:`f_r` for m = 1 and :math:`f_{mp}` for
    m > 1; errors are relative (:math:`\|r\|/\|y\|`); ``recovery_distance`` is
    the absolute distance :math:`\|x - x^*\|_2`, the paper's "recovery error"
    of Fig. 1 (NaN unless m = 1 and the planted point is known; the relative
    :math:`\|x - x^*\|/\|x^*\|` of a :class:`~.solution.Solution` is its
    ``relative_recovery_error``); ``test_error`` is NaN without a test set.
    """

    iterations: NDArray[np.int64]
    objective: NDArray[np.float64]
    relaxed_objective: NDArray[np.float64]
    train_error: NDArray[np.float64]
    test_error: NDArray[np.float64]
    recovery_distance: NDArray[np.float64]

    def __post_init__(self) -> None:
        freeze_arrays(self)


@dataclass(frozen=True)
class DescentResult:
    r"""The outcome of :func:`descend`; ``X`` has shape (d, m).

    Every number is in the user's units. ``step`` is :math:`\mu` (the run used
    :math:`2^{2e_A}\mu` at unit scale; for data so small or large that
    :math:`\mu` leaves float64's range it is ``inf`` or ``0``, the run is not
    affected); ``gradient_norm`` is the last :math:`\|G\|_F`, and
    ``relative_gradient_norm`` the same over the scale of the stopping rule
    (:math:`\|A^Ty\|`, else :math:`\|A\|_F`, else 1), computed at unit
    scale so that neither norm underflows (data of 1e-200 gives the ratio
    data of 1 gives).
    """

    X: NDArray[np.float64]
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
    relative_gradient_norm: float = math.nan

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def x(self) -> NDArray[np.float64]:
        """The single neuron's parameters (m = 1 only)."""
        if self.X.shape[1] != 1:
            raise InvalidInputError(f"x is defined for one neuron; this result has m = {self.X.shape[1]}")
        return self.X[:, 0]


def spectral_norm_squared(A: ArrayLike) -> float:
    r""":math:`\|A\|_2^2`, the largest eigenvalue of the Gram matrix of A's smaller side."""
    A = np.asarray(A, dtype=np.float64)
    G = A.T @ A if A.shape[0] >= A.shape[1] else A @ A.T
    return float(np.linalg.eigvalsh(G)[-1])


def _unit_safe_step(A_unit: NDArray[np.float64], m: int) -> float:
    """The auto step of a matrix already at unit scale."""
    L = m * spectral_norm_squared(A_unit) * (1.0 + 1e-12)
    if L == 0.0:
        raise InvalidInputError("A is zero: every direction vanishes and no step size is defined")
    return 1.0 / L


def _step_to_user(mu_unit: float, a_exponent: int) -> float:
    # the run uses mu_unit; in the user's units the step may leave float64's range (data of 1e-160
    # has a step of about 1e317): then it is reported as inf (or 0), the run itself is unaffected
    with np.errstate(over="ignore", under="ignore"):
        return float(np.ldexp(mu_unit, -2 * a_exponent))


def safe_step(A: ArrayLike, m: int = 1) -> float:
    r"""The ``auto`` step :math:`1/(m\|A\|_2^2)`; see the module docstring for why it is safe.

    Computed at unit scale (:math:`\|2^{-e}A\|_2^2`, then times :math:`2^{-2e}`),
    so :math:`\|A\|_2^2` neither overflows nor underflows; a step beyond
    float64's range is refused (:func:`descend` needs only its unit-scale value).
    """
    A = as_matrix(A, "A")
    m = check_positive_int(m, "m")
    e = unit_exponent(A)
    mu_unit = _unit_safe_step(np.ldexp(A, -e), m)
    mu = _step_to_user(mu_unit, e)
    if not (math.isfinite(mu) and mu >= 2.0**-1022):
        raise InvalidInputError(
            f"the step 1/(m ||A||_2^2) is about 2^{math.frexp(mu_unit)[1] - 2 * e}, beyond float64's normal "
            "range: rescale A"
        )
    return mu


def relative_norms(diff: NDArray[np.float64], target: NDArray[np.float64]) -> PointValues:
    r""":math:`\|d\|/\|t\|`, or :math:`\|d\|` where :math:`t = 0`, over the last axis; a float for vectors.

    Both norms are scale-safe (:func:`~.objectives._norm`): labels of 1e-170
    give the relative error of labels of 1, not 0/0.
    """
    num = _norm(diff)
    den = _norm(target)
    if np.ndim(num) == 0:
        return float(num / den) if den > 0 else float(num)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), num)


def point_measures(Z: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[PointValues, PointValues, PointValues]:
    r"""``(f, f_r, train error)`` at the pre-activations ``Z = A X``: the one formula of every record.

    :math:`f` (1) / :math:`f_m` (9), :math:`f_r` (3) / :math:`f_{mp}` (14)
    (:func:`~.objectives.rgd_objective_from`) and :math:`\|r\|/\|y\|`,
    for one point (Z of shape (n, m): floats) or a batch ((..., n, m):
    arrays). :func:`descend`'s history, the batched engine's records and
    :func:`~.solution.evaluate_point` all call it: one formula, so the same Z gives the same record.
    """
    r = _residual(Z, y)
    return 0.5 * _dot(r, r), rgd_objective_from(Z, y), relative_norms(r, y)


def test_error_from(Z_test: NDArray[np.float64], y_test: NDArray[np.float64]) -> PointValues:
    r""":math:`\|\sum_j g(A_{test} x_j) - y_{test}\| / \|y_{test}\|` from ``Z_test = A_test X`` (one point or a batch)."""
    return relative_norms(network_output(Z_test) - y_test, y_test)


def relative_error(prediction: ArrayLike, target: ArrayLike) -> float:
    r""":math:`\|p - t\| / \|t\|` (Euclidean / Frobenius), or the absolute error when :math:`t = 0`.

    Scale-safe: the norms neither underflow nor overflow (:func:`~.scaling.safe_norm`).
    """
    prediction, target = np.broadcast_arrays(
        np.asarray(prediction, dtype=np.float64), np.asarray(target, dtype=np.float64)
    )
    return float(relative_norms((prediction - target).ravel(), target.ravel()))  # vectors: a float


def _resolve_step(step: float | str, A_unit: NDArray[np.float64], m: int, a_exponent: int) -> tuple[float, float]:
    r"""``(mu at unit scale, mu in the user's units)`` for ``step`` (user units) or ``"auto"``."""
    if isinstance(step, str):
        if step != "auto":
            raise InvalidInputError(f"step must be a positive finite number or 'auto'; got {step!r}")
        mu_unit = _unit_safe_step(A_unit, m)
        return mu_unit, _step_to_user(mu_unit, a_exponent)
    mu = check_step(step)
    with np.errstate(over="ignore", under="ignore"):
        mu_unit = float(np.ldexp(mu, 2 * a_exponent))
    if not math.isfinite(mu_unit) or mu_unit == 0.0:
        raise InvalidInputError(
            f"step {mu!r} is 2^{2 * a_exponent} times larger at the unit scale of A, beyond float64's range: "
            "give a step nearer 1/(m ||A||_2^2)"
        )
    return mu_unit, mu


def stopping_tests(
    gnorm: PointValues, gnorm0: PointValues, gscale: PointValues, gtol: float
) -> tuple[bool | NDArray[np.bool_], bool | NDArray[np.bool_]]:
    r"""The stopping rules of the descent loop, written once: ``(diverged, converged)``.

    ``gnorm`` is :math:`\|G\|_F` of the current direction, ``gnorm0`` its
    starting size (:func:`starting_size`), ``gscale`` :math:`\|A^Ty\|`
    (:func:`_gradient_scale`). *Diverged*: the direction is non-finite or
    grew by more than :data:`BLOWUP_FACTOR` over ``gnorm0``; *converged*:
    :math:`\|G\|_F \le` ``gtol`` :math:`\|A^Ty\|`. Divergence is tested
    first, then convergence, then the budget. Works on one run (floats, as
    :func:`descend`) and on a batch (arrays, as
    :func:`~.batched.run_trials`) with the same operations, so both apply
    the same rules (the engine's iterates agree with descend's to 1e-10
    relative, and on the tested seeds they stop at the same iteration). Both loops run under
    ``np.errstate(invalid="ignore")``: a non-finite norm is a stop reason,
    not a warning.
    """
    # plain operators, so that one run pays no numpy call per iteration: g - g != 0 is "g is not
    # finite" (inf - inf and NaN are NaN), and "== False" negates a bool and a bool array alike
    diverged = (gnorm - gnorm != 0) | ((gnorm <= BLOWUP_FACTOR * gnorm0) == False)  # noqa: E712
    return diverged, gnorm <= gtol * gscale


def starting_size(gnorm: PointValues, gscale: PointValues) -> PointValues:
    r"""The size divergence is measured against: the first direction norm or :math:`\|A^Ty\|`, whichever is larger."""
    return np.maximum(gnorm, gscale)


def iterate_not_finite(X_next: NDArray[np.float64]) -> np.bool_ | NDArray[np.bool_]:
    """Whether the next iterate (d, m), or each of a batch (..., d, m), has a non-finite entry (a divergence)."""
    return ~np.isfinite(X_next).all(axis=(-2, -1))


def _gradient_scale(A: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    r"""The scale of ``gtol``: :math:`\|A^Ty\|`, else :math:`\|A\|_F`, else 1 (scale-safe norms)."""
    return safe_norm(A.T @ y) or safe_norm(A) or 1.0


def _is_receding(
    direction: Direction, A: NDArray[np.float64], y: NDArray[np.float64], X: NDArray[np.float64],
    V: NDArray[np.float64], f_X: float,
) -> bool:  # fmt: skip
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


def _unboundedness(
    direction: Direction, A: NDArray[np.float64], y: NDArray[np.float64], X: NDArray[np.float64],
    V: NDArray[np.float64], f_X: float, lp_done: bool,
) -> tuple[str | None, bool]:  # fmt: skip
    r"""How the run at ``X`` (objective ``f_X < 0``, last steps ``V``) is shown unbounded, or None.

    Returns ``(how, lp_done)``. One neuron: a float64 certificate (module
    docstring), the linear program at most once per run (``lp_done``
    carries that across checks); several neurons: the numerical recession
    test. ``A`` and ``y`` are at unit scale.
    """
    if X.shape[1] > 1:
        return ("it keeps decreasing linearly along the iterates' direction (a numerical recession test, "
                "not a proof)" if _is_receding(direction, A, y, X, V, f_X) else None), lp_done  # fmt: skip
    from .newton import _is_certificate, _unit_certificate

    if _is_certificate(A, y, V[:, 0]):  # f_r(x + s v) falls like -s y^T A v once rows with (A v)_i < 0 are inactive
        return "v = the last steps' direction has A v <= 0 and y^T A v > 0 in float64, a certificate", lp_done
    if not lp_done:
        if _unit_certificate(A, y) is not None:
            return "the linear program max y^T A v s.t. A v <= 0 gives a v with y^T A v > 0, a certificate", True
        return None, True
    return None, lp_done


def descend(
    A: ArrayLike,
    y: ArrayLike,
    X0: ArrayLike,
    direction: Direction,
    *,
    step: float | str = "auto",
    max_iter: int = 10_000,
    gtol: float = DESCENT_GTOL,
    history_every: int = 10,
    check_every: int = 100,
    A_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    X_star: ArrayLike | None = None,
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

    Every argument is in the user's units; the loop runs at unit scale and
    every returned number is mapped back (module docstring, "Units").
    """
    A, y = check_problem(A, y)
    X = as_parameters(X0, A.shape[1], "X0").copy()
    m = X.shape[1]
    if not isinstance(direction, Direction):
        raise InvalidInputError(f"direction must be a Direction (GD or RGD); got {direction!r}")
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    history_every = check_positive_int(history_every, "history_every")
    check_every = check_positive_int(check_every, "check_every")
    gtol = check_tolerance(gtol, "gtol")
    A_test, y_test = check_test_set(A_test, y_test, A.shape[1])
    if X_star is not None:
        X_star = as_parameters(X_star, A.shape[1], "X_star")
        if m == 1 and X_star.shape != X.shape:
            # X - X_star would broadcast to (d, k) and report a distance to no planted point
            raise InvalidInputError(f"X_star has shape {X_star.shape} but X0 describes one neuron, shape {X.shape}")
    if isinstance(step, str) and step != "auto":
        raise InvalidInputError(f"step must be a positive finite number or 'auto'; got {step!r}")
    if not isinstance(step, str):
        check_step(step)

    unit = unit_problem(A, y, A_test, y_test, keep_moderate=True)
    scaling = unit.scaling
    mu_unit, mu = _resolve_step(step, unit.A, m, scaling.a_exponent)
    X_unit = parameters_to_unit(scaling, X, "X0")
    X_star_unit = None if (X_star is None or m != 1) else scaling.x_to_unit(X_star)
    run = _descend_at_unit_scale(
        unit.A, unit.y, X_unit, direction, mu_unit, max_iter, gtol, history_every, check_every,
        unit.A_test, unit.y_test, X_star_unit, progress,
    )  # fmt: skip

    records = run.records
    history = History(
        iterations=np.asarray(records[0], dtype=np.int64),
        objective=scaling.objective_from_unit(np.asarray(records[1], dtype=np.float64)),
        relaxed_objective=scaling.objective_from_unit(np.asarray(records[2], dtype=np.float64)),
        train_error=np.asarray(records[3], dtype=np.float64),
        test_error=np.asarray(records[4], dtype=np.float64),
        recovery_distance=np.ldexp(np.asarray(records[5], dtype=np.float64), scaling.x_exponent),
    )
    return DescentResult(
        X=x_to_user(scaling, run.X),
        method=direction.name,
        step=mu,
        iterations=run.iterations,
        stop_reason=run.reason,
        gradient_norm=float(scaling.gradient_from_unit(np.asarray(run.gradient_norm))),
        objective=float(history.objective[-1]),
        relaxed_objective=float(history.relaxed_objective[-1]),
        train_error=float(history.train_error[-1]),
        history=history,
        message=run.message,
        relative_gradient_norm=run.relative_gradient_norm,
    )


@dataclass(frozen=True)
class _UnitRun:
    """What the loop returns at unit scale: final iterate, records (columns), stop."""

    X: NDArray[np.float64]
    records: tuple[tuple[PointValues, ...], ...]
    iterations: int
    reason: StopReason
    gradient_norm: float
    message: str
    relative_gradient_norm: float


@np.errstate(over="ignore", invalid="ignore")  # non-finite values are stop reasons, not warnings
def _descend_at_unit_scale(
    A: NDArray[np.float64], y: NDArray[np.float64], X: NDArray[np.float64], direction: Direction, mu: float,
    max_iter: int, gtol: float, history_every: int, check_every: int, A_test: NDArray[np.float64] | None,
    y_test: NDArray[np.float64] | None, X_star: NDArray[np.float64] | None, progress: Callable[[int, int], None] | None,
) -> _UnitRun:  # fmt: skip
    """The loop of :func:`descend` on validated data at unit scale; ``mu`` is the unit-scale step."""
    m = X.shape[1]
    gscale = _gradient_scale(A, y)
    records: list[tuple[PointValues, ...]] = []  # floats: Z is one point

    def record(t: int, Z: NDArray[np.float64], X: NDArray[np.float64]) -> None:
        loss, relaxed, train = point_measures(Z, y)
        test = test_error_from(A_test @ X, y_test) if A_test is not None and y_test is not None else math.nan
        rec = safe_norm(X - X_star) if X_star is not None else math.nan
        records.append((t, loss, relaxed, train, test, rec))
        if progress is not None:
            progress(t, max_iter)

    Z = A @ X
    record(0, Z, X)
    if not (math.isfinite(records[0][1]) and math.isfinite(records[0][2])):
        raise InvalidInputError(
            "the objective at X0 is not finite in float64: X0 is too large in magnitude for the data "
            "(compare it with max|y| / max|A|)"
        )
    reason = StopReason.MAX_ITERATIONS
    message = f"reached the iteration budget ({max_iter})"
    gnorm0 = None
    gnorm = math.nan
    X_check = X.copy()
    lp_done = False
    t = 0
    while True:
        G = A.T @ direction.weights(Z, y)
        gnorm = safe_norm(G)
        if gnorm0 is None:
            gnorm0 = float(starting_size(gnorm, gscale))
        if t == 0 and not math.isfinite(gnorm):
            raise InvalidInputError(
                "the direction at X0 is not finite: X0 or the data are too large in magnitude for float64"
            )
        diverged, converged = stopping_tests(gnorm, gnorm0, gscale, gtol)
        if diverged:
            reason = StopReason.DIVERGED
            message = (
                f"diverged at iteration {t}: the direction norm grew by {gnorm / gnorm0:.3g} over its "
                f"starting size (more than {BLOWUP_FACTOR:.0e}); {STABLE_STEP_ADVICE}"
            )
            break
        if converged:
            reason = StopReason.CONVERGED
            message = f"converged: ||direction|| = {gnorm / gscale:.3g} ||A^T y|| <= {gtol:.1e} ||A^T y||"
            break
        if t >= max_iter:
            break
        X_next = X - mu * G
        if iterate_not_finite(X_next):
            reason = StopReason.DIVERGED
            message = f"diverged at iteration {t}: the next iterate is not finite; {STABLE_STEP_ADVICE}"
            break
        X = X_next
        Z = A @ X
        t += 1
        if t % check_every == 0:
            f_X = float(direction.objective(Z, y))  # a float already: Z is one point
            if f_X < 0:
                how, lp_done = _unboundedness(direction, A, y, X, X - X_check, f_X, lp_done)
                if how is not None:
                    reason = StopReason.UNBOUNDED
                    message = (
                        f"unbounded at iteration {t}: the {direction.name} objective is negative and {how}; "
                        "labels with negative entries can make the relaxation unbounded below"
                    )
                    break
            X_check = X.copy()
        if t % history_every == 0:
            record(t, Z, X)
    if records[-1][0] != t:
        record(t, Z, X)
    return _UnitRun(X, tuple(zip(*records)), t, reason, gnorm, message, gnorm / gscale)


def gradient_descent(A: ArrayLike, y: ArrayLike, X0: ArrayLike, **options: Any) -> DescentResult:
    """Plain GD, update (2) for one neuron and gradient descent on f_m (9) for many."""
    return descend(A, y, X0, GD, **options)


def regularized_gradient_descent(A: ArrayLike, y: ArrayLike, X0: ArrayLike, **options: Any) -> DescentResult:
    """RGD, update (5) for one neuron (GD on f_r) and update (17) for many."""
    return descend(A, y, X0, RGD, **options)
