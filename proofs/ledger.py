r"""The claims ledger: every claim of the paper and relurelax's beyond it, proved, property-tested and stress-tested.

For each :class:`~.claims.Claim` of the registry (:mod:`.registry`, which
validates every claim's parts at import), :func:`examine_claim` gathers four
kinds of evidence from the claim's own parts and decides under which of the
named conditions of :mod:`.conditions` the claim holds:

1. ``sympy`` (:mod:`.symbolic`) and ``smt`` (:mod:`.smt`) prove the claim's
   per-sample lemmas under a set of conditions P (each proof says which).
2. ``hypothesis`` (:mod:`.search`) looks for counterexamples with the numeric
   code of :mod:`relurelax.solvers`. For every condition c it searches the
   largest space in which c fails (:data:`~.conditions.DROP_SPACES`),
   unless a proof already covers that space. Each shrunk counterexample
   refutes every set of conditions it satisfies, unless it satisfies a set a
   proof covers: then the numeric code disagrees with a proved statement.
3. The minimal conditions M are the fewest conditions that no counterexample
   satisfies, the weakest hypothesis first when several sets tie
   (:func:`~.conditions.minimal_unrefuted_sets`); the numeric check is then
   run on instances drawn to satisfy M, with no other condition imposed. A
   counterexample there refines M (a finding), unless a proof covers the
   conditions it satisfies: then the numeric code disagrees with a proved
   statement.
4. ``solver`` (:mod:`.crosscheck`) compares CVXPY and RGD on the claims
   that declare solver evidence (the claims about minima).

Verdicts: ``holds`` (the paper's conditions suffice and none is superfluous),
``holds-with-fewer-conditions`` (M is strictly weaker than the paper's),
``needs-extra-condition`` (a counterexample satisfies all the paper's
conditions; M names what is missing), ``fails`` (a counterexample satisfies
every condition).

Every verdict, every minimal set (M and each other minimal set) and every
condition's ``necessary`` carries a :class:`Graded` record saying how it is
established (:class:`Grade`):

``proved``
    a proof covers the set (it proves the claim under P with
    :math:`P \subseteq \operatorname{closure}(S)`) and, for each condition of
    the set, a checked counterexample satisfies the rest of the set and not
    that condition. A proof whose lemmas were decided only for
    :math:`m \le M` (:attr:`~._proof.ProofResult.every_m` False) proves the set
    "for m <= M" only (``proved_for``), never for every m.
``refuted``
    a checked counterexample (``necessary: true``: the set without the
    condition fails on it; the verdicts ``fails`` and ``needs-extra-condition``).
``searched``
    no proof; no counterexample in the N examples of the searches named (their
    spaces and counts). A search that checked fewer examples than its budget
    (:attr:`~.search.SearchResult.short`) is reported as "only K of N examples".

``holds`` and ``holds-with-fewer-conditions`` are ``proved`` only when M is
(and, for ``holds``, a proof covers the paper's conditions); ``necessary:
false`` only when a proof covers M. The ledger is consistent when every proof
went through and the numeric code never contradicted a proved statement
(findings about the paper's conditions are results, not failures); it is
``ok`` (exit 0) when it is consistent, every self-check of the numeric code
passed (:mod:`.selfchecks`: gradients against finite differences, the tie
convention, the descent loop, the solvers and their certificates, each
against an independent computation) and, if ``strict``, no minimal set is
only ``searched``.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass
from typing import Callable, Collection, Iterable, Sequence

from relurelax.solvers.provenance import versions
from relurelax.solvers.validation import check_positive_int

from ._proof import ProofResult
from .checks import SOLVERS, Numerics
from .claims import Claim, count_in_words
from .conditions import (
    CONDITIONS,
    DROP_SPACES,
    Space,
    closure,
    implies,
    minimal_unrefuted_sets,
    ordered,
    strictly_weaker,
)
from .registry import CLAIMS, validate
from .search import Counterexample, SearchResult, search
from .selfchecks import SELFCHECKS, SelfCheck, run_selfchecks

__all__ = [
    "Profile",
    "PROFILES",
    "Evidence",
    "Grade",
    "Graded",
    "MinimalSet",
    "ConditionResult",
    "ClaimRecord",
    "Ledger",
    "Verdict",
    "run_ledger",
    "build_ledger",
    "examine_claim",
    "grade_set",
    "search_outcome",
    "FAILING_STATUSES",
]


@dataclass(frozen=True)
class Profile:
    r"""How hard the ledger looks.

    ``examples``: hypothesis examples per property and per search;
    ``sympy_m`` / ``smt_m``: the largest m of the multi-neuron lemmas;
    ``solver_instances``: Gaussian instances per solver comparison;
    ``selfcheck_rounds``: instances of each self-check of the numeric code
    (:mod:`.selfchecks`) are drawn this many times over.
    """

    name: str
    examples: int
    sympy_m: int
    smt_m: int
    solver_instances: int
    selfcheck_rounds: int = 1


PROFILES = {
    "quick": Profile("quick", examples=30, sympy_m=3, smt_m=6, solver_instances=2, selfcheck_rounds=1),
    "default": Profile("default", examples=200, sympy_m=4, smt_m=8, solver_instances=8, selfcheck_rounds=2),
    "thorough": Profile("thorough", examples=10_000, sympy_m=6, smt_m=8, solver_instances=40, selfcheck_rounds=4),
}


class Verdict(enum.StrEnum):
    """The four verdicts of the ledger; the value is what the JSON carries (and what ``str`` and f-strings show)."""

    HOLDS = "holds"
    FEWER = "holds-with-fewer-conditions"
    EXTRA = "needs-extra-condition"
    FAILS = "fails"


class Grade(enum.StrEnum):
    """How a statement of the ledger is established (see the module docstring); the value is what the JSON carries."""

    PROVED = "proved"
    REFUTED = "refuted"
    SEARCHED = "searched"


#: evidence statuses that make the ledger fail (exit 1)
FAILING_STATUSES = frozenset({"not-proved", "disagrees"})

#: the scope of a proof that covers every m (one neuron, or a checked lift), as a bound on m
EVERY_M = math.inf


def _scope_text(bound: float) -> str:
    """``"every m"`` or ``"m <= M"``: the scope of a proof, as :attr:`~._proof.ProofResult.scope` says it."""
    return "every m" if bound == EVERY_M else f"m <= {int(bound)}"


def search_outcome(run: SearchResult, space: bool = False) -> str:
    """What one search saw, in words (with ``space``, naming the space); a short run is never "no counterexample"."""
    of = f" of ({run.space.describe()})" if space else ""
    made = f" ({run.constructed} constructed, {run.random} random)" if run.constructed else ""
    if run.counterexample is not None:
        return f"counterexample after {run.examples} examples{made}{of}"
    if run.short:  # the budget counts random examples; the constructions come on top
        besides = f"; {run.constructed} constructed examples checked besides" if run.constructed else ""
        return (f"only {run.random} of {run.budget} examples{of} ({run.rejected} drawn instances rejected: "
                f"outside the space or not decided by the claim{besides})")  # fmt: skip
    return f"no counterexample in {run.examples} examples{made}{of}"


def _search_json(run: SearchResult) -> dict:
    return {
        "space": run.space.describe(),
        "examples": run.examples,
        "budget": run.budget,
        "constructed": run.constructed,
        "rejected": run.rejected,
        "short": run.short,
    }


@dataclass(frozen=True)
class Graded:
    r"""The grade of one statement of the ledger and what it rests on.

    Attributes
    ----------
    grade : :class:`Grade`.
    basis : one sentence: the proof and counterexamples, the counterexample,
        or the searches (spaces and counts) it rests on (:attr:`summary`: a few words).
    proved_for : for ``proved`` only, the scope in m of the covering proofs:
        ``"every m"`` or ``"m <= M"``; None otherwise.
    searches : for ``searched`` only, the hypothesis runs it rests on (each
        without a counterexample; possibly none).
    """

    grade: Grade
    basis: str
    proved_for: str | None = None
    searches: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "grade", Grade(self.grade))
        if (self.proved_for is not None) != (self.grade is Grade.PROVED):
            raise ValueError(f"proved_for is given for proved grades only; got {self.proved_for!r} for {self.grade}")
        if self.searches and self.grade is not Grade.SEARCHED:
            raise ValueError(f"searches back a searched grade only; got {len(self.searches)} for {self.grade}")

    @property
    def examples(self) -> int:
        """Examples checked by the searches it rests on."""
        return sum(r.examples for r in self.searches)

    @property
    def short(self) -> bool:
        """A searched grade resting on no search, or on a search that checked fewer examples than its budget."""
        return self.grade is Grade.SEARCHED and (not self.searches or any(r.short for r in self.searches))

    @property
    def summary(self) -> str:
        """A few words, as every renderer shows the grade: ``proved``, ``proved for m <= 4``, ``refuted``,
        ``searched, 60 examples``, ``searched, only 0 of 30 examples`` (a search was short), ``searched, no search``."""
        if self.grade is Grade.PROVED:
            return "proved" if self.proved_for == "every m" else f"proved for {self.proved_for}"
        if self.grade is Grade.REFUTED:
            return "refuted"
        if not self.searches:
            return "searched, no search"
        if self.short:
            random = sum(r.random for r in self.searches)  # the budget counts random examples
            return f"searched, only {random} of {sum(r.budget for r in self.searches)} examples"
        return f"searched, {self.examples} examples"

    def to_json(self) -> dict:
        return {
            "grade": self.grade.value,
            "summary": self.summary,
            "proved_for": self.proved_for,
            "searches": [_search_json(r) for r in self.searches],
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: ``method`` is sympy, smt, hypothesis or solver."""

    method: str
    status: str
    examples: int
    seconds: float
    detail: str

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "status": self.status,
            "examples": self.examples,
            "seconds": self.seconds,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class MinimalSet:
    """A minimal set of conditions under which the claim holds, and how that is established."""

    conditions: tuple
    grade: Graded

    def to_json(self) -> dict:
        return {"conditions": list(self.conditions), "grade": self.grade.to_json()}


