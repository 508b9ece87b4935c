"""The constructions every search checks before its random draws, and the honest counts of a search.

The expected conditions of each construction are written here by hand from
the family definitions; the reference loops (tests/reference.py) check the
planted parameters and the stationary points independently of the numeric
code.
"""

from __future__ import annotations

import numpy as np
import pytest

from relurelax.proofs import constructions as constructions_module
from relurelax.proofs.checks import SOLVERS, Outcome, check_cor1_stationary_global, satisfied_conditions
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.conditions import (
    CONDITIONS,
    DROP_SPACES,
    FULL_ROW_RANK,
    LABELS_NONNEGATIVE,
    N_LE_D,
    NO_ZERO_PREACTIVATION,
    PLANTED,
    Space,
)
from relurelax.proofs.constructions import FAMILIES, constructions
from relurelax.proofs.search import search
from relurelax.proofs.strategies import Instance

from . import reference as ref

ALL = constructions((1, 3))


def _promised_conditions(family: str, A: np.ndarray, y: tuple, m: int) -> frozenset:
    """The conditions a construction satisfies at its point, from the family definitions (module docstring)."""
    if family == "negative-label":
        return frozenset({N_LE_D, FULL_ROW_RANK, NO_ZERO_PREACTIVATION})
    if family == "tie":
        return frozenset({PLANTED, LABELS_NONNEGATIVE, N_LE_D, FULL_ROW_RANK})
    if family == "planted-tie":  # A = [e1; e2; -e2] (n > d) or A = I_2
        return frozenset({PLANTED, LABELS_NONNEGATIVE} | ({N_LE_D, FULL_ROW_RANK} if A.shape[0] == 2 else set()))
    second_row = A[1, 0]  # rows (a, s a): s = -1 negated, 1 duplicated, 0 zero
    not_planted = {-1.0: m == 1 and y == (1.0, 2.0), 1.0: y == (1.0, 2.0), 0.0: y == (1.0, 1.0)}[second_row]
    out = {LABELS_NONNEGATIVE}
    if not not_planted:
        out.add(PLANTED)
    if family != "more-samples":
        out.add(N_LE_D)
    if second_row != 0.0:
        out.add(NO_ZERO_PREACTIVATION)
    return frozenset(out)


def _search(claim_id: str, space: Space, *, examples: int = 30, seed: int = 0, check=None, **options):
    claim = claim_by_id(claim_id)
    return search(claim.id, check or claim.check.load(), SOLVERS, space, max_examples=examples, seed=seed,
                  neurons=claim.neurons, second_point=claim.second_point,
                  point_is_claim_point=claim.point_is_claim_point, **options)  # fmt: skip


def _as_json(res) -> dict:
    cx = None if res.counterexample is None else res.counterexample.to_json()
    counts = (res.examples, res.constructed, res.rejected, res.skipped, res.budget)
    return {"counts": counts, "counterexample": cx, "family": getattr(res.counterexample, "family", None)}


# --- the constructions themselves


def test_every_family_has_constructions_for_one_two_and_three_neurons():
    for family in FAMILIES:
        assert {c.instance.m for c in ALL if c.family == family} == {1, 2, 3}, family


@pytest.mark.parametrize("k", range(len(ALL)))
def test_each_construction_satisfies_exactly_the_conditions_its_family_promises(k):
    c = ALL[k]
    inst = c.instance
    assert c.conditions == _promised_conditions(c.family, inst.A, tuple(inst.y.tolist()), inst.m), c.describe()
    # and the numeric code agrees when asked again at its point
    assert satisfied_conditions(inst, (inst.A @ inst.X,)) == c.conditions


@pytest.mark.parametrize("dropped", CONDITIONS)
def test_each_drop_space_has_constructions_for_every_m_that_violate_exactly_the_dropped_condition(dropped):
    space = DROP_SPACES[dropped]
    # the space of "without planted" does not name planted among its violations (random draws cannot
    # make sure of it), so planted constructions lie in it too; the ones that violate it are checked first
    inside = [c for c in ALL if c.lies_in(space) and dropped not in c.conditions]
    assert {c.instance.m for c in inside} == {1, 2, 3}
    for c in inside:
        # a drop space keeps every condition compatible with dropping one: its members satisfy exactly those
        assert c.conditions == space.require, c.describe()


