r"""Exact (sympy) proofs of the per-sample statements behind every claim.

Every objective of the paper is a sum over samples of a scalar function of
the pre-activations :math:`z_{ij} = a_i^T x_j` (halved scaling, as in
:mod:`relurelax.solvers.objectives`):

.. math::

    \varphi_f(u; y)   &= \tfrac12 (g(u) - y)^2                       && \text{sample term of } f,\ (1) \\
    \varphi_r(u; y)   &= \tfrac12 g(u)^2 - y u + \tfrac12 y^2          && \text{of } f_r,\ (3) \\
    \psi_m(z; y)      &= \tfrac12 (\textstyle\sum_j g(z_j) - y)^2       && \text{of } f_m,\ (9) \\
    \psi_{mp}(z; y)   &= \psi_m(z; y) - [z < 0]\, y \textstyle\sum_j z_j  && \text{of } f_{mp},\ (14)

with :math:`[z < 0] = 1` iff every :math:`z_j < 0` (the diagonal of
:math:`\prod_j D_j^c`) and the mask :math:`D_j = 1` iff :math:`z_j \ge 0`.
Each statement is proved exactly for every sign pattern of the
pre-activations: a pre-activation is replaced by :math:`+p`, :math:`-p`
(``p`` a positive symbol) or 0, which turns every ``Max`` and every mask into
a polynomial, and the polynomial identity or sign is then decided by
``expand`` and sympy's assumptions. A ``None`` or ``False`` from sympy is
never taken as a verdict: it makes the proof "not proved". Multi-neuron
statements are proved for every m up to a bound; the lift to the claim (sum
over samples, chain rule through :math:`z = a^T x`) is stated in each
result's detail.

This module imports sympy only (never :mod:`relurelax.solvers`): it is the
independent statement of the mathematics that the numeric code is held
against.
"""

from __future__ import annotations

import time
from itertools import product

import sympy as sp

from ._proof import ProofResult, check_m_max
from .conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, NO_ZERO_PREACTIVATION, PLANTED

__all__ = [
    "relu",
    "mask",
    "all_inactive",
    "phi_f",
    "phi_r",
    "psi_m",
    "psi_mp",
    "rgd_weight",
]

_u = sp.Symbol("u", real=True)
_y = sp.Symbol("y", real=True)
_q = sp.Symbol("q", nonnegative=True)  # a label known to be >= 0
_r = sp.Symbol("r", real=True)


def relu(t):
    r"""ReLU :math:`g(t) = \max\{0, t\}`."""
    return sp.Max(0, t)


def mask(t):
    r"""Diagonal entry of :math:`D_j`: 1 iff :math:`t \ge 0` (the paper's convention)."""
    return sp.Piecewise((1, t >= 0), (0, True))


def all_inactive(z):
    r"""Diagonal entry of :math:`\prod_j D_j^c`: 1 iff every :math:`z_j < 0`."""
    return sp.Piecewise((1, sp.And(*[t < 0 for t in z])), (0, True))


def phi_f(u, y):
    r"""Sample term of :math:`f`, Eq. (1): :math:`\tfrac12 (g(u) - y)^2`."""
    u, y = sp.sympify(u), sp.sympify(y)  # exact rationals, never floats
    return (relu(u) - y) ** 2 / 2


def phi_r(u, y):
    r"""Sample term of :math:`f_r`, Eq. (3) halved: :math:`\tfrac12 g(u)^2 - yu + \tfrac12 y^2`."""
    u, y = sp.sympify(u), sp.sympify(y)  # exact rationals, never floats
    return relu(u) ** 2 / 2 - y * u + y**2 / 2


def psi_m(z, y):
    r"""Sample term of :math:`f_m`, Eq. (9): :math:`\tfrac12(\sum_j g(z_j) - y)^2`."""
    z, y = [sp.sympify(t) for t in z], sp.sympify(y)
    return (sum(relu(t) for t in z) - y) ** 2 / 2


