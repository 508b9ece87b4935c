r"""One version, three ways in: ``relurelax --version``, ``python -m relurelax`` and ``relurelax.__version__``.

The version is written once, as ``version`` in pyproject.toml; the installed
distribution's metadata carries it, and the top package reads it from there
on first use. Where the distribution is not installed the version says that
it is unknown and why, rather than printing a number.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import sysconfig
import tomllib

import pytest

import relurelax

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "200"})


def test_the_top_package_has_the_version_written_in_pyproject():
    assert relurelax.__version__ == PYPROJECT_VERSION
    assert "__version__" in relurelax.__all__


def test_relurelax_version_prints_the_pyproject_version_on_stdout_and_exits_0():
    script = pathlib.Path(sysconfig.get_path("scripts")) / "relurelax"
    assert script.is_file(), f"the console script is not installed beside {sys.executable}"
    proc = _run(str(script), "--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"relurelax {PYPROJECT_VERSION}\n", "")


def test_python_m_relurelax_is_the_command_line():
    version = _run(sys.executable, "-m", "relurelax", "--version")
    assert (version.returncode, version.stdout, version.stderr) == (0, f"relurelax {PYPROJECT_VERSION}\n", "")
    bare = _run(sys.executable, "-m", "relurelax")  # no command: the usage and exit 2, as `relurelax` alone
    assert bare.returncode == 2 and bare.stdout.startswith("usage: relurelax "), bare.stdout + bare.stderr
    wrong = _run(sys.executable, "-m", "relurelax", "no-such-command")
    assert wrong.returncode == 2 and "invalid choice: 'no-such-command'" in wrong.stderr, wrong.stderr
    assert len(wrong.stderr.splitlines()) == 1, wrong.stderr


_WITHOUT_DISTRIBUTION = r"""
import contextlib, importlib.metadata as metadata, io, sys
real = metadata.version
def version(name):
    if name == "relurelax":
        raise metadata.PackageNotFoundError(name)
    return real(name)
metadata.version = version
import relurelax
from relurelax.reports.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["--version"])
print(relurelax.__version__, code, out.getvalue(), sep="\n", end="")
"""


def test_without_the_installed_distribution_the_version_is_unknown_and_the_cli_says_why():
    proc = _run(sys.executable, "-c", _WITHOUT_DISTRIBUTION)
    assert proc.returncode == 0, proc.stderr
    attribute, code, line = proc.stdout.split("\n", 2)
    assert attribute == relurelax.UNKNOWN_VERSION == "0+unknown"
    assert code == "0"
    assert line.startswith("relurelax 0+unknown (the relurelax distribution is not installed"), line
    assert "pip install ." in line


def test_an_attribute_the_top_package_does_not_have_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_attribute'"):
        relurelax.no_such_attribute  # noqa: B018
