"""``relurelax sweep`` on the command line: what it writes, prints and refuses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SMALL = ["--n", "3", "6", "--d", "3", "--m", "1", "--trials", "2", "--methods", "gd,rgd,newton", "--iters", "200"]


def sweep(*args, cwd):
    return subprocess.run([sys.executable, "-m", "relurelax.reports.cli", "sweep", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_a_small_sweep_prints_a_table_of_80_columns_and_resumes_without_recomputing(tmp_path):
    first = sweep(*SMALL, "--out", "s", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
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
