r"""Self-checks of the numeric code the ledger relies on: gradients, ties, descent, solvers, certificates.

The claims ledger (:mod:`.ledger`) is only as good as the numeric code in
:mod:`relurelax.solvers` behind its property checks and solver comparisons.
A wrong activation convention, a wrong neuron order in a gradient, a cell QP
without its masks or a disabled divergence test can leave every claim's
verdict unchanged; the checks here look at that code directly. Each check
compares the code with something independent written here: plain loops over
the samples (the objectives (1), (3), (9), (14) halved, the gradients (2), (5),
(11) and (13) halved, the paper's convention :math:`D_i = 1` iff
:math:`a_i^T x \ge 0`), central finite differences, an exact enumeration of
the cells of a planar arrangement (sorted angles), exact minimisation along
rays, and a replay of the descent loop's stopping rules. None compares the
code with its own output.

Every check runs on a few small instances drawn from fixed seeds (integer
data with exact ties among them) and returns a :class:`SelfCheckResult`
(name, passed, the numbers in ``detail``, seconds). A check that raises is a
failure naming the exception. The numeric functions come from the
:class:`~.checks.Numerics` bundle where the bundle has them (so a test can
inject a wrong one); the rest are looked up on :mod:`relurelax.solvers` when
the check runs (so ``monkeypatch`` reaches them). A new check is one
registration: ``@selfcheck("name", "what it asserts")`` on a function
``(numerics, rounds) -> str`` that returns the numbers it saw and calls
:func:`expect` for each assertion.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from itertools import combinations
from typing import Callable, Iterable

import numpy as np

from relurelax import solvers
from relurelax.solvers.descent import BLOWUP_FACTOR, StopReason
from relurelax.solvers.tolerances import (
    DESCENT_GTOL,
    EXACT_RTOL,
    FINITE_DIFFERENCE_RTOL,
    NEWTON_GTOL,
    cell_kkt_rtol,
    conic_gradient_rtol,
    conic_rtol,
)

from .checks import SOLVERS, Numerics

__all__ = [
    "SelfCheck",
    "SelfCheckResult",
    "SelfCheckFailure",
    "SELFCHECKS",
    "selfcheck",
    "expect",
    "run_selfcheck",
    "run_selfchecks",
]

#: float64 rounding allowance, relative to the size of the terms summed
ROUNDING = 64 * np.finfo(np.float64).eps
#: central-difference step (off ties every pre-activation keeps its sign within it)
FD_STEP = 1e-6
#: smallest |a_i^T x_j| of a smooth instance, so no central difference crosses a tie
SMOOTH_MARGIN = 0.05
#: the conic backend of the solver checks, and the one the truncated solve uses
BACKEND = "CLARABEL"
#: a solve stopped after this many iterations (SCS) returns a point that is not optimal
TRUNCATED = {"backend": "SCS", "max_iters": 5}


class SelfCheckFailure(Exception):
    """A self-check's assertion failed; the message gives the numbers."""


def expect(condition: bool, message: str) -> None:
    """Fail the running self-check with ``message`` unless ``condition``."""
    if not condition:
        raise SelfCheckFailure(message)


@dataclass(frozen=True)
class SelfCheck:
    r"""One registered self-check: its name, the one line it asserts, and the function that runs it.

    ``run(numerics, rounds)`` returns the numbers it saw (a short text);
    ``rounds`` >= 1 scales the number of instances (1 for the quick profile).
    """

    name: str
    statement: str
    run: Callable[[Numerics, int], str]


@dataclass(frozen=True)
class SelfCheckResult:
    """The outcome of one self-check: passed or not, the numbers (or the exception) in ``detail``."""

    name: str
    statement: str
    passed: bool
    detail: str
    seconds: float

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "statement": self.statement,
            "passed": self.passed,
            "detail": self.detail,
            "seconds": self.seconds,
        }


#: every self-check, in the order they run
SELFCHECKS: list[SelfCheck] = []


def selfcheck(name: str, statement: str) -> Callable[[Callable[[Numerics, int], str]], Callable[[Numerics, int], str]]:
    """Register the decorated function as the self-check ``name`` asserting ``statement``."""

    def register(run: Callable[[Numerics, int], str]) -> Callable[[Numerics, int], str]:
        if any(c.name == name for c in SELFCHECKS):
            raise ValueError(f"a self-check named {name!r} is registered already")
        SELFCHECKS.append(SelfCheck(name, statement, run))
        return run

    return register


def run_selfcheck(check: SelfCheck, numerics: Numerics = SOLVERS, rounds: int = 1) -> SelfCheckResult:
    """Run one self-check; a failed assertion or any exception is a failed result, never a crash."""
    start = time.perf_counter()
    try:
        detail, passed = check.run(numerics, rounds), True
    except SelfCheckFailure as failure:
        detail, passed = str(failure), False
    except Exception as error:  # a check of the code must report the code's crash, not crash itself
        detail, passed = f"raised {type(error).__name__}: {error}", False
    return SelfCheckResult(check.name, check.statement, passed, detail, time.perf_counter() - start)


def run_selfchecks(
    numerics: Numerics = SOLVERS, rounds: int = 1, checks: Iterable[SelfCheck] | None = None
) -> tuple[SelfCheckResult, ...]:
    """Run every registered self-check (or ``checks``) on ``numerics``; results in registration order."""
    return tuple(run_selfcheck(c, numerics, rounds) for c in (SELFCHECKS if checks is None else checks))


