r"""A validated problem at unit scale, and its solutions mapped back to the user's units.

The solvers of relurelax (:func:`~.descent.descend`, the batched engine of
:mod:`.batched`, :func:`~.newton.solve_relaxation_newton`) run on
:math:`A' = 2^{-e_A}A`, :math:`y' = 2^{-e_y}y` (:func:`~.scaling.to_unit`)
and map every answer back: :math:`x = 2^{e_y - e_A}x'`, objective values
times :math:`2^{2e_y}`, gradients times :math:`2^{e_A + e_y}`, relative
errors unchanged, a step :math:`\mu` of the user's units is
:math:`\mu' = 2^{2e_A}\mu` at unit scale (the update
:math:`x_+ = x - \mu A^TW` with :math:`W` in the units of :math:`y` reads
:math:`x'_+ = x' - 2^{2e_A}\mu\,A'^TW'`). Powers of two are exact, so on
data of ordinary size this changes no bit of any result.

This module adds to :mod:`.scaling` the two refusals a solver needs: a
problem whose solution scale :math:`2^{e_y - e_A}` is not a normal float64
number, and a solution whose largest entry would leave float64's normal
range in the user's units (so that the returned point would not be the
point whose errors are reported).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InvalidInputError
from .scaling import UnitScaling, to_unit

__all__ = ["UnitProblem", "unit_problem", "x_to_user", "parameters_to_unit"]

#: exponents of normal float64 numbers 2^e
_MIN_EXPONENT, _MAX_EXPONENT = -1022, 1023


@dataclass(frozen=True)
class UnitProblem:
    r"""``A``, ``y`` (and a test set) at unit scale, with the :class:`~.scaling.UnitScaling` that maps back."""

    A: np.ndarray
    y: np.ndarray
    scaling: UnitScaling
    A_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


def unit_problem(A: np.ndarray, y: np.ndarray, A_test=None, y_test=None) -> UnitProblem:
    r"""The validated problem at unit scale; refuses one whose solutions float64 cannot hold.

    ``y_test`` is scaled as ``y`` (it is in the units of the labels).
    """
    A_unit, y_unit, scaling, A_test_unit = to_unit(A, y, A_test)
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
    return UnitProblem(A_unit, y_unit, scaling, A_test_unit, y_test_unit)


def parameters_to_unit(scaling: UnitScaling, X: np.ndarray, name: str) -> np.ndarray:
    r"""Parameters in the user's units at unit scale; refuses ones float64 cannot hold there."""
    X_unit = scaling.x_to_unit(X)
    if not np.all(np.isfinite(X_unit)):
        raise InvalidInputError(
            f"{name} is not finite at unit scale: its entries are far larger than the solution's scale "
            f"max|y| / max|A| = 2^{scaling.x_exponent}; start nearer"
        )
    return X_unit


def x_to_user(scaling: UnitScaling, X_unit: np.ndarray) -> np.ndarray:
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
