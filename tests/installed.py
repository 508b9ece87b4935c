r"""A copy of this source tree laid out as ``pip install .`` lays it out: the one helper of the tests that need it.

pyproject.toml maps each package to its folder (``package-dir``): the top package
``relurelax`` is ``reports/_package``, ``relurelax.solvers`` is ``solvers/``, and so
on. A regular install puts them all in one folder ``relurelax/``; an editable install
leaves them where they are and finds them through an import hook, which tools that
read packages from the disk (import-linter, mypy) do not see. Tests of those tools
run on this copy (put on ``PYTHONPATH``), so they check this checkout's code in
either install.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _source_folder(package: str, folders: dict[str, str]) -> pathlib.Path:
    """The folder setuptools reads ``package`` from: its own ``package-dir`` entry, or its parent's plus its name."""
    if package in folders:
        return ROOT / folders[package]
    parent, _, name = package.rpartition(".")
    if not parent:
        raise ValueError(f"package-dir in pyproject.toml does not say where {package!r} is")
    return _source_folder(parent, folders) / name


def lay_out_as_installed(dest: pathlib.Path) -> pathlib.Path:
    """Copy the modules and package data of every package pyproject.toml lists to where a regular install puts them.

    Returns ``dest``, the folder to put on ``PYTHONPATH``.
    """
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    data = setuptools.get("package-data", {})
    for package in setuptools["packages"]:
        source = _source_folder(package, setuptools["package-dir"])
        target = dest.joinpath(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for pattern in ("*.py", *data.get(package, ())):
            for path in source.glob(pattern):
                shutil.copyfile(path, target / path.name)
    return dest


def environment_with(site: pathlib.Path) -> dict[str, str]:
    """This process's environment with ``site`` first on ``PYTHONPATH``, for a child that reads the copy."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
