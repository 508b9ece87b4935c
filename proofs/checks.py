r"""The numeric half: each claim checked against the code in :mod:`relurelax.solvers`.

A check takes a :class:`Numerics` bundle (the objectives, gradients, descent
loop and CVXPY solve under test; :data:`SOLVERS` is relurelax's own) and an
:class:`~.strategies.Instance`, runs the numeric code, and returns an
:class:`Outcome`: the claim holds on the instance, fails on it (with the
numbers that show it), or says nothing about it (a descent run that did not
reach a stationary point, for a claim about stationary points). Plugging a
deliberately wrong gradient or objective into the bundle makes the checks of
proved claims fail; that is how the ledger catches numeric code that
disagrees with the mathematics.

Claims and what is computed (halved scaling of :mod:`relurelax.solvers.objectives`):

* Proposition 1: :math:`f_r(\alpha u + (1-\alpha)v) \le \alpha f_r(u) + (1-\alpha) f_r(v)`
  and :math:`f_r(v) \ge f_r(u) + \nabla f_r(u)^T(v-u)`.
* bounds: :math:`f_r(x) \ge f(x)`, :math:`f_{mp}(X) \ge f_m(X)`.
* Theorem 1 / 2: RGD run to stationarity on :math:`f_r` / :math:`f_{mp}`
  against a witness point and the planted point.
* update (5): the gradient against finite differences, one step of the
  descent loop against GLMtron's update.
* Proposition 2: (13) against one-sided difference quotients of
  :math:`f_{mp}` (differing quotients mean no gradient exists).
* Corollary 1: RGD (17) run to a stationary point; its residual against the
  bound :math:`\|r\| \le \|\nabla\|_F / \sigma_{\min}(A)` that full row rank gives.
* :math:`P_+` (not in the paper): :math:`P_+` by :func:`~relurelax.solvers.solve_pplus`
  against :math:`f_m` at the drawn point (and where plain GD takes it), and
  the recovered network of at most n neurons, padded with zero neurons,
  against :math:`P_+`.
* identifiability of the relaxation (not in the paper): :math:`\min f_r` by
  :func:`~relurelax.solvers.solve_relaxation_newton`, the cone of directions
  at x* decided by linear programs, and a second minimiser checked in exact
  arithmetic when the cone is not {0}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations_with_replacement, product
from typing import Callable, Iterable

import numpy as np

from relurelax import solvers
from relurelax.solvers.descent import Direction, StopReason
from relurelax.solvers.errors import SolveError, UnboundedRelaxationError
from relurelax.solvers.newton import NewtonStopReason
from relurelax.solvers.tolerances import (
    EXACT_RTOL,
    FINITE_DIFFERENCE_RTOL,
    GLOBAL_OBJECTIVE_RTOL,
    NEWTON_OBJECTIVE_RTOL,
    ZERO_TRAIN_ERROR,
)

from .conditions import CONDITIONS, FULL_ROW_RANK, LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION, PLANTED
from .strategies import Instance

__all__ = [
    "Numerics",
    "SOLVERS",
    "Outcome",
    "satisfied_conditions",
    "realisable",
    "has_zero_preactivation",
    "DESCENT_BUDGET",
    "VALUE_RTOL",
    "stationary_residual_bound",
]

#: iteration budget of the descent runs inside the checks
DESCENT_BUDGET = 5_000
#: iteration budget of plain GD improving a witness point (a heuristic: any point it reaches is a valid witness)
WITNESS_BUDGET = 500
#: agreement of objective values at a descent run's stationary point, relative to 1 + ||y||^2
VALUE_RTOL = 1e-6
#: a pre-activation counts as zero below this, relative to 1 + max |AX| (exact zeros for integer data)
ZERO_RTOL = 1e-9
#: one-sided difference step of the Proposition 2 check (a power of two: exact steps on integer data)
ONE_SIDED_STEP = 2.0**-20


@dataclass(frozen=True)
class Numerics:
    r"""The numeric functions a check exercises; replace one to test the checks themselves."""

    objective: Callable = solvers.objective
    relaxed_objective: Callable = solvers.relaxed_objective
    multi_neuron_objective: Callable = solvers.multi_neuron_objective
    regularized_objective: Callable = solvers.regularized_objective
    relaxed_objective_gradient: Callable = solvers.relaxed_objective_gradient
    regularized_objective_gradient: Callable = solvers.regularized_objective_gradient
    residual: Callable = solvers.residual
    descend: Callable = solvers.descend
    rgd: Direction = solvers.RGD
    gd: Direction = solvers.GD
    solve_relaxation: Callable = solvers.solve_relaxation
    solve_relaxation_newton: Callable = solvers.solve_relaxation_newton
    solve_pplus: Callable = solvers.solve_pplus


#: relurelax's own numeric code
SOLVERS = Numerics()


@dataclass(frozen=True)
class Outcome:
    r"""The verdict of one check on one instance.

    ``holds`` is True, False, or None when the claim says nothing about the
    instance. ``points`` are the pre-activation matrices AX at the points
    the claim speaks of (for ``no-zero-preactivation``); ``extra`` are
    (name, value) pairs that document a failure.
    """

    holds: bool | None
    message: str = ""
    points: tuple = ()
    extra: tuple = field(default=())


def has_zero_preactivation(Z: np.ndarray) -> bool:
    r"""True when an entry of :math:`Z = AX` is zero (to :data:`ZERO_RTOL` of its scale)."""
    Z = np.asarray(Z, dtype=np.float64)
    return bool(np.any(np.abs(Z) <= ZERO_RTOL * (1.0 + float(np.max(np.abs(Z), initial=0.0)))))


def realisable(A: np.ndarray, y: np.ndarray, m: int) -> bool:
    r"""Is there X (d x m) with :math:`\sum_j g(Ax_j) = y`? (model (4) / (8) for these data).

    Exact reasoning first (a negative label: no; y = 0: X = 0; full row rank
    and y >= 0: :math:`x_1 = A^+y`), then one linear feasibility problem per
    activation pattern (up to neuron order), solved with HiGHS.
    """
    from scipy.optimize import linprog

    A = np.asarray(A, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = A.shape
    if np.any(y < 0):
        return False
    if not np.any(y):
        return True
    if np.linalg.matrix_rank(A) == n:
        return True
    for patterns in combinations_with_replacement(list(product((False, True), repeat=n)), m):
        covered = np.zeros(n, dtype=bool)
        for S in patterns:
            covered |= np.asarray(S)
        if np.any(y[~covered] != 0):
            continue  # a positive label on a row no neuron activates
        a_ub, a_eq = [], np.zeros((n, d * m))
        for j, S in enumerate(patterns):
            for i in range(n):
                row = np.zeros(d * m)
                row[j * d : (j + 1) * d] = A[i]
                a_ub.append(-row if S[i] else row)  # a_i^T x_j >= 0 on S, <= 0 off S
                if S[i]:
                    a_eq[i] += row
        res = linprog(np.zeros(d * m), A_ub=np.array(a_ub), b_ub=np.zeros(len(a_ub)), A_eq=a_eq, b_eq=y,
                      bounds=[(None, None)] * (d * m), method="highs")  # fmt: skip
        if res.status == 0:
            return True
    return False


def satisfied_conditions(inst: Instance, points: Iterable[np.ndarray] = (), m: int | None = None) -> frozenset[str]:
    r"""The named conditions an instance satisfies (planted decided by :func:`realisable` when no X* is attached)."""
    m = inst.m if m is None else m
    out = set()
    if inst.X_star is not None or realisable(inst.A, inst.y, m):
        out.add(PLANTED)
    if np.all(inst.y >= 0):
        out.add(LABELS_NONNEGATIVE)
    if inst.n <= inst.d:
        out.add(N_LE_D)
    if np.linalg.matrix_rank(inst.A) == inst.n:
        out.add(FULL_ROW_RANK)
    if not any(has_zero_preactivation(Z) for Z in points):
        out.add(NO_ZERO_PREACTIVATION)
    return frozenset(c for c in CONDITIONS if c in out)


# --- helpers


def _value_scale(inst: Instance, *Xs) -> float:
    """1 + ||y||^2 + sum ||A X||_F^2: the size of the terms in an objective value."""
    s = 1.0 + float(inst.y @ inst.y)
    for X in Xs:
        Z = inst.A @ np.asarray(X).reshape(inst.d, -1)
        s += float(np.sum(Z * Z))
    return s


def _gradient_terms_size(inst: Instance, X) -> float:
    """1 + ||A||_F^2 (1 + ||X||_F) + ||A^T y||: the size of the terms in a gradient."""
    a2 = float(np.sum(inst.A * inst.A))
    return 1.0 + a2 * (1.0 + float(np.linalg.norm(X))) + float(np.linalg.norm(inst.A.T @ inst.y))


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _run_to_stationarity(nx: Numerics, A, y, X0):
    # with A = 0 every direction vanishes and no automatic step exists; any step then stops at once
    step = "auto" if np.any(A) else 1.0
    return nx.descend(A, y, X0, nx.rgd, step=step, max_iter=DESCENT_BUDGET, history_every=DESCENT_BUDGET)


def _exact_point(X: np.ndarray, denominator: int = 64) -> np.ndarray:
    """X with every entry replaced by the nearest fraction of denominator <= 64 (exact in binary when a power of 2 divides it)."""
    return np.vectorize(lambda v: float(Fraction(float(v)).limit_denominator(denominator)))(X)


# --- the checks, one per claim


def check_prop1_convexity(nx: Numerics, inst: Instance) -> Outcome:
    A, y, a = inst.A, inst.y, inst.alpha
    u, v = inst.X[:, 0], inst.V[:, 0]
    w = a * u + (1.0 - a) * v
    fu, fv, fw = (nx.relaxed_objective(A, y, p) for p in (u, v, w))
    tol = EXACT_RTOL * _value_scale(inst, u, v)
    points = (A @ inst.X, A @ inst.V)
    if fw > a * fu + (1.0 - a) * fv + tol:
        return Outcome(False, f"f_r(alpha u + (1-alpha) v) = {_fmt(fw)} > alpha f_r(u) + (1-alpha) f_r(v) = "
                       f"{_fmt(a * fu + (1 - a) * fv)} (alpha = {a})", points)  # fmt: skip
    gu = nx.relaxed_objective_gradient(A, y, u)
    tangent = fu + float(gu @ (v - u))
    if fv < tangent - tol:
        return Outcome(False, f"f_r(v) = {_fmt(fv)} < f_r(u) + grad f_r(u)^T (v - u) = {_fmt(tangent)}", points)
    return Outcome(True, points=points)


def check_bound_fr_ge_f(nx: Numerics, inst: Instance) -> Outcome:
    A, y, x = inst.A, inst.y, inst.X[:, 0]
    fr, f = nx.relaxed_objective(A, y, x), nx.objective(A, y, x)
    points = (A @ inst.X,)
    if fr < f - EXACT_RTOL * _value_scale(inst, x):
        return Outcome(False, f"f_r(x) = {_fmt(fr)} < f(x) = {_fmt(f)}", points)
    return Outcome(True, points=points)


def check_bound_fmp_ge_fm(nx: Numerics, inst: Instance) -> Outcome:
    A, y, X = inst.A, inst.y, inst.X
    fmp, fm = nx.regularized_objective(A, y, X), nx.multi_neuron_objective(A, y, X)
    points = (A @ X,)
    if fmp < fm - EXACT_RTOL * _value_scale(inst, X):
        return Outcome(False, f"f_mp(X) = {_fmt(fmp)} < f_m(X) = {_fmt(fm)}", points)
    return Outcome(True, points=points)


@dataclass(frozen=True)
class _RelaxedMinimum:
    r"""RGD's stationary point of the relaxed objective (Theorems 1 and 2), and what a failure reports."""

    loss: Callable
    relaxed: Callable
    loss_name: str
    relaxed_name: str
    value: float  # the relaxed objective at RGD's point
    loss_at_min: float  # the loss there
    certified: bool  # m = 1: convex, so the stationary point is a global minimiser
    tol: float
    points: tuple
    extra: tuple


