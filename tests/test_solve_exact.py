"""`relurelax solve --method exact`: the global min f (m = 1) and P_+ with a network (m > 1), end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relurelax.reports.cli import main
from relurelax.reports.solve_command import SOLVE_KEYS
from relurelax.solvers import GD, RGD, descend, multi_neuron_objective, objective
from relurelax.solvers.arrangement import cover_bound


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _noisy_data(tmp_path, n=10, d=3, seed=1, negative=False):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    y = np.maximum(A @ rng.standard_normal(d), 0.0) + 0.3 * np.abs(rng.standard_normal(n))
    if negative:
        y = y - 0.5
    path = tmp_path / "data.npz"
    np.savez(path, A=A, y=y)
    return path, A, y


def _solve(tmp_path, capsys, *args):
    out = tmp_path / "out.json"
    code, text, err = run(["solve", *args, "--method", "exact", "--json", str(out)], capsys)
    assert code == 0, err
    return json.loads(out.read_text()), text


def test_exact_m1_returns_a_certified_global_minimiser_no_local_search_beats(tmp_path, capsys):
    path, A, y = _noisy_data(tmp_path)
    data, text = _solve(tmp_path, capsys, "--data", str(path))
    assert tuple(data) == SOLVE_KEYS and data["schema"] == "relurelax.solve/2"
    X = np.array(data["X"])
    assert X.shape == (3, 1)
    assert data["objective"] == pytest.approx(objective(A, y, X[:, 0]), rel=1e-12, abs=0.0)
    assert data["lower_bound"] == data["objective"] and data["lower_bound_name"] == "min f"
    assert data["certified"] is True and data["stop_reason"] == "optimal"
    assert data["cells"] == cover_bound(10, 3)  # Gaussian rows are in general position
    # no local method, from any of 20 starts, finds a lower f
    rng = np.random.default_rng(7)
    for _ in range(20):
        for direction in (GD, RGD):
            run_ = descend(A, y, rng.standard_normal(3), direction, max_iter=3000, history_every=3000)
            assert objective(A, y, np.asarray(run_.X)[:, 0]) >= data["objective"] - 1e-9 * float(y @ y)
    assert "lower_bound" in text and "certified" in text


def test_exact_with_m_at_least_n_is_always_certified(tmp_path, capsys):
    path, A, y = _noisy_data(tmp_path, n=5, d=2, seed=3)
    data, _ = _solve(tmp_path, capsys, "--data", str(path), "--m", "5")
    X = np.array(data["X"])
    assert X.shape == (2, 5)
    assert data["lower_bound_name"] == "P_+" and data["certified"] is True
    assert data["objective"] == pytest.approx(multi_neuron_objective(A, y, X), rel=1e-12, abs=0.0)
    assert data["objective"] - data["lower_bound"] <= data["gap_tolerance"]


def test_exact_m_gt_1_bound_lies_below_every_rgd_network(tmp_path, capsys):
    path, A, y = _noisy_data(tmp_path, n=9, d=3, seed=4)
    data, _ = _solve(tmp_path, capsys, "--data", str(path), "--m", "2", "--starts", "3")
    rng = np.random.default_rng(11)
    for _ in range(8):
        res = descend(A, y, rng.standard_normal((3, 2)), RGD, max_iter=3000, history_every=3000)
        assert multi_neuron_objective(A, y, np.asarray(res.X)) >= data["lower_bound"] - 1e-9 * float(y @ y)
    assert data["objective"] >= data["lower_bound"] - data["gap_tolerance"]
    assert data["stop_reason"] == ("optimal" if data["certified"] else "uncertified")


def test_exact_handles_negative_labels(tmp_path, capsys):
    path, A, y = _noisy_data(tmp_path, n=8, d=2, seed=5, negative=True)
    assert np.any(y < 0)
    data, _ = _solve(tmp_path, capsys, "--data", str(path))
    assert data["certified"] is True
    # f >= 1/2 sum over negative labels of y_i^2: the exact minimum respects that floor
    assert data["objective"] >= 0.5 * float(np.sum(y[y < 0] ** 2)) - 1e-12


def test_exact_planted_minimum_is_zero(tmp_path, capsys):
    data, _ = _solve(tmp_path, capsys, "--planted", "--n", "12", "--d", "3", "--seed", "2")
    assert data["objective"] <= 1e-12 * (1.0 + data["n"])
    assert data["relative_recovery_error"] is not None


def test_exact_refuses_too_many_cells_with_the_count(tmp_path, capsys):
    code, _, err = run(["solve", "--planted", "--n", "60", "--d", "8", "--method", "exact"], capsys)
    assert code == 2
    assert str(cover_bound(60, 8)) in err and "--max-cells" in err


@pytest.mark.parametrize("flag", [["--max-cells", "10"], ["--starts", "2"]])
def test_exact_only_flags_are_refused_by_other_methods(capsys, flag):
    code, _, err = run(["solve", "--planted", "--n", "5", "--d", "3", "--method", "rgd", *flag], capsys)
    assert code == 2 and flag[0] in err
