"""Reliability of the numeric API, the data loaders and `relurelax solve`.

Bad input of every kind is refused with a named ValueError in the API and
exit 2 with one line on stderr in the CLI; failed solves exit 1; degenerate
but valid data solves; arbitrary bytes and argument lists never escape as a
traceback; a failing or missing backend is a clear error.
"""

from __future__ import annotations

import json
import pathlib
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relurelax.solvers as S
from relurelax.reports.cli import main
from relurelax.solvers.datafiles import load_point
from relurelax.solvers.errors import DataFileError, InvalidInputError, SolveError, SolverUnavailableError

from . import reliability

GOOD_A = np.array([[1.0, 0.5], [-0.3, 2.0], [0.7, -1.0]])
GOOD_Y = np.array([1.0, 0.0, 2.0])

BAD_DATA = {
    "shape-mismatch": (np.ones((3, 2)), np.ones(4)),
    "A-1d": (np.ones(3), np.ones(3)),
    "y-2d": (np.ones((3, 2)), np.ones((3, 1))),
    "nan": (np.array([[np.nan, 1.0], [1.0, 1.0]]), np.ones(2)),
    "inf": (np.ones((2, 2)), np.array([1.0, np.inf])),
    "empty": (np.empty((0, 2)), np.empty(0)),
    "empty-columns": (np.empty((2, 0)), np.ones(2)),
    "complex": (np.ones((2, 2)) * (1 + 1j), np.ones(2)),
    "boolean": (np.ones((2, 2), dtype=bool), np.ones(2)),
    "strings": (np.array([["a", "b"], ["c", "d"]]), np.ones(2)),
    "object": (np.array([[1, None], [2, 3]], dtype=object), np.ones(2)),
    "overflow": (np.full((2, 2), 1e200), np.ones(2)),
    "overflow-y": (np.ones((2, 2)), np.array([1e300, 1.0])),
}


def _api_calls(A, y):
    d = np.shape(A)[1] if np.ndim(A) == 2 else 2
    x = np.ones(d)
    return {
        "objective": lambda: S.objective(A, y, x),
        "relaxed_objective": lambda: S.relaxed_objective(A, y, x),
        "multi_neuron_objective": lambda: S.multi_neuron_objective(A, y, x),
        "regularized_objective_gradient": lambda: S.regularized_objective_gradient(A, y, x),
        "gradient_descent": lambda: S.gradient_descent(A, y, x, max_iter=5),
        "regularized_gradient_descent": lambda: S.regularized_gradient_descent(A, y, x, max_iter=5),
        "solve_relaxation": lambda: S.solve_relaxation(A, y),
        "solve_relaxation_newton": lambda: S.solve_relaxation_newton(A, y),
    }


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_every_api_entry_point_refuses_bad_data_by_name(case):
    A, y = BAD_DATA[case]
    for name, call in _api_calls(A, y).items():
        reliability.tried("api-bad-data")
        with pytest.raises(InvalidInputError) as info:
            call()
        message = str(info.value)
        assert ("A" in message or "y" in message), (name, message)


def test_parameters_that_overflow_the_objective_are_named():
    reliability.tried("api-overflow", 2)
    with pytest.raises(InvalidInputError, match="overflows"):
        S.relaxed_objective(GOOD_A, GOOD_Y, np.array([1e160, 1e160]))
    with pytest.raises(InvalidInputError, match="not finite"):
        S.regularized_gradient_descent(GOOD_A, GOOD_Y, np.array([1e300, 1e300]))


DEGENERATE = {
    "zero-rows": lambda rng: (np.vstack([np.zeros((3, 4)), rng.standard_normal((5, 4))]), None),
    "duplicate-rows": lambda rng: (np.repeat(rng.standard_normal((3, 4)), 2, axis=0), None),
    "rank-deficient": lambda rng: (rng.standard_normal((8, 2)) @ rng.standard_normal((2, 5)), None),
    "n=1": lambda rng: (rng.standard_normal((1, 4)), None),
    "d=1": lambda rng: (rng.standard_normal((6, 1)), None),
}