def psi_mp(z, y):
    r"""Sample term of :math:`f_{mp}`, Eq. (14) halved."""
    z, y = [sp.sympify(t) for t in z], sp.sympify(y)
    return psi_m(z, y) - all_inactive(z) * y * sum(z)


def rgd_weight(z, y, j):
    r"""Sample weight of (13) halved for neuron j: :math:`(D_j + \prod_k D_k^c)\, r`."""
    return (mask(z[j]) + all_inactive(z)) * (sum(relu(t) for t in z) - y)


# --- deciding polynomial facts without ever reading None/False as an answer


class _Tally:
    """Counts decided cases and records the ones sympy could not decide."""

    def __init__(self):
        self.cases = 0
        self.undecided: list[str] = []

    @staticmethod
    def _polynomial(expr, expand: bool = True):
        e = sp.piecewise_fold(sp.sympify(expr))
        if expand:
            e = sp.expand(e)
        return None if e.has(sp.Max, sp.Min, sp.Piecewise, sp.Heaviside) else e

    def zero(self, expr, what: str) -> None:
        self.cases += 1
        e = self._polynomial(expr)
        if e is None or e != 0:
            self.undecided.append(f"{what}: expected 0, sympy left {sp.sstr(expr)}")

    def nonnegative(self, expr, what: str) -> None:
        self.cases += 1
        # a square is visibly nonnegative before expansion, a sum of products after it
        forms = (self._polynomial(expr, expand=False), self._polynomial(expr))
        if not any(e is not None and e.is_nonnegative is True for e in forms):
            self.undecided.append(f"{what}: could not show {sp.sstr(expr)} >= 0")

    def holds(self, fact: bool, what: str) -> None:
        self.cases += 1
        if fact is not True:
            self.undecided.append(what)


def _positive_symbols(m: int):
    return sp.symbols(f"p0:{m}", positive=True)


def _sign_patterns(m: int, ties: bool):
    """Every sign pattern of m pre-activations: '+', '-' and, with ties, '0'."""
    return product("+-0" if ties else "+-", repeat=m)


def _substitute(pattern, ps):
    return [p if s == "+" else (-p if s == "-" else sp.Integer(0)) for s, p in zip(pattern, ps)]


def _result(tally: _Tally, conditions, start, detail: str) -> ProofResult:
    proved = not tally.undecided
    if not proved:
        detail = f"NOT PROVED ({len(tally.undecided)} undecided: {'; '.join(tally.undecided[:3])}). " + detail
    return ProofResult("sympy", proved, frozenset(conditions), tally.cases, time.perf_counter() - start, detail)


def _one_sided_derivatives(fun, u=_u):
    r"""Pieces of a scalar function of u for u > 0, u < 0 (as polynomials in p > 0) and u = 0.

    Returns ``(f_pos(p), f_neg(p), f(0), d_pos(p), d_neg(p))`` where ``d_*``
    are derivatives with respect to u (chain rule :math:`du = \pm dp`).
    """
    p = sp.Symbol("p", positive=True)
    f_pos, f_neg, f_zero = fun.subs(u, p), fun.subs(u, -p), fun.subs(u, 0)
    return p, f_pos, f_neg, f_zero, sp.diff(f_pos, p), -sp.diff(f_neg, p)


# --- the claims


