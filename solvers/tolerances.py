r"""Every numerical tolerance of relurelax, graded by where the number comes from.

* ``EXACT``: closed-form float64 algebra (an objective against a loop over
  samples, a planted value that is zero by construction). Errors are a few
  ulps times the size of the terms.
* ``ITERATIVE``: first-order descent run to a gradient-norm tolerance, and
  the Newton solver of :mod:`.newton`, whose quadratic convergence reaches a
  gradient two orders of magnitude closer to the rounding floor.
* ``CONIC``: interior-point / operator-splitting solvers, per backend, at the
  accuracy their own defaults promise.

Comparisons are relative to a named scale (usually :math:`\|y\|^2` for
objective values), never absolute on numbers of unknown size.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "EXACT_RTOL",
    "FINITE_DIFFERENCE_RTOL",
    "DESCENT_GTOL",
    "DESCENT_OBJECTIVE_RTOL",
    "ZERO_TRAIN_ERROR",
    "NEWTON_GTOL",
    "NEWTON_VS_CONIC_RTOL",
    "NEWTON_OBJECTIVE_RTOL",
    "LP_FEASIBILITY_RTOL",
    "GLOBAL_OBJECTIVE_RTOL",
    "CONIC_RTOL",
    "conic_rtol",
    "solver_rtol",
    "agreement_rtol",
    "CONIC_GRADIENT_RTOL",
    "CONIC_KKT_RTOL",
    "CELL_KKT_RTOL",
    "conic_gradient_rtol",
    "conic_kkt_rtol",
    "cell_kkt_rtol",
    "RAY_TIE_RTOL",
    "RAY_SIGN_RTOL",
    "RAY_KKT_RTOL",
    "NEGLIGIBLE_BLOCK_RTOL",
    "NETWORK_BOUND_RTOL",
]

#: closed-form float64 algebra, relative to the magnitude of the terms
EXACT_RTOL = 1e-10
#: central finite differences with step ~ 1e-6, relative to the gradient norm
FINITE_DIFFERENCE_RTOL = 1e-5
#: default stopping tolerance of the descent loop: ||direction|| <= DESCENT_GTOL * ||A^T y||
DESCENT_GTOL = 1e-10
#: agreement of a descent run (stopped by DESCENT_GTOL or by its iteration budget) with the
#: optimum of the convex problem it descends, relative to ||y||^2. At a DESCENT_GTOL stop,
#: convexity bounds the gap by ||grad|| * ||x - x_opt|| <= 1e-10 ||A^T y|| ||x - x_opt||, orders
#: of magnitude below this; a run stopped by its budget may miss it, and then disagrees.
DESCENT_OBJECTIVE_RTOL = 1e-6
#: relative training error ||r|| / ||y|| at or below which a run has reached zero training
#: error; a descent run stopped by DESCENT_GTOL on a zero-residual point ends near 1e-10.
ZERO_TRAIN_ERROR = 1e-8
#: default stopping tolerance of the Newton solver: ||grad f_r|| <= NEWTON_GTOL * ||A^T y||
NEWTON_GTOL = 1e-12
#: how much worse than the best CVXPY objective the exact solver may end, relative to ||y||^2
NEWTON_VS_CONIC_RTOL = 1e-9
#: agreement of the Newton solver's f_r (stopped by NEWTON_GTOL) with the optimum of f_r, relative
#: to ||y||^2. Convexity bounds the gap by ||grad|| ||x - x_opt|| <= 1e-12 ||A^T y|| ||x - x_opt||,
#: and evaluating f_r costs a few ulps of ||y||^2. Measured on 40 planted instances (n x d = 50x100,
#: 100x100, 200x100, 20x50, 400x100, 1000x50, 15x25, 40x25; 5 seeds each): |f_r| <= 2.6e-16 ||y||^2
#: at Newton's point (the optimum is 0) and |f_r(newton) - f_r(CLARABEL)| <= 9.0e-15 ||y||^2; the
#: tolerance keeps a margin of 1e4 over the latter, at the grade of EXACT_RTOL.
NEWTON_OBJECTIVE_RTOL = 1e-10
#: HiGHS's primal feasibility tolerance: an LP certificate v may have (A v)_i up to this
#: times ||A||_inf ||v||_inf (the scale of one entry of A v)
LP_FEASIBILITY_RTOL = 1e-7
#: a unit row and a unit ray of the arrangement (solvers.rays) with abs(a^T u) at or below this are
#: incident: the value at the rows that define the ray is a few ulps (1e-16) of 1 (times the
#: condition of the rows that define it); a value between this and RAY_SIGN_RTOL is refused as
#: undecidable, and the same band applies to the smallest singular value of the defining rows
RAY_TIE_RTOL = 1e-10
#: a unit row and a unit ray with abs(a^T u) above this are on definite sides of each other
RAY_SIGN_RTOL = 1e-8
#: largest worst KKT residual (cell._kkt, unit scale) of a cell QP solved exactly over its rays
#: (Lawson-Hanson NNLS, solvers.exact), and largest scaled NNLS optimality residual of P_+;
#: a cell that fails it is solved again with CVXPY
RAY_KKT_RTOL = 1e-9
#: agreement of the global method ("exact": every activation cell solved by Lawson-Hanson NNLS and
#: certified by its KKT residuals in float64) with another solver's value, relative to ||y||^2; its
#: values are float64 least-squares optima, accurate to a few ulps of ||y||^2, so it is graded with
#: the Newton solver, not with the conic backends
GLOBAL_OBJECTIVE_RTOL = 1e-9
#: agreement of a conic solve with the exact optimum, relative to ||y||^2
CONIC_RTOL = MappingProxyType({"CLARABEL": 1e-7, "SCS": 1e-3, "OSQP": 1e-3})


def conic_rtol(backend: str) -> float:
    """Relative objective tolerance to expect from a conic backend (by name)."""
    return CONIC_RTOL.get(backend.upper(), 1e-3)


def solver_rtol(name: str) -> float:
    r"""Objective tolerance, relative to :math:`\|y\|^2`, of one solver: a descent method, ``"newton"``, ``"exact"`` or a backend."""
    if name.lower() in ("gd", "rgd"):
        return DESCENT_OBJECTIVE_RTOL
    if name.lower() == "newton":
        return NEWTON_OBJECTIVE_RTOL
    if name.lower() == "exact":
        return GLOBAL_OBJECTIVE_RTOL
    return conic_rtol(name)


def agreement_rtol(a: str, b: str) -> float:
    r"""Tolerance, relative to :math:`\|y\|^2`, for two solvers' optimal values to agree.

    ``a`` and ``b`` name a conic backend, a descent method (``"rgd"``,
    ``"gd"``) or the exact solver ``"newton"``; the looser of the two
    tolerances applies.
    """
    return max(solver_rtol(a), solver_rtol(b))


# --- certificates of a conic solve -------------------------------------------------------------
# Measured at each backend's defaults (through solve_relaxation / solve_cell, unit scale), on
# planted instances (y >= 0): the relaxation on n x d = 20x50, 50x50, 200x50, 400x100, 1000x50
# (4 seeds, noise 0 and 0.1 clipped at 0, both forms) and 5x3, 8x12, 20x12, 300x20, 50x100,
# 100x100, 200x100, 2000x100 (5 seeds, form qp); the cell QP on m = 2, 3 with n x d = 20x50,
# 50x50, 200x50, 400x100, 15x25, 40x25, 50x100, 100x100, 200x100, at the cells of X* and X0.
# Largest values seen (median in brackets):
#   relative gradient norm: CLARABEL 9.0e-7 (6e-9), SCS 1.6e-5 (8e-8), OSQP 1.9e-5 (1e-15;
#     OSQP's polishing usually succeeds, and when it does not it stops at eps = 1e-5)
#   KKT worst, form qp:     CLARABEL 9.4e-9 (3e-9), SCS 1.9e-5 (1e-6), OSQP 1.9e-5 (6e-15)
#   KKT worst, cell QP:     CLARABEL 5.7e-9 (1e-9), SCS 8.4e-6 (4e-9), OSQP 1.4e-7 (2e-10)
# The tolerances keep a margin of 10 to 100 over these; the wrong answers of issue 9 (planted data
# times 1e-6, solved at the user's scale) had a relative gradient norm of 2.
#: largest relative gradient norm ||grad f_r(x)|| / ||A^T y|| (float64, unit scale) accepted at
#: a backend's "optimal" point of the relaxation
CONIC_GRADIENT_RTOL = MappingProxyType({"CLARABEL": 1e-5, "SCS": 3e-4, "OSQP": 3e-4})
#: largest worst KKT residual (relaxation.KKTResiduals.worst, unit scale) accepted for form "qp"
CONIC_KKT_RTOL = MappingProxyType({"CLARABEL": 1e-6, "SCS": 3e-4, "OSQP": 3e-4})
#: largest worst KKT residual of the cell QP (cell._kkt, unit scale) accepted by solve_cell
CELL_KKT_RTOL = MappingProxyType({"CLARABEL": 1e-6, "SCS": 3e-4, "OSQP": 3e-4})


def conic_gradient_rtol(backend: str) -> float:
    """Certificate tolerance on the relative gradient norm of f_r for a backend (by name)."""
    return CONIC_GRADIENT_RTOL[backend.upper()]


def conic_kkt_rtol(backend: str) -> float:
    """Certificate tolerance on the worst KKT residual of the relaxation's QP form for a backend."""
    return CONIC_KKT_RTOL[backend.upper()]


