r"""The executor of sweep cells (reports/executor.py): every result, whatever the workers; clean stops.

The local pool must return, for every task, what calling the task's function
in this process returns, for one process and for two, whatever order the
tasks finish in; a task's exception must reach the caller with its message; a
scheduler address where nothing listens must be refused within a few seconds,
naming the address; and an interruption (in this process, by a Ctrl-C to the
whole process group, or a SIGKILL of the parent) must leave no worker process
behind.
"""

from __future__ import annotations

import _thread
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from relurelax.reports.executor import (
    CellExecutor,
    ExecutionInfo,
    UnreachableSchedulerError,
    available_cpus,
    map_cells,
    scheduler_address,
)
from relurelax.reports.errors import record_interruption, reset_interruption
from relurelax.solvers.errors import InvalidInputError

from .imports import modules_imported_by, offending

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Cell:
    """A task: its index, its own seed, how long it sleeps first, and where it announces that it started."""

    index: int
    seed: int
    sleep: float = 0.0
    started: str | None = None
    fail: bool = False


def compute_cell(cell: Cell) -> tuple[tuple[float, ...], int]:
    r"""Seeded BLAS products: the values of :math:`\|A^T (A x)\|` for 3 draws, and the process that computed them."""
    if cell.started is not None:
        Path(cell.started, f"{cell.index}.pid").write_text(str(os.getpid()))
    time.sleep(cell.sleep)
    if cell.fail:
        raise ValueError(f"cell {cell.index} broke on purpose")
    rng = np.random.default_rng(cell.seed)
    values = []
    for _ in range(3):
        A = rng.standard_normal((80, 50))
        x = rng.standard_normal(50)
        values.append(float(np.linalg.norm(A.T @ (A @ x))))
    return tuple(values), os.getpid()


def _cells(count: int, **kwargs) -> list[Cell]:
    # the later cells sleep less, so that with two workers they finish before earlier ones
    return [Cell(index=i, seed=1000 + 7 * i, sleep=0.01 * (count - i), **kwargs) for i in range(count)]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has stopped computing; its parent reaps it