def prove_prop1_convexity() -> ProofResult:
    r"""Proposition 1: :math:`f_r` is convex, for every y.

    :math:`\varphi_r(\cdot; y)` is C1 with a nonnegative second derivative on
    each of :math:`u < 0`, :math:`u > 0`, so its derivative is nondecreasing
    and it is convex; :math:`f_r(x) = \sum_i \varphi_r(a_i^Tx; y_i)` is a sum
    of convex functions of affine maps.
    """
    start = time.perf_counter()
    t = _Tally()
    p, f_pos, f_neg, f_zero, d_pos, d_neg = _one_sided_derivatives(phi_r(_u, _y))
    t.nonnegative(sp.diff(f_pos, p, 2), "phi_r'' on u > 0")
    t.nonnegative(sp.diff(f_neg, p, 2), "phi_r'' on u < 0")  # d2/du2 = d2/dp2 for u = -p
    t.zero(f_pos.subs(p, 0) - f_zero, "phi_r continuous at 0 from the right")
    t.zero(f_neg.subs(p, 0) - f_zero, "phi_r continuous at 0 from the left")
    t.zero(d_pos.subs(p, 0) - d_neg.subs(p, 0), "phi_r' continuous at 0")
    # the paper's first inequality ||g(A(au+(1-a)v))||^2 <= ||g(aAu)||^2 + ||g((1-a)Av)||^2, at one sample
    half, one = sp.Rational(1, 2), sp.Integer(1)
    lhs = relu(half * one + half * one) ** 2
    rhs = relu(half * one) ** 2 + relu(half * one) ** 2
    t.holds(bool(lhs > rhs), "the paper's intermediate inequality is false at a = b = 1, alpha = 1/2")
    detail = (
        "proved for every real y (no condition): phi_r(u; y) = g(u)^2/2 - y u + y^2/2 has phi_r'' = 1 on u > 0 "
        "and 0 on u < 0 and is C1 at u = 0 (values y^2/2, slopes -y from both sides), so phi_r' is "
        "nondecreasing and phi_r is convex; lift: f_r(x) = sum_i phi_r(a_i^T x; y_i) is a sum of convex "
        "functions of affine maps. The planted model (4) is not used. Finding: the paper's proof step "
        "||g(A(au+(1-a)v))||^2 <= ||g(aAu)||^2 + ||g((1-a)Av)||^2 is false (one sample, Au = Av = 1, "
        f"a = 1/2: {sp.sstr(lhs)} > {sp.sstr(rhs)}); the conclusion holds by the argument above."
    )
    return _result(t, (), start, detail)


def _bound_fr_cases(t: _Tally, label) -> None:
    for pattern in ("+", "-", "0"):
        (u,) = _substitute(pattern, [sp.Symbol("p", positive=True)])
        diff = phi_r(u, label) - phi_f(u, label)
        t.zero(diff - label * relu(-u), f"phi_r - phi_f = y g(-u) for u {pattern}")
        if label is _q:
            t.nonnegative(diff, f"phi_r - phi_f >= 0 for u {pattern}, y >= 0")


def prove_bound_fr_ge_f() -> ProofResult:
    r"""The bound :math:`f_r \ge f`, proved exactly when :math:`y \ge 0`.

    Per sample, :math:`\varphi_r - \varphi_f = y\, g(-u)` on every sign of u,
    which is :math:`\ge 0` for :math:`y \ge 0` and negative for :math:`y < 0,
    u < 0`.
    """
    start = time.perf_counter()
    t = _Tally()
    _bound_fr_cases(t, _y)
    _bound_fr_cases(t, _q)
    witness = phi_r(-1, -1) - phi_f(-1, -1)
    t.holds(bool(witness < 0), "y = -1, u = -1 gives phi_r - phi_f < 0")
    detail = (
        "proved per sample on u > 0, u < 0, u = 0: phi_r(u; y) - phi_f(u; y) = y g(-u) (so f_r(x) - f(x) = "
        "sum_i y_i g(-a_i^T x)), which is >= 0 when y >= 0; lift: sum over samples. y >= 0 is necessary: "
        f"y = -1, u = -1 gives phi_r - phi_f = {sp.sstr(witness)}. The paper asserts the bound for all x "
        "'due to its definition in (3)' inside the proof of Theorem 1, where model (4) gives y >= 0; the "
        "definition alone is not enough."
    )
    return _result(t, (LABELS_NONNEGATIVE,), start, detail)


