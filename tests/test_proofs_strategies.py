"""The exported hypothesis strategies draw well-posed instances of the spaces they promise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from relurelax.proofs.conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION, Space
from relurelax.proofs.strategies import (
    ENTRY_BOUND,
    convexity_instances,
    instances,
    nonnegative_label_instances,
    planted_instances,
    tie_instances,
)
from relurelax.solvers import multi_neuron_objective, objective

from . import reference as ref


@given(planted_instances())
def test_a_planted_instance_is_fitted_exactly_by_its_planted_point(inst):
    assert objective(inst.A, inst.y, inst.X_star[:, 0]) == 0.0
    assert ref.loss(inst.A.tolist(), inst.y.tolist(), inst.X_star.tolist()) == 0.0


@given(planted_instances(neurons=(2, 3)))
def test_a_planted_multi_neuron_instance_follows_model_8(inst):
    assert inst.X_star.shape == (inst.d, inst.m) and 2 <= inst.m <= 3
    assert multi_neuron_objective(inst.A, inst.y, inst.X_star) == 0.0


@given(nonnegative_label_instances())
def test_nonnegative_label_instances_have_small_integer_data(inst):
    assert np.all(inst.y >= 0)
    for a in (inst.A, inst.y, inst.X):
        assert np.all(a == np.round(a)) and np.all(np.abs(a) <= ENTRY_BOUND)


@given(tie_instances())
def test_tie_instances_have_a_zero_preactivation(inst):
    assert np.any(inst.A @ inst.X == 0)


@given(instances(Space(frozenset({FULL_ROW_RANK, NO_ZERO_PREACTIVATION})), neurons=(1, 3)))
def test_full_row_rank_and_no_tie_are_honoured(inst):
    assert np.linalg.matrix_rank(inst.A) == inst.n <= inst.d
    assert np.all(inst.A @ inst.X != 0)


@given(instances(Space(frozenset({LABELS_NONNEGATIVE}), frozenset({N_LE_D}))))
def test_violating_n_le_d_gives_more_samples_than_features(inst):
    assert inst.n > inst.d and np.linalg.matrix_rank(inst.A) < inst.n


@given(instances(Space(frozenset({N_LE_D}), frozenset({FULL_ROW_RANK, LABELS_NONNEGATIVE}))))
def test_violating_full_row_rank_and_labels_is_honoured(inst):
    assert inst.n <= inst.d and np.linalg.matrix_rank(inst.A) < inst.n
    assert np.any(inst.y < 0)


@given(convexity_instances())
def test_convexity_instances_carry_two_points_and_a_dyadic_weight(inst):
    assert inst.V.shape == inst.X.shape
    assert 0.0 <= inst.alpha <= 1.0 and (inst.alpha * 8).is_integer()


def test_drawing_from_an_empty_space_is_refused_by_name():
    @given(instances(Space(frozenset({FULL_ROW_RANK}), frozenset({N_LE_D}))))
    def draw(inst):
        raise AssertionError(f"drew {inst} from an empty space")

    with pytest.raises(ValueError, match="no instance lies in the space"):
        draw()
