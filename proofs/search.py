r"""Running a claim's numeric check on the known counterexample families, then under hypothesis, deterministically.

:func:`search` looks for an instance of a :class:`~.conditions.Space` on
which a claim's check fails, in two stages:

1. the constructions of :mod:`.constructions` that lie in the space (small
   exact members of the counterexample families: rank-deficient A with
   duplicated, negated or zero rows, ties, one negative label, n > d, labels
   outside the planted image for this m), in their fixed order. A failing
   construction is the counterexample as it is (it is already small).
2. instances drawn with :func:`~.strategies.instances`; hypothesis shrinks
   the first failing one to small integers.

Both stages reject the instances that fall outside the space once the check
has computed its points (``no-zero-preactivation`` at a minimiser or
stationary point) or about which the claim says nothing, and stop at the
first instance where the claim fails. The result is a frozen
:class:`SearchResult` with honest counts: the examples checked (from the
constructions and at random, up to and including the first failing one;
hypothesis's shrinking calls are not examples), the rejected ones, the
constructions outside the space (skipped), and the frozen
:class:`Counterexample` if any, carrying the instance, why it fails and
which conditions it satisfies.

The budget (``max_examples``) counts the random examples only: the
constructions are a fixed prefix checked on top of it (a few dozen at
most), so a larger budget never buys fewer random draws and every profile
checks every construction. A run that stopped without a counterexample
after fewer random examples than its budget (an empty space, or a check
that rejected what was drawn) is :attr:`SearchResult.short`.

Runs are deterministic: the constructions do not depend on the seed, and
the random stage has a fixed hypothesis seed derived from the ledger seed
and the search's name, no example database, no deadline, and every budget
a count (``max_examples`` examples; hypothesis's own cap of successful
shrinks). Hypothesis also stops shrinking after five minutes of wall time
(``MAX_SHRINKING_SECONDS`` of its engine), which would make a
counterexample depend on the machine's speed and load; :func:`search`
lifts that limit for the duration of its run (:func:`_count_budgets_only`).
The same seed therefore gives the same examples, counts and
counterexamples on a loaded machine as on an idle one, for one version of
hypothesis: its generator changes between releases (the example counts of
the default ledger at seed 0 differ between hypothesis 6.155 and 6.170),
so the ledger records the version it ran with.
"""

from __future__ import annotations

import contextlib
import math
import time
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable

from relurelax.solvers.validation import check_positive_int

from .checks import Numerics, Outcome, has_zero_preactivation, satisfied_conditions
from .conditions import CONDITIONS, NO_ZERO_PREACTIVATION, Space, closure, ordered
from .constructions import constructions
from .strategies import Instance, instances

__all__ = ["Counterexample", "SearchResult", "search", "exact_json"]


def exact_json(value: Any) -> Any:
    """Arrays and floats for JSON: integral values as ints (small exact numbers), the rest as floats."""
    if isinstance(value, np.ndarray):
        return [exact_json(v) for v in value.tolist()] if value.ndim else exact_json(value.item())
    if isinstance(value, (list, tuple)):
        return [exact_json(v) for v in value]
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, (int, np.integer)):
        return int(value)
    return value


@dataclass(frozen=True)
class Counterexample:
    r"""A shrunk instance on which a claim fails.

    ``satisfied`` are the named conditions it satisfies (computed from the
    instance, see :func:`~.checks.satisfied_conditions`); ``extra`` are
    (name, value) pairs from the check (a minimiser, a stationary point);
    ``family`` names the family of :mod:`.constructions` it comes from, or
    is None for a random draw shrunk by hypothesis.
    """

    claim: str
    instance: Instance
    message: str
    satisfied: frozenset
    extra: tuple = ()
    family: str | None = None

    def to_json(self) -> dict:
        inst = self.instance
        out = {"A": exact_json(inst.A), "y": exact_json(inst.y), "X": exact_json(inst.X), "m": inst.m}
        if inst.X_star is not None:
            out["X_star"] = exact_json(inst.X_star)
        if inst.V is not None:
            out["V"] = exact_json(inst.V)
            out["alpha"] = inst.alpha
        for name, value in self.extra:
            out[name] = exact_json(np.asarray(value))
        out["satisfies"] = list(ordered(self.satisfied))
        out["violates"] = [c for c in CONDITIONS if c not in self.satisfied]
        out["why"] = self.message
        return out

    def short(self) -> str:
        """One line: the data and why the claim fails."""
        inst = self.instance

        def fmt(a):
            return str(exact_json(np.asarray(a))).replace(" ", "")

        data = f"A={fmt(inst.A)} y={fmt(inst.y)} X={fmt(inst.X)}"
        if inst.V is not None:
            data += f" V={fmt(inst.V)} alpha={inst.alpha}"
        # points the check reached from X (a minimiser, a stationary point) are part of the story
        reached = [f"{name}={fmt(value)}" for name, value in self.extra if np.ndim(value) >= 1]
        tail = f" [{'; '.join(reached)}]" if reached else ""
        return f"{data}: {self.message}{tail}"