def _wait_until_dead(pids, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


def _started_pids(folder: Path) -> list[int]:
    return [int(p.read_text()) for p in folder.glob("*.pid") if p.read_text()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("processes", [1, 2])
def test_the_local_pool_returns_every_tasks_result_equal_to_running_it_in_process(processes):
    cells = _cells(6)
    expected = {cell: compute_cell(cell)[0] for cell in cells}
    got = list(map_cells(compute_cell, cells, processes=processes))
    assert sorted(cell.index for cell, _ in got) == list(range(6))
    assert {cell: values for cell, (values, _) in got} == expected
    pids = {pid for _, (_, pid) in got}
    if processes == 1:  # in this process, without a pool
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids


def test_the_results_do_not_depend_on_the_completion_order():
    # the same tasks with the sleeps reversed finish in another order but give the same results
    forward = _cells(6)
    backward = [Cell(c.index, c.seed, sleep=0.01 * c.index) for c in forward]
    first = {c.index: values for c, (values, _) in map_cells(compute_cell, forward, processes=2)}
    second = {c.index: values for c, (values, _) in map_cells(compute_cell, backward, processes=2)}
    assert first == second


@pytest.mark.parametrize("processes", [1, 2])
def test_an_exception_in_a_task_propagates_with_its_message(processes):
    cells = [Cell(i, i, fail=(i == 2)) for i in range(4)]
    with pytest.raises(ValueError, match="cell 2 broke on purpose"):
        list(map_cells(compute_cell, cells, processes=processes))


def test_an_exception_in_a_task_ends_the_other_workers(tmp_path):
    cells = [Cell(0, 0, fail=True)] + [Cell(i, i, sleep=30, started=str(tmp_path)) for i in range(1, 3)]
    with pytest.raises(ValueError, match="cell 0 broke"):
        list(map_cells(compute_cell, cells, processes=2))
    assert _wait_until_dead(_started_pids(tmp_path), 2.0) == []


def test_an_unreachable_scheduler_is_refused_within_a_few_seconds_naming_the_address():
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.monotonic()
    with pytest.raises(UnreachableSchedulerError) as caught:
        CellExecutor(scheduler=address, timeout=1.5).__enter__()
    assert time.monotonic() - start < 6.0
    message = str(caught.value)
    assert address in message and "1.5 s" in message and "\n" not in message
    assert isinstance(caught.value, InvalidInputError)  # the command line's exit code 2


def test_map_cells_refuses_an_unreachable_scheduler_when_the_iteration_starts():
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(UnreachableSchedulerError, match=address):
        next(map_cells(compute_cell, _cells(2), scheduler=address, timeout=1.0))


@pytest.mark.parametrize(
    "text, expected",
    [("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"), ("10.0.0.5:8786", "tcp://10.0.0.5:8786"),
     (" tls://scheduler.example:443 ", "tls://scheduler.example:443"), ("tcp://[::1]:8786", "tcp://[::1]:8786")],
)  # fmt: skip
def test_a_scheduler_address_is_tcp_host_and_port(text, expected):
    assert scheduler_address(text) == expected


@pytest.mark.parametrize("text", ["", "localhost", "tcp://localhost", "http://host:8786", "tcp://host:0",
                                  "tcp://host:99999", "tcp://host:8786/path", "tcp://:8786"])  # fmt: skip
def test_a_malformed_scheduler_address_is_refused_naming_it(text):
    with pytest.raises(InvalidInputError, match="scheduler address"):
        scheduler_address(text)


@pytest.mark.parametrize("processes", [0, -1, 1.5, True, "2"])
def test_a_number_of_processes_below_one_or_not_an_integer_is_refused(processes):
    with pytest.raises(InvalidInputError, match="processes"):
        CellExecutor(processes=processes)


def test_a_scheduler_and_a_number_of_processes_together_are_refused():
    with pytest.raises(InvalidInputError, match="not both"):
        CellExecutor(scheduler="tcp://127.0.0.1:8786", processes=2)


def test_a_task_function_that_cannot_be_pickled_is_refused_before_anything_runs():
    with pytest.raises(TypeError, match="module-level"):
        CellExecutor(processes=2).map(lambda cell: cell, _cells(2))


def test_the_execution_info_says_where_the_tasks_run():
    assert CellExecutor(processes=1).info == ExecutionInfo("in-process", 1)
    assert CellExecutor(processes=2).info == ExecutionInfo("local", 2)
    assert CellExecutor().info.workers == available_cpus() == len(os.sched_getaffinity(0))
    assert CellExecutor(processes=2).info.describe() == "local pool of 2 processes"


def test_importing_the_executor_imports_no_dask():
    # distributed is imported when a scheduler is given, so a local run never pays for it
    assert offending(modules_imported_by("import relurelax.reports.executor"), ("dask", "distributed")) == []


def test_no_tasks_give_no_results_and_start_no_workers():
    assert list(map_cells(compute_cell, [], processes=2)) == []


def _interrupt_when_started(folder: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(_started_pids(folder)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    _thread.interrupt_main()


def test_a_keyboard_interrupt_while_waiting_ends_every_worker_within_a_second(tmp_path):
    cells = [Cell(i, i, sleep=60, started=str(tmp_path)) for i in range(5)]
    threading.Thread(target=_interrupt_when_started, args=(tmp_path, 2), daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        for _ in map_cells(compute_cell, cells, processes=2):
            pass
    interrupted = time.monotonic()
    pids = _started_pids(tmp_path)
    assert len(pids) == 2  # the three queued tasks never started
    assert _wait_until_dead(pids, 2.0) == []
    assert time.monotonic() - interrupted < 2.0


def test_a_recorded_signal_whose_interrupt_was_swallowed_still_stops_the_run(tmp_path):
    # the command line records a signal before it raises; a library may swallow the KeyboardInterrupt
    cells = [Cell(i, i, sleep=60, started=str(tmp_path)) for i in range(3)]

    def record_when_started() -> None:
        deadline = time.monotonic() + 30
        while len(_started_pids(tmp_path)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        record_interruption(signal.SIGINT)

    threading.Thread(target=record_when_started, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGINT"):
            list(map_cells(compute_cell, cells, processes=2))
    finally:
        reset_interruption()
    assert _wait_until_dead(_started_pids(tmp_path), 2.0) == []


def test_closing_the_iterator_early_ends_every_worker(tmp_path):
    cells = [Cell(0, 0)] + [Cell(i, i, sleep=60, started=str(tmp_path)) for i in range(1, 4)]
    results = map_cells(compute_cell, cells, processes=2)
    first, _ = next(results)
    assert first.index == 0
    deadline = time.monotonic() + 30
    while not _started_pids(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    results.close()
    assert _wait_until_dead(_started_pids(tmp_path), 2.0) == []


_CHILD = textwrap.dedent(
    r"""
    import sys
    sys.path.insert(0, sys.argv[2])
    from tests.test_executor import Cell, compute_cell
    from relurelax.reports.executor import map_cells

    if __name__ == "__main__":
        cells = [Cell(i, i, sleep=60, started=sys.argv[1]) for i in range(4)]
        try:
            for _ in map_cells(compute_cell, cells, processes=2):
                pass
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(130)
    """
)


def _start_child(tmp_path: Path) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    folder = tmp_path / "started"
    folder.mkdir()
    child = subprocess.Popen([sys.executable, str(script), str(folder), str(ROOT)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(_started_pids(folder)) < 2 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_started_pids(folder)) == 2, child.communicate(timeout=5)
    return child


def test_a_ctrl_c_to_the_process_group_ends_the_run_within_a_second_without_worker_tracebacks(tmp_path):
    child = _start_child(tmp_path)
    pids = _started_pids(tmp_path / "started")
    os.killpg(child.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: every process of the group gets it
    sent = time.monotonic()
    out, err = child.communicate(timeout=10)
    assert time.monotonic() - sent < 2.0
    assert child.returncode == 130 and out == "interrupted\n"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert _wait_until_dead(pids, 2.0) == []


def test_a_sigkill_of_the_parent_leaves_no_worker_computing(tmp_path):
    child = _start_child(tmp_path)
    pids = _started_pids(tmp_path / "started")
    child.kill()
    child.communicate(timeout=10)
    assert _wait_until_dead(pids, 2.0) == []
