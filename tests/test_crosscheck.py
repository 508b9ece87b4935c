"""`relurelax crosscheck`: the agreement logic, planted disagreements, the JSON and the exit codes."""

from __future__ import annotations

import dataclasses
import functools
import json
import math

import numpy as np
import pytest

from relurelax.reports import crosscheck_command
from relurelax.reports.cli import main
from relurelax.reports.crosscheck import (
    Candidate,
    crosscheck_instance,
    disagreements,
    judge,
    run_crosscheck,
    table_rows,
)
from relurelax.solvers import solve_cell, solve_relaxation
from relurelax.solvers.errors import SolveError
from relurelax.solvers.registry import SOLVERS
from relurelax.solvers.seeds import derived_seed
from relurelax.solvers.solution import Solution, SolveStatus
from relurelax.solvers.tolerances import DESCENT_OBJECTIVE_RTOL, NEWTON_OBJECTIVE_RTOL, conic_rtol


def sol(method, solver=None, value=0.0, objective=None):
    solution = Solution(
        method=method, backend=solver, X=np.zeros((1, 1)), objective=value if objective is None else objective,
        relaxed_objective=value, train_error=0.0, test_error=None, relative_recovery_error=None,
        status=SolveStatus.OPTIMAL, iterations=1, seconds=0.0, gradient_norm=None,
    )  # fmt: skip
    return Candidate(solution, value, SOLVERS[method].crosscheck)


# --- judge: the agreement rule on hand-made solutions ------------------------


def test_values_within_the_looser_tolerance_of_a_pair_agree():
    yy = 100.0
    sols = [sol("rgd", value=0.0), sol("cvxpy", "SCS", value=0.5 * conic_rtol("SCS") * yy)]
    comparisons, optimum, zero = judge(sols, yy, 1)
    equal = [c for c in comparisons if c.kind == "equal"]
    assert len(equal) == 1 and equal[0].agree
    assert equal[0].tolerance == conic_rtol("SCS")
    assert optimum == 0.0 and zero


def test_values_apart_by_more_than_the_tolerance_disagree():
    yy = 100.0
    sols = [sol("rgd", value=0.0), sol("cvxpy", "CLARABEL", value=3 * DESCENT_OBJECTIVE_RTOL * yy)]
    comparisons, _, _ = judge(sols, yy, 1)
    (equal,) = [c for c in comparisons if c.kind == "equal"]
    assert not equal.agree
    assert equal.difference == pytest.approx(-3 * DESCENT_OBJECTIVE_RTOL)


def test_a_missing_value_never_agrees():
    sols = [sol("rgd", value=0.0), sol("cvxpy", "OSQP", value=math.nan)]
    comparisons, _, _ = judge(sols, 1.0, 1)
    assert not all(c.agree for c in comparisons)


def test_an_objective_below_the_relaxed_optimum_violates_theorem_1():
    # f(x) < min f_r is impossible when min f = min f_r
    yy = 1.0
    sols = [sol("gd", value=0.5, objective=0.1), sol("rgd", value=0.3), sol("cvxpy", "CLARABEL", value=0.3)]
    comparisons, optimum, zero = judge(sols, yy, 1)
    assert optimum == 0.3 and not zero
    bad = [c for c in comparisons if not c.agree]
    assert [(c.a, c.kind) for c in bad] == [("gd", "lower_bound")]


def test_with_several_neurons_only_rgd_and_the_cell_solves_are_compared():
    sols = [sol("gd", value=5.0), sol("rgd", value=1e-12), sol("cell", "CLARABEL", value=0.0), sol("cell", "SCS", value=0.0)]
    comparisons, optimum, zero = judge(sols, 10.0, 3)
    assert {(c.a, c.b) for c in comparisons} == {
        ("rgd", "cell:CLARABEL"), ("rgd", "cell:SCS"), ("cell:CLARABEL", "cell:SCS"),
    }  # fmt: skip
    assert all(c.kind == "equal" and c.agree for c in comparisons)
    assert optimum == 0.0 and zero


