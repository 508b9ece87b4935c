"""The exact minimum of f over activation cells, P_+ and the brute-force list of cells against independent references."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from relurelax.solvers import gradient_descent, objective, regularized_gradient_descent, solve_pplus
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.exact import (
    BRUTE_FORCE_MAX_ROWS,
    ExactMinimum,
    exact_min_over_patterns,
    exact_minimum,
    realisable_patterns_brute_force,
)
from relurelax.solvers.pplus import pplus_conic
from relurelax.solvers.tolerances import EXACT_RTOL, RAY_KKT_RTOL, agreement_rtol, conic_rtol, solver_rtol

from . import reference as ref
from .reference import cover_count, labelled_instance

TOL = conic_rtol("CLARABEL")


def f_by_hand(A, y, X):
    """f(x) = 1/2 ||max(Ax, 0) - y||^2 for each column of X, written from Eq. (1) (halved)."""
    Z = np.maximum(A @ X, 0.0)
    return 0.5 * ((Z - y[:, None]) ** 2).sum(axis=0)


CASES = [("planted", 5, 2, 1), ("planted", 6, 3, 2), ("noisy", 6, 3, 3), ("noisy", 4, 2, 4),
         ("signed", 6, 3, 5), ("signed", 5, 2, 6)]  # fmt: skip


@functools.cache
def solved(case):
    A, y = labelled_instance(*case)
    patterns = realisable_patterns_brute_force(A)
    return A, y, patterns, exact_min_over_patterns(A, y, patterns)


def case_id(case):
    return f"{case[0]}-n{case[1]}-d{case[2]}"


each_case = pytest.mark.parametrize("case", CASES, ids=case_id)


@each_case
def test_the_exact_minimum_is_f_at_its_point_and_that_point_lies_in_its_cell(case):
    A, y, patterns, res = solved(case)
    yy = float(y @ y)
    assert isinstance(res, ExactMinimum)
    assert res.cells == len(patterns) == len(res.certificates)
    assert all(not c.failures() for c in res.certificates) and res.worst_kkt <= res.kkt_tolerance
    assert abs(res.objective - f_by_hand(A, y, res.x[:, None])[0]) <= EXACT_RTOL * max(yy, 1.0)
    assert res.agrees and abs(res.objective - res.qp_objective) <= res.tolerance
    assert any((res.pattern == p).all() for p in patterns)
    z = A @ res.x
    # the certified cell QP leaves its cell by at most its KKT tolerance times max(1, max |Ax|)
    ties = np.abs(z) <= res.kkt_tolerance * max(1.0, float(np.abs(z).max()))
    assert ((z > 0) == res.pattern)[~ties].all()


@pytest.mark.parametrize("case", [c for c in CASES if c[0] == "planted"], ids=case_id)
def test_planted_labels_have_exact_minimum_zero(case):
    A, y, _, res = solved(case)
    assert 0.0 <= res.objective <= TOL * float(y @ y)


@each_case
def test_no_descent_run_from_random_starts_ends_below_the_exact_minimum(case, rng):
    A, y, _, res = solved(case)
    yy = float(y @ y)
    for k in range(12):
        x0 = rng.standard_normal(A.shape[1]) * 10.0 ** rng.uniform(-1, 1)
        run = (gradient_descent if k % 2 else regularized_gradient_descent)(A, y, x0, max_iter=3000)
        assert np.isfinite(run.X).all()
        assert res.objective <= f_by_hand(A, y, run.X)[0] + TOL * yy


@each_case
def test_no_point_of_a_dense_random_sample_is_below_the_exact_minimum(case, rng):
    A, y, _, res = solved(case)
    X = rng.standard_normal((A.shape[1], 20000)) * 10.0 ** rng.uniform(-2, 1.5, size=20000)
    assert res.objective <= f_by_hand(A, y, X).min() + TOL * float(y @ y)


def half_line_minimum(a, y, sign):
    """min of f over x = sign * t, t >= 0, for d = 1: a quadratic in t over the rows with sign * a_i > 0."""
    active = sign * a > 0
    aa = float(a[active] @ a[active])
    t = max(0.0, float((sign * a[active]) @ y[active]) / aa) if aa > 0 else 0.0
    return 0.5 * float(((sign * a[active] * t - y[active]) ** 2).sum() + (y[~active] ** 2).sum())


@pytest.mark.parametrize("seed", range(4))
def test_in_one_dimension_the_exact_minimum_is_the_better_half_line_minimum(seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(6)
    y = rng.standard_normal(6) if seed % 2 else np.abs(rng.standard_normal(6))
    res = exact_min_over_patterns(a[:, None], y, realisable_patterns_brute_force(a[:, None]))
    expected = min(half_line_minimum(a, y, 1.0), half_line_minimum(a, y, -1.0))
    assert res.cells == 2
    assert abs(res.objective - expected) <= TOL * float(y @ y)


@pytest.mark.parametrize("n, d, seed", [(5, 2, 0), (6, 3, 1), (7, 3, 2), (6, 4, 3)])
def test_the_brute_force_finds_covers_count_and_every_sampled_pattern(n, d, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    patterns = realisable_patterns_brute_force(A)
    found = {p.tobytes() for p in patterns}
    assert len(found) == len(patterns) == cover_count(n, d)
    assert {(~p).tobytes() for p in patterns} == found  # central arrangement: x and -x
    sampled = {p.tobytes() for p in (A @ rng.standard_normal((d, 50000)) > 0).T}
    assert sampled <= found


def test_a_zero_row_and_a_repeated_row_add_no_cell():
    rng = np.random.default_rng(8)
    B = rng.standard_normal((5, 3))
    A = np.vstack([B, np.zeros(3), B[1], -2.0 * B[2]])
    patterns = realisable_patterns_brute_force(A)
    assert len(patterns) == cover_count(5, 3)
    assert patterns[:, 5].all()  # a zero row is active everywhere (D_i = 1 iff a_i^T x >= 0)
    assert (patterns[:, 6] == patterns[:, 1]).all() and (patterns[:, 7] == ~patterns[:, 2]).all()


def test_the_zero_matrix_has_one_cell_and_the_minimum_is_half_the_squared_labels():
    y = np.array([1.0, -2.0, 0.5])
    patterns = realisable_patterns_brute_force(np.zeros((3, 2)))
    assert patterns.tolist() == [[True, True, True]]
    res = exact_min_over_patterns(np.zeros((3, 2)), y, patterns)
    assert res.objective == pytest.approx(0.5 * float(y @ y), rel=EXACT_RTOL)


def test_the_brute_force_refuses_too_many_rows():
    with pytest.raises(InvalidInputError, match=f"n = {BRUTE_FORCE_MAX_ROWS + 1} rows"):
        realisable_patterns_brute_force(np.ones((BRUTE_FORCE_MAX_ROWS + 1, 2)))


@pytest.mark.parametrize(
    "A, y, patterns, message",
    [
        (np.ones((3, 2)), np.ones(3), np.ones((2, 4), dtype=bool), r"shape \(K, n\) = \(K, 3\)"),
        (np.ones((3, 2)), np.ones(3), np.ones((0, 3), dtype=bool), r"K >= 1"),
        (np.ones((3, 2)), np.ones(3), np.ones(3, dtype=bool), r"got shape \(3,\)"),
        (np.ones((3, 2)), np.ones(3), np.ones((2, 3)), "boolean"),
        (np.ones((3, 2)), np.ones(4), np.ones((2, 3), dtype=bool), "y"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones(2), np.ones((1, 2), dtype=bool), "A has 1 non-finite"),
        (np.ones((2, 2)), np.array([1.0, np.inf]), np.ones((1, 2), dtype=bool), "y has 1 non-finite"),
    ],
)
def test_bad_input_to_the_exact_minimum_is_refused_by_name(A, y, patterns, message):
    with pytest.raises(InvalidInputError, match=message):
        exact_min_over_patterns(A, y, patterns)


@pytest.mark.parametrize("A, message", [(np.ones(3), "A"), (np.array([[np.inf, 1.0]]), "A has 1 non-finite")])
def test_bad_input_to_the_brute_force_is_refused_by_name(A, message):
    with pytest.raises(InvalidInputError, match=message):
        realisable_patterns_brute_force(A)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_enumerated_cells_are_the_brute_forces_and_give_the_same_exact_minimum(seed):
    from relurelax.solvers.arrangement import enumerate_cells

    rng = np.random.default_rng(seed)
    B = rng.integers(-2, 3, size=(6, 3)).astype(float)
    A = np.vstack([B, np.zeros(3), -B[0]])  # a zero row and a negated row
    y = np.abs(rng.standard_normal(8))
    enumerated = enumerate_cells(A).patterns
    brute = realisable_patterns_brute_force(A)
    assert sorted(map(tuple, enumerated.tolist())) == sorted(map(tuple, brute.tolist()))
    a, b = exact_min_over_patterns(A, y, enumerated), exact_min_over_patterns(A, y, brute)
    assert a.objective == pytest.approx(b.objective, rel=1e-7, abs=1e-9 * float(y @ y))


# --- exact_minimum and solve_pplus (over the rays of the arrangement) against independent references ---
# tests/reference.py lists the realisable patterns by one HiGHS LP per sign pattern (2^n of them) and
# solves each closed cell's QP min 1/2 ||D A x - y||^2 s.t. (2D - I) A x >= 0 with CVXPY + Clarabel,
# called directly: nothing of relurelax.solvers is involved.

#: the reference's value is a Clarabel optimum (CONIC_RTOL["CLARABEL"] = 1e-7 of ||y||^2), exact_minimum's
#: and solve_pplus's a certified float64 NNLS optimum (GLOBAL_OBJECTIVE_RTOL = 1e-9): agreement_rtol takes
#: the looser of the two. It is applied to max(1, ||y||^2): at y = 0 the scale vanishes while Clarabel,
#: stopped by its absolute tolerances (1e-8), ends about 1e-9 above the optimum 0.
AGREEMENT = agreement_rtol("exact", "CLARABEL")


def global_instance(kind, seed):
    """n <= 10 rows, d <= 3 features; labels of every kind the exact minimum must handle."""
    rng = np.random.default_rng(seed)
    if kind == "planted":
        A = rng.standard_normal((8, 3))
        return A, np.maximum(A @ rng.standard_normal(3), 0.0)
    if kind == "noisy nonnegative":
        A = rng.standard_normal((10, 3))
        return A, np.maximum(A @ rng.standard_normal(3), 0.0) + 0.3 * np.abs(rng.standard_normal(10))
    if kind == "negative labels":
        A = rng.standard_normal((8, 2))
        return A, rng.standard_normal(8)
    if kind == "zero labels":
        return rng.standard_normal((7, 3)), np.zeros(7)
    if kind == "zero rows":
        B = rng.standard_normal((7, 3))
        A = np.vstack([B[:3], np.zeros((1, 3)), B[3:], np.zeros((1, 3))])
        return A, rng.standard_normal(9) + 0.5  # a zero row's label counts in f whatever x is
    if kind == "rank-deficient":
        A = rng.standard_normal((9, 2)) @ rng.standard_normal((2, 3))  # rank 2 in R^3
        return A, np.abs(rng.standard_normal(9))
    if kind == "parallel rows":
        B = rng.standard_normal((5, 3))
        A = np.vstack([B, 2.0 * B[0], -B[1], B[2]])
        return A, rng.standard_normal(8)
    if kind == "one feature":
        A = rng.standard_normal((7, 1))
        return A, rng.standard_normal(7)
    raise AssertionError(kind)


GLOBAL_KINDS = ["planted", "noisy nonnegative", "negative labels", "zero labels", "zero rows", "rank-deficient",
                "parallel rows", "one feature"]  # fmt: skip


@functools.cache
def global_reference(kind):
    A, y = global_instance(kind, seed=GLOBAL_KINDS.index(kind) + 40)
    patterns = sorted(ref.realisable_patterns(A))
    minima = ref.cell_minima(A, y, patterns)
    return A, y, patterns, minima


@pytest.mark.parametrize("kind", GLOBAL_KINDS)
def test_the_exact_minimum_is_the_smallest_cell_minimum_of_the_brute_force(kind):
    A, y, patterns, minima = global_reference(kind)
    scale = max(1.0, float(y @ y))
    res = exact_minimum(A, y)
    assert res.method == "nnls-rays" and res.cells == len(patterns)
    # these instances are far from degenerate in float64: Lawson-Hanson over the rays certifies every cell
    # itself, and a CVXPY fallback would mean that the primary path failed its own certificate
    assert res.fallbacks == 0 and res.worst_kkt <= res.kkt_tolerance
    best = min(value for value, _ in minima)
    assert abs(res.objective - best) <= AGREEMENT * scale, (res.objective, best)
    # the returned x has that value under relurelax's f and under the reference's loop over samples
    assert objective(A, y, res.x) == res.objective
    assert abs(ref.loss(A.tolist(), y.tolist(), [[v] for v in res.x]) - best) <= AGREEMENT * scale
    # and lies in the closed cell it names, one of the brute force's cells (up to the rounding of the
    # rays that generate the cell, within the certificate's relative primal feasibility RAY_KKT_RTOL)
    assert tuple(res.pattern.tolist()) in set(patterns)
    z = A @ res.x
    signed = np.where(res.pattern, 1.0, -1.0) * z
    assert float(np.max(-signed, initial=0.0)) <= RAY_KKT_RTOL * float(np.max(np.abs(z), initial=0.0))


@pytest.mark.parametrize("kind", ["planted", "zero labels"])
def test_the_exact_minimum_is_zero_when_a_neuron_fits_the_labels(kind):
    A, y, _, minima = global_reference(kind)
    res = exact_minimum(A, y)
    assert 0.0 <= res.objective <= solver_rtol("exact") * max(1.0, float(y @ y))
    assert min(value for value, _ in minima) <= AGREEMENT * max(1.0, float(y @ y))


def test_the_brute_force_cell_minima_are_attained_in_their_cells_and_bound_every_sampled_point():
    # the reference against itself and against sampling: each cell's x is in its closed cell and has
    # the cell's value under f, and no random point has a smaller f than the smallest cell minimum
    A, y, patterns, minima = global_reference("negative labels")
    best = min(value for value, _ in minima)
    for pattern, (value, x) in zip(patterns, minima):
        s = np.where(pattern, 1.0, -1.0)
        assert np.all(s * (A @ x) >= -1e-7 * max(1.0, float(np.abs(A @ x).max())))
        assert abs(ref.loss(A.tolist(), y.tolist(), [[v] for v in x]) - value) <= 1e-6 * max(1.0, float(y @ y))
    X = np.random.default_rng(3).standard_normal((A.shape[1], 20000)) * np.logspace(-2, 1.5, 20000)
    assert best <= f_by_hand(A, y, X).min() + AGREEMENT * float(y @ y)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_the_exact_minimum_is_the_smallest_cell_minimum_of_the_brute_force_on_twelve_rows(seed):
    rng = np.random.default_rng(100 + seed)
    A = rng.standard_normal((12, 3))
    y = np.maximum(A @ rng.standard_normal(3), 0.0) + 0.3 * np.abs(rng.standard_normal(12)) - 0.2 * seed
    value, _, _ = ref.brute_force_minimum(A, y)
    assert abs(exact_minimum(A, y).objective - value) <= AGREEMENT * max(1.0, float(y @ y))


# --- P_+ -------------------------------------------------------------------------------------------


def pplus_instance(kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "two planted neurons":
        A = rng.standard_normal((7, 3))
        return A, np.maximum(A @ rng.standard_normal((3, 2)), 0.0).sum(axis=1)
    if kind == "noisy nonnegative":
        A = rng.standard_normal((8, 2))
        return A, np.maximum(A @ rng.standard_normal(2), 0.0) + 0.3 * np.abs(rng.standard_normal(8))
    if kind == "negative labels":
        A = rng.standard_normal((8, 3))
        return A, rng.standard_normal(8)
    if kind == "negative labels in the plane":
        A = rng.standard_normal((8, 2))
        return A, rng.standard_normal(8)
    raise AssertionError(kind)


#: kind -> seed; the instances with negative labels need most of the rays: P_+ over every other ray of
#: the arrangement is 0.4 % (d = 3) and 9 % (d = 2) larger, so a ray left out shows
PPLUS_SEEDS = {"two planted neurons": 60, "noisy nonnegative": 61, "negative labels": 62,
               "negative labels in the plane": 60}  # fmt: skip
PPLUS_KINDS = list(PPLUS_SEEDS)


@functools.cache
def pplus_solved(kind):
    A, y = pplus_instance(kind, seed=PPLUS_SEEDS[kind])
    return A, y, solve_pplus(A, y), sorted(ref.realisable_patterns(A))


@pytest.mark.parametrize("kind", PPLUS_KINDS)
def test_p_plus_is_at_most_every_value_rgd_finds_with_one_to_four_neurons(kind):
    A, y, res, _ = pplus_solved(kind)
    scale = max(1.0, float(y @ y))
    rng = np.random.default_rng(7)
    values = []
    for m in (1, 2, 3, 4):
        for _ in range(3):
            X0 = rng.standard_normal((A.shape[1], m)) * float(np.abs(y).max()) / m
            run = regularized_gradient_descent(A, y, X0, max_iter=2000)
            values.append(ref.loss(A.tolist(), y.tolist(), np.asarray(run.X).tolist()))
    # P_+ <= f_m(X) for every network X is exact mathematics: only P_+'s own rounding is allowed
    assert all(res.lower_bound <= value + solver_rtol("exact") * scale for value in values), (res.lower_bound, values)
    assert res.lower_bound >= 0.0


@pytest.mark.parametrize("kind", PPLUS_KINDS)
def test_p_plus_equals_the_conic_solve_and_an_independent_cvxpy_model_over_the_brute_force_cells(kind):
    A, y, res, patterns = pplus_solved(kind)
    conic = pplus_conic(A, y, np.array(patterns, dtype=bool))
    assert abs(res.lower_bound - conic.objective) <= conic.tolerance
    reference = ref.pplus_value(A, y, patterns)
    assert abs(res.lower_bound - reference) <= AGREEMENT * max(1.0, float(y @ y)), (res.lower_bound, reference)


@pytest.mark.parametrize("kind", PPLUS_KINDS)
def test_the_network_recovered_from_p_plus_has_at_most_n_neurons_and_f_m_equal_to_p_plus(kind):
    A, y, res, _ = pplus_solved(kind)
    n, d = A.shape
    assert res.certificate.passed
    assert 1 <= res.neurons <= n and res.X.shape == (d, res.neurons)
    assert res.ray_indices.size == res.neurons or (res.ray_indices.size == 0 and res.neurons == 1)
    loss = ref.loss(A.tolist(), y.tolist(), np.asarray(res.X).tolist())
    assert abs(loss - res.lower_bound) <= EXACT_RTOL * max(1.0, float(y @ y))


def test_p_plus_is_zero_when_two_neurons_fit_the_labels_and_below_the_exact_single_neuron_minimum():
    A, y, res, _ = pplus_solved("two planted neurons")
    scale = max(1.0, float(y @ y))
    assert res.lower_bound <= solver_rtol("exact") * scale
    single = exact_minimum(A, y).objective
    assert res.lower_bound <= single + solver_rtol("exact") * scale
