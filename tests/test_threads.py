r"""BLAS threads: the exact Newton solve runs on one BLAS thread at the sizes where a second one waits on a busy core."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from relurelax.solvers import newton, planted_problem, solve_relaxation_newton
from relurelax.solvers.threads import (
    SINGLE_THREAD_MAX_ENTRIES,
    SINGLE_THREAD_MIN_ENTRIES,
    blas_thread_limit,
    blas_threads,
)


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_the_thread_count_is_one_between_the_bounds_and_left_alone_outside():
    assert blas_thread_limit(2000, 500) == 1 and blas_thread_limit(4000, 2000) == 1
    assert blas_thread_limit(1, SINGLE_THREAD_MIN_ENTRIES) == 1
    assert blas_thread_limit(1, SINGLE_THREAD_MIN_ENTRIES - 1) is None  # tiny: OpenBLAS does not split it
    assert blas_thread_limit(2, SINGLE_THREAD_MAX_ENTRIES) is None  # beyond what was measured


def test_blas_threads_restores_the_callers_thread_count():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with blas_threads(2000, 500):
            assert set(_blas_threads()) == {1}
        assert _blas_threads() == before


def test_the_newton_solve_runs_on_one_blas_thread_and_gives_the_same_bits(monkeypatch):
    P = planted_problem(200, 40, 1, seed=3, scale=1 / np.sqrt(40))
    seen = []
    real = newton.check_problem

    def spy(A, y):
        seen.append(_blas_threads())
        return real(A, y)

    monkeypatch.setattr(newton, "check_problem", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        first = solve_relaxation_newton(P.A, P.y)
        after = _blas_threads()
    assert seen and set(seen[0]) == {1}
    assert after == before  # restored after the solve
    # the thread count depends on (n, d) only: another outer setting, the same result
    with threadpool_limits(limits=1, user_api="blas"):
        second = solve_relaxation_newton(P.A, P.y)
    assert np.array_equal(first.x, second.x) and first.iterations == second.iterations


@pytest.mark.parametrize("A", [[[1.0, 2.0]], np.ones(3)])
def test_an_a_without_a_matrix_shape_goes_to_the_solvers_own_validation(A):
    from relurelax.solvers.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        solve_relaxation_newton(A, np.ones(2))
