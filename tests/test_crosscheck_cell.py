"""The cell-restricted problem: min f_m over one activation cell, solved with CVXPY."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from relurelax.solvers import (
    cell_masks,
    gradient_descent,
    installed_backends,
    multi_neuron_objective,
    planted_problem,
    solve_cell,
)
from relurelax.solvers.cell import _kkt, cell_problem
from relurelax.solvers.errors import InvalidInputError, SolverUnavailableError
from relurelax.solvers.tolerances import conic_rtol

from . import reference

BACKENDS = installed_backends()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_planted_cell_has_optimum_zero(backend):
    P = planted_problem(30, 40, 3, seed=4)
    res = solve_cell(P.A, P.y, cell_masks(P.A, P.X_star), backend=backend)
    yy = float(P.y @ P.y)
    assert res.status == "optimal" and res.is_dcp
    assert res.objective <= conic_rtol(backend) * yy
    assert res.loss <= conic_rtol(backend) * yy


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_cell_optimum_is_never_above_f_m_at_a_point_of_the_cell(backend, rng):
    P = planted_problem(25, 10, 2, seed=1)
    yy = float(P.y @ P.y)
    for _ in range(3):
        X = rng.standard_normal((10, 2))
        res = solve_cell(P.A, P.y, cell_masks(P.A, X), backend=backend)
        assert res.objective <= multi_neuron_objective(P.A, P.y, X) + conic_rtol(backend) * yy


def test_the_cell_optimum_matches_an_independent_slsqp_solve(rng):
    # a small cell solved by scipy's SLSQP from the cell's own point, written from the definition
    P = planted_problem(12, 4, 2, seed=7)
    X0 = rng.standard_normal((4, 2))
    masks = cell_masks(P.A, X0)
    D = masks.astype(float)
    S = 2 * D - 1

    def q(v):
        Z = P.A @ v.reshape(4, 2)
        r = (D * Z).sum(axis=1) - P.y
        return 0.5 * r @ r

    cons = {"type": "ineq", "fun": lambda v: (S * (P.A @ v.reshape(4, 2))).ravel()}
    ref = minimize(q, X0.ravel(), constraints=[cons], method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000})
    assert ref.success
    res = solve_cell(P.A, P.y, masks, backend="CLARABEL")
    yy = float(P.y @ P.y)
    assert abs(res.objective - ref.fun) <= 1e-7 * yy


def test_the_cell_solution_lies_in_its_cell_and_its_value_is_f_m_there():
    P = planted_problem(40, 15, 3, seed=2)
    X = np.random.default_rng(3).standard_normal((15, 3))
    masks = cell_masks(P.A, X)
    res = solve_cell(P.A, P.y, masks, backend="CLARABEL")
    signed = (2 * masks - 1) * (P.A @ res.X)
    scale = float(np.abs(P.A @ res.X).max())
    assert signed.min() >= -1e-7 * scale
    assert res.kkt.worst <= 1e-6
    # f_m at the returned point, by a loop over samples and neurons
    assert res.loss == pytest.approx(reference.loss(P.A.tolist(), P.y.tolist(), res.X.tolist()), rel=1e-9, abs=1e-12)
    assert abs(res.objective - res.loss) <= 1e-7 * float(P.y @ P.y)


def test_a_converged_gd_point_is_the_minimum_of_its_own_cell():
    # at GD's stationary point A^T D_j r = 0: the gradient of the cell's convex quadratic vanishes there
    P = planted_problem(30, 60, 2, seed=5)
    g = gradient_descent(P.A, P.y, P.X0, max_iter=50_000, history_every=50_000)
    assert g.stop_reason.value == "converged"
    assert g.train_error > 1e-3  # stuck away from the global value 0
    res = solve_cell(P.A, P.y, cell_masks(P.A, g.X), backend="CLARABEL")
    assert abs(res.objective - g.objective) <= 1e-7 * float(P.y @ P.y)


def test_the_kkt_residuals_of_the_cell_certify_the_optimum_and_expose_a_wrong_point():
    P = planted_problem(30, 10, 2, seed=6)
    masks = cell_masks(P.A, P.X0)
    problem, X, in_cell = cell_problem(P.A, P.y, masks)
    problem.solve(solver="CLARABEL")
    lam = np.asarray(in_cell.dual_value).reshape(masks.shape)
    at_optimum = _kkt(P.A, P.y, X.value, masks, lam)
    assert at_optimum.worst <= 1e-6
    moved = _kkt(P.A, P.y, X.value + 0.1, masks, lam)
    assert max(moved.stationarity, moved.primal_feasibility) > 1e-3


def test_a_one_neuron_mask_vector_is_accepted():
    P = planted_problem(20, 30, 1, seed=0)
    res = solve_cell(P.A, P.y, cell_masks(P.A, P.X_star)[:, 0], backend="CLARABEL")
    assert res.X.shape == (30, 1)
    assert res.objective <= 1e-7 * float(P.y @ P.y)


@pytest.mark.parametrize(
    "masks, fragment",
    [
        (np.ones((6, 2)), "boolean"),
        (np.ones((4, 2), dtype=bool), "shape"),
        (np.ones((6, 2, 1), dtype=bool), "shape"),
    ],
)
def test_bad_masks_are_rejected_with_their_shape_or_dtype(masks, fragment):
    P = planted_problem(6, 3, 2, seed=0)
    with pytest.raises(InvalidInputError, match=fragment):
        solve_cell(P.A, P.y, masks)


def test_an_unknown_backend_is_rejected():
    P = planted_problem(6, 3, 2, seed=0)
    with pytest.raises(SolverUnavailableError, match="supported"):
        solve_cell(P.A, P.y, cell_masks(P.A, P.X0), backend="NOPE")


def test_results_are_read_only():
    P = planted_problem(6, 3, 2, seed=0)
    res = solve_cell(P.A, P.y, cell_masks(P.A, P.X0))
    with pytest.raises(ValueError):
        res.X[0, 0] = 1.0
    with pytest.raises(ValueError):
        res.masks[0, 0] = True


def test_regularized_exceeds_the_cell_optimum_where_every_mask_leaves_a_positive_label_inactive():
    # masks all False: the cell asks A x <= 0, q_D = ||y||^2 / 2 is constant, and f_mp adds -y^T A x >= 0
    A = np.array([[1.0], [2.0]])
    y = np.array([1.0, 0.5])
    res = solve_cell(A, y, np.zeros((2, 1), dtype=bool), backend="CLARABEL")
    assert res.objective == pytest.approx(0.625, rel=conic_rtol("CLARABEL"))
    assert res.loss == pytest.approx(0.625, rel=conic_rtol("CLARABEL"))
    assert res.regularized == pytest.approx(reference.regularized(A.tolist(), y.tolist(), res.X.tolist()), rel=1e-12)
    # every row is inactive wherever a_i^T x < 0, so f_mp - f_m = -y^T A x, whatever point of the flat
    # cell the backend returns (at x = 0 both sides vanish: ties count as active)
    x = float(res.X[0, 0])
    assert x <= 1e-9
    expected_gap = -float(y @ (A[:, 0] * x)) if x < 0 else 0.0
    assert res.regularized - res.loss == pytest.approx(expected_gap, rel=1e-9, abs=1e-12)
