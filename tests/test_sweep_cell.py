"""One cell of a sweep (relurelax.solvers.sweep): instances, methods, outcomes and what theorems say of them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from relurelax.solvers import InvalidInputError, descend
from relurelax.solvers.data import planted_problem
from relurelax.solvers.descent import GD, RGD
from relurelax.solvers.newton import unboundedness_certificate
from relurelax.solvers.seeds import derived_seed
from relurelax.solvers.sweep import Cell, run_cell, sweep_problem, trial_seed
from relurelax.solvers.tolerances import GLOBAL_OBJECTIVE_RTOL


def cell(**changes):
    fields = dict(n=12, d=4, m=1, noise=0.0, lam=1.0, clip=False, method="rgd", trials=4, seed=3, max_iter=500)
    fields.update(changes)
    return Cell(**fields)


def test_a_trials_instance_depends_on_its_cell_and_index_only():
    # trial k of a cell of 6 trials is trial k of a cell of 3: nothing depends on how many ran or in which order
    short, long = run_cell(cell(trials=3)), run_cell(cell(trials=6))
    for name in ("seeds", "train_error", "test_error", "recovery_error", "iterations", "stop_reason"):
        np.testing.assert_array_equal(getattr(short, name), getattr(long, name)[:3])
    assert trial_seed(3, 12, 4, 1, 5) == derived_seed(3, "sweep", 12, 4, 1, 5)
    assert len(set(long.seeds.tolist())) == 6


def test_every_method_and_noise_level_sees_the_same_instances():
    a, b = sweep_problem(cell(method="gd"), 2), sweep_problem(cell(method="newton", noise=0.5, clip=True), 2)
    np.testing.assert_array_equal(a.A, b.A)
    np.testing.assert_array_equal(a.X0, b.X0)
    assert (b.y >= 0).all() and not np.array_equal(a.y, b.y)


def test_the_batched_path_equals_descend_on_the_same_instance():
    records = run_cell(cell(method="gd", trials=2))
    P = planted_problem(12, 4, 1, seed=trial_seed(3, 12, 4, 1, 1))
    r = descend(P.A, P.y, P.X0, GD, max_iter=500, history_every=500, A_test=P.A_test, y_test=P.y_test)
    assert records.iterations[1] == r.iterations
    assert records.stop_reason[1] == r.stop_reason.value
    assert records.train_error[1] == pytest.approx(r.train_error, rel=1e-12, abs=1e-300)


def test_an_unbounded_relaxation_is_an_outcome_with_a_certificate_not_a_crash():
    # n < d with noisy labels: A has full row rank and negative labels make f_r unbounded (newton.py's claim)
    c = cell(n=5, d=10, noise=0.5, method="newton", trials=8)
    records = run_cell(c)
    unbounded = records.stop_reason == "unbounded"
    assert unbounded.any() and not unbounded.all()
    for k in range(c.trials):
        P = sweep_problem(c, k)
        assert (unboundedness_certificate(P.A, P.y) is not None) == unbounded[k]
    assert np.isnan(records.train_error[unbounded]).all()
    clipped = run_cell(cell(n=5, d=10, noise=0.5, method="newton", trials=8, clip=True))
    assert not (clipped.stop_reason == "unbounded").any()  # labels >= 0 are their own certificate of boundedness


def test_no_method_ends_below_the_certified_global_value():
    # min f (m = 1) and P_+ (m > 1) are lower bounds of the objective at every point
    for c in (cell(method="rgd"), cell(method="gd", noise=0.2), cell(method="rgd", m=2, n=8, d=3), cell(method="exact")):
        gaps = run_cell(c).global_gap
        assert np.isfinite(gaps).all()
        assert (gaps >= -GLOBAL_OBJECTIVE_RTOL).all()
    assert (run_cell(cell(method="exact")).global_gap == 0).all()


def test_rgd_recovers_the_planted_neuron_when_n_is_four_times_d():
    # identifiability: the relaxation recovers x* when A_S (a_i^T x* > 0) has rank d, chance P[Bin(n, 1/2) >= d]
    n, d = 40, 10
    records = run_cell(cell(n=n, d=d, trials=20, max_iter=3000))
    rate = float(np.mean(records.recovery_error <= 1e-6))
    assert rate >= binom.sf(d - 1, n, 0.5) - 0.15


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(d=0), "d must be"),
        (dict(m=0), "m must be"),
        (dict(trials=0), "trials must be"),
        (dict(lam=1.5), "lam must lie in [0, 1]"),
        (dict(noise=-1.0), "noise must be"),
        (dict(method="newton", m=2), "method newton is defined for one neuron"),
        (dict(method="exact", n=40, d=10), "cells"),
        (dict(method="sgd"), "unknown method 'sgd'"),
    ],
)
def test_a_bad_cell_is_refused_naming_the_problem(changes, words):
    with pytest.raises(InvalidInputError, match=None) as info:
        cell(**changes)
    assert words in str(info.value)
