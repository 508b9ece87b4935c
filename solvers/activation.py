r"""The ReLU and its activation masks, written once for the whole project.

The paper's convention (below Eq. (2)) is that the :math:`i`-th diagonal entry
of :math:`D_j` is 1 iff :math:`a_i^T x_j \ge 0`, and 0 otherwise; its
complement is :math:`D_j^c = I_n - D_j`. Every module that needs a mask calls
:func:`activation_mask` or :func:`all_inactive_mask`, so the tie
:math:`a_i^T x_j = 0` is treated the same everywhere (it counts as active).
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["relu", "activation_mask", "all_inactive_mask"]


def relu(Z: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""ReLU :math:`g(z) = \max\{0, z\}`, entrywise."""
    return np.maximum(Z, 0.0)


def activation_mask(Z: NDArray[np.float64]) -> NDArray[np.bool_]:
    r"""Diagonals of :math:`D_j`: ``Z >= 0`` entrywise, for ``Z = A X``.

    Returns a boolean array of the shape of ``Z``; column ``j`` is the
    diagonal of :math:`D_j`.
    """
    return Z >= 0.0


def all_inactive_mask(Z: ArrayLike) -> NDArray[np.bool_]:
    r"""Diagonal of :math:`\prod_{j=1}^m D_j^c`, the product in Eqs. (13)-(14).

    ``Z`` has shape (n, m) (or (n,) for one neuron, or (..., n, m) for a
    batch); entry ``i`` is True iff :math:`a_i^T x_j < 0` for every neuron
    ``j``, the complement of :func:`activation_mask` taken jointly over
    neurons (the last axis).
    """
    Z = np.asarray(Z)
    if Z.ndim == 1:
        return ~activation_mask(Z)
    # an array for Z of two or more axes, which numpy's types do not know for any(axis=...)
    return cast("NDArray[np.bool_]", ~activation_mask(Z).any(axis=-1))
