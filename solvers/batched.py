r"""Many planted trials of GD and RGD advanced together: the batched experiment engine.

The paper's experiments (Section III, Figs. 1-2) run GD (update (2); the
gradient of (9) for m > 1) and RGD (update (5); (17) for m > 1) from the same
initial point on many planted instances of (4) / (8). :func:`run_trials`
draws those instances, ``planted_problem(n, d, m, seed=s, ...)`` for every
seed ``s``, and advances every (trial, method) pair in lockstep: one
iteration of the whole batch is a handful of numpy calls on stacked arrays
instead of a Python loop per trial, and trials go through in chunks whose
data matrices fit in cache.

Equality with :func:`~.descent.descend`. The batch reproduces, bit for bit,
what ``descend(P.A, P.y, P.X0, GD or RGD, step=..., max_iter=...,
history_every=..., gtol=..., A_test=P.A_test, y_test=P.y_test,
X_star=P.X_star)`` returns for each trial: the same iterates, stop reasons,
iteration counts and recorded values. That holds because every product
goes through numpy's ``matmul``, which loops over the batch axes and calls
the same BLAS routine (``gemv``, ``gemm`` or ``ddot``) on each member with
the shapes and strides the one-trial call has; every formula is the kernel
of :mod:`.objectives` that :func:`~.descent.descend` uses, applied to the
stacked arrays (see :func:`~.objectives._dot`); the stopping rules are
the very functions descend calls (:func:`~.descent.stopping_tests`,
:func:`~.descent.starting_size`, :func:`~.descent.iterate_not_finite`, on
arrays); and the step (``"auto"`` is :func:`~.descent.safe_step` of each
trial's own ``A``) and the recession test are :mod:`.descent`'s own. The test suite
checks the equality with ``array_equal``. It relies on BLAS being
deterministic for a given call, which holds for a fixed BLAS build and
thread count.

Units. Every trial runs at its own unit scale (:mod:`.scaling`, powers
of two, exact) exactly as :func:`~.descent.descend` does, and its records,
final iterate, gradient norm and step are mapped back to the user's units
trial by trial; the norms are the scale-safe ones of descend
(:func:`~.objectives._norm`), and the unboundedness test is descend's own
(:func:`~.descent._unboundedness`: a float64 certificate for one neuron).

Records. All trials share one record grid, ``iterations`` = 0,
``history_every``, 2 ``history_every``, ..., and ``max_iter``. A trial that
stops early (converged, diverged, unbounded) keeps its final iterate, so
its entries at grid points after its stop hold its final values (the last
record of :func:`~.descent.descend`); ``stopped_at`` says when it stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Sequence, cast

import numpy as np
from numpy.typing import NDArray

from .records import freeze_arrays
from .validation import check_positive_int, check_tolerance
from .data import PlantedProblem, planted_problem
from .scaling import unit_problem, x_to_user
from .descent import (
    GD,
    RGD,
    Direction,
    StopReason,
    _gradient_scale,
    _resolve_step,
    _unboundedness,
    iterate_not_finite,
    point_measures,
    starting_size,
    stopping_tests,
    test_error_from,
)
from .errors import InvalidInputError
from .objectives import PointValues, _norm

__all__ = ["METHODS", "MethodTrials", "TrialBatch", "run_trials", "CHUNK_BYTES"]

#: the methods of the paper by name
METHODS = {"gd": GD, "rgd": RGD}
#: trials per chunk are chosen so that their stacked data matrices take about this many bytes
CHUNK_BYTES = 2 << 20
#: iterations between recession checks, as :func:`~.descent.descend`'s default
CHECK_EVERY = 100


@dataclass(frozen=True)
class MethodTrials:
    r"""One method's results over all trials; arrays have a leading trial axis.

    Attributes
    ----------
    method : ``"gd"`` or ``"rgd"``.
    iterations : (records,) the shared record grid.
    objective : (trials, records) :math:`f` / :math:`f_m`.
    relaxed_objective : (trials, records) :math:`f_r` (m = 1) or :math:`f_{mp}`.
    train_error, test_error : (trials, records) relative errors (as :class:`~.descent.History`).
    recovery_distance : (trials, records) :math:`\|x - x^*\|` (NaN for m > 1).
    X : (trials, d, m) final iterates.
    stop_reasons : one :class:`~.descent.StopReason` per trial.
    stopped_at : (trials,) iteration counts (``DescentResult.iterations``).
    gradient_norm : (trials,) the last direction norm (``DescentResult.gradient_norm``).
    """

    method: str
    iterations: NDArray[np.int64]
    objective: NDArray[np.float64]
    relaxed_objective: NDArray[np.float64]
    train_error: NDArray[np.float64]
    test_error: NDArray[np.float64]
    recovery_distance: NDArray[np.float64]
    X: NDArray[np.float64]
    stop_reasons: tuple[StopReason, ...]
    stopped_at: NDArray[np.int64]
    gradient_norm: NDArray[np.float64]

    def __post_init__(self) -> None:
        freeze_arrays(self)


@dataclass(frozen=True)
class TrialBatch:
    """The result of :func:`run_trials`: per-method :class:`MethodTrials` and the set-up.

    ``batch["gd"]`` (or ``batch.results[i]``) gives one method's results;
    ``steps`` holds each trial's step size; ``seconds`` is the wall time.
    """

    n: int
    d: int
    m: int
    seeds: NDArray[np.int64]
    steps: NDArray[np.float64]
    max_iter: int
    history_every: int
    gtol: float
    noise: float
    scale: float
    n_test: int
    results: tuple[MethodTrials, ...]
    seconds: float

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(r.method for r in self.results)

    def __getitem__(self, method: str) -> MethodTrials:
        for r in self.results:
            if r.method == method:
                return r
        raise KeyError(f"no method {method!r} in this batch; it has {', '.join(self.methods)}")


def record_grid(max_iter: int, history_every: int) -> NDArray[np.int64]:
    """Iterations at which :func:`run_trials` records: multiples of ``history_every`` and ``max_iter``."""
    grid = list(range(0, max_iter + 1, history_every))
    if grid[-1] != max_iter:
        grid.append(max_iter)
    return np.asarray(grid, dtype=np.int64)


def _check_methods(methods: object) -> tuple[str, ...]:
    if isinstance(methods, str) or not isinstance(methods, Sequence) or not methods:
        raise InvalidInputError(f"methods must be a non-empty sequence of names from {sorted(METHODS)}; got {methods!r}")
    for name in methods:
        if name not in METHODS:
            raise InvalidInputError(f"unknown method {name!r}; accepted: {', '.join(sorted(METHODS))}")
    if len(set(methods)) != len(methods):
        raise InvalidInputError(f"methods must not repeat a name; got {methods!r}")
    return tuple(methods)


def _check_seeds(seeds: Iterable[object]) -> NDArray[np.int64]:
    try:
        seeds = list(seeds)
    except TypeError:
        raise InvalidInputError(f"seeds must be a sequence of integers >= 0; got {seeds!r}") from None
    if not seeds:
        raise InvalidInputError("seeds is empty; give at least one seed")
    return np.asarray([check_positive_int(s, "each seed", minimum=0) for s in seeds], dtype=np.int64)


class _Chunk:
    """Stacked data of a chunk of trials and the state of every (trial, method) pair.

    Arrays of the iteration have shape (T, M, ...): trial, then method, so that
    one ``matmul`` serves all methods and each trial's ``A`` is used by its
    methods while it is in cache.
    """

    def __init__(
        self, problems: list[PlantedProblem], directions: tuple[Direction, ...], step: float | str, m: int
    ) -> None:
        # every trial runs at its own unit scale, as descend does (powers of two, exact)
        units = [unit_problem(P.A, P.y, P.A_test, P.y_test, keep_moderate=True) for P in problems]
        self.scalings = [u.scaling for u in units]
        A = np.stack([u.A for u in units])  # (T, n, d)
        self.A = A
        self.A4 = A[:, None]  # (T, 1, n, d), broadcast over methods
        self.At4 = np.swapaxes(A, -1, -2)[:, None]  # cores are A.T, as descend uses it
        self.y = np.stack([u.y for u in units])[:, None]  # (T, 1, n)
        # planted problems have a test set: the casts say so to the type checker
        self.A_test4 = np.stack([cast("NDArray[np.float64]", u.A_test) for u in units])[:, None]
        self.y_test = np.stack([cast("NDArray[np.float64]", u.y_test) for u in units])[:, None]
        X_star = [u.scaling.x_to_unit(P.X_star) for u, P in zip(units, problems)]
        self.X_star = np.stack(X_star)[:, None]  # (T, 1, d, m)
        steps = [_resolve_step(step, u.A, m, u.scaling.a_exponent) for u in units]
        self.mu = np.asarray([unit_mu for unit_mu, _ in steps])
        self.user_mu = np.asarray([mu for _, mu in steps])
        self.gscale = np.asarray([_gradient_scale(u.A, u.y) for u in units])[:, None]
        self.directions = directions
        T, M = len(problems), len(directions)
        X0 = np.stack([u.scaling.x_to_unit(P.X0) for u, P in zip(units, problems)])
        self.X = np.ascontiguousarray(np.broadcast_to(X0[:, None], (T, M) + X0.shape[1:]))
        self.Z = self.A4 @ self.X  # (T, M, n, m)
        self.W = np.empty_like(self.Z)
        self.active = np.ones((T, M), dtype=bool)
        self.reasons = np.full((T, M), StopReason.MAX_ITERATIONS, dtype=object)
        self.stopped_at = np.zeros((T, M), dtype=np.int64)
        self.gnorm = np.full((T, M), math.nan)
        self.gnorm0: PointValues | None = None
        self.X_check = self.X.copy()
        self.lp_done = np.zeros((T, M), dtype=bool)

    def to_user(
        self, values: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        r"""Records (M, 5, T, R) at unit scale in the user's units, and the final X, gradient norms (T, M, ...)."""
        e_y = np.asarray([s.y_exponent for s in self.scalings])[:, None]
        e_x = np.asarray([s.x_exponent for s in self.scalings])[:, None]
        e_g = np.asarray([s.a_exponent + s.y_exponent for s in self.scalings])[:, None]
        out = values.copy()
        out[:, 0:2] = np.ldexp(values[:, 0:2], 2 * e_y)
        out[:, 4] = np.ldexp(values[:, 4], e_x)
        X = np.stack([np.stack([x_to_user(s, Xij) for Xij in Xi]) for s, Xi in zip(self.scalings, self.X)])
        return out, X, np.ldexp(self.gnorm, e_g)

    def stop(self, which: NDArray[np.bool_], reason: StopReason, t: int, gnorm: NDArray[np.float64]) -> None:
        if which.any():
            self.active[which] = False
            self.reasons[which] = reason
            self.stopped_at[which] = t
            self.gnorm[which] = gnorm[which]

    def record(self, m: int) -> tuple[PointValues, ...]:
        """The values :func:`~.descent.descend` records, each of shape (T, M)."""
        Z, X, y = self.Z, self.X, self.y
        loss, relaxed, train = point_measures(Z, y)  # descend's formulas, on the batch
        test = test_error_from(self.A_test4 @ X, self.y_test)
        if m == 1:
            rec = _norm((X - self.X_star).reshape(X.shape[:2] + (-1,)))
        else:
            rec = np.full(X.shape[:2], math.nan)
        return loss, relaxed, train, test, rec

    def step(self, t: int, max_iter: int, gtol: float) -> bool:
        """One iteration from iteration t, as :func:`~.descent.descend`; False once every pair stopped."""
        y2 = self.y[:, 0]
        for j, direction in enumerate(self.directions):
            self.W[:, j] = direction.weights(self.Z[:, j], y2)
        G = self.At4 @ self.W
        gnorm = cast("NDArray[np.float64]", _norm(G.reshape(G.shape[:2] + (-1,))))  # a batch: an array
        if self.gnorm0 is None:
            self.gnorm0 = starting_size(gnorm, self.gscale)
        act = self.active  # updated in place by stop()
        diverged, converged = stopping_tests(gnorm, self.gnorm0, self.gscale, gtol)  # descend's rules
        self.stop(act & diverged, StopReason.DIVERGED, t, gnorm)
        self.stop(act & converged, StopReason.CONVERGED, t, gnorm)
        if t >= max_iter:
            self.stop(act.copy(), StopReason.MAX_ITERATIONS, t, gnorm)
            return False
        X_next = self.X - self.mu[:, None, None, None] * G
        self.stop(act & iterate_not_finite(X_next), StopReason.DIVERGED, t, gnorm)
        if not act.any():
            return False
        self.X = X_next if act.all() else np.where(act[:, :, None, None], X_next, self.X)
        self.Z = self.A4 @ self.X
        self.gnorm[act] = gnorm[act]
        return True

    def check_recession(self, t: int) -> bool:
        """descend's unboundedness test where the objective is negative; False once every pair stopped."""
        y2 = self.y[:, 0]
        for j, direction in enumerate(self.directions):
            f = cast("NDArray[np.float64]", direction.objective(self.Z[:, j], y2))  # a batch: an array
            for i in np.flatnonzero(self.active[:, j] & (f < 0)):
                X = self.X[i, j]
                how, self.lp_done[i, j] = _unboundedness(
                    direction, self.A[i], y2[i], X, X - self.X_check[i, j], float(f[i]), bool(self.lp_done[i, j])
                )
                if how is not None:
                    self.active[i, j] = False
                    self.reasons[i, j] = StopReason.UNBOUNDED
                    self.stopped_at[i, j] = t
        self.X_check = self.X.copy()
        return bool(self.active.any())


