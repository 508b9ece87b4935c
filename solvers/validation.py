r"""Validation at the boundary of the numeric API.

Every public function of :mod:`relurelax.solvers` passes its arrays through
these helpers once, so that shape, dtype and finiteness errors are reported
in one wording: the name of the argument, what it was, and what is accepted.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InvalidInputError

__all__ = [
    "as_matrix",
    "as_vector",
    "as_parameters",
    "check_problem",
    "check_finite_value",
    "check_step",
    "check_positive_int",
    "check_tolerance",
]


def _as_float_array(value: object, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise InvalidInputError(f"{name} could not be read as an array: {exc}") from None
    if arr.dtype == object:
        raise InvalidInputError(f"{name} has dtype object; a real numeric array is required")
    if arr.dtype.kind == "c":
        raise InvalidInputError(f"{name} has complex dtype {arr.dtype}; a real array is required")
    if arr.dtype.kind == "b":
        raise InvalidInputError(f"{name} has boolean dtype; a real numeric array is required")
    if arr.dtype.kind not in "iuf":
        raise InvalidInputError(f"{name} has dtype {arr.dtype}; a real numeric array is required")
    arr = arr.astype(np.float64, copy=False)
    if arr.size == 0:
        raise InvalidInputError(f"{name} is empty (shape {arr.shape}); at least one entry is required")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InvalidInputError(f"{name} has {bad} non-finite entries (NaN or inf); all entries must be finite")
    return arr


def as_matrix(value: object, name: str = "A") -> NDArray[np.float64]:
    """Return ``value`` as a finite float64 matrix of shape (n, d)."""
    arr = _as_float_array(value, name)
    if arr.ndim != 2:
        raise InvalidInputError(f"{name} must be a 2-D array of shape (n, d); got shape {arr.shape}")
    return arr


def as_vector(value: object, name: str = "y", length: int | None = None) -> NDArray[np.float64]:
    """Return ``value`` as a finite float64 vector, optionally of a given length."""
    arr = _as_float_array(value, name)
    if arr.ndim != 1:
        raise InvalidInputError(f"{name} must be a 1-D array; got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise InvalidInputError(f"{name} has {arr.shape[0]} entries but A has {length} rows")
    return arr


def as_parameters(value: object, d: int, name: str = "X") -> NDArray[np.float64]:
    """Return parameters as a float64 matrix of shape (d, m).

    A vector of length ``d`` is one neuron and becomes shape (d, 1).
    """
    arr = _as_float_array(value, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InvalidInputError(f"{name} must have shape (d,) or (d, m); got shape {arr.shape}")
    if arr.shape[0] != d:
        raise InvalidInputError(f"{name} has {arr.shape[0]} rows but A has {d} columns (d = {d})")
    return arr


def _check_squares_finite(arr: NDArray[np.float64], name: str) -> None:
    # the objectives square these numbers; a sum of squares that overflows
    # float64 would turn every objective into inf
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(arr))
    if not math.isfinite(norm):
        big = float(np.max(np.abs(arr)))
        raise InvalidInputError(
            f"{name} has entries up to {big:.3g} in magnitude: its sum of squares overflows float64 "
            "(about 1.8e308); rescale the data"
        )


def check_problem(A: object, y: object) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate a data pair ``(A, y)`` and return float64 copies-or-views."""
    A = as_matrix(A, "A")
    y = as_vector(y, "y", A.shape[0])
    _check_squares_finite(A, "A")
    _check_squares_finite(y, "y")
    return A, y


def check_finite_value(value: float, what: str) -> float:
    """An objective value computed from valid input that still overflowed."""
    if not math.isfinite(value):
        raise InvalidInputError(
            f"{what} overflows float64 at this point ({value}); the parameters or data are too large in magnitude"
        )
    return value


def check_step(step: object) -> float:
    """A step size: a finite positive real number."""
    if isinstance(step, bool) or not isinstance(step, Real):
        raise InvalidInputError(f"step must be a positive finite number or 'auto'; got {step!r}")
    step = float(step)
    if not math.isfinite(step) or step <= 0.0:
        raise InvalidInputError(f"step must be a positive finite number or 'auto'; got {step!r}")
    return step


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """An integer no smaller than ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise InvalidInputError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_tolerance(value: object, name: str) -> float:
    """A tolerance: a finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value < 0:
        raise InvalidInputError(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def check_test_set(
    A_test: object, y_test: object, d: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | tuple[None, None]:
    r"""A held-out set ``(A_test, y_test)`` with d columns, or ``(None, None)`` when neither is given.

    Raises InvalidInputError when only one of the two is given, or when the
    shapes do not fit (A_test must have d columns, y_test one entry per row).
    """
    if (A_test is None) != (y_test is None):
        raise InvalidInputError("A_test and y_test must be given together")
    if A_test is None:
        return None, None
    A_t = as_matrix(A_test, "A_test")
    if A_t.shape[1] != d:
        raise InvalidInputError(f"A_test has {A_t.shape[1]} columns but A has {d}")
    return A_t, as_vector(y_test, "y_test", A_t.shape[0])
