"""The report's relaxation-gap section: exact min f against min f_r off the planted model."""

from __future__ import annotations

import numpy as np
import pytest

from relurelax.reports.relaxation_gap import (
    STACKLOSS,
    GapSettings,
    gap_finding,
    run_relaxation_gap,
    stackloss_problem,
)


def test_stackloss_data_has_the_published_column_means():
    data = np.array(STACKLOSS, dtype=float)
    assert data.shape == (21, 4)
    # R's datasets::stackloss: means 60.42857, 21.09524, 86.28571, 17.52381 (sums 1269, 443, 1812, 368)
    assert data.sum(axis=0).tolist() == [1269.0, 443.0, 1812.0, 368.0]
    A, y = stackloss_problem()
    assert np.allclose(A.mean(axis=0), 0.0) and np.allclose(A.std(axis=0), 1.0)
    assert y.tolist() == data[:, 3].tolist()


@pytest.fixture(scope="module")
def gap():
    return run_relaxation_gap(GapSettings(ns=(8,)), seed=0)


def test_every_value_respects_the_order_the_mathematics_gives(gap):
    assert [r["name"] for r in gap["instances"]][-1].startswith("stack loss")
    for r in gap["instances"]:
        tol = 1e-9 * r["y_norm_squared"]
        assert r["p_plus"] <= r["min_f"] + tol  # P_+ <= min f_1
        assert r["min_f"] <= r["min_fr"] + tol  # f <= f_r when y >= 0 (Eq. (6))
        for key in ("f_at_argmin_fr", "gd_f", "rgd_f"):
            assert r["min_f"] <= r[key] + tol, key  # nothing beats the global minimum
        assert r["relaxation_loss"] == pytest.approx((r["f_at_argmin_fr"] - r["min_f"]) / r["y_norm_squared"])


def test_the_finding_names_every_instance_with_its_numbers(gap):
    finding = gap_finding(gap)
    for r in gap["instances"]:
        assert r["name"] in finding["evidence"]
    losing = sum(r["relaxation_loss"] > 1e-9 for r in gap["instances"])
    assert finding["holds"] == (losing == len(gap["instances"]))
    assert finding["evidence"].startswith(f"{losing} of {len(gap['instances'])} instances lose")


def test_a_planted_instance_without_noise_loses_nothing():
    gap = run_relaxation_gap(GapSettings(ns=(10,), noise=0.0, real_data=False), seed=3)
    (r,) = gap["instances"]
    assert abs(r["min_f"]) <= 1e-12 * r["y_norm_squared"] and abs(r["relaxation_loss"]) <= 1e-9
    assert not gap_finding(gap)["holds"]
