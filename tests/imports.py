r"""What a fresh interpreter imports: the one helper of the tests that keep light modules light.

The test process has imported every library already, so each check runs its
statement in a child interpreter and reads that child's ``sys.modules``.
"""

from __future__ import annotations

import subprocess
import sys

_CHILD = (
    "import sys\n"
    "exec(sys.argv[1])\n"
    "print('\\n'.join(sorted(sys.modules)))\n"
)


def modules_imported_by(statement: str) -> set[str]:
    """The module names loaded after running ``statement`` in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", _CHILD, statement], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def offending(modules: set[str], top_levels=(), prefixes=()) -> list[str]:
    """The modules whose top-level package is in ``top_levels`` or whose name starts with one of ``prefixes``."""
    return sorted(m for m in modules if m.split(".")[0] in top_levels or m.startswith(tuple(prefixes)))
