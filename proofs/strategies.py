r"""Hypothesis strategies for the paper's problems: bounded, well-posed, exact.

Every strategy draws small integer data (entries in ``[-bound, bound]``,
sizes :math:`1 \le n, d \le 4` by default), so objectives are computed
exactly in float64 and a shrunk counterexample prints as small exact numbers.
Each is an ``@st.composite`` strategy returning a frozen :class:`Instance`.

The central one, :func:`instances`, draws from a :class:`~.conditions.Space`:
the instances that satisfy the space's required conditions and violate its
violated ones (see :mod:`.conditions`). ``planted`` instances carry their
planted parameters :math:`X^*` (model (4) for m = 1, (8) for m > 1);
``no-zero-preactivation`` applies to the drawn point(s) when
``point_is_claim_point`` is true (a descent start point is not the point a
claim speaks of). Use them in your own tests::

    from hypothesis import given
    from relurelax.proofs.strategies import planted_instances
    from relurelax.solvers import objective

    @given(planted_instances())
    def test_planted_point_fits(inst):
        assert objective(inst.A, inst.y, inst.X_star[:, 0]) == 0.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from relurelax.solvers.records import FrozenProblem
from relurelax.solvers.objectives import network_output

from .conditions import (
    FULL_ROW_RANK,
    LABELS_NONNEGATIVE,
    N_LE_D,
    NO_ZERO_PREACTIVATION,
    PLANTED,
    Space,
)

__all__ = [
    "Instance",
    "instances",
    "planted_instances",
    "nonnegative_label_instances",
    "tie_instances",
    "convexity_instances",
    "MAX_SIZE",
    "ENTRY_BOUND",
]

#: largest n, d drawn by default
MAX_SIZE = 4
#: entries of A, y, X, X* are integers in [-ENTRY_BOUND, ENTRY_BOUND]
ENTRY_BOUND = 3


@dataclass(frozen=True)
class Instance(FrozenProblem):
    r"""One problem instance with the point a claim is checked at.

    Attributes
    ----------
    A : (n, d) data. y : (n,) labels.
    X : (d, m) the point: where a bound or gradient is evaluated, a witness
        for a claim about minima, or the start of a descent run.
    X_star : (d, m) planted parameters with :math:`y = \sum_j g(Ax_j^*)`,
        or None when y was drawn freely.
    V : (d, m) a second point (convexity), or None.
    alpha : the weight of the convex combination :math:`\alpha X + (1-\alpha)V`
        (a multiple of 1/8, exact in binary), or None.
    """

    A: np.ndarray
    y: np.ndarray
    X: np.ndarray
    X_star: np.ndarray | None = None
    V: np.ndarray | None = None
    alpha: float | None = None

    @property
    def m(self) -> int:
        return self.X.shape[1]


def _integer_matrix(shape, bound):
    return arrays(np.int64, shape, elements=st.integers(-bound, bound)).map(lambda a: a.astype(np.float64))


def _sizes(draw, space: Space, n_max: int, d_max: int) -> tuple[int, int]:
    need_le = N_LE_D in space.require or FULL_ROW_RANK in space.require
    need_gt = N_LE_D in space.violate
    deficient = FULL_ROW_RANK in space.violate
    n_min = 2 if (need_gt or deficient) else 1
    if need_le:
        n = draw(st.integers(n_min, min(n_max, d_max)))
        d = draw(st.integers(n, d_max))
    elif need_gt:
        n = draw(st.integers(2, n_max))
        d = draw(st.integers(1, n - 1))
    else:
        n = draw(st.integers(n_min, n_max))
        d = draw(st.integers(1, d_max))
    return n, d


def _force_tie(draw, A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Make one pre-activation a_i^T x_j exactly zero by choosing x_j orthogonal to a_i."""
    n, d = A.shape
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(0, X.shape[1] - 1))
    X = X.copy()
    X[:, j] = 0.0
    if d >= 2:
        k = draw(st.integers(1, d - 1))  # a rotation of a_i in the (0, k) plane is orthogonal to it
        X[0, j], X[k, j] = A[i, k], -A[i, 0]
    return X


def _full_row_rank(A: np.ndarray) -> np.ndarray:
    r"""A itself if rank A = n, else :math:`A + k[I_n\ 0]` for the smallest k = 1, 2, ... of full row rank.

    :math:`\det(A_{:, :n} + kI)` is a polynomial of degree n in k, so one of
    k = 1..n+1 works; repairing instead of rejecting keeps shrinking cheap
    (a shrunk A = 0 becomes :math:`[I_n\ 0]`).
    """
    n = A.shape[0]
    if np.linalg.matrix_rank(A) == n:
        return A
    for k in range(1, n + 2):
        B = A.copy()
        B[:, :n] += k * np.eye(n)
        if np.linalg.matrix_rank(B) == n:
            return B
    raise AssertionError("unreachable: det(A_1 + k I) has at most n roots")  # pragma: no cover


