r"""Many GD/RGD trials on planted instances, as arrays: the one source of the reproduction's runs.

:func:`run_trials` calls :func:`relurelax.solvers.descend` once per seed and
method on ``planted_problem(n, d, m, seed=s, scale=..., noise=..., n_test=...)``
(Eqs. (4), (8)), starting from the instance's own Gaussian initial point, and
stacks the recorded histories into (trials, records) arrays. It has the
signature and result shape of the batched engine
``relurelax.solvers.batched.run_trials``, which advances the same trials as
matrix-matrix work with identical results; the figure reproduction gets every
trial through this one function, so moving to the batched engine is a change
of the import in :mod:`.reproduction`.

With ``gtol=0`` (the default) every trial runs its whole budget, so all
trials share the record grid ``iterations``. A trial that stops early
(divergence) has NaN after its last record on that grid, and its stop reason
says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

from relurelax.solvers import GD, RGD, descend, planted_problem
from relurelax.solvers._records import freeze_arrays
from relurelax.solvers.errors import InvalidInputError

__all__ = ["MethodTrials", "TrialBatch", "run_trials", "DIRECTIONS"]

#: the descent directions a trial can use, by method name
DIRECTIONS = MappingProxyType({"gd": GD, "rgd": RGD})


@dataclass(frozen=True)
class MethodTrials:
    r"""Histories of one method over all trials; arrays are (trials, records) and read-only.

    Fields as in :class:`relurelax.solvers.History`: ``objective`` is
    :math:`f` / :math:`f_m`, ``relaxed_objective`` is :math:`f_r` /
    :math:`f_{mp}`, errors are relative, ``recovery_distance`` is
    :math:`\|x - x^*\|_2` (NaN for m > 1). ``stop_reasons`` has one
    :class:`~relurelax.solvers.StopReason` value per trial.
    """

    objective: np.ndarray
    relaxed_objective: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    recovery_distance: np.ndarray
    stop_reasons: tuple[str, ...]

    def __post_init__(self):
        freeze_arrays(self)


@dataclass(frozen=True)
class TrialBatch:
    """The trials of :func:`run_trials`: ``batch["gd"]`` is a :class:`MethodTrials`."""

    n: int
    d: int
    m: int
    seeds: tuple[int, ...]
    step: float
    iterations: np.ndarray
    methods: Mapping[str, MethodTrials]

    def __post_init__(self):
        freeze_arrays(self)

    def __getitem__(self, method: str) -> MethodTrials:
        return self.methods[method]


_FIELDS = ("objective", "relaxed_objective", "train_error", "test_error", "recovery_distance")


def run_trials(
    n: int,
    d: int,
    m: int,
    seeds,
    *,
    methods=("gd", "rgd"),
    step,
    max_iter: int,
    history_every: int,
    scale: float = 1.0,
    noise: float = 0.0,
    n_test: int = 100,
    gtol: float = 0.0,
) -> TrialBatch:
    r"""Run every method in ``methods`` from every seed's planted instance.

    Parameters
    ----------
    n, d, m : samples, features, neurons of :func:`~relurelax.solvers.planted_problem`.
    seeds : one instance (data, planted point, initial point, test set) per seed.
    methods : names in :data:`DIRECTIONS` (``"gd"``: update (2); ``"rgd"``: (5), (17)).
    step, max_iter, history_every, gtol : passed to :func:`~relurelax.solvers.descend`.
    scale, noise, n_test : passed to :func:`~relurelax.solvers.planted_problem`.
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise InvalidInputError("seeds is empty; at least one trial is required")
    unknown = [name for name in methods if name not in DIRECTIONS]
    if unknown or not methods:
        raise InvalidInputError(f"methods must be a non-empty subset of {sorted(DIRECTIONS)}; got {list(methods)!r}")

    grid = None
    rows: dict[str, dict[str, list[np.ndarray]]] = {name: {f: [] for f in _FIELDS} for name in methods}
    reasons: dict[str, list[str]] = {name: [] for name in methods}
    mu = None
    for seed in seeds:
        P = planted_problem(n, d, m, seed=seed, scale=scale, noise=noise, n_test=n_test)
        for name in methods:
            result = descend(
                P.A, P.y, P.X0, DIRECTIONS[name], step=step, max_iter=max_iter, gtol=gtol,
                history_every=history_every, A_test=P.A_test, y_test=P.y_test, X_star=P.X_star,
            )  # fmt: skip
            h = result.history
            if grid is None:
                grid = np.unique(np.r_[np.arange(0, max_iter + 1, history_every), max_iter])
                mu = result.step
            for field in _FIELDS:
                values = np.full(grid.shape, np.nan)
                # a run that stopped early fills its grid prefix; its last record may sit off-grid
                on_grid = np.searchsorted(grid, h.iterations)
                keep = (on_grid < grid.size) & (grid[np.minimum(on_grid, grid.size - 1)] == h.iterations)
                values[on_grid[keep]] = getattr(h, field)[keep]
                rows[name][field].append(values)
            reasons[name].append(result.stop_reason.value)

    batch = {
        name: MethodTrials(**{f: np.vstack(rows[name][f]) for f in _FIELDS}, stop_reasons=tuple(reasons[name]))
        for name in methods
    }
    return TrialBatch(n, d, m, seeds, float(mu), grid, MappingProxyType(batch))
