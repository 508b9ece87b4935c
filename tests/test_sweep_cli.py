"""``relurelax sweep`` on the command line: what it writes, prints and refuses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

SMALL = ["--n", "3", "6", "--d", "3", "--m", "1", "--trials", "2", "--methods", "gd,rgd,newton", "--iters", "200"]


def sweep(*args, cwd):
    return subprocess.run([sys.executable, "-m", "relurelax.reports.cli", "sweep", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """``relurelax sweep SMALL --out s`` run once: (the folder it ran in, its completed process)."""
    folder = tmp_path_factory.mktemp("small")
    return folder, sweep(*SMALL, "--out", "s", cwd=folder)


def test_a_small_sweep_prints_a_table_of_80_columns_and_resumes_without_recomputing(tmp_path, small_sweep):
    source, first = small_sweep
    assert first.returncode == 0, first.stderr
    shutil.copytree(source / "s", tmp_path / "s")  # the resume below writes into its own copy
    lines = first.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    assert "6 cells (6 computed, 0 reused)" in " ".join(first.stdout.split())
    again = sweep(*SMALL, "--out", "s", "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "6 cells (0 computed, 6 reused)" in " ".join(again.stdout.split())
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary["schema"] == "relurelax.sweep/1" and len(summary["cells"]) == 6


@pytest.mark.parametrize(
    "args, words",
    [
        (["--d", "0"], "argument --d: expected a positive integer"),
        (["--m", "0"], "argument --m: expected a positive integer"),
        (["--trials", "0"], "argument --trials: expected a positive integer"),
        (["--n", "5", "--ratio", "1"], "not allowed with argument --n"),
        (["--methods", ""], "argument --methods"),
        (["--lam", "2"], "expected a number in [0, 1]"),
        (["--n", *map(str, range(1, 3001))], "the grid has 15000 cells"),
        (["--n", "10000000", "--d", "100000", "--methods", "gd"], "GiB of memory"),
        (["--methods", "exact", "--n", "40", "--d", "10", "--m", "1"], "method exact at n = 40, d = 10"),
        (["--scheduler", "tcp://127.0.0.1:1"], "the Dask scheduler at tcp://127.0.0.1:1 did not answer within 5 s"),
        (["--scheduler", "not an address"], "tcp://HOST:PORT"),
        (["--scheduler", "tcp://127.0.0.1:1", "--processes", "2"], "not both"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, words):
    proc = sweep(*args, "--out", "s", cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr
    assert not (tmp_path / "s").exists()


# --- interruptions: SIGINT ends cleanly, SIGKILL loses at most the cells in flight, --resume finishes -------------

#: twenty cells of about a quarter of a second each: long enough to interrupt after the first cell file
INTERRUPTED = ["--profile", "quick", "--seed", "3"]


def _cells_without_wall_times(summary: dict) -> list[dict]:
    return [{k: v for k, v in cell.items() if k != "seconds"} for cell in summary["cells"]]


@pytest.fixture(scope="module")
def uninterrupted_summary(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uninterrupted")
    proc = sweep(*INTERRUPTED, "--out", "s", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return json.loads((folder / "s" / "summary.json").read_text())


def _start_and_signal_after_the_first_cell(tmp_path, signum):
    """Start the sweep, wait for its first cell file, send ``signum``; returns (exit code, stderr, seconds to exit)."""
    import time

    proc = subprocess.Popen([sys.executable, "-m", "relurelax.reports.cli", "sweep", *INTERRUPTED, "--out", "s"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    cells = tmp_path / "s" / "cells"
    deadline = time.monotonic() + 120
    try:
        while not (cells.is_dir() and any(p.suffix == ".npz" for p in cells.iterdir())):
            assert proc.poll() is None, f"the sweep ended before its first cell: {proc.communicate()}"
            assert time.monotonic() < deadline, "no cell file within 120 s"
            time.sleep(0.01)
        sent = time.monotonic()
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
        return proc.returncode, stderr, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _finished_cells_load_and_no_temporary_file_is_left(folder) -> int:
    from relurelax.reports.sweep import load_cell_records

    files = sorted((folder / "cells").glob("*.npz"))
    for path in files:
        records = load_cell_records(str(path))
        assert path.stem == records.cell.key and records.train_error.shape == (records.cell.trials,)
    return len(files)


def _no_temporary_files(root) -> None:
    left = [str(p) for p in root.rglob("*") if p.name.endswith(".tmp")]
    assert left == []


def test_sigint_ends_the_sweep_within_two_seconds_keeping_finished_cells_and_resume_gives_the_same_summary(
    tmp_path, uninterrupted_summary
):
    import signal

    code, stderr, seconds = _start_and_signal_after_the_first_cell(tmp_path, signal.SIGINT)
    assert code == 130, stderr
    assert seconds < 2.0
    assert len(stderr.strip().splitlines()) == 1, stderr
    folder = tmp_path / "s"
    kept = _finished_cells_load_and_no_temporary_file_is_left(folder)
    total = len(uninterrupted_summary["cells"])
    assert f"interrupted after {kept} of {total} cells" in stderr and "--resume" in stderr
    _no_temporary_files(tmp_path)  # beside the folder too
    assert 1 <= kept < len(uninterrupted_summary["cells"])
    resumed = sweep(*INTERRUPTED, "--out", "s", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(uninterrupted_summary['cells']) - kept} computed, {kept} reused)" in " ".join(resumed.stdout.split())
    summary = json.loads((folder / "summary.json").read_text())
    assert _cells_without_wall_times(summary) == _cells_without_wall_times(uninterrupted_summary)
    assert summary["settings"] == uninterrupted_summary["settings"]


def test_sigkill_loses_at_most_the_cells_in_flight_and_resume_gives_the_same_summary(tmp_path, uninterrupted_summary):
    import signal

    code, _, _ = _start_and_signal_after_the_first_cell(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    folder = tmp_path / "s"
    kept = _finished_cells_load_and_no_temporary_file_is_left(folder)  # every cell file on disk is whole
    assert kept >= 1
    resumed = sweep(*INTERRUPTED, "--out", "s", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(uninterrupted_summary['cells']) - kept} computed, {kept} reused)" in " ".join(resumed.stdout.split())
    # the resumed run removed the cell files the killed one left half-written (a temporary sibling of summary.json
    # or trials.npz may remain: see the test below)
    _no_temporary_files(folder / "cells")
    summary = json.loads((folder / "summary.json").read_text())
    assert _cells_without_wall_times(summary) == _cells_without_wall_times(uninterrupted_summary)


def test_resume_removes_the_temporary_files_a_killed_sweep_left_beside_its_summary(tmp_path, small_sweep):
    source, first = small_sweep
    assert first.returncode == 0, first.stderr
    shutil.copytree(source / "s", tmp_path / "s")  # the finished sweep, copied: its files are this test's to change
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended: what a killed sweep leaves names it
    for name in ("summary.json", "trials.npz", "figures/recovery_m1.png"):
        (tmp_path / "s" / name).parent.joinpath(f".{name.split('/')[-1]}.relurelax-{pid}-0123abcd.tmp").write_bytes(b"")
    again = sweep(*SMALL, "--out", "s", "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    _no_temporary_files(tmp_path)