# --- references: plain loops over samples and neurons ------------------------------------------


@dataclass(frozen=True)
class _Plain:
    r"""The objectives and gradients of one point by plain loops (halved scaling of :mod:`~relurelax.solvers.objectives`).

    ``f_m`` is :math:`f` for one neuron; ``f_r`` is :math:`f_r` of the first
    neuron; ``gd`` column j is :math:`\sum_i [z_{ij} \ge 0] r_i a_i` and
    ``rgd`` column j is :math:`\sum_i ([z_{ij} \ge 0] \lor P_i) r_i a_i` with
    :math:`P_i` = every neuron has :math:`z_{ij} < 0` (Eqs. (2), (5), (11), (13) halved).
    """

    f_m: float
    f_mp: float
    f_r: float
    gd: np.ndarray
    rgd: np.ndarray
    size: float  # the largest term summed: the scale of the rounding


def _plain(A: np.ndarray, y: np.ndarray, X: np.ndarray) -> _Plain:
    n, d = A.shape
    m = X.shape[1]
    z = [[math.fsum(float(A[i, k]) * float(X[k, j]) for k in range(d)) for j in range(m)] for i in range(n)]
    r = [sum(max(0.0, z[i][j]) for j in range(m)) - float(y[i]) for i in range(n)]
    inactive = [all(z[i][j] < 0.0 for j in range(m)) for i in range(n)]
    f_m = 0.5 * math.fsum(ri * ri for ri in r)
    f_mp = f_m - math.fsum(float(y[i]) * sum(z[i]) for i in range(n) if inactive[i])
    f_r = math.fsum(0.5 * max(0.0, z[i][0]) ** 2 - float(y[i]) * z[i][0] + 0.5 * float(y[i]) ** 2 for i in range(n))
    gd, rgd = np.zeros((d, m)), np.zeros((d, m))
    for j in range(m):
        for i in range(n):
            if z[i][j] >= 0.0:
                gd[:, j] += r[i] * A[i]
            if z[i][j] >= 0.0 or inactive[i]:
                rgd[:, j] += r[i] * A[i]
    size = 1.0 + max(abs(v) for row in z for v in row) ** 2 + float(np.sum(A * A)) * (1.0 + max(map(abs, r)))
    return _Plain(f_m, f_mp, f_r, gd, rgd, size + float(y @ y))


def _close(a, b, size: float) -> bool:
    return bool(np.all(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) <= ROUNDING * size))


def _text(v) -> str:
    return np.array2string(np.asarray(v, dtype=np.float64), precision=6, separator=", ")


# --- instances: fixed seeds, small ---------------------------------------------------------------


def _smooth_instances(rounds: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    r"""Gaussian (A, y, X) for m = 1, 2, 3 (``rounds`` each) with :math:`|a_i^T x_j| \ge` :data:`SMOOTH_MARGIN`."""
    out = []
    for k in range(rounds):
        for m in (1, 2, 3):
            rng = np.random.default_rng(7919 * k + m)
            A, y = rng.standard_normal((6, 3)), rng.standard_normal(6)
            X = rng.standard_normal((3, m))
            while np.min(np.abs(A @ X)) < SMOOTH_MARGIN:
                X = rng.standard_normal((3, m))
            out.append((A, y, X))
    return out


#: integer data with exact ties: row 3 ties neuron 1 while the others are negative (not all inactive
#: under >= 0, all inactive under > 0), row 2 ties neuron 3 and row 5 neuron 2
TIE_A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0], [-1.0, -2.0]])
TIE_Y = np.array([1.0, 2.0, 3.0, -1.0, 2.0])
TIE_X = np.array([[1.0, -2.0, -1.0], [-1.0, 1.0, 0.0]])


def _tie_points() -> list[np.ndarray]:
    """The tie instance's X for m = 3, 2 (its first two neurons) and 1 (its first)."""
    return [TIE_X, TIE_X[:, :2], TIE_X[:, :1]]


#: a planar arrangement with a parallel row (rows 1 and 5) and integer data
PLANE_A = np.array([[1.0, 0.0], [1.0, 2.0], [-2.0, 1.0], [1.0, -1.0], [-3.0, 0.0]])
PLANE_Y = np.array([2.0, 1.0, -1.0, 3.0, 0.5])


def _plane_cells(A: np.ndarray) -> list[tuple[np.ndarray, float, float]]:
    r"""The cells of the central arrangement of the rows of ``A`` (d = 2), exactly: ``(pattern, angle_lo, angle_hi)``.

    The lines :math:`a_i^T x = 0` meet the unit circle at the angles of
    :math:`\pm a_i^\perp`; between consecutive ones the sign pattern is
    constant, so the midpoints of the sorted angles are one point per cell.
    """
    raw = sorted((math.atan2(a[1], a[0]) + s * math.pi / 2) % (2 * math.pi) for a in A if np.any(a) for s in (-1, 1))
    angles = [v for k, v in enumerate(raw) if k == 0 or v - raw[k - 1] > 1e-9]  # parallel rows: one line
    if angles[-1] - angles[0] > 2 * math.pi - 1e-9:
        angles.pop()
    cells = []
    for lo, hi in zip(angles, angles[1:] + [angles[0] + 2 * math.pi]):
        mid = 0.5 * (lo + hi)
        cells.append((A @ np.array([math.cos(mid), math.sin(mid)]) >= 0.0, lo, hi))
    return cells


