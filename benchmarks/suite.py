r"""The benchmark suite behind ``relurelax bench``: every ratio is measured side by side in one run.

Cases (sizes per profile in :data:`PROFILES`):

* ``exact_vs_fastest_cvxpy``: the whole call of the registry's ``newton``
  (:func:`~relurelax.solvers.newton.solve_relaxation_newton`) against the
  whole call of its ``cvxpy`` (:func:`~relurelax.solvers.relaxation.solve_relaxation`,
  model building included) for every installed backend, each with the
  evaluation of its point (:func:`~relurelax.solvers.solution.evaluate_point`), on planted instances of
  (4); the ratio is the fastest backend's time over Newton's, and the
  relaxed objective (3) of Newton is compared with the best CVXPY one,
  relative to :math:`\|y\|^2`. The headline ratio is the smallest over the
  sizes.
* ``batched_vs_loop``: :func:`~relurelax.solvers.batched.run_trials` (GD and
  RGD, updates (2) and (5), on every trial) against a plain per-trial numpy
  loop (``z = A x``, the weights, ``x -= mu A^T w``, nothing recorded, the
  BLAS default threads); also against :func:`~relurelax.solvers.descent.descend`
  per trial (the loop whose stops the engine reproduces, iterates within
  1e-10), against the same plain loop on one BLAS thread (the engine's own
  thread count: ``batched_vs_loop_one_thread``), and against a loop that
  makes only the two BLAS matrix-vector products per trial, method and
  iteration (``matvec_loop_vs_plain_loop`` shows how much of the plain loop
  those products are). Each variant draws its instances and steps in the
  timed region.
  The engine's GFLOP/s (:math:`4nd` flops per trial, method and iteration,
  the work of the plain loop's two products) is reported beside the
  machine's ``dgemm`` rate measured in the same run.
* ``rgd_iteration_vs_two_matvecs``: one RGD iteration of ``descend`` (per
  iteration of a long run) against :math:`Ax` plus :math:`A^Tr`.
* ``newton_loaded_vs_idle``: the exact Newton solve timed with a CPU-bound
  process (``python -c 'while True: pass'``) running beside it, over its
  time on the machine as it is (medians, both measured in this run; target
  <= 2). Without the BLAS thread limit of :mod:`relurelax.solvers.threads`
  the solver's two threads wait on the busy core: at 2000 x 500 this ratio
  was 4.5 (0.05 s beside 0.23 s) against 0.95 with the limit.
* ``exact_min_vs_brute_force``: the exact minimum of :math:`f` (Eq. (1)) by
  :func:`~relurelax.solvers.exact.exact_minimum` (Lawson-Hanson over the
  rays of the arrangement) against the brute force over sign patterns
  (:func:`~relurelax.solvers.exact.realisable_patterns_brute_force`,
  :math:`2^{n-1}` HiGHS LPs, then one certified CVXPY cell solve per realisable
  pattern, :func:`~relurelax.solvers.exact.exact_min_over_patterns`) on noisy
  planted data :math:`y = g(Ax^*) + 0.3|e|` (seed 0); the ratio is the brute
  force's time over the exact one's. The two values must agree within
  :func:`~relurelax.solvers.tolerances.agreement_rtol` of ``"exact"`` and
  ``"CLARABEL"`` times :math:`\|y\|^2`, or the run stops with an error.
* ``exact_min_per_cell_vs_newton``: ``exact_minimum``'s time per cell against
  one Newton solve of the relaxation (3)
  (:func:`~relurelax.solvers.newton.solve_relaxation_newton`) on the same data.
* ``newton_peak_memory``: peak resident memory (``VmHWM``) of
  ``relurelax solve --planted --method newton`` in a child process, over the
  size of :math:`A` (the interpreter with relurelax loaded is reported
  beside it).

Every timing is the best of several repetitions, interleaved between the
variants being compared so that a change of machine load hits both.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from relurelax.solvers import GD, RGD, descend, installed_backends, planted_problem, relu, safe_step
from relurelax.solvers.exact import (
    ExactMinimum,
    exact_min_over_patterns,
    exact_minimum,
    realisable_patterns_brute_force,
)
from relurelax.solvers.registry import SOLVERS
from relurelax.solvers.tolerances import NEWTON_VS_CONIC_RTOL, agreement_rtol
from relurelax.solvers.batched import run_trials
from relurelax.solvers.newton import solve_relaxation_newton

__all__ = ["Profile", "PROFILES", "run_benchmarks", "machine_info", "dgemm_rate", "best_seconds"]


@dataclass(frozen=True)
class Profile:
    """Sizes of one benchmark run."""

    exact_sizes: tuple[tuple[int, int], ...]
    cvxpy_repeats: int
    newton_repeats: int
    trials: int
    batch_n: int
    iterations: int
    loop_repeats: int
    rgd_n: int
    rgd_iterations: int
    memory_size: tuple[int, int]
    dgemm_n: int
    loaded_size: tuple[int, int] = (2000, 500)
    loaded_repeats: int = 5
    brute_force_size: tuple[int, int] = (13, 3)
    per_cell_size: tuple[int, int] = (60, 3)


#: ``thorough`` is the issue's set-up; ``quick`` a few-minute version; ``smoke`` the CI test's tiny one
PROFILES = MappingProxyType(
    {
        "thorough": Profile(((2000, 500), (500, 2000), (20000, 200)), 1, 5, 100, 100, 2000, 3, 4000, 50,
                        (200000, 500), 2000, loaded_size=(2000, 500), loaded_repeats=7,
                        brute_force_size=(13, 3), per_cell_size=(60, 3)),
        "quick": Profile(((1000, 250), (250, 1000), (5000, 100)), 1, 3, 40, 100, 500, 3, 2000, 30,
                         (50000, 200), 1000, loaded_size=(2000, 500), loaded_repeats=5,
                         brute_force_size=(11, 3), per_cell_size=(40, 3)),
        # rgd_iterations: 50 (difference of 50 and 10 iterations), so that the smoke run's per-iteration
        # time is not lost in the noise of one call on a loaded machine (3 iterations measured 0 there)
        "smoke": Profile(((60, 15), (15, 60)), 1, 1, 3, 12, 20, 1, 64, 50, (600, 20), 64,
                         loaded_size=(200, 40), loaded_repeats=2, brute_force_size=(6, 2), per_cell_size=(10, 2)),
    }
)  # fmt: skip


def _interleaved(variants: dict, repeats: int) -> dict[str, float]:
    """Best time of each variant, the repetitions of all variants interleaved."""
    best = {name: float("inf") for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def best_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Best wall time of ``repeats`` calls of ``fn()``."""
    return _interleaved({"fn": fn}, repeats)["fn"]


