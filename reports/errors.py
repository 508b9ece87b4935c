r"""The exceptions and exit codes of the ``relurelax`` command line.

Shared by :mod:`.cli`, which turns them into exit codes and one line on
stderr, and by the command modules, which raise them; they live here so that
no command module imports :mod:`.cli` (which imports the command modules).
Exit codes are the same for every command: 0 done, 1 the solve or check
failed (and out of memory), 2 bad usage or bad input, 130 interrupted.

It also holds the one record of an interruption. A signal's
``KeyboardInterrupt`` can be swallowed on its way (raised inside a garbage
collector callback, a ``__del__``, a weakref callback, or caught by a
library), so the exception alone does not say whether the run was
interrupted. The command line's handler therefore records the signal
(:func:`record_interruption`) before it raises; every place that puts output
where results go does so inside :func:`committing`, which refuses with
``KeyboardInterrupt`` once a signal is recorded and defers a signal that
arrives during the commit; and the exit code is 130 whenever a signal was
recorded (:func:`interruption`), whatever the command returned.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = [
    "CommandFailed",
    "UsageError",
    "ResumableInterrupt",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_INTERRUPTED",
    "record_interruption",
    "interruption",
    "raisable_interruption",
    "stop_if_interrupted",
    "committed_outputs",
    "committing",
    "reset_interruption",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CommandFailed(Exception):
    """A command ran but its result is a failure (exit 1); the message is printed."""


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


class ResumableInterrupt(KeyboardInterrupt):
    """An interrupted command that keeps what it finished (exit 130); the message says how far it got and how to go on.

    Such a command commits outputs as it goes (a sweep's cells), so "its
    output was written completely" would be wrong: its own message is the
    one line printed.
    """


#: the signal recorded this run (None: not interrupted), how many commits are under way, what was committed
_run: dict = {"signal": None, "committing": 0, "committed": []}


def record_interruption(signum: int) -> bool:
    r"""Record that the signal ``signum`` interrupted the run; whether its ``KeyboardInterrupt`` may be raised now.

    Called by the command line's signal handler before it raises. Inside
    :func:`committing` the answer is False: the commit completes and the
    exit code says the run was interrupted.
    """
    _run["signal"] = signal.Signals(signum)
    return _run["committing"] == 0


def interruption() -> signal.Signals | None:
    """The signal that interrupted the run (recorded even when its ``KeyboardInterrupt`` was swallowed), or None."""
    return _run["signal"]


def raisable_interruption() -> signal.Signals | None:
    """The recorded signal when its ``KeyboardInterrupt`` may be raised now (outside :func:`committing`), else None."""
    return _run["signal"] if _run["committing"] == 0 else None


def stop_if_interrupted() -> None:
    """Raise the recorded signal's ``KeyboardInterrupt`` now (its first one was swallowed); nothing when none is recorded."""
    signum = raisable_interruption()
    if signum is not None:
        raise KeyboardInterrupt(signum.name)


def committed_outputs() -> tuple[str, ...]:
    """The outputs this run put in place (:func:`committing`), in order."""
    return tuple(_run["committed"])


def reset_interruption() -> None:
    """Forget the recorded signal and the committed outputs (at the start and the end of a command)."""
    _run.update(signal=None, committing=0, committed=[])


@contextlib.contextmanager
def committing(path: str) -> Iterator[None]:
    r"""The section in which an output is put in place (an atomic rename); ``path`` is what it commits.

    On entry a recorded interruption raises ``KeyboardInterrupt`` (named after
    the signal), so nothing is committed after a signal, even one whose
    exception was swallowed. Inside, a signal is recorded but not raised, so
    a commit is never cut in two: after it, :func:`committed_outputs` names
    ``path`` and the exit code is still 130. An exception inside leaves
    ``path`` unrecorded.
    """
    _run["committing"] += 1
    try:
        if _run["signal"] is not None:
            raise KeyboardInterrupt(_run["signal"].name)
        yield
        _run["committed"].append(path)
    finally:
        _run["committing"] -= 1
