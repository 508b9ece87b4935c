r"""The convex relaxation :math:`f_r` (Eq. (3), halved) solved with CVXPY.

Two equivalent forms:

* ``"direct"``: :math:`\min_x \tfrac12\,\mathrm{sum\_squares}(\mathrm{pos}(Ax)) - (A^Ty)^Tx + \tfrac12\|y\|^2`.
  CVXPY's ``is_dcp()`` on it is the convexity certificate of Proposition 1
  (it holds for *any* y: ``pos`` is convex, its square is convex and
  nondecreasing on the nonnegative half-line, and the rest is affine).
* ``"qp"``: :math:`\min_{x,s} \tfrac12\|s\|^2 - (A^Ty)^Tx + \tfrac12\|y\|^2`
  subject to :math:`s \ge Ax` (dual :math:`\lambda`) and :math:`s \ge 0`
  (dual :math:`\nu`). At the optimum :math:`s = g(Ax)`, so both forms have
  the same optimum. The duals give the KKT residuals of
  :class:`KKTResiduals`:

  - stationarity in x: :math:`A^T\lambda = A^Ty`; in s: :math:`s = \lambda + \nu`;
  - primal feasibility: :math:`Ax - s \le 0`, :math:`-s \le 0`;
  - dual feasibility: :math:`\lambda, \nu \ge 0`;
  - complementarity: :math:`\lambda^T(s - Ax) = 0`, :math:`\nu^Ts = 0`.

Nothing a backend says is taken at face value:

* **Unit scale.** The model is built and solved on :math:`(A', y')`, the data
  scaled by powers of two to unit size (:func:`~.scaling.unit_problem`), and the
  answer is mapped back (:math:`x = (b/a)\,x'`, objective values times
  :math:`b^2`). Since :math:`f_r(x; aA, by) = b^2 f_r(\tfrac ab x; A, y)`,
  the backend sees the same numbers whatever the units of the data; data whose
  dynamic range float64 cannot hold is refused (:class:`~.errors.InvalidInputError`).
* **Certificate.** At the returned point relurelax computes, in float64 at
  unit scale, the relative gradient norm
  :math:`\|\nabla f_r(x)\|/\|A^Ty\|` (scale-free) and, for ``"qp"``, the KKT
  residuals from the duals, and judges them against the backend's named
  tolerances (:data:`~.tolerances.CONIC_GRADIENT_RTOL`,
  :data:`~.tolerances.CONIC_KKT_RTOL`). A backend ``optimal`` or
  ``optimal_inaccurate`` whose certificate passes has status ``"optimal"``;
  one whose certificate fails has status ``"inaccurate"`` and raises
  :class:`~.errors.InaccurateSolutionError` (carrying the result), unless the
  caller passes ``accept_inaccurate=True``. What the backend itself said is
  kept in ``backend_status``.
* **Unbounded.** :class:`~.errors.UnboundedRelaxationError` is raised only
  with a direction :math:`v` with :math:`A'v \le 0` and :math:`y'^TA'v > 0`
  checked in float64 at unit scale
  (:func:`~.newton.unboundedness_certificate`). A backend that says
  ``unbounded`` without one has failed (:class:`~.errors.SolveError`);
  labels :math:`y \ge 0` are themselves a proof that :math:`f_r` is bounded.
* **Interruptible.** Model building and the backend run in a worker process
  (:mod:`._worker`), so Ctrl-C and SIGTERM stop any backend at once.
* **Deterministic.** No setting depends on wall time: OSQP's adaptive-rho
  interval, timed by default in OSQP < 1.0, is fixed to a count of
  iterations (:data:`BACKEND_DEFAULTS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _worker
from .records import freeze_arrays
from .validation import check_problem
from .errors import (
    InaccurateSolutionError,
    InvalidInputError,
    SolveError,
    SolverUnavailableError,
    UnboundedRelaxationError,
)
from .objectives import relaxed_from, _residual
from .scaling import UnitScaling, safe_norm, unit_problem, x_to_user
from .tolerances import conic_gradient_rtol, conic_kkt_rtol

__all__ = [
    "BACKENDS",
    "BACKEND_DEFAULTS",
    "FORMS",
    "installed_backends",
    "Certificate",
    "KKTResiduals",
    "RelaxationResult",
    "solve_relaxation",
    "relaxation_problem",
]

if TYPE_CHECKING:
    import cvxpy as cp

    from .cell import CellResult

#: a record with ``certificate``, ``backend`` and ``backend_status``: a RelaxationResult or a CellResult
_Certified = TypeVar("_Certified", "RelaxationResult", "CellResult")

#: conic/QP backends relurelax supports, in order of preference
BACKENDS = ("CLARABEL", "SCS", "OSQP")
FORMS = ("direct", "qp")
#: options relurelax passes to a backend unless the caller overrides them. OSQP < 1.0 times its
#: rho adaptation by default (adaptive_rho_interval = 0: "a fraction of the setup time"), so two
#: runs of the same problem differ at 1e-9; a fixed interval of 50 iterations (OSQP 1.x's default)
#: makes every run the same. SCS (time_limit_secs = 0) and CLARABEL (time_limit = inf) have no
#: setting that depends on wall time at their defaults.
BACKEND_DEFAULTS = MappingProxyType({
    "CLARABEL": MappingProxyType({}),
    "SCS": MappingProxyType({}),
    "OSQP": MappingProxyType({"adaptive_rho_interval": 50}),
})  # fmt: skip
#: statuses of a backend that come with a point to check
_SOLVED = ("optimal", "optimal_inaccurate")
_UNBOUNDED = ("unbounded", "unbounded_inaccurate")


def installed_backends() -> tuple[str, ...]:
    """The supported backends that CVXPY reports as installed."""
    import cvxpy as cp

    have = set(cp.installed_solvers())
    return tuple(b for b in BACKENDS if b in have)


@dataclass(frozen=True)
class KKTResiduals:
    """KKT residuals of the QP form, each scaled to be dimensionless (see module docstring)."""

    primal_feasibility: float
    dual_feasibility: float
    complementarity: float
    stationarity: float

    @property
    def worst(self) -> float:
        return max(self.primal_feasibility, self.dual_feasibility, self.complementarity, self.stationarity)


@dataclass(frozen=True)
class Certificate:
    r"""relurelax's own optimality certificate of a conic solve, computed in float64 at unit scale.

    ``gradient_norm`` is :math:`\|\nabla f_r(x)\|/\|A^Ty\|` (None for a cell
    solve, whose objective has no such gradient test); ``kkt_worst`` the
    worst KKT residual (None for the ``"direct"`` form, which has no duals).
    Each is judged against its tolerance; ``passed`` when every present
    measure is within it (NaN never passes).
    """

    backend: str
    gradient_norm: float | None
    gradient_tolerance: float | None
    kkt_worst: float | None
    kkt_tolerance: float | None

    def failures(self) -> tuple[str, ...]:
        """One phrase per failing measure, e.g. ``"relative gradient norm 2 > 1e-06"``."""
        out = []
        # a measure comes with its tolerance (both None or both numbers), which the casts say to the type checker
        if self.gradient_norm is not None and not self.gradient_norm <= cast(float, self.gradient_tolerance):
            out.append(f"relative gradient norm ||grad f_r(x)||/||A^T y|| = {self.gradient_norm:.3g} "
                       f"> {self.gradient_tolerance:.1e}")  # fmt: skip
        if self.kkt_worst is not None and not self.kkt_worst <= cast(float, self.kkt_tolerance):
            out.append(f"worst KKT residual {self.kkt_worst:.3g} > {self.kkt_tolerance:.1e}")
        return tuple(out)

    @property
    def passed(self) -> bool:
        return not self.failures()


@dataclass(frozen=True)
class RelaxationResult:
    r"""A CVXPY solve of :math:`\min f_r`.

    ``objective`` is :math:`f_r(x)` recomputed in float64 at the returned x
    (not the solver's own value); ``solver_objective`` is what CVXPY
    reported, in the user's units. ``status`` is relurelax's verdict:
    ``"optimal"`` when ``certificate`` passes, ``"inaccurate"`` when it does
    not; ``backend_status`` is what the backend said. ``gradient_norm`` is
    :math:`\|\nabla f_r(x)\|/\|A^Ty\|` and ``kkt`` the KKT residuals (form
    ``"qp"``), both at unit scale (they are scale-free). ``seconds`` is the
    wall time of building and solving the model (in the worker process).
    """

    x: NDArray[np.float64]
    objective: float
    solver_objective: float
    status: str
    backend: str
    form: str
    seconds: float
    iterations: int | None
    is_dcp: bool
    gradient_norm: float
    kkt: KKTResiduals | None
    backend_status: str = ""
    certificate: Certificate | None = None

    def __post_init__(self) -> None:
        freeze_arrays(self)


def check_backend(backend: str) -> str:
    if not isinstance(backend, str):
        raise InvalidInputError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    name = backend.upper()
    if name not in BACKENDS:
        raise SolverUnavailableError(f"unknown backend {backend!r}; supported: {', '.join(BACKENDS)}")
    have = installed_backends()
    if name not in have:
        raise SolverUnavailableError(
            f"backend {name} is not installed; installed backends: {', '.join(have) or 'none'}"
        )
    return name


def backend_options(name: str, solver_options: dict[str, Any]) -> dict[str, Any]:
    """The options passed to backend ``name``: :data:`BACKEND_DEFAULTS` overridden by the caller's."""
    return {**BACKEND_DEFAULTS.get(name, {}), **solver_options}


def native_solve(
    problem: cp.Problem, variables: dict[str, cp.Variable], duals: dict[str, cp.Constraint], name: str,
    options: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    r"""Solve a CVXPY problem in the current process and return plain data (run in the worker).

    Returns ``status``, ``value`` (CVXPY's objective), ``iterations``, and the
    values of ``variables`` and dual values of the constraints ``duals`` as
    float64 arrays (None when the backend gave none); a backend error is status
    ``"solver_error"`` with its first line in ``message``.
    """
    import time

    import cvxpy as cp

    start = time.perf_counter()
    try:
        problem.solve(solver=name, **options)
    except cp.error.SolverError as exc:
        return {"status": "solver_error", "message": (str(exc).splitlines() or [""])[0],
                "seconds": time.perf_counter() - start}  # fmt: skip

    def arr(v: ArrayLike | None) -> NDArray[np.float64] | None:
        return None if v is None else np.asarray(v, dtype=np.float64)

    value = problem.value
    return {
        "status": problem.status,
        "value": float(value) if value is not None else math.nan,
        "iterations": getattr(problem.solver_stats, "num_iters", None),
        "values": {k: arr(v.value) for k, v in variables.items()},
        "duals": {k: arr(c.dual_value) for k, c in duals.items()},
        "seconds": time.perf_counter() - start,
    }


def _native_relaxation(
    A: NDArray[np.float64], y: NDArray[np.float64], form: str, name: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Build and solve the relaxation's model (in the worker); see :func:`native_solve`."""
    import time

    start = time.perf_counter()
    problem, x, extras = relaxation_problem(A, y, form)
    variables = {"x": x, **({"s": extras["s"]} if form == "qp" else {})}
    duals = {"lam": extras["lam"], "nu": extras["nu"]} if form == "qp" else {}
    out = native_solve(problem, variables, duals, name, options)
    out["is_dcp"] = problem.is_dcp()
    out["seconds"] = time.perf_counter() - start
    return out


def solve_natively(task: str, args: tuple[Any, ...], name: str, what: str) -> dict[str, Any]:
    """Run the model-building task ``task`` of this package in the worker and check its status."""
    module, _, function = task.rpartition(".")
    out = _worker.run(f"relurelax.solvers.{module}", function, args, backend=name, what=what)
    if out["status"] == "solver_error":
        raise SolveError(f"{name} failed on {what}: {out['message']}")
    return out


def relaxation_problem(
    A: NDArray[np.float64], y: NDArray[np.float64], form: str = "direct"
) -> tuple[cp.Problem, cp.Variable, dict[str, Any]]:
    """Build the CVXPY problem of the given form; returns ``(problem, x, extras)``."""
    import cvxpy as cp

    n, d = A.shape
    c = A.T @ y
    const = 0.5 * float(y @ y)
    x = cp.Variable(d, name="x")
    if form == "direct":
        obj = 0.5 * cp.sum_squares(cp.pos(A @ x)) - c @ x + const
        return cp.Problem(cp.Minimize(obj)), x, {}
    s = cp.Variable(n, name="s")
    lam_con = A @ x <= s
    nu_con = s >= 0
    obj = 0.5 * cp.sum_squares(s) - c @ x + const
    return cp.Problem(cp.Minimize(obj), [lam_con, nu_con]), x, {"s": s, "lam": lam_con, "nu": nu_con}


def _kkt(
    A: NDArray[np.float64], y: NDArray[np.float64], x: NDArray[np.float64], s: NDArray[np.float64],
    lam: NDArray[np.float64], nu: NDArray[np.float64],
) -> KKTResiduals:  # fmt: skip
    Ax = A @ x
    c = A.T @ y
    scale_z = max(1.0, float(np.max(np.abs(Ax), initial=0.0)), float(np.max(np.abs(s), initial=0.0)))
    primal = max(float(np.max(Ax - s, initial=0.0)), float(np.max(-s, initial=0.0))) / scale_z + 0.0
    dual = max(float(np.max(-lam, initial=0.0)), float(np.max(-nu, initial=0.0))) / max(
        1.0, float(np.max(np.abs(lam), initial=0.0))
    ) + 0.0
    comp = (abs(float(lam @ (s - Ax))) + abs(float(nu @ s))) / max(1.0, float(y @ y))
    stat = max(
        float(np.linalg.norm(A.T @ lam - c)) / max(1.0, float(np.linalg.norm(c))),
        float(np.linalg.norm(s - lam - nu)) / max(1.0, float(np.linalg.norm(s))),
    )
    return KKTResiduals(primal, dual, comp, stat)


def relative_gradient_norm(A: NDArray[np.float64], y: NDArray[np.float64], x: NDArray[np.float64]) -> float:
    r""":math:`\|\nabla f_r(x)\|/\|A^Ty\|` (1 in place of a zero :math:`\|A^Ty\|`), scale-safely."""
    Z = (A @ x)[:, None]
    return safe_norm(A.T @ _residual(Z, y)) / (safe_norm(A.T @ y) or 1.0)


def _unbounded_or_failed(
    A_unit: NDArray[np.float64], y_unit: NDArray[np.float64], y: NDArray[np.float64], name: str, status: str,
    v: NDArray[np.float64] | None = None,
) -> SolveError:  # fmt: skip
    r"""The error for a backend that says unbounded (or whose point fails): proved or not, in float64.

    ``v`` is a certificate already found (the LP is not solved twice); ``y`` the labels in the
    user's units, for the message.
    """
    from .newton import unboundedness_certificate

    if v is None:
        v = unboundedness_certificate(A_unit, y_unit)
    if v is None:
        why = ("labels y >= 0 prove f_r bounded below (lambda = y)" if np.all(y_unit >= 0)
               else "no direction v with A v <= 0 and y^T A v > 0 exists in float64")  # fmt: skip
        return SolveError(f"{name} returned status '{status}' (f_r unbounded below) on the relaxation, "
                          f"but {why}: the solve failed")  # fmt: skip
    q = A_unit @ v
    neg = int(np.count_nonzero(y_unit < 0))
    return UnboundedRelaxationError(
        f"the relaxation f_r is unbounded below ({name} status '{status}', certified in float64 at unit scale): "
        f"along v with A v <= 0 and y^T A v > 0, f_r(t v) = ||y||^2/2 - t y^T A v -> -inf; "
        f"y has {neg} negative entries" + (f" (min {float(y.min()):.3g})" if neg else "")
    )


def _objective_from_unit(scaling: UnitScaling, value: float) -> float:
    try:
        return scaling.objective_from_unit(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def certified_status(certificate: Certificate) -> str:
    """relurelax's verdict on a backend's point: ``"optimal"`` only when its certificate passes."""
    return "optimal" if certificate.passed else "inaccurate"


def accept_certified(result: _Certified, what: str, accept_inaccurate: bool) -> _Certified:
    """Return ``result`` (a record with ``certificate``, ``backend``, ``backend_status``), or raise
    :class:`~.errors.InaccurateSolutionError` with one line naming the backend, what it said and the
    failing residual, unless ``accept_inaccurate``. The one gate of every conic solve."""
    certificate = cast(Certificate, result.certificate)  # every conic result carries one
    if certificate.passed or accept_inaccurate:
        return result
    message = (f"{result.backend} returned status '{result.backend_status}' on {what}, but the point fails "
               "relurelax's certificate: " + "; ".join(certificate.failures()) + " (status 'inaccurate')")  # fmt: skip
    raise InaccurateSolutionError(message, result)


def solve_relaxation(
    A: ArrayLike, y: ArrayLike, *, backend: str = "CLARABEL", form: str = "direct", accept_inaccurate: bool = False,
    **solver_options: Any,
) -> RelaxationResult:  # fmt: skip
    r"""Minimise :math:`f_r` with CVXPY, at unit scale, in the worker process, and certify the answer.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,).
    backend : ``"CLARABEL"`` (default), ``"SCS"`` or ``"OSQP"``.
    form : ``"direct"`` or ``"qp"`` (the latter also returns KKT residuals).
    accept_inaccurate : return a result whose certificate fails (status
        ``"inaccurate"``) instead of raising :class:`~.errors.InaccurateSolutionError`.
    solver_options : passed to ``Problem.solve`` (over :data:`BACKEND_DEFAULTS`).

    Raises
    ------
    InaccurateSolutionError : the backend's point fails the certificate
        (module docstring); ``.result`` holds the record.
    UnboundedRelaxationError : f_r is unbounded below, with a certificate
        checked in float64 (e.g. a negative label).
    SolveError : the backend failed, returned no solution, said unbounded
        without a certificate, or its worker process died.
    SolverUnavailableError : the backend is unknown or not installed.
    InvalidInputError : bad data, or data float64 cannot hold at one scale.
    """
    A, y = check_problem(A, y)
    name = check_backend(backend)
    if form not in FORMS:
        raise InvalidInputError(f"form must be one of {', '.join(FORMS)}; got {form!r}")
    unit = unit_problem(A, y)
    A_unit, y_unit, scaling = unit.A, unit.y, unit.scaling

    what = "the relaxation"
    out = solve_natively("relaxation._native_relaxation", (A_unit, y_unit, form, name, backend_options(name, solver_options)),
                         name, what)  # fmt: skip
    status = out["status"]
    if status in _UNBOUNDED:
        raise _unbounded_or_failed(A_unit, y_unit, y, name, status)
    xv = out["values"]["x"]
    if status not in _SOLVED or xv is None:
        raise SolveError(f"{name} returned status '{status}' on {what}; no solution is available")

    Z = (A_unit @ xv)[:, None]
    gradient_norm = relative_gradient_norm(A_unit, y_unit, xv)
    kkt = None
    if form == "qp":
        s, lam, nu = out["values"]["s"], out["duals"]["lam"], out["duals"]["nu"]
        kkt = (KKTResiduals(math.nan, math.nan, math.nan, math.nan) if s is None or lam is None or nu is None
               else _kkt(A_unit, y_unit, xv, s, lam, nu))  # fmt: skip
    certificate = Certificate(name, gradient_norm, conic_gradient_rtol(name),
                              None if kkt is None else kkt.worst, None if kkt is None else conic_kkt_rtol(name))  # fmt: skip
    if not certificate.passed and not np.all(y_unit >= 0):
        from .newton import unboundedness_certificate

        v = unboundedness_certificate(A_unit, y_unit)
        if v is not None:
            # the point is bad because there is no minimiser: say so, with the proof
            raise _unbounded_or_failed(A_unit, y_unit, y, name, status, v)
    result = RelaxationResult(
        x=x_to_user(scaling, xv),
        objective=_objective_from_unit(scaling, float(relaxed_from(Z, y_unit))),
        solver_objective=_objective_from_unit(scaling, out["value"]),
        status=certified_status(certificate),
        backend=name,
        form=form,
        seconds=out["seconds"],
        iterations=out["iterations"],
        is_dcp=out["is_dcp"],
        gradient_norm=gradient_norm,
        kkt=kkt,
        backend_status=status,
        certificate=certificate,
    )
    return accept_certified(result, what, accept_inaccurate)