@dataclass(frozen=True)
class ConditionResult:
    """Whether a condition is necessary (None: not examined), the counterexample when dropped, and the grade."""

    name: str
    necessary: bool | None
    counterexample: Counterexample | None
    grade: Graded | None = None

    def to_json(self) -> dict:
        cx = None if self.counterexample is None else self.counterexample.to_json()
        grade = None if self.grade is None else self.grade.to_json()
        return {"name": self.name, "necessary": self.necessary, "grade": grade, "counterexample": cx}


@dataclass(frozen=True)
class ClaimRecord:
    """The ledger's line for one claim.

    ``minimal_grade`` grades ``minimal_conditions`` (None when the verdict is
    ``fails``); ``other_minimal_sets`` are the other minimal sets of the same
    size, each graded.
    """

    id: str
    statement: str
    paper_conditions: tuple
    minimal_conditions: tuple | None
    verdict: Verdict
    conditions: tuple
    evidence: tuple
    verdict_grade: Graded | None = None
    minimal_grade: Graded | None = None
    other_minimal_sets: tuple = ()

    @property
    def ok(self) -> bool:
        """No proof failed and the numeric code agreed with every proved statement."""
        return not any(e.status in FAILING_STATUSES for e in self.evidence)

    @property
    def searched_sets(self) -> tuple:
        """The minimal sets (M first, then the others) whose grade is ``searched``: :class:`MinimalSet` records."""
        sets = []
        if self.minimal_conditions is not None and self.minimal_grade is not None:
            sets.append(MinimalSet(tuple(self.minimal_conditions), self.minimal_grade))
        sets += self.other_minimal_sets
        return tuple(s for s in sets if s.grade.grade is Grade.SEARCHED)

    def to_json(self) -> dict:
        def graded(g):
            return None if g is None else g.to_json()

        return {
            "id": self.id,
            "statement": self.statement,
            "paper_conditions": list(self.paper_conditions),
            "minimal_conditions": None if self.minimal_conditions is None else list(self.minimal_conditions),
            "minimal_grade": graded(self.minimal_grade),
            "other_minimal_sets": [s.to_json() for s in self.other_minimal_sets],
            "verdict": Verdict(self.verdict).value,
            "verdict_grade": graded(self.verdict_grade),
            "conditions": [c.to_json() for c in self.conditions],
            "evidence": [e.to_json() for e in self.evidence],
        }