def test_a_nonzero_cell_optimum_is_reported_as_not_the_planted_value():
    sols = [sol("rgd", value=2.0), sol("cell", "CLARABEL", value=2.0)]
    comparisons, optimum, zero = judge(sols, 10.0, 2)
    assert all(c.agree for c in comparisons)
    assert optimum == 2.0 and not zero


def test_newton_is_compared_with_every_reference_solver_but_does_not_set_the_optimum():
    yy = 4.0
    sols = [sol("gd", value=1.0), sol("rgd", value=0.0), sol("newton", value=-0.5), sol("cvxpy", "CLARABEL", value=0.0)]
    comparisons, optimum, zero = judge(sols, yy, 1)
    assert optimum == 0.0 and zero
    newton = [c for c in comparisons if c.a == "newton" and c.kind == "equal"]
    assert [c.b for c in newton] == ["rgd", "cvxpy:CLARABEL"]
    assert all(not c.agree and c.difference == -0.5 / yy for c in newton)
    (bound,) = [c for c in comparisons if c.a == "newton" and c.kind == "lower_bound"]
    assert not bound.agree  # f = -0.5 lies below min f_r = 0


def test_newton_within_the_looser_tolerance_of_a_pair_agrees():
    yy = 10.0
    sols = [sol("rgd", value=0.0), sol("newton", value=0.5 * conic_rtol("CLARABEL") * yy),
            sol("cvxpy", "CLARABEL", value=0.0)]  # fmt: skip
    comparisons, _, _ = judge(sols, yy, 1)
    (pair,) = [c for c in comparisons if (c.a, c.b) == ("newton", "cvxpy:CLARABEL")]
    assert pair.agree and pair.tolerance == conic_rtol("CLARABEL")
    assert NEWTON_OBJECTIVE_RTOL < conic_rtol("CLARABEL")


# --- end to end on planted instances --------------------------------------------


def test_planted_instances_agree_and_reach_the_planted_value_for_one_and_two_neurons():
    result = run_crosscheck((15, 40), (25,), (1, 2), trials=1, backends=("CLARABEL", "OSQP"), max_iter=50_000)
    assert len(result.instances) == 4
    assert result.agree
    for inst in result.instances:
        assert inst.optimum_is_planted_zero
        methods = [s.label for s in inst.solutions]
        if inst.m == 1:
            assert methods == ["gd", "rgd", "newton", "cvxpy:CLARABEL", "cvxpy:OSQP"]
        else:  # Newton solves the one-neuron relaxation only
            assert methods == ["gd", "rgd", "cell:CLARABEL", "cell:OSQP"]
        rgd = inst.solutions[1].solution
        assert rgd.status is SolveStatus.CONVERGED and rgd.train_error <= 1e-8


def _wrong_relaxation(A, y, **kwargs):
    res = solve_relaxation(A, y, **kwargs)
    # a feasible but wrong point: f_r there is far above the optimum
    return dataclasses.replace(res, x=np.asarray(res.x) + 1.0)


def _wrong_cell(A, y, masks, **kwargs):
    res = solve_cell(A, y, masks, **kwargs)
    return dataclasses.replace(res, objective=res.objective + 0.1 * float(y @ y))


def test_an_injected_wrong_relaxation_solution_is_reported_as_a_disagreement():
    inst = crosscheck_instance(20, 30, 1, 0, ("CLARABEL",), relax=_wrong_relaxation)
    assert not inst.agree
    bad = [c for c in inst.comparisons if not c.agree]
    assert any({c.a, c.b} == {"rgd", "cvxpy:CLARABEL"} and c.kind == "equal" for c in bad)


def test_an_injected_wrong_cell_optimum_is_reported_as_a_disagreement():
    inst = crosscheck_instance(20, 30, 3, 0, ("CLARABEL", "SCS"), cell=_wrong_cell)
    assert not inst.agree
    assert all(not c.agree for c in inst.comparisons if "rgd" in (c.a, c.b))
    text = disagreements({"instances": [_instance_json(inst)]})
    assert any("rgd and cell:CLARABEL differ" in t for t in text)


def test_a_failing_backend_is_recorded_and_does_not_agree():
    def broken(A, y, **kwargs):
        raise SolveError("SCS returned status 'infeasible' on the relaxation; no solution is available")

    inst = crosscheck_instance(10, 20, 1, 0, ("SCS",), relax=broken)
    (failed,) = [c.solution for c in inst.solutions if c.solution.method == "cvxpy"]
    assert failed.status is SolveStatus.ERROR and "infeasible" in failed.message
    assert not inst.agree


