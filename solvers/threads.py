r"""How many BLAS threads a solve uses, chosen from the problem size (never from the machine's load).

OpenBLAS threads spin while they wait for each other. When another process
holds one of the cores, a solve that splits its matrix products over every
core spends most of its time waiting: measured on a 2-core machine
(OpenBLAS 0.3.31, medians of 5 runs, one ``python -c 'while True: pass'``
beside the solve, ambient load from other jobs), the exact Newton solve of
:math:`f_r` took

============  ===========  ===========  =============  =============
n x d         idle, 1 thr  idle, 2 thr  loaded, 1 thr  loaded, 2 thr
============  ===========  ===========  =============  =============
500 x 100     0.002 s      0.008 s      0.004 s        0.022 s
2000 x 200    0.035 s      0.105 s      0.035 s        0.495 s
2000 x 500    0.115 s      0.326 s      0.171 s        0.972 s
5000 x 500    0.140 s      0.486 s      0.140 s        1.837 s
4000 x 1000   0.332 s      0.233 s      0.430 s        5.493 s
20000 x 200   0.155 s      0.898 s      0.266 s        1.372 s
4000 x 2000   4.1-5.5 s    8.9-12.5 s   (not run)      (not run)
============  ===========  ===========  =============  =============

and 200 RGD iterations (:func:`~.descent.descend`) behaved the same way
(2000 x 500: 0.14 s / 1.5 s idle with 1 / 2 threads, 0.28 s / 2.9 s
loaded). A second thread won once (4000 x 1000 on a quiet machine, 1.4x)
and lost 3x to 20x everywhere else. The rule is therefore: one BLAS thread
for every problem with :math:`nd \le` :data:`SINGLE_THREAD_MAX_ENTRIES`
(beyond the largest size measured, the BLAS default is left alone, so
``OPENBLAS_NUM_THREADS`` decides), and no call at all for tiny problems
(:math:`nd <` :data:`SINGLE_THREAD_MIN_ENTRIES`), which OpenBLAS runs on
one thread anyway and where the 20 microseconds of a limit would show.

The descent loop is *not* limited: its work is two matrix-vector products
per iteration, one synchronisation of the BLAS threads each, and there a
second thread pays. The batched engine runs its stacked products on one
thread (:mod:`.batched`): they are many small products, each too short to
share between threads. Measured on a quiet machine
(medians, ``A @ x`` plus ``A.T @ r``), 1 against 2 threads: 2000 x 500
0.57 / 0.33 ms idle and 0.59 / 0.74 ms beside one busy-loop process;
4000 x 1000 2.24 / 1.13 and 2.29 / 2.33 ms; 4000 x 4000 17.6 / 6.0 and
15.6 / 19.3 ms. Newton's many small LAPACK calls synchronise the threads far
more often, which is why it, and only it, falls off the cliff.

The count depends on (n, d) only, so the same problem is computed with the
same threads, and gives the same bits, on a loaded machine as on an idle one.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "SINGLE_THREAD_MIN_ENTRIES",
    "SINGLE_THREAD_MAX_ENTRIES",
    "blas_thread_limit",
    "blas_threads",
    "blas_threads_for_problem",
    "engine_threads",
]

#: below this many entries of A no limit is set (OpenBLAS does not split such products)
SINGLE_THREAD_MIN_ENTRIES = 2**12
#: up to this many entries of A (n d; 8e6 was measured) a solve uses one BLAS thread
SINGLE_THREAD_MAX_ENTRIES = 2**24

_controller = None

#: a solve(A, ...): the decorator returns a function of the same signature
_Solve = TypeVar("_Solve", bound=Callable[..., Any])


#: environment variables by which a process is told how many threads its numeric libraries may use
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def engine_threads() -> int:
    r"""How many threads the batched engine runs its chunks on: the CPUs this process may use.

    A process told to use one thread (``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS`` or ``MKL_NUM_THREADS`` set to 1, as the sweep's
    pool workers are, one per CPU) runs on one, so that workers never share
    a core. The thread count changes no result: chunks are independent.
    """
    import os

    if any(os.environ.get(name, "").strip() == "1" for name in THREAD_VARIABLES):
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def blas_thread_limit(n: int, d: int) -> int | None:
    r"""The BLAS thread count for an (n, d) problem: 1, or None for "leave the BLAS default"."""
    entries = int(n) * int(d)
    if SINGLE_THREAD_MIN_ENTRIES <= entries <= SINGLE_THREAD_MAX_ENTRIES:
        return 1
    return None


@contextlib.contextmanager
def blas_threads(n: int, d: int) -> Iterator[None]:
    r"""Run the block with :func:`blas_thread_limit` (n, d) BLAS threads, restoring the count afterwards."""
    global _controller
    limit = blas_thread_limit(n, d)
    if limit is None:
        yield
        return
    from threadpoolctl import ThreadpoolController

    if _controller is None:  # finding the loaded BLAS libraries costs ~0.1 ms: do it once
        _controller = ThreadpoolController()
    with _controller.limit(limits=limit, user_api="blas"):
        yield


def blas_threads_for_problem(solve: _Solve) -> _Solve:
    r"""Decorate ``solve(A, y, ...)`` to run under :func:`blas_threads` for the shape of ``A``.

    An ``A`` without a two-dimensional shape runs without a limit (the solve's
    own validation then says what is wrong with it).
    """

    @functools.wraps(solve)
    def wrapper(A: ArrayLike, *args: Any, **kwargs: Any) -> Any:
        try:  # the shape whatever the type, so a list and an array get the same threads (and bits)
            shape = np.shape(A)
        except (ValueError, TypeError):  # ragged input: the solve's validation says what is wrong
            shape = ()
        if len(shape) != 2:
            return solve(A, *args, **kwargs)
        with blas_threads(*shape):
            return solve(A, *args, **kwargs)

    return cast(_Solve, wrapper)  # it passes every argument on to solve
