"""The four objectives and their gradients against loops and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from relurelax.solvers import (
    RGD,
    GD,
    descend,
    multi_neuron_objective,
    multi_neuron_objective_gradient,
    objective,
    objective_gradient,
    planted_problem,
    regularized_objective,
    regularized_objective_gradient,
    relaxed_objective,
    relaxed_objective_gradient,
)
from relurelax.solvers.tolerances import EXACT_RTOL, FINITE_DIFFERENCE_RTOL

from . import reference as ref


def _instance(rng, n, d, m, negative_labels=False):
    A = rng.standard_normal((n, d))
    X = rng.standard_normal((d, m))
    y = np.abs(rng.standard_normal(n)) * 2
    if negative_labels:
        y = rng.standard_normal(n)
    return A, y, X


@pytest.mark.parametrize("n,d,m", [(1, 1, 1), (5, 3, 1), (4, 6, 2), (7, 4, 3), (6, 6, 4)])
@pytest.mark.parametrize("negative_labels", [False, True])
def test_objectives_match_a_plain_loop_over_samples_and_neurons(rng, n, d, m, negative_labels):
    A, y, X = _instance(rng, n, d, m, negative_labels)
    Al, yl, Xl = A.tolist(), y.tolist(), X.tolist()
    scale = 1.0 + float(y @ y) + float(np.sum((A @ X) ** 2))
    assert multi_neuron_objective(A, y, X) == pytest.approx(ref.loss(Al, yl, Xl), abs=EXACT_RTOL * scale)
    assert regularized_objective(A, y, X) == pytest.approx(ref.regularized(Al, yl, Xl), abs=EXACT_RTOL * scale)
    x = X[:, 0]
    xl = x.tolist()
    assert objective(A, y, x) == pytest.approx(ref.loss(Al, yl, [[v] for v in xl]), abs=EXACT_RTOL * scale)
    assert relaxed_objective(A, y, x) == pytest.approx(ref.relaxed(Al, yl, xl), abs=EXACT_RTOL * scale)


def test_one_neuron_special_cases_coincide(rng):
    # f_m with m = 1 is f, and f_mp with m = 1 is f_r (y^T g(Ax) = y^T D A x)
    for _ in range(20):
        A, y, X = _instance(rng, 6, 4, 1, negative_labels=True)
        assert multi_neuron_objective(A, y, X) == pytest.approx(objective(A, y, X[:, 0]), rel=1e-14)
        assert regularized_objective(A, y, X) == pytest.approx(relaxed_objective(A, y, X[:, 0]), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(
            regularized_objective_gradient(A, y, X)[:, 0], relaxed_objective_gradient(A, y, X[:, 0]), rtol=1e-13, atol=1e-13
        )


def _central_difference(fun, X, h=1e-6):
    G = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = h
        G[idx] = (fun(X + E) - fun(X - E)) / (2 * h)
    return G


@pytest.mark.parametrize("n,d,m", [(6, 3, 1), (5, 8, 1), (8, 4, 2), (9, 5, 3), (6, 6, 4)])
@pytest.mark.parametrize("negative_labels", [False, True])
def test_gradients_match_central_finite_differences_away_from_ties(rng, n, d, m, negative_labels):
    A, y, X = _instance(rng, n, d, m, negative_labels)
    # away from ties: every |a_i^T x_j| is well above the difference step
    assert np.min(np.abs(A @ X)) > 1e-3
    pairs = [
        (multi_neuron_objective, multi_neuron_objective_gradient),
        (regularized_objective, regularized_objective_gradient),
    ]
    if m == 1:
        pairs += [(objective, objective_gradient), (relaxed_objective, relaxed_objective_gradient)]
    for f, grad in pairs:
        G = grad(A, y, X)
        FD = _central_difference(lambda Z: f(A, y, Z), X)
        assert np.linalg.norm(G - FD) <= FINITE_DIFFERENCE_RTOL * max(1.0, np.linalg.norm(G)), f.__name__


def test_vector_parameters_give_vector_gradients(rng):
    A, y, X = _instance(rng, 5, 3, 1)
    assert relaxed_objective_gradient(A, y, X[:, 0]).shape == (3,)
    assert relaxed_objective_gradient(A, y, X).shape == (3, 1)


def test_update_2_is_one_gradient_step_on_f(rng):
    A, y, X = _instance(rng, 7, 5, 1)
    mu = 0.01
    x = X[:, 0]
    D = np.diag((A @ x >= 0).astype(float))  # the paper's D_t
    expected = x - mu * A.T @ D @ (np.maximum(A @ x, 0) - y)  # Eq. (2)
    step = descend(A, y, x, GD, step=mu, max_iter=1, gtol=0.0).x
    np.testing.assert_allclose(step, expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(step, x - mu * objective_gradient(A, y, x), rtol=1e-13, atol=1e-14)


def test_update_5_is_one_gradient_step_on_f_r(rng):
    A, y, X = _instance(rng, 7, 5, 1)
    mu = 0.01
    x = X[:, 0]
    expected = x - mu * A.T @ (np.maximum(A @ x, 0) - y)  # Eq. (5)
    step = descend(A, y, x, RGD, step=mu, max_iter=1, gtol=0.0).x
    np.testing.assert_allclose(step, expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(step, x - mu * relaxed_objective_gradient(A, y, x), rtol=1e-13, atol=1e-14)


def test_update_17_is_one_gradient_step_on_f_mp_at_half_the_papers_factor(rng):
    A, y, X = _instance(rng, 9, 5, 3)
    mu = 0.01
    Z = A @ X
    r = np.maximum(Z, 0).sum(axis=1) - y  # Eq. (10)
    P = np.diag(np.prod([1.0 - (Z[:, j] >= 0) for j in range(3)], axis=0))  # prod_j D_j^c
    paper13 = np.column_stack(
        [2 * A.T @ np.diag((Z[:, j] >= 0).astype(float)) @ r + 2 * A.T @ P @ r for j in range(3)]
    )
    step = np.asarray(descend(A, y, X, RGD, step=mu, max_iter=1, gtol=0.0).X)
    # our f_mp is half the paper's (14): step mu here is the paper's (17) with mu / 2
    np.testing.assert_allclose(step, X - (mu / 2) * paper13, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(step, X - mu * regularized_objective_gradient(A, y, X), rtol=1e-13, atol=1e-14)


def test_planted_point_is_a_zero_of_every_objective():
    for m in (1, 3):
        P = planted_problem(12, 7, m, seed=3)
        assert multi_neuron_objective(P.A, P.y, P.X_star) == 0.0
        scale = float(P.y @ P.y)
        assert abs(regularized_objective(P.A, P.y, P.X_star)) <= EXACT_RTOL * scale
        assert np.linalg.norm(regularized_objective_gradient(P.A, P.y, P.X_star)) <= EXACT_RTOL * (1 + np.linalg.norm(P.A.T @ P.y))
