r"""One result vocabulary for every solver: :class:`Solution`, :class:`SolveStatus`, :func:`evaluate_point`.

Each solver keeps its own record (:class:`~.descent.DescentResult`,
:class:`~.newton.NewtonResult`, :class:`~.relaxation.RelaxationResult`,
:class:`~.cell.CellResult`) with the fields its tests rely on; the
:mod:`.registry` turns each into a :class:`Solution`, in which every word
has one meaning:

* ``objective`` is the loss at the returned point, :math:`f` (Eq. (1)) for
  m = 1 and :math:`f_m` (Eq. (9)) for m > 1; ``relaxed_objective`` is the
  objective RGD descends there, :math:`f_r` (Eq. (3)) for m = 1 and
  :math:`f_{mp}` (Eq. (14)) for m > 1 (all halved, :mod:`.objectives`).
  Both are recomputed in float64 at the point by :func:`evaluate_point`,
  never taken from a solver's report.
* ``gradient_norm`` is *relative*: :math:`\|G\|_F/\|A^Ty\|` with :math:`G`
  the solver's direction at the point (the GD or RGD direction for descent,
  :math:`\nabla f_r` for Newton and a conic solve of the relaxation),
  taken at unit scale so that neither norm underflows. Where
  :math:`A^Ty = 0` the denominator is what each solver's own stopping rule
  or certificate uses: :math:`\|A\|_F` (else 1) for descent, 1 for Newton
  and the conic solves.
  None where the solver has no such measure (a cell solve).
* ``status`` is a :class:`SolveStatus`: descent's
  :class:`~.descent.StopReason`, Newton's :class:`~.newton.NewtonStopReason`
  and the conic verdicts (``optimal`` when relurelax's certificate passes,
  ``inaccurate`` when it does not, ``error`` when the backend failed) map to
  the member of the same value, so no information is lost.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .descent import point_measures, relative_norms, test_error_from
from .records import freeze_arrays
from .relaxation import Certificate, KKTResiduals
from .scaling import unit_problem
from .validation import as_parameters, check_problem, check_test_set

__all__ = ["SolveStatus", "Solution", "PointEvaluation", "evaluate_point"]

if TYPE_CHECKING:
    from .descent import StopReason
    from .newton import NewtonStopReason


class SolveStatus(enum.Enum):
    """Why a solver stopped, or relurelax's verdict on a conic solve; one Enum for every solver."""

    #: descent or Newton: the relative gradient norm fell to the tolerance
    CONVERGED = "converged"
    #: descent or Newton: the iteration budget ran out
    MAX_ITERATIONS = "max_iterations"
    #: descent: the direction blew up or the iterate left float64
    DIVERGED = "diverged"
    #: descent: the objective is unbounded below (with a certificate for m = 1)
    UNBOUNDED = "unbounded"
    #: Newton: a step no longer changes x in float64
    STALLED = "stalled"
    #: a conic solve whose point passes relurelax's certificate
    OPTIMAL = "optimal"
    #: a conic solve whose point fails relurelax's certificate
    INACCURATE = "inaccurate"
    #: the solver failed and returned no point
    ERROR = "error"
    #: a global method (``exact`` with m > 1) whose best network lies above its certified lower bound by
    #: more than the tolerance: a value found, not a proved minimum
    UNCERTIFIED = "uncertified"

    @classmethod
    def of(cls, reason: StopReason | NewtonStopReason | str) -> SolveStatus:
        """The member for a :class:`~.descent.StopReason`, a :class:`~.newton.NewtonStopReason` or a conic status string."""
        value = reason.value if isinstance(reason, enum.Enum) else reason
        try:
            return cls(value)
        except ValueError:
            accepted = ", ".join(member.value for member in cls)
            raise ValueError(f"no SolveStatus for {reason!r}; accepted values: {accepted}") from None


@dataclass(frozen=True)
class PointEvaluation:
    r"""The measures of one point ``X`` (d, m), computed in float64 at unit scale by :func:`evaluate_point`.

    ``objective`` is :math:`f` / :math:`f_m`, ``relaxed_objective``
    :math:`f_r` / :math:`f_{mp}` (user units); ``train_error`` is
    :math:`\|\sum_j g(Ax_j) - y\| / \|y\|`; ``test_error`` the same on the
    test set (None without one); ``relative_recovery_error`` is
    :math:`\|x - x^*\| / \|x^*\|` (m = 1 with a planted ``X_star``, else None), not the
    absolute distance :math:`\|x - x^*\|` that the paper's Fig. 1 plots
    (:attr:`~.descent.History.recovery_distance`).
    """

    objective: float
    relaxed_objective: float
    train_error: float
    test_error: float | None
    relative_recovery_error: float | None


