"""The exact Newton solver of the relaxation f_r against CVXPY, on n < d, n = d, n > d, ties and unbounded data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relurelax.reports.cli import main
from relurelax.solvers import planted_problem, relaxed_objective, relaxed_objective_gradient, solve_relaxation
from relurelax.solvers.errors import InvalidInputError, UnboundedRelaxationError
from relurelax.solvers.newton import (
    NewtonStopReason,
    _line_search,
    solve_relaxation_newton,
    unboundedness_certificate,
)
from relurelax.solvers.tolerances import NEWTON_GTOL, NEWTON_VS_CONIC_RTOL, conic_rtol


def _instance(n, d, seed, noise=0.0, zero_rows=0):
    P = planted_problem(n, d, 1, seed=seed, noise=noise)
    A, y = np.array(P.A), np.array(P.y)
    if zero_rows:
        # rows a_i = 0 tie (a_i^T x = 0) at every x; a positive label there can never be fitted
        A[:zero_rows] = 0.0
        y[:zero_rows] = 1.0 + np.arange(zero_rows)
    return A, y


CASES = [  # n, d, noise, zero rows
    (40, 80, 0.0, 0),  # n < d: singular Hessians, minimiser not unique
    (60, 60, 0.0, 0),  # n = d
    (200, 30, 0.2, 0),  # n > d, noisy labels (some negative), bounded
    (300, 60, 1.0, 0),  # n > d, large noise
    (40, 80, 0.0, 6),  # ties: zero rows with positive labels
    (120, 40, 0.1, 8),  # ties with n > d
]


@pytest.mark.parametrize("n,d,noise,zero_rows", CASES)
@pytest.mark.parametrize("backend", ["CLARABEL", "OSQP"])
def test_newton_reaches_the_cvxpy_optimum_with_a_smaller_gradient(n, d, noise, zero_rows, backend):
    A, y = _instance(n, d, seed=3, noise=noise, zero_rows=zero_rows)
    newton = solve_relaxation_newton(A, y)
    cvx = solve_relaxation(A, y, backend=backend)
    scale = float(y @ y)
    assert newton.stop_reason is NewtonStopReason.CONVERGED
    assert newton.gradient_norm <= NEWTON_GTOL
    # no worse than CVXPY by more than the 1e-9 ||y||^2, and CVXPY within its own accuracy
    assert newton.objective <= cvx.objective + NEWTON_VS_CONIC_RTOL * scale
    assert cvx.objective <= newton.objective + conic_rtol(backend) * scale
    assert newton.gradient_norm <= cvx.gradient_norm


@pytest.mark.parametrize("n,d,noise,zero_rows", CASES)
def test_the_reported_measures_are_those_of_the_returned_point(n, d, noise, zero_rows):
    A, y = _instance(n, d, seed=5, noise=noise, zero_rows=zero_rows)
    res = solve_relaxation_newton(A, y)
    grad = relaxed_objective_gradient(A, y, res.x)
    assert res.gradient_norm == pytest.approx(np.linalg.norm(grad) / np.linalg.norm(A.T @ y), rel=1e-12, abs=1e-300)
    assert res.objective == pytest.approx(relaxed_objective(A, y, res.x), rel=1e-14, abs=1e-14 * float(y @ y))


@pytest.mark.parametrize("n,d", [(30, 60), (60, 60), (120, 40)])
def test_planted_labels_give_the_papers_minimum_zero_and_zero_training_error(n, d):
    # Theorem 1: min f_r = min f = 0 under model (4)
    P = planted_problem(n, d, 1, seed=11)
    res = solve_relaxation_newton(P.A, P.y)
    scale = float(P.y @ P.y)
    assert abs(res.objective) <= 1e-12 * scale
    assert np.linalg.norm(np.maximum(P.A @ res.x, 0) - P.y) <= 1e-8 * np.linalg.norm(P.y)


def test_n_le_d_minimisers_are_not_unique_but_the_value_and_fit_are():
    P = planted_problem(30, 70, 1, seed=2)
    a = solve_relaxation_newton(P.A, P.y)
    b = solve_relaxation_newton(P.A, P.y, x0=np.asarray(P.X0[:, 0]))
    scale = float(P.y @ P.y)
    assert a.stop_reason is b.stop_reason is NewtonStopReason.CONVERGED
    assert abs(a.objective - b.objective) <= 1e-12 * scale
    assert np.linalg.norm(a.x - b.x) > 1e-3  # different minimisers
    assert np.allclose(np.maximum(P.A @ a.x, 0), np.maximum(P.A @ b.x, 0), atol=1e-8)


@pytest.mark.parametrize("n,d,noise", [(20, 50, 0.0), (60, 60, 0.2)])
def test_an_unbounded_relaxation_is_reported_like_the_cvxpy_path(n, d, noise):
    P = planted_problem(n, d, 1, seed=1, noise=noise)
    y = np.array(P.y)
    y[0] = -1.0
    with pytest.raises(UnboundedRelaxationError):
        solve_relaxation(P.A, y, backend="CLARABEL")
    with pytest.raises(UnboundedRelaxationError, match="unbounded below") as info:
        solve_relaxation_newton(P.A, y)
    assert "A v <= 0" in str(info.value) and "negative" in str(info.value)


def test_the_certificate_proves_unboundedness_and_is_absent_when_bounded():
    P = planted_problem(20, 50, 1, seed=1)
    y = np.array(P.y)
    y[3] = -0.5
    v = unboundedness_certificate(P.A, y)
    assert v is not None
    q = P.A @ v
    assert float(y @ q) > 0
    assert q.max() <= 1e-7 * np.abs(P.A).sum(axis=1).max() * np.abs(v).max()
    # along v, f_r falls linearly: f_r(t v) = ||y||^2 / 2 - t y^T A v for the clean part of v
    f = [relaxed_objective(P.A, y, t * v) for t in (0.0, 1e3, 1e6)]
    assert f[2] < f[1] < f[0]
    # nonnegative labels, and noisy labels with n >> d, are bounded: no certificate
    assert unboundedness_certificate(P.A, P.y) is None
    Q = planted_problem(200, 20, 1, seed=0, noise=0.1)
    assert (Q.y < 0).any() and unboundedness_certificate(Q.A, Q.y) is None


def test_the_line_search_finds_the_exact_minimiser_along_the_line(rng):
    A = rng.standard_normal((50, 8))
    y = np.maximum(A @ rng.standard_normal(8), 0) + 0.1 * rng.standard_normal(50)
    x = rng.standard_normal(8)
    p = -relaxed_objective_gradient(A, y, x)  # a descent direction: phi'(0) < 0
    z, q = A @ x, A @ p
    t = _line_search(z, q, y)
    assert t > 0
    # an ascent direction has its minimiser over t >= 0 at t = 0
    assert _line_search(z, -q, y) == 0.0
    # phi'(t) = q^T (g(z + t q) - y) vanishes at t, and phi is no smaller on a fine grid
    assert abs(q @ (np.maximum(z + t * q, 0) - y)) <= 1e-9 * np.abs(q) @ (np.abs(z + t * q) + np.abs(y))
    grid = np.linspace(0, 3 * t + 1, 2001)
    values = [relaxed_objective(A, y, x + s * p) for s in grid]
    assert relaxed_objective(A, y, x + t * p) <= min(values) + 1e-12 * float(y @ y)


def test_the_line_search_reports_a_ray_when_no_row_can_activate():
    z = np.array([-1.0, -2.0, 0.5])
    q = np.array([-1.0, 0.0, -1.0])
    y = np.array([-1.0, 0.0, 0.0])  # y^T q = 1 > 0 and q <= 0
    assert _line_search(z, q, y) == np.inf


def test_results_are_frozen_and_read_only():
    P = planted_problem(30, 10, 1, seed=0)
    res = solve_relaxation_newton(P.A, P.y)
    with pytest.raises(ValueError):
        res.x[0] = 1.0
    with pytest.raises(Exception):
        res.iterations = 0


def test_an_iteration_budget_of_zero_stops_at_the_start_point():
    P = planted_problem(30, 10, 1, seed=0)
    res = solve_relaxation_newton(P.A, P.y, max_iter=0)
    assert res.stop_reason is NewtonStopReason.MAX_ITERATIONS
    assert res.iterations == 0 and not np.any(res.x)
    assert res.gradient_norm == pytest.approx(1.0)  # at x = 0 the gradient is -A^T y


@pytest.mark.parametrize(
    "kwargs, fragment",
    [({"gtol": -1.0}, "gtol"), ({"gtol": float("nan")}, "gtol"), ({"max_iter": -1}, "max_iter"),
     ({"x0": np.zeros(3)}, "x0")],
)  # fmt: skip
def test_bad_options_are_rejected_by_name(kwargs, fragment):
    P = planted_problem(10, 5, 1, seed=0)
    with pytest.raises(InvalidInputError, match=fragment):
        solve_relaxation_newton(P.A, P.y, **kwargs)


def test_solve_method_newton_writes_its_stop_reason_and_iterations(tmp_path, capsys):
    path = tmp_path / "newton.json"
    code = main(["solve", "--planted", "--n", "60", "--d", "20", "--method", "newton", "--json", str(path)])
    assert code == 0, capsys.readouterr().err
    data = json.loads(path.read_text())
    assert data["method"] == "newton" and data["solver"] is None
    assert data["stop_reason"] == "converged" and data["iterations"] >= 1
    assert data["train_error"] <= 1e-8


def test_solve_method_newton_exits_1_on_an_unbounded_relaxation_and_2_for_many_neurons(tmp_path, capsys):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 10))
    y = np.abs(rng.standard_normal(5))
    y[2] = -1.0
    np.savez(tmp_path / "neg.npz", A=A, y=y)
    assert main(["solve", "--data", str(tmp_path / "neg.npz"), "--method", "newton"]) == 1
    err = capsys.readouterr().err
    assert "unbounded" in err and len(err.strip().splitlines()) == 1
    assert main(["solve", "--planted", "--n", "5", "--d", "3", "--m", "2", "--method", "newton"]) == 2
    assert "one-neuron" in capsys.readouterr().err


from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def degenerate_instances(draw):
    """Small integer data: duplicate rows, zero rows and exact ties a_i^T x = 0 are common."""
    n = draw(st.integers(1, 9))
    d = draw(st.integers(1, 9))
    A = np.array(draw(st.lists(st.integers(-2, 2), min_size=n * d, max_size=n * d)), dtype=float).reshape(n, d)
    y = np.array(draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n)), dtype=float)
    return A, y


@given(degenerate_instances())
# found by the thorough profile: a line with no q_i > 0 but y^T q <= 0 has a finite minimiser;
# an inactive row that is minus an active one made the n-space step pure rounding noise
@example((np.array([[0.0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 1]]), np.array([0.0, 0, 0, 1])))
@example((np.array([[0.0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, -1], [0, 0, 0, 1]]), np.array([0.0, 0, -1, 0])))
def test_newton_agrees_with_clarabel_on_bounded_and_unbounded_degenerate_data(instance):
    A, y = instance
    scale = max(float(y @ y), 1.0)
    try:
        cvx = solve_relaxation(A, y, backend="CLARABEL")
    except UnboundedRelaxationError:
        cvx = None
    if cvx is None:
        with pytest.raises(UnboundedRelaxationError):
            solve_relaxation_newton(A, y)
        return
    res = solve_relaxation_newton(A, y)
    assert res.stop_reason is NewtonStopReason.CONVERGED
    assert res.objective <= cvx.objective + NEWTON_VS_CONIC_RTOL * scale
    assert cvx.objective <= res.objective + conic_rtol("CLARABEL") * scale