def prove_thm1_global_min() -> ProofResult:
    r"""Theorem 1 under the planted model (4).

    Lemmas, per sample and every sign of u: :math:`g(u)u = g(u)^2`;
    :math:`\varphi_r(u; g(u)) = \varphi_f(u; g(u)) = 0`; :math:`\varphi_f \ge 0`;
    and :math:`\varphi_r \ge \varphi_f` for :math:`y \ge 0`. Chain (6)-(7):
    :math:`\min f_r \le f_r(x^*) = 0 \le f \le f_r`.
    """
    start = time.perf_counter()
    t = _Tally()
    p = sp.Symbol("p", positive=True)
    for pattern in ("+", "-", "0"):
        (u,) = _substitute(pattern, [p])
        t.zero(relu(u) * u - relu(u) ** 2, f"g(u) u = g(u)^2 for u {pattern}")
        t.zero(phi_r(u, relu(u)), f"phi_r(u; g(u)) = 0 for u {pattern}")
        t.zero(phi_f(u, relu(u)), f"phi_f(u; g(u)) = 0 for u {pattern}")
        t.nonnegative(phi_f(u, _y), f"phi_f >= 0 for u {pattern}")
    _bound_fr_cases(t, _q)
    # exact witness that planted is needed even with y >= 0: A = [[1], [-1]], y = [1, 1], d = 1
    x = sp.Symbol("x", real=True)
    fr = phi_r(x, 1) + phi_r(-x, 1)
    f_at_1 = phi_f(1, 1) + phi_f(-1, 1)
    pieces = [fr.subs(x, p), fr.subs(x, -p)]
    for piece in pieces:  # f_r - f_r(0) = p^2/2 >= 0 on both sides: min f_r = f_r(0)
        t.nonnegative(piece - fr.subs(x, 0), "A = [[1],[-1]], y = [1,1]: f_r(x) >= f_r(0)")
    t.holds(bool(f_at_1 < fr.subs(x, 0)), "A = [[1],[-1]], y = [1,1]: f(1) < min f_r")
    detail = (
        "proved per sample on u > 0, u < 0, u = 0: g(u) u = g(u)^2 (the max identity the proof uses; sympy's "
        "equals() does not confirm it, so the cases are split), phi_r(u; g(u)) = phi_f(u; g(u)) = 0, "
        "phi_f >= 0, and phi_r - phi_f = y g(-u) >= 0 for y >= 0. Lift under model (4): y = g(Ax*) >= 0, so "
        "min f_r <= f_r(x*) = 0 <= f <= f_r; a minimiser x~ of f_r has f(x~) <= f_r(x~) = 0 = min f. "
        "Planted is needed even with y >= 0 (exact: A = [[1],[-1]], y = [1,1], d = 1: min f_r = "
        f"f_r(0) = {sp.sstr(fr.subs(x, 0))} > f(1) = {sp.sstr(f_at_1)}). labels-nonnegative together with "
        "full-row-rank also suffice, because they imply planted (x* = A^+ y)."
    )
    return _result(t, (PLANTED,), start, detail)