def _patterns(rows) -> set[tuple[bool, ...]]:
    return {tuple(bool(v) for v in row) for row in np.asarray(rows)}


# --- the checks -----------------------------------------------------------------------------------


@selfcheck("objective-values", "f, f_r, f_m and f_mp equal plain loops over the samples, at ties and off them")
def check_objective_values(nx: Numerics, rounds: int) -> str:
    points = [(A, y, X) for A, y, X in _smooth_instances(rounds)] + [(TIE_A, TIE_Y, X) for X in _tie_points()]
    for A, y, X in points:
        ref = _plain(A, y, X)
        got = {"f_m": nx.multi_neuron_objective(A, y, X), "f_mp": nx.regularized_objective(A, y, X)}
        if X.shape[1] == 1:
            got |= {"f": nx.objective(A, y, X[:, 0]), "f_r": nx.relaxed_objective(A, y, X[:, 0])}
        want = {"f_m": ref.f_m, "f_mp": ref.f_mp, "f": ref.f_m, "f_r": ref.f_r}
        for name, value in got.items():
            expect(_close(value, want[name], ref.size), f"{name}(X) = {value!r} but a plain loop gives "
                   f"{want[name]!r} at X = {_text(X)} (m = {X.shape[1]})")  # fmt: skip
    return f"{len(points)} points (m = 1..3, {len(_tie_points())} with exact ties), 4 objectives"


def _gradients(nx: Numerics, A, y, X) -> dict[str, tuple[np.ndarray, Callable]]:
    """name -> (the code's gradient at X, the code's objective), for the objectives defined at this m."""
    m = X.shape[1]
    out = {
        "f_m": (solvers.multi_neuron_objective_gradient(A, y, X), nx.multi_neuron_objective),
        "f_mp": (nx.regularized_objective_gradient(A, y, X), nx.regularized_objective),
    }
    if m == 1:
        out["f"] = (solvers.objective_gradient(A, y, X), nx.objective)
        out["f_r"] = (nx.relaxed_objective_gradient(A, y, X), nx.relaxed_objective)
    return {k: (np.asarray(g, dtype=np.float64).reshape(X.shape), f) for k, (g, f) in out.items()}


@selfcheck("gradients-finite-differences",
           "the gradients of f, f_r, f_m and f_mp equal central differences of the objectives off ties "
           "(m = 1..3, distinct neurons)")  # fmt: skip
def check_gradients(nx: Numerics, rounds: int) -> str:
    worst = 0.0
    instances = _smooth_instances(rounds)
    for A, y, X in instances:
        ref = _plain(A, y, X)
        tol = FINITE_DIFFERENCE_RTOL * ref.size
        for name, (G, f) in _gradients(nx, A, y, X).items():
            fd = np.zeros(X.shape)
            for k, j in np.ndindex(X.shape):
                E = np.zeros(X.shape)
                E[k, j] = FD_STEP
                fd[k, j] = (f(A, y, X + E) - f(A, y, X - E)) / (2 * FD_STEP)
            gap = float(np.max(np.abs(G - fd)))
            worst = max(worst, gap / tol)
            expect(gap <= tol, f"grad {name} = {_text(G)} but central differences give {_text(fd)} "
                   f"(m = {X.shape[1]}, gap {gap:.3g} > {tol:.3g})")  # fmt: skip
    return f"{len(instances)} points (m = 1..3); largest gap {worst:.2g} of the tolerance"


@selfcheck("tie-convention",
           "D_i = 1 iff a_i^T x >= 0: the masks at exactly 0, the gradients' masks at ties and f_mp's "
           "regulariser at ties follow it")  # fmt: skip
def check_tie_convention(nx: Numerics, rounds: int) -> str:
    Z = TIE_A @ TIE_X
    mask = np.asarray(solvers.activation_mask(Z))
    expect(bool(np.array_equal(mask, Z >= 0.0)), f"activation_mask of {_text(Z)} is {mask.astype(int).tolist()}, "
           "not 1 iff a_i^T x_j >= 0")  # fmt: skip
    inactive = np.asarray(solvers.all_inactive_mask(Z))
    expect(bool(np.array_equal(inactive, np.all(Z < 0.0, axis=1))), f"all_inactive_mask of {_text(Z)} is "
           f"{inactive.astype(int).tolist()}, not 1 iff every a_i^T x_j < 0")  # fmt: skip
    cells = np.asarray(solvers.cell_masks(TIE_A, TIE_X))
    expect(bool(np.array_equal(cells, Z >= 0.0)), f"cell_masks at ties is {cells.astype(int).tolist()}")
    ties = 0
    for X in _tie_points():
        ref = _plain(TIE_A, TIE_Y, X)
        ties += int(np.sum(TIE_A @ X == 0.0))
        want = {"f_m": ref.gd, "f_mp": ref.rgd, "f": ref.gd, "f_r": ref.rgd}
        for name, (G, _) in _gradients(nx, TIE_A, TIE_Y, X).items():
            expect(_close(G, want[name], ref.size), f"grad {name} at a tie (X = {_text(X)}) is {_text(G)}; with "
                   f"D_i = 1 iff a_i^T x >= 0 it is {_text(want[name])}")  # fmt: skip
        fmp = nx.regularized_objective(TIE_A, TIE_Y, X)
        expect(_close(fmp, ref.f_mp, ref.size), f"f_mp at a tie (X = {_text(X)}) is {fmp!r}; with a row inactive "
               f"only if every a_i^T x_j < 0 it is {ref.f_mp!r}")  # fmt: skip
    return f"{ties} exact ties over m = 1..3 (integer data)"


