r"""Unit scaling of a problem :math:`(A, y)` and scale-safe norms.

Every objective of the paper is scale-covariant. For :math:`f_r` (Eq. (3),
halved), with :math:`A = aA'` and :math:`y = by'`,

.. math::

    f_r(x; A, y) = b^2\, f_r\big(\tfrac{a}{b}\,x;\ A', y'\big),

and the same holds for :math:`f`, :math:`f_m` and :math:`f_{mp}`
(:math:`g(tz) = t\,g(z)` for :math:`t > 0`, and the masks :math:`D_j` depend
only on signs). So a solver may run on data of unit scale and map its answer
back: :math:`x = (b/a)\,x'`, objective values times :math:`b^2`, gradients
times :math:`ab`, relative errors unchanged.

relurelax takes :math:`a` and :math:`b` to be **powers of two** (the exponents
of :math:`\max_{ij}|A_{ij}|` and :math:`\max_i|y_i|`). Multiplying by a
power of two is exact in float64 wherever no number leaves the normal range,
so on data of ordinary scale a solver run at unit scale returns *bitwise* the
numbers it would return on the data as given; on data near the ends of the
float64 range (labels of 1e-170, whose squares underflow; entries of 1e150)
it is the only way to get a right answer. :func:`to_unit` refuses, with a
message that names the problem, data whose dynamic range float64 cannot hold
at any scale.

:func:`unit_problem`, :func:`parameters_to_unit` and :func:`x_to_user` are
what every solver calls: they add to :func:`to_unit` the two refusals a solver
needs, a problem whose solution scale :math:`2^{e_y - e_A}` is not a normal
float64 number, and a solution whose largest entry would leave float64's
normal range in the user's units (so that the returned point would not be the
point whose errors are reported).

:func:`safe_norm` is the Euclidean (Frobenius) norm computed without the
underflow or overflow of :math:`\sqrt{\sum v_i^2}`, for norms of numbers of
unknown size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InvalidInputError

__all__ = [
    "UnitScaling",
    "UnitProblem",
    "unit_exponent",
    "to_unit",
    "unit_problem",
    "parameters_to_unit",
    "x_to_user",
    "safe_norm",
]

#: squares of numbers between these bounds neither underflow nor overflow float64
_SQUARE_SAFE_LOW = 2.0**-500
_SQUARE_SAFE_HIGH = 2.0**500


def unit_exponent(values: NDArray[np.float64]) -> int:
    r"""The exponent :math:`e` with :math:`\max|v| \cdot 2^{-e} \in [\tfrac12, 1)` (0 for a zero array)."""
    if values.size == 0:
        return 0
    top = max(float(values.max()), -float(values.min()))  # no |values| temporary the size of A
    if top == 0.0 or not math.isfinite(top):
        return 0
    return math.frexp(top)[1]


@dataclass(frozen=True)
class UnitScaling:
    r""":math:`A = 2^{e_A} A'` and :math:`y = 2^{e_y} y'`, with :math:`A'` and :math:`y'` of unit scale.

    The maps back to the user's units are exact (powers of two) wherever the
    result is a normal float64 number.
    """

    a_exponent: int
    y_exponent: int

    @property
    def x_exponent(self) -> int:
        r""":math:`x = 2^{e_y - e_A} x'` (the minimiser scales as :math:`b/a`)."""
        return self.y_exponent - self.a_exponent

    def x_to_unit(self, X: ArrayLike) -> NDArray[np.float64]:
        """Parameters in the user's units to unit scale."""
        return np.ldexp(np.asarray(X, dtype=np.float64), -self.x_exponent)

    def x_from_unit(self, X_unit: ArrayLike) -> NDArray[np.float64]:
        """Parameters at unit scale to the user's units; refuses a result float64 cannot hold."""
        X = np.ldexp(np.asarray(X_unit, dtype=np.float64), self.x_exponent)
        if not np.all(np.isfinite(X)):
            raise InvalidInputError(
                f"the solution has entries of about 2^{self.x_exponent} times its unit-scale value, "
                "beyond float64's range: rescale A or y"
            )
        return X

    @overload
    def objective_from_unit(self, value: float) -> float: ...
    @overload
    def objective_from_unit(self, value: NDArray[np.float64]) -> NDArray[np.float64]: ...

    def objective_from_unit(self, value: float | NDArray[np.float64]) -> float | NDArray[np.float64]:
        r"""An objective value at unit scale to the user's units (times :math:`b^2`)."""
        return np.ldexp(value, 2 * self.y_exponent) if isinstance(value, np.ndarray) else math.ldexp(value, 2 * self.y_exponent)

    @overload
    def gradient_from_unit(self, value: float) -> float: ...
    @overload
    def gradient_from_unit(self, value: NDArray[np.float64]) -> NDArray[np.float64]: ...

    def gradient_from_unit(self, value: float | NDArray[np.float64]) -> float | NDArray[np.float64]:
        r"""A gradient (or its norm) at unit scale to the user's units (times :math:`ab`)."""
        e = self.a_exponent + self.y_exponent
        return np.ldexp(value, e) if isinstance(value, np.ndarray) else math.ldexp(value, e)


