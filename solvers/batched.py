r"""Many planted trials of GD and RGD advanced together: the batched experiment engine.

The paper's experiments (Section III, Figs. 1-2) run GD (update (2); the
gradient of (9) for m > 1) and RGD (update (5); (17) for m > 1) from the same
initial point on many planted instances of (4) / (8). :func:`run_trials`
draws those instances, ``planted_problem(n, d, m, seed=s, ...)`` for every
seed ``s``, and advances every (trial, method) pair in lockstep: one
iteration of a chunk of trials is a handful of numpy calls on stacked arrays
instead of a Python loop per trial.

How. Trials go through in chunks (about :data:`CHUNK_BYTES` of stacked
data); in a chunk the iterates of all methods of a trial are the K = k m
rows of one array (T, K, d), the columns of :math:`[X_{GD}, X_{RGD}]`
stored row by row, so that elementwise work runs along rows of length n or
d and every method's product with a trial's matrix is one BLAS
matrix-vector product per row, the rows of a trial one after the other
while its matrix is in the cache (:func:`_times`). When n <= d the
pre-activations are advanced in the n-space,

.. math::

    Z_{t+1} = A X_{t+1} = Z_t - \mu (A A^T) W_t, \qquad
    \|A^T W_t\|_F^2 = \langle W_t, (A A^T) W_t \rangle,

one product with the n x n matrix :math:`\mu AA^T` per iteration instead of
two with A; :math:`\sum_t W_t` is kept and folded into
:math:`X \leftarrow X - \mu A^T \sum_t W_t` (and ``Z`` recomputed as
``A X``) at every record, recession check and stop, so rounding does not
accumulate beyond :data:`CHECK_EVERY` iterations. Where the Gram form of the
norm could lose digits to cancellation (:math:`\|A^T W\|^2 \le 10^{-8}
\|W\|^2 \|A\|_F^2`, near a stationary point) the norm is computed from
:math:`A^T W` itself, and every reported norm is. When n > d: the two
products :math:`G = A^T W`, :math:`Z = A X`. The weights of one neuron (GD,
RGD, :func:`~.descent.interpolated_direction`) are computed in place over
all rows; other directions through their own ``weights``. The products
run on one BLAS thread (:func:`~.threads.blas_threads`). Iterations go by
blocks of :data:`BLOCK_ITERATIONS` whose direction norms are tested after
the block; a block in which a pair would stop is put back and run one
iteration at a time, which computes the same numbers
(:meth:`_Chunk.advance`).

Contract with :func:`~.descent.descend`. For each trial and method, the
batch gives what ``descend(P.A, P.y, P.X0, direction, step=...,
max_iter=..., history_every=..., gtol=..., A_test=P.A_test,
y_test=P.y_test, X_star=P.X_star)`` returns: the same stop reasons and
iteration counts (on the tested seeds: a stop decided by a norm within
rounding of its threshold could fall one iteration apart), and final
iterates and recorded values equal within :math:`10^{-10}` relative to
their size. It is not bitwise: the summation order of the shared products
differs from descend's matrix-vector products. The stopping rules are
descend's own functions (:func:`~.descent.stopping_tests`,
:func:`~.descent.starting_size`, :func:`~.descent.iterate_not_finite`), and
so are the step (``"auto"`` is :func:`~.descent.safe_step` of each trial's
own ``A``), the record formulas (:func:`~.descent.point_measures`) and the
recession test. ``tests/test_batched.py`` checks the contract on n < d,
n = d, n > d, m = 1, 2, 3, early stops of every kind and interpolated
directions.

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

import concurrent.futures
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Sequence, cast

import numpy as np
from numpy.typing import NDArray

from .records import freeze_arrays
from .threads import blas_threads, engine_threads
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
#: trials per chunk are chosen so that their stacked data (A, and mu A A^T when n <= d) take about this many
#: bytes (52 trials at n = d = 100; the chunks of a batch run on threads, one chunk each). Measured at n = d = 100,
#: 100 trials, 2000 iterations, two threads, blocks of 16: 3 MB chunks 1.00 s, 6 MB 0.72 s, 8 MB 0.73 s, 16 MB
#: (one chunk, one thread busy) 0.97 s; smaller chunks make more numpy calls per iteration, whose Python steps
#: hold the GIL
CHUNK_BYTES = 8 << 20
#: iterations between recession checks, as :func:`~.descent.descend`'s default
CHECK_EVERY = 100
#: iterations advanced at once between tests of their norms (:meth:`_Chunk.advance`), at most
BLOCK_ITERATIONS = 16
#: a chunk's buffers for a block (directions, products, their squares) take at most about this many bytes;
#: fewer iterations per block where they would take more (none below two)
BLOCK_BYTES = 16 << 20


@dataclass(frozen=True)
class MethodTrials:
    r"""One method's results over all trials; arrays have a leading trial axis.

    Attributes
    ----------
    method : the method's name (``"gd"``, ``"rgd"`` or a key of a mapping of directions).
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
    clip: bool = False

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


