r"""The five named conditions every claim is examined against, and their logic.

``planted``
    :math:`y = g(Ax^*)` (model (4)) or :math:`y = \sum_j g(Ax_j^*)` (model (8)).
``labels-nonnegative``
    :math:`y \ge 0`.
``n-le-d``
    :math:`n \le d` (the regime of Section II.B).
``full-row-rank``
    :math:`\operatorname{rank} A = n`.
``no-zero-preactivation``
    no entry of :math:`AX` is zero at the point the claim is about
    (Proposition 2).

Three implications hold between them and are used to pick the weakest of
several sufficient sets (:func:`closure`):

* planted implies labels-nonnegative (a sum of ReLUs is nonnegative);
* full-row-rank implies n-le-d (:math:`\operatorname{rank} A \le d`);
* labels-nonnegative and full-row-rank together imply planted: with
  :math:`AA^+ = I_n`, :math:`x^* = A^+ y` gives :math:`g(Ax^*) = g(y) = y`
  (and the other neurons of (8) can be zero).

This module is plain Python (no numerics) so that both halves of
:mod:`relurelax.proofs` can use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Set as AbstractSet
from dataclasses import dataclass
from itertools import combinations

__all__ = [
    "PLANTED",
    "LABELS_NONNEGATIVE",
    "N_LE_D",
    "FULL_ROW_RANK",
    "NO_ZERO_PREACTIVATION",
    "CONDITIONS",
    "IMPLICATIONS",
    "closure",
    "implies",
    "strictly_weaker",
    "Space",
    "DROP_SPACES",
    "ordered",
    "minimal_unrefuted_sets",
]

PLANTED = "planted"
LABELS_NONNEGATIVE = "labels-nonnegative"
N_LE_D = "n-le-d"
FULL_ROW_RANK = "full-row-rank"
NO_ZERO_PREACTIVATION = "no-zero-preactivation"

#: the five conditions, in the order the ledger lists them
CONDITIONS = (PLANTED, LABELS_NONNEGATIVE, N_LE_D, FULL_ROW_RANK, NO_ZERO_PREACTIVATION)

#: (premises, conclusion): the premises together imply the conclusion
IMPLICATIONS = (
    (frozenset({PLANTED}), LABELS_NONNEGATIVE),
    (frozenset({FULL_ROW_RANK}), N_LE_D),
    (frozenset({LABELS_NONNEGATIVE, FULL_ROW_RANK}), PLANTED),
)


def ordered(names: Iterable[str]) -> tuple[str, ...]:
    """Condition names in the canonical order of :data:`CONDITIONS`."""
    names = set(names)
    unknown = names - set(CONDITIONS)
    if unknown:
        raise ValueError(f"unknown conditions {sorted(unknown)}; known: {', '.join(CONDITIONS)}")
    return tuple(c for c in CONDITIONS if c in names)


def closure(names: Iterable[str]) -> frozenset[str]:
    """Every condition implied by ``names`` through :data:`IMPLICATIONS`."""
    out = set(ordered(names))
    changed = True
    while changed:
        changed = False
        for premises, conclusion in IMPLICATIONS:
            if premises <= out and conclusion not in out:
                out.add(conclusion)
                changed = True
    return frozenset(out)


def implies(stronger: Iterable[str], weaker: Iterable[str]) -> bool:
    """True when the conditions ``stronger`` imply every condition of ``weaker``."""
    return frozenset(weaker) <= closure(stronger)


def strictly_weaker(a: Iterable[str], b: Iterable[str]) -> bool:
    """``a`` is a strictly weaker hypothesis than ``b`` (b implies a, not conversely)."""
    return implies(b, a) and not implies(a, b)


@dataclass(frozen=True)
class Space:
    r"""A set of instances: those satisfying ``require`` and violating ``violate``."""

    require: frozenset[str] = frozenset()
    violate: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "require", frozenset(ordered(self.require)))
        object.__setattr__(self, "violate", frozenset(ordered(self.violate)))
        if self.require & self.violate:
            raise ValueError(f"a space cannot require and violate {sorted(self.require & self.violate)}")

    @property
    def empty(self) -> bool:
        """No instance lies in it: the required conditions imply a violated one (:func:`closure`)."""
        return bool(closure(self.require) & self.violate)

    def describe(self) -> str:
        parts = list(ordered(self.require)) + [f"not {c}" for c in ordered(self.violate)]
        return ", ".join(parts) if parts else "no condition"


#: For each condition c, the largest space in which c fails: every other
#: condition is kept unless, with the rest, it would force c back (see the
#: implications above). A counterexample found there shows c is necessary
#: even with everything else granted.
DROP_SPACES = {
    PLANTED: Space(frozenset({LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION}), frozenset({FULL_ROW_RANK})),
    LABELS_NONNEGATIVE: Space(frozenset({N_LE_D, FULL_ROW_RANK, NO_ZERO_PREACTIVATION}), frozenset({LABELS_NONNEGATIVE})),
    N_LE_D: Space(frozenset({PLANTED, LABELS_NONNEGATIVE, NO_ZERO_PREACTIVATION}), frozenset({N_LE_D})),
    FULL_ROW_RANK: Space(
        frozenset({PLANTED, LABELS_NONNEGATIVE, N_LE_D, NO_ZERO_PREACTIVATION}), frozenset({FULL_ROW_RANK})
    ),
    NO_ZERO_PREACTIVATION: Space(
        frozenset({PLANTED, LABELS_NONNEGATIVE, N_LE_D, FULL_ROW_RANK}), frozenset({NO_ZERO_PREACTIVATION})
    ),
}


def minimal_unrefuted_sets(refuted: Iterable[AbstractSet[str]]) -> list[frozenset[str]]:
    r"""Inclusion-minimal condition sets that no known counterexample satisfies.

    ``refuted`` holds, for each counterexample, the set of conditions it
    satisfies; a set S is refuted when some counterexample satisfies all of
    S. The answer lists the minimal unrefuted S, fewest conditions first,
    then the weaker hypothesis first (by :func:`strictly_weaker`), then in
    canonical order. An empty list means every set is refuted (the claim
    fails even under all five conditions).
    """
    refuted = [frozenset(r) for r in refuted]
    unrefuted = []
    for size in range(len(CONDITIONS) + 1):
        for combo in combinations(CONDITIONS, size):
            s = frozenset(combo)
            if any(s <= r for r in refuted):
                continue
            if any(u <= s for u in unrefuted):
                continue
            unrefuted.append(s)

    def key(s):
        stronger_than = sum(1 for t in unrefuted if t != s and strictly_weaker(t, s))
        return (len(s), stronger_than, [CONDITIONS.index(c) for c in ordered(s)])

    return sorted(unrefuted, key=key)