@pytest.mark.parametrize("case", sorted(DEGENERATE))
@pytest.mark.parametrize("m", [1, 3])
def test_degenerate_but_valid_data_solves_to_finite_results(case, m):
    rng = np.random.default_rng(0)
    A, _ = DEGENERATE[case](rng)
    X_star = rng.standard_normal((A.shape[1], m))
    y = np.maximum(A @ X_star, 0).sum(axis=1)  # planted, so labels >= 0 and f_r is bounded
    X0 = rng.standard_normal((A.shape[1], m))
    reliability.tried("api-degenerate", 3)
    for method in (S.gradient_descent, S.regularized_gradient_descent):
        res = method(A, y, X0, max_iter=2000)
        assert res.stop_reason in (S.StopReason.CONVERGED, S.StopReason.MAX_ITERATIONS)
        assert np.all(np.isfinite(res.X)) and np.isfinite(res.objective)
        assert res.objective >= 0
    if m == 1:
        cvx = S.solve_relaxation(A, y)
        assert cvx.status == "optimal"
        # planted data: the relaxation's optimum is f_r(x*) = 0 (Theorem 1)
        assert cvx.objective <= 1e-6 * max(1.0, float(y @ y))
        exact = S.solve_relaxation_newton(A, y)
        assert exact.objective <= 1e-9 * max(1.0, float(y @ y))


def test_m_larger_than_d_is_accepted():
    P = S.planted_problem(10, 2, 5, seed=0)
    reliability.tried("api-degenerate")
    res = S.regularized_gradient_descent(P.A, P.y, P.X0, max_iter=500)
    assert res.X.shape == (2, 5) and np.isfinite(res.objective)


def test_a_negative_label_is_unbounded_for_cvxpy_newton_and_rgd_alike():
    P = S.planted_problem(10, 30, 1, seed=2)
    y = P.y.copy()
    y[3] = -0.5
    reliability.tried("api-unbounded", 3)
    with pytest.raises(S.UnboundedRelaxationError):
        S.solve_relaxation(P.A, y)
    with pytest.raises(S.UnboundedRelaxationError):
        S.solve_relaxation_newton(P.A, y)
    res = S.regularized_gradient_descent(P.A, y, P.X0, max_iter=100_000)
    assert res.stop_reason is S.StopReason.UNBOUNDED


# --- the command line -----------------------------------------------------


def _cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_line(err: str):
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("case", sorted(set(BAD_DATA) - {"object", "strings", "complex"}))
def test_cli_refuses_bad_npz_data_with_exit_2(case, tmp_path, capsys):
    A, y = BAD_DATA[case]
    path = tmp_path / f"{case}.npz"
    np.savez(path, A=A, y=y)
    for method in ("gd", "rgd", "cvxpy", "newton"):
        reliability.tried("cli-bad-data")
        code, _, err = _cli(["solve", "--data", str(path), "--method", method], capsys)
        assert code == 2, (case, method, err)
        _assert_one_line(err)
        assert str(path) in err


@pytest.mark.parametrize("case", ["object", "complex", "strings"])
def test_cli_refuses_unsafe_or_non_real_npz_arrays(case, tmp_path, capsys):
    A, y = BAD_DATA[case]
    path = tmp_path / f"{case}.npz"
    np.savez(path, A=A, y=y)
    reliability.tried("cli-bad-data")
    code, _, err = _cli(["solve", "--data", str(path), "--method", "rgd"], capsys)
    assert code == 2
    _assert_one_line(err)


@pytest.mark.parametrize(
    "content",
    ["a,b,y\n1,2,\n", "a,b,y\n1,two,3\n", "1,2,3\n4,5,6\n", "", "a,y\n", "a,b,y\n1,2\n", "\x00\x01\x02"],
)
def test_cli_refuses_malformed_csv_with_exit_2(content, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    reliability.tried("cli-bad-csv")
    code, _, err = _cli(["solve", "--data", str(path), "--method", "gd"], capsys)
    assert code == 2
    _assert_one_line(err)


def test_cli_unwritable_json_path_fails_before_solving(tmp_path, capsys):
    reliability.tried("cli-bad-path", 2)
    code, _, err = _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--json", str(tmp_path)], capsys)
    assert code == 2 and "directory" in err
    code, _, err = _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd",
                         "--json", str(tmp_path / "missing" / "o.json")], capsys)
    assert code == 2 and "does not exist" in err


def test_an_existing_json_survives_a_failed_run(tmp_path, capsys):
    path = tmp_path / "keep.json"
    path.write_text('{"keep": true}\n')
    reliability.tried("cli-keep-output")
    code, _, _ = _cli(["solve", "--data", str(tmp_path / "absent.npz"), "--method", "gd", "--json", str(path)], capsys)
    assert code == 2
    assert json.loads(path.read_text()) == {"keep": True}


