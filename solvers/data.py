r"""Planted-model data, Eqs. (4) and (8), and the paper's Gaussian set-up.

Rows :math:`a_i \sim N(0, I_d)` (Section III), multiplied by an optional
``scale``; planted parameters :math:`X^* \sim N(0, I)` of shape (d, m);
labels :math:`y = \sum_j g(Ax_j^*)` plus optional Gaussian label noise of
standard deviation ``noise``; an initial point :math:`X_0 \sim N(0, I)`; and a
noiseless test set of ``n_test`` rows (100 by default, as in the paper).

Everything is drawn from one :class:`numpy.random.Generator` seeded by
``seed`` in a fixed order (A, X*, X0, A_test, noise), so a seed fixes the
instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .records import FrozenProblem
from .validation import check_positive_int
from .errors import InvalidInputError
from .objectives import network_output

__all__ = ["PlantedProblem", "planted_problem"]


@dataclass(frozen=True)
class PlantedProblem(FrozenProblem):
    r"""One planted instance; arrays are read-only.

    Attributes
    ----------
    A : (n, d) training data.
    y : (n,) labels :math:`\sum_j g(A x_j^*)` (+ noise).
    X_star : (d, m) planted parameters.
    X0 : (d, m) initial point for the descent methods.
    A_test : (n_test, d) test data.
    y_test : (n_test,) noiseless test labels.
    seed, noise, scale, clip : how the instance was drawn.
    """

    A: NDArray[np.float64]
    y: NDArray[np.float64]
    X_star: NDArray[np.float64]
    X0: NDArray[np.float64]
    A_test: NDArray[np.float64]
    y_test: NDArray[np.float64]
    seed: int
    noise: float
    scale: float
    clip: bool = False

    @property
    def m(self) -> int:
        return self.X_star.shape[1]


def _check_nonnegative_float(value: object, name: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"{name} must be a finite real number; got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "> 0" if positive else ">= 0"
        raise InvalidInputError(f"{name} must be a finite number {need}; got {value!r}")
    return value


def planted_problem(
    n: int,
    d: int,
    m: int = 1,
    *,
    seed: int = 0,
    noise: float = 0.0,
    scale: float = 1.0,
    n_test: int = 100,
    clip: bool = False,
) -> PlantedProblem:
    r"""Draw a planted instance of model (4) (m = 1) or (8) (m > 1).

    Parameters
    ----------
    n, d, m : samples, features, neurons (all >= 1).
    seed : seed of the one ``numpy.random.Generator`` that draws everything.
    noise : standard deviation of Gaussian noise added to the training labels.
    scale : factor on every row of ``A`` and ``A_test`` (1 is the paper's
        :math:`N(0, I_d)`; ``1/sqrt(d)`` keeps :math:`\|A\|_2 = O(1)`).
    n_test : number of test rows (100 in the paper).
    clip : the training labels are :math:`y = \max(0, g(Ax^*) + \text{noise}\,e)`,
        nonnegative as a ReLU's outputs are (the draws are the same as without ``clip``).
    """
    n = check_positive_int(n, "n")
    d = check_positive_int(d, "d")
    m = check_positive_int(m, "m")
    n_test = check_positive_int(n_test, "n_test")
    seed = check_positive_int(seed, "seed", minimum=0)
    noise = _check_nonnegative_float(noise, "noise")
    scale = _check_nonnegative_float(scale, "scale", positive=True)
    if not isinstance(clip, (bool, np.bool_)):
        raise InvalidInputError(f"clip must be True or False; got {clip!r}")

    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d)) * scale
    X_star = rng.standard_normal((d, m))
    X0 = rng.standard_normal((d, m))
    A_test = rng.standard_normal((n_test, d)) * scale
    y = network_output(A @ X_star)
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    if clip:
        y = np.maximum(y, 0.0)
    y_test = network_output(A_test @ X_star)
    return PlantedProblem(A, y, X_star, X0, A_test, y_test, seed, noise, scale, bool(clip))
