r"""The small exact instances every search checks before its random draws: the known counterexample families.

A necessity search (:func:`~.search.search` in a space of
:data:`~.conditions.DROP_SPACES`) draws random instances with hypothesis.
Some counterexamples are rare among random draws: a stationary point of
update (17) with a nonzero residual needs a rank-deficient A, labels that
the planted model (8) reaches for this m, and a point where every neuron is
inactive on the same row. A search that only draws at random finds them at
some seeds and misses them at others, and the ledger's minimal conditions
then depend on the seed. So a search first checks, in a fixed order, every
construction below that lies in its space, and only then draws at random.

The constructions are the smallest exact members of each family: integer
data and points, built for each m of the claim's range. They do not depend
on the seed (the seed varies the random draws only): a scaled or perturbed
copy would be less readable and no more telling, and a counterexample found
here is then the same at every seed. With :math:`a = e_1` (the
first unit vector of :math:`\mathbb{R}^d`) and "every neuron at x" meaning
:math:`x_j = x` for every j:

``negative-label``
    :math:`A = [1]`, :math:`y = (-1)`, every neuron at -1: one negative
    label, full row rank. Every neuron is inactive and
    :math:`f_r - f = 2y^Tg(-Ax) < 0`, :math:`f_{mp} - f_m = -2y^T\prod_j
    D_j^cA\sum_j x_j < 0` (the bounds (6) and (15) need y >= 0); f_r and
    f_mp are unbounded below along -a (Theorems 1 and 2 need y >= 0).
    Violates labels-nonnegative (and so planted).
``tie``
    Planted data of full row rank and a point with a zero pre-activation:
    :math:`A = [1]`, y = (1), X = 0; A = [1], y = (2), the first neuron at
    0 and the others at 1; :math:`A = I_2`, y = (2, 2), :math:`x_1 = e_2`
    (orthogonal to the first row) and the others at (1, 1). For m >= 2,
    f_mp has different one-sided derivatives at the tie (Proposition 2
    needs no-zero-preactivation); for m = 1, f_mp = f_r is differentiable.
    Violates no-zero-preactivation.
``negated-rows``
    :math:`A = [a; -a]` (rank 1, n = d = 2). With y = (1, 1 + m) and every
    neuron at -a, AX has rows -1 and +1, r = (-1, -1), and each column of
    (13) is :math:`A^T(D_j + \prod_k D_k^c)r = -a + a = 0`: a stationary
    point of (17) with r != 0 (Corollary 1 needs full row rank). This y is
    planted for m >= 2 (:math:`x_1 = a`, :math:`x_2 = -(1+m)a`) but not
    for m = 1 (one neuron cannot be active on a and on -a); for m = 1,
    :math:`f(-a) = 2 < \min f_r = 4` in the paper's scaling (Theorems 1
    and 2 need planted), and the point is still stationary with r != 0
    (Corollary 1 needs more than y >= 0). y = (1, 0) is planted for every
    m. Violates full-row-rank, and planted where y is not realisable for m.
``duplicated-rows``
    :math:`A = [a; a]`. y = (1, 2) is planted for no m (equal rows give
    equal outputs); for m = 1 RGD stops at :math:`x = \frac32 a` with
    :math:`r = (\frac12, -\frac12)` (Corollary 1 without planted). y = (1, 1)
    is planted. Violates full-row-rank (and planted for y = (1, 2)).
``zero-row``
    :math:`A = [a; 0]`: a zero row ties every point, so it lies only in
    spaces that allow a zero pre-activation. y = (1, 1) is planted for no
    m, y = (1, 0) is. Violates full-row-rank and no-zero-preactivation.
``more-samples``
    The three row pairs above with d = 1 (:math:`A = [1; -1]`, [1; 1],
    [1; 0]), the same labels and points: n = 2 > d. The negated pair with
    y = (1, 1 + m) and every neuron at -1 is Corollary 1's stationary point
    with r != 0 when n > d (for m >= 2 it is planted). Violates n-le-d (and
    so full-row-rank).
``planted-tie``
    Planted data whose planted neuron :math:`x^*` has a zero
    pre-activation, with :math:`x^* = (1, 0)`: :math:`A = [e_1; e_2; -e_2]`,
    y = (1, 0, 0), where the two tie rows leave x* the only minimiser of
    f_r although :math:`\operatorname{rank} A_S = 1 < d` (the rank wording
    of identifiability fails with ties); and :math:`A = I_2`, y = (1, 0),
    where the one tie row leaves the direction :math:`-e_2`, so every
    :math:`(1, -t)`, :math:`t \ge 0`, minimises f_r. Every neuron of the
    point is at x* (ties at the point too); X* is x* and zero neurons.
    Violates no-zero-preactivation (and, for the first, n-le-d and
    full-row-rank).

Every point is drawn as the same d x m column for each neuron unless the
family says otherwise; claims with a second point (convexity) get
:math:`V = -X` and :math:`\alpha = 1/2`. Planted constructions carry their
planted parameters :math:`X^*`. The search decides which constructions lie
in its space with :func:`~.checks.satisfied_conditions`, the same function
that records the conditions a counterexample satisfies.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .checks import satisfied_conditions
from .conditions import CONDITIONS, NO_ZERO_PREACTIVATION, Space
from .strategies import Instance

__all__ = ["Construction", "FAMILIES", "constructions"]

#: the families, in the order a search checks them
FAMILIES = ("negative-label", "tie", "negated-rows", "duplicated-rows", "zero-row", "more-samples", "planted-tie")

#: every construction is built for m = 1..MAX_NEURONS (within the claim's range)
MAX_NEURONS = 3


@dataclass(frozen=True)
class Construction:
    r"""One instance of a counterexample family (see the module docstring), named by its family.

    ``conditions`` are the named conditions it satisfies at its point(s)
    (:func:`~.checks.satisfied_conditions` with the pre-activations
    :math:`AX` and :math:`AV`), computed once when it is built.
    """

    family: str
    instance: Instance
    conditions: frozenset

    def lies_in(self, space: Space, point_is_claim_point: bool = True) -> bool:
        r"""Does it lie in ``space``, as far as can be told before a check runs?

        When the drawn point only starts a descent run
        (``point_is_claim_point`` false), whether the claim's point has a
        zero pre-activation is known only after the check (the search's
        rejection decides it), except that a zero row of A ties every
        point.
        """
        decided = set(CONDITIONS)
        if not point_is_claim_point and np.all(np.any(self.instance.A != 0, axis=1)):
            decided.discard(NO_ZERO_PREACTIVATION)
        required = space.require & decided
        violated = space.violate & decided
        return required <= self.conditions and not (violated & self.conditions)

    def describe(self) -> str:
        """The family and the data, one line (small integers)."""
        inst = self.instance

        def fmt(a):
            return str(np.asarray(a).astype(int).tolist()).replace(" ", "")

        return f"{self.family}: A={fmt(inst.A)} y={fmt(inst.y)} X={fmt(inst.X)} m={inst.m}"


def _columns(*cols, m: int) -> np.ndarray:
    """A d x m point: the given columns first, the last one repeated for the remaining neurons."""
    cols = list(cols) + [cols[-1]] * (m - len(cols))
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in cols[:m]])


def _planted(m: int, *cols) -> np.ndarray:
    """X* (d x m) with the given columns first and zero neurons after them (a zero neuron adds g(0) = 0)."""
    X_star = np.zeros((len(cols[0]), m))
    for j, col in enumerate(cols):
        X_star[:, j] = col
    return X_star


def _negative_label(m: int):
    A, y = np.array([[1.0]]), np.array([-1.0])
    yield A, y, _columns([-1.0], m=m), None


def _tie(m: int):
    one = np.array([[1.0]])
    yield one, np.array([1.0]), np.zeros((1, m)), _planted(m, [1.0])
    yield one, np.array([2.0]), _columns([0.0], [1.0], m=m), _planted(m, [2.0])
    yield np.eye(2), np.array([2.0, 2.0]), _columns([0.0, 1.0], [1.0, 1.0], m=m), _planted(m, [2.0, 2.0])


def _planted_tie(m: int):
    x_star = np.array([1.0, 0.0])
    e1, e2 = np.eye(2)
    for A, y in ((np.vstack([e1, e2, -e2]), (1.0, 0.0, 0.0)), (np.eye(2), (1.0, 0.0))):
        yield A, np.array(y), _columns(x_star, m=m), _planted(m, x_star)


def _pair_labels(pattern: str, m: int, a: np.ndarray) -> tuple:
    """(y, X* or None) for rows (a, s a): first labels planted for no m or only for m >= 2, then labels planted for every m."""
    if pattern == "negated":
        return ((1.0, 1.0 + m), _planted(m, a, -(1.0 + m) * a + 0.0) if m >= 2 else None), ((1.0, 0.0), _planted(m, a))
    if pattern == "duplicated":
        return ((1.0, 2.0), None), ((1.0, 1.0), _planted(m, a))
    return ((1.0, 1.0), None), ((1.0, 0.0), _planted(m, a))


#: the second row of a pair is _SIGN[pattern] * a
_SIGN = {"negated": -1.0, "duplicated": 1.0, "zero": 0.0}


def _row_pairs(m: int, d: int, patterns):
    r"""Rows (a, s a) for the ``patterns`` asked, their labels (see :func:`_pair_labels`), every neuron at -a."""
    a = np.eye(d)[0]
    for pattern in patterns:
        A = np.vstack([a, _SIGN[pattern] * a])
        for y, X_star in _pair_labels(pattern, m, a):
            yield A, np.array(y), _columns(-a, m=m), X_star


_BUILDERS = {
    "negative-label": _negative_label,
    "tie": _tie,
    "negated-rows": lambda m: _row_pairs(m, 2, ("negated",)),
    "duplicated-rows": lambda m: _row_pairs(m, 2, ("duplicated",)),
    "zero-row": lambda m: _row_pairs(m, 2, ("zero",)),
    "more-samples": lambda m: _row_pairs(m, 1, ("negated", "duplicated", "zero")),
    "planted-tie": _planted_tie,
}


@functools.cache
def constructions(neurons: tuple[int, int] = (1, 1), second_point: bool = False) -> tuple[Construction, ...]:
    r"""Every construction for m in ``neurons`` (capped at :data:`MAX_NEURONS`), in the order a search checks them.

    Family by family (:data:`FAMILIES`), then m ascending. With
    ``second_point`` each instance carries :math:`V = -X` and
    :math:`\alpha = 1/2`. The result is the same on every call, and
    computed once per process (deciding ``planted`` for a rank-deficient A
    solves linear programs).
    """
    lo, hi = neurons
    if not 1 <= lo <= hi:
        raise ValueError(f"neurons must be a range (lo, hi) with 1 <= lo <= hi; got {neurons!r}")
    out = []
    for family in FAMILIES:
        for m in range(lo, min(hi, MAX_NEURONS) + 1):
            for A, y, X, X_star in _BUILDERS[family](m):
                V, alpha = (-X, 0.5) if second_point else (None, None)
                inst = Instance(A=A, y=y, X=X, X_star=X_star, V=V, alpha=alpha)
                points = (A @ X,) + (() if V is None else (A @ V,))
                out.append(Construction(family, inst, satisfied_conditions(inst, points)))
    return tuple(out)
