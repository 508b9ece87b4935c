"""The registry of claims (proofs/registry.py): every claim is one object whose parts all resolve, and an
incomplete or inconsistent claim is refused at import with an error naming the claim and the part."""

from __future__ import annotations

import dataclasses

import pytest

from relurelax.proofs import claims as claims_module
from relurelax.proofs import registry
from relurelax.proofs.claims import Claim, Part, claim_by_id, count_in_words
from relurelax.proofs.conditions import CONDITIONS, PLANTED
from relurelax.proofs.ledger import build_ledger
from relurelax.proofs.registry import IncompleteClaimError, validate

from .imports import modules_imported_by, offending


def _claim(**changes) -> Claim:
    """A complete one-neuron claim (the parts of bound-fr-ge-f) under another id, with ``changes``."""
    return dataclasses.replace(claim_by_id("bound-fr-ge-f"), id="new-claim", **changes)


def test_the_registered_claims_are_the_declared_ones_in_ledger_order_with_unique_ids():
    ids = registry.claim_ids()
    assert ids == tuple(c.id for c in claims_module.CLAIMS)
    assert len(set(ids)) == len(ids) == len(registry.CLAIMS)


def test_every_registered_claim_resolves_each_of_its_parts_to_a_callable():
    for claim in registry.CLAIMS:
        parts = [claim.sympy_proof, claim.smt_proof, claim.check]
        parts += [claim.solver_evidence] if claim.solver_evidence is not None else []
        for part in parts:
            assert callable(part.load()), part.path
        assert claim.smt_proof.load().negative_controls, claim.id


def test_the_claims_about_minima_carry_their_solver_evidence_and_the_others_none():
    with_solver = {c.id: c.solver_evidence.name for c in registry.CLAIMS if c.solver_evidence is not None}
    assert with_solver == {
        "thm1-global-min": "thm1_solver",
        "thm2-global-min": "thm2_solver",
        "cor1-stationary-global": "cor1_solver",
    }


def test_a_complete_new_claim_is_accepted():
    assert validate([_claim()])[0].id == "new-claim"


def test_a_claim_without_a_z3_proof_is_refused_naming_the_claim_and_the_part():
    with pytest.raises(IncompleteClaimError, match=r"claim 'new-claim': smt_proof is missing"):
        validate([_claim(smt_proof=None)])


def test_a_claim_whose_z3_proof_declares_no_negative_control_is_refused_naming_the_claim_and_the_part(monkeypatch):
    from relurelax.proofs import smt

    def prove_uncontrolled():  # the right signature, but no @z3_proof(...) and so no declared control
        return None

    monkeypatch.setattr(smt, "prove_uncontrolled", prove_uncontrolled, raising=False)
    with pytest.raises(IncompleteClaimError) as info:
        validate([_claim(smt_proof=Part("smt", "prove_uncontrolled"))])
    assert str(info.value) == (
        "1 problem(s) in the claims: claim 'new-claim': smt_proof relurelax.proofs.smt.prove_uncontrolled "
        "declares no negative control; a z3 proof without one proves nothing (declare its controls with "
        "@z3_proof('name of the wrong lemma', ...))"
    )


def test_a_z3_proof_made_by_hand_with_controls_but_without_the_guards_is_refused(monkeypatch):
    from relurelax.proofs import smt
    from relurelax.proofs._proof import ProofResult

    def prove_unguarded():  # claims controls, but its lemmas never pass through the guards of @z3_proof
        return ProofResult("smt", True, frozenset(), 1, 0.0, "proved by hand")

    prove_unguarded.negative_controls = ("a wrong lemma",)
    monkeypatch.setattr(smt, "prove_unguarded", prove_unguarded, raising=False)
    with pytest.raises(IncompleteClaimError, match=r"prove_unguarded is not built by @z3_proof\(\.\.\.\): its lemmas would skip"):
        validate([_claim(smt_proof=Part("smt", "prove_unguarded"))])


def test_every_registered_z3_proof_is_built_by_z3_proof_and_so_guards_its_lemmas():
    for claim in registry.CLAIMS:
        prover = claim.smt_proof.load()
        assert prover.guarded is True and prover.negative_controls, claim.id


@pytest.mark.parametrize("claim", [c for c in registry.CLAIMS if c.multi_neuron], ids=lambda c: c.id)
def test_a_registered_multi_neuron_claim_is_proved_for_every_m_at_the_quick_profiles_bounds(claim):
    from relurelax.proofs.ledger import PROFILES

    quick = PROFILES["quick"]
    for result, m_max in ((claim.prove_sympy(quick.sympy_m), quick.sympy_m), (claim.prove_smt(quick.smt_m), quick.smt_m)):
        assert result.proved and (result.m_max, result.scope) == (m_max, "every m"), result.detail


