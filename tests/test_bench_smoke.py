"""`relurelax bench` at tiny sizes: it runs, prints the ratios and writes the documented JSON (no timing is asserted)."""

from __future__ import annotations

import json
import math

import pytest

from relurelax.reports.bench_command import TARGETS
from relurelax.reports.formatting import number
from relurelax.reports.cli import main


def test_bench_smoke_writes_machine_ratios_and_cases(tmp_path, capsys):
    path = tmp_path / "bench.json"
    code = main(["bench", "--smoke", "--json", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(path.read_text())
    assert set(data) == {"schema", "machine", "profile", "ratios", "cases"}
    assert data["schema"] == "relurelax.bench/1"
    assert data["profile"] == "smoke"
    for key in ("exact_vs_fastest_cvxpy", "batched_vs_loop", "rgd_iteration_vs_two_matvecs",
                "newton_peak_memory_vs_A", "newton_loaded_vs_idle", "exact_min_vs_brute_force",
                "exact_min_per_cell_vs_newton", "batched_gflops", "dgemm_gflops"):  # fmt: skip
        assert math.isfinite(data["ratios"][key]) and data["ratios"][key] > 0, key
        assert key in out
    assert {key for key, _, _ in TARGETS} <= set(data["ratios"])
    kinds = [case["case"] for case in data["cases"]]
    assert kinds.count("exact_vs_fastest_cvxpy") == 2
    assert {"batched_vs_loop", "rgd_iteration_vs_two_matvecs", "newton_peak_memory", "newton_loaded_vs_idle",
            "exact_min_vs_brute_force", "exact_min_per_cell_vs_newton"} <= set(kinds)
    for case in data["cases"]:
        if case["case"] == "exact_vs_fastest_cvxpy":
            assert case["objective_target_met"] is True
            assert case["newton_stop_reason"] == "converged"
        if case["case"] == "exact_min_vs_brute_force":
            # the bench stops unless they agree; the JSON carries both, and the terminal prints both
            values = case["values"]
            assert abs(values["exact"] - values["brute_force"]) <= case["tolerance"]
            assert case["cells"] == 2 * case["n"]  # d = 2 in the smoke profile: Cover's count 2n
            assert f"exact_min_vs_brute_force: exact {number(values['exact'])}" in out
        if case["case"] == "exact_min_per_cell_vs_newton":
            assert case["cells"] == 2 * case["n"]
            assert case["seconds"]["exact_per_cell"] * case["cells"] == pytest.approx(case["seconds"]["exact"])
        if case["case"] == "newton_peak_memory":
            assert case["exit_code"] == 0
            assert case["peak_rss_bytes"] > case["A_bytes"]


def test_bench_rejects_an_unwritable_json_path_before_running(capsys):
    assert main(["bench", "--smoke", "--json", "/no/such/dir/b.json"]) == 2
    assert "does not exist" in capsys.readouterr().err