def _against_planted(inst: Instance, Xw: np.ndarray, run: _RelaxedMinimum) -> Outcome:
    r"""Under the planted model both minima are the value at X*: compare RGD's point and X_w with it."""
    A, y, X_star, tol = inst.A, inst.y, inst.X_star, run.tol
    L, R = run.loss_name, run.relaxed_name
    loss_star, relaxed_star = run.loss(A, y, X_star), run.relaxed(A, y, X_star)
    if abs(relaxed_star - loss_star) > tol:
        return Outcome(False, f"planted X*: {R}(X*) = {_fmt(relaxed_star)} != {L}(X*) = {_fmt(loss_star)}", run.points)
    if run.relaxed(A, y, Xw) < relaxed_star - tol:
        return Outcome(False, f"{R}(X_w) = {_fmt(run.relaxed(A, y, Xw))} < {R}(X*) = "
                       f"{_fmt(relaxed_star)} = min {L}", run.points)  # fmt: skip
    if run.certified and abs(run.value - relaxed_star) > tol:
        return Outcome(False, f"min {R} = {_fmt(run.value)} (RGD) but {R}(X*) = "
                       f"{L}(X*) = {_fmt(loss_star)}", run.points, run.extra)  # fmt: skip
    if run.value <= relaxed_star + tol and run.loss_at_min > loss_star + tol:
        return Outcome(False, f"RGD's minimiser of {R} has {L} = {_fmt(run.loss_at_min)} > "
                       f"{L}(X*) = {_fmt(loss_star)}", run.points, run.extra)  # fmt: skip
    return Outcome(True, points=run.points)