def run_trials(
    n: int,
    d: int,
    m: int,
    seeds: Iterable[int],
    *,
    methods: Sequence[str] = ("gd", "rgd"),
    step: float | str = "auto",
    max_iter: int,
    history_every: int,
    scale: float = 1.0,
    noise: float = 0.0,
    n_test: int = 100,
    gtol: float = 0.0,
    chunk_bytes: int = CHUNK_BYTES,
) -> TrialBatch:
    r"""Run GD and/or RGD on the planted instances of ``seeds``, all trials together.

    Parameters
    ----------
    n, d, m : samples, features, neurons of every instance.
    seeds : the trials: instance ``s`` is ``planted_problem(n, d, m, seed=s,
        noise=noise, scale=scale, n_test=n_test)``, started from its ``X0``.
    methods : names from :data:`METHODS` (``"gd"``: Eq. (2) / (9); ``"rgd"``: Eq. (5) / (17)).
    step : positive float, or ``"auto"`` for each trial's own :func:`~.descent.safe_step`.
    max_iter, history_every, gtol : as :func:`~.descent.descend` (``gtol = 0``
        runs the whole budget unless a direction vanishes exactly).
    chunk_bytes : trials go through in chunks whose stacked ``A`` take about this many bytes.

    Returns
    -------
    TrialBatch, equal per trial to :func:`~.descent.descend` (module docstring).
    """
    start = time.perf_counter()
    methods = _check_methods(methods)
    seeds = _check_seeds(seeds)
    n, d, m = (check_positive_int(v, k) for v, k in ((n, "n"), (d, "d"), (m, "m")))
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    history_every = check_positive_int(history_every, "history_every")
    gtol = check_tolerance(gtol, "gtol")
    chunk_bytes = check_positive_int(chunk_bytes, "chunk_bytes")
    directions = tuple(METHODS[name] for name in methods)

    grid = record_grid(max_iter, history_every)
    T, M, R = seeds.size, len(methods), grid.size
    values = np.full((M, 5, T, R), math.nan)  # objective, relaxed, train, test, recovery
    X_final = np.empty((M, T, d, m))
    reasons = np.empty((M, T), dtype=object)
    stopped_at = np.empty((M, T), dtype=np.int64)
    gnorms = np.empty((M, T))
    steps = np.empty(T)

    per_chunk = max(1, chunk_bytes // (8 * n * d))
    for lo in range(0, T, per_chunk):
        hi = min(T, lo + per_chunk)
        problems = [planted_problem(n, d, m, seed=int(s), noise=noise, scale=scale, n_test=n_test) for s in seeds[lo:hi]]
        chunk = _Chunk(problems, directions, step, m)
        steps[lo:hi] = chunk.user_mu
        unit_values = np.full((M, 5, hi - lo, R), math.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            unit_values[:, :, :, 0] = np.stack(chunk.record(m)).transpose(2, 0, 1)
            t, k = 0, 1
            while chunk.step(t, max_iter, gtol):
                t += 1
                if t % CHECK_EVERY == 0 and not chunk.check_recession(t):
                    break
                if t == grid[k]:
                    unit_values[:, :, :, k] = np.stack(chunk.record(m)).transpose(2, 0, 1)
                    k += 1
            # every pair has stopped and keeps its final state: the rest of the grid repeats it
            unit_values[:, :, :, k:] = np.stack(chunk.record(m)).transpose(2, 0, 1)[..., None]
            values[:, :, lo:hi], X_user, gnorm_user = chunk.to_user(unit_values)
        X_final[:, lo:hi] = np.swapaxes(X_user, 0, 1)
        reasons[:, lo:hi] = chunk.reasons.T
        stopped_at[:, lo:hi] = chunk.stopped_at.T
        gnorms[:, lo:hi] = gnorm_user.T

    results = tuple(
        MethodTrials(
            method=name,
            iterations=grid.copy(),
            objective=values[j, 0],
            relaxed_objective=values[j, 1],
            train_error=values[j, 2],
            test_error=values[j, 3],
            recovery_distance=values[j, 4],
            X=X_final[j],
            stop_reasons=tuple(reasons[j]),
            stopped_at=stopped_at[j],
            gradient_norm=gnorms[j],
        )
        for j, name in enumerate(methods)
    )
    return TrialBatch(
        n=n, d=d, m=m, seeds=seeds, steps=steps, max_iter=max_iter, history_every=history_every, gtol=gtol,
        noise=float(noise), scale=float(scale), n_test=n_test, results=results,
        seconds=time.perf_counter() - start,
    )  # fmt: skip
