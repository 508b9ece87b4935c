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
    assert data["schema"] == "relurelax.solve/2"  # the marker that lets a later run replace the file
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


# --- the paper's step, and what a diverged solve says -----------------------------------------


def test_the_papers_step_diverges_on_unscaled_rows_and_says_how_to_pick_a_stable_step(capsys):
    code, _, err = run(["solve", "--planted", "--n", "50", "--d", "100", "--m", "3", "--method", "gd",
                        "--step", "0.08"], capsys)  # fmt: skip
    assert code == 1 and "diverged" in err
    assert "--step auto" in err and "--scale 0.1 (1/sqrt(d))" in err and "1/sqrt(d)" in err
    assert len(err.strip().splitlines()) == 1


def test_the_papers_step_on_rows_scaled_by_one_over_sqrt_d_does_not_diverge(tmp_path, capsys):
    path = tmp_path / "s.json"
    code, _, err = run(["solve", "--planted", "--n", "50", "--d", "100", "--m", "3", "--method", "gd",
                        "--step", "0.08", "--scale", "0.1", "--json", str(path)], capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(path.read_text())["stop_reason"] in ("converged", "max_iterations")


def test_a_diverged_data_file_solve_names_the_row_scaling_of_the_file(tmp_path, capsys):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 25))
    np.savez(tmp_path / "d.npz", A=A, y=np.maximum(A @ rng.standard_normal(25), 0))
    code, _, err = run(["solve", "--data", str(tmp_path / "d.npz"), "--method", "rgd", "--step", "1"], capsys)
    assert code == 1 and "rows of A divided by sqrt(d) = 5" in err and "--step auto" in err


# --- --x0, --test, --save ------------------------------------------------------------------------


