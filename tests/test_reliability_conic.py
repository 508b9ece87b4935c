"""Reliability of the CVXPY layer: unit scale, relurelax's own certificate, unbounded only with a
proof, determinism of every backend, a dying worker, and signals during every backend.

Faults are injected through the one seam between the parent and the worker process,
``relurelax.solvers._worker.run``, whose reply is the plain data a backend returned.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from relurelax.reports.cli import main
from relurelax.reports.crosscheck import crosscheck_instance, disagreements, instance_json
from relurelax.solvers import _worker, cell_masks, installed_backends, planted_problem, solve_cell, solve_relaxation
from relurelax.solvers.errors import (
    InaccurateSolutionError,
    InvalidInputError,
    SolveError,
    UnboundedRelaxationError,
)
from relurelax.solvers.solution import SolveStatus
from relurelax.solvers.relaxation import BACKEND_DEFAULTS
from relurelax.solvers.scaling import safe_norm

from . import reliability

BACKENDS = installed_backends()
#: powers of ten the data is multiplied by (every tenth, the whole float64 range that squares allow)
POWERS = range(-150, 151, 10)


def _relative(a, b) -> float:
    return safe_norm(np.asarray(a) - np.asarray(b)) / safe_norm(b)


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --- unit scale -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_planted_data_times_any_power_of_ten_gives_the_same_relative_answer(backend):
    # (A, y) -> (s A, s y) keeps x*; (A, y) -> (A, s y) scales it by s. Both must come back at x*
    # (n > d: the minimiser is unique) with zero training error, from 1e-150 to 1e150
    P = planted_problem(30, 10, 1, seed=0)
    x_star = P.X_star[:, 0]
    for k in POWERS:
        s = 10.0**k
        for A, y, xs in ((P.A * s, P.y * s, x_star), (P.A, P.y * s, x_star * s)):
            reliability.tried("api-scale")
            res = solve_relaxation(A, y, backend=backend)
            assert res.status == "optimal", (k, res.backend_status)
            assert _relative(np.maximum(A @ res.x, 0.0), y) <= 1e-3, k
            assert _relative(res.x, xs) <= 1e-3, k
            assert res.gradient_norm <= 1e-3


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_cell_problem_is_solved_at_unit_scale_too(backend):
    P = planted_problem(40, 8, 2, seed=1)
    masks = cell_masks(P.A, P.X_star)
    for k in range(-150, 151, 50):
        s = 10.0**k
        reliability.tried("api-scale")
        res = solve_cell(P.A * s, P.y * s, masks, backend=backend)
        assert res.status == "optimal"
        # the planted point lies in its own cell with q_D = 0, so the optimum fits y exactly
        assert _relative((masks * ((P.A * s) @ res.X)).sum(axis=1), P.y * s) <= 1e-3, k


def test_data_whose_range_float64_cannot_hold_at_one_scale_is_refused_by_name():
    A = np.array([[1e-320, 1.0], [1.0, 1e10]])  # at unit scale the 1e-320 would vanish
    reliability.tried("api-scale")
    with pytest.raises(InvalidInputError, match="A spans magnitudes"):
        solve_relaxation(A, np.ones(2))


@pytest.mark.parametrize("scale", ["1e-6", "1e6"])
def test_solve_on_planted_data_of_any_scale_exits_0_with_zero_training_error(scale, tmp_path, capsys):
    path = tmp_path / "out.json"
    reliability.tried("cli-scale")
    code = main(["solve", "--planted", "--n", "60", "--d", "20", "--scale", scale, "--method", "cvxpy",
                 "--json", str(path)])  # fmt: skip
    capsys.readouterr()
    assert code == 0
    out = json.loads(path.read_text())
    assert out["stop_reason"] == "optimal" and out["train_error"] <= 1e-5


# --- the certificate ------------------------------------------------------------------------


def _tampered(monkeypatch, change):
    """Make the worker's reply pass through ``change(reply)`` (the real backend still runs)."""
    real = _worker.run

    def run(*args, **kwargs):
        reply = real(*args, **kwargs)
        change(reply)
        return reply

    monkeypatch.setattr(_worker, "run", run)


def _bad_point(reply):
    for key in ("x", "X"):
        if key in reply["values"]:
            reply["values"][key] = reply["values"][key] * 0.5
    reply["status"] = "optimal"


