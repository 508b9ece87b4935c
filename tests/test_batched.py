"""The batched engine gives, trial by trial, descend's stop reasons and iteration counts, and its iterates and
records within 1e-10 relative."""

from __future__ import annotations

import numpy as np
import pytest

from relurelax.solvers import GD, RGD, StopReason, descend, planted_problem
from relurelax.solvers import batched
from relurelax.solvers.batched import record_grid, run_trials
from relurelax.solvers.descent import interpolated_direction
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.objectives import _dot, loss_from, regularized_from, relaxed_from

FIELDS = ("objective", "relaxed_objective", "train_error", "test_error", "recovery_distance")


#: the contract of run_trials: iterates and recorded values within this much of descend's, relative
RTOL = 1e-10


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def _close(a, b) -> bool:
    """Equal within RTOL of the larger magnitude of ``b`` (NaN where ``b`` is NaN)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not _same(np.isnan(a), np.isnan(b)):
        return False
    a, b = a[~np.isnan(b)], b[~np.isnan(b)]
    return bool(np.all(np.abs(a - b) <= RTOL * np.max(np.abs(b), initial=0.0)))


def assert_batch_matches_descend(batch, directions=None, **options):
    """Every trial and method of ``batch``: descend's stop and iteration count, its iterate and records within RTOL."""
    directions = directions or {"gd": GD, "rgd": RGD}
    for i, seed in enumerate(batch.seeds):
        P = planted_problem(batch.n, batch.d, batch.m, seed=int(seed), noise=batch.noise, scale=batch.scale,
                            n_test=batch.n_test, clip=batch.clip)  # fmt: skip
        for name, direction in directions.items():
            if name not in batch.methods:
                continue
            ref = descend(P.A, P.y, P.X0, direction, max_iter=batch.max_iter, history_every=batch.history_every,
                          gtol=batch.gtol, A_test=P.A_test, y_test=P.y_test, X_star=P.X_star, **options)  # fmt: skip
            got = batch[name]
            assert got.stop_reasons[i] is ref.stop_reason, (seed, name)
            assert got.stopped_at[i] == ref.iterations, (seed, name)
            assert _close(got.X[i], ref.X), (seed, name, np.max(np.abs(got.X[i] - ref.X)))
            # the last direction norm, relative to itself or (a difference near convergence) the stopping rule's scale
            scale = np.linalg.norm(P.A.T @ P.y)
            assert abs(got.gradient_norm[i] - ref.gradient_norm) <= RTOL * max(scale, ref.gradient_norm), (seed, name)
            recorded = list(ref.history.iterations)
            # on the grid up to the stop; after it, the final record repeats
            assert all(t in recorded or t > ref.iterations for t in got.iterations)
            rows = [recorded.index(t) if t in recorded else len(recorded) - 1 for t in got.iterations]
            for field in FIELDS:
                assert _close(getattr(got, field)[i], getattr(ref.history, field)[rows]), (seed, name, field)


@pytest.mark.parametrize(
    "n,d,m,noise",
    # n < d, n = d, n > d (the engine's two formulations), one neuron and three; the last two are large
    # enough for OpenBLAS to split a product over threads
    [(30, 40, 1, 0.0), (40, 40, 1, 0.0), (61, 37, 1, 0.3), (30, 40, 3, 0.0), (40, 40, 3, 0.0), (50, 20, 3, 0.1),
     (50, 20, 2, 0.1), (150, 120, 1, 0.0), (130, 90, 3, 0.0)],
)  # fmt: skip
def test_the_batch_matches_descend_per_trial_within_1e_10(n, d, m, noise):
    batch = run_trials(n, d, m, range(4), max_iter=120, history_every=7, noise=noise)
    assert batch.methods == ("gd", "rgd")
    assert_batch_matches_descend(batch)


def test_chunking_changes_nothing_beyond_rounding():
    whole = run_trials(24, 18, 1, range(7), max_iter=120, history_every=10)
    chunked = run_trials(24, 18, 1, range(7), max_iter=120, history_every=10, chunk_bytes=8 * 24 * 18 * 2)
    for name in ("gd", "rgd"):
        for field in FIELDS + ("X", "gradient_norm"):
            assert _close(getattr(whole[name], field), getattr(chunked[name], field))
        assert _same(whole[name].stopped_at, chunked[name].stopped_at)
        assert whole[name].stop_reasons == chunked[name].stop_reasons


