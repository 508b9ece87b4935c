r"""The layer contracts of pyproject.toml ([tool.importlinter]) hold: ``lint-imports`` keeps every one.

reports > proofs > solvers; the symbolic half of proofs (symbolic, smt) imports
neither solvers nor numpy; the benchmarks import no reports code. The linter
runs on the installed package in a child process; a second run with a contract
that the code is known to break shows that it really reads the imports.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
_LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def _lint(config: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _LINT, "--no-cache", "--no-logo", str(config)],
                          capture_output=True, text=True, check=False, cwd=config.parent)  # fmt: skip


def test_lint_imports_keeps_every_layer_contract():
    proc = _lint(ROOT / "pyproject.toml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout and "3 kept" in proc.stdout, proc.stdout


def test_lint_imports_reports_a_contract_the_code_breaks(tmp_path):
    # the numeric code does import numpy: a contract forbidding it must be reported broken
    config = tmp_path / "pyproject.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_packages = ["relurelax.solvers", "relurelax.proofs"]\n'
        "include_external_packages = true\n"
        "[[tool.importlinter.contracts]]\n"
        'name = "solvers without numpy"\ntype = "forbidden"\n'
        'source_modules = ["relurelax.solvers"]\nforbidden_modules = ["numpy"]\n'
    )
    proc = _lint(config)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 broken" in proc.stdout, proc.stdout
