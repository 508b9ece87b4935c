"""The CVXPY relaxation: DCP certificate, both forms, KKT residuals, failures."""

from __future__ import annotations

import numpy as np
import pytest

from relurelax.solvers import (
    installed_backends,
    planted_problem,
    regularized_gradient_descent,
    relaxed_objective,
    solve_relaxation,
)
from relurelax.solvers.errors import SolverUnavailableError, UnboundedRelaxationError, InvalidInputError
from relurelax.solvers.relaxation import relaxation_problem
from relurelax.solvers.tolerances import conic_gradient_rtol, conic_kkt_rtol, conic_rtol

BACKENDS = installed_backends()


def test_all_three_backends_are_installed():
    assert set(BACKENDS) == {"CLARABEL", "SCS", "OSQP"}


@pytest.mark.parametrize("form", ["direct", "qp"])
def test_both_forms_are_dcp_even_for_negative_labels(form, rng):
    A = rng.standard_normal((6, 4))
    y = rng.standard_normal(6)
    problem, _, _ = relaxation_problem(A, y, form)
    assert problem.is_dcp()


@pytest.mark.parametrize("n,d,noise", [(200, 20, 0.1), (400, 50, 0.1), (300, 100, 0.5)])
@pytest.mark.parametrize("seed", [0, 1])
def test_cvxpy_optimum_matches_rgd_run_to_convergence_when_n_gt_d(n, d, noise, seed):
    P = planted_problem(n, d, 1, seed=seed, noise=noise)
    rgd = regularized_gradient_descent(P.A, P.y, P.X0, max_iter=50_000, gtol=1e-12)
    cvx = solve_relaxation(P.A, P.y, backend="CLARABEL")
    assert cvx.status == "optimal"
    scale = float(P.y @ P.y)
    assert abs(rgd.relaxed_objective - cvx.objective) <= 1e-6 * scale
    assert cvx.objective == pytest.approx(relaxed_objective(P.A, P.y, cvx.x), abs=1e-12 * scale)


@pytest.mark.parametrize("backend", BACKENDS)
def test_direct_and_qp_forms_reach_the_same_optimum(backend):
    P = planted_problem(120, 30, 1, seed=3, noise=0.2)
    direct = solve_relaxation(P.A, P.y, backend=backend, form="direct")
    qp = solve_relaxation(P.A, P.y, backend=backend, form="qp")
    scale = float(P.y @ P.y)
    assert abs(direct.objective - qp.objective) <= conic_rtol(backend) * scale
    assert qp.kkt is not None and direct.kkt is None
    assert qp.is_dcp and direct.is_dcp


def test_clarabel_kkt_residuals_certify_the_qp_optimum():
    P = planted_problem(150, 40, 1, seed=5, noise=0.3)
    qp = solve_relaxation(P.A, P.y, backend="CLARABEL", form="qp")
    assert qp.kkt.primal_feasibility <= 1e-7
    assert qp.kkt.dual_feasibility <= 1e-7
    assert qp.kkt.complementarity <= 1e-6
    assert qp.kkt.stationarity <= 1e-6
    assert qp.gradient_norm <= 1e-5
    # relurelax's own verdict: the certificate at unit scale passes the named tolerances
    assert qp.status == "optimal" and qp.certificate.passed
    assert qp.certificate.kkt_worst == qp.kkt.worst <= conic_kkt_rtol("CLARABEL")
    assert qp.certificate.gradient_norm == qp.gradient_norm <= conic_gradient_rtol("CLARABEL")


def test_kkt_residuals_expose_a_wrong_point():
    # a feasible but non-optimal s/x with the true duals violates stationarity or complementarity
    from relurelax.solvers.relaxation import _kkt

    P = planted_problem(50, 10, 1, seed=2, noise=0.1)
    x = np.asarray(P.X0[:, 0])
    s = np.maximum(P.A @ x, 0)
    lam = np.zeros(50)
    nu = np.zeros(50)
    assert _kkt(P.A, P.y, x, s, lam, nu).stationarity > 1e-2


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_negative_label_makes_every_backend_report_unbounded(backend):
    P = planted_problem(20, 50, 1, seed=1)
    y = P.y.copy()
    y[0] = -1.0
    with pytest.raises(UnboundedRelaxationError, match="negative"):
        solve_relaxation(P.A, y, backend=backend)


def test_unknown_backend_and_form_are_rejected():
    P = planted_problem(5, 3, 1, seed=0)
    with pytest.raises(SolverUnavailableError, match="supported"):
        solve_relaxation(P.A, P.y, backend="MOSEKX")
    with pytest.raises(InvalidInputError, match="form"):
        solve_relaxation(P.A, P.y, form="socp")