@pytest.mark.parametrize("n, d, m", [(24, 18, 1), (12, 30, 2)])
def test_running_chunks_on_two_threads_gives_the_same_bits_as_one(n, d, m):
    one = run_trials(n, d, m, range(9), max_iter=150, history_every=10, threads=1, chunk_bytes=8 * n * d * 3)
    two = run_trials(n, d, m, range(9), max_iter=150, history_every=10, threads=2, chunk_bytes=8 * n * d * 3)
    for name in ("gd", "rgd"):
        for field in FIELDS + ("X", "gradient_norm", "stopped_at"):
            assert _same(getattr(one[name], field), getattr(two[name], field)), (name, field)
        assert one[name].stop_reasons == two[name].stop_reasons


@pytest.mark.parametrize(
    "n, d, m, options",
    # Gram form (n <= d) and the two products (n > d); runs that converge, diverge, recede, and run to the budget
    [(40, 80, 1, dict(methods=("rgd",), max_iter=6000, gtol=1e-9)), (20, 10, 1, dict(step=10.0, max_iter=200)),
     (20, 50, 1, dict(noise=1.0, max_iter=1500)), (60, 10, 1, dict(methods=("gd",), max_iter=6000, gtol=1e-9)),
     (30, 40, 3, dict(max_iter=300)), (50, 20, 3, dict(noise=0.1, max_iter=300))],
)  # fmt: skip
def test_advancing_by_blocks_gives_the_same_bits_as_one_step_at_a_time(monkeypatch, n, d, m, options):
    blocks = run_trials(n, d, m, range(5), history_every=37, **options)
    monkeypatch.setattr(batched, "BLOCK_ITERATIONS", 1)  # no block: every iteration is a step
    steps = run_trials(n, d, m, range(5), history_every=37, **options)
    for name in blocks.methods:
        for field in FIELDS + ("X", "stopped_at", "gradient_norm"):
            assert _same(getattr(blocks[name], field), getattr(steps[name], field)), (name, field)
        assert blocks[name].stop_reasons == steps[name].stop_reasons
    # the runs that stop inside a block are there: a stop at an iteration the blocks do not end on
    stops = np.concatenate([blocks[name].stopped_at for name in blocks.methods])
    if "gtol" in options or "step" in options:
        assert (stops % 16 != 0).any() and (stops < options["max_iter"]).all()


@pytest.mark.parametrize("n, d, m", [(30, 40, 1), (60, 10, 3)])
def test_a_blocks_buffers_stay_within_their_byte_budget_and_change_no_bit(monkeypatch, n, d, m):
    # an iteration of 6 trials, 2 methods: directions (2m x n each) and products and their squares (2m x n, or
    # 2m x d when n > d); a budget of five such iterations
    budget = 5 * 8 * 6 * 2 * m * (n + 2 * min(n, d))
    problems = [planted_problem(n, d, m, seed=s) for s in range(6)]
    monkeypatch.setattr(batched, "BLOCK_BYTES", budget)
    chunk = batched._Chunk(problems, (GD, RGD), "auto", m)
    assert chunk.block == 5
    assert chunk.W_block.nbytes + chunk.V_block.nbytes + chunk.Q_block.nbytes <= budget
    small = run_trials(n, d, m, range(6), max_iter=300, history_every=50)
    monkeypatch.undo()
    default = run_trials(n, d, m, range(6), max_iter=300, history_every=50)
    for name in default.methods:
        for field in FIELDS + ("X", "stopped_at", "gradient_norm"):
            assert _same(getattr(small[name], field), getattr(default[name], field)), (name, field)


def test_trials_that_stop_early_are_frozen_and_match_descend():
    # converged (rgd, n < d), unbounded (noisy labels, n < d) and diverged (too large a step) trials
    converged = run_trials(40, 80, 1, range(3), methods=("rgd",), max_iter=20_000, history_every=500, gtol=1e-9)
    assert set(converged["rgd"].stop_reasons) == {StopReason.CONVERGED}
    assert_batch_matches_descend(converged)
    unbounded = run_trials(20, 50, 1, range(6), max_iter=3000, history_every=250, noise=1.0)
    assert StopReason.UNBOUNDED in unbounded["rgd"].stop_reasons
    assert_batch_matches_descend(unbounded)
    diverged = run_trials(20, 10, 1, range(3), step=10.0, max_iter=200, history_every=20)
    assert set(diverged["gd"].stop_reasons) == {StopReason.DIVERGED}
    assert_batch_matches_descend(diverged, step=10.0)
    # a converged run of GD with n > d stops where A^T D r vanishes but r does not
    stationary = run_trials(60, 10, 1, range(3), methods=("gd",), max_iter=20_000, history_every=1000, gtol=1e-9)
    assert set(stationary["gd"].stop_reasons) == {StopReason.CONVERGED}
    assert_batch_matches_descend(stationary)