@dataclass(frozen=True)
class SearchResult:
    r"""What one search saw: examples checked, rejected, skipped, and the counterexample if any.

    ``examples`` are the instances checked (not rejected), up to and
    including the first failing one: ``constructed`` of them from
    :mod:`.constructions`, :attr:`random` drawn by hypothesis. ``rejected``
    are the checked instances (of both kinds) outside the space once the
    check computed its points, or not decided by the claim; ``skipped`` the
    constructions of the claim's shape outside the space (never checked).
    ``budget`` is the number of random examples the run was asked for
    (constructions come on top); a run that stopped without a
    counterexample after fewer (the space was empty, or the check rejected
    what was drawn) has :attr:`short` True, and says less than "no
    counterexample in ``budget`` random examples".
    """

    space: Space
    examples: int
    rejected: int
    counterexample: Counterexample | None
    seconds: float
    budget: int = 0
    constructed: int = 0
    skipped: int = 0

    @property
    def random(self) -> int:
        """Examples drawn at random (hypothesis), not from the constructions."""
        return self.examples - self.constructed

    @property
    def short(self) -> bool:
        """No counterexample, and fewer random examples checked than the budget."""
        return self.counterexample is None and self.random < self.budget


class _Tally:
    """Counts of one search, by stage; hypothesis's shrinking calls (after the first failure) are not counted."""

    def __init__(self):
        self.examples = self.rejected = self.constructed = self.skipped = 0
        self.failed = False

    def rejects(self) -> None:
        if not self.failed:
            self.rejected += 1

    def checks(self, outcome: Outcome) -> None:
        if not self.failed:
            self.examples += 1
        self.failed = self.failed or outcome.holds is False


class _ClaimFails(Exception):
    def __init__(self, instance: Instance, outcome: Outcome):
        super().__init__(outcome.message)
        self.instance = instance
        self.outcome = outcome


def _in_space(space: Space, outcome: Outcome) -> bool:
    """Does the check's point lie in the space (for the one condition a strategy cannot fix in advance)?"""
    if not outcome.points:
        return True
    tie = any(has_zero_preactivation(Z) for Z in outcome.points)
    if NO_ZERO_PREACTIVATION in space.require and tie:
        return False
    if NO_ZERO_PREACTIVATION in space.violate and not tie:
        return False
    return True


@contextlib.contextmanager
def _count_budgets_only():
    r"""Lift hypothesis's wall-time cap on shrinking for the block (restored afterwards).

    The engine reads ``MAX_SHRINKING_SECONDS`` when it starts shrinking; with
    it infinite, shrinking ends only on its count budgets (no shrink left to
    try, or hypothesis's cap of successful shrinks).
    """
    from hypothesis.internal.conjecture import engine

    if not hasattr(engine, "MAX_SHRINKING_SECONDS"):  # a hypothesis without the cap
        yield
        return
    saved = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = math.inf
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = saved


def search_seed(*parts: object) -> int:
    """A stable 32-bit hypothesis seed from the ledger seed and a search's name."""
    return zlib.crc32(":".join(str(p) for p in parts).encode())


def _judge(check: Callable, numerics: Numerics, space: Space, inst: Instance) -> Outcome | None:
    """The check's outcome on ``inst``, or None when the instance is rejected (undecided, or outside the space)."""
    outcome = check(numerics, inst)
    if outcome.holds is None or not _in_space(space, outcome):
        return None
    return outcome