def _data(tmp_path, n=30, d=6, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    x = rng.standard_normal(d)
    np.savez(tmp_path / "data.npz", A=A, y=np.maximum(A @ x, 0))
    A_test = rng.standard_normal((17, d))
    np.savez(tmp_path / "test.npz", A=A_test, y=np.maximum(A_test @ x, 0))
    return tmp_path / "data.npz", tmp_path / "test.npz"


@pytest.mark.parametrize("method", ["gd", "rgd"])
@pytest.mark.parametrize("form", ["npz-X0", "npz-X", "csv", "vector"])
def test_x0_is_where_gd_and_rgd_start(method, form, tmp_path, capsys):
    data, _ = _data(tmp_path)
    X0 = np.random.default_rng(5).standard_normal((6, 2))
    if form == "csv":
        x0 = tmp_path / "x0.csv"
        x0.write_text("neuron1,neuron2\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in X0))
    elif form == "vector":
        X0 = X0[:, :1]
        x0 = tmp_path / "x0.npz"
        np.savez(x0, X0=X0[:, 0])
    else:
        x0 = tmp_path / "x0.npz"
        np.savez(x0, **{form.split("-")[1]: X0})
    m = X0.shape[1]
    path = tmp_path / "o.json"
    code, _, err = run(["solve", "--data", str(data), "--method", method, "--m", str(m), "--x0", str(x0),
                        "--iters", "0", "--json", str(path)], capsys)  # fmt: skip
    assert code == 0, err
    out = json.loads(path.read_text())
    assert out["iterations"] == 0 and np.array_equal(np.asarray(out["X"]), X0)  # no step taken: X is the start


def test_a_solution_saved_by_save_restarts_where_it_stopped(tmp_path, capsys):
    data, _ = _data(tmp_path)
    first, again = tmp_path / "first.json", tmp_path / "again.json"
    code, _, err = run(["solve", "--data", str(data), "--method", "gd", "--iters", "7", "--save",
                        str(tmp_path / "s.npz"), "--json", str(first)], capsys)  # fmt: skip
    assert code == 0, err
    code, _, err = run(["solve", "--data", str(data), "--method", "rgd", "--x0", str(tmp_path / "s.npz"),
                        "--iters", "0", "--json", str(again)], capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(again.read_text())["X"] == json.loads(first.read_text())["X"]


def test_x0_of_another_shape_is_refused_naming_both_shapes(tmp_path, capsys):
    data, _ = _data(tmp_path)
    np.savez(tmp_path / "x0.npz", X0=np.ones((5, 2)))
    code, _, err = run(["solve", "--data", str(data), "--method", "rgd", "--m", "3", "--x0",
                        str(tmp_path / "x0.npz")], capsys)  # fmt: skip
    assert code == 2
    assert "x0.npz" in err and "(5, 2)" in err and "(d, m) = (6, 3)" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("method", ["newton", "cvxpy"])
def test_x0_is_refused_by_the_methods_that_do_not_start_from_a_point(method, tmp_path, capsys):
    data, _ = _data(tmp_path)
    np.savez(tmp_path / "x0.npz", X0=np.ones(6))
    code, _, err = run(["solve", "--data", str(data), "--method", method, "--x0", str(tmp_path / "x0.npz")], capsys)
    assert code == 2 and "--x0 is used by gd and rgd only" in err


def test_a_test_set_gives_the_relative_test_error_of_the_solution(tmp_path, capsys):
    data, test = _data(tmp_path)
    path = tmp_path / "o.json"
    code, out, err = run(["solve", "--data", str(data), "--test", str(test), "--method", "gd", "--iters", "50",
                          "--json", str(path)], capsys)  # fmt: skip
    assert code == 0, err
    result = json.loads(path.read_text())
    with np.load(test) as t:
        A_test, y_test = t["A"], t["y"]
    X = np.asarray(result["X"])
    expected = np.linalg.norm(np.maximum(A_test @ X, 0).sum(axis=1) - y_test) / np.linalg.norm(y_test)
    assert result["n_test"] == 17 and result["test_error"] == pytest.approx(expected, rel=1e-12)
    assert "test_error" in out and "n_test" in out


def test_a_test_set_with_other_columns_or_with_planted_data_is_refused(tmp_path, capsys):
    data, _ = _data(tmp_path)
    np.savez(tmp_path / "narrow.npz", A=np.ones((4, 5)), y=np.ones(4))
    code, _, err = run(["solve", "--data", str(data), "--test", str(tmp_path / "narrow.npz"), "--method", "gd"], capsys)
    assert code == 2 and "narrow.npz" in err and "(4, 5)" in err and "d = 6" in err
    code, _, err = run(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--test", str(data)], capsys)
    assert code == 2 and "--test applies to --data only" in err


def test_save_writes_the_solution_and_the_runs_metadata(tmp_path, capsys):
    path, saved = tmp_path / "o.json", tmp_path / "sol.npz"
    code, _, err = run(["solve", "--planted", "--n", "20", "--d", "8", "--method", "cvxpy", "--seed", "4",
                        "--json", str(path), "--save", str(saved)], capsys)  # fmt: skip
    assert code == 0, err
    result = json.loads(path.read_text())
    with np.load(saved, allow_pickle=False) as archive:
        assert archive.files == ["metadata", "X"]
        X = archive["X"]
        metadata = json.loads(archive["metadata"].item())
    assert X.dtype == np.float64 and X.tolist() == result["X"]  # every bit of the point
    assert metadata == {k: v for k, v in result.items() if k != "X"}
    assert metadata["schema"] == "relurelax.solve/2" and metadata["seed"] == 4
    assert metadata["method"] == "cvxpy" and metadata["stop_reason"] == "optimal"
    assert metadata["gradient_norm"] <= 1e-6 and metadata["iterations"] >= 1
    assert {"relurelax", "numpy", "cvxpy", "clarabel"} <= set(metadata["versions"])


def test_save_replaces_only_an_npz_relurelax_wrote(tmp_path, capsys):
    target = tmp_path / "sol.npz"
    argv = ["solve", "--planted", "--n", "10", "--d", "4", "--method", "rgd", "--save", str(target)]
    assert run(argv, capsys)[0] == 0
    first = target.read_bytes()
    assert run([*argv, "--seed", "1"], capsys)[0] == 0  # relurelax's own file: replaced
    assert target.read_bytes() != first
    for name, write in (("theirs.npz", lambda p: np.savez(p, X=np.ones((4, 1)))),
                        ("notes.npz", lambda p: p.write_text("my notes"))):  # fmt: skip
        path = tmp_path / name
        write(path)
        before = path.read_bytes()
        code, _, err = run([*argv[:-1], str(path)], capsys)
        assert code == 2 and "relurelax did not write it" in err
        assert path.read_bytes() == before


@pytest.mark.parametrize("save, fragment", [("sol.json", "must end in .npz"), ("o.npz", "the same file"),
                                            ("data.npz", "is the input --data")])  # fmt: skip
def test_save_refuses_a_name_that_is_not_an_npz_the_json_path_or_an_input(save, fragment, tmp_path, capsys):
    data, _ = _data(tmp_path)
    code, _, err = run(["solve", "--data", str(data), "--method", "gd", "--json", str(tmp_path / "o.npz"),
                        "--save", str(tmp_path / save)], capsys)  # fmt: skip
    assert code == 2 and fragment in err
    assert not (tmp_path / "o.npz").exists()
