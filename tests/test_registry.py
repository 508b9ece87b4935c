"""The solver registry and its one result vocabulary: Solution, SolveStatus, evaluate_point."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from relurelax.solvers import NewtonStopReason, StopReason, planted_problem
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.registry import SOLVERS, Problem, solver, solvers_for
from relurelax.solvers.solution import Solution, SolveStatus, evaluate_point
from relurelax.solvers.tolerances import EXACT_RTOL

from . import reference


def test_the_registry_lists_each_solver_once_with_a_summary_and_the_neurons_it_supports():
    assert list(SOLVERS) == ["gd", "rgd", "newton", "cvxpy", "cell", "exact"]
    assert [e.name for e in solvers_for(1)] == ["gd", "rgd", "newton", "cvxpy", "exact"]
    assert [e.name for e in solvers_for(3)] == ["gd", "rgd", "cell", "exact"]
    for name, entry in SOLVERS.items():
        assert entry.name == name and entry.summary and "\n" not in entry.summary
        assert entry.family in ("descent", "exact", "conic", "global")
        assert entry.crosscheck in ("reference", "claimant", "contrast", "bound")


def test_an_unknown_solver_name_is_refused_with_the_known_ones():
    with pytest.raises(InvalidInputError, match="unknown solver 'lbfgs'; known: gd, rgd, newton, cvxpy, cell, exact"):
        solver("lbfgs")


def test_importing_the_registry_imports_no_cvxpy():
    code = "import sys, json, relurelax.solvers.registry; json.dump(sorted(sys.modules), sys.stdout)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert not [m for m in json.loads(out) if m.split(".")[0] in ("cvxpy", "sympy", "z3", "hypothesis")]


@pytest.mark.parametrize("reason", list(StopReason) + list(NewtonStopReason) + ["optimal", "inaccurate", "error"])
def test_every_stop_reason_and_conic_status_maps_to_the_status_of_the_same_name(reason):
    value = reason if isinstance(reason, str) else reason.value
    assert SolveStatus.of(reason).value == value


def test_a_status_no_solver_reports_is_refused():
    with pytest.raises(ValueError, match="no SolveStatus for 'solved'"):
        SolveStatus.of("solved")


@pytest.mark.parametrize("name", ["gd", "rgd", "newton", "cvxpy"])
def test_every_one_neuron_solver_reports_f_and_f_r_at_its_own_point(name):
    P = planted_problem(12, 6, 1, seed=4)
    options = {"max_iter": 20_000} if SOLVERS[name].family == "descent" else {}
    sol = SOLVERS[name].run(P, **options)
    assert isinstance(sol, Solution) and sol.method == name
    assert sol.X.shape == (6, 1) and not sol.X.flags.writeable
    x = np.asarray(sol.X)[:, 0]
    yy = float(P.y @ P.y)
    assert sol.objective == pytest.approx(reference.loss(P.A, P.y, sol.X), abs=EXACT_RTOL * yy)
    assert sol.relaxed_objective == pytest.approx(reference.relaxed(P.A, P.y, x), abs=EXACT_RTOL * yy)
    assert sol.relative_recovery_error == pytest.approx(np.linalg.norm(x - P.X_star[:, 0]) / np.linalg.norm(P.X_star))
    assert sol.test_error is not None
    if name != "gd":  # every method for min f_r reaches the planted value 0 here (Theorem 1)
        assert sol.relaxed_objective <= 1e-6 * yy
    assert (sol.backend is None) == (name != "cvxpy")


@pytest.mark.parametrize("n, m", [(9, 1), (3, 3)])  # m = 1, and m >= n: both always certified
def test_the_global_method_reports_its_certified_bound_at_its_own_point(n, m):
    P = planted_problem(n, 3, m, seed=6)
    sol = SOLVERS["exact"].run(P, starts=2, seed=0)
    yy = float(P.y @ P.y)
    assert sol.method == "exact" and sol.X.shape == (3, m) and sol.cells is not None and sol.cells > 0
    assert sol.objective == pytest.approx(reference.loss(P.A, P.y, sol.X), abs=EXACT_RTOL * yy)
    assert sol.lower_bound_name == ("min f" if m == 1 else "P_+")
    # planted: the global value is 0 and the bound is attained
    assert sol.lower_bound <= 1e-9 * yy and sol.objective <= 1e-9 * yy
    assert sol.certified is True and sol.status is SolveStatus.OPTIMAL


def test_a_cell_solve_keeps_the_cell_optimum_apart_from_f_m_at_its_point():
    from relurelax.solvers import cell_masks

    P = planted_problem(15, 20, 2, seed=1)
    rgd = SOLVERS["rgd"].run(P, max_iter=50_000)
    sol = SOLVERS["cell"].run(P, masks=cell_masks(P.A, rgd.X))
    assert sol.status is SolveStatus.OPTIMAL and sol.backend == "CLARABEL"
    assert sol.solver_value is not None and sol.gradient_norm is None and sol.kkt is not None
    assert sol.objective == pytest.approx(reference.loss(P.A, P.y, sol.X), abs=EXACT_RTOL * float(P.y @ P.y))
    assert sol.relative_recovery_error is None  # defined for one neuron only


def test_gradient_norm_means_the_same_relative_measure_for_descent_and_newton():
    P = planted_problem(30, 10, 1, seed=2)
    scale = np.linalg.norm(P.A.T @ P.y)
    rgd = SOLVERS["rgd"].run(P, max_iter=50_000)
    # RGD's direction is grad f_r for one neuron: recompute it by hand and divide by ||A^T y||
    x = np.asarray(rgd.X)[:, 0]
    z = P.A @ x
    grad = P.A.T @ (np.maximum(z, 0) - P.y)
    assert rgd.gradient_norm == pytest.approx(np.linalg.norm(grad) / scale, rel=1e-6, abs=1e-14)
    assert rgd.status is SolveStatus.CONVERGED and rgd.gradient_norm <= 1e-10
    newton = SOLVERS["newton"].run(P)
    z = P.A @ np.asarray(newton.X)[:, 0]
    assert newton.gradient_norm == pytest.approx(
        np.linalg.norm(P.A.T @ (np.maximum(z, 0) - P.y)) / scale, rel=1e-6, abs=1e-15
    )


def test_a_solution_is_the_same_in_any_units_of_the_data():
    P = planted_problem(20, 8, 1, seed=3)
    a, b = 2.0**-300, 2.0**200
    scaled = Problem(P.A * a, P.y * b, P.X0 * (b / a), P.X_star * (b / a))
    one, other = SOLVERS["rgd"].run(P, max_iter=5_000), SOLVERS["rgd"].run(scaled, max_iter=5_000)
    assert other.gradient_norm == one.gradient_norm
    assert other.train_error == one.train_error and other.relative_recovery_error == one.relative_recovery_error
    assert other.objective == math.ldexp(one.objective, 400)


def test_evaluate_point_gives_the_errors_of_the_planted_point():
    P = planted_problem(10, 5, 2, seed=0)
    e = evaluate_point(P.A, P.y, P.X_star, X_star=P.X_star, A_test=P.A_test, y_test=P.y_test)
    assert e.objective == 0.0 and e.train_error == 0.0 and e.test_error == 0.0
    assert e.relative_recovery_error is None  # m = 2
    e1 = evaluate_point(P.A, P.y, np.zeros((5, 2)))
    assert e1.train_error == 1.0 and e1.test_error is None
    assert e1.objective == pytest.approx(0.5 * float(P.y @ P.y))


def test_evaluate_point_refuses_a_point_of_the_wrong_dimension():
    P = planted_problem(10, 5, 1, seed=0)
    with pytest.raises(InvalidInputError, match="X has 4 rows but A has 5 columns"):
        evaluate_point(P.A, P.y, np.zeros((4, 1)))


def test_a_solution_record_is_frozen_and_checks_its_status():
    sol = Solution.failed("cvxpy", "SCS", 3, 1, 0.0, "boom")
    assert sol.status is SolveStatus.ERROR and math.isnan(sol.objective) and sol.label == "cvxpy:SCS"
    with pytest.raises(dataclasses.FrozenInstanceError):
        sol.objective = 0.0
    with pytest.raises(ValueError, match="status must be a SolveStatus"):
        dataclasses.replace(sol, status="error")


def test_descents_relative_gradient_norm_is_the_same_for_data_of_1e_minus_250_as_for_data_of_1():
    from relurelax.solvers import planted_problem
    from relurelax.solvers.registry import SOLVERS, Problem

    P = planted_problem(20, 10, 1, seed=3)
    unit = SOLVERS["rgd"].run(Problem(P.A, P.y, X0=P.X0), max_iter=200).gradient_norm
    tiny = SOLVERS["rgd"].run(Problem(P.A * 2.0**-830, P.y * 2.0**-830, X0=P.X0), max_iter=200).gradient_norm
    assert unit > 1e-6  # 200 iterations do not converge: a ratio far above any rounding
    assert tiny == unit  # powers of two: the run at unit scale is the same run


def test_the_cell_solve_without_rgd_is_refused_by_name():
    from relurelax.proofs.crosscheck import check_instance
    from relurelax.solvers import planted_problem
    from relurelax.solvers.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="list 'rgd' with 'cell'"):
        check_instance(planted_problem(5, 10, 2, seed=0), ("CLARABEL",), methods=("cell",))