def _counterexample(claim_id: str, inst: Instance, outcome: Outcome, family: str | None = None) -> Counterexample:
    satisfied = satisfied_conditions(inst, outcome.points, inst.m)
    return Counterexample(claim_id, inst, outcome.message, satisfied, outcome.extra, family)


@dataclass(frozen=True)
class _Shape:
    """What a claim's check needs of an instance (see :func:`~.strategies.instances`)."""

    neurons: tuple
    second_point: bool
    point_is_claim_point: bool


def _from_constructions(claim_id, check, numerics, space, shape: _Shape, tally: _Tally) -> Counterexample | None:
    r"""Stage 1: every construction of the claim's shape in the space, in order, until one fails.

    The constructions that satisfy no more than the space requires (or its
    requirements imply) come first: the space of "without planted" cannot name planted among its
    violations (random draws cannot make sure of it), and a construction
    that violates it is the one that search is for.
    """
    inside = []
    for construction in constructions(shape.neurons, shape.second_point):
        if construction.lies_in(space, shape.point_is_claim_point):
            inside.append(construction)
        else:
            tally.skipped += 1
    implied = closure(space.require)
    inside.sort(key=lambda c: not c.conditions <= implied)  # stable: the family order otherwise
    for construction in inside:
        inst = construction.instance
        outcome = _judge(check, numerics, space, inst)
        if outcome is None:
            tally.rejects()
            continue
        tally.checks(outcome)
        tally.constructed += 1
        if outcome.holds is False:
            return _counterexample(claim_id, inst, outcome, construction.family)
    return None


def _at_random(claim_id, check, numerics, space, shape: _Shape, tally: _Tally, max_examples: int, seed: int):
    """Stage 2: ``max_examples`` instances drawn by hypothesis; the first failing one shrunk."""
    strategy = instances(space, neurons=shape.neurons, second_point=shape.second_point,
                         point_is_claim_point=shape.point_is_claim_point)  # fmt: skip

    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
        print_blob=False,
    )
    @hypothesis_seed(search_seed(seed, claim_id, space.describe()))
    @given(strategy)
    def run(inst: Instance) -> None:
        outcome = _judge(check, numerics, space, inst)
        if outcome is None:
            tally.rejects()
            assume(False)
        tally.checks(outcome)
        if outcome.holds is False:
            raise _ClaimFails(inst, outcome)

    try:
        with _count_budgets_only():
            run()
    except Unsatisfiable:
        pass  # every drawn instance was rejected: the claim decides no instance of this space
    except _ClaimFails as exc:
        return _counterexample(claim_id, exc.instance, exc.outcome)
    return None


def search(
    claim_id: str,
    check: Callable[[Numerics, Instance], Outcome],
    numerics: Numerics,
    space: Space,
    *,
    max_examples: int,
    seed: int,
    neurons: tuple[int, int] = (1, 1),
    second_point: bool = False,
    point_is_claim_point: bool = True,
    use_constructions: bool = True,
) -> SearchResult:
    r"""Look for an instance of ``space`` on which ``check`` says the claim fails.

    Parameters
    ----------
    claim_id : the claim's id (part of the hypothesis seed).
    check, numerics : the claim's check and the numeric code it runs.
    space : the instances to check; an empty space (:attr:`~.conditions.Space.empty`)
        gives a short result with no example.
    max_examples : random instances to check (hypothesis counts the ones not
        rejected); the constructions come on top (module docstring).
    seed : the ledger seed.
    neurons, second_point, point_is_claim_point : passed to :func:`~.strategies.instances`.
    use_constructions : check the constructions of :mod:`.constructions` first
        (False: hypothesis alone, as when testing its shrinking).
    """
    max_examples = check_positive_int(max_examples, "max_examples", minimum=0)
    shape = _Shape(tuple(neurons), second_point, point_is_claim_point)
    tally = _Tally()
    start = time.perf_counter()
    found = None
    if use_constructions:
        found = _from_constructions(claim_id, check, numerics, space, shape, tally)
    if found is None and max_examples > 0 and not space.empty:
        found = _at_random(claim_id, check, numerics, space, shape, tally, max_examples, seed)
    return SearchResult(space, tally.examples, tally.rejected, found, time.perf_counter() - start,
                        budget=max_examples, constructed=tally.constructed, skipped=tally.skipped)  # fmt: skip