def test_a_missing_backend_lists_the_installed_ones(monkeypatch, capsys):
    import relurelax.solvers.relaxation as R

    monkeypatch.setattr(R, "installed_backends", lambda: ("SCS",))
    reliability.injected("backend-missing")
    with pytest.raises(SolverUnavailableError, match="installed backends: SCS"):
        S.solve_relaxation(GOOD_A, GOOD_Y, backend="CLARABEL")
    code, _, err = _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", "cvxpy"], capsys)
    assert code == 2 and "installed backends: SCS" in err
    _assert_one_line(err)


def test_a_failing_backend_is_a_failed_solve(monkeypatch, capsys):
    from relurelax.solvers import _worker

    def broken(*args, **kwargs):
        # what the worker returns when the backend raises cvxpy's SolverError
        return {"status": "solver_error", "message": "numerical trouble injected by the test", "seconds": 0.0}

    monkeypatch.setattr(_worker, "run", broken)
    reliability.injected("backend-failure")
    with pytest.raises(SolveError, match="injected"):
        S.solve_relaxation(GOOD_A, GOOD_Y)
    code, _, err = _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", "cvxpy"], capsys)
    assert code == 1 and "injected" in err
    _assert_one_line(err)


def test_an_unexpected_bug_is_one_line_without_debug_and_a_traceback_with_it(monkeypatch, capsys):
    import relurelax.reports.solve_command as sc

    def bug(args):
        raise ZeroDivisionError("injected bug")

    monkeypatch.setattr(sc, "run_solve", bug)
    reliability.injected("internal-bug", 2)
    code, _, err = _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd"], capsys)
    assert code == 1 and "internal error" in err
    _assert_one_line(err)
    code, _, err = _cli(["--debug", "solve", "--planted", "--n", "5", "--d", "3", "--method", "gd"], capsys)
    assert code == 1 and "Traceback" in err


@pytest.mark.parametrize("method", ["gd", "rgd", "cvxpy"])
def test_same_seed_writes_byte_identical_json_apart_from_seconds(method, tmp_path, capsys):
    texts = []
    for i in range(2):
        path = tmp_path / f"{i}.json"
        assert _cli(["solve", "--planted", "--n", "15", "--d", "8", "--m", "1", "--method", method,
                     "--seed", "11", "--json", str(path)], capsys)[0] == 0
        lines = [ln for ln in path.read_text().splitlines() if '"seconds"' not in ln]
        texts.append("\n".join(lines))
    reliability.tried("determinism", 2)
    assert texts[0] == texts[1]


# --- fuzzing ---------------------------------------------------------------

_fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_fuzz
@given(payload=st.binary(max_size=400), ext=st.sampled_from([".npz", ".csv"]))
def test_arbitrary_bytes_as_a_data_file_never_escape_as_a_crash(payload, ext):
    reliability.tried("fuzz-data-file")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / f"data{ext}"
        path.write_bytes(payload)
        try:
            A, y = S.load_data(path)
        except DataFileError as exc:
            assert str(path) in str(exc)
        else:
            assert A.ndim == 2 and y.shape == (A.shape[0],) and np.all(np.isfinite(A))


def _csv_like():
    cell = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(alphabet="0123456789.-eE+naif x", max_size=6),
        st.just(""),
    )
    row = st.lists(cell, min_size=0, max_size=4).map(",".join)
    return st.lists(row, min_size=0, max_size=6).map("\n".join)


@_fuzz
@given(text=_csv_like())
def test_arbitrary_csv_text_is_loaded_or_refused_by_name(text):
    reliability.tried("fuzz-csv-text")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "data.csv"
        path.write_text(text)
        try:
            A, y = S.load_data(path)
        except DataFileError:
            pass
        else:
            assert np.all(np.isfinite(A)) and np.all(np.isfinite(y))


_WORDS = ["solve", "--planted", "--data", "--n", "--d", "--m", "--method", "gd", "rgd", "cvxpy",
          "--solver", "SCS", "OSQP", "--step", "auto", "--iters", "--seed", "--json", "--noise", "--help",
          "--x0", "--test", "--save", "x.npz", "x.csv",
          "-1", "0", "3", "2.5", "nan", "inf", "1e400", "", "--", "-x", "ünïcode", "/nonexistent/x.npz"]


@_fuzz
@given(argv=st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), max_size=10))
def test_arbitrary_argument_lists_never_escape_as_a_traceback(argv, capsys, tmp_path_factory, monkeypatch):
    reliability.tried("fuzz-argv")
    monkeypatch.chdir(tmp_path_factory.mktemp("fuzz"))  # outputs such as --save x.npz land in a fresh folder
    # keep any run that does start small and quick
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 1


# --- --x0, --test and --save -----------------------------------------------------------------


