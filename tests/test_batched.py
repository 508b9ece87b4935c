"""The batched engine equals the one-trial descend loop, bit for bit, trial by trial."""

from __future__ import annotations

import numpy as np
import pytest

from relurelax.solvers import GD, RGD, StopReason, descend, planted_problem
from relurelax.solvers.batched import record_grid, run_trials
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.objectives import _dot, loss_from, regularized_from, relaxed_from

FIELDS = ("objective", "relaxed_objective", "train_error", "test_error", "recovery_distance")


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def assert_batch_equals_descend(batch, **options):
    """Every trial and method of ``batch`` equals ``descend`` on its planted instance, exactly."""
    for i, seed in enumerate(batch.seeds):
        P = planted_problem(batch.n, batch.d, batch.m, seed=int(seed), noise=batch.noise, scale=batch.scale,
                            n_test=batch.n_test)  # fmt: skip
        for name, direction in (("gd", GD), ("rgd", RGD)):
            if name not in batch.methods:
                continue
            ref = descend(P.A, P.y, P.X0, direction, max_iter=batch.max_iter, history_every=batch.history_every,
                          gtol=batch.gtol, A_test=P.A_test, y_test=P.y_test, X_star=P.X_star, **options)  # fmt: skip
            got = batch[name]
            assert _same(got.X[i], ref.X), (seed, name)
            assert got.stop_reasons[i] is ref.stop_reason, (seed, name)
            assert got.stopped_at[i] == ref.iterations, (seed, name)
            assert _same(got.gradient_norm[i], ref.gradient_norm), (seed, name)
            recorded = list(ref.history.iterations)
            for k, t in enumerate(got.iterations):
                # on the grid up to the stop; after it, the final record repeats
                j = recorded.index(t) if t in recorded else len(recorded) - 1
                assert t in recorded or t > ref.iterations
                for field in FIELDS:
                    assert _same(getattr(got, field)[i, k], getattr(ref.history, field)[j]), (seed, name, t, field)


@pytest.mark.parametrize(
    "n,d,m,noise",
    # the last two are large enough for OpenBLAS to split a product over threads
    [(30, 40, 1, 0.0), (40, 40, 1, 0.0), (61, 37, 1, 0.3), (30, 40, 3, 0.0), (50, 20, 2, 0.1), (150, 120, 1, 0.0),
     (130, 90, 3, 0.0)],
)  # fmt: skip
def test_the_batch_equals_descend_per_trial_bitwise(n, d, m, noise):
    batch = run_trials(n, d, m, range(4), max_iter=120, history_every=7, noise=noise)
    assert batch.methods == ("gd", "rgd")
    assert_batch_equals_descend(batch)


def test_chunking_does_not_change_a_single_bit():
    whole = run_trials(24, 18, 1, range(7), max_iter=120, history_every=10)
    chunked = run_trials(24, 18, 1, range(7), max_iter=120, history_every=10, chunk_bytes=8 * 24 * 18 * 2)
    for name in ("gd", "rgd"):
        for field in FIELDS + ("X", "stopped_at", "gradient_norm"):
            assert _same(getattr(whole[name], field), getattr(chunked[name], field))
        assert whole[name].stop_reasons == chunked[name].stop_reasons


def test_trials_that_stop_early_are_frozen_and_match_descend():
    # converged (rgd, n < d), unbounded (noisy labels, n < d) and diverged (too large a step) trials
    converged = run_trials(40, 80, 1, range(3), methods=("rgd",), max_iter=20_000, history_every=500, gtol=1e-9)
    assert set(converged["rgd"].stop_reasons) == {StopReason.CONVERGED}
    assert_batch_equals_descend(converged)
    unbounded = run_trials(20, 50, 1, range(6), max_iter=3000, history_every=250, noise=1.0)
    assert StopReason.UNBOUNDED in unbounded["rgd"].stop_reasons
    assert_batch_equals_descend(unbounded)
    diverged = run_trials(20, 10, 1, range(3), step=10.0, max_iter=200, history_every=20)
    assert set(diverged["gd"].stop_reasons) == {StopReason.DIVERGED}
    assert_batch_equals_descend(diverged, step=10.0)


def test_auto_step_is_each_trials_own_safe_step():
    batch = run_trials(15, 10, 2, [3, 9], max_iter=5, history_every=5)
    for i, seed in enumerate((3, 9)):
        P = planted_problem(15, 10, 2, seed=seed)
        assert batch.steps[i] == descend(P.A, P.y, P.X0, RGD, max_iter=0).step


def test_the_record_grid_has_every_multiple_and_the_budget():
    assert list(record_grid(25, 10)) == [0, 10, 20, 25]
    assert list(record_grid(20, 10)) == [0, 10, 20]
    assert list(record_grid(0, 3)) == [0]


def test_batched_kernels_equal_the_one_instance_kernels_bitwise(rng):
    Z = rng.standard_normal((3, 2, 17, 3))
    y = np.abs(rng.standard_normal((3, 1, 17)))
    for kernel in (loss_from, regularized_from):
        batched = kernel(Z, y)
        for i in range(3):
            for j in range(2):
                assert batched[i, j] == kernel(Z[i, j], y[i, 0])
    batched = relaxed_from(Z[..., :1], y)
    assert all(batched[i, j] == relaxed_from(Z[i, j, :, :1], y[i, 0]) for i in range(3) for j in range(2))
    a = rng.standard_normal((4, 33))
    assert all(_dot(a, a)[i] == float(a[i] @ a[i]) for i in range(4))


def test_results_are_frozen_and_read_only():
    batch = run_trials(10, 5, 1, [0], max_iter=3, history_every=1)
    with pytest.raises(ValueError):
        batch["gd"].objective[0, 0] = 1.0
    with pytest.raises(Exception):
        batch.n = 3
    with pytest.raises(KeyError, match="no method"):
        batch["sgd"]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"methods": ("gd", "adam")}, "unknown method"),
        ({"methods": ()}, "methods"),
        ({"methods": ("gd", "gd")}, "repeat"),
        ({"seeds": []}, "seeds"),
        ({"seeds": [-1]}, "seed"),
        ({"step": 0.0}, "step"),
        ({"step": "fast"}, "step"),
        ({"gtol": -1.0}, "gtol"),
        ({"history_every": 0}, "history_every"),
        ({"max_iter": -1}, "max_iter"),
        ({"noise": -0.1}, "noise"),
    ],
)
def test_bad_arguments_are_rejected_by_name(kwargs, fragment):
    args = {"seeds": [0], "max_iter": 3, "history_every": 1} | kwargs
    seeds = args.pop("seeds")
    with pytest.raises(InvalidInputError, match=fragment):
        run_trials(5, 3, 1, seeds, **args)