@pytest.mark.parametrize("form", ["direct", "qp"])
def test_an_optimal_status_with_a_bad_point_is_inaccurate_and_raises(form, monkeypatch):
    P = planted_problem(40, 10, 1, seed=2)
    _tampered(monkeypatch, _bad_point)
    reliability.injected("api-inaccurate")
    with pytest.raises(InaccurateSolutionError, match="CLARABEL returned status 'optimal'.*relative gradient norm") as info:
        solve_relaxation(P.A, P.y, backend="CLARABEL", form=form)
    res = info.value.result
    assert res.status == "inaccurate" and res.backend_status == "optimal"
    assert res.gradient_norm > 0.1 and not res.certificate.passed
    kept = solve_relaxation(P.A, P.y, backend="CLARABEL", form=form, accept_inaccurate=True)
    assert kept.status == "inaccurate"
    assert np.array_equal(kept.x, res.x)


def test_a_cell_solve_with_a_bad_point_is_inaccurate(monkeypatch):
    P = planted_problem(40, 10, 2, seed=2)
    _tampered(monkeypatch, _bad_point)
    reliability.injected("api-inaccurate")
    with pytest.raises(InaccurateSolutionError, match="CLARABEL .*cell problem.*KKT residual"):
        solve_cell(P.A, P.y, cell_masks(P.A, P.X_star), backend="CLARABEL")


def test_optimal_inaccurate_with_a_point_that_passes_the_certificate_is_optimal(monkeypatch):
    P = planted_problem(40, 10, 1, seed=2)
    _tampered(monkeypatch, lambda reply: reply.update(status="optimal_inaccurate"))
    reliability.injected("api-inaccurate")
    res = solve_relaxation(P.A, P.y, backend="CLARABEL")
    assert res.status == "optimal" and res.backend_status == "optimal_inaccurate"