def _stepped(nx: Numerics, direction, A, y, X, mu: float) -> np.ndarray:
    res = nx.descend(A, y, X, direction, step=mu, max_iter=1, gtol=0.0, history_every=1)
    return np.asarray(res.X, dtype=np.float64).reshape(X.shape)


@selfcheck("descent-step", "one GD and one RGD step of descend is X - mu * (the plain-loop gradient), at ties "
           "and off them, for mu = 1/16 and for the auto step 1/(m ||A||_2^2)")  # fmt: skip
def check_descent_step(nx: Numerics, rounds: int) -> str:
    points = [(A, y, X) for A, y, X in _smooth_instances(rounds)] + [(TIE_A, TIE_Y, X) for X in _tie_points()]
    for A, y, X in points:
        ref = _plain(A, y, X)
        auto = 1.0 / (X.shape[1] * float(np.linalg.svd(A, compute_uv=False)[0]) ** 2)
        # 1/16: a power of two, so the step is exact at the loop's unit scale too
        for mu, step in ((2.0**-4, 2.0**-4), (auto, "auto")):
            for name, direction, G in (("GD", nx.gd, ref.gd), ("RGD", nx.rgd, ref.rgd)):
                got, want = _stepped(nx, direction, A, y, X, step), X - mu * G
                # the auto step is 1/L with L rounded up by 1e-12 (descent._unit_safe_step)
                slack = ROUNDING * ref.size * (1.0 + float(np.max(np.abs(X)))) + 1e-11 * float(np.max(np.abs(mu * G)))
                expect(bool(np.all(np.abs(got - want) <= slack)), f"one {name} step of mu = {step} from "
                       f"X = {_text(X)} gives {_text(got)}, not X - mu grad = {_text(want)} (mu = {mu:.6g})")  # fmt: skip
    return f"{4 * len(points)} steps (GD and RGD, fixed and auto step, m = 1..3, {len(_tie_points())} points with ties)"


#: run_trials's contract: iterates and records within this much of descend's, relative to their size
BATCHED_RTOL = 1e-10


@selfcheck("batched-engine", "run_trials gives descend's stop reasons and iteration counts, and its final "
           "iterates and records within 1e-10 relative, on the same planted instances (GD and RGD, m = 1 and 2, "
           "n < d and n > d)")  # fmt: skip
def check_batched(nx: Numerics, rounds: int) -> str:
    K = 25
    runs = 0
    for n, d, m in ((5, 3, 1), (5, 3, 2), (3, 5, 1), (3, 5, 2)):
        seeds = list(range(11, 11 + rounds))
        batch = solvers.run_trials(n, d, m, seeds, max_iter=K, history_every=5, gtol=0.0)
        for t, seed in enumerate(seeds):
            P = solvers.planted_problem(n, d, m, seed=seed)
            for name, direction in (("gd", nx.gd), ("rgd", nx.rgd)):
                one = nx.descend(P.A, P.y, P.X0, direction, step="auto", max_iter=K, gtol=0.0, history_every=5,
                                 A_test=P.A_test, y_test=P.y_test, X_star=P.X_star)  # fmt: skip
                trials = batch[name]
                where = f"{name}, n = {n}, d = {d}, m = {m}, seed {seed}"
                size = float(np.max(np.abs(one.X)))
                expect(bool(np.all(np.abs(trials.X[t] - one.X) <= BATCHED_RTOL * size)), f"{where}: run_trials "
                       f"ends at {_text(trials.X[t])}, descend at {_text(one.X)}")  # fmt: skip
                # the shared grid; after a trial's stop its final record repeats
                recorded = list(one.history.iterations)
                rows = [recorded.index(i) if i in recorded else len(recorded) - 1 for i in trials.iterations]
                for got, want in ((trials.objective[t], one.history.objective[rows]),
                                  (trials.relaxed_objective[t], one.history.relaxed_objective[rows])):  # fmt: skip
                    scale = float(np.max(np.abs(want)))
                    expect(bool(np.all(np.abs(got - want) <= BATCHED_RTOL * scale)),
                           f"{where}: run_trials records {_text(got)}, descend {_text(want)}")  # fmt: skip
                expect(trials.stop_reasons[t] is one.stop_reason and int(trials.stopped_at[t]) == one.iterations,
                       f"{where}: run_trials stops {trials.stop_reasons[t].value} at "
                       f"{int(trials.stopped_at[t])}, descend {one.stop_reason.value} at {one.iterations}")  # fmt: skip
                runs += 1
    return f"{runs} runs of {K} iterations agree within {BATCHED_RTOL:g}"


def _replay_divergence(A, y, X, mu: float, weights: str, budget: int) -> int:
    r"""The iteration at which the loop must stop as diverged, replayed with plain-loop gradients.

    The rule of :mod:`~relurelax.solvers.descent`: stop when :math:`\|G_t\|_F > 10^{10}
    \max(\|G_0\|_F, \|A^Ty\|)` or :math:`G_t` or the next iterate is not finite.
    """
    with np.errstate(all="ignore"):
        size0 = None
        for t in range(budget + 1):
            ref = _plain(A, y, X)
            G = ref.gd if weights == "gd" else ref.rgd
            g = float(np.linalg.norm(G))
            size0 = max(g, float(np.linalg.norm(A.T @ y))) if size0 is None else size0
            X = X - mu * G
            if not (g <= BLOWUP_FACTOR * size0) or not np.all(np.isfinite(X)):
                return t
    return budget + 1