#: the distributions whose versions the ledger records (its numbers depend on them)
VERSIONED_PACKAGES = ("relurelax", "numpy", "scipy", "sympy", "hypothesis", "cvxpy", "clarabel", "z3-solver")


@dataclass(frozen=True)
class Ledger:
    r"""The claims ledger: one :class:`ClaimRecord` per claim, in the order of :data:`~.claims.CLAIMS`.

    ``strict``: a minimal set graded ``searched`` makes the ledger not ok
    (:meth:`judged` sets it; the examination is the same either way).
    ``selfchecks``: the :class:`~.selfchecks.SelfCheckResult` of every
    self-check of the numeric code the claims' checks run on; one that
    failed makes the ledger not ok (the evidence rests on that code).
    """

    profile: str
    seed: int
    claims: tuple
    versions: tuple = ()
    strict: bool = False
    selfchecks: tuple = ()

    def to_json(self) -> dict:
        """The ``relurelax verify --json`` document (wall times only in ``seconds`` fields)."""
        return {
            "profile": self.profile,
            "seed": self.seed,
            "strict": self.strict,
            "ok": self.ok,
            "consistent": self.consistent,
            "versions": dict(self.versions),
            "selfchecks": [r.to_json() for r in self.selfchecks],
            "claims": [c.to_json() for c in self.claims],
        }

    @property
    def consistent(self) -> bool:
        """Every proof went through and the numeric code agreed with every proved statement."""
        return all(c.ok for c in self.claims)

    @property
    def searched_sets(self) -> tuple:
        """``(claim id, MinimalSet)`` for every minimal set that rests on searches, not on a proof."""
        return tuple((c.id, s) for c in self.claims for s in c.searched_sets)

    @property
    def failed_selfchecks(self) -> tuple:
        """The self-checks of the numeric code that failed (:class:`~.selfchecks.SelfCheckResult`)."""
        return tuple(r for r in self.selfchecks if not r.passed)

    @property
    def ok(self) -> bool:
        """True iff ``relurelax verify`` exits 0: consistent, every self-check of the numeric code passed,
        and when ``strict`` no minimal set only searched."""
        return self.consistent and not self.failed_selfchecks and not (self.strict and self.searched_sets)

    def judged(self, strict: bool) -> Ledger:
        """The same ledger judged strictly or not: only ``strict`` and so ``ok`` change (the examination does not)."""
        return dataclasses.replace(self, strict=bool(strict))