#: with ``keep_moderate``, data whose largest entry has an exponent within this bound is used as given
MODERATE_EXPONENT = 64


def _scaled(values: NDArray[np.float64], exponent: int, name: str) -> NDArray[np.float64]:
    if exponent == 0:
        return values  # no copy: scaling by 2^0 changes nothing
    out = np.ldexp(values, -exponent)
    lost = int(np.count_nonzero(values)) - int(np.count_nonzero(out))
    if lost:
        raise InvalidInputError(
            f"{name} spans magnitudes from {float(np.min(np.abs(values[values != 0]))):.3g} to "
            f"{float(np.max(np.abs(values))):.3g}, more than float64 can hold at one scale: "
            f"{lost} nonzero entries would vanish; set them to zero or rescale the data"
        )
    return out


def to_unit(
    A: NDArray[np.float64], y: NDArray[np.float64], *extra_A: NDArray[np.float64] | None, keep_moderate: bool = False
) -> tuple[NDArray[np.float64], NDArray[np.float64], UnitScaling, *tuple[NDArray[np.float64] | None, ...]]:
    r"""``(A', y', scaling, *extra')``: the problem at unit scale and how to map answers back.

    ``A`` and ``y`` must already be validated (:func:`~.validation.check_problem`).
    ``extra_A`` are further matrices in the units of ``A`` (a test set), scaled
    by the same power of two (None passes through).

    ``keep_moderate``: an array whose largest entry lies within
    :math:`2^{\pm 64}` (:data:`MODERATE_EXPONENT`) is used as given, without a
    copy. That is all the scale-invariant solvers (descent, Newton: relative
    stopping rules) need, since their only risk at other scales is under- or
    overflow, and it gives bitwise the same results as exact unit scale; a
    conic backend, whose tolerances are absolute, needs true unit scale.
    """

    def exponent(values: NDArray[np.float64]) -> int:
        e = unit_exponent(values)
        return 0 if keep_moderate and abs(e) <= MODERATE_EXPONENT else e

    scaling = UnitScaling(exponent(A), exponent(y))
    A_unit = _scaled(A, scaling.a_exponent, "A")
    y_unit = _scaled(y, scaling.y_exponent, "y")
    extras = tuple(None if M is None else _scaled(M, scaling.a_exponent, "A_test") for M in extra_A)
    return (A_unit, y_unit, scaling, *extras)


@overload
def square_safe(top: float, size: int) -> bool: ...
@overload
def square_safe(top: NDArray[np.float64], size: int) -> NDArray[np.bool_]: ...


def square_safe(top: float | NDArray[np.float64], size: int) -> bool | NDArray[np.bool_]:
    r"""Whether :math:`\sum v_i^2` of ``size`` numbers whose largest magnitude is ``top`` can be
    summed in float64 as it is: the largest square does not underflow and the sum cannot
    overflow (:math:`\text{size}\cdot\text{top}^2 \le 2^{1000}`). Works on arrays of ``top``."""
    return (top >= _SQUARE_SAFE_LOW) & (top <= _SQUARE_SAFE_HIGH / math.sqrt(max(size, 1)))


