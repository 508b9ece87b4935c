"""P_+ by CVXPY is a lower bound on every f_m, reached by a network of at most n neurons; bounds on min f_m."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from relurelax.solvers import InvalidInputError, KKTResiduals, bound_network, enumerate_cells, pplus_conic, pplus_kkt
from relurelax.solvers.exact import exact_min_over_patterns
from relurelax.solvers.pplus import NetworkBound, PPlusConic
from relurelax.solvers.tolerances import EXACT_RTOL, NETWORK_BOUND_RTOL, cell_kkt_rtol, conic_rtol

from .reference import labelled_instance

TOL = conic_rtol("CLARABEL")
# small budgets keep the file fast; the claims tested hold for any budget (every f_m is >= P_+)
STARTS, ITERATIONS = 2, 1500


def f_m_by_hand(A, y, X):
    """f_m(X) = 1/2 ||sum_j max(A x_j, 0) - y||^2, written from Eq. (9) (halved)."""
    return 0.5 * float(((np.maximum(A @ X, 0.0).sum(axis=1) - y) ** 2).sum())


CASES = [("planted", 5, 2, 1), ("planted", 7, 3, 2), ("noisy", 6, 3, 3), ("noisy", 8, 2, 4),
         ("signed", 6, 3, 5), ("signed", 4, 2, 6)]  # fmt: skip


@functools.cache
def solved(case):
    A, y = labelled_instance(*case, neurons=2)
    patterns = enumerate_cells(A).patterns
    return A, y, patterns, pplus_conic(A, y, patterns)


def scale(y):
    return max(1.0, float(y @ y))


each_case = pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-n{c[1]}-d{c[2]}")


@each_case
def test_p_plus_is_certified_and_its_value_is_the_blocks_objective(case):
    A, y, patterns, res = solved(case)
    assert isinstance(res, PPlusConic) and res.certificate.passed
    assert res.kkt.worst <= cell_kkt_rtol("CLARABEL")
    assert res.V.shape == (A.shape[1], len(patterns)) and res.duals.shape == (A.shape[0], len(patterns))
    fitted = (patterns.T * (A @ res.V)).sum(axis=1)
    assert abs(res.objective - 0.5 * float((fitted - y) @ (fitted - y))) <= EXACT_RTOL * scale(y)
    assert abs(res.objective - res.solver_objective) <= TOL * scale(y)
    # every block lies in its cone (2 D_c - I) A v_c >= 0, up to the certificate's feasibility tolerance
    signed = (2.0 * patterns.T - 1.0) * (A @ res.V)
    assert signed.min() >= -cell_kkt_rtol("CLARABEL") * max(1.0, float(np.abs(A @ res.V).max()))


@each_case
def test_p_plus_is_below_f_m_of_every_rgd_result_and_every_random_network(case):
    A, y, patterns, res = solved(case)
    rng = np.random.default_rng(0)
    for m in (1, 2, 3, 4):
        bound = bound_network(A, y, m, lower_bound=res.objective, lower_bound_name="P_+", starts=STARTS,
                              max_iter=ITERATIONS)  # fmt: skip
        assert len(bound.rgd_values) == STARTS
        for value in bound.rgd_values:
            assert res.objective <= value + TOL * scale(y)
        assert bound.best == min(bound.rgd_values) and bound.best == pytest.approx(f_m_by_hand(A, y, bound.X))
        for _ in range(20):  # the bound holds for every network, not only for descent's
            assert res.objective <= f_m_by_hand(A, y, rng.standard_normal((A.shape[1], m))) + TOL * scale(y)


@each_case
def test_the_recovered_network_has_at_most_n_neurons_and_f_m_equal_to_p_plus(case):
    A, y, patterns, res = solved(case)
    n, d = A.shape
    assert 1 <= res.neurons <= n and res.X.shape == (d, res.neurons)
    assert abs(f_m_by_hand(A, y, res.X) - res.objective) <= res.tolerance
    # CONIC_RTOL times 1 + ||y'||^2 at unit scale (y = b y', b a power of two in (max|y|, 2 max|y|])
    assert res.tolerance <= TOL * (4.0 * float(np.max(np.abs(y))) ** 2 + float(y @ y)) * (1.0 + 1e-12)
    # so for m >= n, min f_m = P_+: the network padded to m = n certifies it
    bound = bound_network(A, y, n, lower_bound=res.objective, lower_bound_name="P_+", starts=0,
                          candidates={"recovered network": res.X})  # fmt: skip
    assert bound.certified and bound.source == "recovered network" and bound.X.shape == (d, n)
    assert np.all(bound.X[:, res.neurons:] == 0.0)


@pytest.mark.parametrize("case", [c for c in CASES if c[2] == 2], ids=lambda c: f"{c[0]}-n{c[1]}-d{c[2]}")
def test_p_plus_is_at_most_the_exact_single_neuron_minimum_over_the_cells(case):
    # (d = 2 only: one cell QP per cell, 2n of them, keeps the file fast)
    A, y, patterns, res = solved(case)
    exact = exact_min_over_patterns(A, y, patterns)  # one certified cell QP (solve_cell, m = 1) per cell
    assert res.objective <= exact.objective + TOL * scale(y)


def test_under_the_planted_model_p_plus_is_zero_and_one_neuron_is_certified():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((8, 3))
    y = np.maximum(A @ rng.standard_normal(3), 0.0)
    res = pplus_conic(A, y, enumerate_cells(A).patterns)
    assert abs(res.objective) <= TOL * scale(y)
    bound = bound_network(A, y, 1, lower_bound=res.objective, lower_bound_name="P_+", starts=3)
    assert isinstance(bound, NetworkBound) and bound.certified
    assert bound.best <= NETWORK_BOUND_RTOL * (1.0 + float(y @ y))


def test_the_kkt_certificate_fails_at_a_perturbed_solution():
    A, y, patterns, res = solved(CASES[3])
    tol = cell_kkt_rtol("CLARABEL")
    at_solution = pplus_kkt(A, y, res.V, patterns, res.duals)
    assert isinstance(at_solution, KKTResiduals) and at_solution.worst <= tol
    assert at_solution.worst == pytest.approx(res.kkt.worst, rel=1e-6, abs=1e-15)
    moved = np.array(res.V)
    outputs = np.linalg.norm(patterns.T * (A @ res.V), axis=0)
    moved[:, int(np.argmax(outputs))] *= 1.1  # the fit changes: no longer stationary
    assert pplus_kkt(A, y, moved, patterns, res.duals).stationarity > tol
    assert pplus_kkt(A, y, -np.array(res.V), patterns, res.duals).primal_feasibility > tol
    assert pplus_kkt(A, y, res.V, patterns, -np.array(res.duals) - 1.0).dual_feasibility > tol


def test_the_bound_is_not_certified_when_one_neuron_cannot_reach_p_plus():
    rng = np.random.default_rng(11)
    A = rng.standard_normal((8, 2))
    X_planted = rng.standard_normal((2, 2))
    y = np.maximum(A @ X_planted, 0.0).sum(axis=1)
    patterns = enumerate_cells(A).patterns
    res = pplus_conic(A, y, patterns)
    exact = exact_min_over_patterns(A, y, patterns)
    assert abs(res.objective) <= TOL * scale(y)  # two neurons fit y, so P_+ = 0
    tolerance = NETWORK_BOUND_RTOL * (1.0 + float(y @ y))
    assert exact.objective > 10 * tolerance  # the instance needs two neurons: min f_1 is well above P_+
    bound = bound_network(A, y, 1, lower_bound=res.objective, lower_bound_name="P_+", starts=3)
    assert not bound.certified and bound.gap > tolerance and bound.tolerance == pytest.approx(tolerance)
    # against the exact minimum of f the exact minimiser closes the gap; with m = 2 the planted network does
    closed = bound_network(A, y, 1, lower_bound=exact.objective, lower_bound_name="min f", starts=1,
                           candidates={"exact minimiser": exact.x})  # fmt: skip
    assert closed.certified and closed.source == "exact minimiser"
    two = bound_network(A, y, 2, lower_bound=res.objective, lower_bound_name="P_+", starts=0,
                        candidates={"planted network": X_planted})  # fmt: skip
    assert two.certified and two.source == "planted network"


def test_bound_network_is_reproducible_from_its_seed():
    A, y, _, res = solved(CASES[4])
    kwargs = dict(lower_bound=res.objective, lower_bound_name="P_+", starts=3, max_iter=300)
    first, again = bound_network(A, y, 2, seed=5, **kwargs), bound_network(A, y, 2, seed=5, **kwargs)
    assert first.rgd_values == again.rgd_values and np.array_equal(first.X, again.X)
    assert first.source == again.source and first.seed == 5
    other = bound_network(A, y, 2, seed=6, **kwargs)
    assert other.rgd_values != first.rgd_values
    # start k does not depend on how many starts there are
    assert bound_network(A, y, 2, seed=5, **{**kwargs, "starts": 1}).rgd_values == first.rgd_values[:1]


@pytest.mark.parametrize("m", [0, -1, 1.5, True])
def test_bound_network_refuses_a_number_of_neurons_below_one(m):
    A, y = labelled_instance("planted", 4, 2, 0, neurons=2)
    with pytest.raises(InvalidInputError, match=r"\bm\b"):
        bound_network(A, y, m, lower_bound=0.0, lower_bound_name="P_+")


def test_bound_network_refuses_an_unknown_lower_bound_or_nothing_to_compare():
    A, y = labelled_instance("planted", 4, 2, 0, neurons=2)
    with pytest.raises(InvalidInputError, match="lower_bound_name"):
        bound_network(A, y, 1, lower_bound=0.0, lower_bound_name="P")
    with pytest.raises(InvalidInputError, match="lower_bound"):
        bound_network(A, y, 1, lower_bound=float("nan"), lower_bound_name="P_+")
    with pytest.raises(InvalidInputError, match="nothing to compare"):
        bound_network(A, y, 1, lower_bound=0.0, lower_bound_name="P_+", starts=0,
                      candidates={"too wide": np.zeros((2, 2))})  # fmt: skip


@pytest.mark.parametrize(
    "patterns, what",
    [(np.ones((3, 4), dtype=int), "dtype"), (np.ones((3, 5), dtype=bool), "shape"),
     (np.ones((0, 4), dtype=bool), "shape"), (np.ones(4, dtype=bool), "shape")],
    ids=["integer", "wrong-n", "empty", "one-dimensional"],
)  # fmt: skip
def test_pplus_conic_refuses_patterns_of_the_wrong_shape_or_dtype(patterns, what):
    A, y = labelled_instance("planted", 4, 2, 0, neurons=2)
    with pytest.raises(InvalidInputError, match=what):
        pplus_conic(A, y, patterns)


@pytest.mark.parametrize("n, k, rank", [(4, 30, 4), (5, 12, 2), (3, 1, 1), (6, 40, 6)])
def test_the_caratheodory_reduction_keeps_the_combination_and_leaves_at_most_rank_positive_weights(n, k, rank):
    from relurelax.solvers.exact import caratheodory

    rng = np.random.default_rng(n * 100 + k)
    W = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, k))  # rank-deficient when rank < n
    t = rng.uniform(0.5, 2.0, size=k)
    reduced = caratheodory(W, t)
    assert np.all(reduced >= 0.0)
    assert np.count_nonzero(reduced) <= rank
    assert np.linalg.norm(W @ reduced - W @ t) <= EXACT_RTOL * np.linalg.norm(W @ t)  # float64 algebra
