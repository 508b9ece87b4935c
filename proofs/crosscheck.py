r"""Solver evidence for the claims about minima: CVXPY and RGD run to stationarity, compared.

Theorem 1 (Eqs. (1), (3), (4)): on planted Gaussian instances, the minimum
of :math:`f_r` found by CVXPY (CLARABEL, both forms, with KKT residuals) and
by RGD (5) equals :math:`f(x^*) = 0`, and :math:`f` at both minimisers is 0.
The shrunk counterexamples of the hypothesis searches are confirmed by
CVXPY (its minimum of :math:`f_r`, or its verdict "unbounded").

Theorem 2 (Eqs. (8), (9), (14)): on planted instances with m = 2, 3, RGD
(17) runs to stationarity; wherever it reaches :math:`\min f_{mp} = 0`, the
point also minimises :math:`f_m`.

Corollary 1 (Eqs. (13), (17)): on full-row-rank instances with nonnegative,
non-planted labels, every RGD run that converges has a residual within the
bound :math:`\|\nabla\|_F/\sigma_{\min}(A)`; plain GD is run from the same
points for contrast, and for m = 1 CVXPY's minimum of :math:`f_r` (0) is
compared.

The comparison itself is written once, here, and serves both the ledger
(:func:`thm1_solver`) and ``relurelax crosscheck``
(:mod:`relurelax.reports.crosscheck`, which serialises and renders it):
:func:`check_instance` runs every solver of the registry
(:mod:`relurelax.solvers.registry`) that applies on one planted instance
and :func:`judge` decides whether they agree.

One neuron (m = 1). GD (update (2)) and RGD (update (5)) run to
stationarity, the exact Newton solver minimises :math:`f_r`, and every
requested CVXPY backend minimises the relaxation :math:`f_r` (Eq. (3),
halved; the ``qp`` form, which gives KKT residuals). RGD and the backends
(the *reference* solvers) and Newton all claim :math:`\min f_r`: each pair
of them *agrees* when their values of :math:`f_r` differ by at most
:func:`~relurelax.solvers.tolerances.agreement_rtol` times :math:`\|y\|^2`.
The instance's optimum is the lowest certified value of the reference
solvers (Newton is compared with each of them and does not set it, so that
a solver added to the registry never moves the values judged before it).
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
other) within the same tolerances. Newton does not apply (it solves the
one-neuron relaxation).

For every instance the result also says whether the optimum found is the
planted global value 0 (Theorem 1 for m = 1; the planted model (8) for
m > 1). Values are recomputed in float64 at every returned point
(:func:`~relurelax.solvers.solution.evaluate_point`), never taken from a
solver's report, so each value is attained.

A backend's answer counts only with relurelax's certificate: every convex
solve is asked for its result even when the certificate fails
(``accept_inaccurate=True``), and such a result has status ``inaccurate``
and fails its instance through a comparison of kind ``"certificate"`` (the
failing measure against its tolerance, taken from the result record's
certificate, not recomputed). An inaccurate point is not a candidate for
the instance's optimum.
"""

from __future__ import annotations

import enum
import itertools
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

from relurelax.solvers import GD, StopReason, UnboundedRelaxationError, cell_masks, planted_problem
from relurelax.solvers import PlantedProblem, solve_cell, solve_relaxation
from relurelax.solvers.errors import InvalidInputError, SolveError
from relurelax.solvers.arrangement import too_many_cells
from relurelax.solvers.registry import SolverEntry, solver, solvers_for
from relurelax.solvers.relaxation import check_backend
from relurelax.solvers.seeds import derived_seed
from relurelax.solvers.solution import Solution, SolveStatus
from relurelax.solvers.tolerances import agreement_rtol, conic_rtol

if TYPE_CHECKING:  # the ledger's checks import hypothesis; relurelax crosscheck does not need them
    from .checks import Numerics
    from .search import Counterexample

__all__ = [
    "Candidate",
    "Comparison",
    "InstanceCheck",
    "judge",
    "check_instance",
    "crosscheck_instance",
    "check_backends",
    "certified_bound",
    "too_many_cells",
    "DEFAULT_MAX_ITER",
    "GLOBAL_STARTS",
    "EvidenceStatus",
    "SolverEvidence",
    "thm1_solver",
    "thm2_solver",
    "cor1_solver",
]

#: iteration budget of GD and RGD in the cross-check; RGD at n = 2d can need tens of thousands of auto steps
DEFAULT_MAX_ITER = 100_000
#: RGD starts of the global method's search for an m-neuron network (m > 1) in the cross-check
GLOBAL_STARTS = 4


