"""The symbolic half: sympy and z3 prove every per-sample lemma, never trust an undecided answer,
and import nothing from relurelax.solvers."""

from __future__ import annotations


import pytest
import sympy as sp
import z3

from relurelax.proofs import smt, symbolic
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, NO_ZERO_PREACTIVATION, PLANTED
from relurelax.proofs.registry import CLAIMS, claim_ids

from .imports import modules_imported_by, offending

# the conditions each claim's proofs prove it under; a new claim adds its line here
PROVED_UNDER = {
    "prop1-convexity": set(),
    "bound-fr-ge-f": {LABELS_NONNEGATIVE},
    "thm1-global-min": {PLANTED},
    "rgd-direction": set(),
    "prop2-gradient": {NO_ZERO_PREACTIVATION},
    "bound-fmp-ge-fm": {LABELS_NONNEGATIVE},
    "thm2-global-min": {PLANTED},
    "cor1-stationary-global": {FULL_ROW_RANK},
    "pplus-lower-bound": set(),
    "relaxation-identifiability": {PLANTED},
}


def test_every_registered_claim_says_under_which_conditions_its_proofs_hold():
    assert set(PROVED_UNDER) == set(claim_ids()), "record the proof conditions of a new claim in PROVED_UNDER"


@pytest.mark.parametrize("claim_id", claim_ids())
@pytest.mark.parametrize("method, m_max", [("sympy", 4), ("smt", 8)])
def test_sympy_for_m_up_to_4_and_z3_for_m_up_to_8_prove_every_claims_lemmas_for_every_m(claim_id, method, m_max):
    claim = claim_by_id(claim_id)
    result = (claim.prove_sympy if method == "sympy" else claim.prove_smt)(m_max)
    assert result.proved, result.detail
    assert result.method == method
    assert set(result.conditions) == PROVED_UNDER[claim_id]
    assert result.cases > 0
    # a one-neuron claim has no m; a multi-neuron one is decided up to m_max and lifted to every m in the run
    assert (result.m_max, result.lifted) == ((m_max, True) if claim.multi_neuron else (None, False))
    assert result.scope == "every m"


@pytest.mark.parametrize("claim_id", claim_ids())
def test_z3_finds_a_model_for_every_declared_negative_control(claim_id):
    detail = claim_by_id(claim_id).prove_smt(2).detail  # the controls are m = 2 lemmas at most
    assert "Negative controls" in detail and ": sat (" in detail
    for control in claim_by_id(claim_id).smt_proof.load().negative_controls:
        assert f"{control}: sat (" in detail


MULTI_NEURON = [c for c in CLAIMS if c.multi_neuron]


@pytest.mark.parametrize("claim", MULTI_NEURON, ids=lambda c: c.id)
def test_a_multi_neuron_proof_asked_for_no_m_is_not_proved_instead_of_proving_with_no_lemma(claim):
    for prover in (claim.sympy_proof.load(), claim.smt_proof.load()):
        result = prover(0)
        assert not result.proved
        assert result.detail.startswith("not proved: no m to prove")
        assert (result.cases, result.m_max, result.lifted) == (0, 0, False)
        assert result.scope == "m <= 0"


@pytest.mark.parametrize("claim", MULTI_NEURON, ids=lambda c: c.id)
@pytest.mark.parametrize("m_max", [-1, 1.5, True, "3", None])
def test_a_multi_neuron_proof_refuses_an_m_max_that_names_no_range_of_m(claim, m_max):
    for prover in (claim.sympy_proof.load(), claim.smt_proof.load()):
        with pytest.raises(ValueError, match="m_max must be an integer >= 0"):
            prover(m_max)


@pytest.mark.parametrize("claim", MULTI_NEURON, ids=lambda c: c.id)
@pytest.mark.parametrize("method", ["sympy", "smt"])
def test_the_lift_to_every_m_does_not_depend_on_how_many_m_were_decided(claim, method):
    result = (claim.prove_sympy if method == "sympy" else claim.prove_smt)(1)
    assert result.proved, result.detail
    assert (result.m_max, result.lifted, result.every_m, result.scope) == (1, True, True, "every m")
    assert "Lift to every m, by induction over neurons" in result.detail
    assert "The lift was checked in this run" in result.detail and "LIFT NOT CHECKED" not in result.detail


@pytest.mark.parametrize("claim", [c for c in CLAIMS if not c.multi_neuron], ids=lambda c: c.id)
def test_a_one_neuron_proof_takes_no_m_and_the_claim_calls_it_without_one(claim):
    for prover in (claim.sympy_proof.load(), claim.smt_proof.load()):
        with pytest.raises(TypeError):
            prover(4)
    assert claim.proof_arguments(6) == ()


