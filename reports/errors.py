r"""The exceptions and exit codes of the ``relurelax`` command line.

Shared by :mod:`.cli`, which turns them into exit codes and one line on
stderr, and by the command modules, which raise them; they live here so that
no command module imports :mod:`.cli` (which imports the command modules).
Exit codes are the same for every command: 0 done, 1 the solve or check
failed (and out of memory), 2 bad usage or bad input, 130 interrupted.
"""

from __future__ import annotations

__all__ = ["CommandFailed", "UsageError", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERRUPTED"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CommandFailed(Exception):
    """A command ran but its result is a failure (exit 1); the message is printed."""


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""