def _proof_evidence(result) -> Evidence:
    return Evidence(result.method, "proved" if result.proved else "not-proved", result.cases, result.seconds, result.detail)


def _names(conditions) -> str:
    names = ordered(conditions)
    return ", ".join(names) if names else "no condition"


#: "all five conditions", counted from :data:`~.conditions.CONDITIONS`
ALL_CONDITIONS = f"all {count_in_words(len(CONDITIONS))} conditions"


def _run(claim: Claim, numerics: Numerics, space: Space, profile: Profile, seed: int):
    return search(
        claim.id,
        claim.check.load(),
        numerics,
        space,
        max_examples=profile.examples,
        seed=seed,
        neurons=claim.neurons,
        second_point=claim.second_point,
        point_is_claim_point=claim.point_is_claim_point,
    )


def _verdict(paper: tuple, minimal, refuted) -> tuple[Verdict, str]:
    """The verdict and a sentence saying why."""
    if minimal is None:
        return Verdict.FAILS, f"a counterexample satisfies {ALL_CONDITIONS}"
    paper_refuted = any(set(paper) <= r for r in refuted)
    if paper_refuted:
        extra = ordered(set(minimal) - closure(paper))
        return Verdict.EXTRA, f"a counterexample satisfies the paper's conditions; missing: {_names(extra)}"
    if strictly_weaker(minimal, paper):
        return Verdict.FEWER, f"{_names(minimal)} suffice(s), a weaker hypothesis than the paper's {_names(paper)}"
    if implies(minimal, paper) and implies(paper, minimal):
        return Verdict.HOLDS, "the paper's conditions are the minimal ones"
    return Verdict.HOLDS, f"the paper's conditions suffice; {_names(minimal)} is another minimal set"


@dataclass(frozen=True)
class _Proofs:
    """Step 1: the evidence of the sympy and z3 proofs, and the proofs that went through."""

    evidence: tuple
    proved: tuple  # ProofResults with proved True

    def bound(self, conditions) -> float | None:
        r"""The largest m the proofs covering ``conditions`` reach (:data:`EVERY_M` for every m); None when none covers them.

        A proof covers instances satisfying ``conditions`` when the set it is
        proved under is implied by them.
        """
        held = closure(conditions)
        covering = [p for p in self.proved if frozenset(p.conditions) <= held]
        if not covering:
            return None
        return EVERY_M if any(p.every_m for p in covering) else max(p.m_max for p in covering)

    def cover(self, conditions) -> bool:
        """Does a proof cover instances satisfying ``conditions`` (a proved set is implied by them)?"""
        return self.bound(conditions) is not None