def _instance_json(inst):
    from relurelax.reports.crosscheck import instance_json

    return instance_json(inst)


def test_the_table_has_one_row_per_solution_and_marks_disagreement():
    inst = crosscheck_instance(20, 30, 1, 0, ("CLARABEL",), relax=_wrong_relaxation)
    rows = table_rows({"instances": [_instance_json(inst)]})
    assert len(rows) == 4
    assert rows[0][-1] == "NO"
    assert [r[1] for r in rows] == ["gd", "rgd", "newton", "cvxpy:CLARABEL"]


# --- the command ---------------------------------------------------------------------


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_crosscheck_writes_the_documented_json_and_exits_0(tmp_path, capsys):
    path = tmp_path / "cc.json"
    code, out, err = run(["crosscheck", "--n", "12", "30", "--d", "20", "--trials", "2", "--solvers", "clarabel,osqp",
                          "--seed", "3", "--json", str(path)], capsys)  # fmt: skip
    assert code == 0, err
    data = json.loads(path.read_text())
    assert set(data) == {"schema", "instances", "tolerances"}
    assert data["schema"] == "relurelax.crosscheck/2"
    assert len(data["instances"]) == 4
    k0, k1 = derived_seed(3, "crosscheck", 0), derived_seed(3, "crosscheck", 1)  # instance k: child k of seed 3
    assert [(i["n"], i["seed"]) for i in data["instances"]] == [(12, k0), (12, k1), (30, k0), (30, k1)]
    for inst in data["instances"]:
        assert {"n", "d", "m", "seed", "solutions", "agree"} <= set(inst)
        assert inst["agree"] is True
        expected = ["gd", "rgd", "newton", "cvxpy", "cvxpy"] + (["exact"] if inst["n"] == 12 else [])  # 2^12 cells
        assert [s["method"] for s in inst["solutions"]] == expected
        assert [s["solver"] for s in inst["solutions"]][:5] == [None, None, None, "CLARABEL", "OSQP"]
        assert all(s["kkt"] is not None for s in inst["solutions"][3:5])
        newton = inst["solutions"][2]
        assert newton["stop_reason"] == "converged" and newton["gradient_norm"] <= 1e-12
        judged = {(c["a"], c["b"]) for c in inst["comparisons"] if c["kind"] == "equal"}
        assert {("newton", "rgd"), ("newton", "cvxpy:CLARABEL"), ("newton", "cvxpy:OSQP")} <= judged
    assert data["tolerances"]["agreement_rtol"]["CLARABEL"] == conic_rtol("CLARABEL")
    assert data["tolerances"]["agreement_rtol"]["newton"] == NEWTON_OBJECTIVE_RTOL
    assert "4 of 4 instances agree" in out


def test_crosscheck_with_several_neurons_certifies_the_cell(tmp_path, capsys):
    path = tmp_path / "cc.json"
    code, out, err = run(["crosscheck", "--n", "15", "--d", "30", "--m", "3", "--trials", "1", "--solvers", "CLARABEL",
                          "--json", str(path)], capsys)  # fmt: skip
    assert code == 0, err
    (inst,) = json.loads(path.read_text())["instances"]
    assert inst["m"] == 3 and inst["optimum_is_planted_zero"] is True
    assert [s["method"] for s in inst["solutions"]] == ["gd", "rgd", "cell"]
    assert "newton" not in json.loads(path.read_text())["tolerances"]["agreement_rtol"]


