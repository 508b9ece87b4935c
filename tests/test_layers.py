r"""The layer contracts of pyproject.toml ([tool.importlinter]) hold: ``lint-imports`` keeps every one.

reports > proofs > solvers; the symbolic half of proofs (symbolic, smt) imports
neither solvers nor numpy; the benchmarks import no reports code. The linter
reads the package from the folder of its root package ``relurelax``, which
holds every part only where relurelax is installed as a regular package; an
editable install maps each part to its own folder (``package-dir``). So it runs
in a child process on a copy of this source tree laid out as ``pip install .``
lays it out (:mod:`tests.installed`), which checks the code of this checkout in
either install. A second
run with a contract that the code is known to break shows that it really reads
the imports.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from .installed import ROOT, environment_with, lay_out_as_installed

_LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


@pytest.fixture(scope="module")
def installed_copy(tmp_path_factory) -> pathlib.Path:
    return lay_out_as_installed(tmp_path_factory.mktemp("site"))


def _lint(config: pathlib.Path, site: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _LINT, "--no-cache", "--no-logo", str(config)],
                          capture_output=True, text=True, check=False, cwd=config.parent,
                          env=environment_with(site))  # fmt: skip


def test_the_copy_laid_out_as_installed_holds_every_part_under_the_one_top_package(installed_copy):
    top = installed_copy / "relurelax"
    assert (top / "__init__.py").read_bytes() == (ROOT / "reports" / "_package" / "__init__.py").read_bytes()
    for part in ("solvers", "proofs", "reports", "benchmarks"):
        assert (top / part / "__init__.py").is_file(), part
    assert not (top / "reports" / "_package").exists()  # the top package is not a part of reports
    assert (top / "py.typed").is_file() and list((top / "reports" / "schemas").glob("*.schema.json"))  # package data


def test_lint_imports_keeps_every_layer_contract(installed_copy):
    proc = _lint(ROOT / "pyproject.toml", installed_copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout and "3 kept" in proc.stdout, proc.stdout


def test_lint_imports_reports_a_contract_the_code_breaks(tmp_path, installed_copy):
    # the numeric code does import numpy: a contract forbidding it must be reported broken
    config = tmp_path / "pyproject.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_packages = ["relurelax"]\n'
        "include_external_packages = true\n"
        "[[tool.importlinter.contracts]]\n"
        'name = "solvers without numpy"\ntype = "forbidden"\n'
        'source_modules = ["relurelax.solvers"]\nforbidden_modules = ["numpy"]\n'
    )
    proc = _lint(config, installed_copy)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 broken" in proc.stdout, proc.stdout


def test_lint_imports_as_a_user_runs_it_in_the_project_folder_keeps_every_contract():
    # the command itself, on the relurelax this environment imports; the linter reads the parts from the
    # folder of the top package, so an editable install must lay them out there (setuptools' strict mode)
    import importlib.util

    top = pathlib.Path(importlib.util.find_spec("relurelax").submodule_search_locations[0])
    assert (top / "solvers" / "__init__.py").exists(), (
        f"relurelax's folder {top} does not hold its parts, so lint-imports cannot read them: an editable "
        "install in setuptools' default (lenient) mode maps each part to its own folder. Reinstall with "
        "pip install -e '.[test]' --config-settings editable_mode=strict (or pip install '.[test]')")
    proc = subprocess.run([sys.executable, "-c", _LINT, "--no-cache", "--no-logo"], capture_output=True,
                          text=True, check=False, cwd=ROOT)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout and "3 kept" in proc.stdout, proc.stdout