def machine_info() -> dict:
    """What the numbers were measured on (the machine may be shared: load averages are recorded)."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    blas = {}
    try:
        config = np.show_config(mode="dicts")
        blas = {k: config["Build Dependencies"]["blas"].get(k) for k in ("name", "version", "openblas configuration")}
    except Exception:  # noqa: BLE001 - the BLAS description is informative only
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if k in os.environ},
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def dgemm_rate(n: int, repeats: int = 5) -> float:
    """GFLOP/s of an n x n x n ``dgemm`` (numpy ``@``), best of ``repeats``."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    A @ B  # warm-up: thread pool, page faults
    return 2.0 * n**3 / best_seconds(lambda: A @ B, repeats) / 1e9


def bench_exact(profile: Profile) -> tuple[list[dict], float]:
    """The exact solver against every installed CVXPY backend, both run through the solver registry
    (:data:`relurelax.solvers.registry.SOLVERS`: ``newton`` and ``cvxpy``, each call timed whole, with
    the evaluation of its point); returns the cases and the smallest ratio."""
    cases = []
    backends = installed_backends()
    exact, conic = SOLVERS["newton"], SOLVERS["cvxpy"]
    for n, d in profile.exact_sizes:
        P = planted_problem(n, d, 1, seed=0)
        scale = float(P.y @ P.y)
        newton = exact.run(P)
        t_newton = best_seconds(lambda: exact.run(P), profile.newton_repeats)
        per_backend = {}
        objectives = {}
        for backend in backends:
            solves = []  # the first timed solve's result is reported
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                per_backend[backend] = best_seconds(lambda: solves.append(conic.run(P, backend=backend)),
                                                    profile.cvxpy_repeats)  # fmt: skip
            res = solves[0]
            objectives[backend] = {"objective": res.relaxed_objective, "gradient_norm": res.gradient_norm,
                                   "status": res.status.value}  # fmt: skip
        fastest = min(per_backend, key=per_backend.get)
        best_cvx = min(v["objective"] for v in objectives.values())
        cases.append({
            "case": "exact_vs_fastest_cvxpy",
            "n": n, "d": d,
            "newton_seconds": t_newton,
            "newton_iterations": newton.iterations,
            "newton_stop_reason": newton.status.value,
            "newton_gradient_norm": newton.gradient_norm,
            "newton_objective": newton.relaxed_objective,
            "cvxpy_seconds": per_backend,
            "cvxpy": objectives,
            "fastest_backend": fastest,
            "ratio": per_backend[fastest] / t_newton,
            "objective_gap_over_y2": (newton.relaxed_objective - best_cvx) / scale,
            "objective_target_met": newton.relaxed_objective - best_cvx <= NEWTON_VS_CONIC_RTOL * scale,
        })  # fmt: skip
    return cases, min(c["ratio"] for c in cases)


