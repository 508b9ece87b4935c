r"""Cross-checks of GD and RGD against independent convex solvers, on planted instances.

One neuron (m = 1). GD (update (2)) and RGD (update (5)) run to
stationarity, and every requested CVXPY backend minimises the relaxation
:math:`f_r` (Eq. (3), halved; the ``qp`` form, which gives KKT residuals).
RGD and the backends all claim :math:`\min f_r`: each pair of them *agrees*
when their values of :math:`f_r` differ by at most
:func:`~relurelax.solvers.tolerances.agreement_rtol` times :math:`\|y\|^2`.
Every solution's :math:`f` must also lie above that optimum up to the same
tolerance, since :math:`\min f = \min f_r` (Theorem 1); GD is checked this
way only, since GD is not a method for :math:`\min f_r`.

Several neurons (m > 1). CVXPY cannot minimise :math:`f_{mp}` (Eq. (14)),
so what can be certified is certified: the activation patterns
:math:`D_j` that RGD (update (17)) ends with are fixed and every backend
minimises :math:`f_m` over that activation cell
(:func:`~relurelax.solvers.solve_cell`). RGD's point lies in its own cell,
so its :math:`f_m` is at least the cell optimum; RGD and the backends agree
when RGD's :math:`f_m` equals each cell optimum (and the backends each
other) within the same tolerances.

For every instance the result also says whether the optimum found is the
planted global value 0 (Theorem 1 for m = 1; the planted model (8) for
m > 1). Values are recomputed in float64 at every returned point, never
taken from a solver's report, so each value is attained; the lowest of the
compared values is the instance's optimum.

A backend's answer counts only with relurelax's certificate: every convex
solve is asked for its result even when the certificate fails
(``accept_inaccurate=True``), and such a result is shown with stop reason
``inaccurate`` and fails its instance through a comparison of kind
``"certificate"`` (the failing measure against its tolerance, taken from the
result record's certificate, not recomputed). An inaccurate point is not a
candidate for the instance's optimum.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from relurelax.solvers import (
    GD,
    RGD,
    cell_masks,
    descend,
    planted_problem,
    relative_error,
    solve_cell,
    solve_relaxation,
)
from relurelax.solvers.errors import InvalidInputError, SolveError
from relurelax.solvers.objectives import loss_from, network_output, rgd_objective_from
from relurelax.solvers.relaxation import Certificate, KKTResiduals, check_backend
from relurelax.solvers.tolerances import (
    DESCENT_GTOL,
    DESCENT_OBJECTIVE_RTOL,
    agreement_rtol,
    cell_kkt_rtol,
    conic_gradient_rtol,
    conic_kkt_rtol,
    conic_rtol,
)
from relurelax.solvers.seeds import derived_seed

__all__ = [
    "Solution",
    "Comparison",
    "InstanceCheck",
    "CrosscheckResult",
    "judge",
    "crosscheck_instance",
    "run_crosscheck",
    "check_backends",
    "tolerances_json",
    "DEFAULT_NS",
    "DEFAULT_DS",
    "DEFAULT_MAX_ITER",
]

DEFAULT_NS = (50, 100, 200)
DEFAULT_DS = (100,)
#: iteration budget of GD and RGD; RGD at n = 2d can need tens of thousands of auto steps
DEFAULT_MAX_ITER = 100_000


@dataclass(frozen=True)
class Solution:
    r"""One solver's answer on one instance.

    ``method`` is ``"gd"``, ``"rgd"``, ``"cvxpy"`` (min :math:`f_r`, m = 1)
    or ``"cell"`` (min :math:`f_m` over RGD's cell, m > 1); ``solver`` is the
    CVXPY backend (None for descent). ``objective`` is :math:`f` or
    :math:`f_m` at the point, ``relaxed_objective`` :math:`f_r` or
    :math:`f_{mp}`, and ``value`` the quantity compared for agreement
    (:math:`f_r` for m = 1; :math:`f_m` for RGD and the cell optimum
    :math:`q_D` for a cell solve when m > 1). ``recovery_error`` is
    :math:`\|x - x^*\| / \|x^*\|` (m = 1). ``stop_reason`` is the descent's
    :class:`~relurelax.solvers.StopReason` value or relurelax's verdict on
    a convex solve (``"optimal"``, or ``"inaccurate"`` when its
    ``certificate`` fails, with the failing measure in ``message``), or
    ``"error"`` with ``message`` when a backend failed (values then NaN).
    """

    method: str
    solver: str | None
    objective: float
    relaxed_objective: float
    value: float
    train_error: float
    recovery_error: float | None
    iterations: int | None
    stop_reason: str
    gradient_norm: float | None
    kkt: KKTResiduals | None
    seconds: float
    message: str = ""
    certificate: Certificate | None = None

    @property
    def inaccurate(self) -> bool:
        return self.certificate is not None and not self.certificate.passed

    @property
    def label(self) -> str:
        return self.method if self.solver is None else f"{self.method}:{self.solver}"

    @property
    def tolerance_key(self) -> str:
        return self.solver or self.method


@dataclass(frozen=True)
class Comparison:
    r"""One agreement test, with ``difference`` relative to :math:`\|y\|^2`.

    ``kind == "equal"``: ``difference = (value_a - value_b) / ||y||^2`` and
    the pair agrees when its absolute value is at most ``tolerance``.
    ``kind == "lower_bound"``: ``a``'s objective must not lie below the
    optimum ``b`` (``difference >= -tolerance``). ``kind == "certificate"``:
    ``a`` is a convex solve whose certificate failed; ``b`` names the failing
    measure, ``difference`` is its value and ``tolerance`` its tolerance
    (never agrees).
    """

    a: str
    b: str
    kind: str
    difference: float
    tolerance: float
    agree: bool


@dataclass(frozen=True)
class InstanceCheck:
    """All solutions and agreement tests on one planted instance."""

    n: int
    d: int
    m: int
    seed: int
    y_norm_squared: float
    solutions: tuple[Solution, ...]
    comparisons: tuple[Comparison, ...]
    optimum: float
    optimum_is_planted_zero: bool
    agree: bool


@dataclass(frozen=True)
class CrosscheckResult:
    """A cross-check run; ``agree`` is True when every instance agrees."""

    instances: tuple[InstanceCheck, ...]
    backends: tuple[str, ...]
    max_iter: int

    @property
    def agree(self) -> bool:
        return all(inst.agree for inst in self.instances)

    def to_json(self) -> dict:
        """``{"instances": [...], "tolerances": {...}}`` (see :func:`instance_json`)."""
        return {
            "instances": [instance_json(inst) for inst in self.instances],
            "tolerances": tolerances_json(self.backends, self.max_iter),
        }


def tolerances_json(backends: Sequence[str], max_iter: int) -> dict:
    """The named tolerances a cross-check applied, for its JSON."""
    return {
        "scale": "||y||^2",
        "agreement_rtol": {
            "gd": DESCENT_OBJECTIVE_RTOL,
            "rgd": DESCENT_OBJECTIVE_RTOL,
            **{b: conic_rtol(b) for b in backends},
        },
        "pair_rule": "a pair agrees when |value_a - value_b| <= max(rtol_a, rtol_b) * ||y||^2",
        "certificate": {
            "gradient_rtol": {b: conic_gradient_rtol(b) for b in backends},
            "kkt_rtol": {b: conic_kkt_rtol(b) for b in backends},
            "cell_kkt_rtol": {b: cell_kkt_rtol(b) for b in backends},
            "rule": "a convex solve counts only when relurelax's certificate (relative gradient norm of f_r, "
                    "KKT residuals), computed in float64 at unit scale, is within these",
        },
        "descent_gtol": DESCENT_GTOL,
        "descent_max_iter": max_iter,
    }


def _kkt_json(kkt: KKTResiduals | None):
    if kkt is None:
        return None
    return {
        "primal_feasibility": kkt.primal_feasibility,
        "dual_feasibility": kkt.dual_feasibility,
        "complementarity": kkt.complementarity,
        "stationarity": kkt.stationarity,
        "worst": kkt.worst,
    }


def instance_json(inst: InstanceCheck) -> dict:
    """One instance as a JSON object: ``n, d, m, seed, solutions, agree`` and the evidence behind ``agree``."""
    return {
        "n": inst.n,
        "d": inst.d,
        "m": inst.m,
        "seed": inst.seed,
        "y_norm_squared": inst.y_norm_squared,
        "solutions": [
            {
                "method": s.method,
                "solver": s.solver,
                "objective": s.objective,
                "relaxed_objective": s.relaxed_objective,
                "value": s.value,
                "train_error": s.train_error,
                "recovery_error": s.recovery_error,
                "iterations": s.iterations,
                "stop_reason": s.stop_reason,
                "gradient_norm": s.gradient_norm,
                "kkt": _kkt_json(s.kkt),
                "message": s.message,
                "seconds": s.seconds,
            }
            for s in inst.solutions
        ],
        "comparisons": [
            {"a": c.a, "b": c.b, "kind": c.kind, "difference": c.difference, "tolerance": c.tolerance, "agree": c.agree}
            for c in inst.comparisons
        ],
        "optimum": inst.optimum,
        "optimum_is_planted_zero": inst.optimum_is_planted_zero,
        "agree": inst.agree,
    }


# --- the agreement logic -----------------------------------------------------


def judge(solutions: Sequence[Solution], y_norm_squared: float, m: int) -> tuple[tuple[Comparison, ...], float, bool]:
    r"""Agreement tests of one instance (see the module docstring).

    Returns ``(comparisons, optimum, optimum_is_planted_zero)``; the instance
    agrees when every comparison does. A missing value (NaN: a failed
    backend) never agrees.
    """
    scale = y_norm_squared if y_norm_squared > 0 else 1.0
    claimants = [s for s in solutions if s.method in (("rgd", "cvxpy") if m == 1 else ("rgd", "cell"))]
    comparisons = []
    for s in solutions:
        if s.inaccurate:
            c = s.certificate
            if c.gradient_norm is not None and not c.gradient_norm <= c.gradient_tolerance:
                comparisons.append(Comparison(s.label, "gradient certificate", "certificate", c.gradient_norm,
                                              c.gradient_tolerance, False))  # fmt: skip
            if c.kkt_worst is not None and not c.kkt_worst <= c.kkt_tolerance:
                comparisons.append(Comparison(s.label, "KKT certificate", "certificate", c.kkt_worst,
                                              c.kkt_tolerance, False))  # fmt: skip
    for a, b in itertools.combinations(claimants, 2):
        diff = (a.value - b.value) / scale
        tol = agreement_rtol(a.tolerance_key, b.tolerance_key)
        comparisons.append(Comparison(a.label, b.label, "equal", diff, tol, bool(abs(diff) <= tol)))

    # an inaccurate point's value is not a minimum anyone certified (for a cell, maybe not even in the cell)
    finite = [s for s in claimants if math.isfinite(s.value) and not s.inaccurate]
    if not finite:
        return tuple(comparisons), math.nan, False
    best = min(finite, key=lambda s: s.value)
    optimum = best.value
    planted_zero = bool(abs(optimum) / scale <= agreement_rtol(best.tolerance_key, best.tolerance_key))
    if m == 1:
        # Theorem 1: min f = min f_r, so no point has f below the optimum
        for s in solutions:
            diff = (s.objective - optimum) / scale
            tol = agreement_rtol(s.tolerance_key, best.tolerance_key)
            comparisons.append(Comparison(s.label, best.label, "lower_bound", diff, tol, bool(diff >= -tol)))
    return tuple(comparisons), optimum, planted_zero


# --- running one instance ----------------------------------------------------


def _descent_solution(P, direction, max_iter: int) -> tuple[Solution, np.ndarray]:
    start = time.perf_counter()
    res = descend(P.A, P.y, P.X0, direction, max_iter=max_iter, history_every=max(1, max_iter))
    seconds = time.perf_counter() - start
    X = np.asarray(res.X)
    return _point_solution(P, X, direction.name, None, res.iterations, res.stop_reason.value, None, seconds,
                           gradient_norm=res.gradient_norm / (float(np.linalg.norm(P.A.T @ P.y)) or 1.0)), X  # fmt: skip


def _point_solution(P, X, method, solver, iterations, stop, kkt, seconds, *, gradient_norm=None, value=None,
                    certificate=None) -> Solution:  # fmt: skip
    Z = P.A @ X
    m = X.shape[1]
    f = loss_from(Z, P.y)
    fr = rgd_objective_from(Z, P.y)
    if value is None:
        value = fr if m == 1 else f
    return Solution(
        method=method,
        solver=solver,
        objective=f,
        relaxed_objective=fr,
        value=value,
        train_error=relative_error(network_output(Z), P.y),
        recovery_error=relative_error(X, P.X_star) if m == 1 else None,
        iterations=iterations,
        stop_reason=stop,
        gradient_norm=gradient_norm,
        kkt=kkt,
        seconds=seconds,
        message="" if certificate is None or certificate.passed else "; ".join(certificate.failures()),
        certificate=certificate,
    )


def _failed(method: str, solver: str, exc: Exception, seconds: float, m: int) -> Solution:
    nan = math.nan
    return Solution(method, solver, nan, nan, nan, nan, nan if m == 1 else None, None, "error", None, None, seconds,
                    message=str(exc))  # fmt: skip


def _convex_solution(P, m: int, backend: str, masks, relax: Callable, cell: Callable) -> Solution:
    d = P.A.shape[1]
    # an inaccurate result is returned (not raised) so that the table can show what the backend gave
    if m == 1:
        res = relax(P.A, P.y, backend=backend, form="qp", accept_inaccurate=True)
        X = np.asarray(res.x, dtype=np.float64).reshape(d, 1)
        return _point_solution(P, X, "cvxpy", res.backend, res.iterations, res.status, res.kkt,
                               res.seconds, gradient_norm=res.gradient_norm, certificate=res.certificate)  # fmt: skip
    res = cell(P.A, P.y, masks, backend=backend, accept_inaccurate=True)
    X = np.asarray(res.X, dtype=np.float64)
    return _point_solution(P, X, "cell", res.backend, res.iterations, res.status, res.kkt,
                           res.seconds, value=res.objective, certificate=res.certificate)  # fmt: skip


def crosscheck_instance(
    n: int,
    d: int,
    m: int,
    seed: int,
    backends: Sequence[str],
    *,
    max_iter: int = DEFAULT_MAX_ITER,
    relax: Callable = solve_relaxation,
    cell: Callable = solve_cell,
) -> InstanceCheck:
    r"""Run GD, RGD and every backend on ``planted_problem(n, d, m, seed=seed)`` and judge them.

    ``relax`` and ``cell`` are the convex solves (``solve_relaxation``,
    ``solve_cell`` by default): the seams through which a test injects a
    wrong solver to check that a disagreement is reported.
    """
    P = planted_problem(n, d, m, seed=seed)
    gd, _ = _descent_solution(P, GD, max_iter)
    rgd, X_rgd = _descent_solution(P, RGD, max_iter)
    solutions = [gd, rgd]
    masks = cell_masks(P.A, X_rgd) if m > 1 else None
    for backend in backends:
        start = time.perf_counter()
        try:
            sol = _convex_solution(P, m, backend, masks, relax, cell)
        except SolveError as exc:
            sol = _failed("cvxpy" if m == 1 else "cell", backend, exc, time.perf_counter() - start, m)
        solutions.append(sol)
    yy = float(P.y @ P.y)
    comparisons, optimum, planted_zero = judge(solutions, yy, m)
    return InstanceCheck(
        n, d, m, seed, yy, tuple(solutions), comparisons, optimum, planted_zero,
        agree=all(c.agree for c in comparisons),
    )  # fmt: skip


def check_backends(backends: Sequence[str]) -> tuple[str, ...]:
    """Validate backend names (unknown or not installed: :class:`InvalidInputError`, exit 2)."""
    if not backends:
        raise InvalidInputError("no CVXPY backend given; choose from CLARABEL, SCS, OSQP")
    names = tuple(check_backend(b) for b in backends)
    if len(set(names)) != len(names):
        raise InvalidInputError(f"backend listed twice: {', '.join(names)}")
    return names


def run_crosscheck(
    ns: Sequence[int] = DEFAULT_NS,
    ds: Sequence[int] = DEFAULT_DS,
    ms: Sequence[int] = (1,),
    *,
    trials: int = 5,
    backends: Sequence[str] = ("CLARABEL", "SCS", "OSQP"),
    seed: int = 0,
    max_iter: int = DEFAULT_MAX_ITER,
    progress: Callable[[int, int, str], None] | None = None,
    relax: Callable = solve_relaxation,
    cell: Callable = solve_cell,
) -> CrosscheckResult:
    """Cross-check ``trials`` instances for every m, n and d; instance k has seed ``derived_seed(seed, "crosscheck", k)``.

    ``progress(done, total, label)`` is called after each instance.
    """
    backends = check_backends(backends)
    for name, values in (("n", ns), ("d", ds), ("m", ms)):
        if not values or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in values):
            raise InvalidInputError(f"{name} values must be integers >= 1; got {list(values)!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise InvalidInputError(f"trials must be an integer >= 1; got {trials!r}")
    seeds = [derived_seed(seed, "crosscheck", k) for k in range(trials)]  # child k of SeedSequence(seed)
    cases = [(m, n, d, seeds[k]) for m in ms for d in ds for n in ns for k in range(trials)]
    instances = []
    for i, (m, n, d, s) in enumerate(cases):
        instances.append(crosscheck_instance(int(n), int(d), int(m), s, backends, max_iter=max_iter,
                                             relax=relax, cell=cell))  # fmt: skip
        if progress is not None:
            progress(i + 1, len(cases), f"m={m} n={n} d={d} seed={s}")
    return CrosscheckResult(tuple(instances), backends, max_iter)


# --- presentation (from the JSON, so the CLI table and the report show the same numbers)

TABLE_HEADERS = (
    "instance", "solution", "value/||y||^2", "f/||y||^2", "f_r/||y||^2", "train err", "recovery",
    "iters", "stop", "KKT worst", "agrees", "optimum = planted 0", "instance agrees",
)  # fmt: skip


def _fmt(value, spec: str = ".3g") -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan"
    return format(value, spec)


def table_rows(crosscheck_json: dict) -> list[tuple[str, ...]]:
    r"""Rows of the cross-check table (columns :data:`TABLE_HEADERS`) from ``to_json()`` output.

    Values are divided by :math:`\|y\|^2`; ``f`` is :math:`f` or :math:`f_m`
    and ``f_r`` is :math:`f_r` or :math:`f_{mp}`. A solution ``agrees`` when
    every comparison it takes part in agrees (``-``: not compared).
    """
    rows = []
    for inst in crosscheck_json["instances"]:
        yy = inst["y_norm_squared"] or 1.0
        for k, s in enumerate(inst["solutions"]):
            label = s["method"] if s["solver"] is None else f"{s['method']}:{s['solver']}"
            mine = [c["agree"] for c in inst["comparisons"] if label in (c["a"], c["b"])]
            scaled = [None if s[key] is None else s[key] / yy for key in ("value", "objective", "relaxed_objective")]
            first = k == 0
            rows.append(
                (
                    f"m={inst['m']} n={inst['n']} d={inst['d']} seed={inst['seed']}" if first else "",
                    label,
                    *(_fmt(v) for v in scaled),
                    _fmt(s["train_error"]),
                    _fmt(s["recovery_error"]),
                    _fmt(s["iterations"], "d"),
                    s["stop_reason"],
                    _fmt(s["kkt"]["worst"]) if s["kkt"] else "-",
                    ("yes" if all(mine) else "NO") if mine else "-",
                    ("yes" if inst["optimum_is_planted_zero"] else "no") if first else "",
                    ("yes" if inst["agree"] else "NO") if first else "",
                )
            )
    return rows


def disagreements(crosscheck_json: dict) -> list[str]:
    """One sentence per failed comparison, for messages and reports."""
    out = []
    for inst in crosscheck_json["instances"]:
        where = f"m={inst['m']} n={inst['n']} d={inst['d']} seed={inst['seed']}"
        for c in inst["comparisons"]:
            if c["agree"]:
                continue
            if c["kind"] == "certificate":
                out.append(f"{where}: {c['a']} is inaccurate: its {c['b']} is {_fmt(c['difference'])} "
                           f"(tolerance {_fmt(c['tolerance'])}); the backend's 'optimal' was not accepted")  # fmt: skip
            elif c["kind"] == "equal":
                out.append(f"{where}: {c['a']} and {c['b']} differ by {_fmt(c['difference'])} ||y||^2 "
                           f"(tolerance {_fmt(c['tolerance'])})")  # fmt: skip
            else:
                out.append(f"{where}: f at {c['a']} lies {_fmt(-c['difference'] if c['difference'] is not None else None)} "
                           f"||y||^2 below the optimum of {c['b']} (tolerance {_fmt(c['tolerance'])})")  # fmt: skip
        for s in inst["solutions"]:
            if s["stop_reason"] == "error":
                out.append(f"{where}: {s['method']}:{s['solver']} failed: {s['message']}")
    return out
