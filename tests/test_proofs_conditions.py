"""The logic of the five named conditions: implications, drop spaces, minimal sets."""

from __future__ import annotations

import pytest

from relurelax.proofs.conditions import CONDITIONS, DROP_SPACES, Space, closure, minimal_unrefuted_sets, strictly_weaker
from relurelax.proofs.conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION, PLANTED


def test_closure_adds_exactly_the_three_implications():
    assert closure({PLANTED}) == {PLANTED, LABELS_NONNEGATIVE}
    assert closure({FULL_ROW_RANK}) == {FULL_ROW_RANK, N_LE_D}
    assert closure({LABELS_NONNEGATIVE, FULL_ROW_RANK}) == {LABELS_NONNEGATIVE, FULL_ROW_RANK, N_LE_D, PLANTED}
    assert closure({LABELS_NONNEGATIVE, N_LE_D}) == {LABELS_NONNEGATIVE, N_LE_D}
    assert closure(()) == frozenset()


def test_labels_nonnegative_is_strictly_weaker_than_planted():
    assert strictly_weaker({LABELS_NONNEGATIVE}, {PLANTED})
    assert not strictly_weaker({PLANTED}, {LABELS_NONNEGATIVE})
    assert not strictly_weaker({PLANTED}, {PLANTED})


@pytest.mark.parametrize("dropped", CONDITIONS)
def test_each_drop_space_keeps_every_condition_compatible_with_dropping_one(dropped):
    space = DROP_SPACES[dropped]
    # the dropped condition is not forced back by what the space keeps
    assert dropped not in closure(space.require)
    assert dropped not in space.require
    # and keeping any further condition would force it back (the space is maximal)
    for extra in set(CONDITIONS) - set(space.require) - {dropped}:
        assert dropped in closure(set(space.require) | {extra}) or extra in space.violate


def test_a_space_cannot_require_and_violate_the_same_condition():
    with pytest.raises(ValueError, match="cannot require and violate"):
        Space(frozenset({PLANTED}), frozenset({PLANTED}))


def test_unknown_condition_names_are_refused():
    with pytest.raises(ValueError, match="unknown conditions"):
        Space(frozenset({"convex"}))


def test_with_no_counterexample_the_empty_set_is_minimal():
    assert minimal_unrefuted_sets([]) == [frozenset()]


def test_a_negative_label_counterexample_leaves_labels_nonnegative_as_the_weakest_single_condition():
    # the bound f_r >= f: its counterexample satisfies everything but planted and y >= 0
    refuted = [{N_LE_D, FULL_ROW_RANK, NO_ZERO_PREACTIVATION}]
    assert minimal_unrefuted_sets(refuted) == [frozenset({LABELS_NONNEGATIVE}), frozenset({PLANTED})]


def test_two_theorem_1_counterexamples_make_planted_smallest_and_name_the_alternative():
    refuted = [
        {N_LE_D, FULL_ROW_RANK, NO_ZERO_PREACTIVATION},  # a negative label: f_r unbounded
        {LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION},  # y >= 0, rank-deficient A
    ]
    sets = minimal_unrefuted_sets(refuted)
    assert sets[0] == frozenset({PLANTED})
    assert frozenset({LABELS_NONNEGATIVE, FULL_ROW_RANK}) in sets


def test_a_counterexample_satisfying_all_five_leaves_no_sufficient_set():
    assert minimal_unrefuted_sets([set(CONDITIONS)]) == []


def test_a_space_whose_required_conditions_imply_a_violated_one_is_empty():
    assert Space(frozenset({FULL_ROW_RANK}), frozenset({N_LE_D})).empty
    assert Space(frozenset({PLANTED}), frozenset({LABELS_NONNEGATIVE})).empty
    assert Space(frozenset({LABELS_NONNEGATIVE, FULL_ROW_RANK}), frozenset({PLANTED})).empty
    assert not Space(frozenset({LABELS_NONNEGATIVE}), frozenset({PLANTED})).empty
    assert not Space().empty


@pytest.mark.parametrize("dropped", CONDITIONS)
def test_no_drop_space_is_empty(dropped):
    assert not DROP_SPACES[dropped].empty
