r"""The rays of the central arrangement of A's rows, and its cells found from them (no linear programs).

Everything about the arrangement :math:`\{x : a_i^T x = 0\}` is invariant
along :math:`\mathrm{null}(A)`. With :math:`r = \mathrm{rank}\,A` and
:math:`V` (d x r) an orthonormal basis of A's row space, work with
:math:`B = AV` (n x r, full column rank) and map back by :math:`x = Vw`.
Every full-dimensional cell of the arrangement of B's rows is then a
*pointed* polyhedral cone, the conic hull of its extreme rays.

**Rays.** A ray of the arrangement is a unit direction :math:`u` whose
incident rows :math:`Z(u) = \{i : b_i^T u = 0\}` span an (r-1)-dimensional
space (for r = 1, :math:`u = \pm 1`). Each (r-1)-subset of rows of rank r-1
gives one line, the null space of the subset, and both of its unit
directions; subsets whose rows meet on the same line give the same ray, and
rays are deduplicated by their sign vector :math:`\sigma(u) =
\mathrm{sign}(Bu) \in \{-1, 0, 1\}^n`, which determines the ray (its zero
set fixes the line, its signs the half). "= 0" is decided on unit rows and
unit rays: :math:`|\hat b_i^T u| \le` :data:`~.tolerances.RAY_TIE_RTOL`;
a value between that and :data:`~.tolerances.RAY_SIGN_RTOL` (or an
(r-1)-subset whose smallest singular value lies there) cannot be decided in
float64 and is refused with :class:`~.errors.SolveError` rather than guessed.
Above it the side is certain, so thin cells are found exactly (the LP
method cannot resolve a cell whose largest margin is below
:data:`~.arrangement.CELL_MARGIN_TOL`).

**Cells from rays.** The closed cell of sign pattern :math:`s` contains the
ray :math:`u` iff :math:`s_i b_i^T u \ge 0` for every i, and then :math:`u`
is one of its extreme rays (the rows tight at u span r - 1 dimensions).
The cells whose closure contains :math:`u` are, near :math:`u`,

.. math::

    \{\sigma_i(u) \text{ on the rows off } u\} \times
    \{\text{cells of the arrangement of the rows } Z(u) \text{ in } u^\perp\},

the second an arrangement of rank r - 1 in :math:`u^\perp` (recursively the
same method; when :math:`|Z(u)| = r - 1` its rows are independent and its
cells are all :math:`2^{r-1}` orthants; for r = 1 it has one cell). Every
pointed cone has an extreme ray, so the union over the rays is every cell,
and the rays a cell is found at are exactly its extreme rays. A cell's
witness is the sum of its unit extreme rays (an interior point of a pointed
cone), scaled into the box :math:`\|x\|_\infty \le 1`, checked in float64
to be strictly inside its cell (:func:`~.arrangement.enumerate_cells` asks
more: a margin above :data:`~.arrangement.CELL_MARGIN_TOL`).

Zero rows split nothing and are active in every cell (pattern True, the
paper's :math:`D_i = 1` iff :math:`a_i^T x \ge 0`); their sign at every ray
is 0. All zero (r = 0): one cell, no ray.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .arrangement import DEFAULT_MAX_CELLS, pattern_order, refuse_if_too_many
from .errors import SolveError
from .records import freeze_arrays
from .tolerances import RAY_SIGN_RTOL, RAY_TIE_RTOL
from .validation import as_matrix, check_positive_int

__all__ = ["RayArrangement", "RowSpace", "arrangement_rays", "enumerate_rays", "row_space"]


@dataclass(frozen=True)
class RowSpace:
    r"""An orthonormal basis ``V`` (d x r) of A's row space, ``B = A V`` (n x r) and the nonzero rows.

    ``rank`` is r, numpy's numerical rank of A (singular values above
    :math:`\max(n, d)\,\epsilon\,\sigma_1`).
    """

    V: NDArray[np.float64]
    B: NDArray[np.float64]
    nonzero: NDArray[np.intp]

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def rank(self) -> int:
        """r, the dimension of the row space."""
        return int(self.V.shape[1])


def row_space(A: NDArray[np.float64]) -> RowSpace:
    r"""The row space of A: ``V`` from the SVD :math:`A = U \Sigma V^T`, ``B = A V``, the nonzero rows."""
    n, d = A.shape
    nonzero = np.flatnonzero(np.any(A != 0.0, axis=1))
    if nonzero.size == 0:
        return RowSpace(np.zeros((d, 0)), np.zeros((n, 0)), nonzero)
    _, s, vt = np.linalg.svd(A, full_matrices=False)
    r = int(np.count_nonzero(s > max(n, d) * np.finfo(np.float64).eps * s[0]))
    V = np.ascontiguousarray(vt[:r].T)
    return RowSpace(V, A @ V, nonzero)


def _unit(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _undecidable(size: NDArray[np.float64]) -> float | None:
    r"""The smallest of ``size`` (unit-scale magnitudes) between RAY_TIE_RTOL and RAY_SIGN_RTOL, or None.

    Such a magnitude is neither a tie nor a sign that float64 can be trusted
    with; the callers refuse the arrangement rather than guess.
    """
    near = (size > RAY_TIE_RTOL) & (size <= RAY_SIGN_RTOL)
    return float(size[near].min()) if np.any(near) else None


def _signs(unit_rows: NDArray[np.float64], U: NDArray[np.float64]) -> NDArray[np.int8]:
    r"""Sign vectors (R, k) of unit rays ``U`` (R, r) on unit rows, ties within RAY_TIE_RTOL; refuses a near tie."""
    values = U @ unit_rows.T
    size = np.abs(values)
    near = _undecidable(size)
    if near is not None:
        raise SolveError(
            f"a row passes within {near:.2g} of a ray of the arrangement (unit vectors), "
            f"between the tie tolerance {RAY_TIE_RTOL:g} and {RAY_SIGN_RTOL:g}: whether it passes through the ray "
            "cannot be decided in float64"
        )
    signs = np.sign(values).astype(np.int8)
    signs[size <= RAY_TIE_RTOL] = 0
    return signs


def _lines(unit_rows: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Unit null directions (one per line, sign arbitrary) of every (r-1)-subset of rank r-1 of the rows (k, r)."""
    k, r = unit_rows.shape
    subsets = np.array(list(itertools.combinations(range(k), r - 1)), dtype=np.intp).reshape(-1, r - 1)
    _, s, vt = np.linalg.svd(unit_rows[subsets], full_matrices=True)
    smallest = s[:, -1]
    near = _undecidable(smallest)
    if near is not None:
        raise SolveError(
            f"{r - 1} rows of the arrangement are within {near:.2g} of linear dependence "
            f"(smallest singular value of unit rows), between {RAY_TIE_RTOL:g} and {RAY_SIGN_RTOL:g}: whether "
            "they meet in a line cannot be decided in float64"
        )
    return np.asarray(vt[smallest > RAY_TIE_RTOL, -1, :], dtype=np.float64)


