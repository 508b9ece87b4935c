"""The two claims beyond the paper: pplus-lower-bound and relaxation-identifiability.

Their provers refute what their negative controls state, their numeric checks
decide the tie examples the way the reference loops (tests/reference.py) do,
and wrong numeric code (a P_+ twice too large, an f_r with the wrong sign of
its linear term) makes the ledger report a disagreement with the proofs.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
import z3

from relurelax.proofs import checks, smt, symbolic
from relurelax.proofs.checks import SOLVERS, check_pplus_lower_bound, check_relaxation_identifiability
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.conditions import PLANTED, Space
from relurelax.proofs.constructions import constructions
from relurelax.proofs.ledger import examine_claim
from relurelax.proofs.search import search
from relurelax.proofs.strategies import Instance

from . import reference as ref
from .test_proofs_checks import SMALL


#: the tie example: argmin f_r = {x*} although rank A_S = 1 < d = 2
TIE_A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
TIE_Y = np.array([1.0, 0.0, 0.0])
X_STAR = np.array([1.0, 0.0])


def _instance(A, y, x_star=None, X=None) -> Instance:
    X = np.zeros((A.shape[1], 1)) if X is None else X
    return Instance(A=A, y=y, X=X, X_star=None if x_star is None else x_star.reshape(-1, 1))


# --- the tie example, against the reference loops


def test_the_tie_example_has_x_star_as_its_only_minimiser_although_rank_a_s_is_1():
    S = TIE_A @ X_STAR > 0
    assert np.linalg.matrix_rank(TIE_A[S]) == 1 < TIE_A.shape[1]
    assert ref.relaxed(TIE_A.tolist(), TIE_Y.tolist(), X_STAR.tolist()) == 0.0
    # f_r = ((x_1 - 1)^2 + x_2^2)/2 on x_1 > 0 and f_r >= 1/2 - x_1 > 0 on x_1 <= 0: written out by hand here
    rng = np.random.default_rng(0)
    for x in rng.uniform(-3.0, 3.0, size=(200, 2)):
        value = ref.relaxed(TIE_A.tolist(), TIE_Y.tolist(), x.tolist())
        if x[0] > 0:
            assert value == pytest.approx(((x[0] - 1) ** 2 + x[1] ** 2) / 2, abs=1e-12)
        else:
            assert value >= 0.5 - x[0] > 0


def test_the_tie_example_passes_the_check_with_a_cone_of_directions_that_is_zero():
    assert checks._cone_direction(TIE_A, [0], [1, 2]) == (False, None)
    outcome = check_relaxation_identifiability(SOLVERS, _instance(TIE_A, TIE_Y, X_STAR))
    assert outcome.holds is True, outcome.message


def test_with_one_tie_row_the_check_finds_the_second_minimisers_the_reference_confirms():
    A, y = np.eye(2), np.array([1.0, 0.0])
    nontrivial, v = checks._cone_direction(A, [0], [1])
    assert nontrivial and v == [Fraction(0), Fraction(-1)]
    for t in (0.5, 1.0, 7.0):  # every (1, -t), t >= 0, fits the labels
        assert ref.relaxed(A.tolist(), y.tolist(), [1.0, -t]) == 0.0
    assert check_relaxation_identifiability(SOLVERS, _instance(A, y, X_STAR)).holds is True


def test_the_planted_tie_constructions_are_checked_by_the_search_under_planted_and_pass():
    family = [c for c in constructions((1, 1)) if c.family == "planted-tie"]
    assert [c.instance.A.shape for c in family] == [(3, 2), (2, 2)]
    claim = claim_by_id("relaxation-identifiability")
    res = search(claim.id, claim.check.load(), SOLVERS, Space(frozenset({PLANTED})), max_examples=0, seed=0,
                 point_is_claim_point=claim.point_is_claim_point)  # fmt: skip
    assert res.counterexample is None
    assert res.constructed >= len(family)


# --- the checks decide where the statements fail


def test_labels_no_network_reaches_give_a_positive_minimum_of_f_r_and_fail_the_check():
    A, y = np.array([[1.0], [1.0]]), np.array([1.0, 2.0])  # equal rows, unequal labels: min f_r = 1/4 at x = 3/2
    outcome = check_relaxation_identifiability(SOLVERS, _instance(A, y))
    assert outcome.holds is False and "min f_r = 0.25" in outcome.message


def test_a_negative_label_with_full_row_rank_makes_f_r_unbounded_and_fails_the_check():
    outcome = check_relaxation_identifiability(SOLVERS, _instance(np.array([[1.0]]), np.array([-1.0])))
    assert outcome.holds is False and "min f_r = -inf" in outcome.message


def test_p_plus_is_below_every_network_and_reached_by_the_recovered_one():
    A = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 1.0]])
    y = np.array([1.0, 2.0, -1.0])
    for m in (1, 2, 3):
        X = np.arange(2 * m, dtype=float).reshape(2, m) - m
        assert check_pplus_lower_bound(SOLVERS, Instance(A=A, y=y, X=X)).holds is True


# --- wrong numeric code is caught: tests/test_proofs_checks.py (a doubled P_+, an f_r with the wrong sign)


@pytest.mark.parametrize("claim_id", ["pplus-lower-bound", "relaxation-identifiability"])
def test_the_right_numeric_code_agrees_on_the_same_runs(claim_id):
    assert examine_claim(claim_by_id(claim_id), SMALL, seed=0).ok


# --- the provers


@pytest.mark.parametrize(
    "control",
    ["the open cone: (2D - 1) z > 0: sat (", "output weight -1: -g(z) = D z: sat ("],
)
def test_z3_refutes_the_open_cone_and_a_negative_output_weight(control):
    result = smt.prove_pplus_lower_bound(2)
    assert result.proved and control in result.detail


def test_z3_refutes_the_issues_rank_wording_at_a_tie_and_the_lemma_without_the_planted_label():
    detail = smt.prove_relaxation_identifiability().detail
    assert "the issue's rank condition: a tie row constrains no direction: sat (" in detail
    assert "w = 0" in detail.split("the issue's rank condition")[1]
    assert "phi_r >= 0 for any label (without y = g(a^T x*)): sat (" in detail


def test_either_label_of_a_tie_puts_a_neuron_in_a_closed_cone_so_the_strict_convention_works_too():
    # the lemma is proved with D free on ties: the paper's D = 1 and the strict D = 0 are both covered
    result = symbolic.prove_pplus_lower_bound(2)
    assert result.proved and result.lifted
    assert "the paper's D = 1 iff z >= 0 and the strict z > 0 both work" in result.detail


def test_a_wrong_sample_term_breaks_the_sympy_proof_of_identifiability(monkeypatch):
    # + y u in place of - y u: phi_r is no longer zero at u = u*, nor >= 0
    monkeypatch.setattr(symbolic, "phi_r", lambda u, y: symbolic.relu(u) ** 2 / 2 + y * u + y**2 / 2)
    result = symbolic.prove_relaxation_identifiability()
    assert not result.proved and result.detail.startswith("NOT PROVED")


def test_a_cell_label_of_1_on_a_negative_pre_activation_breaks_both_proofs_and_their_lift(monkeypatch):
    monkeypatch.setattr(symbolic, "_cell_label", lambda sign, j: sp.Integer(1) if sign != "0" else sp.Symbol(f"e{j}", real=True))
    monkeypatch.setattr(smt, "_cell_label", lambda z, b: (z3.If(b, z, 0), [z3.Implies(z > 0, b), z3.Implies(z < 0, b)]))
    for result in (symbolic.prove_pplus_lower_bound(2), smt.prove_pplus_lower_bound(2)):
        assert not result.proved and not result.lifted and result.detail.startswith("NOT PROVED")
        assert result.scope == "m <= 2"


def test_a_z3_lift_step_that_fails_leaves_the_pplus_proof_for_m_le_m_max_only(monkeypatch):
    # a step that adds g(t) to G but t to W: the per-m lemmas still hold, only the induction is refused
    real_label = smt._cell_label
    calls = []

    def wrong_for_the_lift(z, b):
        calls.append(str(z))
        dz, hypotheses = real_label(z, b)
        return (z if str(z) == "t" else dz), hypotheses

    monkeypatch.setattr(smt, "_cell_label", wrong_for_the_lift)
    result = smt.prove_pplus_lower_bound(3)
    assert "t" in calls
    assert result.proved and not result.lifted and result.scope == "m <= 3"
    assert "LIFT NOT CHECKED" in result.detail