def test_planted_constructions_carry_parameters_that_fit_their_labels_exactly_in_the_reference():
    planted = [c for c in ALL if c.instance.X_star is not None]
    assert len(planted) >= 20
    for c in planted:
        inst = c.instance
        assert inst.X_star.shape == inst.X.shape
        assert ref.loss(inst.A.tolist(), inst.y.tolist(), inst.X_star.tolist()) == 0.0, c.describe()


def test_the_constructions_are_small_integers_and_the_same_when_built_again():
    for c in ALL:
        for a in (c.instance.A, c.instance.y, c.instance.X):
            assert np.all(a == np.round(a)) and np.all(np.abs(a) <= 4), c.describe()
    constructions_module.constructions.cache_clear()
    again = constructions((1, 3))
    assert [c.describe() for c in again] == [c.describe() for c in ALL]
    assert all(a.conditions == b.conditions for a, b in zip(again, ALL))


def test_a_second_point_is_the_mirror_with_weight_one_half():
    for c in constructions((1, 1), second_point=True):
        assert np.array_equal(c.instance.V, -c.instance.X) and c.instance.alpha == 0.5


def _reference_slopes(A, y, X, h=1e-6):
    """Central differences of f_mp (reference loops) in every entry of X."""
    slopes = []
    for k, j in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[k, j] = h
        up, down = ref.regularized(A.tolist(), y.tolist(), (X + E).tolist()), ref.regularized(A.tolist(), y.tolist(), (X - E).tolist())
        slopes.append((up - down) / (2 * h))
    return np.array(slopes)


def test_the_negated_rows_with_labels_1_and_1_plus_m_sit_at_a_stationary_point_with_nonzero_residual():
    chosen = [c for c in ALL if np.array_equal(c.instance.A[:, 0], [1.0, -1.0]) and c.instance.y[1] == 1 + c.instance.m]
    assert {(c.family, c.instance.m) for c in chosen} == {(f, m) for f in ("negated-rows", "more-samples") for m in (1, 2, 3)}
    for c in chosen:
        inst = c.instance
        assert np.all(inst.A @ inst.X != 0)  # f_mp is differentiable there: stationary means a zero gradient
        assert np.max(np.abs(_reference_slopes(inst.A, inst.y, inst.X))) < 1e-6, c.describe()
        assert ref.loss(inst.A.tolist(), inst.y.tolist(), inst.X.tolist()) == 1.0  # r = (-1, -1)


def test_the_known_corollary_1_counterexample_is_of_the_negated_rows_family_and_fails_the_check():
    # A = [[1,1],[-1,-1]], y = [1,2], m = 2, X = -1/4: every neuron inactive on the first row, r = (-1, -1)
    A, y = np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([1.0, 2.0])
    inst = Instance(A=A, y=y, X=np.full((2, 2), -0.25))
    outcome = check_cor1_stationary_global(SOLVERS, inst)
    assert outcome.holds is False
    extra = dict(outcome.extra)
    assert np.array_equal(extra["stationary point"], inst.X) and np.array_equal(extra["residual"], [-1.0, -1.0])
    assert satisfied_conditions(inst, outcome.points) == DROP_SPACES[FULL_ROW_RANK].require


# --- searches find the families at every seed


@pytest.mark.parametrize("seed", [0, 5, 26, 35])
def test_the_corollary_1_search_without_full_row_rank_finds_a_counterexample_at_every_seed(seed):
    res = _search("cor1-stationary-global", DROP_SPACES[FULL_ROW_RANK], seed=seed)
    cx = res.counterexample
    assert cx is not None and cx.family == "negated-rows"
    assert cx.satisfied == DROP_SPACES[FULL_ROW_RANK].require
    assert np.linalg.matrix_rank(cx.instance.A) < cx.instance.n and cx.instance.m >= 2
    residual = dict(cx.extra)["residual"]
    assert np.linalg.norm(residual) > 1.0
    assert _as_json(res) == _as_json(_search("cor1-stationary-global", DROP_SPACES[FULL_ROW_RANK], seed=seed + 1))