@dataclass(frozen=True)
class _Searches:
    """Step 2: the necessity searches, one per condition dropped."""

    counterexamples: tuple
    disagreement: Counterexample | None
    notes: tuple
    runs: tuple
    examples: int
    seconds: float


@dataclass(frozen=True)
class _Minimal:
    """Step 3: the minimal conditions, the runs of the check under each candidate, and every counterexample found."""

    minimal: frozenset | None
    alternatives: tuple
    holds_run: SearchResult | None
    counterexamples: tuple
    disagreement: Counterexample | None
    runs: tuple = ()


def _prove(claim: Claim, profile: Profile, say) -> _Proofs:
    say(f"{claim.id}: sympy proof (m <= {profile.sympy_m})")
    proofs = [claim.prove_sympy(profile.sympy_m)]
    say(f"{claim.id}: z3 proof (m <= {profile.smt_m})")
    proofs.append(claim.prove_smt(profile.smt_m))
    return _Proofs(tuple(_proof_evidence(p) for p in proofs), tuple(p for p in proofs if p.proved))


def _necessity_searches(claim: Claim, numerics: Numerics, profile: Profile, seed: int, proofs: _Proofs, say) -> _Searches:
    r"""One search per condition, where no proof already decides.

    A drawn instance may satisfy more than its space requires, so a
    counterexample that satisfies a proved set of conditions contradicts the
    proof: the numeric code disagrees, and it refutes nothing.
    """
    counterexamples, notes, runs = [], [], []
    disagreement = None
    for c in CONDITIONS:
        space = DROP_SPACES[c]
        where = f"without {c} ({space.describe()})"
        if proofs.cover(space.require):
            notes.append(f"{where}: covered by the proof")
            continue
        say(f"{claim.id}: searching for a counterexample without {c}")
        res = _run(claim, numerics, space, profile, seed)
        runs.append(res)
        cx = res.counterexample
        if cx is not None and proofs.cover(cx.satisfied):
            disagreement = disagreement or cx
            notes.append(f"{where}: an instance a proof covers fails after {res.examples} examples")
            continue
        if cx is not None:
            counterexamples.append(cx)
        notes.append(f"{where}: {search_outcome(res)}")
    examples, seconds = sum(r.examples for r in runs), sum(r.seconds for r in runs)
    return _Searches(tuple(counterexamples), disagreement, tuple(notes), tuple(runs), examples, seconds)


def _minimal_conditions(
    claim: Claim, numerics: Numerics, profile: Profile, seed: int, proofs: _Proofs, searches: _Searches, say
) -> _Minimal:
    r"""The minimal conditions, then the check on instances drawn to satisfy them and nothing else.

    Each round's counterexample refutes that round's minimal set, so the
    set never repeats and the loop ends.
    """
    counterexamples = list(searches.counterexamples)
    disagreement = searches.disagreement
    holds_run = None
    runs = []
    while True:
        candidates = minimal_unrefuted_sets([cx.satisfied for cx in counterexamples])
        if not candidates:
            return _Minimal(None, (), holds_run, tuple(counterexamples), disagreement, tuple(runs))
        minimal = candidates[0]
        say(f"{claim.id}: property under {_names(minimal)}")
        holds_run = _run(claim, numerics, Space(frozenset(minimal)), profile, seed)
        runs.append(holds_run)
        cx = holds_run.counterexample
        if cx is None:
            break
        if proofs.cover(cx.satisfied):
            disagreement = disagreement or cx
            break
        counterexamples.append(cx)
    return _Minimal(minimal, tuple(candidates[1:]), holds_run, tuple(counterexamples), disagreement, tuple(runs))


# --- grades ------------------------------------------------------------------------------------


def _witness(conditions, dropped: str, counterexamples) -> Counterexample | None:
    """A counterexample satisfying ``conditions`` without ``dropped`` (the one satisfying most conditions)."""
    rest = set(conditions) - {dropped}
    witnesses = [cx for cx in counterexamples if rest <= cx.satisfied and dropped not in cx.satisfied]
    return max(witnesses, key=lambda cx: len(cx.satisfied)) if witnesses else None