def evaluate_point(
    A: ArrayLike, y: ArrayLike, X: ArrayLike, *, X_star: ArrayLike | None = None,
    A_test: ArrayLike | None = None, y_test: ArrayLike | None = None,
) -> PointEvaluation:  # fmt: skip
    r"""Evaluate :math:`f` / :math:`f_m`, :math:`f_r` / :math:`f_{mp}` and the errors at ``X``.

    Every argument is in the user's units. The numbers are computed on the
    problem at unit scale (:func:`~.scaling.unit_problem`, powers of two,
    exact; data of moderate size is used as given) and the objectives
    mapped back (times :math:`2^{2e_y}`), so labels of 1e-170 give the
    relative errors labels of 1 give and no square underflows.

    Raises
    ------
    InvalidInputError : bad shapes or non-finite entries (``X`` must have
        d rows; a vector is one neuron), or a test set given by half.
    """
    A, y = check_problem(A, y)
    X = as_parameters(X, A.shape[1], "X")
    A_test, y_test = check_test_set(A_test, y_test, A.shape[1])
    unit = unit_problem(A, y, A_test, y_test, keep_moderate=True)
    s = unit.scaling
    X_unit = s.x_to_unit(X)
    Z = unit.A @ X_unit
    recovery = None
    if X_star is not None and X.shape[1] == 1:
        X_star_unit = s.x_to_unit(as_parameters(X_star, A.shape[1], "X_star"))
        recovery = float(relative_norms((X_unit - X_star_unit).ravel(), X_star_unit.ravel()))  # vectors: a float
    test = None
    if unit.A_test is not None:  # with y_test: callers pass the test set as a pair
        test = float(test_error_from(unit.A_test @ X_unit, cast("NDArray[np.float64]", unit.y_test)))
    loss, relaxed, train = point_measures(Z, unit.y)  # floats: Z is one point
    return PointEvaluation(
        objective=float(s.objective_from_unit(np.asarray(loss))),
        relaxed_objective=float(s.objective_from_unit(np.asarray(relaxed))),
        train_error=float(train),
        test_error=test,
        relative_recovery_error=recovery,
    )


@dataclass(frozen=True)
class Solution:
    r"""One solver's answer, in the vocabulary of the module docstring; ``X`` (d, m) is read-only.

    ``method`` is the :mod:`.registry` name (``"gd"``, ``"rgd"``,
    ``"newton"``, ``"cvxpy"``, ``"cell"``) and ``backend`` the CVXPY backend
    (None for descent and Newton). ``objective``, ``relaxed_objective``,
    ``train_error``, ``test_error`` and ``relative_recovery_error`` are
    :func:`evaluate_point` at ``X``. ``solver_value`` is the value a solver
    minimised when it is not one of those: the cell optimum :math:`q_D(X)`
    of a cell solve (:class:`~.cell.CellResult`), else None.
    ``gradient_norm`` is relative (module docstring); ``kkt`` the KKT
    residuals of a conic solve; ``certificate`` relurelax's certificate of a
    conic solve (None for descent and Newton, whose ``status`` says whether
    the gradient test passed). A global method (``exact``) also gives
    ``lower_bound``, a certified lower bound on the loss over all networks
    of m neurons (the exact :math:`\min f` for m = 1, :math:`P_+` for
    m > 1, named by ``lower_bound_name``), ``certified`` (``objective -
    lower_bound`` is at most ``gap_tolerance``, so ``objective`` is the
    global minimum) and ``cells``, the activation cells it enumerated; the
    other solvers leave them None. ``iterations`` may be None (a backend that
    does not report it); ``seconds`` is the wall time of the solve;
    ``message`` says why it stopped, or why a conic point failed.
    A failed solve (status ``error``) has NaN values and ``X`` of NaNs.
    """

    method: str
    backend: str | None
    X: NDArray[np.float64]
    objective: float
    relaxed_objective: float
    train_error: float
    test_error: float | None
    relative_recovery_error: float | None
    status: SolveStatus
    iterations: int | None
    seconds: float
    gradient_norm: float | None
    kkt: KKTResiduals | None = None
    certificate: Certificate | None = None
    solver_value: float | None = None
    message: str = ""
    lower_bound: float | None = None
    lower_bound_name: str | None = None
    certified: bool | None = None
    gap_tolerance: float | None = None
    cells: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status, SolveStatus):
            raise ValueError(f"status must be a SolveStatus; got {self.status!r}")
        if np.ndim(self.X) != 2:
            raise ValueError(f"X must be a (d, m) array; got shape {np.shape(self.X)}")
        freeze_arrays(self)

    @property
    def label(self) -> str:
        """``method``, or ``method:backend`` for a conic solve (e.g. ``"cvxpy:CLARABEL"``)."""
        return self.method if self.backend is None else f"{self.method}:{self.backend}"

    @property
    def inaccurate(self) -> bool:
        """A conic point that fails relurelax's certificate."""
        return self.status is SolveStatus.INACCURATE

    @classmethod
    def failed(cls, method: str, backend: str | None, d: int, m: int, seconds: float, message: str) -> Solution:
        """The record of a solve that raised (status ``error``): NaN values, ``message`` the error."""
        nan = math.nan
        return cls(method, backend, np.full((d, m), nan), nan, nan, nan, None, nan if m == 1 else None,
                   SolveStatus.ERROR, None, seconds, None, message=message)  # fmt: skip