def prove_rgd_direction() -> ProofResult:
    r"""Update (5) is gradient descent on :math:`f_r`, and GLMtron with :math:`\mu = 1/n`.

    :math:`\varphi_r'(u) = g(u) - y` on both pieces and from both sides at 0
    (so :math:`f_r` is differentiable everywhere, ties included); chain rule:
    :math:`\nabla f_r = A^T(g(Ax) - y)`. GLMtron's
    :math:`x + \tfrac1n\sum_i (y_i - g(a_i^Tx)) a_i` is checked as an exact
    identity for symbolic 3 x 3 data.
    """
    start = time.perf_counter()
    t = _Tally()
    p, f_pos, f_neg, f_zero, d_pos, d_neg = _one_sided_derivatives(phi_r(_u, _y))
    t.zero(d_pos - (relu(p) - _y), "phi_r' = g(u) - y on u > 0")
    t.zero(d_neg - (relu(-p) - _y), "phi_r' = g(u) - y on u < 0")
    t.zero(d_pos.subs(p, 0) - (relu(0) - _y), "right derivative at 0 is g(0) - y")
    t.zero(d_neg.subs(p, 0) - (relu(0) - _y), "left derivative at 0 is g(0) - y")
    n = d = 3
    A = sp.Matrix(n, d, lambda i, k: sp.Symbol(f"a{i}{k}", real=True))
    x = sp.Matrix(d, 1, lambda k, _: sp.Symbol(f"x{k}", real=True))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y{i}", real=True))
    z = A * x
    grad = A.T * sp.Matrix(n, 1, lambda i, _: relu(z[i]) - y[i])
    glmtron = x + sum(((y[i] - relu(z[i])) * A[i, :].T for i in range(n)), sp.zeros(d, 1)) / n
    for k in range(d):
        t.zero(glmtron[k] - (x[k] - grad[k] / n), f"GLMtron coordinate {k} = (5) with mu = 1/n")
    detail = (
        "proved for every real y (no condition): phi_r'(u) = g(u) - y on u > 0 and u < 0, and both one-sided "
        "derivatives at u = 0 equal g(0) - y = -y, so f_r is differentiable everywhere (ties included) with "
        "grad f_r(x) = A^T (g(Ax) - y) by the chain rule through z = a_i^T x; update (5) is x - mu grad f_r. "
        "The GLMtron update (Kakade, Kanade, Kalai, Shamir 2011) x + (1/n) sum_i (y_i - g(a_i^T x)) a_i "
        "equals (5) with mu = 1/n, as an exact identity for symbolic 3 x 3 data (coordinates are linear "
        "in the same max terms, so the identity holds for every n, d)."
    )
    return _result(t, (), start, detail)


def prove_prop2_gradient(m_max: int = 4) -> ProofResult:
    r"""Proposition 2: away from ties the gradient of :math:`f_{mp}` is (13), for every y.

    For every strict sign pattern of :math:`z \in \mathbb{R}^m`, m up to
    ``m_max``, :math:`\partial \psi_{mp} / \partial z_j` equals the weight
    :math:`(D_j + \prod_k D_k^c) r`; chain rule: column j of the gradient is
    :math:`A^T (D_j + \prod_k D_k^c) r`, (13) halved.
    """
    check_m_max(m_max)
    start = time.perf_counter()
    t = _Tally()
    for m in range(1, m_max + 1):
        ps = _positive_symbols(m)
        for pattern in _sign_patterns(m, ties=False):
            z = _substitute(pattern, ps)
            psi = psi_mp(z, _y)
            for j in range(m):
                sign = 1 if pattern[j] == "+" else -1
                t.zero(sign * sp.diff(psi, ps[j]) - rgd_weight(z, _y, j), f"m={m} {''.join(pattern)} d/dz_{j}")
            if set(pattern) == {"-"}:
                r = sum(relu(v) for v in z) - _y
                t.zero(r + _y, f"m={m}: prod D^c r = -prod D^c y for every y")
    # at a tie (m = 2): one-sided derivatives of psi_mp in z_1 at z = (0, 1), y = 2
    s = sp.Symbol("s", positive=True)
    right = sp.diff(psi_mp([s, sp.Integer(1)], 2), s).subs(s, 0)
    left = -sp.diff(psi_mp([-s, sp.Integer(1)], 2), s).subs(s, 0)
    t.holds(bool(sp.Ne(right, left)), "m = 2 tie: one-sided derivatives differ")
    # and m = 1 is differentiable at the tie (f_mp = f_r)
    right1 = sp.diff(psi_mp([s], _y), s).subs(s, 0)
    left1 = -sp.diff(psi_mp([-s], _y), s).subs(s, 0)
    t.zero(right1 - left1, "m = 1: psi_mp is differentiable at z = 0")
    # discontinuity at a tie (m = 2): z = (-1, t), y = 1, t -> 0-
    jump_from = psi_mp([sp.Integer(-1), -s], 1).subs(s, 0)
    jump_to = psi_mp([sp.Integer(-1), sp.Integer(0)], 1)
    t.holds(bool(sp.Ne(jump_from, jump_to)), "m = 2: psi_mp jumps at a tie")
    detail = (
        f"proved for m = 1..{m_max}, every strict sign pattern of (z_1..z_m) and every real y: d psi_mp / dz_j "
        "= (D_j + prod_k D_k^c) r (the product mask is locally constant, so the paper's gamma(X, A) = 0), and "
        "on the all-negative pattern r = -y, i.e. prod D_j^c r = -prod D_j^c y for ANY y: model (8), which "
        "the paper's proof invokes, is not needed. Lift: chain rule through z_ij = a_i^T x_j gives column j "
        "= A^T (D_j + prod_k D_k^c) r, (13) halved. No-zero-preactivation is necessary for m >= 2: at "
        f"z = (0, 1), y = 2 the one-sided derivatives in z_1 are {sp.sstr(right)} (right) and {sp.sstr(left)} "
        "(left), so f_mp has no gradient there; f_mp even jumps at ties (z = (-1, t), y = 1: "
        f"{sp.sstr(jump_from)} as t -> 0- but {sp.sstr(jump_to)} at t = 0). For m = 1 (f_mp = f_r) the "
        "one-sided derivatives at a tie agree."
    )
    return _result(t, (NO_ZERO_PREACTIVATION,), start, detail)