@selfcheck("descent-stops",
           "a step far too large stops descend as diverged at the iteration the rule names (replayed), and a "
           "converged run has ||grad|| <= gtol ||A^T y|| when recomputed")  # fmt: skip
def check_descent_stops(nx: Numerics, rounds: int) -> str:
    notes = []
    for k in range(rounds):
        rng = np.random.default_rng(101 + k)
        A, y = rng.standard_normal((6, 3)), np.abs(rng.standard_normal(6))
        mu = 100.0 * solvers.safe_step(A, 2)  # 100 times the safe step: the direction grows ~100-fold per step
        X0 = rng.standard_normal((3, 2))
        for name, direction in (("gd", nx.gd), ("rgd", nx.rgd)):
            res = nx.descend(A, y, X0, direction, step=mu, max_iter=2000, history_every=2000, check_every=2000)
            want = _replay_divergence(A, y, X0, mu, name, 2000)
            expect(res.stop_reason is StopReason.DIVERGED, f"{name} with mu = 100 x safe step stopped "
                   f"{res.stop_reason.value} after {res.iterations} iterations, not diverged")  # fmt: skip
            expect(abs(res.iterations - want) <= 1, f"{name} with mu = 100 x safe step stopped as diverged at "
                   f"iteration {res.iterations}; the rule (||G|| > 1e10 x its starting size) stops it at {want}")  # fmt: skip
            expect(bool(np.all(np.isfinite(res.X))), f"{name} diverged but returned a non-finite X")
            notes.append(f"{name} diverged at {res.iterations}")
    P = solvers.planted_problem(4, 6, 1, seed=5)
    ratios = []
    # the stopping measure is relative to ||A^T y||, never to the start: from 100 times farther away the
    # run must still end at a point whose gradient meets gtol
    for label, X0 in (("its start", P.X0), ("a start 100 times farther", 100.0 * P.X0)):
        res = nx.descend(P.A, P.y, X0, nx.rgd, step="auto", max_iter=20_000, history_every=20_000)
        G = _plain(P.A, P.y, np.asarray(res.X)).rgd
        ratio = float(np.linalg.norm(G) / np.linalg.norm(P.A.T @ P.y))
        expect(res.stop_reason is StopReason.CONVERGED, f"RGD on a planted n < d instance from {label} stopped "
               f"{res.stop_reason.value}")  # fmt: skip
        expect(ratio <= DESCENT_GTOL * (1.0 + 1e-6), f"RGD from {label} says converged, but ||grad f_r|| / "
               f"||A^T y|| = {ratio:.3g} > gtol = {DESCENT_GTOL:.0e} at its point")  # fmt: skip
        ratios.append(ratio)
    # f_r(x) = x^2/2 - 2x + 1 here: negative near its minimum x = 2 but bounded below, so the unboundedness
    # test, run at every step, must not fire (it needs A v <= 0 and y^T A v > 0, which no v satisfies)
    A, y = np.array([[1.0], [-1.0]]), np.array([1.0, -1.0])
    res = nx.descend(A, y, np.array([0.5]), nx.rgd, step="auto", max_iter=20_000, history_every=20_000, check_every=1)
    x = float(np.asarray(res.X).ravel()[0])
    expect(res.stop_reason is StopReason.CONVERGED and abs(x - 2.0) <= 1e-6, f"RGD on A = [[1], [-1]], y = (1, -1) "
           f"(f_r = x^2/2 - 2x + 1, bounded below, minimum at x = 2) stopped {res.stop_reason.value} at x = {x!r}")  # fmt: skip
    return "; ".join(notes) + (f"; RGD converged with ||grad||/||A^T y|| = {ratios[0]:.2g} (from 100x farther "
                               f"{ratios[1]:.2g}); a negative but bounded f_r converged at x = {x:.6g}")  # fmt: skip


def _relaxed_gradient_ratio(A, y, x) -> float:
    return float(np.linalg.norm(_plain(A, y, np.reshape(x, (-1, 1))).rgd) / np.linalg.norm(A.T @ y))


