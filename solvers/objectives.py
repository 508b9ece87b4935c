r"""The four objectives of the paper and their (generalised) gradients.

Scaling. The paper puts a factor 1/2 in (1) and (9) but not in (3) and (14),
and its gradient (13) carries a factor 2 that (2) and (5) do not. relurelax
uses **one scaling for all four objectives: a factor 1/2 on every squared
norm and on every linear term that the paper doubles**,

.. math::

    f(x)      &= \tfrac12 \|g(Ax) - y\|_2^2                                   && (1) \\
    f_r(x)    &= \tfrac12 \|g(Ax)\|_2^2 - y^T A x + \tfrac12\|y\|_2^2         && \tfrac12\,(3) \\
    f_m(X)    &= \tfrac12 \|\textstyle\sum_j g(Ax_j) - y\|_2^2                && (9) \\
    f_{mp}(X) &= \tfrac12 \|r\|_2^2 - y^T \textstyle\prod_j D_j^c A \sum_j x_j  && \tfrac12\,(14)

with :math:`r = \sum_j g(Ax_j) - y` (Eq. (10)). With this scaling the updates
(2) and (5) are *exactly* gradient steps of step :math:`\mu` on :math:`f` and
:math:`f_r`, and (17) is a gradient step of step :math:`\mu` on
:math:`f_{mp}` with the gradient (13) divided by 2 (the paper's (17) with its
factor 2 is our step :math:`2\mu`).

Gradients use the activation convention of :mod:`.activation`
(:math:`D_i = 1` iff :math:`a_i^T x \ge 0`). Where no entry of :math:`AX` is
zero every objective is differentiable and these are its gradients; at a tie
they are the paper's choice of generalised gradient.

For one neuron, :math:`f_m = f` and :math:`f_{mp} = f_r` identically (expand
:math:`y^T g(Ax) = y^T D A x` in :math:`f_{mp}`), and the RGD direction (13)
reduces to :math:`A^T r`, the update (5).

Parameters ``x`` may be a vector of length d or a (d, 1) matrix; ``X`` may be
(d, m) or a vector (one neuron). Gradients come back in the input's shape.
"""

from __future__ import annotations

from typing import TypeAlias, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .validation import as_matrix, as_parameters, check_finite_value, check_problem
from .activation import activation_mask, all_inactive_mask, relu
from .errors import InvalidInputError
from .scaling import safe_norm, square_safe

__all__ = [
    "objective",
    "relaxed_objective",
    "multi_neuron_objective",
    "regularized_objective",
    "objective_gradient",
    "relaxed_objective_gradient",
    "multi_neuron_objective_gradient",
    "regularized_objective_gradient",
    "gd_direction",
    "residual",
    "network_output",
    "loss_from",
    "relaxed_from",
    "regularized_from",
    "rgd_objective_from",
    "PointValues",
]

#: what a kernel below returns: a float for one point (Z of shape (n, m)), an array over the batch axes for a batch
PointValues: TypeAlias = float | NDArray[np.float64]


# --- kernels on pre-activations Z = A X (no validation; used by the descent loop)
#
# Z has shape (n, m), or (..., n, m) with leading batch axes (the batched engine of
# .batched); y broadcasts against (..., n). For 2-D Z the scalar kernels return
# Python floats. Every reduction is one BLAS call per vector (see _dot), so a batch
# gives bitwise the values of its members computed one at a time.


def _dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> PointValues:
    """Dot products over the last axis: ``float(a @ b)`` for vectors, an array for batches.

    A batch goes through ``matmul`` of (1, n) by (n, 1) blocks, which calls the
    same BLAS ``ddot`` per vector as ``a @ b`` does for one vector.
    """
    if a.ndim == 1 and b.ndim == 1:
        return float(a @ b)
    return np.matmul(a[..., None, :], b[..., :, None])[..., 0, 0]