def _bound_fmp_cases(t: _Tally, m_max: int) -> None:
    for m in range(1, m_max + 1):
        ps = _positive_symbols(m)
        for pattern in _sign_patterns(m, ties=True):
            z = _substitute(pattern, ps)
            t.nonnegative(psi_mp(z, _q) - psi_m(z, _q), f"m={m} {''.join(pattern)}: psi_mp >= psi_m, y >= 0")


def prove_bound_fmp_ge_fm(m_max: int = 4) -> ProofResult:
    r"""The bound :math:`f_{mp} \ge f_m`, proved exactly when :math:`y \ge 0`.

    Per sample, :math:`\psi_{mp} - \psi_m = -[z<0]\, y\sum_j z_j`, which is
    :math:`y\sum_j |z_j| \ge 0` on the all-negative pattern when
    :math:`y \ge 0` and 0 elsewhere; every pattern (ties included) for m up
    to ``m_max``.
    """
    check_m_max(m_max)
    start = time.perf_counter()
    t = _Tally()
    _bound_fmp_cases(t, m_max)
    witness = psi_mp([sp.Integer(-1)], -1) - psi_m([sp.Integer(-1)], -1)
    t.holds(bool(witness < 0), "m = 1, z = -1, y = -1 gives psi_mp < psi_m")
    detail = (
        f"proved for m = 1..{m_max}, every sign pattern of (z_1..z_m) with ties, y >= 0: psi_mp - psi_m = "
        "-[all z_j < 0] y sum_j z_j >= 0; lift: sum over samples. y >= 0 is necessary: m = 1, z = -1, y = -1 "
        f"gives {sp.sstr(witness)}. The paper asserts the bound for all X 'due to (14)' inside the proof of "
        "Theorem 2, where model (8) gives y >= 0."
    )
    return _result(t, (LABELS_NONNEGATIVE,), start, detail)


