"""`relurelax verify` end to end on the quick profile at seed 0: the verdict and minimal conditions
of every claim, its counterexamples (checked again with the reference loops) and the JSON schema;
then the grades of the ledger (proved, refuted, searched) on stub claims with constructed proofs,
and on the real claims with the numeric code broken the way the ledger must notice."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from relurelax.proofs import checks, smt, symbolic
from relurelax.proofs._proof import ProofResult
from relurelax.proofs.checks import SOLVERS, Outcome
from relurelax.proofs.claims import Claim, claim_by_id, conventional_parts
from relurelax.proofs.conditions import (
    CONDITIONS,
    FULL_ROW_RANK,
    LABELS_NONNEGATIVE,
    N_LE_D,
    NO_ZERO_PREACTIVATION,
    PLANTED,
    Space,
    closure,
)
from relurelax.proofs.ledger import Grade, Profile, Verdict, build_ledger, grade_set
from relurelax.proofs.registry import claim_ids
from relurelax.proofs.search import Counterexample, SearchResult
from relurelax.proofs.strategies import Instance
from relurelax.solvers.descent import StopReason
from relurelax.reports.cli import main

from . import reference as ref
from .concurrently import compute

EXPECTED = {
    # claim: (verdict, minimal conditions) at the quick profile and seed 0; a new claim adds its line here
    "prop1-convexity": ("holds-with-fewer-conditions", []),
    "bound-fr-ge-f": ("holds-with-fewer-conditions", ["labels-nonnegative"]),
    "thm1-global-min": ("holds", ["planted"]),
    "rgd-direction": ("holds", []),
    "prop2-gradient": ("holds-with-fewer-conditions", ["no-zero-preactivation"]),
    "bound-fmp-ge-fm": ("holds-with-fewer-conditions", ["labels-nonnegative"]),
    "thm2-global-min": ("holds", ["planted"]),
    "cor1-stationary-global": ("holds-with-fewer-conditions", ["full-row-rank"]),
    "pplus-lower-bound": ("holds", []),
    "relaxation-identifiability": ("holds", ["planted"]),
}


@pytest.fixture(scope="module")
def verify_run(quick_verify_run):
    code, out, err, text, _ = quick_verify_run  # the one run of the session (conftest.py)
    return code, out, err, json.loads(text)


@pytest.fixture(scope="module")
def claims(verify_run):
    return {c["id"]: c for c in verify_run[3]["claims"]}


def test_relurelax_verify_prints_the_ledger_for_every_registered_claim_and_exits_0(verify_run):
    code, out, err, doc = verify_run
    ids = claim_ids()
    assert code == 0
    for claim_id in ids:
        assert claim_id in out
    assert "Counterexamples" in out
    assert "Every proof went through" in out
    assert err == ""  # stderr is not a terminal here: progress is shown on a terminal only
    assert [c["id"] for c in doc["claims"]] == list(ids)


def test_every_registered_claim_has_an_expected_verdict_at_seed_0():
    assert set(EXPECTED) == set(claim_ids()), "record the expected verdict of a new claim in EXPECTED"


@pytest.mark.parametrize("claim_id", claim_ids())
def test_each_claims_verdict_and_minimal_conditions_at_seed_0(claims, claim_id):
    assert claim_id in EXPECTED, f"no expected verdict for {claim_id}"
    verdict, minimal = EXPECTED[claim_id]
    assert claims[claim_id]["verdict"] == verdict
    assert claims[claim_id]["minimal_conditions"] == minimal


def test_the_json_follows_the_issues_schema(verify_run):
    doc = verify_run[3]
    assert set(doc) == {"schema", "profile", "seed", "strict", "ok", "consistent", "versions", "selfchecks", "claims"}
    assert doc["schema"] == "relurelax.verify/3"
    assert doc["profile"] == "quick" and doc["seed"] == 0
    assert doc["strict"] is False and doc["ok"] is True and doc["consistent"] is True
    assert {"relurelax", "python", "sympy", "z3-solver", "hypothesis", "cvxpy"} <= set(doc["versions"])
    for claim in doc["claims"]:
        assert set(claim) == {"id", "statement", "paper_conditions", "minimal_conditions", "minimal_grade",
                              "other_minimal_sets", "verdict", "verdict_grade", "conditions", "evidence"}  # fmt: skip
        assert [c["name"] for c in claim["conditions"]] == list(CONDITIONS)
        for cond in claim["conditions"]:
            assert set(cond) == {"name", "necessary", "grade", "counterexample"}
            assert cond["necessary"] in (True, False, None)
        for ev in claim["evidence"]:
            assert set(ev) == {"method", "status", "examples", "seconds", "detail"}
            assert ev["method"] in {"sympy", "smt", "hypothesis", "solver"}
            assert isinstance(ev["examples"], int) and ev["seconds"] >= 0


@pytest.mark.parametrize("claim_id", claim_ids())
def test_at_seed_0_every_verdict_and_minimal_set_is_proved_and_every_necessary_condition_refuted(claims, claim_id):
    claim = claims[claim_id]
    sets = [claim["minimal_grade"]] + [s["grade"] for s in claim["other_minimal_sets"]]
    for grade in [claim["verdict_grade"], *sets]:
        assert grade["grade"] == "proved", grade["basis"]
        assert re.fullmatch(r"every m|m <= [1-9][0-9]*", grade["proved_for"]) and grade["searches"] == []
    for cond in claim["conditions"]:
        assert cond["grade"]["grade"] == ("refuted" if cond["necessary"] else "proved")
    if not claim_by_id(claim_id).multi_neuron:  # a one-neuron statement has no m to bound
        assert claim["verdict_grade"]["proved_for"] == "every m"


def test_at_seed_0_the_closing_line_says_every_verdict_and_minimal_set_is_proved(verify_run):
    out = " ".join(verify_run[1].split())
    assert "Every proof went through, the numeric code agrees with every proved statement, and every verdict and " \
           "minimal set is proved" in out  # fmt: skip
    assert "searched" not in out


@pytest.mark.parametrize("claim_id", claim_ids())
def test_every_minimal_condition_is_necessary_with_a_shrunk_counterexample_of_small_exact_numbers(claims, claim_id):
    claim = claims[claim_id]
    minimal = set(claim["minimal_conditions"])
    for cond in claim["conditions"]:
        cx = cond["counterexample"]
        if cond["name"] in minimal:
            assert cond["necessary"] is True
            assert cond["name"] in cx["violates"]
            assert minimal - {cond["name"]} <= set(cx["satisfies"])
            for key in ("A", "y", "X"):
                values = np.asarray(cx[key], dtype=float)
                assert np.all(values == np.round(values)), f"{key} is not made of integers"
            assert np.abs(np.asarray(cx["A"], dtype=float)).max() <= 8
        elif cond["name"] in closure(minimal):  # implied by the minimal set (planted: labels-nonnegative)
            assert cond["necessary"] is True and cond["grade"]["grade"] == "refuted"
            assert cond["name"] in cx["violates"]
        else:
            assert cond["necessary"] is False and cx is None


@pytest.mark.parametrize("claim_id", claim_ids())
def test_conditions_the_paper_states_but_the_claim_does_not_need_have_evidence(claims, claim_id):
    claim = claims[claim_id]
    left_out = set(claim["paper_conditions"]) - set(claim["minimal_conditions"])
    statuses = {(e["method"], e["status"]) for e in claim["evidence"]}
    assert ("sympy", "proved") in statuses and ("smt", "proved") in statuses
    assert ("hypothesis", "passed") in statuses
    if left_out:
        passed = next(e for e in claim["evidence"] if e["status"] == "passed")
        assert "holds without the paper's" in passed["detail"]


def _counterexample(claims, claim_id, condition):
    return next(c["counterexample"] for c in claims[claim_id]["conditions"] if c["name"] == condition)


def test_the_bound_counterexamples_violate_the_bounds_in_the_reference_loops(claims):
    cx = _counterexample(claims, "bound-fr-ge-f", "labels-nonnegative")
    x = [row[0] for row in cx["X"]]
    assert ref.relaxed(cx["A"], cx["y"], x) < ref.loss(cx["A"], cx["y"], cx["X"])
    cx = _counterexample(claims, "bound-fmp-ge-fm", "labels-nonnegative")
    assert ref.regularized(cx["A"], cx["y"], cx["X"]) < ref.loss(cx["A"], cx["y"], cx["X"])


def test_the_theorem_counterexamples_hold_up_against_an_independent_minimiser(claims):
    for claim_id in ("thm1-global-min", "thm2-global-min"):
        cx = _counterexample(claims, claim_id, "planted")
        A, y = np.asarray(cx["A"], float), np.asarray(cx["y"], float)
        assert np.all(y >= 0) and cx["m"] == 1
        witness = cx.get("W (GD from X)", cx["X"])
        f_w = ref.loss(cx["A"], cx["y"], witness)
        # f_r is convex; on these counterexamples A has rank 1, so minimise along its row space
        u = A[0] / np.linalg.norm(A[0])
        assert np.linalg.matrix_rank(A) == 1
        res = minimize_scalar(lambda t: ref.relaxed(cx["A"], cx["y"], list(t * u)), bounds=(-100, 100), method="bounded")
        assert f_w < res.fun - 1e-6


def test_the_proposition_2_counterexample_has_differing_one_sided_derivatives_in_the_reference(claims):
    cx = _counterexample(claims, "prop2-gradient", "no-zero-preactivation")
    X = np.asarray(cx["X"], float)
    A = np.asarray(cx["A"], float)
    ties = np.argwhere(A @ X == 0)
    assert len(ties) and cx["m"] >= 2
    h = 2.0**-20
    found = False
    for k, j in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[k, j] = h
        f0 = ref.regularized(cx["A"], cx["y"], X.tolist())
        right = (ref.regularized(cx["A"], cx["y"], (X + E).tolist()) - f0) / h
        left = (f0 - ref.regularized(cx["A"], cx["y"], (X - E).tolist())) / h
        found |= abs(right - left) > 1e-3
    assert found


def test_the_corollary_1_counterexample_is_stationary_with_nonzero_residual_in_the_reference(claims):
    cx = _counterexample(claims, "cor1-stationary-global", "full-row-rank")
    A, X = np.asarray(cx["A"], float), np.asarray(cx["stationary point"], float)
    assert np.linalg.matrix_rank(A) < A.shape[0]
    assert ref.loss(cx["A"], cx["y"], X.tolist()) > 0.1  # r != 0
    assert np.all(A @ X != 0)  # f_mp is differentiable there, so stationarity is a zero gradient
    h = 1e-6
    for k, j in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[k, j] = h
        slope = (ref.regularized(cx["A"], cx["y"], (X + E).tolist()) - ref.regularized(cx["A"], cx["y"], (X - E).tolist())) / (2 * h)
        assert abs(slope) < 1e-6


def test_the_papers_own_justifications_are_recorded_as_findings(claims):
    def details(claim_id):
        return " ".join(e["detail"] for e in claims[claim_id]["evidence"])

    assert "'due to its definition in (3)'" in details("bound-fr-ge-f")
    assert "'due to (14)'" in details("bound-fmp-ge-fm")
    assert "proof step" in details("prop1-convexity") and "is false" in details("prop1-convexity")
    assert "model (8), which the paper's proof invokes, is not needed" in details("prop2-gradient")
    assert "labels-nonnegative, full-row-rank" in details("thm1-global-min")  # the other minimal set


def test_the_claims_beyond_the_paper_hold_as_stated_and_record_the_tie_finding(claims):
    pplus, identifiability = claims["pplus-lower-bound"], claims["relaxation-identifiability"]
    assert pplus["paper_conditions"] == [] and pplus["other_minimal_sets"] == []
    # the only other minimal set is the one that implies planted (x* = A^+ y)
    assert [s["conditions"] for s in identifiability["other_minimal_sets"]] == [["labels-nonnegative", "full-row-rank"]]
    for claim in (pplus, identifiability):
        assert claim["verdict_grade"]["grade"] == "proved" and claim["verdict_grade"]["proved_for"] == "every m"
    details = " ".join(e["detail"] for e in identifiability["evidence"])
    assert "rank A_S = 1 < 2" in details and "sufficient, not necessary" in details
    cx = _counterexample(claims, "relaxation-identifiability", "planted")
    assert "min f_r" in cx["why"] and "planted" in cx["violates"]


# --- grades on stub claims: the truth and the proofs are constructed ---------------------------

#: a small profile for the stub claims (their checks are cheap; the searches still draw real instances)
STUB = Profile("stub", examples=20, sympy_m=2, smt_m=3, solver_instances=1)


def proof(method: str, conditions, *, proved: bool = True, m_max: int | None = None, lifted: bool = False):
    """A constructed :class:`ProofResult` (the ledger takes what a prover returns at its word)."""
    return ProofResult(method, proved, frozenset(conditions), 1, 0.0, f"constructed {method} proof",
                       m_max=m_max, lifted=lifted)  # fmt: skip


def negative_label(inst) -> bool:
    return bool(np.any(inst.y < 0))


def _prover(result, multi_neuron: bool):
    if multi_neuron:
        def prove(m_max):
            return result
    else:
        def prove():
            return result
    prove.negative_controls = ("a wrong lemma (stub)",)
    prove.guarded = True  # the registry's mark of @z3_proof: this stub returns a constructed result, no lemma
    return prove


def stub_claim(monkeypatch, name, proofs, *, fails=negative_label, undecided=lambda inst: False, paper=(PLANTED,),
               neurons=(1, 1)):  # fmt: skip
    r"""A claim that fails exactly where ``fails`` says (by default: on negative labels), says nothing where
    ``undecided`` says, and whose sympy and z3 proofs return the constructed ``proofs``."""
    stem = f"stub_{name.replace('-', '_')}"
    for module, result in zip((symbolic, smt), proofs):
        monkeypatch.setattr(module, f"prove_{stem}", _prover(result, neurons[1] > 1), raising=False)

    def check(numerics, inst):
        points = (inst.A @ inst.X,)
        if undecided(inst):
            return Outcome(None, "not decided (stub)", points)
        if fails(inst):
            return Outcome(False, "a negative label (stub)", points)
        return Outcome(True, points=points)

    monkeypatch.setattr(checks, f"check_{stem}", check, raising=False)
    return Claim(f"stub-{name}", "a stub claim", "A stub claim: it fails exactly on negative labels.", paper,
                 "constructed for the test", **conventional_parts(stem), neurons=neurons)  # fmt: skip


def stub_ledger(monkeypatch, name, proofs, **kw):
    return build_ledger(STUB, 0, claims=(stub_claim(monkeypatch, name, proofs, **kw),))


def _condition(record, name):
    return next(c for c in record.conditions if c.name == name)


def test_a_minimal_set_a_proof_covers_with_a_counterexample_per_condition_is_proved(monkeypatch):
    ledger = stub_ledger(monkeypatch, "proved", (proof("sympy", {LABELS_NONNEGATIVE}), proof("smt", {LABELS_NONNEGATIVE})))
    record = ledger.claims[0]
    assert record.verdict is Verdict.FEWER and record.minimal_conditions == (LABELS_NONNEGATIVE,)
    assert record.minimal_grade.grade is Grade.PROVED and record.minimal_grade.proved_for == "every m"
    assert record.verdict_grade.grade is Grade.PROVED
    # planted implies y >= 0, so the proof under labels-nonnegative covers the other minimal set too
    assert [(s.conditions, s.grade.grade) for s in record.other_minimal_sets] == [((PLANTED,), Grade.PROVED)]
    dropped = _condition(record, LABELS_NONNEGATIVE)
    assert dropped.necessary is True and dropped.grade.grade is Grade.REFUTED
    assert np.any(np.asarray(dropped.counterexample.instance.y) < 0)
    for c in (PLANTED, N_LE_D, FULL_ROW_RANK, NO_ZERO_PREACTIVATION):
        assert _condition(record, c).necessary is False and _condition(record, c).grade.grade is Grade.PROVED
    assert ledger.consistent and ledger.searched_sets == ()
    assert ledger.ok and ledger.judged(True).ok


def test_a_minimal_set_no_proof_covers_is_searched_and_names_its_searches(monkeypatch):
    # the proofs hold under a stronger hypothesis than the truth: y >= 0 suffices, but only a search says so
    stronger = {PLANTED, FULL_ROW_RANK}
    ledger = stub_ledger(monkeypatch, "searched", (proof("sympy", stronger), proof("smt", stronger)))
    record = ledger.claims[0]
    assert record.verdict is Verdict.FEWER and record.minimal_conditions == (LABELS_NONNEGATIVE,)
    grade = record.minimal_grade
    assert grade.grade is Grade.SEARCHED and grade.proved_for is None
    under_minimal = next(r for r in grade.searches if r.space == Space(frozenset({LABELS_NONNEGATIVE})))
    assert under_minimal.random == STUB.examples and under_minimal.budget == STUB.examples
    assert all(LABELS_NONNEGATIVE in r.space.require | {PLANTED} and r.counterexample is None for r in grade.searches)
    made = f"{under_minimal.examples} examples ({under_minimal.constructed} constructed, {STUB.examples} random)"
    assert f"no counterexample in {made} of (labels-nonnegative)" in grade.basis
    assert grade.summary == f"searched, {sum(r.examples for r in grade.searches)} examples"
    assert record.verdict_grade.grade is Grade.SEARCHED
    assert [s.grade.grade for s in record.other_minimal_sets] == [Grade.SEARCHED]  # planted: not covered either
    assert _condition(record, N_LE_D).necessary is False and _condition(record, N_LE_D).grade.grade is Grade.SEARCHED
    assert _condition(record, LABELS_NONNEGATIVE).grade.grade is Grade.REFUTED
    assert [(claim_id, s.conditions) for claim_id, s in ledger.searched_sets] == [
        ("stub-searched", (LABELS_NONNEGATIVE,)), ("stub-searched", (PLANTED,))]
    assert ledger.consistent and ledger.ok and not ledger.judged(True).ok
    detail = next(e.detail for e in record.evidence if e.status == "passed")
    assert "as far as searched (not proved), the claim holds without the paper's planted" in detail


def test_a_proof_decided_for_m_le_M_proves_for_m_le_M_only_and_never_for_every_m(monkeypatch):
    proofs = (proof("sympy", {LABELS_NONNEGATIVE}, m_max=2), proof("smt", {LABELS_NONNEGATIVE}, m_max=3))
    record = stub_ledger(monkeypatch, "bounded-m", proofs, neurons=(1, 2)).claims[0]
    for grade in (record.minimal_grade, record.verdict_grade, _condition(record, N_LE_D).grade):
        assert grade.grade is Grade.PROVED and grade.proved_for == "m <= 3"
    assert record.minimal_grade.summary == "proved for m <= 3"
    assert record.to_json()["verdict_grade"]["proved_for"] == "m <= 3"


def test_a_checked_lift_or_a_one_neuron_statement_is_proved_for_every_m():
    cx = _counterexample_satisfying(set())
    for proofs in ([proof("smt", {PLANTED}, m_max=3, lifted=True)], [proof("sympy", {PLANTED})]):
        grade = grade_set({PLANTED}, proofs, [cx], [])
        assert grade.grade is Grade.PROVED and grade.proved_for == "every m" and grade.summary == "proved"
    two = [proof("sympy", {PLANTED}, m_max=4), proof("smt", {PLANTED}, m_max=8)]
    assert grade_set({PLANTED}, two, [cx], []).proved_for == "m <= 8"  # the farther-reaching proof


def _counterexample_satisfying(conditions):
    inst = Instance(A=np.array([[1.0]]), y=np.array([-1.0]), X=np.array([[1.0]]))
    return Counterexample("stub", inst, "constructed", frozenset(conditions))


def test_a_covered_set_without_a_counterexample_for_each_condition_is_not_proved():
    covered = [proof("sympy", {PLANTED})]
    run = SearchResult(Space(frozenset({N_LE_D})), 30, 0, None, 0.0, budget=30)
    # nothing shows that n-le-d is needed: no counterexample satisfies planted without n-le-d
    grade = grade_set({PLANTED, N_LE_D}, covered, [_counterexample_satisfying({N_LE_D})], [run])
    assert grade.grade is Grade.SEARCHED and "no counterexample shows n-le-d needed" in grade.basis
    assert grade_set({PLANTED}, [proof("sympy", {PLANTED}, proved=False)], [], [run]).grade is Grade.SEARCHED


def test_a_short_search_reads_only_k_of_n_and_never_no_counterexample():
    short = SearchResult(Space(frozenset({N_LE_D}), frozenset({LABELS_NONNEGATIVE})), 0, 459, None, 0.0, budget=30)
    full = SearchResult(Space(frozenset({N_LE_D})), 30, 0, None, 0.0, budget=30)
    grade = grade_set({N_LE_D}, [], [_counterexample_satisfying(set())], [short, full])
    assert grade.grade is Grade.SEARCHED and grade.short
    assert grade.summary == "searched, only 30 of 60 examples"
    assert "only 0 of 30 examples of (n-le-d, not labels-nonnegative) (459 drawn instances rejected" in grade.basis
    assert "no counterexample in 0" not in grade.basis
    assert grade.to_json()["searches"][0] == {"space": "n-le-d, not labels-nonnegative", "examples": 0, "budget": 30,
                                              "constructed": 0, "rejected": 459, "short": True}  # fmt: skip
    nothing = grade_set({N_LE_D}, [], [], [])
    assert nothing.summary == "searched, no search" and "no search drew instances from it" in nothing.basis


def test_a_stub_whose_check_rejects_every_failing_draw_reports_the_short_search(monkeypatch):
    # the failures are exactly the draws the check cannot decide: the search without y >= 0 checks nothing
    ledger = stub_ledger(monkeypatch, "short", (proof("sympy", {LABELS_NONNEGATIVE}), proof("smt", {LABELS_NONNEGATIVE})),
                         undecided=negative_label)  # fmt: skip
    record = ledger.claims[0]
    assert record.minimal_conditions == () and record.verdict is Verdict.FEWER
    assert record.minimal_grade.grade is Grade.SEARCHED and record.minimal_grade.short
    assert record.verdict_grade.grade is Grade.SEARCHED
    assert "only 0 of 20 examples of (n-le-d, full-row-rank, no-zero-preactivation, not labels-nonnegative)" \
        in record.minimal_grade.basis  # fmt: skip
    searches = next(e for e in record.evidence if e.detail.startswith("searches for a counterexample"))
    assert searches.status == "short" and "only 0 of 20 examples" in searches.detail


def test_verdicts_a_counterexample_decides_are_refuted(monkeypatch):
    extra = stub_ledger(monkeypatch, "extra", (proof("sympy", {LABELS_NONNEGATIVE}), proof("smt", {LABELS_NONNEGATIVE})), paper=())
    record = extra.claims[0]
    assert record.verdict is Verdict.EXTRA and record.verdict_grade.grade is Grade.REFUTED
    assert record.minimal_grade.grade is Grade.PROVED
    broken = (proof("sympy", set(), proved=False), proof("smt", set(), proved=False))
    fails = stub_ledger(monkeypatch, "fails", broken, fails=lambda inst: True).claims[0]
    assert fails.verdict is Verdict.FAILS and fails.verdict_grade.grade is Grade.REFUTED
    assert fails.minimal_grade is None and fails.other_minimal_sets == ()
    assert all(c.necessary is None and c.grade is None for c in fails.conditions)


def test_verdicts_and_grades_print_as_their_values_never_as_enum_reprs():
    assert f"{Verdict.FEWER}" == str(Verdict.FEWER) == "holds-with-fewer-conditions"
    assert f"{Grade.SEARCHED}" == "searched"


# --- the issue's examples: numeric code broken the way the ledger must notice -------------------


def _never_unbounded(*args, **kwargs):
    """descend, except that it never reports an unbounded run (as with its recession check disabled)."""
    res = SOLVERS.descend(*args, **kwargs)
    return dataclasses.replace(res, stop_reason=StopReason.MAX_ITERATIONS) if res.stop_reason is StopReason.UNBOUNDED else res


def _never_converges(*args, **kwargs):
    """descend stopped after one iteration: no run reaches a stationary point."""
    res = SOLVERS.descend(*args, **{**kwargs, "max_iter": 1})
    return dataclasses.replace(res, stop_reason=StopReason.MAX_ITERATIONS)


def _without_solver_evidence(claim_id):
    return dataclasses.replace(claim_by_id(claim_id), solver_evidence=None)  # the grades do not depend on it


def _no_recession_ledger():
    numerics = dataclasses.replace(SOLVERS, descend=_never_unbounded)
    return build_ledger("quick", 0, numerics=numerics, claims=(_without_solver_evidence("thm1-global-min"),))


def _stalled_ledger():
    numerics = dataclasses.replace(SOLVERS, descend=_never_converges)
    # no self-checks: a descent that never converges fails them (exit 1 without --strict), and this is about --strict
    return build_ledger("quick", 1, numerics=numerics, claims=(_without_solver_evidence("cor1-stationary-global"),),
                        selfchecks=())  # fmt: skip


@pytest.fixture(scope="module")
def broken_ledgers():
    """The two ledgers below, independent of each other, computed on both cores."""
    return compute({"no_recession": (_no_recession_ledger, ()), "stalled": (_stalled_ledger, ())})


@pytest.fixture(scope="module")
def no_recession_ledger(broken_ledgers):
    return broken_ledgers["no_recession"]


@pytest.fixture(scope="module")
def stalled_ledger(broken_ledgers):
    return broken_ledgers["stalled"]


def test_without_the_recession_check_full_row_rank_alone_is_searched_on_a_short_search_not_proved(no_recession_ledger):
    # negative labels with full row rank make f_r unbounded below while f >= 0: full-row-rank alone is false
    record = no_recession_ledger.claims[0]
    others = {s.conditions: s.grade for s in record.other_minimal_sets}
    grade = others[(FULL_ROW_RANK,)]
    assert grade.grade is Grade.SEARCHED and grade.short
    short = [r for r in grade.searches if r.short]
    assert short and short[0].examples < short[0].budget == 30
    assert f"only {short[0].examples} of 30 examples of (n-le-d, full-row-rank, no-zero-preactivation, " \
           "not labels-nonnegative)" in grade.basis  # fmt: skip
    detail = next(e.detail for e in record.evidence if e.status == "passed")
    assert f"Other minimal sets: full-row-rank (searched, only {short[0].examples} of 30 examples)" in detail
    assert (FULL_ROW_RANK,) in [s.conditions for _, s in no_recession_ledger.searched_sets]
    assert not no_recession_ledger.judged(True).ok


def test_with_a_descent_that_never_converges_the_corollarys_minimal_set_is_searched_not_proved(stalled_ledger):
    record = stalled_ledger.claims[0]
    assert record.verdict is Verdict.FEWER and record.minimal_conditions == ()
    assert record.minimal_grade.grade is Grade.SEARCHED and record.minimal_grade.short
    assert record.verdict_grade.grade is Grade.SEARCHED
    assert all(c.grade.grade is Grade.SEARCHED for c in record.conditions)  # no condition is proved superfluous
    assert "only 0 of 30 examples" in record.minimal_grade.basis
    assert not stalled_ledger.judged(True).ok


@pytest.mark.parametrize("fixture", ["no_recession_ledger", "stalled_ledger"])
def test_the_issues_examples_exit_1_with_strict_and_never_claim_everything_is_proved(request, monkeypatch, fixture):
    from relurelax.reports import verify_command

    ledger = request.getfixturevalue(fixture)
    claim_id = ledger.claims[0].id
    monkeypatch.setattr(verify_command, "run_ledger", lambda profile, seed, progress: ledger)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        strict_code = main(["verify", "--profile", "quick", "--strict"])
        code = main(["verify", "--profile", "quick"])
    assert strict_code == 1 and code == 0
    failure = err.getvalue().splitlines()[-1]
    assert "--strict" in failure and f"{claim_id}: minimal set" in failure
    closing = " ".join(out.getvalue().split()[-40:])
    assert "Every proof went through" not in out.getvalue()
    assert f"rest on searches, not proofs: {claim_id}" in closing
