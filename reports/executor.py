r"""Run independent tasks (the cells of a sweep) on a local process pool or a Dask cluster, one code path.

A sweep over a grid of :math:`(n, d, m, \text{noise}, \lambda)` cells is many
independent computations, each a call ``fn(task)`` of a picklable module-level
function on a small task record that carries everything the computation
needs, its seeds included. :class:`CellExecutor` runs them and yields
``(task, result)`` pairs in the order they finish, so that the caller can
write each finished cell durably at once (and a crash loses only the cells in
flight):

* **in-process** (``processes=1``): the tasks run one after another in the
  calling process, without a pool;
* **local pool** (the default): a :class:`concurrent.futures.ProcessPoolExecutor`
  of ``processes`` workers (default: the CPUs this process may run on,
  :func:`os.sched_getaffinity`), started by ``spawn`` (never ``fork``: the
  parent has BLAS and progress-bar threads);
* **Dask** (``scheduler="tcp://HOST:PORT"``): a ``distributed.Client``
  connected to a running ``dask scheduler``; the tasks are submitted to it
  and their results gathered as they finish. distributed is imported only
  here, so ``relurelax --help`` never loads it.

Every task runs with one BLAS thread, wherever it runs: the parallelism is
across tasks, and two workers with two BLAS threads each would fight over two
cores (see :mod:`relurelax.solvers.threads` for what oversubscription costs).
The same thread count everywhere also means the same floating-point
operations, so a result does not depend on where its task ran. The executor
never seeds anything and never passes a task anything but the task itself:
results are the same whatever the number of workers and the order of
completion.

Stopping. A ``KeyboardInterrupt`` (Ctrl-C, or SIGTERM through the command
line's handler), an exception from a task, or a caller that stops iterating
(``close()`` of the iterator, or leaving the ``with`` block) cancels every
pending task and ends the local pool's worker processes (SIGTERM, then
SIGKILL after :data:`TERMINATE_GRACE_SECONDS`) without waiting for the tasks
they run, so the caller gets control back within about a second, and then
the exception propagates. Pool workers ignore SIGINT (a terminal's Ctrl-C
reaches the whole process group; the parent decides) and are killed by the
kernel when their parent dies, so even a SIGKILL of the parent leaves no
orphan computing on. On a Dask cluster the pending tasks are cancelled; the
cluster's own processes are not the executor's to stop.

A scheduler that does not answer within ``timeout`` seconds
(:data:`CONNECT_TIMEOUT_SECONDS` by default) is an
:class:`UnreachableSchedulerError`, an :class:`~relurelax.solvers.errors.InvalidInputError`
whose one-line message names the address and the timeout (exit code 2 on the
command line).

A caller's script that runs a local pool needs the usual
``if __name__ == "__main__":`` guard of :mod:`multiprocessing`'s spawn
method (each worker imports the caller's main module).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import pickle
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.processes import detach_worker
from relurelax.solvers.threads import THREAD_VARIABLES
from relurelax.solvers.validation import check_positive_int

from .errors import CommandFailed, stop_if_interrupted

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "TERMINATE_GRACE_SECONDS",
    "CellExecutor",
    "ExecutionInfo",
    "UnreachableSchedulerError",
    "available_cpus",
    "map_cells",
    "scheduler_address",
]

#: how long (seconds) a Dask scheduler has to answer before the run is refused
CONNECT_TIMEOUT_SECONDS = 5.0
#: how long (seconds) a terminated pool worker has to exit before it is killed
TERMINATE_GRACE_SECONDS = 0.5
#: how often (seconds) the caller's thread wakes while it waits for results (to honour a recorded signal)
POLL_SECONDS = 0.05
#: the schemes a scheduler address may have (Dask's TCP and TLS transports)
SCHEDULER_SCHEMES = ("tcp", "tls")
#: environment variables that set the thread count of BLAS and OpenMP libraries loaded later in a worker
_THREAD_VARIABLES = THREAD_VARIABLES

Task = TypeVar("Task")
Result = TypeVar("Result")


class UnreachableSchedulerError(InvalidInputError):
    """The Dask scheduler at the given address did not answer in time (bad input: exit code 2)."""


@dataclass(frozen=True)
class ExecutionInfo:
    r"""Where the tasks run: for a sweep's settings and timings.

    ``kind`` is ``"in-process"``, ``"local"`` (a process pool) or ``"dask"``;
    ``workers`` is how many tasks can run at once (the pool's processes, or
    the Dask workers' threads when connected); ``address`` is the Dask
    scheduler's, else None.
    """

    kind: str
    workers: int
    address: str | None = None

    def describe(self) -> str:
        """One phrase for a progress line or a report: ``"local pool of 2 processes"``."""
        if self.kind == "dask":
            return f"Dask cluster at {self.address} ({self.workers} worker threads)"
        if self.kind == "local":
            return f"local pool of {self.workers} processes"
        return "this process"


def available_cpus() -> int:
    """The number of CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def scheduler_address(text: str) -> str:
    r"""A Dask scheduler address ``tcp://HOST:PORT`` (or ``tls://``), checked for its form; ``HOST:PORT`` gets ``tcp://``.

    Raises :class:`~relurelax.solvers.errors.InvalidInputError` naming the
    text and the accepted form. Whether a scheduler answers there is decided
    when connecting.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"a scheduler address must be tcp://HOST:PORT; got {text!r}")
    address = text.strip()
    if "://" not in address:
        address = f"tcp://{address}"
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        port = None
        parts = None
    if (parts is None or parts.scheme not in SCHEDULER_SCHEMES or not parts.hostname or port is None
            or parts.path not in ("", "/") or parts.query or parts.fragment):  # fmt: skip
        raise InvalidInputError(f"a scheduler address must be tcp://HOST:PORT (or tls://HOST:PORT) with a port "
                                f"in 1..65535; got {text!r}")  # fmt: skip
    if not 1 <= port <= 65535:
        raise InvalidInputError(f"a scheduler address must have a port in 1..65535; got {text!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _check_picklable(fn: Callable[..., Any]) -> None:
    # a lambda or a nested function would fail later inside the pool's feeder thread, with a worse message
    try:
        pickle.dumps(fn)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise TypeError(f"the task function must be a module-level (picklable) function; got {fn!r} ({exc})") from None


def _one_blas_thread() -> None:
    # for good in this (worker) process: a Dask worker runs tasks in several threads, and a limit that each
    # task set and restored would be undone by one task while another still runs
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _run_task(fn: Callable[[Task], Result], task: Task) -> Result:
    r"""``fn(task)`` with one BLAS thread: what a pool worker or a Dask worker runs for each task."""
    _one_blas_thread()
    return fn(task)


def _start_worker(parent_pid: int) -> None:
    r"""The pool worker's initializer: ignore SIGINT, die with the parent, one BLAS thread for every library."""
    detach_worker(parent_pid)
    for name in _THREAD_VARIABLES:  # for BLAS libraries a task loads later (threadpoolctl limits the loaded ones)
        os.environ[name] = "1"


@contextlib.contextmanager
def _blocked(*signums: signal.Signals) -> Iterator[None]:
    r"""Hold back ``signums`` in this thread during the block; one that arrived is delivered after it."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, set(signums))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _end_processes(processes: Iterable[Any]) -> None:
    r"""Terminate the pool's worker processes (``multiprocessing.Process``), then kill those still alive."""
    processes = [p for p in processes if p.is_alive()]
    for p in processes:
        p.terminate()
    deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in processes:
        if p.is_alive():
            p.kill()
            p.join(1.0)


class CellExecutor:
    r"""Runs ``fn(task)`` for many tasks, in this process, a local process pool or on a Dask cluster.

    ``processes`` (an integer >= 1, default :func:`available_cpus`) sizes the
    local pool; 1 runs the tasks in this process. ``scheduler`` (an address
    ``tcp://HOST:PORT``, see :func:`scheduler_address`) runs them on the Dask
    cluster of that scheduler instead (``processes`` must then be None);
    ``timeout`` is how long the scheduler has to answer. Use it as a context
    manager, which connects on entry (so a scheduler that does not answer is
    refused before any work or output) and releases everything on exit::

        with CellExecutor(processes=2) as executor:
            for task, result in executor.map(compute_cell, tasks):
                write(task, result)

    :meth:`map` may be called several times; each call that uses a local
    pool starts its own (the processes start in about 0.3 s). On a Dask
    cluster the tasks wait for workers: a scheduler without any runs nothing
    (:attr:`info` counts the worker threads connected).
    """

    def __init__(self, *, scheduler: str | None = None, processes: int | None = None,
                 timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:  # fmt: skip
        if scheduler is not None and processes is not None:
            raise InvalidInputError("give either a scheduler address or a number of processes, not both")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
            raise InvalidInputError(f"the scheduler timeout must be a number of seconds > 0; got {timeout!r}")
        self._address = None if scheduler is None else scheduler_address(scheduler)
        self._processes = available_cpus() if processes is None else check_positive_int(processes, "processes")
        self._timeout = float(timeout)
        self._client: Any = None
        self._running: list[Callable[[], None]] = []  # how to stop each map() still under way

    # -- connecting ---------------------------------------------------------------------------------

    def __enter__(self) -> CellExecutor:
        if self._address is not None and self._client is None:
            self._client = self._connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connect(self) -> Any:
        try:
            from distributed import Client
        except ImportError:
            raise InvalidInputError("--scheduler needs Dask distributed: pip install 'relurelax[cluster]'") from None
        try:
            return Client(self._address, timeout=self._timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnreachableSchedulerError(f"the Dask scheduler at {self._address} did not answer within "
                                            f"{self._timeout:g} s ({reason})") from None  # fmt: skip

    @property
    def info(self) -> ExecutionInfo:
        r"""Where the tasks run; for a Dask cluster, the worker threads connected now."""
        if self._address is not None:
            if self._client is None:
                self._client = self._connect()
            threads = sum(self._client.nthreads().values())
            return ExecutionInfo("dask", threads, self._address)
        if self._processes == 1:
            return ExecutionInfo("in-process", 1)
        return ExecutionInfo("local", self._processes)

    def close(self) -> None:
        """Stop every map still under way (cancel its tasks, end its workers) and disconnect from the scheduler."""
        while self._running:
            self._running.pop()()
        if self._client is not None:
            client, self._client = self._client, None
            client.close()

    # -- running ------------------------------------------------------------------------------------

    def map(self, fn: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[tuple[Task, Result]]:
        r"""Run ``fn(task)`` for every task; yield ``(task, result)`` as each finishes (completion order).

        ``fn`` is a module-level function; each task is picklable. An
        exception raised by a task propagates (with its type and message)
        after the other tasks are cancelled and the workers ended, and so does
        a ``KeyboardInterrupt`` while waiting.
        """
        _check_picklable(fn)
        tasks = list(tasks)
        if not tasks:
            return iter(())
        if self._address is not None:
            if self._client is None:
                self._client = self._connect()
            return self._map_dask(fn, tasks)
        if self._processes == 1:
            return self._map_in_process(fn, tasks)
        return self._map_pool(fn, tasks)

    def _map_in_process(self, fn: Callable[[Task], Result], tasks: list[Task]) -> Iterator[tuple[Task, Result]]:
        from threadpoolctl import threadpool_limits

        for task in tasks:
            stop_if_interrupted()
            with threadpool_limits(limits=1, user_api="blas"):  # restored: this is the caller's process
                result = fn(task)
            yield task, result

    def _map_pool(self, fn: Callable[[Task], Result], tasks: list[Task]) -> Iterator[tuple[Task, Result]]:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=min(self._processes, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(os.getpid(),))  # fmt: skip
        workers: dict[int, Any] = {}

        def stop() -> None:
            with _blocked(signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean-up short
                pool.shutdown(wait=False, cancel_futures=True)
                _end_processes(workers.values())

        self._running.append(stop)
        try:
            # the first submit starts every worker. They start with SIGINT blocked (a child inherits the mask)
            # until their initializer ignores it, so a Ctrl-C while they start cannot print a traceback from
            # them; here it waits until the workers exist, and is then raised in the caller, which ends them
            with _blocked(signal.SIGINT):
                first = pool.submit(_run_task, fn, tasks[0])
                # the pool's only handle on its workers (Python 3.14 adds kill_workers, 3.11 has none)
                workers.update(pool._processes)
            index = {first: 0}
            index.update((pool.submit(_run_task, fn, task), i) for i, task in enumerate(tasks[1:], start=1))
            pending = set(index)
            while pending:
                done, pending = concurrent.futures.wait(pending, timeout=POLL_SECONDS,
                                                        return_when=concurrent.futures.FIRST_COMPLETED)  # fmt: skip
                for future in sorted(done, key=index.__getitem__):
                    try:
                        result = future.result()
                    except concurrent.futures.process.BrokenProcessPool:
                        raise CommandFailed(_dead_worker_message(workers.values())) from None
                    yield tasks[index[future]], result
                stop_if_interrupted()  # a signal whose KeyboardInterrupt a library swallowed
        except BaseException:  # an interruption, a failed task, or the caller closing the iterator
            stop()
            raise
        finally:
            if stop in self._running:
                self._running.remove(stop)
        pool.shutdown(wait=True)

    def _map_dask(self, fn: Callable[[Task], Result], tasks: list[Task]) -> Iterator[tuple[Task, Result]]:
        from distributed import as_completed

        client = self._client
        futures = [client.submit(_run_task, fn, task, pure=False) for task in tasks]
        index = {future.key: i for i, future in enumerate(futures)}

        def stop() -> None:
            with _blocked(signal.SIGINT, signal.SIGTERM):
                client.cancel([f for f in futures if not f.done()])

        self._running.append(stop)
        try:
            finished = as_completed(futures, loop=client.loop)
            left = len(futures)
            while left:
                batch = finished.next_batch(block=False)
                if not batch:
                    stop_if_interrupted()
                    time.sleep(POLL_SECONDS)
                    continue
                for future in sorted(batch, key=lambda f: index[f.key]):
                    left -= 1
                    result = future.result()  # raises the task's exception, with its type and message
                    future.release()
                    yield tasks[index[future.key]], result
        except BaseException:
            stop()
            raise
        finally:
            if stop in self._running:
                self._running.remove(stop)


def _dead_worker_message(workers: Iterable[Any]) -> str:
    codes = sorted({p.exitcode for p in workers if p.exitcode not in (None, 0)})
    how = []
    for code in codes:
        try:
            how.append(f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}")
        except ValueError:
            how.append(f"killed by signal {-code}")
    detail = f" ({', '.join(how)})" if how else ""
    return (f"a worker process of the local pool died{detail} while computing a task; "
            "if the machine ran out of memory, try fewer --processes or smaller cells")  # fmt: skip


def map_cells(fn: Callable[[Task], Result], tasks: Iterable[Task], *, scheduler: str | None = None,
              processes: int | None = None,
              timeout: float = CONNECT_TIMEOUT_SECONDS) -> Iterator[tuple[Task, Result]]:  # fmt: skip
    r"""``CellExecutor(scheduler=..., processes=..., timeout=...).map(fn, tasks)``, released when the iteration ends.

    Yields ``(task, result)`` in completion order. The executor is created
    (and a scheduler connected) when the iteration starts; to refuse an
    unreachable scheduler before anything else, use :class:`CellExecutor`.
    """
    with CellExecutor(scheduler=scheduler, processes=processes, timeout=timeout) as executor:
        yield from executor.map(fn, tasks)