def test_a_part_that_does_not_exist_is_refused_with_its_dotted_path():
    with pytest.raises(IncompleteClaimError, match=r"check relurelax\.proofs\.checks\.check_nothing: .*has no 'check_nothing'"):
        validate([_claim(check=Part("checks", "check_nothing"))])
    with pytest.raises(IncompleteClaimError, match=r"cannot be imported"):
        validate([_claim(check=Part("no_such_module", "check"))])


def test_a_sympy_proof_outside_the_symbolic_half_is_refused():
    with pytest.raises(IncompleteClaimError, match=r"must live in relurelax\.proofs\.symbolic"):
        validate([_claim(sympy_proof=Part("smt", "prove_bound_fr_ge_f"))])


def test_proofs_whose_signature_does_not_match_the_number_of_neurons_are_refused():
    # a multi-neuron claim needs provers that take m_max; bound-fr-ge-f's take none
    with pytest.raises(IncompleteClaimError, match=r"sympy_proof .* must take m_max: the claim is multi-neuron"):
        validate([_claim(neurons=(1, 3))])
    # and a one-neuron claim refuses provers that take m_max
    multi = claim_by_id("bound-fmp-ge-fm")
    with pytest.raises(IncompleteClaimError, match=r"smt_proof .* must take no argument: the claim is one-neuron"):
        validate([dataclasses.replace(multi, neurons=(1, 1))])


def test_a_declared_solver_evidence_must_resolve_and_accept_the_ledgers_arguments():
    with pytest.raises(IncompleteClaimError, match=r"solver_evidence relurelax\.proofs\.crosscheck\.thm9_solver"):
        validate([_claim(solver_evidence=Part("crosscheck", "thm9_solver"))])
    with pytest.raises(IncompleteClaimError, match=r"must accept \(numerics, instances, seed, counterexamples\)"):
        validate([_claim(solver_evidence=Part("checks", "check_bound_fr_ge_f"))])


def test_duplicate_ids_bad_neuron_ranges_and_an_empty_registry_are_refused():
    with pytest.raises(IncompleteClaimError, match=r"claim 'new-claim' is registered twice"):
        validate([_claim(), _claim()])
    with pytest.raises(IncompleteClaimError, match=r"neurons must be \(lo, hi\) with 1 <= lo <= hi"):
        validate([_claim(neurons=(2, 1))])
    with pytest.raises(IncompleteClaimError, match="no claims"):
        validate([])


def test_every_problem_is_listed_in_one_error():
    with pytest.raises(IncompleteClaimError, match=r"^3 problem\(s\)") as info:
        validate([_claim(sympy_proof=None, smt_proof=None, check=None)])
    for part in ("sympy_proof", "smt_proof", "check"):
        assert f"claim 'new-claim': {part} is missing" in str(info.value)


def test_an_unknown_paper_condition_is_refused_naming_the_claim():
    with pytest.raises(ValueError, match=r"claim 'new-claim': paper_conditions: unknown conditions \['convex'\]"):
        _claim(paper_conditions=(PLANTED, "convex"))


def test_the_ledger_refuses_an_incomplete_claim_before_examining_anything():
    with pytest.raises(IncompleteClaimError, match="claim 'new-claim': check is missing"):
        build_ledger("quick", 0, claims=(_claim(check=None),))


def test_the_count_in_the_verify_help_and_the_ledger_messages_comes_from_the_registry():
    from relurelax.proofs.ledger import ALL_CONDITIONS

    assert ALL_CONDITIONS == f"all {count_in_words(len(CONDITIONS))} conditions"
    assert count_in_words(8) == "eight" and count_in_words(13) == "13"
    assert f"the {count_in_words(len(registry.CLAIMS))} claims" in _verify_help()


def _verify_help() -> str:
    import contextlib
    import io

    from relurelax.reports.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["verify", "--help"]) == 0
    return " ".join(out.getvalue().split())


def test_listing_the_claims_imports_neither_sympy_z3_nor_the_numeric_code():
    loaded = modules_imported_by("from relurelax.proofs.claims import CLAIMS\nassert len(CLAIMS) > 0")
    assert "relurelax.proofs.claims" in loaded
    assert offending(loaded, ("sympy", "z3", "hypothesis", "cvxpy", "numpy"), ("relurelax.solvers",)) == []
