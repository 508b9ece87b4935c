r"""The type hints of relurelax.solvers hold, and a program that uses relurelax sees them.

mypy checks ``solvers/`` with the settings of ``[tool.mypy]`` in pyproject.toml
(strict), in a child process whose cache is a temporary folder. A second run
type-checks a small program against relurelax laid out as installed
(:mod:`tests.installed`): the ``py.typed`` marker makes mypy read the package's
hints, so the two mistakes the program makes are reported, with the types the
hints give, rather than passed over as ``Any`` (and, in strict mode, only if the
names it imports are exported: ``__all__`` is a list a type checker can read).

``proofs/`` and ``reports/`` are not held to mypy, but their public functions
(those their modules' ``__all__`` name, and a package's ``__getattr__``) carry
hints on every parameter and on the return, so that a program using them is
checked against them too.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil
import subprocess
import sys
import types

import pytest

from .installed import ROOT, environment_with, lay_out_as_installed


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> pathlib.Path:
    # one cache for both runs: the second reuses what the first learnt of numpy's stubs
    return tmp_path_factory.mktemp("mypy-cache")


def _mypy(*args: str, cwd: pathlib.Path, cache: pathlib.Path, env: dict[str, str] | None = None,
          ) -> subprocess.CompletedProcess:  # fmt: skip
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, check=False, cwd=cwd, env=env)  # fmt: skip


def test_mypy_finds_no_error_in_any_module_of_solvers(cache):
    proc = _mypy(cwd=ROOT, cache=cache)  # the files and settings of [tool.mypy]
    modules = len(list((ROOT / "solvers").glob("*.py")))
    assert (proc.returncode, proc.stdout) == (0, f"Success: no issues found in {modules} source files\n"), (
        proc.stdout + proc.stderr
    )


_PROGRAM = '''\
from relurelax.solvers import objective, planted_problem, solve_relaxation_newton

P = planted_problem(20, 5)
value: str = objective(P.A, P.y, P.X_star[:, 0])
result = solve_relaxation_newton(P.A, P.y, max_iter="many")
reveal_type(result.x)
'''


def test_a_program_using_the_installed_package_is_checked_against_its_hints(tmp_path, cache):
    site = lay_out_as_installed(tmp_path / "site")
    (tmp_path / "use.py").write_text(_PROGRAM)
    # the project's settings (strict), so that the cache of the first run serves this one
    proc = _mypy("--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary", "use.py", cwd=tmp_path,
                 cache=cache, env=environment_with(site))  # fmt: skip
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'use.py:4: error: Incompatible types in assignment (expression has type "float", variable has type "str")' \
        in lines[0], proc.stdout
    assert 'use.py:5: error: Argument "max_iter" to "solve_relaxation_newton" has incompatible type "str"; ' \
        'expected "int"' in lines[1], proc.stdout
    assert "use.py:6: note: Revealed type is" in lines[2] and "numpy.float64" in lines[2], proc.stdout
    assert len(lines) == 3, proc.stdout


def test_the_solvers_package_exports_every_public_name_it_imports_and_nothing_else():
    import relurelax.solvers as S

    public = {name for name, value in vars(S).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}  # fmt: skip
    assert len(S.__all__) == len(set(S.__all__))
    assert set(S.__all__) == public


def _public_functions(package: str) -> dict[str, object]:
    """The functions a package's modules name in ``__all__`` (classes and constants left out), by qualified name."""
    root = importlib.import_module(package)
    # the modules of the package itself; _package is the top package relurelax as laid out for install
    modules = [root] + [importlib.import_module(info.name)
                        for info in pkgutil.iter_modules(root.__path__, f"{package}.") if not info.ispkg]  # fmt: skip
    found = {}
    for module in modules:
        # relurelax.reports itself is empty: no __all__
        names = [*getattr(module, "__all__", ()), *(["__getattr__"] if hasattr(module, "__getattr__") else [])]
        for name in names:
            value = getattr(module, name)
            if inspect.isfunction(value):
                found.setdefault(f"{value.__module__}.{value.__qualname__}", value)
    return found


def _unannotated(function) -> list[str]:
    signature = inspect.signature(function)
    missing = [p.name for p in signature.parameters.values() if p.annotation is inspect.Parameter.empty]
    return missing + (["return"] if signature.return_annotation is inspect.Signature.empty else [])


@pytest.mark.parametrize("package", ["relurelax.proofs", "relurelax.reports"])
def test_every_public_function_of_proofs_and_reports_annotates_its_parameters_and_its_return(package):
    functions = _public_functions(package)
    # the scan reaches the modules: a few functions it must have found (one per kind of module)
    expected = {
        "relurelax.proofs": ["relurelax.proofs.__getattr__", "relurelax.proofs.symbolic.phi_f",
                             "relurelax.proofs.smt.z3_proof", "relurelax.proofs.ledger.build_ledger"],
        "relurelax.reports": ["relurelax.reports.formatting.number", "relurelax.reports.solve_command.register",
                              "relurelax.reports._io.dumps_json"],
    }[package]  # fmt: skip
    assert set(expected) <= set(functions), sorted(functions)
    missing = {name: gaps for name, function in functions.items() if (gaps := _unannotated(function))}
    assert missing == {}, missing
