r"""The convex problem :math:`P_+` over all activation cells, solved with CVXPY, and certified bounds on :math:`\min f_m`.

For the multi-neuron loss :math:`f_m(X) = \tfrac12\|\sum_{j=1}^m g(Ax_j) - y\|^2`
(Eq. (9), halved as every objective of :mod:`.objectives`) let the cells
:math:`D` run over the full-dimensional cells of the arrangement of A's rows
(:func:`~.arrangement.enumerate_cells`) and

.. math::

    P_+ = \min_{\{v_D \in K_D\}} \tfrac12\Big\|\sum_D D A v_D - y\Big\|_2^2,
    \qquad K_D = \{v : (2D - I) A v \ge 0\}.

This is the cell QP of :mod:`.cell` with one block per cell: masks
:math:`D_c` = the patterns, :math:`x_c = v_c`. It is convex, feasible
(:math:`v = 0`) and bounded below by 0 for labels of any sign.

*A lower bound on every* :math:`f_m`. A network :math:`X` with output
weights +1 is feasible: each neuron lies in the closed cone :math:`K_D` of
some cell (its activation pattern's cell, or a neighbouring one when it lies
on a hyperplane; :math:`g(Ax) = DAx` there), and neurons in one cone add up
to one block (:math:`K_D` is a convex cone). So :math:`P_+ \le f_m(X)` for
every m and X, and :math:`P_+ \le \min f_m`.

*Equality for m >= n* (Caratheodory). With :math:`w_c = D_c A v_c \in
\mathbb{R}^n` the fitted vector is :math:`\sum_c w_c`, a conic combination.
While more blocks are nonzero than the rank of :math:`[w_c]`, a null
combination :math:`\sum_c \gamma_c w_c = 0` exists (some
:math:`\gamma_c > 0`); with :math:`t = \min_{\gamma_c > 0} 1/\gamma_c` the
blocks :math:`(1 - t\gamma_c) v_c` are nonnegative multiples of the old
ones, so they stay in their cones, the fitted vector does not change, and
one of them is 0. At most :math:`\mathrm{rank} \le n` blocks remain, each a
neuron :math:`x_j = v_{c_j}` with :math:`g(Ax_j) = D_{c_j} A x_j`: a network
of at most n neurons with :math:`f_m = P_+`, so :math:`\min f_m = P_+` for
:math:`m \ge n`.

:func:`pplus_conic` solves :math:`P_+` at unit scale in the worker process
(:mod:`.relaxation`'s path) and accepts the point only with relurelax's KKT
certificate (:func:`pplus_kkt`, the residuals of :mod:`.cell` computed in
float64 at unit scale, judged against :data:`~.tolerances.CELL_KKT_RTOL`).
:func:`bound_network` brackets :math:`\min f_m` between such a lower bound
and the best :math:`f_m` that RGD (:mod:`.descent`) and given candidate
networks reach.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .activation import relu
from .cell import _cell_residual, _kkt, constrained_rows
from .descent import RGD, descend
from .errors import InaccurateSolutionError, InvalidInputError, SolveError
from .exact import _check_patterns, caratheodory
from .objectives import multi_neuron_objective
from .records import freeze_arrays
from .relaxation import (
    _SOLVED,
    Certificate,
    KKTResiduals,
    _objective_from_unit,
    backend_options,
    check_backend,
    solve_natively,
)
from .scaling import parameters_to_unit, unit_problem, x_to_user
from .seeds import derived_rng
from .tolerances import NEGLIGIBLE_BLOCK_RTOL, NETWORK_BOUND_RTOL, cell_kkt_rtol, conic_rtol
from .validation import as_parameters, check_positive_int, check_problem

__all__ = ["PPlusConic", "pplus_conic", "pplus_kkt", "NetworkBound", "bound_network", "LOWER_BOUND_NAMES"]

#: what a lower bound passed to :func:`bound_network` may be: :math:`P_+` or an exact :math:`\min f_m`
LOWER_BOUND_NAMES = ("P_+", "min f")


@dataclass(frozen=True)
class PPlusConic:
    r"""A certified CVXPY solve of :math:`P_+` over a list of cells; arrays are read-only.

    ``objective`` is :math:`\tfrac12\|\sum_c D_c A v_c - y\|^2` recomputed in
    float64 at the returned blocks ``V`` (d, K) (column c is :math:`v_c`, in
    the cone of ``patterns[c]``; ``patterns`` (K, n) as given).
    ``duals`` (n, K) are the multipliers :math:`\lambda_c \ge 0` of the
    cone constraints in the user's units (0 on zero rows, which carry no
    constraint); ``kkt`` the residuals of :func:`pplus_kkt` at unit scale
    and ``certificate`` their verdict (always passed: a failing point
    raises). ``X`` (d, k), :math:`1 \le k \le n`: the nonzero blocks after
    the Caratheodory reduction (module docstring), as neurons; ``loss`` is
    :math:`f_m(X)` (Eq. (9) halved), equal to ``objective`` within
    ``tolerance``: the backend's :data:`~.tolerances.CONIC_RTOL` times
    :math:`1 + \|y'\|^2` at unit scale (:math:`b^2 + \|y\|^2` in the user's
    units, :math:`y = by'`, :mod:`.scaling`). When every block is zero (:math:`P_+ = \tfrac12\|y\|^2`)
    ``X`` is one zero neuron. ``solver_objective`` is what CVXPY reported,
    ``backend_status`` what the backend said, ``seconds`` the wall time of
    building and solving the model in the worker.
    """

    objective: float
    V: NDArray[np.float64]
    patterns: NDArray[np.bool_]
    duals: NDArray[np.float64]
    X: NDArray[np.float64]
    loss: float
    tolerance: float
    kkt: KKTResiduals
    certificate: Certificate
    backend: str
    backend_status: str
    solver_objective: float
    seconds: float

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def neurons(self) -> int:
        """The number of neurons of :attr:`X` (at most n)."""
        return int(self.X.shape[1])

    def network(self) -> NDArray[np.float64]:
        r"""The recovered network :math:`X` (d, k), k <= n, with :math:`f_m(X) = P_+`: a writeable copy of :attr:`X`."""
        return self.X.copy()


def _check_cone_blocks(V: ArrayLike, d: int, cells: int) -> NDArray[np.float64]:
    arr = as_parameters(V, d, "V")
    if arr.shape != (d, cells):
        raise InvalidInputError(f"V must have shape (d, K) = ({d}, {cells}), one block per pattern; got {arr.shape}")
    return arr


def _unit_kkt(
    A_unit: NDArray[np.float64], y_unit: NDArray[np.float64], V_unit: NDArray[np.float64],
    patterns: NDArray[np.bool_], lam_unit: NDArray[np.float64],
) -> KKTResiduals:  # fmt: skip
    # P_+ is the cell QP with one block per cell (masks = patterns^T): its KKT system is the cell's
    return _kkt(A_unit, y_unit, V_unit, patterns.T, lam_unit)


def pplus_kkt(A: ArrayLike, y: ArrayLike, V: ArrayLike, patterns: ArrayLike, duals: ArrayLike) -> KKTResiduals:
    r"""KKT residuals of :math:`P_+` at blocks ``V`` with multipliers ``duals``, in float64 at unit scale.

    With :math:`S_c = 2D_c - I`, :math:`r = \sum_c D_c A v_c - y`:

    - stationarity: :math:`A^T(D_c r - S_c \lambda_c) = 0` for every cell c;
    - primal feasibility: :math:`S_c A v_c \ge 0`;
    - dual feasibility: :math:`\lambda_c \ge 0`;
    - complementarity: :math:`\lambda_c^T S_c A v_c = 0`;

    each scaled as in :mod:`.cell` (the residuals of :func:`~.cell.solve_cell`,
    whose QP :math:`P_+` is with masks ``patterns.T``), after mapping the
    data to unit scale (:math:`v = (b/a) v'`, :math:`\lambda = b\lambda'`),
    so the residuals do not depend on the units of the data.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,).
    V : (d, K) blocks, column c in the cone of ``patterns[c]``.
    patterns : boolean (K, n), K >= 1.
    duals : (n, K) multipliers; entries of zero rows are ignored by
        stationarity (their constraint :math:`0 \ge 0` is left out).
    """
    A, y = check_problem(A, y)
    patterns = _check_patterns(patterns, A.shape[0])
    V = _check_cone_blocks(V, A.shape[1], patterns.shape[0])
    lam = np.asarray(duals, dtype=np.float64)
    if lam.shape != patterns.T.shape:
        raise InvalidInputError(f"duals must have shape (n, K) = {patterns.T.shape}; got {lam.shape}")
    unit = unit_problem(A, y)
    lam_unit = np.ldexp(lam, -unit.scaling.y_exponent)
    lam_unit[np.setdiff1d(np.arange(A.shape[0]), constrained_rows(unit.A))] = 0.0
    return _unit_kkt(unit.A, unit.y, parameters_to_unit(unit.scaling, V, "V"), patterns, lam_unit)


def _reduced_blocks(
    A: NDArray[np.float64], V: NDArray[np.float64], patterns: NDArray[np.bool_], keep: NDArray[np.intp]
) -> NDArray[np.float64]:
    r"""Blocks ``V[:, keep]`` reduced to at most rank :math:`[w_c]` nonzero ones with the same :math:`\sum_c w_c`.

    :math:`w_c = D_c A v_c`; :func:`~.exact.caratheodory` on the weights
    (all 1 at first) scales each surviving block by its weight
    :math:`\ge 0`, which keeps it in :math:`K_{D_c}`. Returns the surviving
    blocks (d, k).
    """
    X = V[:, keep]
    t = caratheodory(patterns[keep].T * (A @ X), np.ones(keep.size))
    used = np.flatnonzero(t > 0)
    return X[:, used] * t[used]


def _network_from_blocks(
    A_unit: NDArray[np.float64], y_unit: NDArray[np.float64], V_unit: NDArray[np.float64],
    patterns: NDArray[np.bool_], value: float, tolerance: float,
) -> NDArray[np.float64]:  # fmt: skip
    r"""The neurons of :math:`P_+`'s blocks at unit scale (``value`` is :math:`P_+` there).

    Blocks whose output :math:`w_c = D_c A v_c` has :math:`\|w_c\| \le`
    :data:`~.tolerances.NEGLIGIBLE_BLOCK_RTOL` :math:`\cdot \max(1, \|y\|)` are left out (a block
    with :math:`D_c A v_c = 0` is a dead neuron), the rest reduced by Caratheodory to at most n;
    then, smallest output :math:`\|g(Ax_j)\|` first, a neuron is removed while :math:`f_m` stays
    within ``tolerance / 2`` of ``value``: an interior-point solver leaves blocks of the size of its
    accuracy in every cell, and a network with them would need more neurons than the optimum does.
    The result has at most n neurons but is not the sparsest such network (finding that is
    combinatorial).
    """
    sizes = np.linalg.norm(patterns.T * (A_unit @ V_unit), axis=0)
    keep = np.flatnonzero(sizes > NEGLIGIBLE_BLOCK_RTOL * max(1.0, float(np.linalg.norm(y_unit))))
    if keep.size == 0:
        return np.zeros((A_unit.shape[1], 1))
    X = _reduced_blocks(A_unit, V_unit, patterns, keep)
    kept = np.ones(X.shape[1], dtype=bool)
    for j in np.argsort(np.linalg.norm(relu(A_unit @ X), axis=0), kind="stable"):
        kept[j] = False
        if not kept.any() or abs(multi_neuron_objective(A_unit, y_unit, X[:, kept]) - value) > tolerance / 2:
            kept[j] = True
    return X[:, kept]


def pplus_conic(A: ArrayLike, y: ArrayLike, patterns: ArrayLike, *, backend: str = "CLARABEL") -> PPlusConic:
    r"""Solve :math:`P_+` over the cells ``patterns`` with CVXPY and certify it (module docstring).

    Parameters
    ----------
    A, y : data (n, d) and labels (n,), of any sign.
    patterns : boolean (K, n), K >= 1, one row per cell (True where
        :math:`a_i^T x > 0` inside), e.g. ``enumerate_cells(A).patterns``;
        with every full-dimensional cell the value is :math:`P_+`, with some
        of them an upper bound on it.
    backend : ``"CLARABEL"`` (default), ``"SCS"`` or ``"OSQP"``.

    Raises
    ------
    InvalidInputError : bad A, y, patterns or backend.
    InaccurateSolutionError : the KKT residuals at the backend's point exceed
        :data:`~.tolerances.CELL_KKT_RTOL` of the backend.
    SolveError : the backend failed or returned no point; or the recovered
        network's :math:`f_m` disagrees with the objective by more than the
        backend's :data:`~.tolerances.CONIC_RTOL` times :math:`1 + \|y\|^2` (unit scale).
    """
    A, y = check_problem(A, y)
    patterns = _check_patterns(patterns, A.shape[0])
    name = check_backend(backend)
    unit = unit_problem(A, y)
    A_unit, y_unit, scaling = unit.A, unit.y, unit.scaling
    masks = patterns.T
    what = f"P_+ over {patterns.shape[0]} cells"
    out = solve_natively("cell._native_cell", (A_unit, y_unit, masks, name, backend_options(name, {})), name, what)
    status, V_unit, lam = out["status"], out["values"]["X"], out["duals"]["lam"]
    if status not in _SOLVED or V_unit is None or lam is None:
        raise SolveError(f"{name} returned status '{status}' on {what}; no solution (or no multipliers) available")
    V_unit = V_unit.reshape(A.shape[1], masks.shape[1])
    lam_unit = np.zeros(masks.shape)
    lam_unit[constrained_rows(A_unit)] = lam.reshape(-1, masks.shape[1])
    kkt = _unit_kkt(A_unit, y_unit, V_unit, patterns, lam_unit)
    certificate = Certificate(name, None, None, kkt.worst, cell_kkt_rtol(name))
    if not certificate.passed:
        raise InaccurateSolutionError(f"{name} returned status '{status}' on {what}, but the point fails relurelax's "
                                      "certificate: " + "; ".join(certificate.failures()))  # fmt: skip
    r = _cell_residual(A_unit @ V_unit, masks, y_unit)
    value_unit = 0.5 * float(r @ r)
    tolerance_unit = conic_rtol(name) * (1.0 + float(y_unit @ y_unit))
    X_unit = _network_from_blocks(A_unit, y_unit, V_unit, patterns, value_unit, tolerance_unit)
    loss_unit = multi_neuron_objective(A_unit, y_unit, X_unit)
    if not abs(loss_unit - value_unit) <= tolerance_unit:
        raise SolveError(f"the network of {X_unit.shape[1]} neurons recovered from {what} has f_m = {loss_unit:.6g} "
                         f"but P_+ = {value_unit:.6g} (unit scale; tolerance {tolerance_unit:.1e})")  # fmt: skip
    return PPlusConic(
        objective=_objective_from_unit(scaling, value_unit),
        V=x_to_user(scaling, V_unit),
        patterns=patterns.copy(),
        duals=np.ldexp(lam_unit, scaling.y_exponent),
        X=x_to_user(scaling, X_unit),
        loss=_objective_from_unit(scaling, loss_unit),
        tolerance=_objective_from_unit(scaling, tolerance_unit),
        kkt=kkt,
        certificate=certificate,
        backend=name,
        backend_status=status,
        solver_objective=_objective_from_unit(scaling, out["value"]),
        seconds=out["seconds"],
    )


@dataclass(frozen=True)
class NetworkBound:
    r"""A bracket of :math:`\min f_m` (Eq. (9) halved): ``lower_bound`` <= min f_m <= ``best``; arrays read-only.

    ``best`` is :math:`f_m(X)` recomputed by
    :func:`~.objectives.multi_neuron_objective` at ``X`` (d, m), the best
    network found; ``source`` says where it came from (``"rgd start 3"``, or
    the name of a candidate such as ``"recovered network"``).
    ``lower_bound`` is the caller's, named by ``lower_bound_name``
    (``"P_+"`` or ``"min f"``, see :data:`LOWER_BOUND_NAMES`). ``gap`` is
    ``best - lower_bound``; ``tolerance`` is
    :data:`~.tolerances.NETWORK_BOUND_RTOL` :math:`\cdot (1 + \|y\|^2)`, and
    ``certified`` says ``gap <= tolerance``: then ``best`` is
    :math:`\min f_m` up to the tolerance. ``rgd_values`` are the
    :math:`f_m` at the end of each RGD run, in the order of the starts
    (start k draws from ``derived_rng(seed, "bound_network", k)``), and
    ``candidates`` the names of the candidates that were compared (those
    with at most m neurons).
    """

    m: int
    lower_bound: float
    lower_bound_name: str
    best: float
    X: NDArray[np.float64]
    source: str
    gap: float
    tolerance: float
    certified: bool
    rgd_values: tuple[float, ...]
    candidates: tuple[str, ...]
    seed: int

    def __post_init__(self) -> None:
        freeze_arrays(self)


def _start_scale(A: NDArray[np.float64], y: NDArray[np.float64], m: int) -> float:
    r"""Standard deviation of a random start: each :math:`a_i^T x_j` of size about :math:`\max|y| / m`."""
    row = float(np.max(np.linalg.norm(A, axis=1)))
    return float(np.max(np.abs(y))) / (m * row) if row > 0.0 else 1.0


def _padded_candidates(
    candidates: Mapping[str, ArrayLike] | None, d: int, m: int
) -> dict[str, NDArray[np.float64]]:
    """The candidates with at most m neurons, each padded with zero neurons (which output 0) to m."""
    out = {}
    for name, X in (candidates or {}).items():
        if not isinstance(name, str) or name.startswith("rgd start"):
            raise InvalidInputError(f"a candidate's name must be a string not starting with 'rgd start'; got {name!r}")
        X = as_parameters(X, d, f"candidate {name!r}")
        if X.shape[1] <= m:
            out[name] = np.hstack([X, np.zeros((d, m - X.shape[1]))])
    return out


def bound_network(
    A: ArrayLike, y: ArrayLike, m: int, *, lower_bound: float, lower_bound_name: str, starts: int = 8, seed: int = 0,
    max_iter: int = 10_000, candidates: Mapping[str, ArrayLike] | None = None,
) -> NetworkBound:  # fmt: skip
    r"""The best :math:`f_m` found with m neurons, against a lower bound on :math:`\min f_m`.

    Runs RGD (:func:`~.descent.descend` with :data:`~.descent.RGD`, step
    ``"auto"``) from ``starts`` random starts :math:`X_0` with
    i.i.d. normal entries of standard deviation
    :math:`\max|y| / (m \max_i\|a_i\|)`, and compares :math:`f_m` at each end
    point and at each candidate with at most m neurons (padded with zero
    neurons). Every value is :math:`f_m` recomputed at its point, whatever
    RGD descended (:math:`f_{mp}`, Eq. (14)), so each is an upper bound on
    :math:`\min f_m`. Same arguments, same result.

    Parameters
    ----------
    A, y : data (n, d) and labels (n,).
    m : number of neurons, >= 1.
    lower_bound : a lower bound on :math:`\min f_m`: :math:`P_+`
        (:func:`pplus_conic` over every cell, valid for every m) or an exact
        minimum (``"min f"``, m = 1: :func:`~.exact.exact_min_over_patterns`).
    lower_bound_name : ``"P_+"`` or ``"min f"``.
    starts : number of RGD runs, >= 0 (at least one run or one candidate).
    seed : integer >= 0; start k uses ``derived_rng(seed, "bound_network", k)``.
    max_iter : iteration budget of each RGD run.
    candidates : optional networks by name (shape (d,) or (d, k)).
    """
    A, y = check_problem(A, y)
    m = check_positive_int(m, "m (the number of neurons)")
    starts = check_positive_int(starts, "starts", minimum=0)
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    seed = check_positive_int(seed, "seed", minimum=0)
    if lower_bound_name not in LOWER_BOUND_NAMES:
        raise InvalidInputError(f"lower_bound_name must be one of {LOWER_BOUND_NAMES}; got {lower_bound_name!r}")
    if isinstance(lower_bound, bool) or not isinstance(lower_bound, (int, float)) or not math.isfinite(lower_bound):
        raise InvalidInputError(f"lower_bound must be a finite number; got {lower_bound!r}")
    d = A.shape[1]
    networks = _padded_candidates(candidates, d, m)
    rgd_values = []
    scale = _start_scale(A, y, m)
    for k in range(starts):
        X0 = scale * derived_rng(seed, "bound_network", k).standard_normal((d, m))
        X = descend(A, y, X0, RGD, step="auto", max_iter=max_iter).X
        networks[f"rgd start {k}"] = X
        rgd_values.append(multi_neuron_objective(A, y, X))
    if not networks:
        raise InvalidInputError(f"nothing to compare: starts = 0 and no candidate has at most m = {m} neurons")
    values = {name: multi_neuron_objective(A, y, X) for name, X in networks.items()}
    source = min(values, key=values.__getitem__)
    gap = values[source] - float(lower_bound)
    tolerance = NETWORK_BOUND_RTOL * (1.0 + float(y @ y))
    return NetworkBound(
        m=m,
        lower_bound=float(lower_bound),
        lower_bound_name=lower_bound_name,
        best=values[source],
        X=networks[source],
        source=source,
        gap=gap,
        tolerance=tolerance,
        certified=bool(gap <= tolerance),
        rgd_values=tuple(rgd_values),
        candidates=tuple(name for name in networks if not name.startswith("rgd start ")),
        seed=seed,
    )