def safe_norm(values: ArrayLike) -> float:
    r"""Euclidean / Frobenius norm of ``values`` without underflow or overflow of the squares.

    Takes the plain :math:`\sqrt{v^Tv}` (one BLAS ``ddot``) when the largest
    entry is of moderate size, so on ordinary numbers the value is bitwise
    that of ``sqrt(v @ v)``; otherwise scales by a power of two first.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    top = float(np.max(np.abs(v), initial=0.0))
    if top == 0.0 or not math.isfinite(top):
        return top
    if square_safe(top, v.size):
        return math.sqrt(float(v @ v))
    e = math.frexp(top)[1]
    u = np.ldexp(v, -e)
    return math.ldexp(math.sqrt(float(u @ u)), e)


#: exponents of normal float64 numbers 2^e
_MIN_EXPONENT, _MAX_EXPONENT = -1022, 1023


@dataclass(frozen=True)
class UnitProblem:
    r"""``A``, ``y`` (and a test set) at unit scale, with the :class:`~.scaling.UnitScaling` that maps back."""

    A: NDArray[np.float64]
    y: NDArray[np.float64]
    scaling: UnitScaling
    A_test: NDArray[np.float64] | None = None
    y_test: NDArray[np.float64] | None = None


def unit_problem(
    A: NDArray[np.float64],
    y: NDArray[np.float64],
    A_test: NDArray[np.float64] | None = None,
    y_test: NDArray[np.float64] | None = None,
    *,
    keep_moderate: bool = False,
) -> UnitProblem:
    r"""The validated problem at unit scale; refuses one whose solutions float64 cannot hold.

    ``y_test`` is scaled as ``y`` (it is in the units of the labels);
    ``keep_moderate`` as in :func:`to_unit`.
    """
    A_unit, y_unit, scaling, *extras = to_unit(A, y, A_test, keep_moderate=keep_moderate)
    e = scaling.x_exponent
    if not _MIN_EXPONENT <= e <= _MAX_EXPONENT:
        raise InvalidInputError(
            f"the solution scales as max|y| / max|A| = 2^{e}, outside float64's normal range "
            f"(2^{_MIN_EXPONENT} to 2^{_MAX_EXPONENT}): rescale A or y"
        )
    y_test_unit = None
    if y_test is not None:
        y_test_unit = np.ldexp(y_test, -scaling.y_exponent)
        if not np.all(np.isfinite(y_test_unit)):
            raise InvalidInputError("y_test is too large for float64 at the scale of y: rescale the test labels")
    return UnitProblem(A_unit, y_unit, scaling, extras[0], y_test_unit)


def parameters_to_unit(scaling: UnitScaling, X: ArrayLike, name: str) -> NDArray[np.float64]:
    r"""Parameters in the user's units at unit scale; refuses ones float64 cannot hold there."""
    X_unit = scaling.x_to_unit(X)
    if not np.all(np.isfinite(X_unit)):
        raise InvalidInputError(
            f"{name} is not finite at unit scale: its entries are far larger than the solution's scale "
            f"max|y| / max|A| = 2^{scaling.x_exponent}; start nearer"
        )
    return X_unit


def x_to_user(scaling: UnitScaling, X_unit: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""A solution at unit scale in the user's units (exact); refuses one float64 cannot hold.

    Overflow is refused by :meth:`~.scaling.UnitScaling.x_from_unit`; a
    solution whose largest entry would be subnormal (or zero) is refused here:
    the returned point would not be the one whose errors are reported.
    """
    X = scaling.x_from_unit(X_unit)
    top = float(np.max(np.abs(X_unit), initial=0.0))
    if top > 0.0 and math.ldexp(top, scaling.x_exponent) < math.ldexp(1.0, _MIN_EXPONENT):
        raise InvalidInputError(
            f"the solution's entries are about 2^{math.frexp(top)[1] + scaling.x_exponent}, below float64's "
            "normal range: rescale A or y"
        )
    return X