# Every variant draws its own instances and steps inside the timed region, as a user's
# per-trial loop does and as run_trials does, so that only the iterations differ.


def _plain_loop(n: int, d: int, seeds, iterations: int) -> None:
    """The per-trial numpy loop users write: GD (2) then RGD (5) on each trial, nothing recorded."""
    for seed in seeds:
        P = planted_problem(n, d, 1, seed=seed)
        A, At, y, mu = P.A, P.A.T, P.y, safe_step(P.A)
        for gd in (True, False):
            x = np.array(P.X0[:, 0])
            for _ in range(iterations):
                z = A @ x
                r = np.maximum(z, 0.0) - y
                if gd:
                    r *= z >= 0
                x -= mu * (At @ r)


def _matvecs_only(n: int, d: int, seeds, iterations: int) -> None:
    """The instances, the steps and the two BLAS products per trial, method and iteration; nothing else."""
    for seed in seeds:
        P = planted_problem(n, d, 1, seed=seed)
        A, At, x, r = P.A, P.A.T, np.array(P.X0[:, 0]), np.array(P.y)
        safe_step(A)
        for _ in range(2 * iterations):
            A @ x
            At @ r


def _descend_loop(n: int, d: int, seeds, iterations: int) -> None:
    for seed in seeds:
        P = planted_problem(n, d, 1, seed=seed)
        for direction in (GD, RGD):
            descend(P.A, P.y, P.X0, direction, max_iter=iterations, history_every=iterations, gtol=0.0,
                    A_test=P.A_test, y_test=P.y_test, X_star=P.X_star)  # fmt: skip


def _one_thread(n: int, d: int, fn: Callable[[], None]) -> None:
    """``fn()`` with the BLAS threads the batched engine uses for (n, d) (:func:`~relurelax.solvers.threads.blas_threads`)."""
    from relurelax.solvers.threads import blas_threads

    with blas_threads(n, d):
        fn()


