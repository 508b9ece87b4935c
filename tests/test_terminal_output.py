"""The terminal tables of crosscheck, solve and bench: 80 columns, no number cut, integers in full."""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pytest
from rich.console import Console

from relurelax.reports import bench_command, crosscheck_command, solve_command
from relurelax.reports.cli import main
from relurelax.reports.formatting import count, number
from relurelax.reports.terminal import ELLIPSIS, print_table

#: a number as relurelax writes one: an integer, a decimal or a mantissa with an exponent
NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]\d+)?")


def rendered(draw, width: int = 80) -> str:
    """What ``draw(console)`` prints on a plain console of ``width`` columns."""
    buffer = io.StringIO()
    draw(Console(file=buffer, width=width, color_system=None, force_terminal=False))
    return buffer.getvalue()


def assert_readable(text: str, width: int, numbers) -> None:
    """No line wider than ``width``, nothing cut, and every number of ``numbers`` shown whole as a word."""
    assert ELLIPSIS not in text
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, long
    words = set(re.split(r"[\s;,\[\]()]+", text))
    missing = [n for n in numbers if n not in words]
    assert not missing, (missing, text)
    for n in numbers:  # each parses back: rounded, not cut
        assert NUMBER.fullmatch(n) or n in ("-", "nan"), n


# --- formatting.number ----------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [(4640, "4640"), (np.int64(100000), "100000"), (0, "0"), (-7, "-7"),
                                         (10**20, "100000000000000000000")])  # fmt: skip
def test_an_integer_is_written_in_full_never_with_an_exponent(value, text):
    assert number(value) == text


@pytest.mark.parametrize("value", [3.03e-17, 3.03e5, -1.2345e-100, 0.1, 123456.789, 1e308, 5e-324])
def test_a_float_is_rounded_and_parses_back_to_the_rounded_value(value):
    text = number(value)
    assert float(text) == pytest.approx(value, rel=5e-3)
    assert float(text) == float(format(value, ".3g"))


def test_a_count_that_arrives_as_a_float_is_an_integer_or_a_half():
    assert count(2200.0) == "2200" and count(4640.0) == "4640"
    assert count(702.5) == "702.5" and count(None) == "-"


# --- the table printer ------------------------------------------------------------------------

EXTREME = ["-1.23e-100", "-4.56e+100", "1.23e-100", "100000", "max_iterations"]


def test_a_table_too_wide_for_the_console_prints_each_row_as_pairs_and_cuts_nothing():
    headers = ("solution", "value", "f", "train err", "iters", "stop", "agrees")
    rows = [("cvxpy:CLARABEL", *EXTREME[:3], *EXTREME[3:], "yes")] * 3
    for width in (80, 60, 40):
        text = rendered(lambda c: print_table(c, headers, rows, left=("solution", "stop")), width)
        assert_readable(text, width, EXTREME[:4])
    # at 40 columns the table cannot fit: every row becomes pairs of header and value
    assert "value: -1.23e-100" in rendered(lambda c: print_table(c, headers, rows), 40)


def test_a_wide_table_is_printed_at_its_natural_width_whole():
    headers = tuple(f"column {k}" for k in range(12))
    rows = [tuple(EXTREME[k % 3] for k in range(12))]
    text = rendered(lambda c: print_table(c, headers, rows, wide=True), 80)
    assert ELLIPSIS not in text and max(len(line) for line in text.splitlines()) > 80
    assert text.split().count("-1.23e-100") == 4


# --- crosscheck -------------------------------------------------------------------------------


def _solution(method, solver, value, iterations, stop, recovery=None, gap=None):
    return {"method": method, "solver": solver, "objective": value, "relaxed_objective": value, "value": value,
            "train_error": value, "relative_recovery_error": recovery, "iterations": iterations, "gap": gap,
            "stop_reason": stop, "gradient_norm": None, "message": "", "seconds": 0.0,
            "kkt": None if solver is None else {"worst": -4.56e100, "primal_feasibility": 0.0,
                                                "dual_feasibility": 0.0, "complementarity": 0.0,
                                                "stationarity": 0.0}}  # fmt: skip


def _extreme_crosscheck() -> dict:
    """A cross-check whose cells are as wide as they get: three-digit exponents, the longest labels and stops."""
    sols = [_solution("gd", None, -1.23e-100, 100000, "max_iterations", 4.56e100, -7.89e-100),
            _solution("rgd", None, 1.23e-100, 99999, "converged", 1.0, 7.89e100),
            _solution("newton", None, 0.0, 4640, "stalled", 2.5, 0.0),
            _solution("cvxpy", "CLARABEL", -4.56e100, None, "inaccurate", 3.0, -7.89e100)]  # fmt: skip
    labels = ["gd", "rgd", "newton", "cvxpy:CLARABEL"]
    comparisons = [{"a": a, "b": "rgd", "kind": "equal", "difference": 0.0, "tolerance": 1e-6, "agree": a != "gd"}
                   for a in labels if a != "rgd"]  # fmt: skip
    inst = {"n": 200000, "d": 100000, "m": 1, "seed": 2**64 - 1, "y_norm_squared": 1.0, "solutions": sols,
            "comparisons": comparisons, "optimum": 0.0, "optimum_is_planted_zero": False, "agree": False,
            "bound": -1.23e-300, "bound_name": "min f", "bound_skipped": ""}
    unbounded = {**inst, "m": 3, "agree": True, "optimum_is_planted_zero": True, "bound": None, "bound_name": None,
                 "bound_skipped": "up to 10 cells, over the limit 9"}  # fmt: skip
    return {"instances": [inst, unbounded]}