def _against_witness(inst: Instance, Xw: np.ndarray, witness: str, run: _RelaxedMinimum) -> Outcome:
    r"""Without X*, for m = 1: the loss at the witness is no lower than min f_r, and RGD's point minimises f."""
    if not run.certified:
        return Outcome(None, "m > 1 without X*: the global minimum of f_mp is not certified", run.points)
    L, R = run.loss_name, run.relaxed_name
    loss_w = run.loss(inst.A, inst.y, Xw)
    if loss_w < run.value - run.tol:
        return Outcome(False, f"{L}({witness}) = {_fmt(loss_w)} < min {R} = {_fmt(run.value)} "
                       f"(RGD): min {L} < min {R}", run.points, run.extra)  # fmt: skip
    if run.loss_at_min > loss_w + run.tol:
        return Outcome(False, f"the minimiser of {R} has {L} = {_fmt(run.loss_at_min)} > "
                       f"{L}({witness}) = {_fmt(loss_w)}: it does not minimise {L}", run.points, run.extra)  # fmt: skip
    return Outcome(True, points=run.points)


def _lower_witness(nx: Numerics, inst: Instance, loss: Callable) -> np.ndarray | None:
    """Where plain GD on the loss from X_w stops, when the loss is lower there (None otherwise)."""
    A, y, Xw = inst.A, inst.y, inst.X
    step = "auto" if np.any(A) else 1.0
    Xg = np.asarray(nx.descend(A, y, Xw, nx.gd, step=step, max_iter=WITNESS_BUDGET, history_every=WITNESS_BUDGET).X)
    return Xg if loss(A, y, Xg) < loss(A, y, Xw) else None


