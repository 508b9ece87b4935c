r"""Both enumerations of the cells of the arrangement of A's rows ("rays" and "lp") against independent references.

The references share no code with :mod:`relurelax.solvers`:

* Cover's count :math:`2\sum_{k<d}\binom{n-1}{k}` (Cover 1965), written here
  with ``math.comb``, for rows in general position (Gaussian A);
* the brute force of :func:`tests.reference.realisable_patterns`: one LP per
  sign pattern (all :math:`2^n`), "is there an x with
  :math:`s_i a_i^T x \ge 1` on every nonzero row", with zero rows active in
  every cell (the paper's :math:`D_i = 1` iff :math:`a_i^T x \ge 0`);
* dense sampling of directions x (random and on a grid of the sphere):
  every pattern a sample shows with a strict margin is a cell, so it must be
  enumerated;
* the rays of rows in general position in :math:`\mathbb{R}^3`: every pair of
  planes meets in a line, two rays each.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relurelax.solvers import enumerate_cells
from relurelax.solvers.arrangement import CELL_MARGIN_TOL
from relurelax.solvers.rays import enumerate_rays
from relurelax.solvers.tolerances import RAY_TIE_RTOL

from . import reference as ref
from .reference import cover_count

METHODS = ("rays", "lp")
each_method = pytest.mark.parametrize("method", METHODS)


def gaussian(n, d, seed):
    return np.random.default_rng(seed).standard_normal((n, d))


def pattern_set(patterns):
    return {tuple(bool(v) for v in row) for row in patterns}


@functools.cache
def _brute_force(key):
    shape, data = key
    return frozenset(ref.realisable_patterns(np.array(data).reshape(shape)))


def brute_force(A):
    """The reference's realisable patterns of A, computed once per matrix in this module."""
    A = np.asarray(A, dtype=float)
    return _brute_force((A.shape, tuple(A.ravel().tolist())))


def assert_witnesses_reproduce_their_patterns(A, arrangement):
    """Each witness has its cell's pattern (D_i = 1 iff a_i^T x >= 0), at a margin above CELL_MARGIN_TOL."""
    norms = np.linalg.norm(A, axis=1)
    nonzero = norms > 0.0
    for pattern, x in zip(arrangement.patterns, arrangement.witnesses):
        values = A @ x
        assert np.array_equal(pattern, values >= 0.0)
        assert np.max(np.abs(x)) <= 1.0
        # distance of x to each hyperplane of a nonzero row: the promised margin, so the sign is not a rounding
        assert np.all(np.abs(values[nonzero]) / norms[nonzero] > CELL_MARGIN_TOL)
        assert np.all(values[~nonzero] == 0.0)


# --- Cover's count ------------------------------------------------------------------------------


@each_method
@pytest.mark.parametrize("d", [2, 3, 4])
@pytest.mark.parametrize("n", [1, 4, 7, 11])
def test_gaussian_rows_give_exactly_covers_count_of_cells_with_either_method(n, d, method):
    A = gaussian(n, d, seed=1000 + 10 * n + d)
    result = enumerate_cells(A, method=method)
    assert result.cells == cover_count(n, d)
    assert len(pattern_set(result.patterns)) == result.cells
    assert_witnesses_reproduce_their_patterns(A, result)


@pytest.mark.slow
@each_method
@pytest.mark.parametrize("n, d", [(30, 3), (16, 4), (40, 2)])
def test_larger_gaussian_instances_give_exactly_covers_count_of_cells_with_either_method(n, d, method):
    A = gaussian(n, d, seed=2000 + 10 * n + d)
    result = enumerate_cells(A, method=method)
    assert result.cells == cover_count(n, d)
    assert len(pattern_set(result.patterns)) == result.cells
    assert_witnesses_reproduce_their_patterns(A, result)


def test_the_two_methods_give_the_same_patterns_in_the_same_order():
    A = gaussian(9, 3, seed=5)
    rays, lp = enumerate_cells(A, method="rays"), enumerate_cells(A, method="lp")
    assert np.array_equal(rays.patterns, lp.patterns)


# --- the brute force over all 2^n sign patterns -------------------------------------------------