def bench_batched(profile: Profile, gemm_gflops: float) -> dict:
    """The batched engine against per-trial loops at the profile's size."""
    n = d = profile.batch_n
    T, it = profile.trials, profile.iterations
    seeds = range(T)
    variants = {
        "batched": lambda: run_trials(n, d, 1, seeds, max_iter=it, history_every=it),
        "plain_loop": lambda: _plain_loop(n, d, seeds, it),
        "plain_loop_one_thread": lambda: _one_thread(n, d, lambda: _plain_loop(n, d, seeds, it)),
        "descend_loop": lambda: _descend_loop(n, d, seeds, it),
        "matvecs_only": lambda: _matvecs_only(n, d, seeds, it),
    }
    times = _interleaved(variants, profile.loop_repeats)
    flops = 4.0 * n * d * T * 2 * it
    return {
        "case": "batched_vs_loop",
        "n": n, "d": d, "trials": T, "iterations": it, "methods": ["gd", "rgd"],
        "seconds": times,
        "ratio": times["plain_loop"] / times["batched"],
        "ratio_vs_descend": times["descend_loop"] / times["batched"],
        "ratio_vs_plain_loop_one_thread": times["plain_loop_one_thread"] / times["batched"],
        "matvec_loop_vs_plain_loop": times["matvecs_only"] / times["plain_loop"],
        "batched_gflops": flops / times["batched"] / 1e9,
        "dgemm_gflops": gemm_gflops,
    }  # fmt: skip


def bench_rgd_iteration(profile: Profile) -> dict:
    r"""One RGD iteration of ``descend`` against the two matrix-vector products it makes.

    The iteration's cost is the difference of two runs of ``K`` and ``K/5``
    iterations over ``0.8 K``, which removes what a call does once
    (validation, :math:`\|A^Ty\|`, the first and last records).
    """
    n = d = profile.rgd_n
    K = profile.rgd_iterations
    K1 = max(1, K // 5)
    P = planted_problem(n, d, 1, seed=0)
    A, At = P.A, P.A.T
    x = np.array(P.X0)
    r = np.array(P.y)[:, None]
    mu = safe_step(A)  # set-up, not part of an iteration

    def two_matvecs():
        for _ in range(K):
            A @ x
            At @ r

    def rgd(iterations):
        return lambda: descend(A, P.y, P.X0, RGD, step=mu, max_iter=iterations, history_every=iterations, gtol=0.0)

    times = _interleaved({"rgd_long": rgd(K), "rgd_short": rgd(K1), "two_matvecs": two_matvecs}, 5)
    per_iteration = max(times["rgd_long"] - times["rgd_short"], 0.0) / (K - K1)
    per_pair = times["two_matvecs"] / K
    return {
        "case": "rgd_iteration_vs_two_matvecs",
        "n": n, "d": d, "iterations": [K1, K],
        "seconds_per_iteration": {"rgd_iteration": per_iteration, "two_matvecs": per_pair},
        "seconds": times,
        "ratio": per_iteration / per_pair,
    }  # fmt: skip


#: run in the child: the command, then its own peak resident memory on stderr
_CHILD = (
    "import sys\n"
    "from relurelax.reports.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "sys.stderr.write(f'\\nVmHWM_KiB {status}\\n')\n"
    "sys.exit(code)\n"
)


def _peak_rss_bytes(args: list[str]) -> tuple[int, int]:
    """Peak resident memory (bytes) and exit code of ``relurelax ARGS`` in a child process.

    The child reports its own ``VmHWM`` (Linux): unlike the ``ru_maxrss`` a
    parent gets from ``wait4``, it does not count the memory the child had
    before ``exec``, a copy of this (large) benchmark process.
    """
    proc = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=False)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("VmHWM_KiB ")]
    if not lines:
        raise RuntimeError(f"the child did not report its peak memory: {proc.stderr.strip()[-300:]}")
    return int(lines[-1].split()[1]) * 1024, proc.returncode


#: the CPU-bound neighbour of ``newton_loaded_vs_idle``
_BUSY_LOOP = "while True: pass"