def _runs_within(conditions, runs, free: str | None = None) -> tuple:
    r"""The runs without a counterexample whose every instance satisfies ``conditions``.

    With ``free``, only those whose space does not impose ``free`` (they drew
    instances with and without it).
    """
    wanted = frozenset(conditions)
    return tuple(
        r for r in runs
        if r.counterexample is None and wanted <= closure(r.space.require)
        and (free is None or free not in closure(r.space.require))
    )  # fmt: skip


def _searched(why: str, runs) -> Graded:
    """A ``searched`` grade: why no proof decides, and the searches (spaces and counts) it rests on."""
    seen = "; ".join(search_outcome(r, space=True) for r in runs) if runs else "no search drew instances from it"
    return Graded(Grade.SEARCHED, f"{why}; searched: {seen}", searches=tuple(runs))


def grade_set(conditions: Collection[str], proofs: Iterable[ProofResult], counterexamples: Sequence[Counterexample],
              runs: Sequence[SearchResult]) -> Graded:  # fmt: skip
    r"""The grade of "the claim holds under ``conditions``, and under no smaller set".

    Parameters
    ----------
    conditions : condition names.
    proofs : :class:`~._proof.ProofResult` records; those with ``proved`` True count.
    counterexamples : checked counterexamples (each refutes every set it satisfies).
    runs : :class:`~.search.SearchResult` records of the searches made.

    Returns
    -------
    Graded
        ``proved`` (for the m the covering proofs reach) when a proof covers
        the set and, for each condition c of it, a counterexample satisfies the
        rest of the set and not c; ``searched`` otherwise, with the searches
        that drew instances satisfying the set (or, when a proof covers it, the
        set without the conditions no counterexample shows necessary).
    """
    found = _Proofs((), tuple(p for p in proofs if p.proved))
    names = _names(conditions)
    bound = found.bound(conditions)
    if bound is None:
        return _searched(f"no proof covers {names}", _runs_within(conditions, runs))
    unshown = [c for c in ordered(conditions) if _witness(conditions, c, counterexamples) is None]
    if unshown:
        rest = [r for c in unshown for r in _runs_within(set(conditions) - {c}, runs)]
        return _searched(f"a proof covers {names}, but no counterexample shows {_names(unshown)} needed", rest)
    scope = _scope_text(bound)
    needed = "and a counterexample refutes it without each of its conditions" if conditions else "and it is empty"
    return Graded(Grade.PROVED, f"a proof covers {names} ({scope}), {needed}", proved_for=scope)


@dataclass(frozen=True)
class _Grades:
    """The grades of one claim's findings (step 5)."""

    minimal: Graded | None
    others: tuple
    verdict: Graded
    conditions: tuple


def _verdict_grade(verdict: Verdict, paper: tuple, found: _Minimal, minimal: Graded | None, proofs: _Proofs, runs):
    """``refuted`` for fails and needs-extra-condition; for the holds verdicts, proved only when M (and the paper's set) is."""
    if verdict in (Verdict.FAILS, Verdict.EXTRA):
        refuted = set(CONDITIONS) if verdict is Verdict.FAILS else set(paper)
        cx = next(cx for cx in found.counterexamples if refuted <= cx.satisfied)
        return Graded(Grade.REFUTED, f"a counterexample satisfies {_names(refuted)}: {cx.short()}")
    if minimal.grade is not Grade.PROVED:
        return Graded(Grade.SEARCHED, f"the minimal set ({_names(found.minimal)}) is not proved: {minimal.basis}",
                      searches=minimal.searches)  # fmt: skip
    bound = proofs.bound(found.minimal)
    if verdict is Verdict.HOLDS:
        paper_bound = proofs.bound(paper)
        if paper_bound is None:
            return _searched(f"no proof covers the paper's conditions ({_names(paper)})", _runs_within(paper, runs))
        bound = min(bound, paper_bound)
    scope = _scope_text(bound)
    return Graded(Grade.PROVED, f"the minimal set is proved ({minimal.basis})", proved_for=scope)


