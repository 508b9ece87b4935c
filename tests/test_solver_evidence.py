"""The ledger's solver evidence counts every run: a run that did not converge is named and never agrees."""

from __future__ import annotations

import dataclasses

import pytest

from relurelax import solvers
from relurelax.proofs.checks import SOLVERS as NUMERICS
from relurelax.proofs.crosscheck import EvidenceStatus, SolverEvidence, cor1_solver, thm1_solver, thm2_solver
from relurelax.solvers import StopReason


def _capped(rows: int | None = None, iterations: int = 3):
    """``descend`` stopped at ``iterations`` (on every instance, or on those with ``rows`` rows only)."""

    def descend(A, y, X0, direction, **options):
        if rows is None or A.shape[0] == rows:
            options = {**options, "max_iter": iterations, "history_every": iterations}
        return solvers.descend(A, y, X0, direction, **options)

    return descend


def _diverging(A, y, X0, direction, **options):
    """``descend`` whose every run reports that it diverged (the point is the real run's)."""
    return dataclasses.replace(solvers.descend(A, y, X0, direction, **options), stop_reason=StopReason.DIVERGED)


def test_the_statuses_are_agrees_disagrees_and_incomplete():
    assert [s.value for s in EvidenceStatus] == ["agrees", "disagrees", "incomplete"]
    assert str(EvidenceStatus.INCOMPLETE) == "incomplete" and EvidenceStatus.AGREES == "agrees"


@pytest.mark.parametrize("compare", [thm2_solver, cor1_solver], ids=["thm2", "cor1"])
def test_the_right_code_agrees_and_every_run_converged(compare):
    evidence = compare(NUMERICS, 4, 0)
    assert evidence.status is EvidenceStatus.AGREES and evidence.agrees
    assert (evidence.runs, evidence.converged, evidence.unconverged) == (4, 4, ())
    assert evidence.detail.endswith("4 of 4 RGD runs converged and agree.")


@pytest.mark.parametrize("compare", [thm2_solver, cor1_solver], ids=["thm2", "cor1"])
def test_runs_that_stop_at_the_iteration_cap_make_the_evidence_incomplete_never_agreeing(compare):
    evidence = compare(dataclasses.replace(NUMERICS, descend=_capped()), 2, 0)
    assert evidence.status is EvidenceStatus.INCOMPLETE and not evidence.agrees
    assert (evidence.runs, evidence.converged) == (2, 0)
    assert len(evidence.unconverged) == 2
    assert all(u.startswith("rgd on (n, d, m) = (") and u.endswith(": max_iterations") for u in evidence.unconverged)
    assert evidence.detail.startswith("INCOMPLETE: 0 of 2 RGD runs converged and agree; 2 stopped at the iteration cap")


def test_one_run_at_the_cap_of_four_is_counted_and_named():
    evidence = thm2_solver(dataclasses.replace(NUMERICS, descend=_capped(rows=20)), 4, 0)  # (20, 5, 2) is instance 4
    assert evidence.status is EvidenceStatus.INCOMPLETE
    assert (evidence.runs, evidence.converged) == (4, 3)
    assert evidence.unconverged == ("rgd on (n, d, m) = (20, 5, 2): max_iterations",)
    assert evidence.detail.startswith(
        "INCOMPLETE: 3 of 4 RGD runs converged and agree; 1 stopped at the iteration cap "
        "(rgd on (n, d, m) = (20, 5, 2): max_iterations). "
    )


def test_a_run_that_diverged_is_named_by_its_status():
    evidence = cor1_solver(dataclasses.replace(NUMERICS, descend=_diverging), 1, 0)
    assert evidence.status is EvidenceStatus.INCOMPLETE
    assert evidence.unconverged == ("rgd on (n, d, m) = (5, 10, 1): diverged",)
    assert "0 of 1 RGD runs converged and agree; 1 diverged" in evidence.detail


def test_a_converged_run_that_contradicts_the_claim_disagrees_even_when_others_did_not_converge():
    def f_m_plus_one(A, y, X):  # f_m above f_mp at every point: (14) no longer bounds (9)
        return solvers.multi_neuron_objective(A, y, X) + 1.0

    wrong = dataclasses.replace(NUMERICS, descend=_capped(rows=20), multi_neuron_objective=f_m_plus_one)
    evidence = thm2_solver(wrong, 4, 0)
    assert evidence.status is EvidenceStatus.DISAGREES and not evidence.agrees
    assert evidence.detail.startswith("DISAGREES: (n, d, m) = (5, 10, 2): f_mp = ")
    assert evidence.detail.endswith(
        "3 of 4 RGD runs converged; 1 stopped at the iteration cap (rgd on (n, d, m) = (20, 5, 2): max_iterations)."
    )


def test_theorem_1_with_rgd_at_the_cap_is_incomplete_and_still_judges_newton_against_cvxpy():
    evidence = thm1_solver(dataclasses.replace(NUMERICS, descend=_capped()), 1, 0)
    assert evidence.status is EvidenceStatus.INCOMPLETE, evidence.detail
    assert (evidence.runs, evidence.converged) == (2, 1)  # RGD and Newton on the one instance
    assert evidence.unconverged == ("rgd on (n, d, m) = (5, 10, 1): max_iterations",)
    assert evidence.detail.startswith("INCOMPLETE: 1 of 2 RGD and Newton runs converged and agree; 1 stopped at the ")


def test_the_record_is_frozen():
    evidence = cor1_solver(NUMERICS, 1, 0)
    assert isinstance(evidence, SolverEvidence)
    with pytest.raises(dataclasses.FrozenInstanceError):
        evidence.status = EvidenceStatus.AGREES


def test_the_detail_names_three_unconverged_runs_and_counts_the_rest():
    evidence = cor1_solver(dataclasses.replace(NUMERICS, descend=_capped()), 5, 0)
    assert evidence.status is EvidenceStatus.INCOMPLETE and len(evidence.unconverged) == 5
    assert evidence.detail.count(": max_iterations") == 3 and "; and 2 more)" in evidence.detail


def test_the_ledger_carries_the_solver_evidences_status_through_and_incomplete_does_not_fail_it(monkeypatch):
    from relurelax.proofs import ledger
    from relurelax.proofs.crosscheck import EvidenceStatus, SolverEvidence

    def incomplete(numerics, instances, seed, counterexamples):
        return SolverEvidence(EvidenceStatus.INCOMPLETE, 2, 0.0, "INCOMPLETE: 1 of 2 RGD runs converged and agree",
                              runs=2, converged=1, unconverged=("rgd on (n, d, m) = (4, 4, 2): max_iterations",))

    class Part:
        def load(self):
            return incomplete

    claim = type("C", (), {"id": "thm2-global-min", "solver_evidence": Part()})()
    found = type("F", (), {"counterexamples": ()})()
    evidence = ledger._solver_evidence(claim, None, ledger.PROFILES["quick"], 0, found, lambda message: None)
    assert evidence.status == "incomplete" and evidence.status not in ledger.FAILING_STATUSES
