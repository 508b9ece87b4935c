"""The descent loop: RGD beats GD on n <= d, stop reasons, history, steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relurelax.solvers import (
    GD,
    RGD,
    StopReason,
    descend,
    gradient_descent,
    planted_problem,
    regularized_gradient_descent,
    relaxed_objective,
    safe_step,
    spectral_norm_squared,
)
from relurelax.solvers.errors import InvalidInputError

SEEDS = range(20)


def _success_rates(n, d, m):
    rgd, gd, gd_err = [], [], []
    for seed in SEEDS:
        P = planted_problem(n, d, m, seed=seed)
        r = regularized_gradient_descent(P.A, P.y, P.X0, max_iter=20_000, history_every=20_000)
        g = gradient_descent(P.A, P.y, P.X0, max_iter=20_000, history_every=20_000)
        rgd.append(r.train_error <= 1e-8)
        gd.append(g.train_error <= 1e-8)
        gd_err.append(g.train_error)
    return np.mean(rgd), np.mean(gd), float(np.median(gd_err))


@pytest.mark.parametrize("n,d", [(50, 100), (100, 100)])
@pytest.mark.parametrize("m", [1, 3])
def test_rgd_reaches_zero_training_error_when_n_le_d_and_gd_does_not(n, d, m):
    rgd_rate, gd_rate, gd_median = _success_rates(n, d, m)
    assert rgd_rate >= 0.95
    assert gd_rate < 0.95
    # GD's typical run is stuck far from zero, not merely slower
    assert gd_median > 1e-3


def test_rgd_on_one_neuron_decreases_f_r_at_every_step():
    # descent lemma: f_r is ||A||^2-smooth, so step 1/L never increases f_r
    P = planted_problem(30, 20, 1, seed=7)
    r = regularized_gradient_descent(P.A, P.y, P.X0, max_iter=300, history_every=1, gtol=0.0)
    assert np.all(np.diff(r.history.relaxed_objective) <= 1e-12 * (1 + P.y @ P.y))


def test_history_records_every_k_iterations_and_the_last():
    P = planted_problem(20, 30, 1, seed=1)
    r = regularized_gradient_descent(P.A, P.y, P.X0, max_iter=95, history_every=10, gtol=0.0,
                                     A_test=P.A_test, y_test=P.y_test, X_star=P.X_star)
    assert list(r.history.iterations) == list(range(0, 100, 10)) + [95]
    assert r.stop_reason is StopReason.MAX_ITERATIONS
    assert np.all(np.isfinite(r.history.test_error))
    assert r.history.recovery_distance[0] == pytest.approx(np.linalg.norm(P.X0 - P.X_star))
    assert r.relaxed_objective == pytest.approx(relaxed_objective(P.A, P.y, r.x))


def test_too_large_a_step_stops_as_diverged_without_nans():
    P = planted_problem(20, 10, 1, seed=2)
    r = gradient_descent(P.A, P.y, P.X0, step=10.0)
    assert r.stop_reason is StopReason.DIVERGED
    assert np.all(np.isfinite(r.X))
    assert np.isfinite(r.objective)
    assert r.iterations < 100


def test_negative_label_with_full_row_rank_stops_rgd_as_unbounded():
    P = planted_problem(20, 50, 1, seed=1)
    y = P.y.copy()
    y[0] = -1.0
    r = regularized_gradient_descent(P.A, y, P.X0, max_iter=100_000)
    assert r.stop_reason is StopReason.UNBOUNDED
    assert r.relaxed_objective < 0
    assert r.iterations < 100_000


def test_nonnegative_labels_never_trigger_the_unbounded_check():
    for seed in range(5):
        P = planted_problem(30, 60, 2, seed=seed, noise=0.0)
        r = regularized_gradient_descent(P.A, P.y, P.X0, max_iter=3000, check_every=10)
        assert r.stop_reason in (StopReason.CONVERGED, StopReason.MAX_ITERATIONS)


def test_auto_step_is_the_inverse_lipschitz_bound():
    P = planted_problem(40, 25, 3, seed=0)
    L = np.linalg.norm(P.A, 2) ** 2
    assert spectral_norm_squared(P.A) == pytest.approx(L, rel=1e-12)
    assert safe_step(P.A, 3) == pytest.approx(1 / (3 * L), rel=1e-10)
    assert safe_step(P.A, 3) <= 1 / (3 * L)


def test_converged_means_the_direction_is_below_tolerance():
    P = planted_problem(40, 80, 1, seed=4)
    r = regularized_gradient_descent(P.A, P.y, P.X0, gtol=1e-9)
    assert r.stop_reason is StopReason.CONVERGED
    assert r.gradient_norm <= 1e-9 * np.linalg.norm(P.A.T @ P.y)


def test_results_are_read_only_and_repeatable():
    P = planted_problem(20, 30, 2, seed=9)
    a = descend(P.A, P.y, P.X0, RGD, max_iter=200)
    b = descend(P.A, P.y, P.X0, RGD, max_iter=200)
    assert np.array_equal(a.X, b.X)
    with pytest.raises(ValueError):
        a.X[0, 0] = 1.0
    with pytest.raises(Exception):
        a.iterations = 3


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"step": 0.0}, "step"),
        ({"step": -1.0}, "step"),
        ({"step": float("nan")}, "step"),
        ({"step": float("inf")}, "step"),
        ({"step": "fast"}, "step"),
        ({"max_iter": -1}, "max_iter"),
        ({"history_every": 0}, "history_every"),
        ({"gtol": -1.0}, "gtol"),
        ({"X_star": np.zeros((3, 2))}, "X_star"),
    ],
)
def test_bad_options_are_rejected_by_name(kwargs, fragment):
    P = planted_problem(5, 3, 1, seed=0)
    with pytest.raises(InvalidInputError, match=fragment):
        descend(P.A, P.y, P.X0, GD, **kwargs)


def test_a_direction_must_be_a_direction():
    P = planted_problem(5, 3, 1, seed=0)
    with pytest.raises(InvalidInputError, match="direction"):
        descend(P.A, P.y, P.X0, "rgd")


def test_the_stopping_rules_give_one_answer_for_a_run_and_for_a_batch():
    from relurelax.solvers.descent import BLOWUP_FACTOR, stopping_tests

    gscale, gnorm0, gtol = 2.0, 4.0, 1e-3
    norms = [math.nan, math.inf, 1.01 * BLOWUP_FACTOR * gnorm0, 1.0, gtol * gscale, 0.5 * gtol * gscale]
    expected = [(True, False), (True, False), (True, False), (False, False), (False, True), (False, True)]
    assert [tuple(bool(v) for v in stopping_tests(g, gnorm0, gscale, gtol)) for g in norms] == expected
    with np.errstate(invalid="ignore"):  # as in the loops: a non-finite norm is a stop reason
        diverged, converged = stopping_tests(np.array(norms), np.full(6, gnorm0), np.full(6, gscale), gtol)
    assert list(zip(diverged.tolist(), converged.tolist())) == expected