def _condition_results(found: _Minimal, proofs: _Proofs, runs) -> tuple:
    """One line per condition: necessary (refuted without it), superfluous (proved or searched), or not examined."""
    results = []
    minimal = found.minimal
    for c in CONDITIONS:
        if minimal is None:
            results.append(ConditionResult(c, None, None))
        elif c in minimal:
            best = _witness(minimal, c, found.counterexamples)
            grade = None if best is None else Graded(
                Grade.REFUTED, f"the minimal set without {c} ({_names(set(minimal) - {c})}) is refuted: the "
                f"counterexample satisfies it and violates {c}"
            )  # fmt: skip
            results.append(ConditionResult(c, True if best is not None else None, best, grade))
        elif c in closure(minimal):
            results.append(_implied_condition(c, minimal, found.counterexamples))
        elif proofs.cover(minimal):
            scope = _scope_text(proofs.bound(minimal))
            grade = Graded(Grade.PROVED, f"a proof covers {_names(minimal)} ({scope}), which leaves {c} out", scope)
            results.append(ConditionResult(c, False, None, grade))
        else:
            why = f"no proof covers {_names(minimal)}: {c} is left out on searches only"
            grade = _searched(why, _runs_within(minimal, runs, c))
            results.append(ConditionResult(c, False, None, grade))
    return tuple(results)


def _implied_condition(c: str, minimal, counterexamples) -> ConditionResult:
    r"""A condition the minimal set implies (planted implies labels-nonnegative): it is not left out.

    The claim holds only where it holds; it is necessary (graded refuted) when
    a counterexample violates it, the one satisfying most conditions shown,
    and not examined (None) when none does.
    """
    best = _witness({c}, c, counterexamples)  # any counterexample violating c
    if best is None:
        return ConditionResult(c, None, None)
    grade = Graded(Grade.REFUTED, f"{c} follows from the minimal set ({_names(minimal)}), and the counterexample "
                                  f"violates it: the claim does not hold without {c}")  # fmt: skip
    return ConditionResult(c, True, best, grade)


def _grades(verdict: Verdict, paper: tuple, found: _Minimal, proofs: _Proofs, runs) -> _Grades:
    """Step 5: grade M, the other minimal sets, the verdict and each condition's ``necessary``."""
    grade = None
    if found.minimal is not None:
        grade = grade_set(found.minimal, proofs.proved, found.counterexamples, runs)
    others = tuple(
        MinimalSet(ordered(a), grade_set(a, proofs.proved, found.counterexamples, runs)) for a in found.alternatives
    )
    return _Grades(
        grade, others, _verdict_grade(verdict, paper, found, grade, proofs, runs), _condition_results(found, proofs, runs)
    )


# --- evidence ----------------------------------------------------------------------------------


def _property_finding(found: _Minimal, paper: tuple, proofs: _Proofs, grades: _Grades) -> tuple[str, str]:
    """The status of the check under the minimal conditions, and what it found."""
    run, minimal, cx = found.holds_run, found.minimal, found.disagreement
    if cx is not None:
        return "disagrees", (f"the numeric code contradicts the proved statement on an instance satisfying "
                             f"{_names(cx.satisfied)}: {cx.short()}")  # fmt: skip
    if minimal is None:
        # the last run's counterexample satisfies every condition
        return "counterexamples", f"the numeric check fails under {ALL_CONDITIONS}: {run.counterexample.short()}"
    how = "a proof covers them" if proofs.cover(minimal) else "no proof covers them"
    status, seen = ("short", f"ran on only {run.random} of {run.budget}") if run.short else ("passed", f"passed on {run.examples}")
    text = (f"numeric check {seen} instances satisfying {_names(minimal)} "
            f"and nothing else ({run.rejected} drawn instances rejected: outside the space or "
            f"not decided by the claim); {how}")  # fmt: skip
    left_out = ordered(set(paper) - set(minimal))
    if left_out and grades.minimal.grade is Grade.PROVED:
        text += f"; so the claim holds without the paper's {_names(left_out)}"
    elif left_out:
        text += f"; so, as far as searched (not proved), the claim holds without the paper's {_names(left_out)}"
    return status, text


def _property_evidence(claim: Claim, found: _Minimal, proofs: _Proofs, why: str, grades: _Grades) -> Evidence:
    paper = claim.paper_conditions
    status, text = _property_finding(found, paper, proofs, grades)
    text += (f". Paper's conditions: {_names(paper)} ({claim.paper_basis}). Verdict: {why} "
             f"({grades.verdict.summary}).")  # fmt: skip
    if grades.others:
        text += " Other minimal sets: " + "; ".join(f"{_names(s.conditions)} ({s.grade.summary})" for s in grades.others)
        text += "."
    return Evidence("hypothesis", status, found.holds_run.examples, found.holds_run.seconds, text)