def degenerate(kind):
    """Small matrices whose rows are not in general position (n <= 9, so the brute force stays fast)."""
    rng = np.random.default_rng(17)
    base = rng.standard_normal((5, 3))
    if kind == "zero rows":
        return np.vstack([base[:3], np.zeros((1, 3)), base[3:], np.zeros((1, 3))])
    if kind == "duplicate rows":
        return np.vstack([base, base[1], base[3], base[1]])
    if kind == "parallel and anti-parallel rows":
        return np.vstack([base, 3.0 * base[0], -base[2], -0.25 * base[4]])
    if kind == "rank-deficient":
        return rng.standard_normal((8, 2)) @ rng.standard_normal((2, 3))  # rank 2 in R^3
    if kind == "rank one":
        return rng.standard_normal((6, 1)) @ rng.standard_normal((1, 3))
    if kind == "one feature":
        return np.array([[1.5], [-0.5], [0.0], [2.0], [-3.0], [0.0], [1.0]])
    if kind == "all zero":
        return np.zeros((4, 3))
    if kind == "three planes through one line":
        # rows 0-2 are orthogonal to (1, 1, 1): three of the planes share that line
        return np.array([[1.0, -1.0, 0.0], [0.0, 1.0, -1.0], [1.0, 0.0, -1.0], [1.0, 2.0, 0.5], [-0.3, 1.0, 2.0]])
    if kind == "all of them":
        low = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))
        return np.vstack([low, -low[0], np.zeros((1, 3)), 3.0 * low[1], low[2]])
    raise AssertionError(kind)


DEGENERATE = ["zero rows", "duplicate rows", "parallel and anti-parallel rows", "rank-deficient", "rank one",
              "one feature", "all zero", "three planes through one line", "all of them"]  # fmt: skip


@each_method
@pytest.mark.parametrize("n, d, seed", [(8, 2, 1), (8, 3, 2), (8, 4, 3), (6, 1, 4)])
def test_gaussian_rows_give_the_cells_of_the_brute_force_with_either_method(n, d, seed, method):
    A = gaussian(n, d, seed)
    result = enumerate_cells(A, method=method)
    assert pattern_set(result.patterns) == brute_force(A)
    assert_witnesses_reproduce_their_patterns(A, result)


@each_method
@pytest.mark.parametrize("kind", DEGENERATE)
def test_degenerate_rows_give_the_cells_of_the_brute_force_with_either_method(kind, method):
    A = degenerate(kind)
    result = enumerate_cells(A, method=method)
    expected = brute_force(A)
    assert pattern_set(result.patterns) == expected
    assert_witnesses_reproduce_their_patterns(A, result)
    # the brute force's own witnesses have their patterns: the reference is not vacuous
    assert expected and all(ref.cell_point(A, p) is not None for p in expected)


def test_the_brute_force_counts_what_the_degenerate_matrices_must_have():
    # the reference itself against counts known without any LP: repeated hyperplanes add nothing,
    # zero rows add nothing, a rank-2 matrix cuts R^3 as its row space's lines cut the plane
    assert len(brute_force(degenerate("duplicate rows"))) == cover_count(5, 3)
    assert len(brute_force(degenerate("parallel and anti-parallel rows"))) == cover_count(5, 3)
    assert len(brute_force(degenerate("zero rows"))) == cover_count(5, 3)
    assert len(brute_force(degenerate("rank-deficient"))) == cover_count(8, 2)
    assert len(brute_force(degenerate("rank one"))) == 2
    assert brute_force(degenerate("one feature")) == {(True, False, True, True, False, True, True),
                                                      (False, True, True, False, True, True, False)}  # fmt: skip
    assert brute_force(degenerate("all zero")) == {(True,) * 4}
    # five planes in R^3 would give 22 cells; three through one line lose 2 of them (the pencil gives 6
    # cells where three general planes give 8)
    assert len(brute_force(degenerate("three planes through one line"))) == cover_count(5, 3) - 2


@pytest.mark.slow
@each_method
@pytest.mark.parametrize("n, d, seed", [(12, 2, 11), (12, 3, 12), (11, 4, 13)])
def test_twelve_gaussian_rows_give_the_cells_of_the_brute_force_with_either_method(n, d, seed, method):
    A = gaussian(n, d, seed)
    result = enumerate_cells(A, method=method)
    assert pattern_set(result.patterns) == brute_force(A)
    assert_witnesses_reproduce_their_patterns(A, result)


@pytest.mark.slow
@each_method
def test_twelve_degenerate_rows_give_the_cells_of_the_brute_force_with_either_method(method):
    rng = np.random.default_rng(21)
    low = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 3))
    A = np.vstack([low, -low[0], np.zeros((1, 3)), 3.0 * low[1], low[2], rng.standard_normal((3, 3))])
    result = enumerate_cells(A, method=method)
    assert pattern_set(result.patterns) == brute_force(A)
    assert_witnesses_reproduce_their_patterns(A, result)


# --- dense sampling: no cell missed ---------------------------------------------------------------