@pytest.mark.parametrize("claim_id", ["thm1-global-min", "thm2-global-min"])
@pytest.mark.parametrize("dropped", [LABELS_NONNEGATIVE, PLANTED])
@pytest.mark.parametrize("seed", [0, 26])
def test_the_theorem_searches_without_labels_nonnegative_or_planted_find_a_counterexample(claim_id, dropped, seed):
    res = _search(claim_id, DROP_SPACES[dropped], seed=seed)
    cx = res.counterexample
    assert cx is not None and cx.family is not None
    assert cx.satisfied == DROP_SPACES[dropped].require
    assert res.constructed == res.examples  # found before any random draw


def test_the_proposition_2_search_without_no_zero_preactivation_finds_a_tie_with_two_neurons():
    cx = _search("prop2-gradient", DROP_SPACES[NO_ZERO_PREACTIVATION]).counterexample
    assert cx is not None and cx.family == "tie" and cx.instance.m == 2
    assert np.any(cx.instance.A @ cx.instance.X == 0)


# --- honest counts


def test_a_search_of_an_empty_space_checks_nothing_and_is_short():
    empty = Space(frozenset({FULL_ROW_RANK}), frozenset({N_LE_D}))
    res = _search("bound-fr-ge-f", empty)
    assert res.counterexample is None and res.examples == 0 and res.constructed == 0
    assert res.skipped == len(constructions((1, 1)))
    assert res.budget == 30 and res.short


def test_a_search_whose_check_rejects_every_instance_is_short():
    def undecided(nx, inst):
        return Outcome(None, "says nothing about this instance")

    res = _search("bound-fr-ge-f", Space(), check=undecided, examples=5)
    assert res.counterexample is None and res.examples == 0 and res.random == 0
    assert res.rejected > len(constructions((1, 1)))  # every construction, then what hypothesis drew before giving up
    assert res.short


def test_a_search_that_finds_nothing_checks_every_construction_and_its_whole_random_budget():
    res = _search("prop1-convexity", Space())
    assert res.counterexample is None and not res.short
    assert res.random == 30 == res.budget
    assert res.constructed == len(constructions((1, 1), second_point=True)) and res.skipped == 0
    assert res.examples == res.constructed + res.random


def test_the_constructions_come_on_top_of_the_budget():
    res = _search("prop1-convexity", Space(), examples=0)
    assert res.examples == res.constructed > 0 and res.random == 0
    assert not res.short  # a budget of no random example is met


def test_a_counterexample_from_a_construction_is_the_construction_itself():
    res = _search("bound-fr-ge-f", DROP_SPACES[LABELS_NONNEGATIVE])
    cx = res.counterexample
    first = next(c for c in constructions((1, 1)) if c.lies_in(DROP_SPACES[LABELS_NONNEGATIVE]))
    assert cx.family == first.family == "negative-label"
    assert cx.instance == first.instance or np.array_equal(cx.instance.X, first.instance.X)
    assert (res.examples, res.constructed, res.random) == (1, 1, 0)


def test_hypothesis_shrinking_calls_are_not_counted_as_examples():
    # without constructions, hypothesis finds the negative-label counterexample and shrinks it
    res = _search("bound-fr-ge-f", DROP_SPACES[LABELS_NONNEGATIVE], use_constructions=False)
    cx = res.counterexample
    assert cx is not None and cx.family is None
    assert 1 <= res.examples <= res.budget and res.constructed == 0


@pytest.mark.parametrize(
    "claim_id, dropped, use_constructions",
    [("thm1-global-min", PLANTED, True), ("bound-fr-ge-f", LABELS_NONNEGATIVE, False)],
)
def test_the_same_seed_gives_the_same_counts_and_counterexample(claim_id, dropped, use_constructions):
    runs = [_search(claim_id, DROP_SPACES[dropped], seed=3, use_constructions=use_constructions) for _ in range(2)]
    assert runs[0].counterexample is not None
    assert _as_json(runs[0]) == _as_json(runs[1])