def _search_evidence(searches: _Searches, found: _Minimal) -> Evidence:
    if found.counterexamples:
        status = "counterexamples"
    else:
        status = "short" if any(r.short for r in searches.runs) else "no-counterexample"
    return Evidence(
        "hypothesis",
        status,
        searches.examples,
        searches.seconds,
        "searches for a counterexample with one condition dropped and every compatible other kept: "
        + "; ".join(searches.notes)
        + ".",
    )


def _solver_evidence(claim: Claim, numerics: Numerics, profile: Profile, seed: int, found: _Minimal, say) -> Evidence:
    say(f"{claim.id}: CVXPY and RGD")
    compare = claim.solver_evidence.load()
    s = compare(numerics, profile.solver_instances, seed, list(found.counterexamples))
    # agrees, disagrees (failing), or incomplete: a run did not converge, so it is neither (not failing, not agreement)
    return Evidence("solver", str(s.status), s.examples, s.seconds, s.detail)


def examine_claim(
    claim: Claim,
    profile: Profile,
    seed: int = 0,
    numerics: Numerics = SOLVERS,
    progress: Callable[[str], None] | None = None,
) -> ClaimRecord:
    """Prove, property-test and stress-test one claim, and grade what it finds (see the module docstring)."""
    say = progress or (lambda message: None)
    proofs = _prove(claim, profile, say)
    searches = _necessity_searches(claim, numerics, profile, seed, proofs, say)
    found = _minimal_conditions(claim, numerics, profile, seed, proofs, searches, say)
    verdict, why = _verdict(claim.paper_conditions, found.minimal, [cx.satisfied for cx in found.counterexamples])
    grades = _grades(verdict, claim.paper_conditions, found, proofs, searches.runs + found.runs)
    evidence = list(proofs.evidence)
    if found.holds_run is not None:
        evidence.append(_property_evidence(claim, found, proofs, why, grades))
    evidence.append(_search_evidence(searches, found))
    if claim.solver_evidence is not None:
        evidence.append(_solver_evidence(claim, numerics, profile, seed, found, say))
    return ClaimRecord(
        id=claim.id,
        statement=claim.statement,
        paper_conditions=claim.paper_conditions,
        minimal_conditions=None if found.minimal is None else ordered(found.minimal),
        verdict=verdict,
        conditions=grades.conditions,
        evidence=tuple(evidence),
        verdict_grade=grades.verdict,
        minimal_grade=grades.minimal,
        other_minimal_sets=grades.others,
    )


def _check_profile(profile: str | Profile) -> Profile:
    from relurelax.solvers.errors import InvalidInputError

    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        raise InvalidInputError(f"profile must be one of {', '.join(PROFILES)}; got {profile!r}")
    return PROFILES[profile]


def build_ledger(
    profile: str | Profile = "default",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    *,
    numerics: Numerics = SOLVERS,
    claims: Iterable[Claim] = CLAIMS,
    selfchecks: Iterable[SelfCheck] | None = None,
) -> Ledger:
    r""":func:`run_ledger` with the numeric code, the claims and the self-checks exchangeable (for testing the checks).

    ``selfchecks`` defaults to every registered one (:data:`~.selfchecks.SELFCHECKS`); they run
    after the claims, on ``numerics``.
    """
    prof = _check_profile(profile)
    seed = check_positive_int(seed, "seed", minimum=0)
    claims = validate(claims)
    records = []
    for k, claim in enumerate(claims, 1):
        say = None
        if progress is not None:
            say = lambda message, k=k: progress(f"[{k}/{len(claims)}] {message}")  # noqa: E731
        records.append(examine_claim(claim, prof, seed, numerics, say))
    if progress is not None:
        progress("self-checks of the numeric code")
    own = run_selfchecks(numerics, prof.selfcheck_rounds, SELFCHECKS if selfchecks is None else tuple(selfchecks))
    return Ledger(prof.name, seed, tuple(records), tuple(versions(VERSIONED_PACKAGES).items()), selfchecks=own)


def run_ledger(profile: str = "default", seed: int = 0, progress: Callable[[str], None] | None = None) -> Ledger:
    r"""Examine every claim (the paper's and relurelax's) and return the ledger (not strict; see :meth:`Ledger.judged`).

    Parameters
    ----------
    profile : ``"quick"``, ``"default"`` or ``"thorough"`` (see :data:`PROFILES`).
    seed : integer >= 0; the same seed gives the same ledger (apart from ``seconds``).
    progress : called with a short message at each step.
    """
    return build_ledger(profile, seed, progress)
