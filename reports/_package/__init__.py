r"""relurelax: the top package, its version and ``python -m relurelax``.

This folder installs as the package ``relurelax`` itself (``package-dir`` in
pyproject.toml); ``solvers/``, ``proofs/``, ``reports/`` and ``benchmarks/``
install as its subpackages :mod:`relurelax.solvers`, :mod:`relurelax.proofs`,
:mod:`relurelax.reports` and :mod:`relurelax.benchmarks`. Every
``import relurelax.X`` runs this module first, so it imports nothing:
:data:`__version__` is read on first use from the installed distribution's
metadata, whose one source is ``version`` in pyproject.toml (the same
metadata that :mod:`relurelax.solvers.provenance` records under ``versions``
in every ledger and report).
"""

from __future__ import annotations

__all__ = ["UNKNOWN_VERSION", "__version__"]

#: :data:`__version__` when the relurelax distribution is not installed, so that it has no metadata to read
#: (a PEP 440 version that sorts below every release, not a number anyone published)
UNKNOWN_VERSION = "0+unknown"

#: the installed distribution's version (``version`` in pyproject.toml), or :data:`UNKNOWN_VERSION`
__version__: str  # read on first use by __getattr__: importing importlib.metadata costs more than this package


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("relurelax")
    except metadata.PackageNotFoundError:
        version = UNKNOWN_VERSION
    globals()["__version__"] = version
    return version