def _check_global_min(nx: Numerics, inst: Instance, loss: Callable, relaxed: Callable, name: str) -> Outcome:
    r"""Theorems 1 and 2: min loss = min relaxed, and a minimiser of relaxed minimises loss.

    The relaxed objective is minimised by RGD from the witness point X_w.
    For m = 1 it is convex and the stationary point is a global minimiser.
    Under the planted model the minimum of both objectives is the value at
    X* (the proofs show it is 0), so a run is checked against X* whatever m
    is. For m >= 2 without X* the global minimum of f_mp is not certified
    and the instance is not decided.
    """
    A, y, Xw = inst.A, inst.y, inst.X
    loss_name, relaxed_name = ("f", "f_r") if name == "thm1" else ("f_m", "f_mp")
    if inst.m > 1 and inst.X_star is None and np.all(y >= 0):
        # f_mp >= 0 is bounded below and its global minimum is not certified for m > 1
        return Outcome(None, "m > 1 without X*: the global minimum of f_mp is not certified")
    res = _run_to_stationarity(nx, A, y, Xw)
    points = (A @ Xw,)
    if res.stop_reason is StopReason.UNBOUNDED:
        return Outcome(False, f"{relaxed_name} is unbounded below (RGD: {res.message.split(':')[0]}) while "
                       f"{loss_name} >= 0: min {relaxed_name} = -inf != min {loss_name}", points)  # fmt: skip
    if res.stop_reason is not StopReason.CONVERGED:
        return Outcome(None, f"RGD did not reach a stationary point ({res.stop_reason.value})")
    Xt = np.asarray(res.X)
    relaxed_min, loss_at_min = relaxed(A, y, Xt), loss(A, y, Xt)
    extra = (("minimiser", Xt), (f"min {relaxed_name}", relaxed_min), (f"{loss_name}(minimiser)", loss_at_min))
    witness = "X_w"
    Xg = None if inst.X_star is not None else _lower_witness(nx, inst, loss)
    if Xg is not None:
        Xw, witness = Xg, "W"
        extra = extra + (("W (GD from X)", Xw),)
    run = _RelaxedMinimum(loss, relaxed, loss_name, relaxed_name, relaxed_min, loss_at_min, inst.m == 1,
                          VALUE_RTOL * _value_scale(inst, Xw, Xt), points + (A @ Xt,), extra)  # fmt: skip
    if inst.X_star is not None:
        return _against_planted(inst, Xw, run)
    return _against_witness(inst, Xw, witness, run)


def check_thm1_global_min(nx: Numerics, inst: Instance) -> Outcome:
    return _check_global_min(nx, inst, nx.objective, nx.relaxed_objective, "thm1")


def check_thm2_global_min(nx: Numerics, inst: Instance) -> Outcome:
    return _check_global_min(nx, inst, nx.multi_neuron_objective, nx.regularized_objective, "thm2")


