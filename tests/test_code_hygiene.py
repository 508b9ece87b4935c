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
