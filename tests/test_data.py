"""Planted data and data files."""

from __future__ import annotations

import os
import re
import pickle

import numpy as np
import pytest

from relurelax.solvers import load_data, planted_problem
from relurelax.solvers.errors import DataFileError, InvalidInputError


def test_planted_labels_follow_model_8_and_the_seed_fixes_everything():
    P = planted_problem(30, 10, 3, seed=5)
    Q = planted_problem(30, 10, 3, seed=5)
    for field in ("A", "y", "X_star", "X0", "A_test", "y_test"):
        assert np.array_equal(getattr(P, field), getattr(Q, field))
    expected = sum(np.maximum(P.A @ P.X_star[:, j], 0) for j in range(3))
    # same sums, other summation order: equal to float64 rounding
    np.testing.assert_allclose(P.y, expected, rtol=1e-13, atol=1e-13)
    assert P.A_test.shape == (100, 10) and P.y_test.shape == (100,)
    assert (P.n, P.d, P.m) == (30, 10, 3)
    assert not np.array_equal(planted_problem(30, 10, 3, seed=6).A, P.A)


def test_planted_noise_and_scale():
    P = planted_problem(200, 5, 1, seed=1, noise=0.5, scale=0.1)
    clean = np.maximum(P.A @ P.X_star[:, 0], 0)
    resid = P.y - clean
    assert 0.3 < resid.std() < 0.7
    assert np.std(P.A) == pytest.approx(0.1, rel=0.1)


def test_planted_arrays_are_read_only():
    P = planted_problem(4, 3, seed=0)
    with pytest.raises(ValueError):
        P.A[0, 0] = 1.0


@pytest.mark.parametrize(
    "kwargs, fragment",
    [({"n": 0, "d": 3}, "n"), ({"n": 3, "d": 0}, "d"), ({"n": 3, "d": 3, "m": 0}, "m"),
     ({"n": 3, "d": 3, "noise": -1.0}, "noise"), ({"n": 3, "d": 3, "scale": 0.0}, "scale"),
     ({"n": 2.5, "d": 3}, "n"), ({"n": 3, "d": 3, "seed": -1}, "seed")],
)
def test_planted_rejects_bad_sizes(kwargs, fragment):
    with pytest.raises(InvalidInputError, match=fragment):
        planted_problem(**kwargs)


def test_npz_and_csv_round_trip(tmp_path):
    A = np.arange(6.0).reshape(3, 2)
    y = np.array([1.0, 2.0, 3.5])
    np.savez(tmp_path / "d.npz", A=A, y=y)
    A2, y2 = load_data(tmp_path / "d.npz")
    assert np.array_equal(A2, A) and np.array_equal(y2, y)
    (tmp_path / "d.csv").write_text("a1,a2,y\n0,1,1\n2,3,2\n4,5,3.5\n")
    A3, y3 = load_data(tmp_path / "d.csv")
    assert np.array_equal(A3, A) and np.array_equal(y3, y)


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_PICKLE",))


def test_object_arrays_are_refused_and_never_unpickled(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    obj = np.empty(1, dtype=object)
    obj[0] = _Payload()
    with open("evil.npz", "wb") as fh:
        np.savez(fh, A=obj, y=np.ones(1))
    with pytest.raises(DataFileError, match="objects"):
        load_data("evil.npz")
    assert not (tmp_path / "PWNED_BY_PICKLE").exists()
    # a plain pickle renamed to .npz is not read either
    with open("pickled.npz", "wb") as fh:
        pickle.dump(_Payload(), fh)
    with pytest.raises(DataFileError):
        load_data("pickled.npz")
    assert not (tmp_path / "PWNED_BY_PICKLE").exists()


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("nohead.csv", "1,2,3\n4,5,6\n", "header"),
        ("missing.csv", "a,y\n1,\n2,3\n", "missing"),
        ("text.csv", "a,y\n1,x\n", "not a number"),
        ("ragged.csv", "a,b,y\n1,2\n", "columns"),
        ("empty.csv", "", "empty"),
        ("headonly.csv", "a,y\n", "no data rows"),
        ("inf.csv", "a,y\n1,inf\n", "not finite"),
        ("data.txt", "a,y\n1,2\n", "unknown data file type"),
    ],
)
def test_malformed_csv_files_are_rejected_with_the_reason(tmp_path, name, content, fragment):
    (tmp_path / name).write_text(content)
    with pytest.raises(DataFileError, match=fragment):
        load_data(tmp_path / name)


def test_broken_npz_files_are_rejected_with_the_reason(tmp_path):
    np.savez(tmp_path / "nokey.npz", A=np.ones((2, 2)))
    with pytest.raises(DataFileError, match="missing array"):
        load_data(tmp_path / "nokey.npz")
    np.savez(tmp_path / "ok.npz", A=np.ones((20, 20)), y=np.ones(20))
    raw = (tmp_path / "ok.npz").read_bytes()
    (tmp_path / "trunc.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataFileError):
        load_data(tmp_path / "trunc.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(DataFileError):
        load_data(tmp_path / "empty.npz")
    np.savez(tmp_path / "shape.npz", A=np.ones((3, 2)), y=np.ones(4))
    with pytest.raises(DataFileError, match="3 rows"):
        load_data(tmp_path / "shape.npz")
    with pytest.raises(DataFileError, match="no such file"):
        load_data(tmp_path / "absent.npz")


# --- CSV dialects (issue 9, section 7): separators other than a comma, old Mac line endings

_A = np.arange(6.0).reshape(3, 2)
_Y = np.array([1.0, 2.0, 3.5])


def _csv(sep: str, newline: str) -> bytes:
    lines = [sep.join(["a1", "a2", "y"])] + [sep.join(f"{v:g}" for v in (*row, label)) for row, label in zip(_A, _Y)]
    return (newline.join(lines) + newline).encode()


@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["unix", "windows", "old-mac"])
def test_a_csv_with_comma_semicolon_or_tab_separators_and_any_line_ending_is_read(tmp_path, sep, newline):
    from . import reliability

    reliability.tried("cli-csv-dialect")
    path = tmp_path / "d.csv"
    path.write_bytes(_csv(sep, newline))
    A, y = load_data(path)
    assert np.array_equal(A, _A) and np.array_equal(y, _Y)


@pytest.mark.parametrize("sep, name", [("|", "'|'"), (" ", "space"), (":", "':'")])
def test_a_csv_with_another_separator_is_refused_with_a_message_naming_it(tmp_path, sep, name):
    from . import reliability

    reliability.tried("cli-csv-dialect")
    path = tmp_path / "d.csv"
    path.write_bytes(_csv(sep, "\n"))
    with pytest.raises(DataFileError, match=f"separated by {re.escape(name)}") as info:
        load_data(path)
    assert str(path) in str(info.value) and "commas, semicolons or tabs" in str(info.value)


def test_the_cli_reads_a_semicolon_csv_and_refuses_a_pipe_csv_with_exit_2(tmp_path, capsys):
    from relurelax.reports.cli import main

    from . import reliability

    reliability.tried("cli-csv-dialect", 2)
    good, bad = tmp_path / "semi.csv", tmp_path / "pipe.csv"
    good.write_bytes(_csv(";", "\r"))
    bad.write_bytes(_csv("|", "\n"))
    assert main(["solve", "--data", str(good), "--method", "gd", "--iters", "10"]) == 0
    capsys.readouterr()
    assert main(["solve", "--data", str(bad), "--method", "gd", "--iters", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'|'" in err and "Traceback" not in err
