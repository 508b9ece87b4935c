"""`relurelax verify` end to end on the quick profile at seed 0: the verdict and minimal conditions
of every claim, its counterexamples (checked again with the reference loops) and the JSON schema."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from relurelax.proofs.conditions import CONDITIONS
from relurelax.proofs.registry import claim_ids
from relurelax.reports.cli import main

from . import reference as ref

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
}


@pytest.fixture(scope="module")
def verify_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("verify") / "ledger.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["verify", "--profile", "quick", "--seed", "0", "--json", str(path)])
    return code, out.getvalue(), err.getvalue(), json.loads(path.read_text())


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
    assert f"relurelax verify: [{len(ids)}/{len(ids)}]" in err  # progress while it runs
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
    assert set(doc) == {"schema", "profile", "seed", "versions", "claims"}
    assert doc["schema"] == "relurelax.verify/1"
    assert doc["profile"] == "quick" and doc["seed"] == 0
    assert {"relurelax", "python", "sympy", "z3-solver", "hypothesis", "cvxpy"} <= set(doc["versions"])
    for claim in doc["claims"]:
        assert set(claim) == {"id", "statement", "paper_conditions", "minimal_conditions", "verdict", "conditions", "evidence"}
        assert [c["name"] for c in claim["conditions"]] == list(CONDITIONS)
        for cond in claim["conditions"]:
            assert set(cond) == {"name", "necessary", "counterexample"}
            assert cond["necessary"] in (True, False, None)
        for ev in claim["evidence"]:
            assert set(ev) == {"method", "status", "examples", "seconds", "detail"}
            assert ev["method"] in {"sympy", "smt", "hypothesis", "solver"}
            assert isinstance(ev["examples"], int) and ev["seconds"] >= 0


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
