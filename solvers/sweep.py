r"""One cell of a phase-diagram sweep: K planted trials of one method at one (n, d, m, noise, lam, clip).

A sweep (``relurelax sweep``, :mod:`relurelax.reports.sweep`) maps where the
paper's claims hold over the ratio n/d, the number of neurons m, the label
noise S and the strength ``lam`` of the paper's regulariser. This module
computes the numbers of one grid point, a :class:`Cell`, and returns them as
one :class:`CellRecords`: a column per measured quantity, a row per trial.

Instances. Trial k of a cell is the planted instance (4) / (8),
``planted_problem(n, d, m, seed=s_k, noise=S)`` (labels
:math:`y = \sum_j g(Ax_j^*) + S e`), with

.. math::

    s_k = \texttt{derived\_seed}(\text{seed}, \texttt{"sweep"}, n, d, m, k),

a child of the user's seed through :class:`numpy.random.SeedSequence`
(:mod:`.seeds`), so a trial's instance depends on its cell and index only,
never on the order in which cells or trials complete. The key leaves out the
method, ``lam``, ``clip`` and the noise level on purpose: every method, every
``lam``, the clipped and the raw labels, and every noise level see the same
A, :math:`X^*`, :math:`X_0` and noise direction e (``planted_problem`` draws
e last and scales it by S), so a difference between two maps (RGD - GD, noise
0.1 - noise 0) compares the same instances (common random numbers). With
``clip`` the labels are :math:`\max(0, y)`, which keeps :math:`f_r` bounded
(:mod:`.newton`, the claim of its module docstring).

Methods.

* ``gd`` / ``rgd``: the descent loop (:func:`~.descent.descend`) from
  :math:`X_0` with the auto step, on the objective
  :math:`f_m + \lambda (f_{mp} - f_m)` (:func:`~.descent.interpolated_direction`):
  ``gd`` is :math:`\lambda = 0` (update (2) / (9)), ``rgd`` the cell's
  :math:`\lambda` (1 is the paper's RGD, update (5) / (17)). Plain GD and
  RGD on raw labels go through the batched engine
  (:func:`~.batched.run_trials`, which agrees with ``descend`` per trial),
  in :func:`descend_trials`.
* ``newton`` (m = 1): :func:`~.newton.solve_relaxation_newton`, the exact
  minimiser of :math:`f_r`; an unbounded :math:`f_r` (negative labels, A of
  full row rank) is the outcome ``unbounded``, not an error.
* ``exact`` (m = 1): :func:`~.exact.exact_minimum`, the global minimum of f
  over every cell of the arrangement; a cell whose arrangement may have more
  than ``certify_max_cells`` cells (Cover's bound) is refused.

Records. For each trial: the relative training error
:math:`\|\sum_j g(Ax_j) - y\|/\|y\|` and the test error on 100 noiseless
rows (:func:`~.descent.point_measures`, :func:`~.descent.test_error_from`:
the formulas of every record of relurelax), the iterations and the stop
reason, the relative recovery error :math:`\|x - x^*\|/\|x^*\|` (m = 1, NaN
otherwise), the objective :math:`f` / :math:`f_m` at the final point and,
when Cover's bound of the cells is at most ``certify_max_cells``, the
certified global value (:math:`\min f` by ``exact_minimum`` for m = 1,
:math:`P_+` by :func:`~.exact.solve_pplus`, a lower bound of
:math:`f_m`, for m > 1) as the gap
:math:`(f - f^\star)/\|y\|^2` (NaN when not computed).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from numpy.typing import NDArray

from .arrangement import cells_over_limit
from .data import PlantedProblem, _check_nonnegative_float, planted_problem
from .descent import StopReason, check_lam, interpolated_direction, point_measures, test_error_from
from .errors import InvalidInputError, SolveError, UnboundedRelaxationError
from .objectives import multi_neuron_objective
from .records import freeze_arrays
from .seeds import derived_seed
from .tolerances import DESCENT_GTOL
from .validation import check_positive_int, check_tolerance

__all__ = [
    "SWEEP_METHODS",
    "ONE_NEURON_METHODS",
    "STOP_REASONS",
    "CERTIFY_MAX_CELLS",
    "N_TEST",
    "Cell",
    "CellRecords",
    "trial_seed",
    "sweep_problem",
    "descend_trials",
    "run_cell",
]

#: the methods of a sweep, in the order the tables list them
SWEEP_METHODS = ("gd", "rgd", "newton", "exact")
#: the methods defined for one neuron only
ONE_NEURON_METHODS = ("newton", "exact")
#: every stop reason a trial can record: the descent loop's and the Newton solver's ``stalled``
STOP_REASONS = tuple(r.value for r in StopReason) + ("stalled",)
#: certified global values (and the method ``exact``) only where Cover's bound of the cells is at most this
CERTIFY_MAX_CELLS = 1000
#: noiseless test rows of every instance, as in the paper
N_TEST = 100


@dataclass(frozen=True)
class Cell:
    r"""One grid point and one method: what :func:`run_cell` computes.

    ``lam`` is the :math:`\lambda` of the objective the method descends
    (0 for ``gd`` and ``exact``, which concern :math:`f`; 1 for ``newton``,
    which minimises :math:`f_r`); ``max_iter`` and ``gtol`` are the descent
    loop's budget and tolerance (Newton keeps its own).
    """

    n: int
    d: int
    m: int
    noise: float
    lam: float
    clip: bool
    method: str
    trials: int
    seed: int
    max_iter: int = 2000
    gtol: float = DESCENT_GTOL
    certify_max_cells: int = CERTIFY_MAX_CELLS

    def __post_init__(self) -> None:
        for name in ("n", "d", "m", "trials"):
            object.__setattr__(self, name, check_positive_int(getattr(self, name), name))
        object.__setattr__(self, "seed", check_positive_int(self.seed, "seed", minimum=0))
        object.__setattr__(self, "max_iter", check_positive_int(self.max_iter, "max_iter", minimum=0))
        object.__setattr__(self, "certify_max_cells", check_positive_int(self.certify_max_cells, "certify_max_cells"))
        object.__setattr__(self, "gtol", check_tolerance(self.gtol, "gtol"))
        object.__setattr__(self, "noise", _check_nonnegative_float(self.noise, "noise"))
        object.__setattr__(self, "lam", check_lam(self.lam))
        if not isinstance(self.clip, (bool, np.bool_)):
            raise InvalidInputError(f"clip must be True or False; got {self.clip!r}")
        object.__setattr__(self, "clip", bool(self.clip))
        if self.method not in SWEEP_METHODS:
            raise InvalidInputError(f"unknown method {self.method!r}; accepted: {', '.join(SWEEP_METHODS)}")
        if self.method in ONE_NEURON_METHODS and self.m != 1:
            raise InvalidInputError(f"method {self.method} is defined for one neuron; this cell has m = {self.m}")
        if self.method == "exact":
            why = cells_over_limit(self.n, self.d, self.certify_max_cells, limit_name="the sweep's limit ")
            if why:
                raise InvalidInputError(f"method exact at n = {self.n}, d = {self.d}: the arrangement has {why}")

    @property
    def key(self) -> str:
        r"""A name for the cell that is a file name: every field that changes its numbers, in order."""
        return (f"n{self.n}-d{self.d}-m{self.m}-noise{self.noise!r}-lam{self.lam!r}-clip{int(self.clip)}-"
                f"{self.method}-k{self.trials}-s{self.seed}-it{self.max_iter}-g{self.gtol!r}")  # fmt: skip

    @property
    def certified(self) -> bool:
        """Whether the trials of this cell get a certified global value (Cover's bound within the limit)."""
        return not cells_over_limit(self.n, self.d, self.certify_max_cells)


@dataclass(frozen=True)
class CellRecords:
    r"""The trials of one :class:`Cell`: one entry per trial in every array (read-only).

    Attributes
    ----------
    cell : the cell.
    seeds : (K,) the instance seeds :func:`trial_seed`.
    train_error, test_error : (K,) relative errors at the final point.
    recovery_error : (K,) :math:`\|x - x^*\|/\|x^*\|` (m = 1; NaN for m > 1).
    objective : (K,) :math:`f` / :math:`f_m` at the final point.
    global_gap : (K,) :math:`(f - f^\star)/\|y\|^2` against the certified value (NaN where not computed).
    iterations : (K,) descent iterations or Newton steps (0 for ``exact``).
    stop_reason : (K,) strings from :data:`STOP_REASONS`.
    seconds : wall time of the cell.
    """

    cell: Cell
    seeds: NDArray[np.int64]
    train_error: NDArray[np.float64]
    test_error: NDArray[np.float64]
    recovery_error: NDArray[np.float64]
    objective: NDArray[np.float64]
    global_gap: NDArray[np.float64]
    iterations: NDArray[np.int64]
    stop_reason: NDArray[np.str_]
    seconds: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        freeze_arrays(self)

    #: the per-trial columns, in order
    COLUMNS = ("seeds", "train_error", "test_error", "recovery_error", "objective", "global_gap", "iterations",
               "stop_reason")  # fmt: skip

    def columns(self) -> dict[str, np.ndarray]:
        """The per-trial arrays by name."""
        return {name: getattr(self, name) for name in self.COLUMNS}


def trial_seed(seed: int, n: int, d: int, m: int, k: int) -> int:
    r"""The instance seed of trial ``k`` at (n, d, m): ``derived_seed(seed, "sweep", n, d, m, k)`` (module docstring)."""
    return derived_seed(seed, "sweep", n, d, m, k)


def sweep_problem(cell: Cell, k: int) -> PlantedProblem:
    r"""Trial ``k`` of ``cell``: :func:`~.data.planted_problem` at :func:`trial_seed`, :math:`y \leftarrow \max(0, y)` with ``clip``."""
    return planted_problem(cell.n, cell.d, cell.m, seed=trial_seed(cell.seed, cell.n, cell.d, cell.m, k),
                           noise=cell.noise, clip=cell.clip, n_test=N_TEST)  # fmt: skip


@dataclass(frozen=True)
class _Final:
    """Where one trial of a method ended."""

    X: NDArray[np.float64] | None  # None: no point (an unbounded relaxation)
    iterations: int
    stop_reason: str


def descend_trials(cell: Cell) -> list[_Final]:
    r"""Run the descent method of ``cell`` on its trials in the batched engine :func:`~.batched.run_trials`.

    The engine draws the same instances as :func:`sweep_problem` from the
    same seeds (clipped labels included) and descends
    :func:`~.descent.interpolated_direction` of the method's :math:`\lambda`;
    it agrees with ``descend`` per trial (its contract).
    """
    from .batched import run_trials

    lam = 0.0 if cell.method == "gd" else cell.lam
    seeds = [trial_seed(cell.seed, cell.n, cell.d, cell.m, k) for k in range(cell.trials)]
    batch = run_trials(cell.n, cell.d, cell.m, seeds, methods={cell.method: interpolated_direction(lam)},
                       max_iter=cell.max_iter, history_every=max(cell.max_iter, 1), gtol=cell.gtol,
                       noise=cell.noise, clip=cell.clip, n_test=N_TEST)[cell.method]  # fmt: skip
    return [_Final(np.array(batch.X[k]), int(batch.stopped_at[k]), batch.stop_reasons[k].value)
            for k in range(cell.trials)]  # fmt: skip


def _newton_trial(P: PlantedProblem) -> _Final:
    from .newton import solve_relaxation_newton

    try:
        r = solve_relaxation_newton(P.A, P.y)
    except UnboundedRelaxationError:
        return _Final(None, 0, StopReason.UNBOUNDED.value)
    return _Final(r.x[:, None], r.iterations, r.stop_reason.value)


def _exact_trial(cell: Cell, P: PlantedProblem) -> _Final:
    from .exact import exact_minimum

    return _Final(exact_minimum(P.A, P.y, max_cells=cell.certify_max_cells).x[:, None], 0,
                  StopReason.CONVERGED.value)  # fmt: skip


def _certified_value(cell: Cell, P: PlantedProblem) -> float:
    r"""min f (m = 1) or :math:`P_+` (m > 1) of the instance, or NaN when too many cells or a degenerate arrangement."""
    if not cell.certified:
        return math.nan
    from .exact import exact_minimum, solve_pplus

    try:
        if cell.m == 1:
            return exact_minimum(P.A, P.y, max_cells=cell.certify_max_cells).objective
        return solve_pplus(P.A, P.y, max_cells=cell.certify_max_cells).lower_bound
    except SolveError:  # a near-degenerate arrangement: no certified value for this trial
        return math.nan


def run_cell(cell: Cell, *, progress: Callable[[int, int], None] | None = None) -> CellRecords:
    r"""The K trials of ``cell`` (module docstring): one :class:`CellRecords`.

    ``progress(done, total)``, when given, is called after each trial of a
    method that runs trial by trial.
    """
    if not isinstance(cell, Cell):
        raise InvalidInputError(f"run_cell takes a Cell; got {cell!r}")
    start = time.perf_counter()
    K = cell.trials
    problems = [sweep_problem(cell, k) for k in range(K)]
    if cell.method in ("gd", "rgd"):
        finals = descend_trials(cell)
    else:
        finals = []
        for k, P in enumerate(problems):
            finals.append(_newton_trial(P) if cell.method == "newton" else _exact_trial(cell, P))
            if progress is not None:
                progress(k + 1, K)

    nan = np.full(K, math.nan)
    train, test, recovery, value, gap = nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy()
    for k, (P, final) in enumerate(zip(problems, finals)):
        if final.X is None or not np.isfinite(final.X).all():
            continue
        X = final.X
        with np.errstate(over="ignore", invalid="ignore"):
            _, _, train[k] = point_measures(P.A @ X, P.y)
            test[k] = test_error_from(P.A_test @ X, P.y_test)
            value[k] = multi_neuron_objective(P.A, P.y, X)
        if cell.m == 1:
            recovery[k] = np.linalg.norm(X[:, 0] - P.X_star[:, 0]) / np.linalg.norm(P.X_star[:, 0])
        star = value[k] if cell.method == "exact" else _certified_value(cell, P)
        yy = float(P.y @ P.y)
        gap[k] = (value[k] - star) / yy if yy > 0 else value[k] - star
    return CellRecords(
        cell=cell,
        seeds=np.asarray([trial_seed(cell.seed, cell.n, cell.d, cell.m, k) for k in range(K)], dtype=np.int64),
        train_error=train,
        test_error=test,
        recovery_error=recovery,
        objective=value,
        global_gap=gap,
        iterations=np.asarray([f.iterations for f in finals], dtype=np.int64),
        stop_reason=np.asarray([f.stop_reason for f in finals], dtype=f"<U{max(map(len, STOP_REASONS))}"),
        seconds=time.perf_counter() - start,
    )