def _crosscheck_numbers(data: dict) -> list[str]:
    """The numbers the table must show: value and f over ||y||^2, the gap to a bound, the training error, the
    iterations."""
    out = []
    for inst in data["instances"]:
        for s in inst["solutions"]:
            out += [number(s[key] / inst["y_norm_squared"]) for key in ("value", "objective")]
            out += [number(s["gap"])] if inst["bound"] is not None else []
            out += [number(s["train_error"])] + ([number(s["iterations"])] if s["iterations"] is not None else [])
    return out


def test_the_crosscheck_table_fits_80_columns_with_every_number_whole_even_at_its_widest():
    data = _extreme_crosscheck()
    text = rendered(lambda c: crosscheck_command.print_table(data, c))
    assert_readable(text, 80, _crosscheck_numbers(data))
    assert "4640" in text.split() and "4.64e+03" not in text  # iterations are integers
    assert "100000" in text.split() and "max_iterations" in text.split()
    assert "seed=18446744073709551615" in text and "DISAGREES" in text
    assert "certified lower bound min f = -1.23e-300 ||y||^2" in " ".join(text.split())
    assert "no certified bound (too many cells)" in " ".join(text.split())


def test_the_wide_crosscheck_table_shows_every_column_whole():
    data = _extreme_crosscheck()
    text = rendered(lambda c: crosscheck_command.print_table(data, c, wide=True))
    numbers = _crosscheck_numbers(data) + [number(4.56e100)]  # the recovery and KKT columns are there too
    assert_readable(text, 1000, numbers)
    assert "rel. recovery" in text and "KKT worst" in text


def test_the_crosscheck_command_prints_80_columns_and_nothing_on_a_non_terminal_stderr(tmp_path, capsys,
                                                                                         monkeypatch):  # fmt: skip
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "cc.json"
    code = main(["crosscheck", "--n", "8", "--d", "12", "--trials", "1", "--solvers", "CLARABEL", "--json", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""  # progress is for terminals only
    assert_readable(out, 80, _crosscheck_numbers(json.loads(path.read_text())))


# --- solve --------------------------------------------------------------------------------------


def _solve_numbers(out: dict) -> list[str]:
    keys = [k for k in solve_command.SOLVE_KEYS if isinstance(out.get(k), (int, float))]
    return [number(out[k], ".6g") for k in keys]


@pytest.mark.parametrize("argv", [
    ["--planted", "--n", "20", "--d", "4", "--method", "rgd"],  # X listed entry by entry
    ["--planted", "--n", "20", "--d", "30", "--m", "2", "--method", "gd", "--iters", "4640"],  # X summarised
])  # fmt: skip
def test_the_solve_table_fits_80_columns_with_every_number_whole(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "s.json"
    code = main(["solve", *argv, "--json", str(path)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    data = json.loads(path.read_text())
    X = np.asarray(data["X"])
    entries = [number(float(v), ".6g") for v in X.ravel()] if X.size <= solve_command.TABLE_ENTRIES else []
    assert_readable(out, 80, _solve_numbers(data) + entries)
    assert number(data["iterations"]) in out.split()


def test_the_solve_table_of_extreme_values_still_fits_80_columns():
    out = {"method": "cvxpy", "solver": "CLARABEL", "n": 10**7, "d": 10**5, "m": 1, "n_test": 100,
           "objective": -1.23456e-300, "relaxed_objective": 1.79769e308, "train_error": 4.94066e-324,
           "test_error": None, "relative_recovery_error": -9.87654e100, "gradient_norm": 1e-12, "iterations": 4640,
           "stop_reason": "max_iterations", "seed": 2**63 - 1, "seconds": 12.5, "versions": {},
           "X": [[-1.23456e-300], [9.87654e300], [1.0]]}  # fmt: skip
    text = rendered(lambda c: solve_command.print_result(out, c))
    assert_readable(text, 80, _solve_numbers(out) + ["-1.23456e-300", "9.87654e+300"])
    assert "4640" in text.split() and str(2**63 - 1) in text.split()


# --- bench --------------------------------------------------------------------------------------


def test_the_bench_tables_fit_80_columns_with_every_number_whole():
    ratios = {key: value for key, value in zip(
        [key for key, _, _ in bench_command.TARGETS] + ["batched_vs_descend", "batched_gflops", "dgemm_gflops"],
        [18.5, 1.25, 1.07, 1.27, 1.02, 2.95, 7.9e-100, 170.0])}  # fmt: skip
    cases = [{"case": "newton_peak_memory", "n": 200000, "d": 500, "ratio": 1.27},
             {"case": "rgd_iteration_vs_two_matvecs", "n": 4000, "d": 4000, "ratio": -3.5e-120}]  # fmt: skip
    result = {"profile": "thorough", "machine": {"cpu": "Intel Xeon", "cpus": 2}, "ratios": ratios, "cases": cases}
    text = rendered(lambda c: bench_command.print_result(result, c))
    numbers = [number(v) for v in ratios.values()] + [number(c[k]) for c in cases for k in ("n", "d", "ratio")]
    assert_readable(text, 80, numbers)
    assert "200000" in text.split() and "NOT met" in text


def test_every_number_of_the_bench_smoke_run_is_shown_whole_in_80_columns(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "b.json"
    assert main(["bench", "--smoke", "--json", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    data = json.loads(path.read_text())
    assert_readable(out, 80, [number(v) for v in data["ratios"].values() if math.isfinite(v)])
