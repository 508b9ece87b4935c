r"""Light commands import no heavy library: the subcommands are registered lazily (reports/cli.py).

``relurelax --help`` imports no command module, ``relurelax solve --help``
only the solve command's, and neither they nor a small Newton solve import
sympy, z3, hypothesis or cvxpy. ``import relurelax`` (which every
``import relurelax.X`` runs first), ``relurelax --version`` and
``relurelax --help`` import no numeric library either, not even numpy. Each
check runs in a fresh interpreter, since the test process has imported all of
them already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from relurelax.reports.cli import COMMANDS

from .imports import modules_imported_by, offending

HEAVY = ("sympy", "z3", "hypothesis", "cvxpy")
#: what the top package, --version and --help need none of
NUMERIC = (*HEAVY, "numpy", "scipy", "matplotlib")

_CHILD = r"""
import contextlib, io, json, sys
from relurelax.reports.cli import main
codes = []
out = io.StringIO()
with contextlib.redirect_stdout(out):
    for argv in json.loads(sys.argv[1]):
        codes.append(main(argv))
json.dump({"codes": codes, "stdout": out.getvalue(), "modules": sorted(sys.modules)}, sys.stdout)
"""


def _run(*argvs: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(argvs)], capture_output=True, text=True,
                          check=True, env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    return json.loads(proc.stdout)


def test_help_lists_every_command_with_its_summary_and_imports_no_command_module():
    run = _run(["--help"])
    assert run["codes"] == [0]
    for command in COMMANDS:
        assert f"{command.name}  " in run["stdout"] or f"{command.name}\n" in run["stdout"], command.name
        assert command.summary in run["stdout"], command.name
        assert f"relurelax.reports.{command.module}" not in run["modules"]
    assert not offending(set(run["modules"]), NUMERIC)


def test_solve_help_imports_only_the_solve_command():
    run = _run(["solve", "--help"])
    assert run["codes"] == [0]
    assert "relurelax.reports.solve_command" in run["modules"]
    others = [c.module for c in COMMANDS if c.name != "solve"]
    assert not [m for m in others if f"relurelax.reports.{m}" in run["modules"]]
    assert not [m for m in run["modules"] if m.split(".")[0] in HEAVY]


def test_help_and_a_newton_solve_import_no_sympy_z3_hypothesis_or_cvxpy():
    run = _run(["solve", "--help"], ["--help"], ["solve", "--planted", "--n", "50", "--d", "20", "--method", "newton"])
    assert run["codes"] == [0, 0, 0]
    assert "newton" in run["stdout"]
    assert not [m for m in run["modules"] if m.split(".")[0] in HEAVY]


def test_a_cvxpy_solve_still_imports_cvxpy_when_it_needs_it():
    run = _run(["solve", "--planted", "--n", "20", "--d", "10", "--method", "cvxpy"])
    assert run["codes"] == [0]
    assert "cvxpy" in run["modules"] or "CLARABEL" in run["stdout"]


def test_importing_the_top_package_imports_no_part_of_it_and_no_numeric_library():
    modules = modules_imported_by("import relurelax")
    assert offending(modules, prefixes=("relurelax.",)) == []
    assert not offending(modules, NUMERIC)


def test_version_imports_no_command_module_and_no_numeric_library():
    run = _run(["--version"])
    assert run["codes"] == [0]
    assert run["stdout"].startswith("relurelax ")
    assert not [c.module for c in COMMANDS if f"relurelax.reports.{c.module}" in run["modules"]]
    assert not offending(set(run["modules"]), NUMERIC)