def test_crosscheck_exits_1_and_says_why_when_a_solver_disagrees(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(crosscheck_command, "run_crosscheck", functools.partial(run_crosscheck, relax=_wrong_relaxation))
    path = tmp_path / "cc.json"
    code, out, err = run(["crosscheck", "--n", "10", "--d", "20", "--trials", "1", "--solvers", "CLARABEL",
                          "--json", str(path)], capsys)  # fmt: skip
    assert code == 1
    assert "1 of 1 instances disagree" in err and "cvxpy:CLARABEL" in err
    assert len(err.strip().splitlines()) == 1
    assert json.loads(path.read_text())["instances"][0]["agree"] is False


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["crosscheck", "--solvers", "GUROBIX"], "unknown backend"),
        (["crosscheck", "--solvers", "CLARABEL,CLARABEL"], "twice"),
        (["crosscheck", "--solvers", ","], "comma-separated"),
        (["crosscheck", "--n", "0"], "positive integer"),
        (["crosscheck", "--trials", "0"], "positive integer"),
        (["crosscheck", "--m", "x"], "positive integer"),
        (["crosscheck", "--json", "/no/such/dir/cc.json"], "does not exist"),
    ],
)
def test_bad_usage_exits_2_with_one_line(argv, fragment, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert fragment in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# --- the ledger's solver evidence uses the same cross-check ---------------------------


def test_the_ledger_evidence_of_theorem_1_agrees_and_names_newton():
    from relurelax.proofs.checks import SOLVERS as NUMERICS
    from relurelax.proofs.crosscheck import thm1_solver

    evidence = thm1_solver(NUMERICS, 2, 0)
    assert evidence.agrees and evidence.examples == 2
    assert "Newton" in evidence.detail and "DISAGREES" not in evidence.detail


def test_the_ledger_evidence_of_theorem_1_disagrees_with_an_injected_wrong_relaxation():
    from relurelax.proofs.checks import SOLVERS as NUMERICS
    from relurelax.proofs.crosscheck import thm1_solver

    evidence = thm1_solver(dataclasses.replace(NUMERICS, solve_relaxation=_wrong_relaxation), 2, 0)
    assert not evidence.agrees
    assert evidence.detail.startswith("DISAGREES") and "cvxpy:CLARABEL" in evidence.detail


# --- the global method's certified bound ----------------------------------------------------------


def bound_sol(lower_bound, name="min f"):
    c = sol("exact", value=lower_bound, objective=lower_bound)
    return dataclasses.replace(c, solution=dataclasses.replace(c.solution, lower_bound=lower_bound,
                                                               lower_bound_name=name, certified=True))  # fmt: skip


def test_a_loss_below_the_certified_bound_disagrees_and_names_the_bound():
    yy = 1.0
    sols = [sol("rgd", value=0.2, objective=0.2), sol("cvxpy", "CLARABEL", value=0.2, objective=0.1), bound_sol(0.2)]
    comparisons, _, _ = judge(sols, yy, 1)
    bad = [(c.a, c.b, c.kind) for c in comparisons if not c.agree]
    assert ("cvxpy:CLARABEL", "exact", "certified_bound") in bad
    assert ("rgd", "exact", "certified_bound") not in bad


def test_for_one_neuron_the_exact_min_f_must_equal_min_f_r():
    sols = [sol("rgd", value=0.3, objective=0.3), sol("cvxpy", "CLARABEL", value=0.3, objective=0.3), bound_sol(0.1)]
    comparisons, _, _ = judge(sols, 1.0, 1)
    (theorem,) = [c for c in comparisons if c.a == "exact" and c.kind == "equal"]
    assert not theorem.agree and theorem.difference == pytest.approx(-0.2)


def test_a_small_instance_gains_the_exact_solution_its_bound_and_every_gap():
    for m in (1, 2):
        inst = crosscheck_instance(8, 3, m, 5, ("CLARABEL",))
        assert inst.agree, [c for c in inst.comparisons if not c.agree]
        assert [s.label for s in inst.solutions][-1] == "exact"
        assert inst.bound_name == ("min f" if m == 1 else "P_+") and abs(inst.bound) <= 1e-9 * inst.y_norm_squared
        data = _instance_json(inst)
        assert all(s["gap"] is not None for s in data["solutions"])
        assert any(c["kind"] == "certified_bound" for c in data["comparisons"])


def test_an_instance_with_too_many_cells_says_why_it_has_no_bound():
    inst = crosscheck_instance(30, 20, 1, 0, ("CLARABEL",), methods=("rgd", "exact"))
    assert inst.bound is None and "over the limit" in inst.bound_skipped
    assert [s.label for s in inst.solutions] == ["rgd"]
