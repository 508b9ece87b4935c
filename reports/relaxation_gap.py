r"""What the relaxation loses off the planted model: exact :math:`\min f` against :math:`\min f_r`, computed.

Theorem 1 says :math:`\min f = \min f_r` and that a minimiser of :math:`f_r`
(Eq. (3)) minimises :math:`f` (Eq. (1)) *given the planted model (4)*. Off
it the paper says nothing, and nobody could say how much is lost without the
non-convex global minimum. With the exact :math:`\min f` over every
activation cell (:func:`relurelax.solvers.exact_minimum`) the loss is a
number. For each instance this module computes, all halved as in
:mod:`relurelax.solvers.objectives` and recomputed in float64 at the points:

* ``min_f``: the exact global minimum of :math:`f` (certified cell by cell);
* ``min_fr``: :math:`\min f_r` by the exact Newton solver (its gradient
  certificate passes), and ``f_at_argmin_fr``, :math:`f` at that minimiser:
  what a user of the relaxation gets;
* ``p_plus``: :math:`P_+ \le \min f_m` for every m (the positive-output
  convex program), and the neurons of its network;
* ``gd_f``, ``rgd_f``: :math:`f` where GD (Eq. (2)) and RGD (Eq. (5)) stop
  from one seeded start (RGD minimises :math:`f_r`, so its point is close to
  Newton's).

The losses :math:`f(\arg\min f_r) - \min f \ge 0` and
:math:`\min f_r - \min f \ge 0` (Eq. (6) gives :math:`f_r \ge f`) are
reported relative to :math:`\|y\|^2`. The instances are planted Gaussian
data with nonnegative noise, :math:`y = g(Ax^*) + \sigma|e|` (labels stay
:math:`\ge 0`, so :math:`f_r` is bounded below), and one real data set, the
stack-loss data (Brownlee 1965, *Statistical Theory and Methodology in
Science and Engineering*, p. 454; R's ``datasets::stackloss``): 21 days of a
plant oxidising ammonia, the three operating variables (air flow, cooling
water temperature, acid concentration) standardised to mean 0 and variance
1, the stack loss as the label.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from relurelax.solvers import GD, RGD, descend, exact_minimum, objective, relaxed_objective, solve_pplus
from relurelax.solvers.newton import NewtonStopReason, solve_relaxation_newton
from relurelax.solvers.seeds import derived_seed

from .formatting import number
from .progress import Progress

__all__ = ["GapSettings", "GAP_PROFILES", "STACKLOSS", "stackloss_problem", "run_relaxation_gap",
           "gap_finding", "RELATIVE_LOSS_TOL"]  # fmt: skip

#: the stack-loss data (Brownlee 1965): air flow, water temperature, acid concentration, stack loss
STACKLOSS = (
    (80, 27, 89, 42), (80, 27, 88, 37), (75, 25, 90, 37), (62, 24, 87, 28), (62, 22, 87, 18),
    (62, 23, 87, 18), (62, 24, 93, 19), (62, 24, 93, 20), (58, 23, 87, 15), (58, 18, 80, 14),
    (58, 18, 89, 14), (58, 17, 88, 13), (58, 18, 82, 11), (58, 19, 93, 12), (50, 18, 89, 8),
    (50, 18, 86, 7), (50, 19, 72, 8), (50, 19, 79, 8), (50, 20, 80, 9), (56, 20, 82, 15),
    (70, 20, 91, 15),
)  # fmt: skip
#: a loss (relative to the squared norm of the labels) above this is a loss, not rounding (float64 least squares)
RELATIVE_LOSS_TOL = 1e-9
#: the seeds' namespace (relurelax.solvers.seeds.derived_seed)
SEED_NAMESPACE = "relaxation-gap"
#: iteration budget of the GD and RGD runs
DESCENT_BUDGET = 20_000


@dataclass(frozen=True)
class GapSettings:
    """Which instances: planted Gaussian ones of sizes ``ns`` x ``d`` with noise ``noise``, and the stack-loss data."""

    ns: tuple[int, ...] = (8, 13, 20)
    d: int = 3
    noise: float = 0.3
    real_data: bool = True


GAP_PROFILES = {"quick": GapSettings(ns=(8,)), "default": GapSettings(), "thorough": GapSettings(ns=(8, 13, 20, 40))}


def stackloss_problem() -> tuple[np.ndarray, np.ndarray]:
    """``(A, y)`` of the stack-loss data: the three variables standardised (mean 0, variance 1), y the stack loss."""
    data = np.array(STACKLOSS, dtype=np.float64)
    X = data[:, :3]
    A = (X - X.mean(axis=0)) / X.std(axis=0)
    return A, data[:, 3].copy()


def _noisy_planted(n: int, d: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    x_star = rng.standard_normal(d)
    y = np.maximum(A @ x_star, 0.0) + noise * np.abs(rng.standard_normal(n))
    return A, y, rng.standard_normal(d)


def _instance(name: str, A: np.ndarray, y: np.ndarray, x0: np.ndarray) -> dict:
    """Every number of one instance (module docstring), with the losses relative to ||y||^2."""
    start = time.perf_counter()
    exact = exact_minimum(A, y)
    newton = solve_relaxation_newton(A, y)
    if newton.stop_reason is not NewtonStopReason.CONVERGED:
        raise RuntimeError(f"{name}: the Newton solve of min f_r did not converge ({newton.message})")
    pplus = solve_pplus(A, y)
    yy = float(y @ y)
    gd = descend(A, y, x0, GD, max_iter=DESCENT_BUDGET, history_every=DESCENT_BUDGET)
    rgd = descend(A, y, x0, RGD, max_iter=DESCENT_BUDGET, history_every=DESCENT_BUDGET)
    min_f, min_fr = exact.objective, relaxed_objective(A, y, newton.x)
    f_at = objective(A, y, newton.x)
    return {
        "name": name, "n": int(A.shape[0]), "d": int(A.shape[1]), "y_norm_squared": yy, "cells": exact.cells,
        "min_f": min_f, "min_fr": min_fr, "f_at_argmin_fr": f_at, "p_plus": pplus.lower_bound,
        "p_plus_neurons": pplus.neurons, "gd_f": objective(A, y, np.asarray(gd.X)[:, 0]),
        "rgd_f": objective(A, y, np.asarray(rgd.X)[:, 0]),
        "relaxation_loss": (f_at - min_f) / yy, "relaxed_value_gap": (min_fr - min_f) / yy,
        "seconds": time.perf_counter() - start,
    }  # fmt: skip


def run_relaxation_gap(settings: GapSettings, seed: int = 0, *, progress: Progress | None = None) -> dict:
    r"""Compute the instances of ``settings`` (module docstring); ``{"settings", "instances"}`` for results.json."""
    say: Callable[..., object] = progress or (lambda *a: None)
    total = len(settings.ns) + int(settings.real_data)
    instances = []
    for k, n in enumerate(settings.ns):
        say("relaxation gap", k, total)
        A, y, x0 = _noisy_planted(n, settings.d, settings.noise, derived_seed(seed, SEED_NAMESPACE, k))
        instances.append(_instance(f"planted + noise, n = {n}", A, y, x0))
    if settings.real_data:
        say("relaxation gap", len(settings.ns), total)
        A, y = stackloss_problem()
        x0 = np.random.default_rng(derived_seed(seed, SEED_NAMESPACE, "stackloss")).standard_normal(A.shape[1])
        instances.append(_instance("stack loss (Brownlee 1965)", A, y, x0))
    say("relaxation gap", total, total)
    return {
        "settings": {"ns": list(settings.ns), "d": settings.d, "noise": settings.noise,
                     "real_data": settings.real_data,
                     "data": "planted: a_i, x* ~ N(0, I_d), y = max(A x*, 0) + noise |N(0, 1)|, seed "
                             f"derived_seed(seed, '{SEED_NAMESPACE}', k); real: the stack-loss data, columns "
                             "standardised"},
        "instances": instances,
    }  # fmt: skip


def gap_finding(gap: dict) -> dict:
    r"""The finding the paper could not make, from the ``relaxation_gap`` section of the results.

    ``holds`` is True when on every instance the relaxation's minimiser loses
    (:math:`f(\arg\min f_r) - \min f >` :data:`RELATIVE_LOSS_TOL` :math:`\|y\|^2`);
    the evidence gives every instance's numbers.
    """
    rows = gap["instances"]
    losing = [r for r in rows if r["relaxation_loss"] > RELATIVE_LOSS_TOL]
    parts = []
    for r in rows:
        ratio = r["f_at_argmin_fr"] / r["min_f"] if r["min_f"] > 0 else math.inf
        parts.append(f"{r['name']} (d = {r['d']}, {r['cells']} cells): min f = {number(r['min_f'], '.4g')}, "
                     f"min f_r = {number(r['min_fr'], '.4g')}, f(argmin f_r) = {number(r['f_at_argmin_fr'], '.4g')} "
                     f"({number(ratio, '.3g')} x min f), P_+ = {number(r['p_plus'], '.4g')}")  # fmt: skip
    return {
        "finding": "Off the planted model (4) the relaxation loses: the minimiser of f_r does not minimise f, "
                   "and min f_r > min f (exact global minima over every activation cell)",
        "holds": bool(rows) and len(losing) == len(rows),
        "evidence": f"{len(losing)} of {len(rows)} instances lose: " + "; ".join(parts) + ".",
    }  # fmt: skip
