r"""Native conic solves in a persistent worker process, so that every solve can be interrupted.

CLARABEL, SCS and OSQP run inside C/Rust code that the Python interpreter
cannot interrupt: CLARABEL ignores Ctrl-C for the whole solve, SCS and OSQP
catch it for themselves and return early. relurelax therefore builds every
CVXPY model and runs every backend solve in one worker process, and waits for
the answer in the parent, where a signal is honoured at once:

* the worker is a fresh interpreter (``sys.executable``, started by
  ``subprocess`` and connected by a socket pair carrying
  :class:`multiprocessing.connection.Connection` messages): the spawn
  method, never ``fork`` (the parent has BLAS and progress-bar threads), and
  without multiprocessing's re-import of the caller's ``__main__``, so a
  user's script needs no ``if __name__ == "__main__"`` guard. It starts
  once and is reused by every later call, so a cross-check of many solves
  pays its start-up (importing numpy and CVXPY) once; it is shut down at exit;
* the worker ignores SIGINT (a terminal's Ctrl-C goes to the whole process
  group; the parent decides), and exits when its parent has gone;
* the parent polls the pipe; a ``KeyboardInterrupt`` (Ctrl-C, or SIGTERM,
  which the command line turns into one) or any other ``BaseException``
  while it waits kills the worker (SIGKILL) and is re-raised, so the command
  stops within a fraction of a second, in the middle of any backend;
* a worker that dies (a segfault, the kernel's OOM killer) is a
  :class:`~.errors.SolveError` naming the backend and the signal; the next
  call starts a fresh worker.

A task is a module-level function named by module and attribute, called in
the worker with plain arguments; it returns plain data (arrays, floats,
strings), never a CVXPY object.
"""

from __future__ import annotations

import atexit
import importlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from multiprocessing.connection import Connection
from typing import Any

from .errors import SolveError
from .processes import detach_worker

__all__ = ["run", "shutdown", "worker_pid"]

#: how often (seconds) the parent checks the pipe and the worker's life while it waits
POLL_SECONDS = 0.05
#: how often (seconds) the worker checks that its parent is still alive
PARENT_CHECK_SECONDS = 0.5

_lock = threading.Lock()
_state: dict[str, Any] = {"process": None, "conn": None, "atexit": False, "pid": None}


def _watch_parent(parent_pid: int) -> None:
    # a parent killed by SIGKILL cannot kill its worker: the worker notices and leaves
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(0)


def _serve(fd: int, parent_pid: int) -> None:
    """The worker's loop: receive ``(module, function, args, kwargs)``, reply ``("ok", value)`` or ``("error", ...)``."""
    detach_worker(parent_pid)
    conn = Connection(fd)
    # warnings would reach the user's terminal through the inherited stderr; the parent judges every result
    warnings.simplefilter("ignore")
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        module, function, args, kwargs = task
        reply: tuple[Any, ...]
        try:
            reply = ("ok", getattr(importlib.import_module(module), function)(*args, **kwargs))
        except MemoryError:
            reply = ("error", "MemoryError", "the worker process ran out of memory")
        except Exception as exc:  # the parent turns it into a SolveError with the backend's name
            reply = ("error", type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


#: BLAS thread pools the worker runs with one thread, unless the user set them: the backends
#: factor sparse matrices (QDLDL, AMD) and barely use dense BLAS, whose idle threads would only
#: compete for the cores with the backend (measured on the cross-check's n = 200, d = 100
#: instances, 2 loaded cores: CLARABEL 0.146 s per solve with the default pool, 0.078 s with one)
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _worker_environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in _THREAD_VARIABLES:
        env.setdefault(name, "1")
    return env


def _start() -> None:
    parent_sock, child_sock = socket.socketpair()
    # -P: the working directory is not put on sys.path, so a user's cvxpy.py or numpy.py there is
    # not imported by the worker; relurelax is found where the parent found it
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = (f"import sys; sys.path.append({package_root!r}); from relurelax.solvers._worker import _serve; "
            f"_serve({child_sock.fileno()}, {os.getpid()})")  # fmt: skip
    # SIGINT stays blocked in the child until it has installed SIG_IGN, so a Ctrl-C during its
    # start-up cannot print a traceback from it; the parent still receives the signal
    blocked = threading.current_thread() is threading.main_thread()
    if blocked:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        # stdout and stderr are not inherited: an orphaned worker must not hold the parent's pipes
        # open (a reader of `relurelax ... | tee` would wait for it); the parent reports every failure
        process = subprocess.Popen([sys.executable, "-P", "-c", code], pass_fds=(child_sock.fileno(),),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   close_fds=True, env=_worker_environment())  # fmt: skip
        # recorded before the mask is restored, so a pending Ctrl-C finds the worker and kills it
        _state.update(process=process, conn=Connection(parent_sock.detach()), pid=os.getpid())
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        child_sock.close()
    if not _state["atexit"]:
        atexit.register(shutdown)
        _state["atexit"] = True


def _alive(process: subprocess.Popen[bytes] | None) -> bool:
    return process is not None and process.poll() is None


def _kill() -> None:
    process, conn = _state["process"], _state["conn"]
    _state.update(process=None, conn=None)
    if process is not None:
        if _alive(process):
            process.kill()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    if conn is not None:
        conn.close()


def shutdown() -> None:
    """Stop the worker (if one runs): ask it to leave, and kill it if it does not within a second."""
    process, conn = _state["process"], _state["conn"]
    if process is None or _state["pid"] != os.getpid():  # a forked child does not own its parent's worker
        return
    try:
        conn.send(None)
        process.wait(timeout=1.0)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        pass
    _kill()


def worker_pid() -> int | None:
    """The worker's process id, or None when none runs (for tests and diagnostics)."""
    process = _state["process"]
    return process.pid if _alive(process) else None


def _death(backend: str, what: str) -> SolveError:
    process = _state["process"]
    code = None
    if process is not None:
        try:
            code = process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit status {code}"
    _kill()
    return SolveError(f"the {backend} worker process died ({how}) while solving {what}; no result is available")


def run(module: str, function: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None, *,
        backend: str, what: str) -> Any:  # fmt: skip
    r"""Call ``module.function(*args, **kwargs)`` in the worker and return its value.

    ``backend`` and ``what`` name the solve in messages. Raises
    :class:`~.errors.SolveError` when the worker dies or the task raises; any
    ``BaseException`` while waiting (``KeyboardInterrupt``) kills the worker
    and propagates.
    """
    with _lock:
        try:
            if _state["pid"] != os.getpid():  # a forked child: the worker is its parent's, never kill it
                _state.update(process=None, conn=None)
            if not _alive(_state["process"]):
                _kill()
                _start()
            conn = _state["conn"]
            conn.send((module, function, tuple(args), dict(kwargs or {})))
            while not conn.poll(POLL_SECONDS):
                if not _alive(_state["process"]) and not conn.poll(0):
                    raise _death(backend, what)
            reply = conn.recv()
        except SolveError:
            raise
        except (EOFError, OSError):
            raise _death(backend, what) from None
        except BaseException:
            _kill()
            raise
    if reply[0] == "ok":
        return reply[1]
    _, kind, message = reply
    raise SolveError(f"{backend} failed on {what}: {kind}: {message}" if kind != "MemoryError"
                     else f"{backend} ran out of memory on {what} (in the worker process)")  # fmt: skip
