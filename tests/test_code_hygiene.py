r"""Hygiene of the code base (issue 10): no dead names, names that say which objective they compute,
one implementation of each helper, and no block above radon's rank C."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "module, name",
    [
        ("relurelax.solvers", "predict"),
        ("relurelax.solvers.objectives", "predict"),
        ("relurelax.solvers", "rgd_direction"),
        ("relurelax.solvers.objectives", "rgd_direction"),
        ("relurelax.proofs.conditions", "DESCRIPTIONS"),
        ("relurelax.reports.ledger_section", "UNAVAILABLE"),
    ],
)
def test_a_name_nothing_uses_or_documents_is_gone(module, name):
    assert not hasattr(importlib.import_module(module), name)


def test_the_report_ledger_section_has_no_branch_for_a_missing_ledger(monkeypatch):
    import sys

    from relurelax.reports.ledger_section import run_ledger_section

    monkeypatch.setitem(sys.modules, "relurelax.proofs.ledger", None)
    with pytest.raises(ImportError):  # the ledger is part of every build: its absence is a bug, not a None
        run_ledger_section("quick", 0)


def test_the_objective_rgd_descends_is_named_for_rgd_and_is_f_r_for_one_neuron_and_f_mp_for_several():
    import numpy as np

    from relurelax.solvers import objectives

    assert not hasattr(objectives, "_relaxation_from")
    rng = np.random.default_rng(0)
    A, y = rng.standard_normal((5, 3)), rng.random(5)
    x1, X3 = rng.standard_normal((3, 1)), rng.standard_normal((3, 3))
    assert objectives.rgd_objective_from(A @ x1, y) == objectives.relaxed_objective(A, y, x1[:, 0])
    assert objectives.rgd_objective_from(A @ X3, y) == objectives.regularized_objective(A, y, X3)


@pytest.mark.parametrize("folder", ["solvers", "proofs", "reports", "benchmarks"])
def test_no_block_of_the_package_is_above_radons_rank_c(folder):
    import pathlib

    from radon.complexity import cc_visit

    code = pathlib.Path(__file__).resolve().parents[1] / folder
    files = sorted(code.glob("*.py"))
    assert files, f"no Python file under {code}"
    def blocks(found):  # radon nests methods in their class and closures in their function
        for block in found:
            yield block
            yield from blocks(getattr(block, "methods", ()))
            yield from blocks(getattr(block, "closures", ()))

    too_complex = [
        f"{path.name}:{block.lineno} {block.name} ({block.complexity})"
        for path in files
        for block in blocks(cc_visit(path.read_text()))
        if block.complexity > 20  # rank D starts at 21
    ]
    assert too_complex == []


def test_the_provers_and_checks_are_reached_through_the_claims_not_through_id_tables():
    from relurelax.proofs import checks, crosscheck, smt, symbolic

    assert not hasattr(symbolic, "PROVERS") and not hasattr(smt, "PROVERS")
    assert not hasattr(checks, "CHECKS") and not hasattr(crosscheck, "SOLVER_EVIDENCE")
    assert not hasattr(smt, "find_model")  # a copy of prove: a negative control is run.control


def test_the_ledger_and_the_report_read_package_versions_through_one_helper():
    from relurelax.proofs import ledger
    from relurelax.reports import report
    from relurelax.solvers.provenance import versions

    assert not hasattr(ledger, "_versions")
    here = versions(("numpy", "z3-solver", "no-such-distribution-relurelax"))
    assert here["no-such-distribution-relurelax"] is None and here["python"]
    recorded = dict(ledger.versions(ledger.VERSIONED_PACKAGES))
    for name in ("numpy", "z3-solver", "hypothesis", "relurelax"):
        assert recorded[name] == report.versions()[name] == versions((name,))[name]