def prove_thm2_global_min(m_max: int = 4) -> ProofResult:
    r"""Theorem 2 under model (8).

    Per sample, every sign pattern (ties included), m up to ``m_max``:
    :math:`\psi_{mp}(z^*; \sum_j g(z_j^*)) = \psi_m(z^*; \sum_j g(z_j^*)) = 0`,
    :math:`\psi_m \ge 0`, and :math:`\psi_{mp} \ge \psi_m` for :math:`y \ge 0`.
    """
    check_m_max(m_max)
    start = time.perf_counter()
    t = _Tally()
    for m in range(1, m_max + 1):
        ps = _positive_symbols(m)
        for pattern in _sign_patterns(m, ties=True):
            z = _substitute(pattern, ps)
            planted = sum(relu(v) for v in z)
            t.zero(psi_mp(z, planted), f"m={m} {''.join(pattern)}: psi_mp(z*; sum g(z*)) = 0")
            t.zero(psi_m(z, planted), f"m={m} {''.join(pattern)}: psi_m(z*; sum g(z*)) = 0")
            t.nonnegative(psi_m(z, _y), f"m={m} {''.join(pattern)}: psi_m >= 0")
    _bound_fmp_cases(t, m_max)
    detail = (
        f"proved for m = 1..{m_max}, every sign pattern of (z_1..z_m) with ties: psi_mp(z*; sum_j g(z_j*)) = "
        "psi_m(z*; sum_j g(z_j*)) = 0 (on all-negative rows y_i = 0 kills the extra term), psi_m >= 0, and "
        "psi_mp >= psi_m for y >= 0. Lift under model (8): min f_mp <= f_mp(X*) = 0 <= f_m <= f_mp, so a "
        "minimiser of f_mp has f_m = 0 = min f_m. For m = 1, f_mp = f_r and f_m = f: the claim is Theorem 1, "
        "and planted is needed by the same counterexample."
    )
    return _result(t, (PLANTED,), start, detail)


def prove_cor1_stationary_global(m_max: int = 4) -> ProofResult:
    r"""Corollary 1: a stationary point of (17) has zero residual when A has full row rank.

    Per sample, every sign pattern with ties counted active, m up to
    ``m_max``: the coefficients :math:`c_j = D_j + \prod_k D_k^c` are 0 or 1
    and at least one is 1, so :math:`c_j r = 0\ \forall j` forces
    :math:`r = 0`. Lift: (13) = 0 reads :math:`A^T W = 0` with
    :math:`W_{ij} = c_{ij} r_i`; full row rank makes :math:`A^T` injective,
    so W = 0 and then r = 0.
    """
    check_m_max(m_max)
    start = time.perf_counter()
    t = _Tally()
    gd_blind = 0
    for m in range(1, m_max + 1):
        ps = _positive_symbols(m)
        for pattern in _sign_patterns(m, ties=True):
            z = _substitute(pattern, ps)
            coefficients = [sp.piecewise_fold(mask(z[j]) + all_inactive(z)) for j in range(m)]
            t.holds(all(c in (0, 1) for c in coefficients), f"m={m} {''.join(pattern)}: c_j in {{0,1}}")
            solution = sp.solve([c * _r for c in coefficients], _r, dict=True)
            t.holds(solution == [{_r: 0}], f"m={m} {''.join(pattern)}: c_j r = 0 for all j forces r = 0")
            if all(sp.piecewise_fold(mask(v)) == 0 for v in z):
                gd_blind += 1  # plain GD (c_j = D_j) leaves r free on this pattern
    detail = (
        f"proved for m = 1..{m_max}, every sign pattern of (z_1..z_m) with ties counted active (D = 1 iff "
        "z >= 0): c_j = D_j + prod_k D_k^c is 0 or 1 and some c_j = 1, so c_j r = 0 for all j forces r = 0 "
        f"(plain GD, c_j = D_j, leaves r free on the all-negative pattern: {gd_blind} pattern(s) checked). "
        "Lift: (13) = 0 is A^T W = 0 with W_ij = c_ij r_i; rank A = n makes A^T injective, so W = 0 and r = 0, "
        "i.e. f_m = 0 = min f_m; the limit of a convergent run of (17) with (13) -> 0 has the same property "
        "(pass to a subsequence with constant masks). Neither model (8) nor y >= 0 nor nonzero pre-activations "
        "is used; n <= d follows from rank A = n <= d."
    )
    return _result(t, (FULL_ROW_RANK,), start, detail)


#: every claim's prover is public (the claims name them by convention, see relurelax.proofs.claims)
__all__ += [name for name in list(globals()) if name.startswith("prove_")]