def _check_methods(methods: object) -> tuple[tuple[str, Direction], ...]:
    """``(name, direction)`` pairs from names of :data:`METHODS` or a mapping name -> :class:`~.descent.Direction`."""
    if isinstance(methods, Mapping):
        if not methods:
            raise InvalidInputError("methods is empty; give at least one name -> Direction")
        for name, direction in methods.items():
            if not isinstance(name, str) or not isinstance(direction, Direction):
                raise InvalidInputError(
                    f"methods must map names (str) to Direction objects; got {name!r} -> {direction!r}"
                )
        return tuple(methods.items())
    if isinstance(methods, str) or not isinstance(methods, Sequence) or not methods:
        raise InvalidInputError(f"methods must be a non-empty sequence of names from {sorted(METHODS)}; got {methods!r}")
    for name in methods:
        if name not in METHODS:
            raise InvalidInputError(f"unknown method {name!r}; accepted: {', '.join(sorted(METHODS))}")
    if len(set(methods)) != len(methods):
        raise InvalidInputError(f"methods must not repeat a name; got {methods!r}")
    return tuple((name, METHODS[name]) for name in methods)


def _check_seeds(seeds: Iterable[object]) -> NDArray[np.int64]:
    try:
        seeds = list(seeds)
    except TypeError:
        raise InvalidInputError(f"seeds must be a sequence of integers >= 0; got {seeds!r}") from None
    if not seeds:
        raise InvalidInputError("seeds is empty; give at least one seed")
    return np.asarray([check_positive_int(s, "each seed", minimum=0) for s in seeds], dtype=np.int64)


