r"""Independent, CPU-bound set-ups of a test module computed side by side, one process per core.

CI runs pytest in one process on a two-core machine, so a module fixture that
computes several independent things one after another (ledgers at several
seeds, say) leaves a core idle. :func:`compute` runs them in forked worker
processes instead and returns the same values: each call is the call the
fixture made before, with the same arguments, and its result comes back
pickled. The workers have ended when it returns (the test-wide check for
leftover processes stays quiet). Only the wall time changes: nothing here is
timed, and the values are what the same calls return in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def compute(calls: dict[Hashable, tuple[Callable[..., Any], tuple]], workers: int | None = None) -> dict:
    """``{key: fn(*args)}`` for ``calls = {key: (fn, args)}``, computed in up to ``workers`` processes (the cores).

    ``fn`` must be a module-level function (it is sent to the workers by name). One call, or one core, runs here,
    in this process.
    """
    workers = min(workers or os.cpu_count() or 1, len(calls))
    if workers <= 1:
        return {key: fn(*args) for key, (fn, args) in calls.items()}
    # fork when this process runs no other thread (a thread holding a lock at the fork would leave it held in the
    # worker): the workers start with the modules already imported (sympy, z3, hypothesis); otherwise spawn
    method = "fork" if threading.active_count() == 1 else "spawn"
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        futures = {key: pool.submit(fn, *args) for key, (fn, args) in calls.items()}
        return {key: future.result() for key, future in futures.items()}