@dataclass(frozen=True)
class Candidate:
    r"""One solver's :class:`~relurelax.solvers.solution.Solution` on one instance, and the value it claims.

    ``value`` is the quantity compared for agreement: :math:`f_r` at the
    point for m = 1; for m > 1 :math:`f_m` for descent and the cell optimum
    :math:`q_D` (``solution.solver_value``) for a cell solve. ``role`` is
    the registry entry's ``crosscheck`` part (``"reference"``,
    ``"claimant"``, ``"contrast"``).
    """

    solution: Solution
    value: float
    role: str

    @property
    def label(self) -> str:
        return self.solution.label

    @property
    def tolerance_key(self) -> str:
        """The name :func:`~relurelax.solvers.tolerances.agreement_rtol` knows: the backend, else the method."""
        return self.solution.backend or self.solution.method

    @property
    def inaccurate(self) -> bool:
        return self.solution.inaccurate

    @classmethod
    def of(cls, solution: Solution, m: int, role: str) -> "Candidate":
        """The candidate of ``solution`` on an instance with m neurons (``value`` as in the class docstring)."""
        if m == 1:
            value = solution.relaxed_objective
        else:
            value = solution.objective if solution.solver_value is None else solution.solver_value
        return cls(solution, value, role)


@dataclass(frozen=True)
class Comparison:
    r"""One agreement test, with ``difference`` relative to :math:`\|y\|^2`.

    ``kind == "equal"``: ``difference = (value_a - value_b) / ||y||^2`` and
    the pair agrees when its absolute value is at most ``tolerance``.
    ``kind == "lower_bound"``: ``a``'s objective must not lie below the
    optimum ``b`` (``difference >= -tolerance``). ``kind ==
    "certified_bound"``: the same against the certified lower bound of the
    global method ``b`` (exact :math:`\min f`, or :math:`P_+`). ``kind == "certificate"``:
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
    r"""All candidates and agreement tests on one planted instance; ``agree`` when every test agrees.

    ``bound`` is the certified lower bound of the global method (the exact
    :math:`\min f` for m = 1, :math:`P_+` for m > 1, named by
    ``bound_name``) when it ran; ``bound_skipped`` says why it did not (the
    instance has more activation cells than the enumeration's limit).
    """

    n: int
    d: int
    m: int
    seed: int
    y_norm_squared: float
    solutions: tuple[Candidate, ...]
    comparisons: tuple[Comparison, ...]
    optimum: float
    optimum_is_planted_zero: bool
    agree: bool
    bound: float | None = None
    bound_name: str | None = None
    bound_skipped: str = ""

    def gap(self, c: Candidate) -> float | None:
        r"""``c``'s loss above the certified lower bound, relative to :math:`\|y\|^2` (None without a bound)."""
        if self.bound is None:
            return None
        return (c.solution.objective - self.bound) / (self.y_norm_squared if self.y_norm_squared > 0 else 1.0)


def _certificate_failures(candidates: Sequence[Candidate]) -> list[Comparison]:
    out = []
    for s in candidates:
        c = s.solution.certificate
        if not s.inaccurate or c is None:
            continue
        if c.gradient_norm is not None and not c.gradient_norm <= c.gradient_tolerance:
            out.append(Comparison(s.label, "gradient certificate", "certificate", c.gradient_norm,
                                  c.gradient_tolerance, False))  # fmt: skip
        if c.kkt_worst is not None and not c.kkt_worst <= c.kkt_tolerance:
            out.append(Comparison(s.label, "KKT certificate", "certificate", c.kkt_worst, c.kkt_tolerance, False))
    return out


def _equal(a: Candidate, b: Candidate, scale: float) -> Comparison:
    diff = (a.value - b.value) / scale
    tol = agreement_rtol(a.tolerance_key, b.tolerance_key)
    return Comparison(a.label, b.label, "equal", diff, tol, bool(abs(diff) <= tol))


def judge(solutions: Sequence[Candidate], y_norm_squared: float, m: int) -> tuple[tuple[Comparison, ...], float, bool]:
    r"""Agreement tests of one instance (see the module docstring).

    Returns ``(comparisons, optimum, optimum_is_planted_zero)``; the instance
    agrees when every comparison does. A missing value (NaN: a failed
    solver) never agrees. Comparisons come in a fixed order: failed
    certificates, pairs of reference solvers, each claimant against the
    references (and earlier claimants), then the lower bounds (m = 1).
    """
    scale = y_norm_squared if y_norm_squared > 0 else 1.0
    references = [s for s in solutions if s.role == "reference"]
    claimants = [s for s in solutions if s.role == "claimant"]
    comparisons = _certificate_failures(solutions)
    comparisons += [_equal(a, b, scale) for a, b in itertools.combinations(references, 2)]
    for k, c in enumerate(claimants):
        comparisons += [_equal(c, r, scale) for r in references + claimants[:k]]

    # an inaccurate point's value is not a minimum anyone certified (for a cell, maybe not even in the cell)
    finite = [s for s in references if math.isfinite(s.value) and not s.inaccurate]
    if not finite:
        return tuple(comparisons), math.nan, False
    best = min(finite, key=lambda s: s.value)
    optimum = best.value
    planted_zero = bool(abs(optimum) / scale <= agreement_rtol(best.tolerance_key, best.tolerance_key))
    if m == 1:
        # Theorem 1: min f = min f_r, so no point has f below the optimum
        for s in solutions:
            diff = (s.solution.objective - optimum) / scale
            tol = agreement_rtol(s.tolerance_key, best.tolerance_key)
            comparisons.append(Comparison(s.label, best.label, "lower_bound", diff, tol, bool(diff >= -tol)))
    comparisons += _bound_comparisons(solutions, best, scale, m)
    return tuple(comparisons), optimum, planted_zero


def certified_bound(solutions: Sequence[Candidate]) -> Candidate | None:
    """The global method's candidate whose ``lower_bound`` is a certified number, if one ran."""
    for s in solutions:
        b = s.solution.lower_bound
        if s.role == "bound" and b is not None and math.isfinite(b):
            return s
    return None


def _bound_comparisons(solutions: Sequence[Candidate], best: Candidate, scale: float, m: int) -> list[Comparison]:
    r"""Every solution's loss lies on or above the certified lower bound; for m = 1, exact min f = min f_r.

    The bound is the exact :math:`\min f` (m = 1) or :math:`P_+ \le \min f_m`
    (m > 1): a loss below it by more than the pair's tolerance means the
    bound, or the loss, is wrong. For m = 1 Theorem 1 under (4) also says
    :math:`\min f = \min f_r`, the instance's optimum (kind ``"equal"``).
    """
    b = certified_bound(solutions)
    if b is None:
        return []
    name = b.label
    out = []
    for s in solutions:
        if s is b:
            continue
        diff = (s.solution.objective - float(b.solution.lower_bound)) / scale
        tol = agreement_rtol(s.tolerance_key, b.tolerance_key)
        out.append(Comparison(s.label, name, "certified_bound", diff, tol, bool(diff >= -tol)))
    if m == 1:
        diff = (float(b.solution.lower_bound) - best.value) / scale
        tol = agreement_rtol(b.tolerance_key, best.tolerance_key)
        out.append(Comparison(name, best.label, "equal", diff, tol, bool(abs(diff) <= tol)))
    return out


def _run(entry: SolverEntry, P: PlantedProblem, options: dict, backend: str | None) -> Solution:
    """One registry entry on ``P``; a :class:`~relurelax.solvers.errors.SolveError` becomes a failed solution."""
    start = time.perf_counter()
    try:
        return entry.run(P, **options)
    except SolveError as exc:
        return Solution.failed(entry.name, backend, P.A.shape[1], P.X0.shape[1], time.perf_counter() - start,
                               str(exc))  # fmt: skip


def check_instance(
    P: PlantedProblem,
    backends: Sequence[str],
    *,
    max_iter: int = DEFAULT_MAX_ITER,
    methods: Sequence[str] | None = None,
    relax: Callable = solve_relaxation,
    cell: Callable = solve_cell,
    descent: Callable | None = None,
) -> InstanceCheck:
    r"""Run every registry solver that applies to the planted problem ``P`` and judge them.

    ``methods`` restricts the registry entries (all that apply by default);
    descent runs from ``P.X0`` with budget ``max_iter``; a conic entry runs
    once per backend (``qp`` form, ``accept_inaccurate=True``); a cell
    solve takes the cell RGD ends in (so ``"rgd"`` must run before it).
    ``relax``, ``cell`` and ``descent`` are the seams through which a test
    injects a wrong solver to check that a disagreement is reported.
    """
    m = P.X0.shape[1]
    if m > 1 and methods is not None and "cell" in methods and "rgd" not in methods:
        raise InvalidInputError("the cell solve certifies RGD's activation cell: list 'rgd' with 'cell' in methods")
    solutions: list[Candidate] = []
    masks = None
    skipped = ""
    for entry in solvers_for(m):
        if methods is not None and entry.name not in methods:
            continue
        if entry.family == "global":
            skipped = too_many_cells(P.A)
            if skipped:
                continue
            runs = [_run(entry, P, {"starts": GLOBAL_STARTS, "seed": P.seed}, None)]
        elif entry.family == "conic":
            options = {"accept_inaccurate": True}
            if "masks" in entry.needs:
                options.update(masks=masks, solve=cell)
            else:
                options.update(form="qp", solve=relax)
            runs = [(_run(entry, P, {**options, "backend": b}, b)) for b in backends]
        else:
            options = {"max_iter": max_iter, "descent": descent} if entry.family == "descent" else {}
            runs = [_run(entry, P, options, None)]
        for sol in runs:
            if sol.method == "rgd" and m > 1:
                masks = cell_masks(P.A, sol.X)
            solutions.append(Candidate.of(sol, m, entry.crosscheck))
    yy = float(P.y @ P.y)
    comparisons, optimum, planted_zero = judge(solutions, yy, m)
    n, d = P.A.shape
    b = certified_bound(solutions)
    return InstanceCheck(
        n, d, m, P.seed, yy, tuple(solutions), comparisons, optimum, planted_zero,
        agree=all(c.agree for c in comparisons),
        bound=None if b is None else float(b.solution.lower_bound),  # type: ignore[arg-type]
        bound_name=None if b is None else b.solution.lower_bound_name, bound_skipped=skipped,
    )  # fmt: skip


def crosscheck_instance(n: int, d: int, m: int, seed: int, backends: Sequence[str],
                        **options: Any) -> InstanceCheck:  # fmt: skip
    """:func:`check_instance` on ``planted_problem(n, d, m, seed=seed)``; ``options`` as there."""
    return check_instance(planted_problem(n, d, m, seed=seed), backends, **options)


def check_backends(backends: Sequence[str]) -> tuple[str, ...]:
    """Validate backend names (unknown or not installed: :class:`InvalidInputError`, exit 2)."""
    if not backends:
        raise InvalidInputError("no CVXPY backend given; choose from CLARABEL, SCS, OSQP")
    names = tuple(check_backend(b) for b in backends)
    if len(set(names)) != len(names):
        raise InvalidInputError(f"backend listed twice: {', '.join(names)}")
    return names


# --- the ledger's solver evidence ----------------------------------------------

#: iteration budget of the descent runs on the Gaussian instances
BUDGET = 50_000
BACKEND = "CLARABEL"
#: the namespace of the solver comparisons' instance seeds (see :func:`relurelax.solvers.seeds.derived_seed`)
SEED_NAMESPACE = "proofs.crosscheck"


class EvidenceStatus(enum.StrEnum):
    r"""The verdict of one solver comparison; the value is what the ledger's JSON carries.

    ``agrees``: every run converged and nothing contradicts the claim.
    ``disagrees``: something contradicts the claim (a converged run, a
    CVXPY solve, a counterexample CVXPY does not confirm). ``incomplete``: nothing
    contradicts the claim, but some runs did not converge, so they are
    evidence for nothing (not a failure, and not an agreement either).
    """

    AGREES = "agrees"
    DISAGREES = "disagrees"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class SolverEvidence:
    r"""The outcome of one solver comparison.

    ``runs`` counts the iterative runs the comparison judges the claim by
    (RGD, and for Theorem 1 also the exact Newton solver), ``converged``
    those that converged, and ``unconverged`` names each of the others
    (``"rgd on (n, d, m) = (20, 5, 2): max_iterations"``, its
    :class:`~relurelax.solvers.solution.SolveStatus` last). A run that did not
    converge is never counted as agreeing: ``status`` is
    :attr:`EvidenceStatus.INCOMPLETE` then, unless something disagrees.
    ``examples`` counts the instances and the confirmed counterexamples;
    ``detail`` says all of it in sentences, starting with ``DISAGREES:`` or
    ``INCOMPLETE:`` when the status is not ``agrees``.
    """

    status: EvidenceStatus
    examples: int
    seconds: float
    detail: str
    runs: int
    converged: int
    unconverged: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        """Every run converged and agrees with the claim."""
        return self.status is EvidenceStatus.AGREES


#: how the evidence says why a run did not converge (a status not listed is named by its value)
_STOPPED = {
    SolveStatus.MAX_ITERATIONS: "stopped at the iteration cap",
    SolveStatus.DIVERGED: "diverged",
    SolveStatus.UNBOUNDED: "stopped as unbounded",
    SolveStatus.STALLED: "stalled",
    SolveStatus.ERROR: "failed",
}


class _Runs:
    """The iterative runs of one solver comparison: every run is counted, converged or not."""

    def __init__(self, what: str):
        self.what = what  # "RGD runs": what the sentence counts
        self.total = 0
        self.unconverged: list[tuple[str, SolveStatus]] = []

    def count(self, method: str, where: str, status: SolveStatus) -> bool:
        """Count one run of ``method`` on the instance ``where``; whether it converged."""
        self.total += 1
        if status is SolveStatus.CONVERGED:
            return True
        self.unconverged.append((f"{method} on {where}: {status.value}", status))
        return False

    def sentence(self, agree: bool) -> str:
        """``"3 of 4 RGD runs converged and agree; 1 stopped at the iteration cap (rgd on ...: max_iterations)"``."""
        converged = self.total - len(self.unconverged)
        out = f"{converged} of {self.total} {self.what} converged" + (" and agree" if agree else "")
        if self.unconverged:
            counts: dict[str, int] = {}
            for _, status in self.unconverged:
                why = _STOPPED.get(status, status.value)
                counts[why] = counts.get(why, 0) + 1
            out += "; " + ", ".join(f"{k} {why}" for why, k in counts.items())
            names = [name for name, _ in self.unconverged]
            more = f"; and {len(names) - 3} more" if len(names) > 3 else ""
            out += f" ({'; '.join(names[:3])}{more})"
        return out


def _evidence(runs: _Runs, failures: list[str], examples: int, start: float, detail: str) -> SolverEvidence:
    r"""The verdict of every solver comparison: disagrees, else incomplete when a run did not converge, else agrees.

    The ``detail`` starts with ``DISAGREES:`` (the first three failures) or
    ``INCOMPLETE:`` (the runs' sentence, :meth:`_Runs.sentence`); it ends
    with the runs' sentence otherwise.
    """
    if failures:
        status = EvidenceStatus.DISAGREES
        detail = f"DISAGREES: {'; '.join(failures[:3])}. {detail} {runs.sentence(agree=False)}."
    elif runs.unconverged:
        status = EvidenceStatus.INCOMPLETE
        detail = f"INCOMPLETE: {runs.sentence(agree=True)}. {detail}"
    else:
        status = EvidenceStatus.AGREES
        detail = f"{detail} {runs.sentence(agree=True)}."
    return SolverEvidence(status, examples, time.perf_counter() - start, detail, runs.total,
                          runs.total - len(runs.unconverged), tuple(name for name, _ in runs.unconverged))  # fmt: skip


def _descend(nx: Numerics, A, y, X0, direction):
    return nx.descend(A, y, X0, direction, max_iter=BUDGET, history_every=BUDGET)


def _instance_seed(seed: int, t: int) -> int:
    """Seed of instance t of a solver comparison: child t of the ledger seed's ``SeedSequence``."""
    return derived_seed(seed, SEED_NAMESPACE, t)


def _confirm_counterexamples(nx: Numerics, counterexamples: Iterable[Counterexample]) -> tuple[int, list[str]]:
    """Re-solve min f_r with CVXPY for one-neuron counterexamples about minima."""
    confirmed, problems = 0, []
    for cx in counterexamples:
        inst, extra = cx.instance, dict(cx.extra)
        if inst.m != 1:
            continue
        try:
            res = nx.solve_relaxation(inst.A, inst.y, backend=BACKEND)
        except UnboundedRelaxationError:
            if "unbounded" in cx.message:
                confirmed += 1
            else:
                problems.append(f"CVXPY finds f_r unbounded where RGD stopped: {cx.short()}")
            continue
        rgd_min = extra.get("min f_r", extra.get("min f_mp"))
        if rgd_min is None:
            problems.append(f"CVXPY finds a minimum {res.objective:.6g} where RGD reported unbounded: {cx.short()}")
            continue
        scale = 1.0 + float(inst.y @ inst.y)
        if abs(res.objective - float(rgd_min)) <= conic_rtol(BACKEND) * scale:
            confirmed += 1
        else:
            problems.append(f"min f_r: CVXPY {res.objective:.6g} vs RGD {float(rgd_min):.6g}: {cx.short()}")
    return confirmed, problems


def _iterative_runs(inst: InstanceCheck, runs: _Runs) -> set[str]:
    """Count the iterative runs (descent, Newton) of one judged instance; the labels of those that did not converge."""
    where = f"(n, d, m) = ({inst.n}, {inst.d}, {inst.m})"
    return {c.label for c in inst.solutions
            if solver(c.solution.method).family not in ("conic", "global")
            and not runs.count(c.label, where, c.solution.status)}


def _thm1_failures(inst: InstanceCheck, gap_direct: float, unconverged: set[str]) -> list[str]:
    r"""What contradicts Theorem 1 on one judged instance (empty when it agrees).

    A run in ``unconverged`` ended at no minimum (and maybe at no point): its
    comparisons are not judged; the evidence counts it instead.
    """
    where = f"(n, d) = ({inst.n}, {inst.d})"
    out = [f"{where}: {c.a} vs {c.b} ({c.kind}) {c.difference:.2g} ||y||^2 (tolerance {c.tolerance:.0e})"
           for c in inst.comparisons if not c.agree and not {c.a, c.b} & unconverged]  # fmt: skip
    if not inst.optimum_is_planted_zero:
        out.append(f"{where}: min f_r = {inst.optimum:.3g}, not f(x*) = 0")
    if not gap_direct <= conic_rtol(BACKEND):
        out.append(f"{where}: CVXPY's direct form ends at f_r = {gap_direct:.2g} ||y||^2, not 0")
    return out


def _numerics_descent(nx: Numerics) -> Callable:
    """``descend`` of the code under test with its own RGD and GD directions (the registry passes relurelax's)."""

    def descent(A, y, X0, direction, **options):
        return nx.descend(A, y, X0, nx.rgd if direction.name == "rgd" else nx.gd, **options)

    return descent


def _values_under_test(nx: Numerics, P: PlantedProblem, inst: InstanceCheck, unconverged: set[str]) -> tuple[list[tuple], list[str]]:
    r"""f_r and f at every minimiser, recomputed by the objectives under test, divided by :math:`\|y\|^2`.

    Theorem 1 with (4): each candidate's f_r is min f_r = f(x*) = 0 within
    its agreement tolerance, and its f is 0 within CLARABEL's (so the
    minimisers of f_r minimise f). A run in ``unconverged`` ended at no
    minimiser and is left out (the evidence counts it). Returns
    ``[(label, f_r, f)]`` and the failures.
    """
    where = f"(n, d) = ({inst.n}, {inst.d})"
    values, out = [], []
    for c in inst.solutions:
        x = np.asarray(c.solution.X)[:, 0]
        if c.label in unconverged or not np.all(np.isfinite(x)):
            continue  # not a minimiser; a failed solve (no point) already disagrees in the judged comparisons
        fr = nx.relaxed_objective(P.A, P.y, x) / inst.y_norm_squared
        f = nx.objective(P.A, P.y, x) / inst.y_norm_squared
        values.append((c.label, fr, f))
        tol = agreement_rtol(c.tolerance_key, c.tolerance_key)
        if not abs(fr) <= tol:
            out.append(f"{where}: f_r at {c.label}'s minimiser is {fr:.2g} ||y||^2, not f(x*) = 0 (tolerance {tol:.0e})")
        if not f <= conic_rtol(BACKEND):
            out.append(f"{where}: f at {c.label}'s minimiser is {f:.2g} ||y||^2 (tolerance {conic_rtol(BACKEND):.0e}): "
                       "it does not minimise f")  # fmt: skip
    return values, out


def thm1_solver(nx: Numerics, instances: int, seed: int,
                counterexamples: Iterable[Counterexample] = ()) -> SolverEvidence:  # fmt: skip
    """Theorem 1's solver evidence: :func:`check_instance` (RGD, Newton, CVXPY's qp form) on planted instances,
    CVXPY's direct form beside it, and CVXPY's verdict on the searches' one-neuron counterexamples."""
    start = time.perf_counter()
    sizes = ((5, 10), (10, 10), (20, 5), (8, 3))
    worst = {"equal": 0.0, "f": 0.0, "kkt": 0.0, "direct": 0.0}
    failures, runs = [], _Runs("RGD and Newton runs")
    certified: list[float] = []  # the exact min f / ||y||^2 of the instances with few enough cells
    for t in range(instances):
        n, d = sizes[t % len(sizes)]
        P = planted_problem(n, d, 1, seed=_instance_seed(seed, t), scale=1 / math.sqrt(d))
        inst = check_instance(P, (BACKEND,), max_iter=BUDGET, methods=("rgd", "newton", "cvxpy", "exact"),
                              relax=nx.solve_relaxation, descent=_numerics_descent(nx))  # fmt: skip
        if inst.bound is not None:
            certified.append(inst.bound / inst.y_norm_squared)
        unconverged = _iterative_runs(inst, runs)
        direct = nx.solve_relaxation(P.A, P.y, backend=BACKEND)
        gap_direct = abs(nx.relaxed_objective(P.A, P.y, direct.x)) / inst.y_norm_squared
        values, wrong = _values_under_test(nx, P, inst, unconverged)
        judged = [c for c in inst.comparisons if c.kind == "equal" and not {c.a, c.b} & unconverged]
        worst["direct"] = max(worst["direct"], gap_direct)
        worst["equal"] = max([worst["equal"]] + [abs(c.difference) for c in judged])
        worst["f"] = max([worst["f"]] + [f for _, _, f in values])
        worst["kkt"] = max([worst["kkt"]] + [c.solution.kkt.worst for c in inst.solutions if c.solution.kkt])
        failures += _thm1_failures(inst, gap_direct, unconverged) + wrong
    confirmed, problems = _confirm_counterexamples(nx, counterexamples)
    failures += problems
    detail = (
        f"{instances} planted Gaussian instances (4), (n, d) in {sorted(set(sizes[: max(1, instances)]))}, rows "
        f"scaled by 1/sqrt(d), judged by the cross-check of relurelax crosscheck: min f_r by RGD (5), the exact "
        f"Newton solver and CVXPY ({BACKEND}, qp form, certified) agree pairwise within "
        f"agreement_rtol ||y||^2 (worst difference {worst['equal']:.1e} ||y||^2) and equal f(x*) = 0; CVXPY's "
        f"direct form ends within {worst['direct']:.1e} ||y||^2 of 0 (tolerance {conic_rtol(BACKEND):.0e}); worst "
        f"KKT residual of the qp form {worst['kkt']:.1e}; f at every minimiser <= {worst['f']:.1e} ||y||^2, so "
        f"they minimise f. {_certified_sentence(certified, instances)} CVXPY confirms {confirmed} one-neuron "
        "counterexample(s) of the searches."
    )
    return _evidence(runs, failures, instances + confirmed, start, detail)


def _certified_sentence(values: Sequence[float], instances: int) -> str:
    """How the global method's exact min f stands beside min f_r (Theorem 1), in one sentence."""
    if not values:
        return "The exact min f over every activation cell was not computed (every instance has too many cells)."
    return (f"On {len(values)} of {instances} instances (the others have too many activation cells) the exact "
            f"min f over every cell, certified cell by cell, is at most {max(abs(v) for v in values):.1e} ||y||^2, "
            "equal to min f_r within the agreement tolerance, and no solution's f lies below it.")


def thm2_solver(nx: Numerics, instances: int, seed: int,
                counterexamples: Iterable[Counterexample] = ()) -> SolverEvidence:  # fmt: skip
    r"""Theorem 2's solver evidence: RGD (17) on planted instances with m = 2, 3; every run is counted.

    Wherever a converged run reaches :math:`\min f_{mp} = 0` it must have
    :math:`f_m = 0`, with n <= d every converged run must reach it, and
    :math:`f_{mp} \ge f_m` at its point. A run that did not converge is
    counted and named, not judged: it makes the evidence ``incomplete``
    unless something disagrees.
    """
    from .checks import VALUE_RTOL

    start = time.perf_counter()
    sizes = ((5, 10, 2), (8, 8, 3), (4, 12, 3), (20, 5, 2))
    reached = {True: 0, False: 0}  # n <= d, n > d runs reaching min f_mp = 0
    total = {True: 0, False: 0}
    failures, runs = [], _Runs("RGD runs")
    gaps: list[float] = []  # RGD's f_m above P_+, over ||y||^2, where P_+ was computed
    for t in range(instances):
        n, d, m = sizes[t % len(sizes)]
        where = f"(n, d, m) = ({n}, {d}, {m})"
        P = planted_problem(n, d, m, seed=_instance_seed(seed, t), scale=1 / math.sqrt(d))
        A, y = P.A, P.y
        scale = 1.0 + float(y @ y)
        run = _descend(nx, A, y, P.X0, nx.rgd)
        if not runs.count("rgd", where, SolveStatus.of(run.stop_reason)):
            continue
        X = np.asarray(run.X)
        fmp, fm = nx.regularized_objective(A, y, X), nx.multi_neuron_objective(A, y, X)
        fm_star = nx.multi_neuron_objective(A, y, P.X_star)
        failures += _against_pplus(A, y, fm, fm_star, scale, where, gaps)
        small = n <= d
        total[small] += 1
        if fmp <= fm_star + VALUE_RTOL * scale:
            reached[small] += 1
            if fm > fm_star + VALUE_RTOL * scale:
                failures.append(f"{where}: f_mp = {fmp:.3g} is minimal but f_m = {fm:.3g}")
        elif small:
            failures.append(f"{where}: RGD stationary with f_mp = {fmp:.3g} > 0 although n <= d")
        if fmp < fm - VALUE_RTOL * scale:
            failures.append(f"{where}: f_mp = {fmp:.3g} < f_m = {fm:.3g}")
    confirmed, problems = _confirm_counterexamples(nx, counterexamples)
    failures += problems
    detail = (
        f"{instances} planted Gaussian instances (8) with m = 2, 3: RGD (17) reached min f_mp = f_m(X*) = 0 in "
        f"{reached[True]} of {total[True]} converged runs with n <= d and {reached[False]} of {total[False]} with "
        f"n > d (stationary points with r != 0 exist there, see Corollary 1); every run at min f_mp also has "
        f"f_m = 0 (tolerance {VALUE_RTOL:.0e} (1 + ||y||^2)). {_pplus_sentence(gaps, total[True] + total[False])} "
        f"CVXPY confirms {confirmed} one-neuron counterexample(s) of the searches (for m = 1, f_mp = f_r)."
    )
    return _evidence(runs, failures, instances + confirmed, start, detail)


def _against_pplus(A, y, fm: float, fm_star: float, scale: float, where: str, gaps: list[float]) -> list[str]:
    r"""RGD's :math:`f_m` against the certified lower bound :math:`P_+ \le \min f_m` (skipped with too many cells).

    Under (8) the planted network is feasible for :math:`P_+`, so
    :math:`P_+ \le f_m(X^*) = 0`; a value of :math:`P_+` above it, or an
    RGD point below :math:`P_+`, means the bound or the loss is wrong.
    """
    from relurelax.solvers import solve_pplus

    if too_many_cells(A):
        return []
    from .checks import VALUE_RTOL

    bound = solve_pplus(A, y).lower_bound
    gaps.append((fm - bound) / max(float(y @ y), 1e-300))
    out = []
    if bound > fm_star + VALUE_RTOL * scale:
        out.append(f"{where}: P_+ = {bound:.3g} above f_m(X*) = {fm_star:.3g}, though X* is feasible for it")
    if fm < bound - VALUE_RTOL * scale:
        out.append(f"{where}: RGD's f_m = {fm:.3g} below the lower bound P_+ = {bound:.3g}")
    return out


def _pplus_sentence(gaps: Sequence[float], runs: int) -> str:
    if not gaps:
        return "P_+ was not computed (every instance has too many activation cells)."
    return (f"On {len(gaps)} of {runs} converged runs P_+ (the certified lower bound on min f_m over every "
            f"activation cell) was computed: RGD's f_m lies above it by at most {max(gaps):.1e} ||y||^2 "
            f"(median {float(np.median(gaps)):.1e}).")


def cor1_solver(nx: Numerics, instances: int, seed: int,
                counterexamples: Iterable[Counterexample] = ()) -> SolverEvidence:  # fmt: skip
    r"""Corollary 1's solver evidence: RGD (17) to stationarity on full-row-rank instances; every run is counted.

    Each converged RGD run must have a residual within the bound
    :math:`\|(13)/2\|_F / \sigma_{\min}(A)`; a run that did not converge
    makes the evidence ``incomplete`` unless something disagrees. Plain GD
    from the same points is contrast only: how many of its runs converged
    and how many stopped away from the global minimum is reported, and does
    not decide the status.
    """
    from .checks import stationary_residual_bound

    start = time.perf_counter()
    sizes = ((5, 10, 1), (6, 8, 2), (4, 12, 3), (8, 8, 2))
    rgd_ok = gd_stuck = gd_conv = 0
    failures, runs = [], _Runs("RGD runs")
    for t in range(instances):
        n, d, m = sizes[t % len(sizes)]
        where = f"(n, d, m) = ({n}, {d}, {m})"
        rng = np.random.default_rng(_instance_seed(seed, t))
        A = rng.standard_normal((n, d)) / math.sqrt(d)
        y = np.abs(rng.standard_normal(n))  # y >= 0, not drawn from (8)
        X0 = rng.standard_normal((d, m))
        run = _descend(nx, A, y, X0, nx.rgd)
        if runs.count("rgd", where, SolveStatus.of(run.stop_reason)):
            X = np.asarray(run.X)
            r = np.asarray(nx.residual(A, y, X))
            G = np.asarray(nx.regularized_objective_gradient(A, y, X))
            rnorm, gnorm = float(np.linalg.norm(r)), float(np.linalg.norm(G))
            if rnorm <= stationary_residual_bound(A, y, rnorm, gnorm):
                rgd_ok += 1
            else:
                failures.append(f"{where}: ||r|| = {rnorm:.3g} above the bound")
        gd = _descend(nx, A, y, X0, GD)
        if gd.stop_reason is StopReason.CONVERGED:
            gd_conv += 1
            gd_stuck += gd.train_error > 1e-3
        if m == 1:
            res = nx.solve_relaxation(A, y, backend=BACKEND)
            if res.objective > conic_rtol(BACKEND) * (1.0 + float(y @ y)):
                failures.append(f"(n, d) = ({n}, {d}): CVXPY's min f_r = {res.objective:.3g}, not 0")
    detail = (
        f"{instances} full-row-rank Gaussian instances (n <= d), labels |N(0,1)| (not drawn from (8)), m in "
        f"{{1, 2, 3}}: {rgd_ok} converged RGD (17) runs with ||r|| <= ||(13)/2||_F / sigma_min(A); "
        f"plain GD from the same points converged in {gd_conv} of {instances} runs, {gd_stuck} of them with "
        "relative residual > 1e-3 (stationary for f_m but not global: the gap (13) closes); for m = 1 CVXPY's "
        "min f_r is 0."
    )
    return _evidence(runs, failures, instances, start, detail)