def test_multi_neuron_proofs_say_for_which_m_their_cases_were_decided():
    assert "m = 1..3" in symbolic.prove_prop2_gradient(3).detail
    assert "m = 1..8" in smt.prove_bound_fmp_ge_fm(8).detail
    assert symbolic.prove_prop2_gradient(3).m_max == 3 and smt.prove_bound_fmp_ge_fm(8).m_max == 8


def test_sympy_equals_is_wrong_on_the_max_identity_so_the_proof_splits_cases():
    # the fact the issue warns about: equals() does not confirm a true identity (it answers
    # False or None, depending on its random numerical probes)
    u = sp.Symbol("u", real=True)
    assert (sp.Max(0, u) * u - sp.Max(0, u) ** 2).equals(0) is not True
    # while the case split proves it (thm1's first lemma)
    assert "g(u) u = g(u)^2" in symbolic.prove_thm1_global_min().detail
    assert symbolic.prove_thm1_global_min().proved


def test_an_undecided_or_false_sympy_answer_is_reported_as_not_proved():
    tally = symbolic._Tally()
    y = sp.Symbol("y", real=True)
    tally.nonnegative(y, "y >= 0 for a real y")  # sympy answers None: not a verdict
    tally.zero(sp.Max(0, y) - y, "a Max left in the expression")
    tally.zero(sp.Integer(1), "1 = 0")
    assert len(tally.undecided) == 3
    result = symbolic._result(tally, (), 0.0, "detail")
    assert not result.proved and result.detail.startswith("NOT PROVED")


def test_z3_returns_a_model_for_a_false_lemma_and_unsat_for_a_true_one():
    u = z3.Real("u")
    assert smt.prove([], smt._relu(u) >= u, "g(u) >= u").answer == "unsat"
    wrong = smt.prove([], smt._relu(u) == u, "g(u) = u")
    assert wrong.answer == "sat" and "u = " in wrong.model


def test_a_negative_control_that_z3_proves_makes_the_proof_fail():
    run = smt._Run(("a 'wrong' lemma that is in fact true",))
    u = z3.Real("u")
    run.prove([], smt._relu(u) >= 0, "g >= 0")
    run.control([], smt._relu(u) >= 0)
    result = run.result((), "test.")
    assert not result.proved and "control a 'wrong' lemma that is in fact true: unsat" in result.detail


def test_a_z3_proof_that_skips_a_declared_negative_control_is_not_proved():
    @smt.z3_proof("g(u) = u", "never run")
    def proof(run):
        u = z3.Real("u")
        run.prove([], smt._relu(u) >= 0, "g >= 0")
        run.control([], smt._relu(u) == u)
        return run.result((), "test.")

    result = proof()
    assert not result.proved and "control never run: not run" in result.detail


def test_a_z3_proof_with_no_negative_control_is_refused_when_declared_and_never_proved_when_run():
    with pytest.raises(ValueError, match="at least one negative control"):
        smt.z3_proof()
    run = smt._Run(())
    run.prove([], smt._relu(z3.Real("u")) >= 0, "g >= 0")
    result = run.result((), "test.")
    assert not result.proved and "no negative control" in result.detail


def test_a_z3_proof_that_runs_an_undeclared_control_is_a_value_error():
    run = smt._Run(("the only one",))
    u = z3.Real("u")
    run.control([], smt._relu(u) == u)
    with pytest.raises(ValueError, match="more negative controls than the 1 it declares"):
        run.control([], smt._relu(u) == -u)


def test_a_declared_z3_proof_has_the_signature_without_its_run():
    import inspect

    assert list(inspect.signature(smt.prove_thm2_global_min).parameters) == ["m_max"]
    assert list(inspect.signature(smt.prove_thm1_global_min).parameters) == []
    assert smt.prove_thm1_global_min.negative_controls == ("phi_r = phi_f for any y >= 0 (not only y = g(u))",)


def test_the_papers_intermediate_convexity_step_is_refuted_by_both_provers():
    assert "is false" in symbolic.prove_prop1_convexity().detail
    detail = smt.prove_prop1_convexity().detail
    assert "the paper's step g(ta+(1-t)b)^2 <= g(ta)^2 + g((1-t)b)^2: sat" in detail


def test_the_symbolic_half_imports_no_solvers_code():
    loaded = modules_imported_by("import relurelax.proofs.symbolic, relurelax.proofs.smt, relurelax.proofs.conditions")
    assert {"relurelax.proofs.symbolic", "relurelax.proofs.smt", "sympy", "z3"} <= loaded
    assert offending(loaded, ("numpy", "cvxpy"), ("relurelax.solvers",)) == []
