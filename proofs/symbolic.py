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
never taken as a verdict: it makes the proof "not proved".

No case is taken on trust (:meth:`_Tally.case`): before a case is used, its
values must lie in the region it names (the values of the pattern ``+-0``
must be decided positive, negative and zero by sympy's assumptions), and the
case must be non-empty: a witness point (every symbol set to a number its
assumptions allow) must satisfy the region too. A mislabelled or vacuous
case makes the proof "not proved".

Multi-neuron statements are decided for every sign pattern of m = 1..m_max
neurons, and lifted to every m by a checked induction over neurons. A sample
term sees its neurons only through the state

.. math::

    S = (G, Z, P, K) = \Big(\sum_j g(z_j),\ \sum_j z_j,\ \prod_j D_j^c,\ \sum_j D_j\Big),

which the neurons build one at a time: :math:`S_0 = (0, 0, 1, 0)` and a
neuron :math:`t` maps S to :math:`(G + g(t), Z + t, P D^c(t), K + D(t))`
(so :math:`\psi_m = \tfrac12 (G - y)^2`, :math:`\psi_{mp} = \psi_m - P y Z`,
:math:`r = G - y`). The invariant

.. math::

    I(S):\quad G \ge 0,\quad Z \le G,\quad (P, G, K) = (1, 0, 0)\ \text{or}\ (P = 0,\ K \ge 1)

holds at :math:`S_0`, and every neuron keeps it (checked on the two cases of
I, each checked non-empty, times the three signs of t), so by induction it
holds for the state of any number of neurons; each claim's lemma is then
checked on every state I allows. The prose left in the lift is the induction
principle itself, that sums and products over neurons are these folds, and
that the terms are symmetric in the neurons (so the neuron a lemma is about
may be taken last). A lemma that is wrong for some m (a mask :math:`D_j` in
place of :math:`D_j^c`, a sum of masks in place of their product) breaks the
base or the step, and the result then says "proved for m <= m_max" only.
The lift from a sample to the claim (a sum over samples, the chain rule
through :math:`z = a^T x`) is stated in each result's detail.

This module imports sympy only (never :mod:`relurelax.solvers`): it is the
independent statement of the mathematics that the numeric code is held
against.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import reduce
from itertools import product
from typing import Callable, Sequence

import sympy as sp

from ._proof import ProofResult, check_m_max, no_m_to_prove
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


def relu(t: sp.Expr | int) -> sp.Expr:
    r"""ReLU :math:`g(t) = \max\{0, t\}`."""
    return sp.Max(0, t)


def mask(t: sp.Expr | int) -> sp.Expr:
    r"""Diagonal entry of :math:`D_j`: 1 iff :math:`t \ge 0` (the paper's convention)."""
    return sp.Piecewise((1, t >= 0), (0, True))


# --- m neurons, one at a time: the state a sample term sees


@dataclass(frozen=True)
class _ProductMask:
    r"""How the mask :math:`\prod_j D_j^c` of (14) builds up over neurons.

    It starts at ``unit`` and each neuron :math:`z_j` maps it to
    ``combine(P, z_j)``. Tests plant wrong masks here (a :math:`D_j` in place
    of :math:`D_j^c`, a sum in place of the product) to see the lift refuse them.
    """

    unit: object
    combine: Callable


#: the paper's mask: prod_j D_j^c, 1 iff every z_j < 0
_PRODUCT_MASK = _ProductMask(sp.Integer(1), lambda P, t: P * (1 - mask(t)))


@dataclass(frozen=True)
class _State:
    r"""What a sample term sees of its neurons: :math:`(\sum_j g(z_j), \sum_j z_j, \prod_j D_j^c, \sum_j D_j)`."""

    G: sp.Expr
    Z: sp.Expr
    P: sp.Expr
    K: sp.Expr

    @classmethod
    def of(cls, *values) -> _State:
        return cls(*(sp.sympify(v) for v in values))

    def values(self) -> list:
        return [self.G, self.Z, self.P, self.K]


def _empty_state() -> _State:
    r""":math:`S_0`, the state of no neuron."""
    return _State.of(0, 0, _PRODUCT_MASK.unit, 0)


def _step(S: _State, t) -> _State:
    r"""The state once neuron t joins: :math:`(G + g(t), Z + t, P D^c(t), K + D(t))`."""
    return _State(S.G + relu(t), S.Z + t, _PRODUCT_MASK.combine(S.P, t), S.K + mask(t))


def _fold(z: Sequence[sp.Expr | int]) -> _State:
    r"""The state of the neurons z (the sums and the product, one neuron at a time)."""
    return reduce(_step, [sp.sympify(t) for t in z], _empty_state())


def _psi_m_of(S: _State, y):
    return (S.G - y) ** 2 / 2


def _psi_mp_of(S: _State, y):
    return _psi_m_of(S, y) - S.P * y * S.Z


def _weight_of(S: _State, t, y):
    r"""The weight of (13) halved of a neuron t of state S: :math:`(D(t) + P) r`."""
    return (mask(t) + S.P) * (S.G - y)


def all_inactive(z: Sequence[sp.Expr | int]) -> sp.Expr:
    r"""Diagonal entry of :math:`\prod_j D_j^c`: 1 iff every :math:`z_j < 0`."""
    return _fold(z).P


def phi_f(u: sp.Expr | int, y: sp.Expr | int) -> sp.Expr:
    r"""Sample term of :math:`f`, Eq. (1): :math:`\tfrac12 (g(u) - y)^2`."""
    u, y = sp.sympify(u), sp.sympify(y)  # exact rationals, never floats
    return (relu(u) - y) ** 2 / 2


def phi_r(u: sp.Expr | int, y: sp.Expr | int) -> sp.Expr:
    r"""Sample term of :math:`f_r`, Eq. (3) halved: :math:`\tfrac12 g(u)^2 - yu + \tfrac12 y^2`."""
    u, y = sp.sympify(u), sp.sympify(y)  # exact rationals, never floats
    return relu(u) ** 2 / 2 - y * u + y**2 / 2


def psi_m(z: Sequence[sp.Expr | int], y: sp.Expr | int) -> sp.Expr:
    r"""Sample term of :math:`f_m`, Eq. (9): :math:`\tfrac12(\sum_j g(z_j) - y)^2`."""
    return _psi_m_of(_fold(z), sp.sympify(y))


def psi_mp(z: Sequence[sp.Expr | int], y: sp.Expr | int) -> sp.Expr:
    r"""Sample term of :math:`f_{mp}`, Eq. (14) halved."""
    return _psi_mp_of(_fold(z), sp.sympify(y))


def rgd_weight(z: Sequence[sp.Expr | int], y: sp.Expr | int, j: int) -> sp.Expr:
    r"""Sample weight of (13) halved for neuron j: :math:`(D_j + \prod_k D_k^c)\, r`."""
    return _weight_of(_fold(z), sp.sympify(z[j]), sp.sympify(y))


# --- deciding polynomial facts without ever reading None/False as an answer

#: the numbers a case's witness tries for each symbol, in turn (the first its assumptions allow)
_WITNESS_VALUES = (1, 0, -1, sp.Rational(1, 2), 2, -2)


def _witness(symbol):
    r"""A number the assumptions of ``symbol`` allow (positive, nonnegative, real, ...), or None."""
    for value in map(sp.sympify, _WITNESS_VALUES):
        if all(getattr(value, f"is_{key}", None) == holds for key, holds in symbol.assumptions0.items()):
            return value
    return None


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

    def positive(self, expr, what: str) -> None:
        self.cases += 1
        forms = (self._polynomial(expr, expand=False), self._polynomial(expr))
        if not any(e is not None and e.is_positive is True for e in forms):
            self.undecided.append(f"{what}: could not show {sp.sstr(expr)} > 0")

    def holds(self, fact: bool, what: str) -> None:
        self.cases += 1
        if fact is not True:
            self.undecided.append(what)

    def true(self, condition, what: str) -> None:
        """A sympy condition that must evaluate to ``true`` (an unevaluated relation is no verdict)."""
        self.cases += 1
        condition = sp.sympify(condition)
        if condition is not sp.true:
            self.undecided.append(f"{what}: sympy left {sp.sstr(condition)}")

    def case(self, label: str, point, region: Callable) -> None:
        r"""Check a case before its lemmas are decided: inside the region it names, and not empty.

        ``point`` are the case's values (expressions in symbols with
        assumptions) and ``region(values)`` the conditions the case stands
        for. Every condition must evaluate to ``true`` at ``point`` (so the
        case is the region it names: the values of a ``-`` are negative), and
        again at a witness: every symbol replaced by a number its assumptions
        allow (so the case is not empty: no vacuous case proves anything).
        """
        self.cases += 1
        point = [sp.sympify(v) for v in point]
        left = [c for c in map(sp.sympify, region(point)) if c is not sp.true]
        if left:
            self.undecided.append(
                f"case {label}: its values {sp.sstr(point)} are not in the region it names ({sp.sstr(left[0])})"
            )
            return
        symbols = sorted(set().union(*(v.free_symbols for v in point)), key=str)
        witness = {symbol: _witness(symbol) for symbol in symbols}
        impossible = [symbol for symbol, value in witness.items() if value is None]
        if impossible:
            self.undecided.append(f"case {label}: no number satisfies the assumptions of {sp.sstr(impossible[0])}")
            return
        at_witness = [v.subs(witness) for v in point]
        left = [c for c in map(sp.sympify, region(at_witness)) if c is not sp.true]
        if left:
            self.undecided.append(f"case {label} is empty: its witness {sp.sstr(at_witness)} fails {sp.sstr(left[0])}")


def _positive_symbols(m: int):
    return sp.symbols(f"p0:{m}", positive=True)


#: a sign of a pre-activation: its value in terms of a positive symbol p, and the region it names
_SIGN_VALUE = {"+": lambda p: p, "-": lambda p: -p, "0": lambda p: sp.Integer(0)}
_SIGN_REGION = {"+": lambda v: v > 0, "-": lambda v: v < 0, "0": lambda v: sp.Eq(v, 0)}


def _substitute(pattern, ps):
    return [_SIGN_VALUE[s](p) for s, p in zip(pattern, ps)]


def _in_pattern(pattern):
    return lambda values: [_SIGN_REGION[s](v) for s, v in zip(pattern, values)]


def _sign_cases(t: _Tally, ps, ties: bool):
    r"""Every sign pattern of ``len(ps)`` pre-activations ('+', '-' and, with ties, '0'), each checked by ``t.case``.

    Yields ``(pattern, z)``; the patterns are every word over the signs, so
    the cases cover :math:`\mathbb{R}^m` (the strict ones, without ties).
    """
    for pattern in product("+-0" if ties else "+-", repeat=len(ps)):
        z = _substitute(pattern, ps)
        t.case(f"z = {''.join(pattern)}", z, _in_pattern(pattern))
        yield pattern, z


def _result(tally: _Tally, conditions, start, detail: str, *, m_max: int | None = None, lift: _Tally | None = None):
    r"""The ProofResult of a tally; for a multi-neuron claim, ``lift`` is the tally of its lift to every m.

    ``lifted`` is True only when the explicit cases are proved and the lift
    decided every one of its cases in this run.
    """
    proved = not tally.undecided
    lifted = proved and m_max is not None and lift is not None and lift.cases > 0 and not lift.undecided
    if lifted:
        detail += f" The lift was checked in this run ({lift.cases} cases): proved for every m."
    elif m_max is not None:
        if lift is None or not lift.cases:
            why = "no lift was run"
        elif lift.undecided:
            why = f"{len(lift.undecided)} undecided: {'; '.join(lift.undecided[:2])}"
        else:
            why = "the lemmas it carries are not proved"
        detail += f" LIFT NOT CHECKED ({why}): proved for m <= {m_max} only."
    if not proved:
        detail = f"NOT PROVED ({len(tally.undecided)} undecided: {'; '.join(tally.undecided[:3])}). " + detail
    cases = tally.cases + (lift.cases if lift is not None else 0)
    return ProofResult(
        "sympy", proved, frozenset(conditions), cases, time.perf_counter() - start, detail, m_max=m_max, lifted=lifted
    )


def _one_sided_derivatives(t: _Tally, fun, u=_u):
    r"""Pieces of a scalar function of u for u > 0, u < 0 (as polynomials in p > 0) and u = 0.

    Returns ``(p, f_pos(p), f_neg(p), f(0), d_pos(p), d_neg(p))`` where
    ``d_*`` are derivatives with respect to u (chain rule :math:`du = \pm dp`);
    the two cases u = p and u = -p are checked by ``t.case``.
    """
    p = sp.Symbol("p", positive=True)
    pieces = dict(_sign_cases(t, (p,), ties=False))
    (right,), (left,) = pieces[("+",)], pieces[("-",)]
    f_pos, f_neg, f_zero = fun.subs(u, right), fun.subs(u, left), fun.subs(u, 0)
    return p, f_pos, f_neg, f_zero, sp.diff(f_pos, p), -sp.diff(f_neg, p)


# --- the lift to every m: an induction over neurons


def _invariant(S: _State) -> list:
    r"""The conditions of the invariant :math:`I(S)` (see the module docstring)."""
    return [
        S.G >= 0,
        S.Z <= S.G,
        sp.Or(sp.And(sp.Eq(S.P, 1), sp.Eq(S.G, 0), sp.Eq(S.K, 0)), sp.And(sp.Eq(S.P, 0), S.K >= 1)),
    ]


def _invariant_cases(t: _Tally) -> list[tuple[str, _State]]:
    r"""The states I allows, in two cases that cover it, each checked inside I and non-empty.

    No neuron active: :math:`(G, Z, P, K) = (0, -s, 1, 0)`, :math:`s \ge 0`;
    some neuron active: :math:`(g, g - w, 0, 1 + k)`, :math:`g, w, k \ge 0`.
    They cover I by construction: P = 1 forces G = K = 0 and Z <= 0 (s =
    -Z); P = 0 gives g = G, w = G - Z, k = K - 1, all >= 0. (:mod:`.smt`
    proves the same lift for all real states, without cases.)
    """
    s, g, w, k = sp.symbols("s g w k", nonnegative=True)
    cases = [("no neuron active", _State.of(0, -s, 1, 0)), ("some neuron active", _State.of(g, g - w, 0, 1 + k))]
    for label, S in cases:
        t.case(f"I: {label}", S.values(), lambda values: _invariant(_State(*values)))
    return cases


def _check_induction(t: _Tally) -> list[tuple[str, _State]]:
    r"""Base :math:`I(S_0)` and step :math:`I(S) \Rightarrow I(\mathrm{step}(S, t))` for every real t.

    Returns the cases of I, on which each claim then checks its lemma.
    """
    for condition in _invariant(_empty_state()):
        t.true(condition, "base: I holds for no neuron")
    cases = _invariant_cases(t)
    p = sp.Symbol("p_t", positive=True)  # the magnitude of the neuron that joins
    for label, S in cases:
        for pattern, (v,) in _sign_cases(t, (p,), ties=True):
            for condition in _invariant(_step(S, v)):
                t.true(condition, f"step: a neuron {pattern[0]} keeps I ({label})")
    return cases


#: the induction, in words (every multi-neuron detail carries it)
_LIFT = (
    "Lift to every m, by induction over neurons: the state (G, Z, P, K) = (sum_j g(z_j), sum_j z_j, "
    "prod_j D_j^c, sum_j D_j) starts at (0, 0, 1, 0) and a neuron t maps it to (G + g(t), Z + t, P D^c(t), "
    "K + D(t)); the invariant I: G >= 0, Z <= G, and (P, G, K) = (1, 0, 0) or (P = 0, K >= 1), holds at the "
    "start and every neuron keeps it (2 cases of I x 3 signs of t, each case checked non-empty), so it holds "
    "for any number of neurons"
)


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
    p, f_pos, f_neg, f_zero, d_pos, d_neg = _one_sided_derivatives(t, phi_r(_u, _y))
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
    for (pattern,), (u,) in _sign_cases(t, (sp.Symbol("p", positive=True),), ties=True):
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
    for (pattern,), (u,) in _sign_cases(t, (p,), ties=True):
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


def _rgd_direction(t: _Tally, sample_term, direction) -> None:
    r"""``direction(u, y)`` is the derivative of ``sample_term(u, y)`` at every real u, ties included.

    On u > 0 and u < 0 the derivative of each piece is the direction; at
    u = 0 the function is continuous (both pieces take the value at 0) and
    both one-sided derivatives equal the direction at 0. Without the
    continuity a jump at 0 with matching slopes would pass.
    """
    p, f_pos, f_neg, f_zero, d_pos, d_neg = _one_sided_derivatives(t, sample_term(_u, _y))
    t.zero(d_pos - direction(p, _y), "derivative = direction on u > 0")
    t.zero(d_neg - direction(-p, _y), "derivative = direction on u < 0")
    t.zero(f_pos.subs(p, 0) - f_zero, "continuous at u = 0 from the right")
    t.zero(f_neg.subs(p, 0) - f_zero, "continuous at u = 0 from the left")
    t.zero(d_pos.subs(p, 0) - direction(sp.Integer(0), _y), "right derivative at 0 = direction at 0")
    t.zero(d_neg.subs(p, 0) - direction(sp.Integer(0), _y), "left derivative at 0 = direction at 0")


def _glmtron_is_rgd(t: _Tally, direction, n: int = 3, d: int = 3) -> None:
    r"""GLMtron's :math:`x + \tfrac1n\sum_i (y_i - g(a_i^Tx)) a_i` equals :math:`x - \tfrac1n A^T w` for symbolic n x d data."""
    A = sp.Matrix(n, d, lambda i, k: sp.Symbol(f"a{i}{k}", real=True))
    x = sp.Matrix(d, 1, lambda k, _: sp.Symbol(f"x{k}", real=True))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y{i}", real=True))
    z = A * x
    grad = A.T * sp.Matrix(n, 1, lambda i, _: direction(z[i], y[i]))
    glmtron = x + sum(((y[i] - relu(z[i])) * A[i, :].T for i in range(n)), sp.zeros(d, 1)) / n
    for k in range(d):
        t.zero(glmtron[k] - (x[k] - grad[k] / n), f"GLMtron coordinate {k} = (5) with mu = 1/n")


def _prove_rgd_direction(sample_term, direction, start: float) -> ProofResult:
    t = _Tally()
    _rgd_direction(t, sample_term, direction)
    _glmtron_is_rgd(t, direction)
    detail = (
        "proved for every real y (no condition): phi_r'(u) = g(u) - y on u > 0 and u < 0; at u = 0 phi_r is "
        "continuous (both pieces take y^2/2) and both one-sided derivatives equal g(0) - y = -y, so f_r is "
        "differentiable everywhere (ties included) with grad f_r(x) = A^T (g(Ax) - y) by the chain rule through "
        "z = a_i^T x; update (5) is x - mu grad f_r. The GLMtron update (Kakade, Kanade, Kalai, Shamir 2011) "
        "x + (1/n) sum_i (y_i - g(a_i^T x)) a_i equals (5) with mu = 1/n, as an exact identity for symbolic "
        "3 x 3 data (coordinates are linear in the same max terms, so the identity holds for every n, d)."
    )
    return _result(t, (), start, detail)


def prove_rgd_direction() -> ProofResult:
    r"""Update (5) is gradient descent on :math:`f_r`, and GLMtron with :math:`\mu = 1/n`.

    :math:`\varphi_r'(u) = g(u) - y` on both pieces, :math:`\varphi_r` is
    continuous at 0 and both one-sided derivatives there are
    :math:`g(0) - y` (so :math:`f_r` is differentiable everywhere, ties
    included); chain rule: :math:`\nabla f_r = A^T(g(Ax) - y)`. GLMtron's
    :math:`x + \tfrac1n\sum_i (y_i - g(a_i^Tx)) a_i` is checked as an exact
    identity for symbolic 3 x 3 data.
    """
    return _prove_rgd_direction(phi_r, lambda u, y: relu(u) - y, time.perf_counter())


def _multi_neuron_lemmas(t: _Tally, m_max: int, ties: bool, lemmas: Callable) -> None:
    r"""``lemmas(pattern, z)`` on every sign pattern of m = 1..m_max pre-activations (each case checked)."""
    for m in range(1, m_max + 1):
        for pattern, z in _sign_cases(t, _positive_symbols(m), ties=ties):
            lemmas(pattern, z)


def prove_prop2_gradient(m_max: int = 4) -> ProofResult:
    r"""Proposition 2: away from ties the gradient of :math:`f_{mp}` is (13), for every y.

    For every strict sign pattern of :math:`z \in \mathbb{R}^m`, m up to
    ``m_max``, :math:`\partial \psi_{mp} / \partial z_j` equals the weight
    :math:`(D_j + \prod_k D_k^c) r`; chain rule: column j of the gradient is
    :math:`A^T (D_j + \prod_k D_k^c) r`, (13) halved.

    Lift to every m (checked, see the module docstring): with neuron j
    last and the state R of the other m - 1 neurons in I, for
    :math:`z_j, z_j + h` of one strict sign,
    :math:`\psi_{mp}(z + h e_j) - \psi_{mp}(z) - h w_j = \tfrac{h^2}{2} D_j`
    exactly (the negative sign needs :math:`P G = 0` from I: the paper's
    :math:`\prod_j D_j^c r = -\prod_j D_j^c y`).
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("sympy", (NO_ZERO_PREACTIVATION,))
    start = time.perf_counter()
    t = _Tally()

    def lemmas(pattern, z):
        ps = [abs(v) for v in z]
        psi = psi_mp(z, _y)
        for j in range(len(z)):
            sign = 1 if pattern[j] == "+" else -1
            t.zero(sign * sp.diff(psi, ps[j]) - rgd_weight(z, _y, j), f"m={len(z)} {''.join(pattern)} d/dz_{j}")
        if set(pattern) == {"-"}:
            r = sum(relu(v) for v in z) - _y
            t.zero(r + _y, f"m={len(z)}: prod D^c r = -prod D^c y for every y")

    _multi_neuron_lemmas(t, m_max, False, lemmas)
    right, left, jump_from, jump_to = _prop2_ties(t)
    lift = _Tally()
    _lift_prop2(lift, _check_induction(lift))
    detail = (
        f"proved for m = 1..{m_max}, every strict sign pattern of (z_1..z_m) and every real y: d psi_mp / dz_j "
        "= (D_j + prod_k D_k^c) r (the product mask is locally constant, so the paper's gamma(X, A) = 0), and "
        "on the all-negative pattern r = -y, i.e. prod D_j^c r = -prod D_j^c y for ANY y: model (8), which "
        f"the paper's proof invokes, is not needed. {_LIFT}; with neuron j taken last and the other m - 1 "
        "neurons in any state I allows, z_j and z_j + h of one strict sign, psi_mp(z + h e_j) - psi_mp(z) - "
        "h (D_j + prod_k D_k^c) r = h^2/2 D_j exactly, and P r = -P y on every state of I. Lift to the claim: "
        "chain rule through z_ij = a_i^T x_j gives column j = A^T (D_j + prod_k D_k^c) r, (13) halved "
        "(off ties the masks are locally constant, so the partial derivatives are the gradient). "
        "No-zero-preactivation is necessary for m >= 2: at "
        f"z = (0, 1), y = 2 the one-sided derivatives in z_1 are {sp.sstr(right)} (right) and {sp.sstr(left)} "
        "(left), so f_mp has no gradient there; f_mp even jumps at ties (z = (-1, t), y = 1: "
        f"{sp.sstr(jump_from)} as t -> 0- but {sp.sstr(jump_to)} at t = 0). For m = 1 (f_mp = f_r) the "
        "one-sided derivatives at a tie agree."
    )
    return _result(t, (NO_ZERO_PREACTIVATION,), start, detail, m_max=m_max, lift=lift)


def _prop2_ties(t: _Tally):
    r"""At ties f_mp has no gradient for m = 2 (and even jumps), but is differentiable for m = 1."""
    s = sp.Symbol("s", positive=True)
    # one-sided derivatives of psi_mp in z_1 at z = (0, 1), y = 2
    right = sp.diff(psi_mp([s, sp.Integer(1)], 2), s).subs(s, 0)
    left = -sp.diff(psi_mp([-s, sp.Integer(1)], 2), s).subs(s, 0)
    t.holds(bool(sp.Ne(right, left)), "m = 2 tie: one-sided derivatives differ")
    right1 = sp.diff(psi_mp([s], _y), s).subs(s, 0)
    left1 = -sp.diff(psi_mp([-s], _y), s).subs(s, 0)
    t.zero(right1 - left1, "m = 1: psi_mp is differentiable at z = 0")
    # discontinuity at a tie (m = 2): z = (-1, t), y = 1, t -> 0-
    jump_from = psi_mp([sp.Integer(-1), -s], 1).subs(s, 0)
    jump_to = psi_mp([sp.Integer(-1), sp.Integer(0)], 1)
    t.holds(bool(sp.Ne(jump_from, jump_to)), "m = 2: psi_mp jumps at a tie")
    return right, left, jump_from, jump_to


def _lift_prop2(t: _Tally, cases) -> None:
    r"""Neuron j last, the others in state R of I: the exact expansion of :math:`\psi_{mp}` in :math:`z_j`."""
    before, after = sp.symbols("p_j p_jh", positive=True)  # |z_j| and |z_j + h|
    for label, R in cases:
        for sign in "+-":
            zj, zjh = _SIGN_VALUE[sign](before), _SIGN_VALUE[sign](after)
            t.case(f"z_j and z_j + h both {sign}", [zj, zjh], _in_pattern(sign * 2))
            S, Sh, h = _step(R, zj), _step(R, zjh), zjh - zj
            expansion = _psi_mp_of(Sh, _y) - _psi_mp_of(S, _y) - h * _weight_of(S, zj, _y) - h**2 / 2 * mask(zj)
            t.zero(expansion, f"others: {label}; z_j {sign}: psi_mp(z + h e_j) - psi_mp(z) - h w_j = h^2/2 D_j")
    for label, S in cases:
        t.zero(S.P * (S.G - _y) + S.P * _y, f"{label}: prod D^c r = -prod D^c y")


def _bound_fmp_lemma(t: _Tally, z, label: str) -> None:
    t.nonnegative(psi_mp(z, _q) - psi_m(z, _q), f"{label}: psi_mp >= psi_m, y >= 0")


def _lift_bound_fmp(t: _Tally, cases) -> None:
    for label, S in cases:
        t.nonnegative(_psi_mp_of(S, _q) - _psi_m_of(S, _q), f"{label}: psi_mp >= psi_m, y >= 0")


def prove_bound_fmp_ge_fm(m_max: int = 4) -> ProofResult:
    r"""The bound :math:`f_{mp} \ge f_m`, proved exactly when :math:`y \ge 0`.

    Per sample, :math:`\psi_{mp} - \psi_m = -[z<0]\, y\sum_j z_j`, which is
    :math:`y\sum_j |z_j| \ge 0` on the all-negative pattern when
    :math:`y \ge 0` and 0 elsewhere; every pattern (ties included) for m up
    to ``m_max``. Lift to every m (checked): on every state of I,
    :math:`-P y Z \ge 0` for :math:`y \ge 0` (P = 1 forces Z <= G = 0).
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("sympy", (LABELS_NONNEGATIVE,))
    start = time.perf_counter()
    t = _Tally()
    _multi_neuron_lemmas(t, m_max, True, lambda pattern, z: _bound_fmp_lemma(t, z, f"m={len(z)} {''.join(pattern)}"))
    witness = psi_mp([sp.Integer(-1)], -1) - psi_m([sp.Integer(-1)], -1)
    t.holds(bool(witness < 0), "m = 1, z = -1, y = -1 gives psi_mp < psi_m")
    lift = _Tally()
    _lift_bound_fmp(lift, _check_induction(lift))
    detail = (
        f"proved for m = 1..{m_max}, every sign pattern of (z_1..z_m) with ties, y >= 0: psi_mp - psi_m = "
        f"-[all z_j < 0] y sum_j z_j >= 0. {_LIFT}; on every state of I, psi_mp - psi_m = -P y Z >= 0 for "
        "y >= 0 (P = 1 forces Z <= G = 0). Lift to the claim: sum over samples. y >= 0 is necessary: m = 1, "
        f"z = -1, y = -1 gives {sp.sstr(witness)}. The paper asserts the bound for all X 'due to (14)' inside "
        "the proof of Theorem 2, where model (8) gives y >= 0."
    )
    return _result(t, (LABELS_NONNEGATIVE,), start, detail, m_max=m_max, lift=lift)


def prove_thm2_global_min(m_max: int = 4) -> ProofResult:
    r"""Theorem 2 under model (8).

    Per sample, every sign pattern (ties included), m up to ``m_max``:
    :math:`\psi_{mp}(z^*; \sum_j g(z_j^*)) = \psi_m(z^*; \sum_j g(z_j^*)) = 0`,
    :math:`\psi_m \ge 0`, and :math:`\psi_{mp} \ge \psi_m` for :math:`y \ge 0`.
    Lift to every m (checked): the same lemmas on every state of I, the
    planted one being :math:`\psi_{mp}(S^*; G^*) = -P^* G^* Z^* = 0`.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("sympy", (PLANTED,))
    start = time.perf_counter()
    t = _Tally()

    def lemmas(pattern, z):
        label = f"m={len(z)} {''.join(pattern)}"
        planted = sum(relu(v) for v in z)
        t.zero(psi_mp(z, planted), f"{label}: psi_mp(z*; sum g(z*)) = 0")
        t.zero(psi_m(z, planted), f"{label}: psi_m(z*; sum g(z*)) = 0")
        t.nonnegative(psi_m(z, _y), f"{label}: psi_m >= 0")
        _bound_fmp_lemma(t, z, label)

    _multi_neuron_lemmas(t, m_max, True, lemmas)
    lift = _Tally()
    cases = _check_induction(lift)
    for label, S in cases:
        lift.zero(_psi_mp_of(S, S.G), f"{label}: psi_mp(S*; G*) = 0")
        lift.zero(_psi_m_of(S, S.G), f"{label}: psi_m(S*; G*) = 0")
        lift.nonnegative(_psi_m_of(S, _y), f"{label}: psi_m >= 0")
    _lift_bound_fmp(lift, cases)
    detail = (
        f"proved for m = 1..{m_max}, every sign pattern of (z_1..z_m) with ties: psi_mp(z*; sum_j g(z_j*)) = "
        "psi_m(z*; sum_j g(z_j*)) = 0 (on all-negative rows y_i = 0 kills the extra term), psi_m >= 0, and "
        f"psi_mp >= psi_m for y >= 0. {_LIFT}; on every state of I, psi_mp(S*; G*) = -P* G* Z* = 0 and "
        "psi_m(S*; G*) = 0 (P* = 1 forces G* = 0), psi_m >= 0, and psi_mp - psi_m = -P y Z >= 0 for y >= 0. "
        "Lift to the claim under model (8): min f_mp <= f_mp(X*) = 0 <= f_m <= f_mp, so a minimiser of f_mp "
        "has f_m = 0 = min f_m. For m = 1, f_mp = f_r and f_m = f: the claim is Theorem 1, and planted is "
        "needed by the same counterexample."
    )
    return _result(t, (PLANTED,), start, detail, m_max=m_max, lift=lift)


def prove_cor1_stationary_global(m_max: int = 4) -> ProofResult:
    r"""Corollary 1: a stationary point of (17) has zero residual when A has full row rank.

    Per sample, every sign pattern with ties counted active, m up to
    ``m_max``: the coefficients :math:`c_j = D_j + \prod_k D_k^c` are 0 or 1
    and at least one is 1, so :math:`c_j r = 0\ \forall j` forces
    :math:`r = 0`. Lift to every m (checked): summing,
    :math:`(\sum_j c_j) r = (K + mP) r = 0`, and on every state of I with
    :math:`m \ge 1`, :math:`K + mP \ge 1`. Lift to the claim: (13) = 0 reads
    :math:`A^T W = 0` with :math:`W_{ij} = c_{ij} r_i`; full row rank makes
    :math:`A^T` injective, so W = 0 and then r = 0.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("sympy", (FULL_ROW_RANK,))
    start = time.perf_counter()
    t = _Tally()
    gd_blind = []

    def lemmas(pattern, z):
        label = f"m={len(z)} {''.join(pattern)}"
        coefficients = [sp.piecewise_fold(mask(z[j]) + all_inactive(z)) for j in range(len(z))]
        t.holds(all(c in (0, 1) for c in coefficients), f"{label}: c_j in {{0,1}}")
        solution = sp.solve([c * _r for c in coefficients], _r, dict=True)
        t.holds(solution == [{_r: 0}], f"{label}: c_j r = 0 for all j forces r = 0")
        if all(sp.piecewise_fold(mask(v)) == 0 for v in z):
            gd_blind.append(pattern)  # plain GD (c_j = D_j) leaves r free on this pattern

    _multi_neuron_lemmas(t, m_max, True, lemmas)
    lift = _Tally()
    n = sp.Symbol("n", nonnegative=True)  # m = 1 + n >= 1 neurons
    for label, S in _check_induction(lift):
        total = S.K + (1 + n) * S.P  # sum_j c_j = sum_j D_j + m prod_k D_k^c
        lift.nonnegative(total - 1, f"{label}, m >= 1: sum_j c_j = K + m P >= 1")
        lift.holds(sp.solve(total * _r, _r, dict=True) == [{_r: 0}], f"{label}: (K + m P) r = 0 forces r = 0")
    detail = (
        f"proved for m = 1..{m_max}, every sign pattern of (z_1..z_m) with ties counted active (D = 1 iff "
        "z >= 0): c_j = D_j + prod_k D_k^c is 0 or 1 and some c_j = 1, so c_j r = 0 for all j forces r = 0 "
        f"(plain GD, c_j = D_j, leaves r free on the all-negative pattern: {len(gd_blind)} pattern(s) checked). "
        f"{_LIFT}; summing c_j r = 0 over j gives (K + m P) r = 0, and on every state of I with m >= 1, "
        "K + m P >= 1, so r = 0. Lift to the claim: (13) = 0 is A^T W = 0 with W_ij = c_ij r_i; rank A = n "
        "makes A^T injective, so W = 0 and r = 0, i.e. f_m = 0 = min f_m; the limit of a convergent run of "
        "(17) with (13) -> 0 has the same property (pass to a subsequence with constant masks). Neither model "
        "(8) nor y >= 0 nor nonzero pre-activations is used; n <= d follows from rank A = n <= d."
    )
    return _result(t, (FULL_ROW_RANK,), start, detail, m_max=m_max, lift=lift)


# --- claims of relurelax beyond the paper


def _cell_label(sign: str, j: int) -> sp.Expr:
    r"""The diagonal entry :math:`D_j` of a closed cell containing a pre-activation of sign ``sign``.

    1 on ``+``, 0 on ``-``, and on a tie ``0`` a free symbol :math:`e_j`: a
    point on the hyperplane lies in the closed cells on both of its sides,
    so either label is admissible there (the paper's :math:`D_j = 1` and the
    strict convention alike).
    """
    return {"+": sp.Integer(1), "-": sp.Integer(0)}.get(sign, sp.Symbol(f"e{j}", real=True))


def _pplus_lemmas(t: _Tally, pattern, z) -> None:
    labels = [_cell_label(s, j) for j, s in enumerate(pattern)]
    label = f"m={len(z)} {''.join(pattern)}"
    t.zero(sum(relu(v) for v in z) - sum(d * v for d, v in zip(labels, z)), f"{label}: sum_j g(z_j) = sum_j D_j z_j")
    for j, (d, v) in enumerate(zip(labels, z)):
        t.nonnegative((2 * d - 1) * v, f"{label}: (2 D_{j} - 1) z_{j} >= 0")


def _lift_pplus(t: _Tally) -> None:
    r"""Induction over neurons of :math:`G = \sum_j g(z_j)` and :math:`W = \sum_j D_j z_j`: :math:`G = W` for every m."""
    t.true(sp.Eq(sp.Integer(0), sp.Integer(0)), "base: G = W = 0 for no neuron")
    G = sp.Symbol("G", real=True)  # the invariant G = W: the state is (G, G)
    p = sp.Symbol("p_t", positive=True)
    for pattern, (v,) in _sign_cases(t, (p,), ties=True):
        d = _cell_label(pattern[0], 0)
        t.zero((G + relu(v)) - (G + d * v), f"step: a neuron {pattern[0]} keeps G = W")


def prove_pplus_lower_bound(m_max: int = 4) -> ProofResult:
    r""":math:`P_+ \le f_m(X)` for every X, m and y: every network with output weights +1 is feasible for :math:`P_+`.

    Per sample and neuron, for every sign of :math:`z = a_i^Tx_j` and every
    label :math:`D \in \{0, 1\}` of a closed cell containing it (D = 1 on
    z > 0, 0 on z < 0, either on a tie): :math:`g(z) = Dz` and
    :math:`(2D - 1)z \ge 0`, every sign pattern of m = 1..``m_max`` neurons.
    So :math:`x_j \in K_{D_j}` with :math:`g(Ax_j) = D_jAx_j`; neurons in one
    cell add up to one block (:math:`K_D` is a convex cone), and
    :math:`\sum_D DAv_D = \sum_j g(Ax_j)`: a feasible point of :math:`P_+`
    with loss :math:`f_m(X)`. Lift to every m (checked): :math:`G = \sum_j
    g(z_j)` and :math:`W = \sum_j D_jz_j` start at 0 and every neuron adds
    the same to both.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("sympy", ())
    start = time.perf_counter()
    t = _Tally()
    _multi_neuron_lemmas(t, m_max, True, lambda pattern, z: _pplus_lemmas(t, pattern, z))
    t.holds(bool(sp.Ne(-relu(sp.Integer(1)), sp.Integer(1))), "output weight -1: -g(1) != D z with D = 1")
    lift = _Tally()
    _lift_pplus(lift)
    detail = (
        f"proved for m = 1..{m_max}, every sign pattern of (z_1..z_m) with ties and every real y (no condition), "
        "with D_j = 1 on z_j > 0, 0 on z_j < 0 and either on a tie (a symbol e_j: the paper's D = 1 iff z >= 0 "
        "and the strict z > 0 both work, since a tie lies in the closed cells on both sides): sum_j g(z_j) = "
        "sum_j D_j z_j and (2 D_j - 1) z_j >= 0. Lift to every m, by induction over neurons: G = sum_j g(z_j) "
        "and W = sum_j D_j z_j start at 0 and every neuron (3 signs) adds g(t) = D t to both. Lift to the "
        "claim: every x_j lies in the closed cone K_D of a full-dimensional cell D (the hyperplanes have empty "
        "interior, so every point is in the closure of a cell), with g(A x_j) = D A x_j; the neurons of one "
        "cell sum to one block v_D in K_D (a convex cone), so sum_D D A v_D = sum_j g(A x_j) and P_+ <= "
        "f_m(X) for every X, m and y. Output weight -1 is not covered (-g(1) != 1): P_+ is the convex "
        "reformulation of Pilanci & Ergen (2020) restricted to positive output weights. Equality min f_m = P_+ "
        "for m >= n (Caratheodory for cones: a conic combination of the outputs D A v_D in R^n needs at most n "
        "nonzero blocks, each one neuron) is argued in relurelax.solvers.pplus and checked numerically (the "
        "recovered network of at most n neurons reaches P_+); it is not decided here."
    )
    return _result(t, (), start, detail, m_max=m_max, lift=lift)


def _identifiability_lemmas(t: _Tally) -> None:
    r"""For every sign of u and u*, with :math:`y = g(u^*)`: :math:`\varphi_r \ge 0`, and :math:`\varphi_r = 0` iff :math:`g(u) = y`."""
    p, ps = sp.Symbol("p", positive=True), sp.Symbol("p_s", positive=True)
    for pattern, (u, u_star) in _sign_cases(t, (p, ps), ties=True):
        label = f"u {pattern[0]}, u* {pattern[1]}"
        y = relu(u_star)
        term, fit, cross = phi_r(u, y), phi_f(u, y), y * relu(-u)
        t.zero(term - fit - cross, f"{label}: phi_r = phi_f + y g(-u)")
        t.nonnegative(fit, f"{label}: phi_f >= 0")
        t.nonnegative(cross, f"{label}: y g(-u) >= 0, so phi_r(u; g(u*)) >= 0")
        if t._polynomial(cross) == 0:
            t.zero(cross, f"{label}: phi_r = (g(u) - y)^2/2, zero iff g(u) = y")
        else:
            t.positive(fit, f"{label}: g(u) != y, and phi_r >= phi_f > 0")


def _tie_counterexample(t: _Tally):
    r"""A = [[1,0],[0,1],[0,-1]], y = (1,0,0), x* = (1,0): f_r = 0 only at x*, yet rank A_S = 1 < d = 2."""
    A = sp.Matrix([[1, 0], [0, 1], [0, -1]])
    y, x_star = [1, 0, 0], sp.Matrix([1, 0])
    p = sp.symbols("q0:2", positive=True)
    for pattern, x in _sign_cases(t, p, ties=True):
        z = A * sp.Matrix(x)
        fr = sum(phi_r(z[i], y[i]) for i in range(3))
        if pattern[0] == "+":  # f_r = ((x_1 - 1)^2 + x_2^2)/2 >= 0: zero only at x* = (1, 0)
            square = ((x[0] - 1) ** 2 + x[1] ** 2) / 2
            t.zero(fr - square, f"tie example, x {''.join(pattern)}: f_r = |x - x*|^2/2")
            t.nonnegative(square, f"tie example, x {''.join(pattern)}: f_r >= 0")
        else:  # -x_1 + 1/2 > 0 from the first sample
            t.positive(fr, f"tie example, x {''.join(pattern)}: f_r > 0")
    S = [i for i in range(3) if (A * x_star)[i] > 0]
    rank = A.extract(S, [0, 1]).rank()
    t.holds(rank == 1, "tie example: rank A_S = 1 < d = 2")
    return rank


def prove_relaxation_identifiability() -> ProofResult:
    r"""Under (4), :math:`\min f_r = 0` and :math:`\operatorname{argmin} f_r = \{x : g(Ax) = y\}`; x* is the only minimiser iff a cone is {0}.

    Per sample, for every sign of :math:`u = a_i^Tx` and :math:`u^* = a_i^Tx^*`
    with :math:`y_i = g(u^*)`: :math:`\varphi_r = \varphi_f + y\,g(-u)`, both
    terms :math:`\ge 0`, and either :math:`y\,g(-u) = 0` (then
    :math:`\varphi_r = \tfrac12(g(u) - y)^2`) or :math:`\varphi_f > 0`; so
    :math:`\varphi_r \ge 0` with equality iff :math:`g(u) = y`. Summed:
    :math:`f_r \ge 0 = f_r(x^*)` and the zero set is
    :math:`P = \{x : A_Sx = y_S,\ A_{S^c}x \le 0\}`, :math:`S = \{i : a_i^Tx^* > 0\}`.
    P is convex and contains x*, so :math:`P = \{x^*\}` iff its cone of
    feasible directions at x*, :math:`\{v : A_Sv = 0,\ a_i^Tv \le 0\ (i \in T)\}`
    with the ties :math:`T = \{i : a_i^Tx^* = 0\}`, is {0} (rows with
    :math:`a_i^Tx^* < 0` are inactive there); without ties this is
    :math:`\operatorname{rank} A_S = d`.
    """
    start = time.perf_counter()
    t = _Tally()
    _identifiability_lemmas(t)
    rank = _tie_counterexample(t)
    # planted is needed: A = [[1],[1]], y = (1, 2) (y >= 0, not realisable) has min f_r = 1/4 > 0 at x = 3/2
    x = sp.Symbol("x", real=True)
    p = sp.Symbol("p", positive=True)
    fr = phi_r(x, 1) + phi_r(x, 2)
    t.zero(fr.subs(x, p) - sp.Rational(1, 4) - (p - sp.Rational(3, 2)) ** 2, "A = [[1],[1]], y = (1,2): f_r(p) = 1/4 + (p - 3/2)^2")
    t.positive(fr.subs(x, -p) - sp.Rational(1, 4), "A = [[1],[1]], y = (1,2): f_r(-p) > 1/4")
    t.positive(fr.subs(x, 0) - sp.Rational(1, 4), "A = [[1],[1]], y = (1,2): f_r(0) > 1/4")
    # without the planted model the per-sample bound fails: y = -1, u = -1
    witness = phi_r(-1, -1)
    t.holds(bool(witness < 0), "y = -1, u = -1 gives phi_r < 0")
    detail = (
        "proved per sample for u = a_i^T x and u* = a_i^T x* of every sign (ties included), y_i = g(u*): phi_r = "
        "phi_f + y g(-u) with both terms >= 0, and in each case either y g(-u) = 0 (phi_r = (g(u) - y)^2/2) or "
        "phi_f > 0; so phi_r >= 0 with equality iff g(u) = y. Lift under model (4): f_r >= 0 = f_r(x*), "
        "min f_r = 0 and argmin f_r = {x : g(Ax) = y} = {x : A_S x = y_S, A_{S^c} x <= 0}, S = {i : a_i^T x* > 0}; "
        "this polyhedron is convex and contains x*, so it is {x*} iff its cone of feasible directions at x*, "
        "{v : A_S v = 0, a_i^T v <= 0 for every tie i (a_i^T x* = 0)}, is {0} (rows with a_i^T x* < 0 are "
        "inactive at x*); with no tie this is rank A_S = d. Finding: the issue's wording 'argmin f_r = {x*} iff "
        "rank A_S = d' is false with ties: A = [[1,0],[0,1],[0,-1]], y = (1,0,0), x* = (1,0) has f_r = "
        f"((x_1 - 1)^2 + x_2^2)/2 on x_1 > 0 and f_r > 0 elsewhere (argmin f_r = {{x*}}, checked on all 9 sign "
        f"cases) while rank A_S = {rank} < 2: the rank condition is sufficient, not necessary. Planted is "
        "needed even with y >= 0: A = [[1],[1]], y = (1,2) gives min f_r = 1/4 > 0 (at x = 3/2); and without "
        f"y = g(u*) the per-sample bound fails (y = -1, u = -1: phi_r = {sp.sstr(witness)})."
    )
    return _result(t, (PLANTED,), start, detail)


#: every claim's prover is public (the claims name them by convention, see relurelax.proofs.claims)
__all__ += [name for name in list(globals()) if name.startswith("prove_")]