def bench_newton_loaded(profile: Profile) -> dict:
    r"""Newton's time with one busy-loop process beside it over its time without, medians of the profile's repeats."""
    import statistics

    n, d = profile.loaded_size
    P = planted_problem(n, d, 1, seed=0, scale=1 / np.sqrt(d))
    solve_relaxation_newton(P.A, P.y)  # warm-up

    def times() -> list[float]:
        out = []
        for _ in range(profile.loaded_repeats):
            start = time.perf_counter()
            solve_relaxation_newton(P.A, P.y)
            out.append(time.perf_counter() - start)
        return out

    idle = times()
    busy = subprocess.Popen([sys.executable, "-c", _BUSY_LOOP])
    try:
        time.sleep(0.3)  # let the neighbour start spinning
        loaded = times()
    finally:
        busy.kill()
        busy.wait()
    t_idle, t_loaded = statistics.median(idle), statistics.median(loaded)
    return {
        "case": "newton_loaded_vs_idle",
        "n": n, "d": d,
        "neighbour": f"{os.path.basename(sys.executable)} -c '{_BUSY_LOOP}'",
        "seconds": {"idle": idle, "loaded": loaded},
        "median_seconds": {"idle": t_idle, "loaded": t_loaded},
        "ratio": t_loaded / t_idle,
    }  # fmt: skip


