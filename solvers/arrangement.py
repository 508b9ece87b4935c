r"""The cells of the central hyperplane arrangement of A's rows, each with an interior witness.

On each cell of the arrangement :math:`\{x : a_i^T x = 0\}_{i=1}^n` the
activation pattern :math:`D` of one neuron (:mod:`.activation`) is fixed, so
enumerating the cells enumerates the patterns a neuron can take on the data.

A *cell* is a full-dimensional (open, nonempty) region

.. math::

    C(s) = \{x \in \mathbb{R}^d : s_i a_i^T x > 0 \ \text{for every nonzero row } a_i\},
    \qquad s_i \in \{+1, -1\},

described by its sign pattern (True where :math:`s_i = +1`) and a witness
:math:`x \in C(s)`. A zero row has :math:`a_i^T x = 0` at every :math:`x`:
it splits nothing and, under the paper's convention :math:`(D)_{ii} = 1`
iff :math:`a_i^T x \ge 0`, is active in every cell (pattern True). So for
every cell, ``patterns[c] == activation_mask(A @ witnesses[c])``.

Cover's count (Cover 1965): :math:`n` hyperplanes through the origin of
:math:`\mathbb{R}^d` in general position (every :math:`\min(n, d)` of the
normals linearly independent) cut it into exactly

.. math::

    C(n, d) = 2 \sum_{k=0}^{d-1} \binom{n-1}{k}

cells, and no central arrangement of :math:`n` hyperplanes in
:math:`\mathbb{R}^d` has more: :math:`C(n, d) = 2^n` for :math:`d \ge n`,
:math:`C(n, 1) = 2`, :math:`C(n, 2) = 2n`; polynomial in :math:`n` for fixed
:math:`d`, where the sign patterns number :math:`2^n`.

Method ``"lp"`` (incremental; the default ``"rays"`` is in :mod:`.rays`): start from :math:`\mathbb{R}^d`, one cell; add the
nonzero rows one at a time, normalised to :math:`\hat a_i = a_i / \|a_i\|_2`.
Row :math:`i` splits a cell with constraints :math:`s_k \hat a_k^T x > 0`
(:math:`k < i`) iff both sides are nonempty; side :math:`\sigma` is tested
by the linear program

.. math::

    \max_{x, t} \ t \quad \text{s.t.} \quad s_k \hat a_k^T x \ge t \ (k < i), \quad
    \sigma \hat a_i^T x \ge t, \quad \|x\|_\infty \le 1, \quad 0 \le t \le 1

(HiGHS through ``scipy.optimize.linprog``); the side whose sign the cell's
witness already has is witnessed without an LP. Most cells are not split, and
the other side's LP is skipped when a Farkas certificate shows it empty:
:math:`\lambda \ge 0` (non-negative least squares) with residual
:math:`r = -\sigma \hat a_i - \sum_k \lambda_k s_k \hat a_k` bounds the
LP's optimum by :math:`t \le \|r\|_1 / (1 + \sum_k \lambda_k)`; when that
is at most half of :data:`CELL_MARGIN_TOL` the LP could accept no point, so
the cells found are those the LP alone would find. A side is accepted only when
its LP point, checked again in float64, has margin
:math:`\min_k s_k \hat a_k^T x > ` :data:`CELL_MARGIN_TOL`, so every reported
cell is proved nonempty by its witness (the distance of the witness to each
hyperplane is its margin). At the end each cell's witness is moved to the LP
point of largest margin in the cell (one more LP per cell, unless the
witness is the LP point of largest margin over the rows of an earlier cell
and keeps that margin over all rows, which makes it the largest), so a witness is
well inside its cell, not near a hyperplane added after it was found. A cell is missed only if its largest inscribed
margin within the box is below that tolerance, which rows in general position
with moderate condition do not produce. Rows that are parallel (:math:`a_i =
c a_k`, either sign of :math:`c`) give the same hyperplane and split nothing;
a rank-deficient ``A`` is handled as is (its cells are products of the cells
of the row space with the null space, full-dimensional in
:math:`\mathbb{R}^d`).

Nothing is random: the same ``A`` gives the same cells, witnesses and order
(cells sorted by pattern, lexicographically, True first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InvalidInputError, SolveError
from .records import freeze_arrays
from .validation import as_matrix, check_positive_int

__all__ = ["Arrangement", "CELL_MARGIN_TOL", "DEFAULT_MAX_CELLS", "cells_over_limit", "cover_bound", "enumerate_cells",
           "too_many_cells"]

#: the most cells :func:`enumerate_cells` enumerates unless told otherwise (Cover's bound of
#: 60 rows in general position in R^3 is 3542)
DEFAULT_MAX_CELLS = 10_000
#: smallest accepted margin of a witness: its distance to every hyperplane, for unit normals and
#: a witness in the box ||x||_inf <= 1; ten times HiGHS's primal feasibility tolerance (1e-7), so
#: an accepted LP point is inside its cell however HiGHS rounded
CELL_MARGIN_TOL = 1e-6
#: two float64 evaluations of one witness's margin (in different summation orders) agree to this
_SAME_MARGIN = 1e-12


@dataclass(frozen=True)
class Arrangement:
    r"""The full-dimensional cells of the central arrangement of A's rows.

    Attributes
    ----------
    patterns : ndarray of bool, shape (cells, n)
        Row ``c`` is cell ``c``'s sign pattern: True where :math:`a_i^T x > 0`
        inside the cell, and for zero rows (tie everywhere, active by the
        paper's :math:`\ge` convention); the diagonal of its :math:`D`.
    witnesses : ndarray of float64, shape (cells, d)
        An interior point of each cell, in the box :math:`\|x\|_\infty \le 1`.
    margins : ndarray of float64, shape (cells,)
        :math:`\min_i |a_i^T x| / \|a_i\|_2` over the nonzero rows at each
        witness (its distance to the nearest hyperplane), each above
        :data:`CELL_MARGIN_TOL`: the largest margin of a point of the cell in
        the box, up to HiGHS's tolerance; ``inf`` when every row is zero.
    n, d : int
        The shape of ``A``.
    """

    patterns: NDArray[np.bool_]
    witnesses: NDArray[np.float64]
    margins: NDArray[np.float64]
    n: int
    d: int

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def cells(self) -> int:
        """Number of cells."""
        return int(self.patterns.shape[0])


def cover_bound(n: int, d: int) -> int:
    r"""Cover's count :math:`2 \sum_{k<d} \binom{n-1}{k}` of the cells of n central hyperplanes in general position.

    The most cells any central arrangement of ``n`` hyperplanes in
    :math:`\mathbb{R}^d` can have. Small cases: ``2**n`` when ``d >= n``;
    2 when ``d == 1``; ``2 * n`` when ``d == 2``.

    Parameters
    ----------
    n : int
        Number of hyperplanes, at least 1.
    d : int
        Dimension, at least 1.

    Returns
    -------
    int
    """
    n = check_positive_int(n, "n")
    d = check_positive_int(d, "d")
    return 2 * sum(math.comb(n - 1, k) for k in range(d))


def largest_margin_point(rows: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    r"""The point of the box :math:`\|x\|_\infty \le 1` of largest margin over ``rows``, and HiGHS's margin.

    The LP :math:`\max t` s.t. :math:`\text{rows}\, x \ge t`, :math:`0 \le t \le 1`
    (with unit rows the margin is a distance to the hyperplanes). It is
    always feasible and bounded (x = 0, t = 0), so a HiGHS failure is a
    :class:`~.errors.SolveError`, never an empty cell. Callers accept the point
    by its margin recomputed in float64.
    """
    from scipy.optimize import linprog

    k, d = rows.shape
    # variables (x, t): maximise t subject to t - rows @ x <= 0
    c = np.zeros(d + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-rows, np.ones((k, 1))])
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(k), bounds=[(-1.0, 1.0)] * d + [(0.0, 1.0)], method="highs")
    if res.status != 0 or res.x is None:
        raise SolveError(f"HiGHS failed on the margin LP of a cell ({k} rows in R^{d}): {res.message}")
    return np.clip(np.asarray(res.x[:d], dtype=np.float64), -1.0, 1.0), float(-res.fun)


def _side_lp(rows: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """A point x of the box with ``rows @ x > CELL_MARGIN_TOL`` (largest margin by LP), or None."""
    x, _ = largest_margin_point(rows)
    return x if float(np.min(rows @ x)) > CELL_MARGIN_TOL else None


def _side_is_thin(signed: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    r"""Whether a Farkas certificate proves that no box point has ``signed @ z >= t`` and ``b @ z >= t`` with t > tol.

    With :math:`\lambda \ge 0` from non-negative least squares and the
    residual :math:`r = -b - \text{signed}^T \lambda`, every :math:`z` of
    the box with :math:`\text{signed}\, z \ge t`, :math:`b^T z \ge t` has
    :math:`t (1 + \textstyle\sum \lambda) \le -r^T z \le \|r\|_1`; so
    when :math:`\|r\|_1 / (1 + \sum \lambda)` is at most half of
    :data:`CELL_MARGIN_TOL` the side's LP (:func:`_side_lp`) could accept no
    point, and is not needed. False when there is no such certificate (the
    LP decides).
    """
    if signed.shape[0] == 0:
        return False
    from scipy.optimize import nnls

    try:
        lam, _ = nnls(signed.T, -b)
    except RuntimeError:  # nnls's iteration limit: no certificate
        return False
    residual = -b - signed.T @ lam
    return float(np.sum(np.abs(residual))) / (1.0 + float(np.sum(lam))) <= 0.5 * CELL_MARGIN_TOL


#: a cell while the rows are added: its signs on the rows so far, its witness, and the largest
#: margin of the LP that found the witness over the rows it then had (-inf for the first cell)
_Cell = tuple[NDArray[np.float64], NDArray[np.float64], float]


def _split(unit: NDArray[np.float64], a: NDArray[np.float64], cell: _Cell) -> list[_Cell]:
    """The nonempty sides at row a of a cell on the rows ``unit`` added before it, as cells."""
    signs, x, best = cell
    signed = signs[:, None] * unit
    value = float(a @ x)
    sides: list[_Cell] = []
    for sigma in (1.0, -1.0):
        if sigma * value > CELL_MARGIN_TOL:
            sides.append((np.append(signs, sigma), x, best))  # the old witness has this sign, with margin
            continue
        if _side_is_thin(signed, sigma * a):
            continue  # a Farkas certificate: the LP would find no point at margin either
        rows = np.vstack([signed, sigma * a])
        z = _side_lp(rows)
        if z is not None:
            sides.append((np.append(signs, sigma), z, float(np.min(rows @ z))))
    return sides


def cells_over_limit(n_nonzero: int, d: int, max_cells: int | None = None, *, limit_name: str = "the limit ") -> str:
    r"""Why ``n_nonzero`` nonzero rows in :math:`\mathbb{R}^d` cannot be enumerated, or ``""``.

    The one cell-limit test: Cover's bound :math:`2\sum_{k<d}\binom{n-1}{k}` of
    the nonzero rows against ``max_cells`` (default :data:`DEFAULT_MAX_CELLS`),
    as a sentence that names the count and the limit. It needs only the
    counts, so a caller can refuse an instance before allocating it.
    ``limit_name`` is how the caller's user spells the limit (``"--max-cells "``).
    """
    limit = DEFAULT_MAX_CELLS if max_cells is None else max_cells
    count = cover_bound(n_nonzero, d) if n_nonzero else 1
    if count <= limit:
        return ""
    return (f"up to {count} cells (Cover's bound 2 sum_(k<d) C(n-1, k) for {n_nonzero} nonzero rows in R^{d}), "
            f"over {limit_name}{limit}")  # fmt: skip


def too_many_cells(A: NDArray[np.float64], max_cells: int | None = None) -> str:
    r"""Why A's cells cannot be enumerated, or ``""``: :func:`cells_over_limit` of A's nonzero rows."""
    return cells_over_limit(int(np.count_nonzero(np.any(A != 0.0, axis=1))), A.shape[1], max_cells)


def refuse_if_too_many(n_nonzero: int, n: int, d: int, max_cells: int) -> None:
    """Raise :class:`InvalidInputError` with :func:`cells_over_limit`'s sentence when the cells are too many."""
    why = cells_over_limit(n_nonzero, d, max_cells, limit_name="max_cells=")
    if why:
        raise InvalidInputError(f"the arrangement of A's {n} rows has {why}; pass "
                                f"max_cells={cover_bound(n_nonzero, d)} or more to enumerate them")  # fmt: skip


#: the methods of :func:`enumerate_cells`
ENUMERATION_METHODS = ("rays", "lp")


def enumerate_cells(A: ArrayLike, *, max_cells: int = DEFAULT_MAX_CELLS, method: str = "rays") -> Arrangement:
    r"""Every full-dimensional cell of the central arrangement :math:`\{x : a_i^T x = 0\}` of A's rows.

    See the module docstring for the treatment of zero, parallel and
    rank-deficient rows. ``method="rays"`` (default) finds the cells at the
    rays of the arrangement (:mod:`.rays`, no linear program until the
    witnesses are centred); ``method="lp"`` splits cells row by row with
    linear programs (the module docstring), the reference. Both return the
    same record: each witness is moved to the LP point of largest margin in
    its cell.

    Parameters
    ----------
    A : array_like, shape (n, d)
        The data matrix; each nonzero row is the normal of one hyperplane.
    max_cells : int
        Refuse, before starting, when Cover's bound :func:`cover_bound` of
        the nonzero rows in :math:`\mathbb{R}^d` exceeds this.
    method : ``"rays"`` or ``"lp"``.

    Returns
    -------
    Arrangement

    Raises
    ------
    InvalidInputError
        On a malformed ``A``, ``max_cells`` or ``method``, or an instance that
        could have more than ``max_cells`` cells (the message gives the bound).
    SolveError
        If a cell is too thin to resolve at :data:`CELL_MARGIN_TOL` (method
        ``"lp"``: neither side of a hyperplane has a point at that margin;
        method ``"rays"``: a near-degenerate arrangement, see :mod:`.rays`).
    """
    A = as_matrix(A)
    max_cells = check_positive_int(max_cells, "max_cells")
    if method not in ENUMERATION_METHODS:
        raise InvalidInputError(f"method must be one of {ENUMERATION_METHODS}; got {method!r}")
    if method == "rays":
        return _cells_by_rays(A, max_cells)
    return _cells_by_lp(A, max_cells)


def _cells_by_rays(A: NDArray[np.float64], max_cells: int) -> Arrangement:
    from .rays import enumerate_rays  # rays imports this module's constants

    rays = enumerate_rays(A, max_cells=max_cells)
    norms = np.linalg.norm(A, axis=1)
    nonzero = np.flatnonzero(norms > 0.0)
    unit = A[nonzero] / norms[nonzero, None]
    cells = []
    for pattern, witness in zip(rays.patterns, rays.witnesses):
        signs = np.where(pattern[nonzero], 1.0, -1.0)
        cells.append((signs, _centre(signs[:, None] * unit, witness, np.inf)))
    result = _arrangement(A, nonzero, unit, cells)
    if not np.all(result.margins > CELL_MARGIN_TOL):  # the record promises witnesses at least this far inside
        raise SolveError(
            f"a cell of the arrangement is too thin to resolve: its largest margin is "
            f"{float(result.margins.min()):.2g}, not above {CELL_MARGIN_TOL:g} (near-parallel rows?)"
        )
    return result


def _cells_by_lp(A: NDArray[np.float64], max_cells: int) -> Arrangement:
    n, d = A.shape
    norms = np.linalg.norm(A, axis=1)
    nonzero = np.flatnonzero(norms > 0.0)
    refuse_if_too_many(nonzero.size, n, d, max_cells)
    unit = A[nonzero] / norms[nonzero, None]
    cells: list[_Cell] = [(np.ones(0), np.zeros(d), -np.inf)]
    for i, a in enumerate(unit):
        grown: list[_Cell] = []
        for cell in cells:
            sides = _split(unit[:i], a, cell)
            if not sides:
                raise SolveError(
                    f"a cell of the arrangement is too thin to resolve: neither side of row {int(nonzero[i])} "
                    f"has a point at margin {CELL_MARGIN_TOL:g} (near-parallel rows?)"
                )
            grown.extend(sides)
        cells = grown
    # a witness kept from a parent cell may lie close to a hyperplane added later: re-centre each
    # cell once, at the end, at the point of largest margin
    centred = [(signs, _centre(signs[:, None] * unit, x, best)) for signs, x, best in cells]
    return _arrangement(A, nonzero, unit, centred)


def _centre(signed: NDArray[np.float64], x: NDArray[np.float64], best: float) -> NDArray[np.float64]:
    r"""The LP point of largest margin in the cell {z : signed @ z > 0}, or x if that one is not better.

    When x was the LP point of largest margin ``best`` over a subset of the
    rows and keeps that margin over all of them, it is already the largest
    (more rows only shrink the cell) and no LP is run.
    """
    if signed.shape[0] == 0:
        return x
    margin = float(np.min(signed @ x))
    if margin >= best - _SAME_MARGIN:
        return x
    z = _side_lp(signed)
    return z if z is not None and float(np.min(signed @ z)) > margin else x


def pattern_order(patterns: NDArray[np.bool_]) -> NDArray[np.intp]:
    """The order that sorts the patterns (K, n) lexicographically, True before False (the cells' order)."""
    return np.lexsort(~patterns.T[::-1]).astype(np.intp)


def _arrangement(
    A: NDArray[np.float64],
    nonzero: NDArray[np.intp],
    unit: NDArray[np.float64],
    cells: list[tuple[NDArray[np.float64], NDArray[np.float64]]],
) -> Arrangement:
    n, d = A.shape
    patterns = np.ones((len(cells), n), dtype=bool)  # zero rows: active in every cell
    patterns[:, nonzero] = np.array([signs > 0 for signs, _ in cells], dtype=bool).reshape(len(cells), -1)
    witnesses = np.array([x for _, x in cells], dtype=np.float64).reshape(len(cells), d)
    values = np.abs(witnesses @ unit.T)
    margins = values.min(axis=1) if unit.shape[0] else np.full(len(cells), np.inf)
    order = pattern_order(patterns)
    return Arrangement(patterns=patterns[order], witnesses=witnesses[order], margins=margins[order], n=n, d=d)
