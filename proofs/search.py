r"""Running a claim's numeric check under hypothesis, deterministically, and keeping the shrunk counterexample.

:func:`search` draws instances of a :class:`~.conditions.Space` with
:func:`~.strategies.instances`, runs the claim's check on each, rejects the
instances that fall outside the space once the check has computed its points
(``no-zero-preactivation`` at a minimiser or stationary point) or about which
the claim says nothing, and stops at the first instance where the claim
fails. Hypothesis then shrinks it to small integers, and the result is a
frozen :class:`Counterexample` carrying the instance, why it fails and
which conditions it satisfies.

Runs are deterministic: a fixed hypothesis seed derived from the ledger
seed and the search's name, no example database, no deadline, and every
budget a count (``max_examples`` examples; hypothesis's own cap of
successful shrinks). Hypothesis also stops shrinking after five minutes of
wall time (``MAX_SHRINKING_SECONDS`` of its engine), which would make a
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
from typing import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable

from .checks import Numerics, Outcome, has_zero_preactivation, satisfied_conditions
from .conditions import CONDITIONS, NO_ZERO_PREACTIVATION, Space, ordered
from .strategies import Instance, instances

__all__ = ["Counterexample", "SearchResult", "search", "exact_json"]


def exact_json(value):
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
    (name, value) pairs from the check (a minimiser, a stationary point).
    """

    claim: str
    instance: Instance
    message: str
    satisfied: frozenset
    extra: tuple = ()

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
    r"""What one hypothesis run saw: examples checked, rejected, and the counterexample if any.

    ``budget`` is the number of examples the run was asked to check; a run
    that stopped without a counterexample after fewer (the space was empty,
    or the check rejected what was drawn) has :attr:`short` True, and says
    less than "no counterexample in ``budget`` examples".
    """

    space: Space
    examples: int
    rejected: int
    counterexample: Counterexample | None
    seconds: float
    budget: int = 0

    @property
    def short(self) -> bool:
        """No counterexample, and fewer examples checked than the budget."""
        return self.counterexample is None and self.examples < self.budget


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


def search_seed(*parts) -> int:
    """A stable 32-bit hypothesis seed from the ledger seed and a search's name."""
    return zlib.crc32(":".join(str(p) for p in parts).encode())


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
) -> SearchResult:
    r"""Look for an instance of ``space`` on which ``check`` says the claim fails.

    Parameters
    ----------
    claim_id : the claim's id (part of the hypothesis seed).
    check, numerics : the claim's check and the numeric code it runs.
    space : the instances to draw.
    max_examples : instances to check (hypothesis counts the ones not rejected).
    seed : the ledger seed.
    neurons, second_point, point_is_claim_point : passed to :func:`~.strategies.instances`.
    """
    counts = {"examples": 0, "rejected": 0}
    strategy = instances(
        space, neurons=neurons, second_point=second_point, point_is_claim_point=point_is_claim_point
    )

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
        outcome = check(numerics, inst)
        if outcome.holds is None or not _in_space(space, outcome):
            counts["rejected"] += 1
            assume(False)
        counts["examples"] += 1
        if outcome.holds is False:
            raise _ClaimFails(inst, outcome)

    start = time.perf_counter()
    found = None
    try:
        with _count_budgets_only():
            run()
    except Unsatisfiable:
        pass  # every drawn instance was rejected: the claim decides no instance of this space
    except _ClaimFails as exc:
        m = exc.instance.m
        found = Counterexample(
            claim=claim_id,
            instance=exc.instance,
            message=exc.outcome.message,
            satisfied=satisfied_conditions(exc.instance, exc.outcome.points, m),
            extra=exc.outcome.extra,
        )
    return SearchResult(
        space, counts["examples"], counts["rejected"], found, time.perf_counter() - start, budget=max_examples
    )
