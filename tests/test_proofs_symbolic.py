"""The symbolic half: sympy and z3 prove every per-sample lemma, never trust an undecided answer,
and import nothing from relurelax.solvers."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sympy as sp
import z3

from relurelax.proofs import smt, symbolic
from relurelax.proofs.conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, NO_ZERO_PREACTIVATION, PLANTED

PROVED_UNDER = {
    "prop1-convexity": set(),
    "bound-fr-ge-f": {LABELS_NONNEGATIVE},
    "thm1-global-min": {PLANTED},
    "rgd-direction": set(),
    "prop2-gradient": {NO_ZERO_PREACTIVATION},
    "bound-fmp-ge-fm": {LABELS_NONNEGATIVE},
    "thm2-global-min": {PLANTED},
    "cor1-stationary-global": {FULL_ROW_RANK},
}


@pytest.mark.parametrize("claim_id", sorted(PROVED_UNDER))
def test_sympy_proves_every_claims_lemmas_for_m_up_to_4(claim_id):
    result = symbolic.PROVERS[claim_id](4)
    assert result.proved, result.detail
    assert result.method == "sympy"
    assert set(result.conditions) == PROVED_UNDER[claim_id]
    assert result.cases > 0


@pytest.mark.parametrize("claim_id", sorted(PROVED_UNDER))
def test_z3_refutes_every_lemmas_negation_and_finds_a_model_for_every_negative_control(claim_id):
    result = smt.PROVERS[claim_id](8)
    assert result.proved, result.detail
    assert result.method == "smt"
    assert set(result.conditions) == PROVED_UNDER[claim_id]
    assert "Negative controls" in result.detail and ": sat (" in result.detail


def test_multi_neuron_proofs_say_for_which_m_they_hold():
    assert "m = 1..3" in symbolic.prove_prop2_gradient(3).detail
    assert "m = 1..8" in smt.prove_bound_fmp_ge_fm(8).detail


def test_sympy_equals_is_wrong_on_the_max_identity_so_the_proof_splits_cases():
    # the fact the issue warns about: equals() does not confirm a true identity (it answers
    # False or None, depending on its random numerical probes)
    u = sp.Symbol("u", real=True)
    assert (sp.Max(0, u) * u - sp.Max(0, u) ** 2).equals(0) is not True
    # while the case split proves it (thm1's first lemma)
    assert "g(u) u = g(u)^2" in symbolic.prove_thm1_global_min(1).detail
    assert symbolic.prove_thm1_global_min(1).proved


def test_an_undecided_or_false_sympy_answer_is_reported_as_not_proved():
    tally = symbolic._Tally()
    y = sp.Symbol("y", real=True)
    tally.nonnegative(y, "y >= 0 for a real y")  # sympy answers None: not a verdict
    tally.zero(sp.Max(0, y) - y, "a Max left in the expression")
    tally.zero(sp.Integer(1), "1 = 0")
    assert len(tally.undecided) == 3
    result = symbolic._result("x", tally, (), 0.0, "detail")
    assert not result.proved and result.detail.startswith("NOT PROVED")


def test_z3_returns_a_model_for_a_false_lemma_and_unsat_for_a_true_one():
    u = z3.Real("u")
    assert smt.prove([], smt._relu(u) >= u, "g(u) >= u").answer == "unsat"
    wrong = smt.find_model([], smt._relu(u) == u, "g(u) = u")
    assert wrong.answer == "sat" and "u = " in wrong.model


def test_a_negative_control_that_z3_proves_makes_the_proof_fail():
    run = smt._Run()
    u = z3.Real("u")
    run.prove([], smt._relu(u) >= 0, "g >= 0")
    run.control([], smt._relu(u) >= 0, "a 'wrong' lemma that is in fact true")
    result = run.result((), "test.")
    assert not result.proved and "control" in result.detail


def test_the_papers_intermediate_convexity_step_is_refuted_by_both_provers():
    assert "is false" in symbolic.prove_prop1_convexity().detail
    detail = smt.prove_prop1_convexity().detail
    assert "the paper's step g(ta+(1-t)b)^2 <= g(ta)^2 + g((1-t)b)^2: sat" in detail


def test_the_symbolic_half_imports_no_solvers_code():
    code = (
        "import sys\n"
        "import relurelax.proofs.symbolic, relurelax.proofs.smt, relurelax.proofs.conditions\n"
        "bad = sorted(m for m in sys.modules if m.startswith('relurelax.solvers') or m in ('numpy', 'cvxpy'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