def noisy_planted(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Gaussian :math:`A` (n, d), labels :math:`y = g(Ax^*) + 0.3|e|`; A, x*, e drawn in this order from ``seed``."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    x_star = rng.standard_normal(d)
    e = rng.standard_normal(n)
    return A, relu(A @ x_star) + 0.3 * np.abs(e)


#: repetitions of the exact minimum (milliseconds each) in ``exact_min_vs_brute_force``; the brute force runs once
_EXACT_REPEATS = 5


def bench_exact_min_vs_brute_force(profile: Profile) -> dict:
    """``exact_minimum`` against the brute force over sign patterns with a CVXPY solve per realisable pattern."""
    n, d = profile.brute_force_size
    A, y = noisy_planted(n, d)
    exact_minimum(A, y)  # warm-up: scipy's imports
    found: dict[str, ExactMinimum] = {}

    def brute_force() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found["brute_force"] = exact_min_over_patterns(A, y, realisable_patterns_brute_force(A))

    t_brute = best_seconds(brute_force, 1)
    t_exact = best_seconds(lambda: found.__setitem__("exact", exact_minimum(A, y)), _EXACT_REPEATS)
    exact, brute = found["exact"], found["brute_force"]
    tolerance = agreement_rtol("exact", "CLARABEL") * float(y @ y)
    if not abs(exact.objective - brute.objective) <= tolerance:
        raise RuntimeError(f"exact_minimum ({exact.objective!r}) and the brute force ({brute.objective!r}) disagree "
                           f"on n = {n}, d = {d} by more than {tolerance:.1e}")  # fmt: skip
    return {
        "case": "exact_min_vs_brute_force",
        "n": n, "d": d,
        "cells": exact.cells,
        "linear_programs": 2 ** (n - 1),
        "seconds": {"exact": t_exact, "brute_force": t_brute},
        "values": {"exact": exact.objective, "brute_force": brute.objective},
        "tolerance": tolerance,
        "ratio": t_brute / t_exact,
    }  # fmt: skip


def bench_exact_min_per_cell(profile: Profile) -> dict:
    """``exact_minimum``'s time per cell against one Newton solve of the relaxation on the same data."""
    n, d = profile.per_cell_size
    A, y = noisy_planted(n, d)
    solve_relaxation_newton(A, y)  # warm-up
    found: list[ExactMinimum] = []
    times = _interleaved({"exact": lambda: found.append(exact_minimum(A, y)),
                          "newton": lambda: solve_relaxation_newton(A, y)}, 2)  # fmt: skip
    t_newton = min(times["newton"], best_seconds(lambda: solve_relaxation_newton(A, y), 10))
    cells = found[0].cells
    per_cell = times["exact"] / cells
    return {
        "case": "exact_min_per_cell_vs_newton",
        "n": n, "d": d,
        "cells": cells,
        "fallbacks": found[0].fallbacks,
        "seconds": {"exact": times["exact"], "exact_per_cell": per_cell, "newton": t_newton},
        "values": {"exact min f": found[0].objective},
        "ratio": per_cell / t_newton,
    }  # fmt: skip


def bench_newton_memory(profile: Profile) -> dict:
    """Peak memory of ``relurelax solve --method newton`` over the size of A."""
    n, d = profile.memory_size
    start = time.perf_counter()
    peak, code = _peak_rss_bytes(["solve", "--planted", "--n", str(n), "--d", str(d), "--method", "newton"])
    seconds = time.perf_counter() - start
    baseline, _ = _peak_rss_bytes(["solve", "--planted", "--n", "10", "--d", "5", "--method", "newton"])
    size_A = 8 * n * d
    return {
        "case": "newton_peak_memory",
        "n": n, "d": d,
        "exit_code": code,
        "seconds": seconds,
        "peak_rss_bytes": peak,
        "interpreter_rss_bytes": baseline,
        "A_bytes": size_A,
        "ratio": peak / size_A,
    }  # fmt: skip


def run_benchmarks(profile: str = "thorough", progress: Callable[[str], object] | None = None) -> dict:
    r"""Run every case of ``profile`` (``"thorough"``, ``"quick"`` or ``"smoke"``).

    Returns ``{"machine", "profile", "ratios", "cases"}``; ``ratios`` holds
    ``exact_vs_fastest_cvxpy`` (smallest over the sizes; target >= 10),
    ``batched_vs_loop`` (target >= 5), ``batched_vs_descend``,
    ``batched_vs_loop_one_thread``,
    ``rgd_iteration_vs_two_matvecs`` (target <= 1.5),
    ``newton_peak_memory_vs_A`` (target <= 2.5), ``newton_loaded_vs_idle``
    (target <= 2), ``exact_min_vs_brute_force`` (target >= 20),
    ``exact_min_per_cell_vs_newton``, ``batched_gflops`` and
    ``dgemm_gflops``. ``progress(message)`` is called before each case.
    """
    spec = PROFILES[profile]
    say = progress or (lambda message: None)
    machine = machine_info()
    say("dgemm rate")
    gemm = dgemm_rate(spec.dgemm_n)
    say("exact solver against CVXPY")
    exact_cases, exact_ratio = bench_exact(spec)
    say("batched engine against per-trial loops")
    batched = bench_batched(spec, gemm)
    say("one RGD iteration against two matrix-vector products")
    rgd = bench_rgd_iteration(spec)
    say("exact solver with a CPU-bound process beside it")
    loaded = bench_newton_loaded(spec)
    say("exact minimum of f against the brute force over sign patterns")
    brute = bench_exact_min_vs_brute_force(spec)
    say("exact minimum of f per cell against one Newton solve")
    per_cell = bench_exact_min_per_cell(spec)
    say("peak memory of relurelax solve --method newton")
    memory = bench_newton_memory(spec)
    machine["load_average_after"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {
        "machine": machine,
        "profile": profile,
        "ratios": {
            "exact_vs_fastest_cvxpy": exact_ratio,
            "batched_vs_loop": batched["ratio"],
            "batched_vs_descend": batched["ratio_vs_descend"],
            "batched_vs_loop_one_thread": batched["ratio_vs_plain_loop_one_thread"],
            "rgd_iteration_vs_two_matvecs": rgd["ratio"],
            "newton_peak_memory_vs_A": memory["ratio"],
            "newton_loaded_vs_idle": loaded["ratio"],
            "exact_min_vs_brute_force": brute["ratio"],
            "exact_min_per_cell_vs_newton": per_cell["ratio"],
            "batched_gflops": batched["batched_gflops"],
            "dgemm_gflops": gemm,
        },
        "cases": exact_cases + [batched, rgd, loaded, brute, per_cell, memory],
    }