def glmtron_step(A: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    r"""One GLMtron update with the ReLU link (Kakade et al. 2011, Alg. 1), written as its loop over samples."""
    n = len(A)
    out = [float(v) for v in x]
    for i in range(n):
        z = sum(float(a) * float(v) for a, v in zip(A[i], x))
        coef = (float(y[i]) - max(0.0, z)) / n
        for k in range(len(out)):
            out[k] += coef * float(A[i][k])
    return np.asarray(out)


def check_rgd_direction(nx: Numerics, inst: Instance) -> Outcome:
    A, y, x = inst.A, inst.y, inst.X[:, 0]
    points = (A @ inst.X,)
    G = np.asarray(nx.relaxed_objective_gradient(A, y, x))
    h = 1e-6
    fd = np.array([(nx.relaxed_objective(A, y, x + h * e) - nx.relaxed_objective(A, y, x - h * e)) / (2 * h)
                   for e in np.eye(inst.d)])  # fmt: skip
    gtol = FINITE_DIFFERENCE_RTOL * _gradient_terms_size(inst, x)
    if float(np.max(np.abs(G - fd))) > gtol:
        return Outcome(False, f"grad f_r = {np.round(G, 6).tolist()} but central differences of f_r give "
                       f"{np.round(fd, 6).tolist()}", points)  # fmt: skip
    mu = 1.0 / inst.n
    stepped = np.asarray(nx.descend(A, y, x, nx.rgd, step=mu, max_iter=1, gtol=0.0).X)[:, 0]
    glm = glmtron_step(A, y, x)
    xtol = EXACT_RTOL * (1.0 + float(np.linalg.norm(x)) + mu * _gradient_terms_size(inst, x))
    if float(np.max(np.abs(stepped - (x - mu * G)))) > xtol:
        return Outcome(False, f"one step of (5) moves x to {np.round(stepped, 6).tolist()}, not x - mu grad f_r = "
                       f"{np.round(x - mu * G, 6).tolist()}", points)  # fmt: skip
    if float(np.max(np.abs(stepped - glm))) > xtol:
        return Outcome(False, f"one step of (5) with mu = 1/n gives {np.round(stepped, 6).tolist()}, GLMtron "
                       f"gives {np.round(glm, 6).tolist()}", points)  # fmt: skip
    return Outcome(True, points=points)


def check_prop2_gradient(nx: Numerics, inst: Instance) -> Outcome:
    A, y, X = inst.A, inst.y, inst.X
    Z = A @ X
    points = (Z,)
    G = np.asarray(nx.regularized_objective_gradient(A, y, X)).reshape(X.shape)
    nonzero = np.abs(Z[Z != 0])
    amax = float(np.max(np.abs(A))) or 1.0
    # no nonzero pre-activation changes sign within one step
    h = min(ONE_SIDED_STEP, 0.25 * float(np.min(nonzero, initial=np.inf)) / amax)
    f0 = nx.regularized_objective(A, y, X)
    tol = FINITE_DIFFERENCE_RTOL * _gradient_terms_size(inst, X)
    for k, j in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[k, j] = h
        right = (nx.regularized_objective(A, y, X + E) - f0) / h
        left = (f0 - nx.regularized_objective(A, y, X - E)) / h
        if abs(right - left) > tol:
            return Outcome(False, f"f_mp has no gradient at X: one-sided derivatives in X[{k},{j}] are "
                           f"{_fmt(right)} (right) and {_fmt(left)} (left); (13)/2 gives {_fmt(G[k, j])}",
                           points)  # fmt: skip
        if abs(0.5 * (right + left) - G[k, j]) > tol:
            return Outcome(False, f"d f_mp / dX[{k},{j}] = {_fmt(0.5 * (right + left))} but (13)/2 gives "
                           f"{_fmt(G[k, j])}", points)  # fmt: skip
    return Outcome(True, points=points)


def stationary_residual_bound(A: np.ndarray, y: np.ndarray, residual_norm: float, direction_norm: float) -> float:
    r"""Largest :math:`\|r\|` a point with :math:`\|(13)/2\|_F` = ``direction_norm`` can have, A of full row rank.

    Every row of W = (D_j + prod D^c) r is r_i in some column (Corollary 1),
    so :math:`\|r\| \le \|W\|_F \le \|A^TW\|_F / \sigma_{\min}(A)`; the
    second term bounds the float64 rounding of :math:`A^TW`.
    """
    sigma_min = float(np.linalg.svd(A, compute_uv=False)[-1])
    rounding = EXACT_RTOL * float(np.linalg.norm(A)) * (residual_norm + float(np.linalg.norm(y)))
    return (direction_norm + rounding) / sigma_min


def check_cor1_stationary_global(nx: Numerics, inst: Instance) -> Outcome:
    A, y = inst.A, inst.y
    res = _run_to_stationarity(nx, A, y, inst.X)
    if res.stop_reason is not StopReason.CONVERGED:
        return Outcome(None, f"RGD did not reach a stationary point ({res.stop_reason.value})")
    X = np.asarray(res.X)
    points = (A @ X,)
    r = np.asarray(nx.residual(A, y, X))
    G = np.asarray(nx.regularized_objective_gradient(A, y, X)).reshape(X.shape)
    rnorm, gnorm = float(np.linalg.norm(r)), float(np.linalg.norm(G))
    exact = _exact_point(X)
    if not np.any(nx.regularized_objective_gradient(A, y, exact)) and np.any(nx.residual(A, y, exact)):
        X, r, gnorm = exact, np.asarray(nx.residual(A, y, exact)), 0.0  # an exactly stationary point
        rnorm = float(np.linalg.norm(r))
    extra = (("stationary point", X), ("residual", r), ("||(13)/2||", gnorm))
    if np.linalg.matrix_rank(A) == A.shape[0]:
        bound = stationary_residual_bound(A, y, rnorm, gnorm)
        if rnorm > bound:
            return Outcome(False, f"stationary point of (17) with ||r|| = {_fmt(rnorm)} > ||(13)/2||_F / "
                           f"sigma_min(A) = {_fmt(bound)}", points, extra)  # fmt: skip
        return Outcome(True, points=points)
    if rnorm > VALUE_RTOL * (1.0 + float(np.linalg.norm(y))):
        return Outcome(False, f"RGD (17) stopped at a stationary point (||(13)/2|| = {gnorm:.2g}) with residual "
                       f"||r|| = {_fmt(rnorm)}", points, extra)  # fmt: skip
    return Outcome(True, points=points)


# --- claims of relurelax beyond the paper


def check_pplus_lower_bound(nx: Numerics, inst: Instance) -> Outcome:
    r""":math:`P_+ \le f_m(X)` at the drawn X and where plain GD takes it; the recovered network reaches :math:`P_+`.

    :math:`P_+` comes from ``nx.solve_pplus`` (one NNLS over the rays of the
    arrangement, certified); every :math:`f_m` from
    ``nx.multi_neuron_objective``. The recovered network has at most n
    neurons (Caratheodory); padded with zero neurons (each outputs
    :math:`g(0) = 0`) to :math:`\max(m, n)` neurons its :math:`f_m` must be
    :math:`P_+`, which shows :math:`\min f_m = P_+` for every m >= n.
    Tolerance: :data:`~relurelax.solvers.tolerances.GLOBAL_OBJECTIVE_RTOL`
    times the size of the terms (:math:`1 + \|y\|^2 + \|AX\|_F^2`).
    """
    A, y, X = inst.A, inst.y, inst.X
    points = (A @ X,)
    try:
        result = nx.solve_pplus(A, y)
    except SolveError as e:
        return Outcome(False, f"P_+ could not be solved and certified: {e}", points)
    pplus = float(result.lower_bound)
    candidates = [("X", X)]
    Xg = _lower_witness(nx, inst, nx.multi_neuron_objective)
    if Xg is not None:
        candidates.append(("W", Xg))
    for name, P in candidates:
        fm = nx.multi_neuron_objective(A, y, P)
        if fm < pplus - GLOBAL_OBJECTIVE_RTOL * _value_scale(inst, P):
            extra = (("W (GD from X)", Xg),) if name == "W" else ()
            return Outcome(False, f"f_m({name}) = {_fmt(fm)} < P_+ = {_fmt(pplus)}", points, extra)
    network = np.asarray(result.X)
    k = network.shape[1]
    if k > inst.n:
        return Outcome(False, f"the network recovered from P_+ has {k} neurons, more than n = {inst.n}", points,
                       (("recovered network", network),))  # fmt: skip
    padded = np.hstack([network, np.zeros((inst.d, max(inst.m, inst.n) - k))])
    fm = nx.multi_neuron_objective(A, y, padded)
    if abs(fm - pplus) > GLOBAL_OBJECTIVE_RTOL * _value_scale(inst, padded):
        return Outcome(False, f"the network recovered from P_+ ({k} neurons, padded to {padded.shape[1]}) has "
                       f"f_m = {_fmt(fm)}, not P_+ = {_fmt(pplus)}", points, (("recovered network", network),))  # fmt: skip
    return Outcome(True, points=points)


#: largest :math:`\|\hat x - x^*\|_\infty / (1 + \|x^*\|_\infty)` accepted for Newton's minimiser of
#: f_r when x* is its only minimiser. Near x* then :math:`f_r(x^* + v) = \tfrac12\|A_Sv\|^2 +
#: \tfrac12\|g(A_Tv)\|^2 \ge \tfrac c2\|v\|^2` for some c > 0, and convexity gives
#: :math:`\|\hat x - x^*\| \le 2\|\nabla f_r(\hat x)\| / c`, with Newton's gradient at most
#: NEWTON_GTOL :math:`\|A^Ty\|` (1e-12) and c as small as the data make it. Measured on 11,500
#: planted instances of the ledger's kind (integers in [-3, 3], n, d <= 4) with that cone {0}:
#: at most 2.1e-10 (99.9% below 2.2e-11); the tolerance keeps a margin of about 500.
MINIMISER_RTOL = 1e-7
#: denominators tried when a float point is read as an exact rational one (then checked exactly)
RATIONAL_DENOMINATOR = 10**6


def _preactivations(A: np.ndarray, x) -> list[Fraction]:
    r""":math:`Ax` in exact arithmetic (every float64 entry of A is a rational number)."""
    return [sum((Fraction(float(a)) * xk for a, xk in zip(row, x)), Fraction(0)) for row in A]


def _rational_point(x: np.ndarray) -> list[Fraction]:
    return [Fraction(float(v)).limit_denominator(RATIONAL_DENOMINATOR) for v in x]


def _exact_realiser(inst: Instance, x_hat: np.ndarray) -> list[Fraction] | None:
    r"""An exact x* with :math:`g(Ax^*) = y`: the planted one, or Newton's point read as a rational one (None if neither)."""
    if inst.X_star is not None:
        return [Fraction(float(v)) for v in inst.X_star[:, 0]]
    x = _rational_point(x_hat)
    outputs = [max(z, Fraction(0)) for z in _preactivations(inst.A, x)]
    return x if outputs == [Fraction(float(v)) for v in inst.y] else None


def _cone_direction(A: np.ndarray, S: list[int], T: list[int]) -> tuple[bool, list[Fraction] | None]:
    r"""Is the cone :math:`\{v : A_Sv = 0,\ A_Tv \le 0\}` not {0}, and an exact nonzero v in it.

    Decided by the 2d linear programs :math:`\max \pm v_j` over the cone
    and :math:`-1 \le v \le 1` (HiGHS): the cone is invariant under
    scaling, so each optimum is 0 or 1, and the cone is {0} iff all are 0.
    A direction found is read as a rational vector and checked exactly;
    ``(True, None)`` when that check fails (undecided).
    """
    from scipy.optimize import linprog

    d = A.shape[1]
    eq = {"A_eq": A[S], "b_eq": np.zeros(len(S))} if S else {}
    ub = {"A_ub": A[T], "b_ub": np.zeros(len(T))} if T else {}
    for j in range(d):
        for sign in (1.0, -1.0):
            c = np.zeros(d)
            c[j] = -sign  # linprog minimises: this maximises sign * v_j
            res = linprog(c, bounds=[(-1.0, 1.0)] * d, method="highs", **eq, **ub)
            if res.status != 0 or -res.fun < 0.5:
                continue
            v = _rational_point(res.x)
            z = _preactivations(A, v)
            if any(v) and all(z[i] == 0 for i in S) and all(z[i] <= 0 for i in T):
                return True, v
            return True, None
    return False, None


def _exact_relaxed_objective(A: np.ndarray, y: np.ndarray, x: list[Fraction]):
    r""":math:`f_r(x) = \sum_i \varphi_r(a_i^Tx; y_i)` in exact arithmetic, with the sample term of :mod:`.symbolic`."""
    import sympy as sp

    from .symbolic import phi_r

    def rational(q: Fraction):
        return sp.Rational(q.numerator, q.denominator)

    return sum((phi_r(rational(z), rational(Fraction(float(yi)))) for z, yi in zip(_preactivations(A, x), y)),
               sp.Integer(0))  # fmt: skip


def _second_minimiser(inst: Instance, x_star: list[Fraction], v: list[Fraction]) -> list[Fraction]:
    r""":math:`x^* + tv` with the largest :math:`t \le 1` that keeps every row with :math:`a_i^Tx^* < 0` at or below 0."""
    z, q = _preactivations(inst.A, x_star), _preactivations(inst.A, v)
    t = min([Fraction(1)] + [-zi / qi for zi, qi in zip(z, q) if zi < 0 and qi > 0])
    return [xs + t * vk for xs, vk in zip(x_star, v)]


def check_relaxation_identifiability(nx: Numerics, inst: Instance) -> Outcome:
    r"""Under (4): :math:`\min f_r = 0`, its minimisers fit y, and x* is the only one iff the cone of directions is {0}.

    :math:`\min f_r` is solved by ``nx.solve_relaxation_newton`` (certified
    by its gradient; unbounded below is reported with a certificate) and
    evaluated with ``nx.relaxed_objective``: it must be 0 (to
    :data:`~relurelax.solvers.tolerances.NEWTON_OBJECTIVE_RTOL` of
    :math:`1 + \|y\|^2`) with :math:`g(A\hat x) = y` (``nx.residual``, to
    :data:`~relurelax.solvers.tolerances.ZERO_TRAIN_ERROR`). With an exact
    x* (the planted one, or Newton's point read as a rational one and
    checked), :math:`f_r(x^*) = 0`; with :math:`S = \{a_i^Tx^* > 0\}` and the
    ties :math:`T = \{a_i^Tx^* = 0\}`, decided exactly, the cone
    :math:`\{v : A_Sv = 0,\ A_Tv \le 0\}` is decided by linear programs: if
    it is {0}, Newton's minimiser must be x* (to :data:`MINIMISER_RTOL`);
    if not, :math:`x^* + tv` is a second minimiser, :math:`f_r = 0` there in
    exact arithmetic and in ``nx.relaxed_objective``.
    """
    found = _fitting_minimiser(nx, inst)
    if isinstance(found, Outcome):
        return found
    x_star = _exact_realiser(inst, found)
    if x_star is None:
        return Outcome(None, "no exact x* with g(A x*) = y is known for these labels")
    return _unique_iff_cone_is_zero(nx, inst, found, x_star)


def _fitting_minimiser(nx: Numerics, inst: Instance) -> np.ndarray | Outcome:
    r"""Newton's minimiser of :math:`f_r` when :math:`\min f_r = 0` there and it fits y; else the Outcome that says why not."""
    A, y = inst.A, inst.y
    try:
        res = nx.solve_relaxation_newton(A, y)
    except UnboundedRelaxationError as e:
        return Outcome(False, f"{str(e).split(':')[0]}: min f_r = -inf, not 0")
    if res.stop_reason is not NewtonStopReason.CONVERGED:
        return Outcome(None, f"Newton did not converge ({res.stop_reason.value})")
    x_hat = np.asarray(res.x)
    value = nx.relaxed_objective(A, y, x_hat)
    extra = (("minimiser", x_hat),)
    if abs(value) > NEWTON_OBJECTIVE_RTOL * (1.0 + float(y @ y)):
        return Outcome(False, f"min f_r = {_fmt(value)} (Newton, converged), not 0", (A @ x_hat,), extra)
    r = np.asarray(nx.residual(A, y, x_hat))
    if float(np.linalg.norm(r)) > ZERO_TRAIN_ERROR * max(1.0, float(np.linalg.norm(y))):
        return Outcome(False, f"Newton's minimiser of f_r (f_r = {_fmt(value)}) has g(Ax) - y = "
                       f"{np.round(r, 6).tolist()} != 0", (A @ x_hat,), extra)  # fmt: skip
    return x_hat


def _unique_iff_cone_is_zero(nx: Numerics, inst: Instance, x_hat: np.ndarray, x_star: list[Fraction]) -> Outcome:
    r"""x* the only minimiser when the cone of directions at x* is {0} (Newton's point is x*), a second one otherwise."""
    A, y = inst.A, inst.y
    xs = np.array([float(v) for v in x_star])
    points = (A @ xs,)
    if abs(nx.relaxed_objective(A, y, xs)) > EXACT_RTOL * _value_scale(inst, xs):
        return Outcome(False, f"f_r(x*) = {_fmt(nx.relaxed_objective(A, y, xs))} != 0 under (4)", points)
    z = _preactivations(A, x_star)
    S, T = [i for i, zi in enumerate(z) if zi > 0], [i for i, zi in enumerate(z) if zi == 0]
    nontrivial, v = _cone_direction(A, S, T)
    if not nontrivial:
        scale = 1.0 + float(np.max(np.abs(xs), initial=0.0))
        if float(np.max(np.abs(x_hat - xs))) > MINIMISER_RTOL * scale:
            return Outcome(False, f"the cone {{v : A_S v = 0, A_T v <= 0}} is {{0}}, so x* = {xs.tolist()} is the only "
                           f"minimiser of f_r, but Newton's minimiser is {x_hat.tolist()}", points,
                           (("minimiser", x_hat),))  # fmt: skip
        return Outcome(True, points=points)
    if v is None:
        return Outcome(None, "the cone is not {0} but no exact direction was read from the linear program")
    second = _second_minimiser(inst, x_star, v)
    exact = _exact_relaxed_objective(A, y, second)
    x2 = np.array([float(c) for c in second])
    numeric = nx.relaxed_objective(A, y, x2)
    extra = (("second minimiser", x2),)
    if exact != 0:
        return Outcome(False, f"v = {[str(c) for c in v]} is in the cone {{v : A_S v = 0, A_T v <= 0}}, but f_r at "
                       f"x* + t v = {[str(c) for c in second]} is {exact} != 0 (exact)", points, extra)  # fmt: skip
    if abs(numeric) > EXACT_RTOL * _value_scale(inst, x2):
        return Outcome(False, f"f_r = 0 at the second minimiser {[str(c) for c in second]} (exact), but the numeric "
                       f"f_r gives {_fmt(numeric)}", points, extra)  # fmt: skip
    return Outcome(True, points=points)