def _data_file(tmp_path) -> pathlib.Path:
    path = tmp_path / "data.npz"
    np.savez(path, A=GOOD_A, y=GOOD_Y)
    return path


@pytest.mark.parametrize("case", ["nan", "inf", "complex", "object", "strings", "empty", "3-d", "no-X0"])
def test_a_bad_initial_point_file_is_refused_naming_the_file(case, tmp_path, capsys):
    arrays = {"nan": {"X0": np.array([np.nan, 1.0])}, "inf": {"X0": np.array([1.0, np.inf])},
              "complex": {"X0": np.ones(2) * 1j}, "object": {"X0": np.array([1, None], dtype=object)},
              "strings": {"X0": np.array(["a", "b"])}, "empty": {"X0": np.empty(0)},
              "3-d": {"X0": np.ones((2, 1, 1))}, "no-X0": {"x": np.ones(2)}}[case]  # fmt: skip
    x0 = tmp_path / "x0.npz"
    np.savez(x0, **arrays)
    reliability.tried("cli-bad-x0")
    code, _, err = _cli(["solve", "--data", str(_data_file(tmp_path)), "--method", "rgd", "--x0", str(x0)], capsys)
    assert code == 2, (case, err)
    _assert_one_line(err)
    assert str(x0) in err


@_fuzz
@given(payload=st.binary(max_size=400), ext=st.sampled_from([".npz", ".csv"]), m=st.integers(1, 3))
def test_arbitrary_bytes_as_an_initial_point_are_loaded_with_the_right_shape_or_refused_by_name(payload, ext, m):
    reliability.tried("fuzz-x0-file")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / f"x0{ext}"
        path.write_bytes(payload)
        try:
            X0 = load_point(path, 2, m)
        except DataFileError as exc:
            assert str(path) in str(exc)
        else:
            assert X0.shape == (2, m) and np.all(np.isfinite(X0))


def test_a_bad_test_set_is_refused_naming_the_file(tmp_path, capsys):
    data = _data_file(tmp_path)
    for name, content in (("t.csv", "a,b,y\n1,2\n"), ("t.npz", None)):
        path = tmp_path / name
        if content is None:
            np.savez(path, A=np.ones((2, 2)), y=np.array([1.0, np.nan]))
        else:
            path.write_text(content)
        reliability.tried("cli-bad-test-set")
        code, _, err = _cli(["solve", "--data", str(data), "--method", "gd", "--test", str(path)], capsys)
        assert code == 2 and str(path) in err
        _assert_one_line(err)


def test_an_interrupted_save_leaves_the_earlier_solution_and_no_temporary_file(tmp_path, capsys, monkeypatch):
    from relurelax.reports import _io

    target = tmp_path / "sol.npz"
    argv = ["solve", "--data", str(_data_file(tmp_path)), "--method", "rgd", "--save", str(target)]
    assert _cli(argv, capsys)[0] == 0
    before = target.read_bytes()

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(_io.os, "replace", interrupted)
    reliability.injected("interrupt-save")
    code, _, err = _cli([*argv, "--seed", "3"], capsys)
    assert code == 130
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.npz", "sol.npz"]


def test_a_save_temp_file_left_by_a_killed_run_is_removed_and_look_alikes_are_kept(tmp_path, capsys):
    import subprocess
    import sys

    from relurelax.reports._io import write_npz

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "sol.npz"
    write_npz(str(tmp_path / "ours.npz"), {"X": np.ones((2, 1))}, {"method": "rgd"}, "solve")
    ours = (tmp_path / "ours.npz").read_bytes()
    left = {f".sol.npz.relurelax-{dead.pid}-0123abcd.tmp": ours[: len(ours) // 2],  # cut short by the kill
            f".sol.npz.relurelax-{dead.pid}-feedbeef.tmp": b""}  # fmt: skip
    look_alikes = {f".sol.npz.relurelax-{dead.pid}-aaaabbbb.tmp": b"PK\x03\x04 not relurelax's",
                   ".sol.npz.0123abcd.tmp": ours}  # fmt: skip
    for name, data in {**left, **look_alikes}.items():
        (tmp_path / name).write_bytes(data)
    reliability.tried("cli-leftover-tmp", len(left) + len(look_alikes))
    code, _, err = _cli(["solve", "--data", str(_data_file(tmp_path)), "--method", "gd", "--save", str(target)],
                        capsys)  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == sorted(look_alikes)
    with np.load(target, allow_pickle=False) as archive:
        assert archive["X"].shape == (2, 1)
