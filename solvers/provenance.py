r"""Which versions produced a result: the one place relurelax reads package versions.

The claims ledger (``relurelax verify``) and the report record the versions
of Python and of the packages their numbers depend on; a search by
hypothesis, for one, draws other examples under another release, so a result
without its versions cannot be reproduced. Versions come from the installed
distributions' metadata (no package is imported), ``None`` for one that is
not installed.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib import metadata

__all__ = ["versions"]


def versions(packages: Iterable[str]) -> dict[str, str | None]:
    r"""``{"python": ..., name: version or None, ...}`` for the distributions ``packages``, in that order.

    Names are distribution names as pip knows them (``z3-solver``, not ``z3``).
    """
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out