def _times(
    matrices: NDArray[np.float64], V: NDArray[np.float64], out: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    r"""``out[t, j] = matrices[t] @ V[t, j]``: each trial's matrix (T, r, c) times each of its rows (T, K, c).

    One BLAS matrix-vector product per (trial, row), trial by trial, so that a trial's matrix is read from
    memory once and is still in the core's cache for its other rows (the matrix is broadcast over the
    rows). Measured at n = d = 100, 52 trials, one thread, two rows: 149 us, against 179 us for one
    batched product per row (the matrices read from memory twice) and 297 us for one matrix product per
    trial (gemm, which first copies the matrix into its packed form); 271 us against 307 us with four rows.
    """
    if out is None:
        out = np.empty(V.shape[:2] + (matrices.shape[1],))
    np.matmul(matrices[:, None], V[..., None], out=out[..., None])
    return out


def _fast_weights(
    directions: tuple[Direction, ...], m: int
) -> tuple[bool | None, slice | None, NDArray[np.float64] | None]:
    """For one neuron and directions that are GD, RGD or interpolated: the rows with a mask and their lam."""
    if m != 1:
        return None, None, None
    lams = []
    for direction in directions:
        lam = {GD: 0.0, RGD: 1.0}.get(direction, getattr(direction, "lam", None))
        if lam is None:
            return None, None, None
        lams.append(float(lam))
    masked = [j for j, lam in enumerate(lams) if lam != 1.0]
    if not masked:
        return True, None, None
    if masked != list(range(masked[0], masked[-1] + 1)):  # not one slice of rows: the general path
        return None, None, None
    partial = np.asarray([lams[j] for j in masked])[:, None]  # one lam per row, along the row's entries
    return True, slice(masked[0], masked[-1] + 1), (partial if (partial != 0.0).any() else None)


class _Chunk:
    r"""Stacked data of a chunk of trials and the state of every (trial, method) pair.

    The iterates of all methods of a trial are the rows of one array: ``X``
    is (T, K, d) with K = M m, row j m + c holding column c of method j's
    iterate, so one product with the trial's data serves every method, and
    ``Z``, ``W`` (T, K, n) are the pre-activations and direction weights,
    row by row. ``gram`` (n <= d): the pre-activations are advanced in the
    n-space, :math:`Z \leftarrow Z - \mu (AA^T) W`, one product per
    iteration; :math:`\sum_t W_t` is kept and folded into ``X``
    (:meth:`sync`) at records, checks and stops, where ``Z`` is recomputed
    as ``A X``. Otherwise :math:`G = A^T W`, :math:`X \leftarrow X - \mu G`,
    :math:`Z = AX`, two products per iteration.
    """

    def __init__(
        self, problems: list[PlantedProblem], directions: tuple[Direction, ...], step: float | str, m: int
    ) -> None:
        # every trial runs at its own unit scale, as descend does (powers of two, exact)
        units = [unit_problem(P.A, P.y, P.A_test, P.y_test, keep_moderate=True) for P in problems]
        self.scalings = [u.scaling for u in units]
        A = np.stack([u.A for u in units])  # (T, n, d)
        T, n, d = A.shape
        M = len(directions)
        self.m, self.M = m, M
        self.A = A
        self.At = np.swapaxes(A, 1, 2)
        self.y = np.stack([u.y for u in units])  # (T, n)
        self.y_rows = self.y[:, None, :]
        # planted problems have a test set: the casts say so to the type checker
        self.A_test = np.stack([cast("NDArray[np.float64]", u.A_test) for u in units])
        self.y_test = np.stack([cast("NDArray[np.float64]", u.y_test) for u in units])[:, None]
        X_star = [u.scaling.x_to_unit(P.X_star) for u, P in zip(units, problems)]
        self.X_star = np.stack(X_star)[:, None]  # (T, 1, d, m)
        steps = [_resolve_step(step, u.A, m, u.scaling.a_exponent) for u in units]
        self.mu = np.asarray([unit_mu for unit_mu, _ in steps])
        self.user_mu = np.asarray([mu for _, mu in steps])
        self.mu3 = self.mu[:, None, None]
        self.gscale = np.asarray([_gradient_scale(u.A, u.y) for u in units])[:, None]
        self.directions = directions
        X0 = np.stack([u.scaling.x_to_unit(P.X0).T for u, P in zip(units, problems)])  # (T, m, d)
        self.X = np.ascontiguousarray(np.concatenate([X0] * M, axis=1))  # (T, K, d)
        self.Z = _times(A, self.X)  # (T, K, n)
        self.W = np.empty_like(self.Z)
        self.gram = n <= d
        if self.gram:
            self.B = self.mu3 * (A @ self.At)  # mu A A^T, (T, n, n)
            self.S = np.zeros_like(self.Z)
            # ||A||_F^2 >= ||A||_2^2 bounds the rounding of w^T (A A^T) w against ||A^T w||^2
            self.fro2 = np.einsum("tij,tij->t", A, A)[:, None]
        else:
            self.step_X = np.empty_like(self.X)  # mu A^T W, the step of X
        # this iteration's product of the directions with the trial's matrix (:meth:`_product`), and a buffer
        self.V = np.empty_like(self.Z if self.gram else self.X)
        self.Q = np.empty_like(self.V)
        self.rows = [slice(j * m, (j + 1) * m) for j in range(M)]
        # the in-place weights of one neuron: which rows carry the activation mask D, and the
        # weight of the entries outside it (0 for GD: the mask itself; lam for an interpolated direction)
        self.fast, self.fast_gd, self.fast_lam = _fast_weights(directions, m)
        if self.fast_gd is not None:
            self.fast_Z = self.Z[:, self.fast_gd]  # a view: the rows are a slice
            self.fast_D = np.empty(self.fast_Z.shape, dtype=bool)
        # the directions of a block of iterations (advance), and its products: A A^T W (gram) or A^T W
        product = self.Z.shape if self.gram else self.X.shape
        self.block = min(BLOCK_ITERATIONS, BLOCK_BYTES // (8 * (self.Z.size + 2 * math.prod(product))))
        self.W_block = np.empty((self.block,) + self.Z.shape)
        self.V_block = np.empty((self.block,) + product)
        self.Q_block = np.empty_like(self.V_block)  # _squared_norms' buffer
        self.rowmask: NDArray[np.float64] | None = None  # (T, K, 1) once a pair has stopped
        self.active = np.ones((T, M), dtype=bool)
        self.reasons = np.full((T, M), StopReason.MAX_ITERATIONS, dtype=object)
        self.stopped_at = np.zeros((T, M), dtype=np.int64)
        self.gnorm = np.full((T, M), math.nan)
        self.gnorm0: PointValues | None = None
        self.X_check = self.X4.copy()
        self.lp_done = np.zeros((T, M), dtype=bool)

    def _by_method(self, V: NDArray[np.float64]) -> NDArray[np.float64]:
        """(T, K, rows) as (T, M, rows, m): a view, method by method, each a (rows, m) matrix."""
        T, _, rows = V.shape
        return V.reshape(T, self.M, self.m, rows).transpose(0, 1, 3, 2)

    @property
    def X4(self) -> NDArray[np.float64]:
        return self._by_method(self.X)

    @property
    def Z4(self) -> NDArray[np.float64]:
        return self._by_method(self.Z)

    def sync(self) -> None:
        r"""Fold the kept weights into ``X`` (:math:`X \leftarrow X - \mu A^T \sum_t W_t`) and recompute ``Z = A X``."""
        if self.gram:
            self.X -= self.mu3 * _times(self.At, self.S)
            self.S[...] = 0.0
            _times(self.A, self.X, out=self.Z)

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
        X = np.stack([np.stack([x_to_user(s, Xij) for Xij in Xi]) for s, Xi in zip(self.scalings, self.X4)])
        return out, X, np.ldexp(self.gnorm, e_g)

    def record(self) -> tuple[PointValues, ...]:
        """The values :func:`~.descent.descend` records, each of shape (T, M); call after :meth:`sync`."""
        Z, X, y = self.Z4, self.X4, self.y[:, None]
        loss, relaxed, train = point_measures(Z, y)  # descend's formulas, on the batch
        test = test_error_from(self.A_test[:, None] @ X, self.y_test)
        if self.m == 1:
            rec = _norm((X - self.X_star).reshape(X.shape[:2] + (-1,)))
        else:
            rec = np.full(X.shape[:2], math.nan)
        return loss, relaxed, train, test, rec

    def _weights(self) -> None:
        if self.fast is not None:
            # one neuron, GD / RGD / interpolated: W = r * (D + lam (1 - D)), r = g(z) - y, the
            # formulas of objectives._gd_weights and _rgd_weights written in place over all rows
            np.maximum(self.Z, 0.0, out=self.W)
            self.W -= self.y_rows
            if self.fast_gd is not None:
                Dg, Wg = self.fast_D, self.W[:, self.fast_gd]  # a view of the weights (a block's slot)
                np.greater_equal(self.fast_Z, 0.0, out=Dg)
                Wg *= Dg if self.fast_lam is None else np.where(Dg, 1.0, self.fast_lam)
        else:
            for direction, rows in zip(self.directions, self.rows):
                weights = direction.weights(np.swapaxes(self.Z[:, rows], 1, 2), self.y)  # (T, n, m)
                self.W[:, rows] = np.swapaxes(weights, 1, 2)
        if self.rowmask is not None:
            self.W *= self.rowmask

    def _per_method(self, row_values: NDArray[np.float64]) -> NDArray[np.float64]:
        """(..., T, K) row values summed over each method's m rows: (..., T, M)."""
        if self.m == 1:
            return row_values
        return row_values.reshape(row_values.shape[:-1] + (self.M, self.m)).sum(axis=-1)

    def _exact_gnorm(self) -> NDArray[np.float64]:
        r""":math:`\|A^T W\|_F` per pair, from the product itself (scale-safe norms)."""
        G = self._by_method(_times(self.At, self.W))
        return cast("NDArray[np.float64]", _norm(G.reshape(G.shape[:2] + (-1,))))

    def _product(self, out: NDArray[np.float64]) -> None:
        r"""This iteration's product of the directions with the trial's matrix, into ``out``.

        :math:`\mu AA^TW` (gram), the change of ``Z``; else :math:`A^TW`, the gradient of ``X``.
        """
        _times(self.B if self.gram else self.At, self.W, out=out)

    def _update(self, V: NDArray[np.float64]) -> None:
        r"""The iteration's step from its product ``V`` (:meth:`_product`): ``Z -= V``, ``W`` kept (gram), or
        :math:`X \leftarrow X - \mu V` and ``Z = A X``."""
        if self.gram:
            self.Z -= V
            self.S += self.W
        else:
            np.multiply(V, self.mu3, out=self.step_X)
            self.X -= self.step_X
            _times(self.A, self.X, out=self.Z)

    def _large_step(self, gnorm: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Where the step mu ||G|| is large enough that the next iterate may leave float64 (or is not finite)."""
        return ~(self.mu[:, None] * gnorm < 1e290)

    def _gnorm(self) -> NDArray[np.float64]:
        r"""The direction norms (T, M) of this iteration; fills ``V`` (:meth:`_product`)."""
        self._product(self.V)
        g2, exact = self._squared_norms(self.W, self.V, self.Q)
        if (self.active & exact).any():
            return self._exact_gnorm()
        return np.sqrt(g2)

    def _squared_norms(
        self, W: NDArray[np.float64], V: NDArray[np.float64], Q: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        r"""Squared direction norms (..., T, M) from directions ``W`` and products ``V`` (..., T, K, rows).

        ``V`` is :math:`\mu AA^TW` (gram) or :math:`A^TW`; ``Q`` is a buffer of its shape. Also where the
        norm must come from :math:`A^TW` itself instead (:meth:`_exact_gnorm`).
        """
        # row sums along contiguous rows: one pass, the same sums for a block's directions as for one
        with np.errstate(over="ignore"):
            if not self.gram:
                np.multiply(V, V, out=Q)
                g2 = self._per_method(Q.sum(axis=-1))
                return g2, ~(g2 < 1e300) | ~(g2 > 1e-300)  # overflow, underflow, NaN: the scale-safe norm
            np.multiply(W, V, out=Q)
            g2 = self._per_method(Q.sum(axis=-1)) / self.mu[:, None]
            np.multiply(W, W, out=Q)
            w2 = self._per_method(Q.sum(axis=-1))
        # w^T (A A^T) w loses about n eps ||w||^2 ||A||^2 to rounding: where that is not
        # negligible (near a stationary point), the norm comes from A^T w itself
        return g2, ~(g2 > 1e-8 * w2 * self.fro2)

    def stop(self, which: NDArray[np.bool_], reason: StopReason, t: int, gnorm: NDArray[np.float64]) -> None:
        if which.any():
            self.active[which] = False
            self.reasons[which] = reason
            self.stopped_at[which] = t
            self.gnorm[which] = gnorm[which]

    def _mask_stopped(self) -> NDArray[np.float64]:
        """From now on the weights of stopped pairs are zero (:meth:`_weights`), so that they keep their iterate."""
        self.rowmask = np.repeat(self.active, self.m, axis=1)[:, :, None].astype(np.float64)
        return self.rowmask

    def _freeze(self) -> None:
        """Zero the weights (and products) of stopped pairs, so that they keep their iterate."""
        mask = self._mask_stopped()
        self.W *= mask
        self.V *= mask

    def step(self, t: int, max_iter: int, gtol: float) -> bool:
        """One iteration from iteration t, as :func:`~.descent.descend`; False once every pair stopped."""
        self._weights()
        gnorm = self._gnorm()
        if self.gnorm0 is None:
            self.gnorm0 = starting_size(gnorm, self.gscale)
        act = self.active  # updated in place by stop()
        diverged, converged = stopping_tests(gnorm, self.gnorm0, self.gscale, gtol)  # descend's rules
        ending = act & (diverged | converged)
        if ending.any() or t >= max_iter:
            self.sync()  # the stopping pairs' iterate at t
            if self.gram:
                gnorm = self._exact_gnorm()  # the reported norm, from A^T W
            self.stop(act & diverged, StopReason.DIVERGED, t, gnorm)
            self.stop(act & converged, StopReason.CONVERGED, t, gnorm)
            if t >= max_iter:
                self.stop(act.copy(), StopReason.MAX_ITERATIONS, t, gnorm)
                return False
            if not act.any():
                return False
            self._freeze()
        big = act & self._large_step(gnorm)
        if big.any():  # the next iterate may leave float64: descend's check, on the materialised step
            self.sync()
            G = self.mu3 * _times(self.At, self.W)
            not_finite = np.asarray(iterate_not_finite(self._by_method(self.X - G)))
            self.stop(act & not_finite, StopReason.DIVERGED, t, gnorm)
            if not act.any():
                return False
            self._freeze()
            self.X -= self.mu3 * _times(self.At, self.W)
            _times(self.A, self.X, out=self.Z)
        else:
            self._update(self.V)
        self.gnorm[act] = gnorm[act]
        return True

    def advance(self, k: int, gtol: float) -> bool:
        r"""k iterations at once (after the first), if no active pair stops in them; else False, the state unchanged.

        The k iterations make :meth:`step`'s directions and updates, with the
        same operations (so the same numbers), and leave the k direction
        norms to one test after the block: where an active pair would stop
        in it, would take a step large enough for :meth:`step`'s finiteness
        check, or has a Gram norm that needs the exact form, the state is put
        back and the caller runs these iterations with :meth:`step`. A run is
        therefore the same whether its iterations went by blocks or one at a
        time; a block saves the per-iteration tests, most of the numpy calls
        of an iteration.
        """
        W, Z0 = self.W, self.Z.copy()
        kept = self.S.copy() if self.gram else self.X.copy()
        Wb, Vb = self.W_block[:k], self.V_block[:k]
        try:
            for i in range(k):
                self.W = Wb[i]
                self._weights()
                self._product(Vb[i])
                self._update(Vb[i])
        finally:
            self.W = W
        g2, odd = self._squared_norms(Wb, Vb, self.Q_block[:k])  # _gnorm's numbers
        gnorm = np.sqrt(g2)  # (k, T, M)
        gnorm0 = cast("NDArray[np.float64]", self.gnorm0)  # set by the first step
        diverged, converged = stopping_tests(gnorm, gnorm0, self.gscale, gtol)
        if (self.active & (odd | diverged | converged | self._large_step(gnorm))).any():
            self.Z[...] = Z0
            if self.gram:
                self.S[...] = kept
            else:
                self.X[...] = kept
            return False
        self.gnorm[self.active] = gnorm[-1][self.active]
        return True

    def check_recession(self, t: int) -> bool:
        """descend's unboundedness test where the objective is negative; False once every pair stopped."""
        self.sync()
        X4, Z4 = self.X4, self.Z4
        for j, direction in enumerate(self.directions):
            f = cast("NDArray[np.float64]", direction.objective(Z4[:, j], self.y))  # a batch: an array
            for i in np.flatnonzero(self.active[:, j] & (f < 0)):
                X = X4[i, j]
                how, self.lp_done[i, j] = _unboundedness(
                    direction, self.A[i], self.y[i], X, X - self.X_check[i, j], float(f[i]), bool(self.lp_done[i, j])
                )
                if how is not None:
                    self.active[i, j] = False
                    self.reasons[i, j] = StopReason.UNBOUNDED
                    self.stopped_at[i, j] = t
        self.X_check = X4.copy()
        if not self.active.all():
            self._mask_stopped()
        return bool(self.active.any())


def run_trials(
    n: int,
    d: int,
    m: int,
    seeds: Iterable[int],
    *,
    methods: Sequence[str] | Mapping[str, Direction] = ("gd", "rgd"),
    step: float | str = "auto",
    max_iter: int,
    history_every: int,
    scale: float = 1.0,
    noise: float = 0.0,
    n_test: int = 100,
    gtol: float = 0.0,
    clip: bool = False,
    chunk_bytes: int = CHUNK_BYTES,
    threads: int | None = None,
) -> TrialBatch:
    r"""Run GD and/or RGD on the planted instances of ``seeds``, all trials together.

    Parameters
    ----------
    n, d, m : samples, features, neurons of every instance.
    seeds : the trials: instance ``s`` is ``planted_problem(n, d, m, seed=s,
        noise=noise, scale=scale, n_test=n_test, clip=clip)``, started from its ``X0``.
    methods : names from :data:`METHODS` (``"gd"``: Eq. (2) / (9); ``"rgd"``: Eq. (5) / (17)),
        or a mapping name -> :class:`~.descent.Direction` (e.g.
        :func:`~.descent.interpolated_direction`), run in its order.
    clip : draw the instances with clipped labels :math:`\max(0, g(Ax^*) + \text{noise}\,e)`
        (:func:`~.data.planted_problem`).
    step : positive float, or ``"auto"`` for each trial's own :func:`~.descent.safe_step`.
    max_iter, history_every, gtol : as :func:`~.descent.descend` (``gtol = 0``
        runs the whole budget unless a direction vanishes exactly).
    chunk_bytes : trials go through in chunks whose stacked data take about this many bytes.
    threads : how many chunks run at once, each on its own thread (default
        :func:`~.threads.engine_threads`: the CPUs this process may use). It
        changes no result: the chunks depend on ``chunk_bytes`` and the data's
        size only.

    Returns
    -------
    TrialBatch: per trial, descend's stops and iteration counts, its iterates and records within 1e-10
    relative (module docstring).
    """
    start = time.perf_counter()
    pairs = _check_methods(methods)
    methods = tuple(name for name, _ in pairs)
    seeds = _check_seeds(seeds)
    n, d, m = (check_positive_int(v, k) for v, k in ((n, "n"), (d, "d"), (m, "m")))
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    history_every = check_positive_int(history_every, "history_every")
    gtol = check_tolerance(gtol, "gtol")
    chunk_bytes = check_positive_int(chunk_bytes, "chunk_bytes")
    directions = tuple(direction for _, direction in pairs)

    grid = record_grid(max_iter, history_every)
    T, M, R = seeds.size, len(methods), grid.size
    values = np.full((M, 5, T, R), math.nan)  # objective, relaxed, train, test, recovery
    X_final = np.empty((M, T, d, m))
    reasons = np.empty((M, T), dtype=object)
    stopped_at = np.empty((M, T), dtype=np.int64)
    gnorms = np.empty((M, T))
    steps = np.empty(T)

    workers = engine_threads() if threads is None else check_positive_int(threads, "threads")
    # the chunks depend on the data's size only, never on the threads: the products of a stack of matrices
    # are not bitwise those of a stack of another height, and results must not depend on the machine
    per_chunk = max(1, chunk_bytes // (8 * n * (d + (n if n <= d else 0))))  # A, and mu A A^T when n <= d
    # the products are per trial (n x d, or n x n): one BLAS thread each, as solvers.threads measured
    # for products of this size; a second thread only waits on a shared core
    def run_chunk(lo: int, hi: int) -> None:
        problems = [planted_problem(n, d, m, seed=int(s), noise=noise, scale=scale, n_test=n_test, clip=clip)
                    for s in seeds[lo:hi]]
        chunk = _Chunk(problems, directions, step, m)
        steps[lo:hi] = chunk.user_mu
        unit_values = np.full((M, 5, hi - lo, R), math.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            unit_values[:, :, :, 0] = np.stack(chunk.record()).transpose(2, 0, 1)
            t, k, stepwise_until = 0, 1, 1  # the first iteration sets the divergence scale: one step
            while True:
                # a block runs up to the next record, recession check or the last iteration (a step's stop)
                block = min(chunk.block, CHECK_EVERY - t % CHECK_EVERY, int(grid[min(k, R - 1)]) - t, max_iter - t)
                if t >= stepwise_until and block > 1 and chunk.advance(block, gtol):
                    t += block
                else:
                    if t >= stepwise_until:  # a pair stops in this block (or needs an exact norm): step through it
                        stepwise_until = t + max(block, 1)
                    if not chunk.step(t, max_iter, gtol):
                        break
                    t += 1
                if t % CHECK_EVERY == 0 and not chunk.check_recession(t):
                    break
                if t == grid[k]:
                    chunk.sync()
                    unit_values[:, :, :, k] = np.stack(chunk.record()).transpose(2, 0, 1)
                    k += 1
            # every pair has stopped and keeps its final state: the rest of the grid repeats it
            chunk.sync()
            unit_values[:, :, :, k:] = np.stack(chunk.record()).transpose(2, 0, 1)[..., None]
            values[:, :, lo:hi], X_user, gnorm_user = chunk.to_user(unit_values)
        X_final[:, lo:hi] = np.swapaxes(X_user, 0, 1)
        reasons[:, lo:hi] = chunk.reasons.T
        stopped_at[:, lo:hi] = chunk.stopped_at.T
        gnorms[:, lo:hi] = gnorm_user.T

    bounds = [(lo, min(T, lo + per_chunk)) for lo in range(0, T, per_chunk)]
    workers = min(len(bounds), workers)
    with blas_threads(n, d):
        if workers <= 1:
            for lo, hi in bounds:
                run_chunk(lo, hi)
        else:
            # chunks are independent and write disjoint slices; numpy releases the GIL in their products
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                for future in [pool.submit(run_chunk, lo, hi) for lo, hi in bounds]:
                    future.result()

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
        seconds=time.perf_counter() - start, clip=bool(clip),
    )  # fmt: skip
