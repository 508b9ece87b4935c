r"""The cells of the arrangement of A's rows against Cover's count and a brute force over all sign patterns.

The brute force below is the reference: for each of the :math:`2^n` sign
patterns, one LP asks whether the open cone
:math:`\{x : s_i a_i^T x > 0\}` has a point at a positive margin (zero rows
admit only the active sign, :math:`a_i^T x = 0 \ge 0`). It shares no code with
:mod:`relurelax.solvers.arrangement`.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

from relurelax.solvers import Arrangement, cover_bound, enumerate_cells
from relurelax.solvers.errors import InvalidInputError

from .reference import realisable_patterns

def _largest_margin(A, pattern):
    """max t with s_i a_i^T x / |a_i| >= t, |x|_inf <= 1 (s_i = +1 where pattern); None if a zero row is inactive."""
    rows = []
    for a, active in zip(A, pattern):
        norm = np.linalg.norm(a)
        if norm == 0.0:
            if not active:
                return None
            continue
        rows.append((a / norm) * (1.0 if active else -1.0))
    if not rows:
        return np.inf
    d = A.shape[1]
    res = linprog(np.r_[np.zeros(d), -1.0], A_ub=np.hstack([-np.array(rows), np.ones((len(rows), 1))]),
                  b_ub=np.zeros(len(rows)), bounds=[(-1, 1)] * d + [(0, 1)], method="highs")  # fmt: skip
    return -res.fun if res.status == 0 else None


def _patterns(result):
    return {tuple(bool(v) for v in row) for row in result.patterns}


def _assert_witnesses_have_their_patterns_strictly(A, result):
    for pattern, x in zip(result.patterns, result.witnesses):
        values = A @ x
        assert np.array_equal(pattern, values >= 0)
        nonzero = np.linalg.norm(A, axis=1) > 0
        # strictly off every hyperplane of a nonzero row: the witness is interior
        assert np.all(np.abs(values[nonzero]) > 0)
        assert np.all(values[~nonzero] == 0)
        assert np.max(np.abs(x)) <= 1.0


def _gaussian(n, d, seed):
    return np.random.default_rng(seed).standard_normal((n, d))


def test_cover_bound_gives_the_known_small_counts():
    assert [cover_bound(n, 1) for n in (1, 2, 7)] == [2, 2, 2]
    assert [cover_bound(n, 2) for n in (1, 2, 5, 9)] == [2, 4, 10, 18]
    assert [cover_bound(n, d) for n, d in ((3, 3), (3, 5), (4, 4))] == [8, 8, 16]
    # 2 * (C(3,0) + C(3,1) + C(3,2)) = 2 * (1 + 3 + 3)
    assert cover_bound(4, 3) == 14
    assert cover_bound(60, 3) == 3542


@pytest.mark.parametrize("n, d", [(0, 2), (2, 0), (2.0, 1), (True, 1)])
def test_cover_bound_refuses_sizes_that_are_not_positive_integers(n, d):
    with pytest.raises(InvalidInputError):
        cover_bound(n, d)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 12])
def test_rows_in_general_position_give_exactly_covers_count_of_cells(n, d):
    A = _gaussian(n, d, seed=100 * n + d)
    result = enumerate_cells(A)
    assert result.cells == cover_bound(n, d)
    assert len(_patterns(result)) == result.cells
    _assert_witnesses_have_their_patterns_strictly(A, result)


@pytest.mark.parametrize("n, d, seed", [(10, 3, 1), (8, 4, 2), (9, 2, 3)])
def test_the_cells_of_rows_in_general_position_are_those_of_the_brute_force(n, d, seed):
    A = _gaussian(n, d, seed)
    result = enumerate_cells(A)
    assert _patterns(result) == realisable_patterns(A)
    _assert_witnesses_have_their_patterns_strictly(A, result)


def _degenerate(kind):
    rng = np.random.default_rng(7)
    base = rng.standard_normal((4, 3))
    if kind == "zero rows":
        return np.vstack([base[:2], np.zeros((1, 3)), base[2:], np.zeros((1, 3))])
    if kind == "duplicate, scaled and negated rows":
        return np.vstack([base, base[0], 2.5 * base[1], -base[2], -0.5 * base[0]])
    if kind == "rank-deficient":
        return rng.standard_normal((7, 2)) @ rng.standard_normal((2, 3))  # rank 2 in R^3
    if kind == "all of them":
        low = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))
        return np.vstack([low, -low[0], np.zeros((1, 3)), 3.0 * low[1]])
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["zero rows", "duplicate, scaled and negated rows", "rank-deficient", "all of them"])
def test_degenerate_rows_give_the_cells_of_the_brute_force(kind):
    A = _degenerate(kind)
    result = enumerate_cells(A)
    assert _patterns(result) == realisable_patterns(A)
    _assert_witnesses_have_their_patterns_strictly(A, result)


def test_repeated_hyperplanes_split_nothing_so_the_count_is_covers_count_of_the_distinct_ones():
    base = _gaussian(5, 3, seed=11)
    A = np.vstack([base, -base[1], 4.0 * base[3], base[0], np.zeros((2, 3))])
    result = enumerate_cells(A)
    assert result.cells == cover_bound(5, 3)
    # a zero row ties everywhere and is active in every cell (the paper's a_i^T x >= 0)
    assert np.all(result.patterns[:, -2:])
    # the negated row is the opposite of row 1, the scaled row equals row 3
    assert np.array_equal(result.patterns[:, 5], ~result.patterns[:, 1])
    assert np.array_equal(result.patterns[:, 6], result.patterns[:, 3])


def test_a_rank_deficient_matrix_has_the_cells_of_its_row_space():
    # rank 2 in R^4: six rows in general position within a plane cut R^4 like six lines cut R^2
    rng = np.random.default_rng(5)
    A = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))
    assert enumerate_cells(A).cells == cover_bound(6, 2)


def test_one_feature_gives_two_cells_when_a_row_is_nonzero_and_one_otherwise():
    A = np.array([[2.0], [0.0], [-0.5], [3.0]])
    result = enumerate_cells(A)
    assert _patterns(result) == {(True, True, False, True), (False, True, True, False)}
    _assert_witnesses_have_their_patterns_strictly(A, result)
    zero = enumerate_cells(np.zeros((3, 1)))
    assert _patterns(zero) == {(True, True, True)}


def test_an_instance_over_the_limit_is_refused_naming_its_count_and_how_to_raise_the_limit():
    A = _gaussian(60, 3, seed=0)
    with pytest.raises(InvalidInputError, match=r"up to 3542 cells.*max_cells=3541.*max_cells=3542"):
        enumerate_cells(A, max_cells=3541)


@pytest.mark.parametrize("max_cells", [0, -3, 2.5, True, "many"])
def test_a_limit_that_is_not_a_positive_integer_is_refused(max_cells):
    with pytest.raises(InvalidInputError, match="max_cells"):
        enumerate_cells(np.eye(2), max_cells=max_cells)


@pytest.mark.parametrize("A", [np.zeros(3), [[1.0, np.nan]], [[]], [["a", "b"]]])
def test_a_malformed_matrix_is_refused(A):
    with pytest.raises(InvalidInputError, match="A"):
        enumerate_cells(A)


def test_the_result_is_frozen_read_only_and_the_same_on_every_call():
    A = _gaussian(6, 3, seed=4)
    first, second = enumerate_cells(A), enumerate_cells(A)
    assert isinstance(first, Arrangement) and (first.n, first.d) == (6, 3)
    assert np.array_equal(first.patterns, second.patterns)
    assert np.array_equal(first.witnesses, second.witnesses)
    assert first.witnesses.dtype == np.float64 and first.patterns.dtype == np.bool_
    with pytest.raises(ValueError):
        first.patterns[0, 0] = not first.patterns[0, 0]
    with pytest.raises(AttributeError):
        first.n = 7  # type: ignore[misc]


def test_margins_are_the_distances_of_the_witnesses_to_the_nearest_hyperplane_and_the_largest_possible():
    A = _gaussian(7, 3, seed=9)
    result = enumerate_cells(A)
    distances = np.abs(result.witnesses @ A.T) / np.linalg.norm(A, axis=1)
    np.testing.assert_allclose(result.margins, distances.min(axis=1), rtol=1e-12)
    assert np.all(result.margins > 0)
    # the witness is the point of largest margin in the box, up to HiGHS's tolerances (1e-7, absolute)
    best = np.array([_largest_margin(A, p) for p in result.patterns])
    np.testing.assert_allclose(result.margins, best, rtol=0, atol=1e-6)


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.integers(1, 3).flatmap(
            lambda d: st.lists(st.integers(-2, 2), min_size=n * d, max_size=n * d).map(
                lambda v: np.array(v, dtype=float).reshape(n, d)
            )
        )
    )
)
def test_small_integer_matrices_give_the_cells_of_the_brute_force(A):
    result = enumerate_cells(A)
    assert _patterns(result) == realisable_patterns(A)
    _assert_witnesses_have_their_patterns_strictly(A, result)


def test_forty_rows_in_general_position_in_three_dimensions_give_covers_count_with_interior_witnesses():
    A = _gaussian(40, 3, seed=40)
    result = enumerate_cells(A)
    assert result.cells == cover_bound(40, 3) == 1562
    assert len(_patterns(result)) == result.cells
    _assert_witnesses_have_their_patterns_strictly(A, result)


@given(st.integers(0, 2**32 - 1), st.integers(2, 4), st.integers(1, 7))
def test_a_side_the_farkas_shortcut_calls_thin_has_no_point_at_margin_by_an_independent_lp(seed, d, k):
    from relurelax.solvers.arrangement import CELL_MARGIN_TOL, _side_is_thin

    rng = np.random.default_rng(seed)
    signed = rng.standard_normal((k, d))
    signed /= np.linalg.norm(signed, axis=1, keepdims=True)
    # half the time a row that is minus a nonnegative combination of the cell's rows: an empty side
    b = -rng.random(k) @ signed if rng.random() < 0.5 else rng.standard_normal(d)
    b /= np.linalg.norm(b)
    pattern = [True] * (k + 1)
    if _side_is_thin(signed, b):
        margin = _largest_margin(np.vstack([signed, b]), pattern)
        assert margin is None or margin <= CELL_MARGIN_TOL


def test_the_farkas_shortcut_finds_the_certificate_of_a_side_opposite_to_a_combination_of_the_cells_rows():
    from relurelax.solvers.arrangement import _side_is_thin

    signed = np.eye(3)
    assert _side_is_thin(signed, -np.array([0.6, 0.8, 0.0]))
    assert _side_is_thin(signed, -signed[1])
    # the side {x_0 + x_1 > 0} of the positive orthant is all of it: no certificate
    assert not _side_is_thin(signed, np.array([0.6, 0.8, 0.0]))
    assert not _side_is_thin(np.zeros((0, 3)), np.array([1.0, 0.0, 0.0]))