def sphere_grid(d, points):
    """Unit directions on a regular grid of the sphere in R^d (d <= 3), about ``points`` of them."""
    if d == 1:
        return np.array([[1.0], [-1.0]])
    if d == 2:
        theta = np.linspace(0.0, 2.0 * np.pi, points, endpoint=False)
        return np.stack([np.cos(theta), np.sin(theta)], axis=1)
    k = int(np.sqrt(points / 2))
    theta = np.linspace(0.0, np.pi, k + 1)[1:-1]
    phi = np.linspace(0.0, 2.0 * np.pi, 2 * k, endpoint=False)
    t, p = np.meshgrid(theta, phi)
    grid = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1).reshape(-1, 3)
    return np.vstack([grid, [[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]])


def sampled_patterns(A, X, margin=1e-9):
    """Patterns (D_i = 1 iff a_i^T x >= 0) of the directions X (N, d) farther than margin from every hyperplane."""
    norms = np.linalg.norm(A, axis=1)
    nonzero = norms > 0.0
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    values = X @ A.T
    strict = np.all(np.abs(values[:, nonzero]) / norms[nonzero] > margin, axis=1)
    return pattern_set(values[strict] >= 0.0)


@st.composite
def small_integer_matrices(draw):
    """n <= 6 rows, d <= 3 columns, integer entries in [-3, 3] (zero, repeated and parallel rows included)."""
    n = draw(st.integers(1, 6))
    d = draw(st.integers(1, 3))
    entries = draw(st.lists(st.integers(-3, 3), min_size=n * d, max_size=n * d))
    return np.array(entries, dtype=float).reshape(n, d)


_RANDOM = np.random.default_rng(314).standard_normal((20000, 3))
_GRIDS = {d: sphere_grid(d, 20000) for d in (1, 2, 3)}


@given(small_integer_matrices())
def test_every_pattern_dense_sampling_finds_is_enumerated_by_either_method(A):
    d = A.shape[1]
    seen = sampled_patterns(A, np.vstack([_RANDOM[:, :d], _GRIDS[d]]))
    assert seen  # the samples off every hyperplane show at least one cell
    for method in METHODS:
        enumerated = pattern_set(enumerate_cells(A, method=method).patterns)
        assert seen <= enumerated, (method, seen - enumerated)


def test_dense_sampling_finds_every_cell_of_a_small_arrangement_so_the_sampling_check_has_teeth():
    # 4 integer rows in R^2 cut it into 8 sectors, each at least a few degrees wide: the grid hits them all
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -2.0]])
    seen = sampled_patterns(A, sphere_grid(2, 3600))
    assert len(seen) == cover_count(4, 2)
    assert seen == pattern_set(enumerate_cells(A).patterns)


# --- the rays ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, seed", [(3, 0), (6, 1), (9, 2)])
def test_planes_in_general_position_in_three_dimensions_meet_in_two_rays_per_pair(n, seed):
    A = gaussian(n, 3, seed)
    result = enumerate_rays(A)
    assert result.rays.shape == (2 * math.comb(n, 2), 3)
    np.testing.assert_allclose(np.linalg.norm(result.rays, axis=1), 1.0, rtol=1e-12)
    # each ray lies on exactly two planes (a pair), and its signs are those of A u
    values = result.rays @ A.T
    assert np.all((np.abs(values) <= RAY_TIE_RTOL * np.linalg.norm(A, axis=1)).sum(axis=1) == 2)
    expected = np.where(np.abs(values) <= RAY_TIE_RTOL * np.linalg.norm(A, axis=1), 0, np.sign(values))
    assert np.array_equal(result.ray_signs, expected)


@pytest.mark.parametrize("kind", ["zero rows", "parallel and anti-parallel rows", "rank-deficient",
                                  "three planes through one line", "all of them"])  # fmt: skip
def test_the_extreme_rays_of_each_cell_lie_in_its_closure_and_sum_to_an_interior_point(kind):
    A = degenerate(kind)
    result = enumerate_rays(A)
    assert pattern_set(result.patterns) == brute_force(A)
    scale = np.linalg.norm(A, axis=1)
    for c, pattern in enumerate(result.patterns):
        members = result.cell_rays(c)
        assert members.size >= 1
        s = np.where(pattern, 1.0, -1.0)
        for u in result.rays[members]:
            assert np.all(s * (A @ u) >= -RAY_TIE_RTOL * scale)  # in the closed cell
        inside = result.rays[members].sum(axis=0)
        assert np.array_equal(A @ inside >= 0.0, pattern)
        nonzero = scale > 0
        assert np.all(np.abs(A[nonzero] @ inside) > 0.0)
    # every ray belongs to some cell: a ray no cell claims would be an enumeration error
    assert set(result.members.tolist()) == set(range(result.rays.shape[0]))


def test_in_one_dimension_the_rays_are_plus_and_minus_one_and_the_cells_two():
    A = degenerate("one feature")
    result = enumerate_rays(A)
    assert sorted(result.rays[:, 0].tolist()) == [-1.0, 1.0]
    assert result.cells == 2 and result.rank == 1
    assert pattern_set(result.patterns) == brute_force(A)


def test_every_sign_pattern_of_independent_rows_is_a_cell():
    # d >= n: the rows are independent and every one of the 2^n orthants is a cell
    A = gaussian(4, 5, seed=8)
    expected = set(itertools.product((True, False), repeat=4))
    for method in METHODS:
        assert pattern_set(enumerate_cells(A, method=method).patterns) == expected
    assert brute_force(A) == expected