def _norm(v: NDArray[np.float64]) -> PointValues:
    r"""Euclidean norms over the last axis without underflow or overflow: a float for a vector.

    Bitwise :math:`\sqrt{v^Tv}` of :func:`_dot` where the largest entry of a
    member is of moderate size (as :func:`~.scaling.safe_norm`); members with
    tiny or huge entries are recomputed one by one by
    :func:`~.scaling.safe_norm`, so a batch gives the values of its members.
    """
    if v.ndim == 1:
        return safe_norm(v)
    with np.errstate(over="ignore"):  # an overflowing member is recomputed below
        norms = np.sqrt(_dot(v, v))
    top = np.max(np.abs(v), axis=-1, initial=0.0)
    odd = (top > 0.0) & np.isfinite(top) & ~square_safe(top, v.shape[-1])
    for index in zip(*np.nonzero(odd)):
        norms[index] = safe_norm(v[index])
    return norms


def network_output(Z: NDArray[np.float64]) -> NDArray[np.float64]:
    """The network's output sum_j g(Z[..., j]) (model (8) without noise), for Z = A X."""
    if Z.shape[-1] == 1:  # one neuron: the same value without a reduction over a length-1 axis
        return relu(Z[..., 0])
    return relu(Z).sum(axis=-1)


def _residual(Z: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """r = sum_j g(Z[..., j]) - y, Eq. (10)."""
    return network_output(Z) - y


def loss_from(Z: NDArray[np.float64], y: NDArray[np.float64]) -> PointValues:
    r"""The loss :math:`f` (1) for one neuron, :math:`f_m` (9) for several, from the pre-activations Z = A X."""
    r = _residual(Z, y)
    return 0.5 * _dot(r, r)


def regularized_from(Z: NDArray[np.float64], y: NDArray[np.float64]) -> PointValues:
    r"""The regularised objective :math:`f_{mp}` (14), halved, from the pre-activations Z = A X."""
    r = _residual(Z, y)
    P = all_inactive_mask(Z)
    # y^T prod_j D_j^c A sum_j x_j, with A sum_j x_j = Z.sum(axis=-1)
    return 0.5 * _dot(r, r) - _dot(np.where(P, y, 0.0), Z.sum(axis=-1))


def relaxed_from(Z: NDArray[np.float64], y: NDArray[np.float64]) -> PointValues:
    r"""The relaxation :math:`f_r` (3), halved, of the first neuron's pre-activations ``Z[..., 0]``."""
    z = Z[..., 0]
    h = relu(z)
    y = np.broadcast_to(y, z.shape)
    return 0.5 * _dot(h, h) - _dot(y, z) + 0.5 * _dot(y, y)


def rgd_objective_from(Z: NDArray[np.float64], y: NDArray[np.float64]) -> PointValues:
    """The objective RGD descends: f_r for one neuron (Eq. (3)), f_mp for several (Eq. (14)).

    Not to be confused with :func:`relaxed_from`, which is f_r for every m.

    The two are the same function when m = 1; f_r's form is the one evaluated then.
    """
    return relaxed_from(Z, y) if Z.shape[-1] == 1 else regularized_from(Z, y)


def _gd_weights(Z: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """W with columns D_j r, so that the GD direction is A^T W."""
    r = _residual(Z, y)
    return activation_mask(Z) * r[..., None]


def _rgd_weights(Z: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """W with columns (D_j + prod_k D_k^c) r, so that the RGD direction (13)/2 is A^T W."""
    r = _residual(Z, y)
    if Z.shape[-1] == 1:
        # D + D^c = I: the direction is A^T r, update (5)
        return r[..., None]
    mask = activation_mask(Z)
    P = cast("NDArray[np.bool_]", ~mask.any(axis=-1))  # an array: Z has two or more axes
    return (mask | P[..., None]) * r[..., None]


# --- validated public API

#: overflow is reported by check_finite_value as a named error, not as a warning
_overflow_is_checked = np.errstate(over="ignore", invalid="ignore")


def _prepare(
    A: ArrayLike, y: ArrayLike, X: ArrayLike, *, single: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], bool]:
    A, y = check_problem(A, y)
    was_vector = np.ndim(X) == 1
    X = as_parameters(X, A.shape[1], "x" if single else "X")
    if single and X.shape[1] != 1:
        raise InvalidInputError(
            f"x must describe one neuron (shape (d,) or (d, 1)); got shape {X.shape}. "
            "Use the multi-neuron objectives for m > 1."
        )
    return A, y, X, was_vector


def _shaped(G: NDArray[np.float64], was_vector: bool) -> NDArray[np.float64]:
    return G[:, 0] if was_vector else G


def residual(A: ArrayLike, y: ArrayLike, X: ArrayLike) -> NDArray[np.float64]:
    r"""Residual :math:`r = \sum_j g(Ax_j) - y`, Eq. (10)."""
    A, y, X, _ = _prepare(A, y, X, single=False)
    return _residual(A @ X, y)


@_overflow_is_checked
def objective(A: ArrayLike, y: ArrayLike, x: ArrayLike) -> float:
    r"""Single-neuron loss :math:`f(x) = \tfrac12\|g(Ax) - y\|_2^2`, Eq. (1)."""
    A, y, X, _ = _prepare(A, y, x, single=True)
    return check_finite_value(float(loss_from(A @ X, y)), "f(x)")


@_overflow_is_checked
def relaxed_objective(A: ArrayLike, y: ArrayLike, x: ArrayLike) -> float:
    r"""Convex relaxation :math:`f_r(x) = \tfrac12\|g(Ax)\|^2 - y^TAx + \tfrac12\|y\|^2`, Eq. (3) halved."""
    A, y, X, _ = _prepare(A, y, x, single=True)
    return check_finite_value(float(relaxed_from(A @ X, y)), "f_r(x)")


@_overflow_is_checked
def multi_neuron_objective(A: ArrayLike, y: ArrayLike, X: ArrayLike) -> float:
    r"""Multi-neuron loss :math:`f_m(X) = \tfrac12\|\sum_j g(Ax_j) - y\|_2^2`, Eq. (9)."""
    A, y, X, _ = _prepare(A, y, X, single=False)
    return check_finite_value(float(loss_from(A @ X, y)), "f_m(X)")


@_overflow_is_checked
def regularized_objective(A: ArrayLike, y: ArrayLike, X: ArrayLike) -> float:
    r"""Regularised objective :math:`f_{mp}(X)`, Eq. (14) halved.

    :math:`f_{mp}(X) = \tfrac12\|r\|^2 - y^T \prod_j D_j^c A \sum_j x_j`.
    """
    A, y, X, _ = _prepare(A, y, X, single=False)
    return check_finite_value(float(regularized_from(A @ X, y)), "f_mp(X)")


def objective_gradient(A: ArrayLike, y: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    r"""Gradient of :math:`f`: :math:`A^T D (g(Ax) - y)`, the direction of GD (2)."""
    A, y, X, vec = _prepare(A, y, x, single=True)
    return _shaped(A.T @ _gd_weights(A @ X, y), vec)


def relaxed_objective_gradient(A: ArrayLike, y: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    r"""Gradient of :math:`f_r`: :math:`A^T (g(Ax) - y)`, the direction of RGD (5)."""
    A, y, X, vec = _prepare(A, y, x, single=True)
    return _shaped(A.T @ _rgd_weights(A @ X, y), vec)


def multi_neuron_objective_gradient(A: ArrayLike, y: ArrayLike, X: ArrayLike) -> NDArray[np.float64]:
    r"""Gradient of :math:`f_m`: column j is :math:`A^T D_j r` (Eq. (11) halved)."""
    A, y, X, vec = _prepare(A, y, X, single=False)
    return _shaped(A.T @ _gd_weights(A @ X, y), vec)


def regularized_objective_gradient(A: ArrayLike, y: ArrayLike, X: ArrayLike) -> NDArray[np.float64]:
    r"""Gradient of :math:`f_{mp}`: column j is :math:`A^T D_j r + A^T \prod_k D_k^c r`, Eq. (13) halved.

    Equal to the true gradient of :func:`regularized_objective` wherever no
    entry of :math:`AX` is zero (Proposition 2).
    """
    A, y, X, vec = _prepare(A, y, X, single=False)
    return _shaped(A.T @ _rgd_weights(A @ X, y), vec)


#: GD direction for any m: gradient of f_m (equals Eq. (2) for m = 1).
gd_direction = multi_neuron_objective_gradient