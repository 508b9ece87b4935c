r"""Cells through a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1.

The fixture starts the three processes (the scheduler's port chosen free by
binding a socket to port 0), waits until the scheduler has both workers
(at most :data:`START_SECONDS`), and always stops them (SIGTERM, then
SIGKILL). Through them, :func:`~relurelax.reports.executor.map_cells` must
return what the local pool returns, computed in the workers' processes; a
task's exception must reach the caller with its message; and an interruption
must reach the caller at once.
"""

from __future__ import annotations

import _thread
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from relurelax.reports.executor import CellExecutor, map_cells

from .test_executor import ROOT, Cell, _cells, _free_port, _started_pids, compute_cell

#: how long (seconds) the scheduler and its two workers have to come up
START_SECONDS = 60.0
#: how long (seconds) a stopped process has to exit after SIGTERM before it is killed
STOP_SECONDS = 5.0


def _stop(processes: list[subprocess.Popen]) -> None:
    # the workers first: a worker whose scheduler is gone spends seconds trying to reach it before it exits
    processes = processes[::-1]
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in sorted(folder.glob("*.log")))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    r"""The address of a scheduler with two single-threaded workers, and the workers' process ids."""
    folder = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    # the workers import the tests' task functions (tests.test_executor) by name
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    commands = [
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
        *([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny",
           "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(folder / f"worker{i}")] for i in range(2)),
    ]  # fmt: skip
    processes: list[subprocess.Popen] = []
    try:
        for i, command in enumerate(commands):
            log = open(folder / f"process{i}.log", "w")
            processes.append(subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                              env=env, cwd=folder))  # fmt: skip
            log.close()
        deadline = time.monotonic() + START_SECONDS
        with CellExecutor(scheduler=address, timeout=START_SECONDS) as executor:
            while executor.info.workers < 2:
                dead = [p.args[2] for p in processes if p.poll() is not None]
                assert not dead and time.monotonic() < deadline, f"the cluster did not start: {dead}\n{_logs(folder)}"
                time.sleep(0.1)
        yield address, {p.pid for p in processes[1:]}
    finally:
        _stop(processes)


def test_cells_through_a_dask_cluster_equal_the_local_run_and_run_in_its_workers(cluster):
    address, worker_pids = cluster
    cells = _cells(6)
    local = {cell: values for cell, (values, _) in map_cells(compute_cell, cells, processes=2)}
    through = list(map_cells(compute_cell, cells, scheduler=address))
    assert sorted(cell.index for cell, _ in through) == list(range(6))
    assert {cell: values for cell, (values, _) in through} == local
    assert {pid for _, (_, pid) in through} <= worker_pids


def test_the_execution_info_counts_the_clusters_worker_threads(cluster):
    address, _ = cluster
    with CellExecutor(scheduler=address) as executor:
        info = executor.info
    assert (info.kind, info.workers, info.address) == ("dask", 2, address)


def test_an_exception_in_a_task_on_the_cluster_propagates_with_its_message(cluster):
    address, _ = cluster
    cells = [Cell(i, i, fail=(i == 1)) for i in range(3)]
    with pytest.raises(ValueError, match="cell 1 broke on purpose"):
        list(map_cells(compute_cell, cells, scheduler=address))


def test_a_keyboard_interrupt_while_waiting_for_the_cluster_reaches_the_caller_at_once(cluster, tmp_path):
    address, _ = cluster
    cells = [Cell(i, i, sleep=1.0, started=str(tmp_path)) for i in range(4)]
    sent = []

    def interrupt() -> None:
        deadline = time.monotonic() + 30
        while not _started_pids(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.02)
        sent.append(time.monotonic())
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        for _ in map_cells(compute_cell, cells, scheduler=address):
            pass
    assert time.monotonic() - sent[0] < 1.0
    # the tasks that had not started were cancelled: at most one per worker ran, though the first ones end now
    time.sleep(1.5)
    assert len(_started_pids(tmp_path)) <= 2


def test_a_sweep_through_the_dask_cluster_equals_the_sweep_in_one_process(cluster, tmp_path):
    from relurelax.reports.sweep import SUMMARY, TRIALS, prepare_sweep_folder, run_sweep

    from .test_sweep import small_grid, without_times

    address, _ = cluster
    grid = small_grid()
    runs = {}
    for name, executor in (("here", CellExecutor(processes=1)), ("dask", CellExecutor(scheduler=address))):
        with executor:
            out = prepare_sweep_folder(str(tmp_path / name), grid, resume=False, force=False)
            runs[name] = run_sweep(grid, out, executor=executor, figures=False)
    assert without_times(runs["dask"].summary) == without_times(runs["here"].summary)
    assert "Dask cluster at" in runs["dask"].summary["timings"]["execution"]
    with np.load(tmp_path / "here" / TRIALS) as here, np.load(tmp_path / "dask" / TRIALS) as dask:
        assert sorted(here.files) == sorted(dask.files)
        for key in here.files:
            np.testing.assert_array_equal(dask[key], here[key])
    assert (tmp_path / "dask" / SUMMARY).exists()
