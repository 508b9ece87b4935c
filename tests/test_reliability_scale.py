"""Reliability at every scale: units, underflow, certificates, ignored flags and memory.

The relaxation is scale-covariant, f_r(x; aA, by) = b^2 f_r((a/b) x; A, y),
and the solvers run at unit scale, so planted data times any power of ten
from 1e-150 to 1e150 gives the same relative answer from gd, rgd and newton
(bitwise the same for powers of two), or a clear refusal where float64
cannot hold the problem. Vanishing squares never fake a converged run; an
"unbounded" one-neuron run always has a certificate; `solve` refuses flags
its method ignores and requests that cannot fit in memory, and writes the
solution itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import relurelax.solvers as S
from relurelax.reports.cli import main
from relurelax.solvers.batched import run_trials
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.resources import InsufficientMemoryError, check_memory, estimated_bytes
from relurelax.solvers.tolerances import DESCENT_GTOL, NEWTON_GTOL, ZERO_TRAIN_ERROR

from . import reliability

PROBLEMS = {"n<d": (30, 40), "n>d": (80, 20)}
POWERS_OF_TEN = (-150, -100, -50, -10, -6, 6, 10, 50, 100, 150)


def _plain_relative(A, y, X) -> float:
    """||g(A X) - y|| / ||y|| with plain numpy norms (for data of ordinary size only)."""
    X = np.asarray(X).reshape(A.shape[1], -1)
    return float(np.linalg.norm(np.maximum(A @ X, 0).sum(axis=1) - y) / np.linalg.norm(y))


def _solve(method, A, y, X0):
    """(X, train error, iterations, stop reason) of one method."""
    if method == "newton":
        r = S.solve_relaxation_newton(A, y)
        return r.x[:, None], None, r.iterations, r.stop_reason.value
    r = S.descend(A, y, X0, S.GD if method == "gd" else S.RGD, max_iter=20_000, history_every=20_000)
    return np.asarray(r.X), r.train_error, r.iterations, r.stop_reason.value


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("method", ["gd", "rgd", "newton"])
def test_planted_data_times_any_power_of_ten_gives_the_same_relative_answer(problem, method):
    P = S.planted_problem(*PROBLEMS[problem], 1, seed=3)
    X_ref, train_ref, it_ref, stop_ref = _solve(method, P.A, P.y, P.X0)
    err_ref = _plain_relative(P.A, P.y, X_ref)
    rec_ref = float(np.linalg.norm(X_ref[:, 0] - P.X_star[:, 0]) / np.linalg.norm(P.X_star))
    assert stop_ref == "converged"
    if method != "gd":
        assert err_ref <= ZERO_TRAIN_ERROR  # Theorem 1: the relaxation fits planted labels
    for k in POWERS_OF_TEN:
        reliability.tried("api-scale")
        s = 10.0**k
        # everything times s: the minimiser x* is unchanged, and so is X0
        X, train, it, stop = _solve(method, P.A * s, P.y * s, P.X0)
        assert stop == stop_ref, k
        assert abs(it - it_ref) <= 1 + it_ref // 100, (k, it, it_ref)
        err = _plain_relative(P.A, P.y, X)  # the same x fits the data at unit size, plain norms
        rec = float(np.linalg.norm(X[:, 0] - P.X_star[:, 0]) / np.linalg.norm(P.X_star))
        if method == "gd":  # stuck at the same non-global point
            assert err == pytest.approx(err_ref, rel=1e-6) and rec == pytest.approx(rec_ref, rel=1e-6), k
        else:
            assert err <= ZERO_TRAIN_ERROR and rec == pytest.approx(rec_ref, rel=1e-5, abs=1e-9), k
        if train is not None:
            assert train == pytest.approx(err, rel=1e-6, abs=1e-14), k


@pytest.mark.parametrize("a_exp, y_exp", [(-400, -400), (480, 480), (300, 0), (0, -500), (-200, 300)])
def test_powers_of_two_change_no_bit_of_the_relative_answer(a_exp, y_exp):
    P = S.planted_problem(30, 40, 1, seed=5, noise=0.0)
    A, y = np.ldexp(P.A, a_exp), np.ldexp(P.y, y_exp)
    x_exp = y_exp - a_exp
    reliability.tried("api-scale", 3)
    for direction in (S.GD, S.RGD):
        ref = S.descend(P.A, P.y, P.X0, direction, max_iter=3000, history_every=100, X_star=P.X_star)
        got = S.descend(A, y, np.ldexp(P.X0, x_exp), direction, max_iter=3000, history_every=100,
                        X_star=np.ldexp(P.X_star, x_exp))  # fmt: skip
        assert np.array_equal(got.X, np.ldexp(ref.X, x_exp))
        assert (got.iterations, got.stop_reason) == (ref.iterations, ref.stop_reason)
        assert np.array_equal(got.history.train_error, ref.history.train_error)
        assert np.array_equal(got.history.objective, np.ldexp(ref.history.objective, 2 * y_exp))
        assert np.array_equal(got.history.recovery_distance, np.ldexp(ref.history.recovery_distance, x_exp))
        assert got.step == np.ldexp(ref.step, -2 * a_exp)
    ref = S.solve_relaxation_newton(P.A, P.y)
    got = S.solve_relaxation_newton(A, y)
    assert np.array_equal(got.x, np.ldexp(ref.x, x_exp)) and got.iterations == ref.iterations
    assert got.gradient_norm == ref.gradient_norm and got.objective == np.ldexp(ref.objective, 2 * y_exp)


def test_an_explicit_step_is_in_the_users_units():
    # mu in user units is mu * 2^(2 e_A) at unit scale: on 2^-300 A (and 2^-300 y) the step 2^600 mu
    # makes the same iterates as mu on A, although squares of the data's size (2^-600) underflow
    P = S.planted_problem(20, 30, 1, seed=1)
    reliability.tried("api-scale", 2)
    A, y = np.ldexp(P.A, -300), np.ldexp(P.y, -300)
    ref = S.descend(P.A, P.y, P.X0, S.RGD, step=0.01, max_iter=200, gtol=1e-9)
    got = S.descend(A, y, P.X0, S.RGD, step=0.01 * 2.0**600, max_iter=200, gtol=1e-9)
    assert got.step == 0.01 * 2.0**600
    assert np.array_equal(got.X, ref.X) and got.iterations == ref.iterations == 200
    # the step 0.01 on data 2^40 times larger is 2^80 times too large: it diverges, as it would at unit size
    big = S.descend(np.ldexp(P.A, 40), np.ldexp(P.y, 40), P.X0, S.RGD, step=0.01, max_iter=200)
    assert big.stop_reason is S.StopReason.DIVERGED


def test_the_batched_engine_runs_every_trial_at_its_own_unit_scale():
    reliability.tried("api-scale", 2)
    ref = run_trials(20, 30, 1, range(3), max_iter=400, history_every=50, gtol=1e-9)
    two = run_trials(20, 30, 1, range(3), max_iter=400, history_every=50, gtol=1e-9, scale=2.0**-300)
    ten = run_trials(20, 30, 1, range(3), max_iter=400, history_every=50, gtol=1e-9, scale=1e-120)
    for name in ("gd", "rgd"):
        assert np.array_equal(two[name].train_error, ref[name].train_error)
        assert np.array_equal(two[name].objective, np.ldexp(ref[name].objective, -600))
        assert np.array_equal(two[name].X, ref[name].X)
        assert two[name].stop_reasons == ref[name].stop_reasons == ten[name].stop_reasons
        assert np.allclose(ten[name].train_error, ref[name].train_error, rtol=1e-5, atol=1e-12)
    assert np.array_equal(two.steps, np.ldexp(ref.steps, 600))


# --- underflow never fakes convergence ---------------------------------------

UNDERFLOW = {
    # name: (factor on A, factor on y); x* scales as (factor on y) / (factor on A)
    "labels 1e-170": (1.0, 1e-170),
    "everything 1e-100": (1e-100, 1e-100),
    "everything 1e-160": (1e-160, 1e-160),
    "A subnormal, y 1e-300": (1e-310, 1e-300),
}


@pytest.mark.parametrize("case", sorted(UNDERFLOW))
@pytest.mark.parametrize("method", ["rgd", "newton"])
def test_vanishing_squares_never_fake_a_converged_run(case, method):
    a, b = UNDERFLOW[case]
    P = S.planted_problem(30, 40, 1, seed=3)
    A, y, X0 = P.A * a, P.y * b, P.X0 * (b / a)
    reliability.tried("api-underflow")
    X, train, it, stop = _solve(method, A, y, X0)
    assert stop == "converged" and it > 0
    # measured back at unit size with plain numpy norms: the run really fits the labels
    true = _plain_relative(A / a, y / b, X * (a / b))
    assert true <= ZERO_TRAIN_ERROR
    if train is not None:
        assert train == pytest.approx(true, rel=1e-6, abs=1e-14)
    # and the stopping rule held for the true gradient: ||A^T (g(Ax) - y)|| <= gtol ||A^T y|| at unit size
    Au, yu = A / a, y / b
    grad = Au.T @ (np.maximum(Au @ (X[:, 0] * a / b), 0) - yu)
    gtol = NEWTON_GTOL if method == "newton" else DESCENT_GTOL
    assert np.linalg.norm(grad) <= 1.01 * gtol * np.linalg.norm(Au.T @ yu)


def test_relative_errors_of_tiny_and_huge_numbers_are_not_zero_over_zero():
    reliability.tried("api-underflow", 3)
    assert S.relative_error(np.full(4, 2e-170), np.full(4, 1e-170)) == pytest.approx(1.0, rel=1e-15)
    assert S.relative_error(np.full(4, 3e170), np.full(4, 1e170)) == pytest.approx(2.0, rel=1e-15)
    assert S.relative_error(np.full(3, 5e-324), np.zeros(3)) > 0


def test_a_solution_below_float64s_normal_range_is_refused_not_rounded_to_zero():
    P = S.planted_problem(30, 40, 1, seed=3)
    reliability.tried("api-underflow", 2)
    with pytest.raises(InvalidInputError, match="normal range"):
        S.solve_relaxation_newton(P.A, P.y * 1e-310)
    with pytest.raises(InvalidInputError, match="normal range"):
        S.regularized_gradient_descent(P.A, P.y * 1e-310, P.X0)


# --- "unbounded" needs a certificate -------------------------------------------


def test_one_neuron_rgd_says_unbounded_exactly_when_a_certificate_exists():
    reliability.tried("api-unbounded", 8)
    for seed in range(4):
        for n, d, noise in ((61, 37, 0.3), (20, 50, 1.0)):
            P = S.planted_problem(n, d, 1, seed=seed, noise=noise)
            certificate = S.newton.unboundedness_certificate(P.A, P.y)
            r = S.regularized_gradient_descent(P.A, P.y, P.X0, max_iter=3000)
            assert (r.stop_reason is S.StopReason.UNBOUNDED) == (certificate is not None), (seed, n, d)
            if certificate is not None:
                q = P.A @ certificate
                assert float(P.y @ q) > 0 and "certificate" in r.message


def test_without_a_certificate_one_neuron_rgd_never_claims_unbounded(monkeypatch):
    import relurelax.solvers.newton as N

    monkeypatch.setattr(N, "_unit_certificate", lambda A, y: None)
    monkeypatch.setattr(N, "_is_certificate", lambda A, y, v, slack=0.0: False)
    reliability.injected("certificate-absent")
    P = S.planted_problem(20, 50, 1, seed=1)
    y = P.y.copy()
    y[0] = -1.0  # f_r is unbounded, but nothing proves it in this run
    r = S.regularized_gradient_descent(P.A, y, P.X0, max_iter=2000)
    assert r.stop_reason is not S.StopReason.UNBOUNDED
    assert r.relaxed_objective < 0


# --- solve: the solution, ignored flags, memory, stages ------------------------


def _cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("method, m", [("rgd", 1), ("gd", 3), ("newton", 1)])
def test_solve_writes_the_solution_with_every_bit(method, m, tmp_path, capsys):
    path = tmp_path / "o.json"
    code, out, err = _cli(["solve", "--planted", "--n", "20", "--d", "4", "--m", str(m), "--method", method,
                           "--seed", "4", "--json", str(path)], capsys)  # fmt: skip
    assert code == 0, err
    reliability.tried("cli-solution")
    data = json.loads(path.read_text())
    X = np.array(data["X"], dtype=np.float64)
    assert X.shape == (4, m)
    P = S.planted_problem(20, 4, m, seed=4)
    if method == "newton":
        ref = S.solve_relaxation_newton(P.A, P.y).x[:, None]
    else:
        ref = S.descend(P.A, P.y, P.X0, S.GD if method == "gd" else S.RGD, max_iter=10_000,
                        history_every=10_000).X  # fmt: skip
    assert np.array_equal(X, ref)  # exact round trip
    assert data["train_error"] == pytest.approx(_plain_relative(P.A, P.y, X), rel=1e-9, abs=1e-15)
    assert "X[:, 0]" in out and f"{X[0, 0]:.6g}" in out


def test_a_large_solution_is_summarised_in_the_table(tmp_path, capsys):
    code, out, err = _cli(["solve", "--planted", "--n", "10", "--d", "40", "--method", "rgd", "--iters", "5"], capsys)
    assert code == 0, err
    reliability.tried("cli-solution")
    assert "40 x 1" in out and "full matrix in --json" in out


@pytest.mark.parametrize("scale", ["1e-150", "1e-100", "1e100", "1e150"])
def test_solve_on_scaled_planted_data_reports_the_unscaled_answer(scale, tmp_path, capsys):
    outs = {}
    for s in ("1", scale):
        path = tmp_path / f"{s}.json"
        code, _, err = _cli(["solve", "--planted", "--n", "30", "--d", "40", "--method", "rgd", "--scale", s,
                             "--json", str(path)], capsys)  # fmt: skip
        assert code == 0, err
        outs[s] = json.loads(path.read_text())
    reliability.tried("cli-scale")
    ref, got = outs["1"], outs[scale]
    assert (got["stop_reason"], got["iterations"]) == (ref["stop_reason"], ref["iterations"])
    assert got["train_error"] <= ZERO_TRAIN_ERROR
    assert got["relative_recovery_error"] == pytest.approx(ref["relative_recovery_error"], rel=1e-5)


@pytest.mark.parametrize("method", ["rgd", "newton"])
def test_solve_on_a_data_file_with_labels_of_1e_minus_170_fits_them(method, tmp_path, capsys):
    P = S.planted_problem(30, 40, 1, seed=3)
    outs = {}
    for name, factor in (("unit", 1.0), ("tiny", 1e-170)):
        np.savez(tmp_path / f"{name}.npz", A=P.A, y=P.y * factor)
        path = tmp_path / f"{name}.json"
        code, _, err = _cli(["solve", "--data", str(tmp_path / f"{name}.npz"), "--method", method,
                             "--json", str(path)], capsys)  # fmt: skip
        assert code == 0, err
        outs[name] = json.loads(path.read_text())
    reliability.tried("cli-underflow")
    X = np.array(outs["tiny"]["X"]) * 1e170  # back to labels of unit size
    assert _plain_relative(P.A, P.y, X) <= ZERO_TRAIN_ERROR
    assert outs["tiny"]["iterations"] == outs["unit"]["iterations"] > 0
    assert outs["tiny"]["stop_reason"] == "converged"
    assert outs["tiny"]["train_error"] == pytest.approx(outs["unit"]["train_error"], rel=1e-3, abs=1e-15)


IGNORED = [
    (["--method", "cvxpy", "--step", "0.1"], "--step"),
    (["--method", "cvxpy", "--step", "auto"], "--step"),
    (["--method", "cvxpy", "--iters", "10"], "--iters"),
    (["--method", "newton", "--step", "0.1"], "--step"),
    (["--method", "gd", "--solver", "SCS"], "--solver"),
    (["--method", "newton", "--solver", "CLARABEL"], "--solver"),
]


@pytest.mark.parametrize("flags, name", IGNORED, ids=[" ".join(f) for f, _ in IGNORED])
def test_a_flag_the_method_ignores_is_bad_usage(flags, name, capsys):
    reliability.tried("cli-ignored-flag")
    code, _, err = _cli(["solve", "--planted", "--n", "5", "--d", "3", *flags], capsys)
    assert code == 2
    assert name in err and "ignores" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("flag", ["--noise", "--scale"])
def test_a_planted_data_flag_given_with_a_data_file_is_bad_usage(flag, tmp_path, capsys):
    reliability.tried("cli-ignored-flag")
    path = tmp_path / "data.npz"
    np.savez(path, A=np.eye(3), y=np.ones(3))
    code, _, err = _cli(["solve", "--data", str(path), "--method", "newton", flag, "0.5"], capsys)
    assert code == 2
    assert flag in err and "--planted data only" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_flags_a_method_uses_are_accepted_and_help_says_which(capsys):
    reliability.tried("cli-ignored-flag", 3)
    assert _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", "newton", "--iters", "3"], capsys)[0] == 0
    assert _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--step", "0.01",
                 "--iters", "3"], capsys)[0] == 0  # fmt: skip
    code, out, _ = _cli(["solve", "--help"], capsys)
    text = " ".join(out.split())
    assert code == 0 and "gd and rgd only" in text and "gd, rgd, newton and exact only" in text
    assert "exact only" in text and "exact with --m > 1 only" in text


@pytest.mark.parametrize("argv", [
    ["solve", "--planted", "--n", "10000000", "--d", "100000", "--method", "rgd"],
    ["solve", "--planted", "--n", "10000000", "--d", "100000", "--method", "newton"],
    ["solve", "--planted", "--n", "2000000", "--d", "100000", "--method", "cvxpy"],
    ["crosscheck", "--n", "10000000", "--d", "100000", "--trials", "1", "--solvers", "CLARABEL"],
])  # fmt: skip
def test_a_request_too_large_for_memory_is_refused_before_allocating(argv, capsys):
    reliability.tried("cli-memory")
    code, _, err = _cli(argv, capsys)
    assert code == 2
    assert "GiB" in err and "needs about" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_memory_estimate_refuses_only_what_does_not_fit():
    reliability.tried("api-memory", 3)
    assert check_memory(200, 100, 1, "rgd") == estimated_bytes(200, 100, 1, "rgd")
    assert estimated_bytes(10**7, 10**5, 1, "gd") >= 8 * 10**12  # at least A itself
    with pytest.raises(InsufficientMemoryError) as info:
        check_memory(10**7, 10**5, 1, "gd")
    assert isinstance(info.value, InvalidInputError) and info.value.needed > info.value.available


def test_a_lowered_address_space_limit_is_respected(tmp_path):
    # the limit is set after the imports: the request itself (A alone is 320 MB) must not fit in 256 MB more
    script = textwrap.dedent("""
        import resource, sys
        from relurelax.reports.cli import main
        from relurelax.solvers.resources import _status_kib
        room = _status_kib("VmSize") * 1024 + 256 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (room, resource.getrlimit(resource.RLIMIT_AS)[1]))
        sys.exit(main(["solve", "--planted", "--n", "20000", "--d", "2000", "--method", "rgd", "--iters", "1"]))
    """)
    reliability.tried("cli-memory")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "RLIMIT_AS" in proc.stderr and "GiB" in proc.stderr


@pytest.mark.parametrize("method, stage", [("gd", "GD descent"), ("rgd", "RGD descent"), ("newton", "Newton solve")])
def test_an_interrupted_solve_says_which_solve_it_was_in(method, stage, monkeypatch, capsys):
    import relurelax.reports.solve_command as sc

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sc, "descend", interrupted)
    monkeypatch.setattr(sc, "solve_relaxation_newton", interrupted)
    reliability.injected("interrupt-solve")
    code, _, err = _cli(["solve", "--planted", "--n", "5", "--d", "3", "--method", method], capsys)
    assert code == 130
    assert stage in err and "before any work" not in err


def test_a_norm_takes_the_plain_sum_of_squares_only_where_it_cannot_overflow():
    from relurelax.solvers.scaling import square_safe

    reliability.tried("api-underflow", 4)
    assert square_safe(2.0**500, 1)
    # 2^25 entries of 2^500: the sum of squares 2^1025 overflows, so the plain sum is unsafe
    assert not square_safe(2.0**500, 2**25)
    assert square_safe(2.0**487, 2**25)
    assert not square_safe(2.0**-501, 10)
