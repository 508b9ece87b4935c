r"""The child processes relurelax starts: each ignores Ctrl-C and ends with its parent.

Two kinds of workers run relurelax code in child processes: the conic
solver's worker (:mod:`._worker`, which makes every CVXPY backend
interruptible) and the sweep's pool workers (:mod:`relurelax.reports.executor`).
A terminal's Ctrl-C reaches the whole process group, but only the parent
decides what an interruption means, so a worker ignores SIGINT; and a worker
must not outlive a parent that was killed (a SIGKILL cannot be caught, so
the parent cannot end it): on Linux the kernel sends it SIGKILL when the
parent dies.
"""

from __future__ import annotations

import os
import signal

__all__ = ["detach_worker"]


def _die_with_parent() -> None:
    # Linux: the kernel sends SIGKILL when the parent dies, even while a backend holds the GIL;
    # elsewhere the callers' own checks (a watcher thread, the pool's) are all there is
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def detach_worker(parent_pid: int) -> None:
    r"""In a new worker process: die with the parent ``parent_pid`` (leave now if it is gone already), ignore SIGINT.

    SIGINT is also unblocked, since a parent may block it while it starts
    the worker so that a Ctrl-C cannot land half-way.
    """
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
