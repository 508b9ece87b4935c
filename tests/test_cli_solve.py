"""End-to-end `relurelax solve`: outputs, JSON schema, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from relurelax.reports.cli import main
from relurelax.reports.solve_command import SOLVE_KEYS


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("method", ["gd", "rgd", "cvxpy"])
def test_solve_writes_the_documented_json(tmp_path, capsys, method):
    path = tmp_path / "out.json"
    code, out, err = run(["solve", "--planted", "--n", "30", "--d", "40", "--method", method,
                          "--seed", "3", "--json", str(path)], capsys)
    assert code == 0, err
    data = json.loads(path.read_text())
    assert tuple(data) == SOLVE_KEYS and SOLVE_KEYS[0] == "schema"
    assert data["schema"] == "relurelax.solve/1"  # the marker that lets a later run replace the file
    assert (data["n"], data["d"], data["m"]) == (30, 40, 1)
    assert data["method"] == method
    assert data["relative_recovery_error"] is not None and data["test_error"] is not None
    if method == "rgd":
        assert data["train_error"] <= 1e-8
        assert data["stop_reason"] == "converged"
    if method == "cvxpy":
        assert data["solver"] == "CLARABEL" and data["stop_reason"] == "optimal"
    assert "train_error" in out


def test_solve_multi_neuron_has_no_recovery_error(tmp_path, capsys):
    path = tmp_path / "o.json"
    code, _, err = run(["solve", "--planted", "--n", "20", "--d", "40", "--m", "3", "--method", "rgd",
                        "--json", str(path)], capsys)
    assert code == 0, err
    data = json.loads(path.read_text())
    assert data["m"] == 3 and data["relative_recovery_error"] is None
    assert data["train_error"] <= 1e-8


def test_solve_reads_csv_and_npz(tmp_path, capsys):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 5))
    y = np.maximum(A @ rng.standard_normal(5), 0)
    np.savez(tmp_path / "d.npz", A=A, y=y)
    lines = ["a1,a2,a3,a4,a5,y"] + [",".join(repr(float(c)) for c in list(a) + [v]) for a, v in zip(A, y)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    results = []
    for name in ("d.npz", "d.csv"):
        path = tmp_path / f"{name}.json"
        code, _, err = run(["solve", "--data", str(tmp_path / name), "--method", "cvxpy", "--json", str(path)], capsys)
        assert code == 0, err
        data = json.loads(path.read_text())
        assert data["test_error"] is None and data["relative_recovery_error"] is None
        results.append(data["relaxed_objective"])
    assert results[0] == pytest.approx(results[1], abs=1e-9)


def test_same_seed_gives_the_same_json_apart_from_seconds(tmp_path, capsys):
    outs = []
    for i in range(2):
        path = tmp_path / f"{i}.json"
        assert run(["solve", "--planted", "--n", "20", "--d", "10", "--method", "gd", "--json", str(path)], capsys)[0] == 0
        data = json.loads(path.read_text())
        data.pop("seconds")
        outs.append(data)
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    "argv, code, fragment",
    [
        (["solve", "--planted", "--n", "5", "--d", "3", "--method", "newtonish"], 2, "invalid choice"),
        (["solve", "--planted", "--n", "5", "--method", "gd"], 2, "--d"),
        (["solve", "--planted", "--n", "0", "--d", "3", "--method", "gd"], 2, "positive integer"),
        (["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--step", "0"], 2, "positive"),
        (["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--step", "nan"], 2, "positive"),
        (["solve", "--planted", "--n", "5", "--d", "3", "--m", "0", "--method", "gd"], 2, "positive integer"),
        (["solve", "--planted", "--n", "5", "--d", "3", "--method", "cvxpy", "--solver", "gurobix"], 2, "invalid choice"),
        (["solve", "--planted", "--n", "5", "--d", "3", "--m", "2", "--method", "cvxpy"], 2, "one-neuron"),
        (["solve", "--data", "/no/such/file.npz", "--method", "gd"], 2, "no such file"),
        (["solve", "--method", "gd"], 2, "one of the arguments"),
        (["solve", "--planted", "--n", "20", "--d", "10", "--method", "gd", "--step", "10"], 1, "diverged"),
        (["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--json", "/no/such/dir/o.json"], 2, "does not exist"),
    ],
)
def test_bad_usage_exits_2_and_failed_solves_exit_1_with_one_line(argv, code, fragment, capsys):
    got, out, err = run(argv, capsys)
    assert got == code
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_unbounded_relaxation_exits_1(tmp_path, capsys):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 10))
    y = np.abs(rng.standard_normal(5))
    y[2] = -1.0
    np.savez(tmp_path / "neg.npz", A=A, y=y)
    for method in ("cvxpy", "newton", "rgd"):
        budget = ["--iters", "100000"] if method == "rgd" else []  # cvxpy has no iteration budget (exit 2)
        got, _, err = run(["solve", "--data", str(tmp_path / "neg.npz"), "--method", method, *budget], capsys)
        assert got == 1
        assert "unbounded" in err


def test_console_script_runs_as_a_subprocess(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "relurelax.reports.cli", "solve", "--planted", "--n", "10", "--d", "20", "--method", "rgd"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "converged" in proc.stdout
    help_ = subprocess.run([sys.executable, "-m", "relurelax.reports.cli", "solve", "--help"],
                           capture_output=True, text=True, timeout=120)
    assert help_.returncode == 0 and "--method" in help_.stdout