def _rays(B: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    r"""The rays (R, r) of the arrangement of B's rows (all nonzero, rank r = B.shape[1]) and their signs (R, k)."""
    unit_rows = _unit(B)
    r = B.shape[1]
    lines = np.ones((1, 1)) if r == 1 else _lines(unit_rows)
    U = np.vstack([lines, -lines])
    signs = _signs(unit_rows, U)
    _, first = np.unique(signs, axis=0, return_index=True)
    first.sort()
    return U[first], signs[first]


def _orthogonal_complement(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """An orthonormal basis (r, r-1) of the complement of the unit vector u."""
    return np.asarray(np.linalg.svd(u[None, :], full_matrices=True)[2][1:].T, dtype=np.float64)


def _local_patterns(B: NDArray[np.float64]) -> NDArray[np.bool_]:
    r"""Every cell (True where :math:`b_i^T w > 0`) of the arrangement of B's rows, all nonzero, of full rank r."""
    k, r = B.shape
    if k == r:  # independent rows: every orthant
        return np.array(list(itertools.product((True, False), repeat=k)), dtype=bool).reshape(2**k, k)
    if r == 1:
        return np.array([B[:, 0] > 0, B[:, 0] < 0], dtype=bool)
    U, signs = _rays(B)
    return np.array(list(_cells_at_rays(B, U, signs)), dtype=bool).reshape(-1, k)


def _cells_at_rays(B: NDArray[np.float64], U: NDArray[np.float64], signs: NDArray[np.int8]) -> dict[tuple[bool, ...], list[int]]:
    """Each cell's pattern, mapped to the indices of the rays in its closure (its extreme rays)."""
    cells: dict[tuple[bool, ...], list[int]] = {}
    for j, (u, sigma) in enumerate(zip(U, signs)):
        through = sigma == 0
        local = _local_patterns(B[through] @ _orthogonal_complement(u))
        pattern = sigma > 0
        for p in local:
            pattern[through] = p
            cells.setdefault(tuple(pattern.tolist()), []).append(j)
    return cells


@dataclass(frozen=True)
class RayArrangement:
    r"""The rays and the cells of the central arrangement of A's rows; arrays read-only.

    Attributes
    ----------
    rays : ndarray (R, d)
        Unit directions :math:`x_u = V u` of the rays, in A's row space.
    ray_signs : ndarray of int8 (R, n)
        :math:`\mathrm{sign}(a_i^T x_u)`, 0 where row i passes through the
        ray (zero rows: 0 at every ray).
    patterns : ndarray of bool (K, n)
        The cells, True where :math:`a_i^T x > 0` inside (zero rows True),
        sorted as :func:`~.arrangement.enumerate_cells` sorts them.
    witnesses : ndarray (K, d)
        Each cell's sum of unit extreme rays, scaled to
        :math:`\|x\|_\infty = 1` (zero when A is zero).
    margins : ndarray (K,)
        :math:`\min_i |\hat a_i^T x|` over the nonzero rows at each witness,
        positive (``inf`` when A is zero).
    offsets, members : ndarray of intp (K + 1,), (sum of the cells' ray counts,)
        Cell c's extreme rays are ``members[offsets[c]:offsets[c + 1]]``
        (see :meth:`cell_rays`).
    n, d, rank : int
    """

    rays: NDArray[np.float64]
    ray_signs: NDArray[np.int8]
    patterns: NDArray[np.bool_]
    witnesses: NDArray[np.float64]
    margins: NDArray[np.float64]
    offsets: NDArray[np.intp]
    members: NDArray[np.intp]
    n: int
    d: int
    rank: int

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def cells(self) -> int:
        """Number of cells."""
        return int(self.patterns.shape[0])

    def cell_rays(self, c: int) -> NDArray[np.intp]:
        """Indices (into :attr:`rays`) of the extreme rays of cell ``c``."""
        return self.members[self.offsets[c] : self.offsets[c + 1]]


def arrangement_rays(A: ArrayLike) -> tuple[RowSpace, NDArray[np.float64], NDArray[np.int8]]:
    r"""The rays of the arrangement of A's rows: ``(row space, rays (R, d), signs (R, n))``; see the module docstring."""
    A = as_matrix(A)
    space = row_space(A)
    n, d = A.shape
    if space.rank == 0:
        return space, np.zeros((0, d)), np.zeros((0, n), dtype=np.int8)
    U, local = _rays(space.B[space.nonzero])
    signs = np.zeros((U.shape[0], n), dtype=np.int8)
    signs[:, space.nonzero] = local
    return space, U @ space.V.T, signs


def enumerate_rays(A: ArrayLike, *, max_cells: int = DEFAULT_MAX_CELLS) -> RayArrangement:
    r"""The rays and every full-dimensional cell of the central arrangement of A's rows, without linear programs.

    Parameters
    ----------
    A : array_like, shape (n, d)
    max_cells : int
        Refuse, before starting, when Cover's bound of the nonzero rows in
        :math:`\mathbb{R}^d` exceeds this (as :func:`~.arrangement.enumerate_cells`).

    Returns
    -------
    RayArrangement

    Raises
    ------
    InvalidInputError
        Malformed ``A`` or ``max_cells``, or too many possible cells.
    SolveError
        A near-degenerate arrangement that float64 cannot decide (see the
        module docstring).
    """
    A = as_matrix(A)
    max_cells = check_positive_int(max_cells, "max_cells")
    n, d = A.shape
    space = row_space(A)
    refuse_if_too_many(space.nonzero.size, n, d, max_cells)
    if space.rank == 0:
        return RayArrangement(
            rays=np.zeros((0, d)), ray_signs=np.zeros((0, n), dtype=np.int8), patterns=np.ones((1, n), dtype=bool),
            witnesses=np.zeros((1, d)), margins=np.full(1, np.inf), offsets=np.zeros(2, dtype=np.intp),
            members=np.zeros(0, dtype=np.intp), n=n, d=d, rank=0,
        )  # fmt: skip
    B = space.B[space.nonzero]
    U, local = _rays(B)
    found = _cells_at_rays(B, U, local)
    signs = np.zeros((U.shape[0], n), dtype=np.int8)
    signs[:, space.nonzero] = local
    patterns = np.ones((len(found), n), dtype=bool)
    patterns[:, space.nonzero] = np.array(list(found), dtype=bool).reshape(len(found), -1)
    groups = list(found.values())
    order = pattern_order(patterns)
    groups = [groups[c] for c in order]
    rays = U @ space.V.T
    witnesses = np.array([rays[g].sum(axis=0) for g in groups]).reshape(len(groups), d)
    witnesses /= np.max(np.abs(witnesses), axis=1, keepdims=True)
    unit_rows = _unit(A[space.nonzero])
    margins = np.abs(witnesses @ unit_rows.T).min(axis=1)
    # an interior point of its cell: strictly off every hyperplane, on the cell's side of each
    if not (np.all(margins > 0.0) and np.array_equal(witnesses @ A.T >= 0.0, patterns[order])):
        raise SolveError("a cell's witness (the sum of its extreme rays) is not strictly inside the cell")
    sizes = np.array([len(g) for g in groups], dtype=np.intp)
    return RayArrangement(
        rays=rays, ray_signs=signs, patterns=patterns[order], witnesses=witnesses, margins=margins,
        offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp),
        members=np.array([j for g in groups for j in g], dtype=np.intp), n=n, d=d, rank=space.rank,
    )  # fmt: skip