@pytest.mark.parametrize("m", [1, 3])
def test_a_mapping_of_directions_runs_each_as_descend_would(m):
    directions = {"gd": GD, "half": interpolated_direction(0.5), "rgd": RGD, "quarter": interpolated_direction(0.25)}
    batch = run_trials(30, 40, m, range(3), methods=directions, max_iter=150, history_every=25, noise=0.1)
    assert batch.methods == ("gd", "half", "rgd", "quarter")
    assert_batch_matches_descend(batch, directions)


@pytest.mark.parametrize("n, d", [(30, 40), (2, 5), (40, 12)])
def test_neighbouring_interpolated_directions_each_keep_their_own_weight(n, d):
    # two interpolated directions side by side share the in-place weights of one neuron, each with its own lam
    # (n = 2: as many samples as such directions, where a lam applied along the wrong axis would still broadcast)
    directions = {"quarter": interpolated_direction(0.25), "half": interpolated_direction(0.5), "rgd": RGD}
    batch = run_trials(n, d, 1, range(3), methods=directions, max_iter=150, history_every=25, noise=0.1)
    assert_batch_matches_descend(batch, directions)


def test_clipped_labels_are_the_nonnegative_part_of_the_noisy_ones():
    noisy = planted_problem(40, 10, 2, seed=5, noise=1.0)
    clipped = planted_problem(40, 10, 2, seed=5, noise=1.0, clip=True)
    assert (noisy.y < 0).any()
    assert _same(clipped.y, np.where(noisy.y > 0, noisy.y, 0.0))
    for field in ("A", "X_star", "X0", "A_test", "y_test"):
        assert _same(getattr(clipped, field), getattr(noisy, field))
    batch = run_trials(20, 30, 1, range(3), max_iter=300, history_every=100, noise=1.0, clip=True)
    assert batch.clip
    assert_batch_matches_descend(batch)


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
        ({"methods": {}}, "methods"),
        ({"methods": {"gd": "gd"}}, "Direction"),
        ({"clip": "yes"}, "clip"),
        ({"threads": 0}, "threads"),
    ],
)
def test_bad_arguments_are_rejected_by_name(kwargs, fragment):
    args = {"seeds": [0], "max_iter": 3, "history_every": 1} | kwargs
    seeds = args.pop("seeds")
    with pytest.raises(InvalidInputError, match=fragment):
        run_trials(5, 3, 1, seeds, **args)


@pytest.mark.parametrize("m", [1, 3])
def test_the_interpolated_direction_is_gd_at_0_rgd_at_1_and_the_gradient_of_its_objective_between(rng, m):
    A, y = rng.standard_normal((25, 6)), np.abs(rng.standard_normal(25))
    X = rng.standard_normal((6, m))
    Z = A @ X
    for lam, ref in ((0.0, GD), (1.0, RGD)):
        mid = interpolated_direction(lam)
        assert _same(mid.weights(Z, y), ref.weights(Z, y))
        assert mid.objective(Z, y) == ref.objective(Z, y)
    lam = 0.3
    mid = interpolated_direction(lam)
    assert np.allclose(mid.weights(Z, y), 0.7 * GD.weights(Z, y) + 0.3 * RGD.weights(Z, y), rtol=1e-14, atol=0)
    # central differences of the objective along each coordinate of X: A^T W is its gradient (no tie nearby)
    G, h = A.T @ mid.weights(Z, y), 1e-6
    for j in range(6):
        for k in range(m):
            E = np.zeros_like(X)
            E[j, k] = h
            slope = (mid.objective(A @ (X + E), y) - mid.objective(A @ (X - E), y)) / (2 * h)
            assert abs(slope - G[j, k]) <= 1e-6 * (1.0 + abs(G[j, k])), (j, k)


@pytest.mark.parametrize("lam", [-0.1, 1.5, float("nan"), "0.5", True])
def test_an_interpolation_weight_outside_0_1_is_rejected(lam):
    with pytest.raises(InvalidInputError, match="lam"):
        interpolated_direction(lam)