def test_solve_exits_1_with_one_line_naming_the_backend_and_the_residual(monkeypatch, tmp_path, capsys):
    path = tmp_path / "out.json"
    _tampered(monkeypatch, _bad_point)
    reliability.injected("cli-inaccurate")
    code = main(["solve", "--planted", "--n", "40", "--d", "10", "--method", "cvxpy", "--solver", "OSQP",
                 "--json", str(path)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    line = _one_line(err)
    assert "OSQP" in line and "relative gradient norm" in line and "inaccurate" in line
    assert not path.exists()


def test_the_crosscheck_shows_an_inaccurate_backend_and_counts_it_as_a_failure(monkeypatch):
    _tampered(monkeypatch, _bad_point)
    reliability.injected("crosscheck-inaccurate")
    inst = crosscheck_instance(20, 12, 1, 0, ("SCS",))
    sol = [s.solution for s in inst.solutions if s.solution.backend == "SCS"][0]
    assert sol.status is SolveStatus.INACCURATE and "relative gradient norm" in sol.message
    assert not inst.agree
    assert any(c.kind == "certificate" and c.a == "cvxpy:SCS" and not c.agree for c in inst.comparisons)
    # the inaccurate point is no candidate for the optimum: RGD's value is
    assert inst.optimum == [s for s in inst.solutions if s.solution.method == "rgd"][0].value
    text = disagreements({"instances": [instance_json(inst)]})
    assert any("cvxpy:SCS is inaccurate" in t for t in text)


# --- unbounded only with a certificate ------------------------------------------------------


def test_a_backend_that_says_unbounded_on_nonnegative_labels_is_a_failed_solve_not_unbounded(monkeypatch, capsys):
    P = planted_problem(30, 10, 1, seed=0)
    _tampered(monkeypatch, lambda reply: reply.update(status="unbounded", values={"x": None}))
    reliability.injected("api-unbounded-certificate")
    with pytest.raises(SolveError, match="labels y >= 0 prove f_r bounded") as info:
        solve_relaxation(P.A, P.y)
    assert not isinstance(info.value, UnboundedRelaxationError)
    code = main(["solve", "--planted", "--n", "30", "--d", "10", "--method", "cvxpy"])
    err = capsys.readouterr().err
    assert code == 1 and "unbounded" in _one_line(err) and "prove f_r bounded" in err


def test_an_optimal_status_on_unbounded_data_is_reported_unbounded_with_the_certificate(monkeypatch):
    P = planted_problem(10, 30, 1, seed=2)
    y = P.y.copy()
    y[3] = -0.5
    _tampered(monkeypatch, lambda reply: reply.update(status="optimal", values={"x": np.zeros(30)}))
    reliability.injected("api-unbounded-certificate")
    with pytest.raises(UnboundedRelaxationError, match="certified in float64"):
        solve_relaxation(P.A, y)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_negative_label_is_unbounded_with_a_certificate_checked_in_float64(backend):
    P = planted_problem(20, 50, 1, seed=1)
    y = P.y.copy()
    y[0] = -1.0
    reliability.tried("api-unbounded-certificate")
    with pytest.raises(UnboundedRelaxationError, match="certified in float64 at unit scale"):
        solve_relaxation(P.A, y * 1e-120, backend=backend)


# --- determinism ----------------------------------------------------------------------------


def test_osqp_adapts_rho_at_a_fixed_count_of_iterations_not_by_wall_time():
    # OSQP < 1.0 times the adaptation by default (interval 0); a positive interval is a count
    assert BACKEND_DEFAULTS["OSQP"]["adaptive_rho_interval"] > 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_same_instance_solved_twice_gives_bitwise_the_same_x(backend):
    P = planted_problem(200, 100, 1, seed=4)
    reliability.tried("determinism", 3)
    first = solve_relaxation(P.A, P.y, backend=backend, form="qp").x
    again = solve_relaxation(P.A, P.y, backend=backend, form="qp").x
    _worker.shutdown()  # and in a fresh worker process
    fresh = solve_relaxation(P.A, P.y, backend=backend, form="qp").x
    assert np.array_equal(first, again) and np.array_equal(first, fresh)


# --- the worker process ---------------------------------------------------------------------


def test_a_worker_that_dies_is_a_solve_error_naming_the_backend_and_the_signal(monkeypatch):
    P = planted_problem(30, 10, 1, seed=0)
    solve_relaxation(P.A, P.y, backend="SCS")
    pid = _worker.worker_pid()
    real = _worker.run

    def dies(module, function, args=(), kwargs=None, *, backend, what):
        return real("os", "kill", (pid, signal.SIGKILL), backend=backend, what=what)

    monkeypatch.setattr(_worker, "run", dies)
    reliability.injected("worker-death")
    with pytest.raises(SolveError, match=r"SCS worker process died \(killed by SIGKILL\) while solving the relaxation"):
        solve_relaxation(P.A, P.y, backend="SCS")
    monkeypatch.setattr(_worker, "run", real)
    res = solve_relaxation(P.A, P.y, backend="SCS")  # a fresh worker
    assert res.status == "optimal" and _worker.worker_pid() not in (None, pid)


def test_the_worker_ignores_a_ctrl_c_so_only_its_parent_decides(capfd):
    # a terminal sends Ctrl-C to the whole process group, also while the worker waits for work
    P = planted_problem(30, 10, 1, seed=0)
    solve_relaxation(P.A, P.y)
    pid = _worker.worker_pid()
    reliability.injected("worker-sigint")
    os.kill(pid, signal.SIGINT)
    time.sleep(0.3)
    assert solve_relaxation(P.A, P.y).status == "optimal"
    assert _worker.worker_pid() == pid
    assert "KeyboardInterrupt" not in capfd.readouterr().err


def test_an_error_inside_the_worker_is_a_solve_error_naming_the_backend():
    P = planted_problem(30, 10, 1, seed=0)
    reliability.injected("backend-failure")
    with pytest.raises(SolveError, match="SCS failed on the relaxation: TypeError: 'bogus_option'"):
        solve_relaxation(P.A, P.y, backend="SCS", bogus_option=1)
    assert solve_relaxation(P.A, P.y, backend="SCS").status == "optimal"


# --- signals during every backend -----------------------------------------------------------

#: loaded before anything else in the CLI and its worker: writes MARKER (with the worker's pid)
#: the moment CVXPY hands the compiled problem to the backend, so the test signals inside it
_SITECUSTOMIZE = textwrap.dedent("""
    import os
    if os.environ.get("RELURELAX_TEST_BACKEND_MARKER"):
        from cvxpy.reductions.solvers.solving_chain import SolvingChain
        _real = SolvingChain.solve_via_data

        def solve_via_data(self, *args, **kwargs):
            with open(os.environ["RELURELAX_TEST_BACKEND_MARKER"], "w") as fh:
                fh.write(str(os.getpid()))
            return _real(self, *args, **kwargs)

        SolvingChain.solve_via_data = solve_via_data
""")
#: at least 5 s in every backend on an idle core (CLARABEL 14 s, SCS 11 s, OSQP 5 s, measured
#: through solve_relaxation; CVXPY's compilation adds about 2 s before the backend starts)
BIG_N, BIG_D = 10_000, 200
SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: SIGTERM takes the same path as SIGINT in the parent (cli.py turns it into KeyboardInterrupt);
#: it runs for every backend in the slow selection, for CLARABEL always (each run costs ~6 s of CPU)
SIGNAL_CASES = [
    pytest.param(backend, sig, id=f"{sig.name}-{backend}",
                 marks=[pytest.mark.slow] if sig is signal.SIGTERM and backend != "CLARABEL" else [])
    for backend in BACKENDS for sig in SIGNALS
]  # fmt: skip


def _selected_signal_cases(request) -> list:
    name = "test_a_signal_during_the_backend_solve_stops_solve_within_seconds"
    return [(item.callspec.params["backend"], item.callspec.params["sig"]) for item in request.session.items
            if item.originalname == name]  # fmt: skip


@pytest.fixture(scope="module")
def interrupted_runs(request, tmp_path_factory):
    """Run ``solve --method cvxpy`` for every selected (backend, signal), all at once.

    Each run is signalled 0.3 s after its backend has started (SIGINT to its process group, so
    the worker receives it too, SIGTERM to the command alone); returns, per (backend, signal),
    ``(returncode, stderr, seconds from signal to exit, json path, worker pid)``.
    """
    root = tmp_path_factory.mktemp("interrupt")
    P = planted_problem(BIG_N, BIG_D, 1, seed=0)
    data = root / "big.npz"
    np.savez(data, A=P.A, y=P.y)
    (root / "site").mkdir()
    (root / "site" / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    runs = {}
    for backend, sig in _selected_signal_cases(request):
        tag = f"{backend}-{sig.name}"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root / "site"), os.environ.get("PYTHONPATH", "")]),
                   RELURELAX_TEST_BACKEND_MARKER=str(root / f"{tag}.marker"))  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-m", "relurelax.reports.cli", "solve", "--data", str(data), "--method", "cvxpy",
             "--solver", backend, "--json", str(root / f"{tag}.json")],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        runs[(backend, sig)] = {"proc": proc, "marker": root / f"{tag}.marker", "json": root / f"{tag}.json"}
    deadline = time.time() + 120
    results = {}
    while len(results) < len(runs) and time.time() < deadline:
        for key, run in runs.items():
            if key not in results and run["proc"].poll() is not None:  # ended before its backend started
                results[key] = (run["proc"].returncode, run["proc"].stderr.read(), None, run["json"], None)
            if key in results or not run["marker"].exists() or not run["marker"].read_text():
                continue
            time.sleep(0.3)
            sent = time.time()
            if key[1] is signal.SIGINT:  # as a terminal's Ctrl-C does: to the whole process group
                os.killpg(run["proc"].pid, signal.SIGINT)
            else:  # as `kill PID` does: to the command alone
                run["proc"].send_signal(key[1])
            try:
                run["proc"].wait(timeout=30)
            except subprocess.TimeoutExpired:
                run["proc"].kill()
            seconds = time.time() - sent
            results[key] = (run["proc"].returncode, run["proc"].stderr.read(), seconds, run["json"],
                            int(run["marker"].read_text()))  # fmt: skip
        time.sleep(0.05)
    for key, run in runs.items():
        if key not in results:
            run["proc"].kill()
            run["proc"].wait()
            results[key] = (None, run["proc"].stderr.read(), None, run["json"], None)
    return results


@pytest.mark.parametrize("backend, sig", SIGNAL_CASES)
def test_a_signal_during_the_backend_solve_stops_solve_within_seconds(backend, sig, interrupted_runs):
    code, err, seconds, json_path, worker = interrupted_runs[(backend, sig)]
    reliability.injected(f"cli-interrupt-backend-{sig.name}")
    assert code == 130, err
    assert seconds <= 3.0
    line = _one_line(err)
    assert f"interrupted during solving the relaxation with {backend} (n={BIG_N}, d={BIG_D})" in line
    assert not json_path.exists()
    with pytest.raises(ProcessLookupError):  # the worker was killed with its parent's command
        os.kill(worker, 0)
