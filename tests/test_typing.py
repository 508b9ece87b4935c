r"""The type hints of relurelax.solvers hold, and a program that uses relurelax sees them.

mypy checks ``solvers/`` with the settings of ``[tool.mypy]`` in pyproject.toml
(strict), in a child process whose cache is a temporary folder. A second run
type-checks a small program against relurelax laid out as installed
(:mod:`tests.installed`): the ``py.typed`` marker makes mypy read the package's
hints, so the two mistakes the program makes are reported, with the types the
hints give, rather than passed over as ``Any`` (and, in strict mode, only if the
names it imports are exported: ``__all__`` is a list a type checker can read).
"""

from __future__ import annotations

import pathlib
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