def _solver_instances(rounds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Gaussian instances with n > d (a unique minimiser) and n < d, labels of both signs bounded below."""
    out = []
    for k in range(rounds):
        for n, d in ((8, 3), (3, 5)):
            rng = np.random.default_rng(303 + 10 * k + n)
            A = rng.standard_normal((n, d))
            out.append((A, np.abs(rng.standard_normal(n))))
    return out


@selfcheck("newton-certificate", "solve_relaxation_newton converges to a point whose gradient norm, recomputed, "
           "is within gtol, and reports that norm and f_r there")  # fmt: skip
def check_newton(nx: Numerics, rounds: int) -> str:
    worst = 0.0
    for A, y in _solver_instances(rounds):
        res = solvers.solve_relaxation_newton(A, y)
        x = np.asarray(res.x)
        ref = _plain(A, y, x[:, None])
        ratio = _relaxed_gradient_ratio(A, y, x)
        slack = ROUNDING * ref.size / float(np.linalg.norm(A.T @ y))
        worst = max(worst, ratio)
        expect(res.stop_reason.value == "converged", f"Newton stopped {res.stop_reason.value}: {res.message}")
        expect(ratio <= NEWTON_GTOL + slack, f"Newton's point has ||grad f_r|| / ||A^T y|| = {ratio:.3g} "
               f"> gtol = {NEWTON_GTOL:.0e} (n = {A.shape[0]}, d = {A.shape[1]})")  # fmt: skip
        expect(abs(res.gradient_norm - ratio) <= slack, f"Newton reports ||grad||/||A^T y|| = "
               f"{res.gradient_norm:.3g}, recomputed {ratio:.3g}")  # fmt: skip
        expect(_close(res.objective, ref.f_r, ref.size), f"Newton reports f_r = {res.objective!r}, a plain loop "
               f"gives {ref.f_r!r}")  # fmt: skip
    A, y = _solver_instances(1)[0]
    early = solvers.solve_relaxation_newton(A, y, max_iter=1)  # stopped before it converges: a measure far from 0
    ratio = _relaxed_gradient_ratio(A, y, early.x)
    expect(early.stop_reason.value != "converged" and abs(early.gradient_norm - ratio) <= 1e-6 * ratio,
           f"Newton after one step reports {early.stop_reason.value} with ||grad||/||A^T y|| = "
           f"{early.gradient_norm:.6g}, recomputed {ratio:.6g}")  # fmt: skip
    return f"{2 * rounds} instances; largest recomputed ||grad||/||A^T y|| {worst:.2g}; after one step {ratio:.2g}"


@selfcheck("relaxation-certificate",
           "the CVXPY relaxation's certificate, recomputed, passes at its optimum and fails at a point of a "
           "truncated solve")  # fmt: skip
def check_relaxation(nx: Numerics, rounds: int) -> str:
    from relurelax.solvers.errors import InaccurateSolutionError

    tol = conic_gradient_rtol(BACKEND)
    for A, y in _solver_instances(rounds):
        res = nx.solve_relaxation(A, y, backend=BACKEND, form="qp")
        ratio = _relaxed_gradient_ratio(A, y, res.x)
        ref = _plain(A, y, np.asarray(res.x)[:, None])
        cert = res.certificate
        expect(res.status == "optimal" and cert is not None and cert.passed, f"the relaxation's certificate "
               f"fails at its optimum: {res.status}, {cert}")  # fmt: skip
        expect(ratio <= tol, f"the relaxation is certified, but ||grad f_r|| / ||A^T y|| = {ratio:.3g} > {tol:.0e}")
        expect(abs(res.gradient_norm - ratio) <= 1e-6 * max(ratio, 1e-9) + ROUNDING * ref.size,
               f"the relaxation reports ||grad||/||A^T y|| = {res.gradient_norm:.6g}, recomputed {ratio:.6g}")  # fmt: skip
        kkt = res.kkt
        fields = (kkt.primal_feasibility, kkt.dual_feasibility, kkt.complementarity, kkt.stationarity)
        expect(kkt.worst == max(fields) and cert.kkt_worst == kkt.worst, f"the certificate's worst KKT residual "
               f"{cert.kkt_worst} is not the largest of {fields}")  # fmt: skip
        expect(_close(res.objective, ref.f_r, ref.size), f"the relaxation reports f_r = {res.objective!r} at its "
               f"point, a plain loop gives {ref.f_r!r}")  # fmt: skip
    A, y = _solver_instances(1)[0]
    options = {k: v for k, v in TRUNCATED.items() if k != "backend"}
    try:
        bad = nx.solve_relaxation(A, y, backend=TRUNCATED["backend"], form="qp", **options)
    except InaccurateSolutionError as refused:
        bad = refused.result
    else:
        expect(False, f"a {TRUNCATED} solve (||grad||/||A^T y|| = {bad.gradient_norm:.3g}) was accepted as "
               f"'{bad.status}' without an error")  # fmt: skip
    ratio = _relaxed_gradient_ratio(A, y, bad.x)
    expect(ratio > conic_gradient_rtol(TRUNCATED["backend"]), f"the truncated solve is optimal ({ratio:.3g})")
    expect(bad.status == "inaccurate" and not bad.certificate.passed, f"a point with ||grad f_r||/||A^T y|| = "
           f"{ratio:.3g} passes the certificate ({bad.status})")  # fmt: skip
    return f"{2 * rounds} certified optima; the truncated solve (||grad||/||A^T y|| = {ratio:.2g}) fails"


def _cell_q(A, y, masks, X) -> float:
    r""":math:`q_D(X) = \tfrac12\|\sum_j D_j A x_j - y\|^2` by a plain loop."""
    out = [math.fsum(float(masks[i, j]) * float(A[i] @ X[:, j]) for j in range(X.shape[1])) - float(y[i])
           for i in range(len(y))]  # fmt: skip
    return 0.5 * math.fsum(v * v for v in out)


def _ray_min(b: np.ndarray, y: np.ndarray) -> float:
    r""":math:`\min_{t \ge 0} \tfrac12\|t b - y\|^2`, exactly."""
    bb = float(b @ b)
    t = max(0.0, float(b @ y) / bb) if bb > 0 else 0.0
    return 0.5 * float((t * b - y) @ (t * b - y))


def _cone_directions(lo: float, hi: float, count: int) -> np.ndarray:
    angles = lo + (hi - lo) * (np.arange(count) + 0.5) / count
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


@selfcheck("cell-qp", "on every cell of a planar instance (one neuron, and pairs for two), solve_cell's point lies "
           "in the cell and no sampled point of the cell has a lower q_D")  # fmt: skip
def check_cell_qp(nx: Numerics, rounds: int) -> str:
    from scipy.optimize import nnls

    A, y = PLANE_A, PLANE_Y
    cells = _plane_cells(A)
    pairs = list(combinations(range(len(cells)), 2))[:: max(1, 12 // rounds)]
    tol = conic_rtol(BACKEND) * (1.0 + float(y @ y))
    for group in [(k,) for k in range(len(cells))] + pairs:
        masks = np.stack([cells[k][0] for k in group], axis=1)
        res = solvers.solve_cell(A, y, masks, backend=BACKEND)
        X = np.asarray(res.X)
        expect(res.certificate is not None and res.certificate.passed and res.kkt.worst <= cell_kkt_rtol(BACKEND),
               f"cell {masks.astype(int).T.tolist()}: the certificate fails ({res.kkt})")  # fmt: skip
        signed = (2.0 * masks - 1.0) * (A @ X)
        expect(float(np.min(signed)) >= -tol * (1.0 + float(np.max(np.abs(X)))), f"cell "
               f"{masks.astype(int).T.tolist()}: the QP's point X = {_text(X)} leaves the cell "
               f"(min (2D-1) A X = {float(np.min(signed)):.3g})")  # fmt: skip
        q = _cell_q(A, y, masks, X)
        expect(abs(q - res.objective) <= tol, f"cell {masks.astype(int).T.tolist()}: reported q_D = "
               f"{res.objective!r}, recomputed {q!r}")  # fmt: skip
        rays = [masks[:, j : j + 1] * (A @ _cone_directions(*cells[k][1:], 48).T) for j, k in enumerate(group)]
        if len(group) == 1:
            best = min(_ray_min(b, y) for b in rays[0].T)
        else:  # every pair of sampled directions, the two radii minimised exactly (non-negative least squares)
            best = min(0.5 * nnls(np.stack([b1, b2], axis=1), y)[1] ** 2 for b1 in rays[0].T[::4] for b2 in rays[1].T[::4])
        expect(q <= best + tol, f"cell {masks.astype(int).T.tolist()}: the QP's q_D = {q!r} but a sampled point "
               f"of the cell has q_D = {best!r}")  # fmt: skip
    return f"{len(cells)} one-neuron cells and {len(pairs)} two-neuron cells of a planar arrangement"


@selfcheck("arrangement-enumeration", "enumerate_cells and the brute force give the cells of an exact planar "
           "enumeration, and Cover's count (cover_bound too) with every sampled pattern in R^3")  # fmt: skip
def check_enumeration(nx: Numerics, rounds: int) -> str:
    from relurelax.solvers.exact import realisable_patterns_brute_force

    exact = _patterns([p for p, _, _ in _plane_cells(PLANE_A)])
    notes = [f"{len(exact)} planar cells"]
    for name, found in (("enumerate_cells", solvers.enumerate_cells(PLANE_A)), ("brute force", None)):
        got = realisable_patterns_brute_force(PLANE_A) if found is None else found.patterns
        expect(_patterns(got) == exact and len(got) == len(exact), f"{name} gives {len(got)} cells of the planar "
               f"instance, the exact enumeration {len(exact)} (missing {sorted(exact - _patterns(got))}, extra "
               f"{sorted(_patterns(got) - exact)})")  # fmt: skip
        if found is not None:
            own = found.witnesses @ PLANE_A.T >= 0.0
            expect(bool(np.array_equal(own, found.patterns)), "a witness of enumerate_cells lies outside its cell")
    for k in range(rounds):
        rng = np.random.default_rng(505 + k)
        A = rng.standard_normal((5, 3))
        cover = 2 * sum(math.comb(4, i) for i in range(3))
        expect(solvers.cover_bound(5, 3) == cover, f"cover_bound(5, 3) is {solvers.cover_bound(5, 3)}; "
               f"2 sum_(k<3) C(4, k) = {cover}")  # fmt: skip
        found = solvers.enumerate_cells(A)
        brute = realisable_patterns_brute_force(A)
        sampled = _patterns(rng.standard_normal((4000, 3)) @ A.T >= 0.0)
        for name, got in (("enumerate_cells", found.patterns), ("brute force", brute)):
            expect(len(_patterns(got)) == len(got) == cover, f"{name} gives {len(got)} cells of 5 rows in general "
                   f"position in R^3; Cover's count is {cover}")  # fmt: skip
            expect(sampled <= _patterns(got), f"{name} misses sampled patterns {sorted(sampled - _patterns(got))}")
        notes.append(f"{cover} cells in R^3 ({len(sampled)} sampled)")
    return ", ".join(notes)


@selfcheck("exact-minimum", "exact_min_over_patterns is at most f at exact ray minima and at GD's ends, at least "
           "every cell's unconstrained least squares, and f at its point equals its value")  # fmt: skip
def check_exact_minimum(nx: Numerics, rounds: int) -> str:
    from relurelax.solvers.exact import exact_min_over_patterns

    A, y = PLANE_A, PLANE_Y
    cells = _plane_cells(A)
    res = exact_min_over_patterns(A, y, np.array([p for p, _, _ in cells]), backend=BACKEND)
    x = np.asarray(res.x)
    ref = _plain(A, y, x[:, None])
    tol = conic_rtol(BACKEND) * (1.0 + float(y @ y))
    expect(_close(res.objective, ref.f_m, ref.size), f"the exact minimum is {res.objective!r} but f at its "
           f"point is {ref.f_m!r}")  # fmt: skip
    directions = _cone_directions(0.0, 2 * math.pi, 720 * rounds)
    sampled = min(_ray_min(np.maximum(A @ u, 0.0), y) for u in directions)
    expect(res.objective <= sampled + tol, f"the exact minimum {res.objective!r} exceeds f's minimum along a ray, "
           f"{sampled!r}")  # fmt: skip
    rng = np.random.default_rng(707)
    ends = []
    for _ in range(3 * rounds):
        run = nx.descend(A, y, rng.standard_normal(2), nx.gd, step="auto", max_iter=500, history_every=500)
        ends.append(_plain(A, y, np.asarray(run.X)).f_m)
    expect(res.objective <= min(ends) + tol, f"the exact minimum {res.objective!r} exceeds f at a GD end, "
           f"{min(ends)!r}")  # fmt: skip
    lower = min(0.5 * float(np.sum((p * (A @ np.linalg.lstsq(p[:, None] * A, y, rcond=None)[0]) - y) ** 2))
                for p, _, _ in cells)  # fmt: skip
    expect(res.objective >= lower - tol, f"the exact minimum {res.objective!r} is below every cell's least squares "
           f"{lower!r}")  # fmt: skip
    return (f"min f = {res.objective:.6g} over {len(cells)} cells; rays {sampled:.6g}, GD ends {min(ends):.6g}, "
            f"least-squares bound {lower:.6g}")  # fmt: skip


@selfcheck("exact-solvers", "off the planted model (a planar instance, labels of both signs), exact_minimum certifies "
           "every cell by NNLS and equals the CVXPY minimum over the exact cells; solve_pplus equals an NNLS over the "
           "planar rays, lies below min f, and its network reaches it; the Caratheodory step keeps the combination")  # fmt: skip
def check_exact_solvers(nx: Numerics, rounds: int) -> str:
    from scipy.optimize import nnls

    from relurelax.solvers.exact import caratheodory, exact_min_over_patterns

    A, y = PLANE_A, PLANE_Y
    cells = _plane_cells(A)
    tol = conic_rtol(BACKEND) * (1.0 + float(y @ y))
    reference = exact_min_over_patterns(A, y, np.array([p for p, _, _ in cells]), backend=BACKEND)
    res = solvers.exact_minimum(A, y)
    x = np.asarray(res.x)
    expect(res.cells == len(cells), f"exact_minimum solved {res.cells} cells; the planar arrangement has {len(cells)}")
    expect(res.fallbacks == 0, f"exact_minimum's NNLS failed its certificate on {res.fallbacks} of {res.cells} cells "
           "of a well-conditioned planar instance (solved again by CVXPY)")  # fmt: skip
    expect(abs(res.objective - reference.objective) <= tol, f"exact_minimum gives min f = {res.objective!r}; a CVXPY "
           f"solve of every exact planar cell gives {reference.objective!r}")  # fmt: skip
    ref = _plain(A, y, x[:, None])
    expect(_close(res.objective, ref.f_m, ref.size), f"exact_minimum reports {res.objective!r} but f at its point is "
           f"{ref.f_m!r}")  # fmt: skip
    # P_+ in the plane: every cell is the cone of its two boundary rays (A has rank 2), so P_+ is an NNLS over
    # the columns g(A u), u at every boundary angle (each is the lower end of exactly one cell)
    U = np.array([[math.cos(lo), math.sin(lo)] for _, lo, _ in cells])
    value = 0.5 * float(nnls(np.maximum(A @ U.T, 0.0), y)[1]) ** 2
    pplus = solvers.solve_pplus(A, y)
    net = _plain(A, y, np.asarray(pplus.X))
    expect(abs(pplus.lower_bound - value) <= tol, f"solve_pplus gives P_+ = {pplus.lower_bound!r}; an NNLS over the "
           f"{len(U)} planar rays gives {value!r}")  # fmt: skip
    expect(_close(pplus.lower_bound, net.f_m, net.size) and pplus.X.shape[1] <= A.shape[0], f"solve_pplus's network "
           f"of {pplus.X.shape[1]} neurons has f_m = {net.f_m!r}, not its P_+ = {pplus.lower_bound!r} with at most "
           f"n = {A.shape[0]} neurons")  # fmt: skip
    expect(pplus.lower_bound <= res.objective + tol, f"P_+ = {pplus.lower_bound!r} exceeds min f = {res.objective!r}; "
           "one neuron is a feasible point of P_+")  # fmt: skip
    rng = np.random.default_rng(909)
    W = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 12))  # 12 columns of rank 2
    t = rng.uniform(0.5, 2.0, size=12)
    reduced = caratheodory(W, t)
    moved = float(np.linalg.norm(W @ reduced - W @ t))
    expect(bool(np.all(reduced >= 0.0)) and np.count_nonzero(reduced) <= 2 and moved <= EXACT_RTOL *
           float(np.linalg.norm(W @ t)), f"the Caratheodory step leaves {np.count_nonzero(reduced)} positive weights "
           f"(rank 2; min weight {float(reduced.min()):.3g}) and moves W t by {moved:.3g}")  # fmt: skip
    return (f"min f = {res.objective:.6g} over {res.cells} cells (CVXPY {reference.objective:.6g}); P_+ = "
            f"{pplus.lower_bound:.6g} with {pplus.X.shape[1]} neurons (planar NNLS {value:.6g})")
