"""The numeric checks of the claims on hand-computed instances, and wrong numeric code plugged into them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from relurelax.proofs.checks import (
    SOLVERS,
    check_bound_fr_ge_f,
    check_cor1_stationary_global,
    check_prop2_gradient,
    check_rgd_direction,
    check_thm1_global_min,
    glmtron_step,
    realisable,
    satisfied_conditions,
)
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION, PLANTED
from relurelax.proofs.ledger import Profile, Verdict, examine_claim
from relurelax.proofs.strategies import Instance
from relurelax import solvers
from relurelax.solvers import GD, RGD, Direction, gd_direction

from . import reference as ref


def _inst(A, y, X, **kw):
    A = np.asarray(A, dtype=float)
    X = np.asarray(X, dtype=float).reshape(A.shape[1], -1)
    return Instance(A=A, y=np.asarray(y, dtype=float), X=X, **kw)


def test_bound_check_reports_the_negative_label_counterexample_with_its_values():
    inst = _inst([[1]], [-1], [[-1]])
    # f_r = g(-1)^2/2 - (-1)(-1) + 1/2 = -1/2 and f = (0 + 1)^2 / 2 = 1/2, by hand
    assert ref.relaxed([[1.0]], [-1.0], [-1.0]) == -0.5
    out = check_bound_fr_ge_f(SOLVERS, inst)
    assert out.holds is False and "f_r(x) = -0.5 < f(x) = 0.5" in out.message


def test_theorem_1_check_finds_that_y_nonnegative_without_planted_is_not_enough():
    # A = [[1], [-1]], y = [1, 1]: f_r(x) = x^2/2 + 1 has min 1 at 0; f(1) = 1/2
    inst = _inst([[1], [-1]], [1, 1], [[1]])
    out = check_thm1_global_min(SOLVERS, inst)
    assert out.holds is False
    assert "= 0.5 < min f_r = 1" in out.message
    assert dict(out.extra)["min f_r"] == pytest.approx(1.0, abs=1e-9)


def test_theorem_1_check_passes_on_a_planted_instance():
    A = np.array([[1.0, 2.0], [-1.0, 1.0], [3.0, -1.0]])
    x_star = np.array([[1.0], [-1.0]])
    y = np.array([ref.relu(ref.dot(a, x_star[:, 0])) for a in A])
    out = check_thm1_global_min(SOLVERS, _inst(A, y, [[2.0], [1.0]], X_star=x_star))
    assert out.holds is True


def test_proposition_2_check_finds_no_gradient_at_a_tie_with_two_neurons():
    # z = (0, 1), y = 2: right derivative in x_1 is r = -1, left derivative 0
    out = check_prop2_gradient(SOLVERS, _inst([[1]], [2], [[0, 1]]))
    assert out.holds is False
    assert "-1 (right) and 0 (left)" in out.message


def test_proposition_2_check_passes_at_a_tie_with_one_neuron():
    # f_mp = f_r is C1: both one-sided derivatives at z = 0 equal -y
    assert check_prop2_gradient(SOLVERS, _inst([[1]], [2], [[0]])).holds is True


def test_corollary_1_check_finds_a_stationary_point_with_nonzero_residual_when_rank_is_deficient():
    # A = [[2], [-1]], y = [2, 1] = g(A x*) summed for x* = (1, -1); X = (3/8, 3/8) gives
    # z = (3/4, 3/4; -3/8, -3/8), r = (-1/2, -1), P = {row 2}, (13)/2 = A^T r = -1 + 1 = 0
    inst = _inst([[2], [-1]], [2, 1], [[0.375, 0.375]])
    assert ref.loss([[2.0], [-1.0]], [2.0, 1.0], [[0.375, 0.375]]) == pytest.approx(0.5 * (0.25 + 1.0))
    out = check_cor1_stationary_global(SOLVERS, inst)
    assert out.holds is False
    np.testing.assert_array_equal(dict(out.extra)["residual"], [-0.5, -1.0])


def test_corollary_1_check_passes_on_a_full_row_rank_instance():
    inst = _inst([[1, 0, 1], [0, 1, -1]], [1, 2], [[1, -1], [0, 1], [2, 0]])
    assert check_cor1_stationary_global(SOLVERS, inst).holds is True


def test_glmtron_update_equals_one_step_of_update_5_with_mu_one_over_n():
    A = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.0]])
    y, x = np.array([1.0, 0.0, 2.0]), np.array([0.5, -1.0])
    step = x - (1 / 3) * np.array([sum((max(0.0, ref.dot(a, x)) - yi) * a[k] for a, yi in zip(A, y)) for k in range(2)])
    np.testing.assert_allclose(glmtron_step(A, y, x), step, rtol=1e-15)
    assert check_rgd_direction(SOLVERS, _inst(A, y, x)).holds is True


def test_realisability_decides_models_4_and_8_on_small_cases():
    A = np.array([[1.0], [-1.0]])
    assert not realisable(A, np.array([1.0, 1.0]), 1)  # one ReLU cannot be positive on both rows
    assert realisable(A, np.array([1.0, 1.0]), 2)  # x_1 = 1, x_2 = -1
    assert not realisable(np.array([[1.0], [2.0]]), np.array([1.0, 1.0]), 2)  # rows of one sign: y = c (1, 2)
    assert not realisable(A, np.array([1.0, -1.0]), 3)


def test_satisfied_conditions_are_computed_from_the_instance():
    inst = _inst([[1, 1], [-1, -1]], [1, 2], [[1, 0], [0, 1]])
    got = satisfied_conditions(inst, (inst.A @ inst.X,))
    # m = 2 realises y = (1, 2) (x_1 sums to 1, x_2 to -2); rank 1 < n = 2; AX has no zero
    assert got == {PLANTED, LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION}
    assert FULL_ROW_RANK not in got


def test_every_registered_claim_has_a_check_in_the_checks_module():
    from relurelax.proofs import checks
    from relurelax.proofs.registry import CLAIMS

    for claim in CLAIMS:
        assert claim.check.module == "checks" and callable(getattr(checks, claim.check.name)), claim.id


# --- wrong numeric code plugged into the checks must be caught

SMALL = Profile("test", examples=30, sympy_m=2, smt_m=3, solver_instances=1)


def _relu_free_relaxed_objective(A, y, x):
    """A deliberately wrong f_r: the ReLU dropped from the quadratic term."""
    z = np.asarray(A) @ np.asarray(x).reshape(-1)
    return 0.5 * float(z @ z) - float(np.asarray(y) @ z) + 0.5 * float(np.asarray(y) @ np.asarray(y))


WRONG_GRADIENT = dataclasses.replace(
    SOLVERS,
    regularized_objective_gradient=gd_direction,  # (13) without the product term
    rgd=Direction("rgd-without-product-term", GD.weights, RGD.objective),
)
WRONG_OBJECTIVE = dataclasses.replace(SOLVERS, relaxed_objective=_relu_free_relaxed_objective)


def _doubled_pplus(A, y):
    result = solvers.solve_pplus(A, y)
    return dataclasses.replace(result, lower_bound=2.0 * result.lower_bound)


def _wrong_sign_relaxed_objective(A, y, x):
    """A deliberately wrong f_r: + y^T A x in place of - y^T A x."""
    z = np.asarray(A) @ np.asarray(x, dtype=float).reshape(-1)
    g, y = np.maximum(z, 0.0), np.asarray(y)
    return 0.5 * float(g @ g) + float(y @ z) + 0.5 * float(y @ y)


@pytest.mark.parametrize(
    "claim_id, numerics",
    [
        ("prop2-gradient", WRONG_GRADIENT),
        ("cor1-stationary-global", WRONG_GRADIENT),
        ("rgd-direction", WRONG_OBJECTIVE),
        ("pplus-lower-bound", dataclasses.replace(SOLVERS, solve_pplus=_doubled_pplus)),
        ("relaxation-identifiability", dataclasses.replace(SOLVERS, relaxed_objective=_wrong_sign_relaxed_objective)),
    ],
)
def test_a_deliberately_wrong_numeric_function_is_caught_as_disagreeing_with_the_proof(claim_id, numerics):
    record = examine_claim(claim_by_id(claim_id), SMALL, seed=0, numerics=numerics)
    assert not record.ok
    statuses = [(e.method, e.status) for e in record.evidence]
    assert ("hypothesis", "disagrees") in statuses
    assert ("sympy", "proved") in statuses and ("smt", "proved") in statuses


def test_a_counterexample_a_proof_covers_is_a_disagreement_and_refutes_nothing():
    # the proofs of Theorem 2 hold under planted; a search that only requires y >= 0 draws planted
    # instances too, and wrong code failing on one of them must not make planted look insufficient
    record = examine_claim(claim_by_id("thm2-global-min"), SMALL, seed=0, numerics=WRONG_GRADIENT)
    assert not record.ok
    assert ("hypothesis", "disagrees") in [(e.method, e.status) for e in record.evidence]
    assert record.verdict is not Verdict.EXTRA
    for condition in record.conditions:
        if condition.counterexample is not None:
            assert PLANTED not in condition.counterexample.satisfied


def test_a_claim_failing_under_all_five_conditions_without_a_proof_gets_the_verdict_fails(monkeypatch):
    from relurelax.proofs import smt, symbolic
    from relurelax.proofs._proof import ProofResult

    for module in (symbolic, smt):  # the claim's parts are resolved when the ledger runs them
        monkeypatch.setattr(module, "prove_bound_fr_ge_f", lambda: ProofResult("sympy", False, frozenset(), 0, 0.0, "-"))
    always_below = dataclasses.replace(SOLVERS, relaxed_objective=lambda A, y, x: -1e9)
    record = examine_claim(claim_by_id("bound-fr-ge-f"), SMALL, seed=0, numerics=always_below)
    assert record.verdict is Verdict.FAILS
    assert record.minimal_conditions is None
    assert not record.ok  # the proofs did not go through
    prop = record.evidence[2]
    assert (prop.method, prop.status) == ("hypothesis", "counterexamples")
    assert "all five conditions" in prop.detail and "-1e+09" in prop.detail


@pytest.mark.parametrize("claim_id", ["prop2-gradient", "rgd-direction"])
def test_the_right_numeric_code_agrees_on_the_same_runs(claim_id):
    record = examine_claim(claim_by_id(claim_id), SMALL, seed=0)
    assert record.ok


@pytest.mark.parametrize("numerics", [WRONG_GRADIENT, WRONG_OBJECTIVE], ids=["wrong-gradient", "wrong-objective"])
def test_theorem_1s_solver_evidence_judges_the_numeric_code_it_is_given(numerics):
    from relurelax.proofs.crosscheck import thm1_solver

    assert thm1_solver(SOLVERS, 2, seed=0).agrees
    wrong = thm1_solver(numerics, 2, seed=0)  # no counterexample to re-check: the planted instances alone must catch it
    assert not wrong.agrees
    assert wrong.detail.startswith("DISAGREES") and "rgd's minimiser" in wrong.detail