def cell_kkt_rtol(backend: str) -> float:
    """Certificate tolerance on the worst KKT residual of the cell QP for a backend."""
    return CELL_KKT_RTOL[backend.upper()]


# --- P_+ and bounds on min f_m (solvers/pplus.py) ----------------------------------------------
#: a block v_c of a P_+ solve counts as nonzero (unit scale) when ||A v_c|| exceeds this times
#: max(1, ||y||). Only blocks zero up to rounding are left out before the Caratheodory reduction
#: (the reduction and the pruning after it handle the rest): at the optimum ||r|| <= ||y||, so
#: leaving out K such blocks moves the objective by at most about K * 1e-12 * ||y||^2, below
#: CLARABEL's CONIC_RTOL for up to 1e4 cells (arrangement.DEFAULT_MAX_CELLS). CLARABEL leaves
#: 4e-9 to 2e-8 times ||y|| in the blocks of unused cells (n = 8, d = 2), which this keeps.
NEGLIGIBLE_BLOCK_RTOL = 1e-12
#: a network whose f_m exceeds a lower bound on min f_m (P_+ or an exact min f) by at most this
#: times 1 + ||y||^2 is taken to reach min f_m (pplus.bound_network). The best value comes from an
#: RGD run, which reaches the value of a minimiser to DESCENT_OBJECTIVE_RTOL (relative to ||y||^2),
#: or from a network recovered from a conic solve of P_+, whose lower bound is within
#: CONIC_RTOL["CLARABEL"] (1e-7); the larger of the two. Looser backends (SCS, OSQP: 1e-3) give
#: lower bounds this tolerance does not cover.
NETWORK_BOUND_RTOL = DESCENT_OBJECTIVE_RTOL
