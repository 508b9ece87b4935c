r"""``python -m relurelax``: the ``relurelax`` command line, :func:`relurelax.reports.cli.main`."""

from __future__ import annotations

import sys

from relurelax.reports.cli import main

if __name__ == "__main__":
    sys.exit(main())