def _avoid_ties(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    r"""X itself if no entry of AX is zero, else each tied column moved to :math:`x_j + tv` for the smallest t = 1, 2, ...

    With :math:`v = (1, B, B^2, \dots)` and B = 2 max|A| + 1, every
    :math:`a_i^Tv \ne 0` for a nonzero integer row (balanced base-B digits),
    so each of the n entries vanishes for at most one t and some t <= n
    works. Repairing instead of rejecting keeps shrinking cheap.
    """
    X = X.copy()
    base = 2.0 * float(np.max(np.abs(A))) + 1.0
    v = base ** np.arange(A.shape[1], dtype=np.float64)
    for j in range(X.shape[1]):
        for t in range(A.shape[0] + 1):
            x = X[:, j] + t * v
            if not np.any(A @ x == 0.0):
                X[:, j] = x
                break
    return X


def _has_zero(Z: np.ndarray) -> bool:
    return bool(np.any(Z == 0.0))


def _check_drawable(space: Space) -> None:
    """ValueError unless :func:`instances` can draw from ``space``."""
    if space.empty:
        raise ValueError(f"no instance lies in the space ({space.describe()}): its required conditions imply a violated one")
    if PLANTED in space.violate:
        raise ValueError("instances() cannot construct 'not planted'; violate labels-nonnegative or full-row-rank instead")


@st.composite
def instances(
    draw: st.DrawFn,
    space: Space = Space(),
    *,
    neurons: tuple[int, int] = (1, 1),
    n_max: int = MAX_SIZE,
    d_max: int = MAX_SIZE,
    bound: int = ENTRY_BOUND,
    second_point: bool = False,
    point_is_claim_point: bool = True,
) -> Instance:
    r"""An :class:`Instance` from ``space`` with m in the range ``neurons``.

    Parameters
    ----------
    space : conditions to satisfy (``require``) and to violate (``violate``);
        violating ``planted`` is not constructed (a drawn y may or may not be
        realisable).
    neurons : inclusive range of m.
    n_max, d_max, bound : size and entry bounds.
    second_point : also draw V and alpha (convexity).
    point_is_claim_point : apply ``no-zero-preactivation`` to the drawn
        point(s).
    """
    _check_drawable(space)
    m = draw(st.integers(*neurons))
    n, d = _sizes(draw, space, n_max, d_max)
    A = draw(_integer_matrix((n, d), bound))
    if FULL_ROW_RANK in space.violate and n <= d:
        i = draw(st.integers(0, n - 2))
        A[n - 1] = draw(st.integers(-2, 2)) * A[i]  # a dependent last row (0 allowed)
    if FULL_ROW_RANK in space.require:
        A = _full_row_rank(A)

    X_star = None
    if PLANTED in space.require:
        X_star = draw(_integer_matrix((d, m), bound))
        y = network_output(A @ X_star)
    elif LABELS_NONNEGATIVE in space.violate:
        y = draw(_integer_matrix((n,), bound))
        if np.all(y >= 0):
            y[draw(st.integers(0, n - 1))] = -float(draw(st.integers(1, bound)))
    elif LABELS_NONNEGATIVE in space.require:
        y = np.abs(draw(_integer_matrix((n,), bound)))
    else:
        y = draw(_integer_matrix((n,), bound))

    X = draw(_integer_matrix((d, m), bound))
    V = alpha = None
    if second_point:
        V = draw(_integer_matrix((d, m), bound))
        alpha = draw(st.integers(0, 8)) / 8.0
    if point_is_claim_point:
        points = [A @ X] + ([A @ V] if V is not None else [])
        if NO_ZERO_PREACTIVATION in space.violate and not any(_has_zero(Z) for Z in points):
            X = _force_tie(draw, A, X)
        elif NO_ZERO_PREACTIVATION in space.require:
            assume(bool(np.all(np.any(A != 0, axis=1))))  # a zero row is a tie for every point
            X = _avoid_ties(A, X)
            V = None if V is None else _avoid_ties(A, V)
    return Instance(A=A, y=y, X=X, X_star=X_star, V=V, alpha=alpha)


def planted_instances(neurons: tuple[int, int] = (1, 1), **options: Any) -> st.SearchStrategy[Instance]:
    r"""Instances of model (4) (m = 1) or (8): :math:`y = \sum_j g(Ax_j^*)`, X* attached."""
    return instances(Space(frozenset({PLANTED})), neurons=neurons, **options)


def nonnegative_label_instances(neurons: tuple[int, int] = (1, 1), **options: Any) -> st.SearchStrategy[Instance]:
    r"""Instances with :math:`y \ge 0` drawn freely (planted or not)."""
    return instances(Space(frozenset({LABELS_NONNEGATIVE})), neurons=neurons, **options)


def tie_instances(neurons: tuple[int, int] = (2, 3), **options: Any) -> st.SearchStrategy[Instance]:
    r"""Planted instances whose point has at least one zero pre-activation :math:`a_i^Tx_j = 0`."""
    space = Space(frozenset({PLANTED}), frozenset({NO_ZERO_PREACTIVATION}))
    return instances(space, neurons=neurons, **options)


def convexity_instances(**options: Any) -> st.SearchStrategy[Instance]:
    r"""One-neuron instances with two points u, v and a weight :math:`\alpha \in \{0, 1/8, \dots, 1\}`."""
    return instances(Space(), neurons=(1, 1), second_point=True, **options)
