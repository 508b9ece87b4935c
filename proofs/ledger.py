r"""The claims ledger: every claim of the paper, proved, property-tested and stress-tested.

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
every condition). The ledger is ``ok`` (exit 0) when every proof went through and
the numeric code never contradicted a proved statement; findings about the
paper's conditions are results, not failures.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

from relurelax.solvers.provenance import versions
from relurelax.solvers.validation import check_positive_int

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

__all__ = [
    "Profile",
    "PROFILES",
    "Evidence",
    "ConditionResult",
    "ClaimRecord",
    "Ledger",
    "Verdict",
    "run_ledger",
    "examine_claim",
    "FAILING_STATUSES",
]


@dataclass(frozen=True)
class Profile:
    r"""How hard the ledger looks.

    ``examples``: hypothesis examples per property and per search;
    ``sympy_m`` / ``smt_m``: the largest m of the multi-neuron lemmas;
    ``solver_instances``: Gaussian instances per solver comparison.
    """

    name: str
    examples: int
    sympy_m: int
    smt_m: int
    solver_instances: int


PROFILES = {
    "quick": Profile("quick", examples=30, sympy_m=3, smt_m=6, solver_instances=2),
    "default": Profile("default", examples=200, sympy_m=4, smt_m=8, solver_instances=8),
    "thorough": Profile("thorough", examples=10_000, sympy_m=6, smt_m=8, solver_instances=40),
}


class Verdict(str, enum.Enum):
    """The four verdicts of the ledger; the value is what the JSON carries."""

    HOLDS = "holds"
    FEWER = "holds-with-fewer-conditions"
    EXTRA = "needs-extra-condition"
    FAILS = "fails"


#: evidence statuses that make the ledger fail (exit 1)
FAILING_STATUSES = frozenset({"not-proved", "disagrees"})


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
class ConditionResult:
    """Whether a condition is necessary (None: not examined) and the counterexample when dropped."""

    name: str
    necessary: bool | None
    counterexample: Counterexample | None

    def to_json(self) -> dict:
        cx = None if self.counterexample is None else self.counterexample.to_json()
        return {"name": self.name, "necessary": self.necessary, "counterexample": cx}


@dataclass(frozen=True)
class ClaimRecord:
    """The ledger's line for one claim."""

    id: str
    statement: str
    paper_conditions: tuple
    minimal_conditions: tuple | None
    verdict: Verdict
    conditions: tuple
    evidence: tuple

    @property
    def ok(self) -> bool:
        """No proof failed and the numeric code agreed with every proved statement."""
        return not any(e.status in FAILING_STATUSES for e in self.evidence)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "statement": self.statement,
            "paper_conditions": list(self.paper_conditions),
            "minimal_conditions": None if self.minimal_conditions is None else list(self.minimal_conditions),
            "verdict": Verdict(self.verdict).value,
            "conditions": [c.to_json() for c in self.conditions],
            "evidence": [e.to_json() for e in self.evidence],
        }


#: the distributions whose versions the ledger records (its numbers depend on them)
VERSIONED_PACKAGES = ("relurelax", "numpy", "scipy", "sympy", "hypothesis", "cvxpy", "clarabel", "z3-solver")


@dataclass(frozen=True)
class Ledger:
    """The claims ledger: one :class:`ClaimRecord` per claim, in the order of :data:`~.claims.CLAIMS`."""

    profile: str
    seed: int
    claims: tuple
    versions: tuple = ()

    def to_json(self) -> dict:
        """The ``relurelax verify --json`` document (wall times only in ``seconds`` fields)."""
        return {
            "profile": self.profile,
            "seed": self.seed,
            "versions": dict(self.versions),
            "claims": [c.to_json() for c in self.claims],
        }

    @property
    def ok(self) -> bool:
        """True iff ``relurelax verify`` exits 0: every claim record is ok."""
        return all(c.ok for c in self.claims)


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


def _verdict(paper: tuple, minimal, refuted) -> tuple[str, str]:
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
    """Step 1: the evidence of the sympy and z3 proofs, and the sets of conditions they prove the claim under."""

    evidence: tuple
    proved_sets: tuple

    def cover(self, conditions) -> bool:
        """Does a proof cover instances satisfying ``conditions`` (a proved set is implied by them)?"""
        return any(P <= closure(conditions) for P in self.proved_sets)


@dataclass(frozen=True)
class _Searches:
    """Step 2: the necessity searches, one per condition dropped."""

    counterexamples: tuple
    disagreement: Counterexample | None
    notes: tuple
    examples: int
    seconds: float


@dataclass(frozen=True)
class _Minimal:
    """Step 3: the minimal conditions, the run of the check under them, and every counterexample found."""

    minimal: frozenset | None
    alternatives: tuple
    holds_run: SearchResult | None
    counterexamples: tuple
    disagreement: Counterexample | None


def _prove(claim: Claim, profile: Profile, say) -> _Proofs:
    say(f"{claim.id}: sympy proof (m <= {profile.sympy_m})")
    proofs = [claim.prove_sympy(profile.sympy_m)]
    say(f"{claim.id}: z3 proof (m <= {profile.smt_m})")
    proofs.append(claim.prove_smt(profile.smt_m))
    return _Proofs(tuple(_proof_evidence(p) for p in proofs), tuple(p.conditions for p in proofs if p.proved))


def _necessity_searches(claim: Claim, numerics: Numerics, profile: Profile, seed: int, proofs: _Proofs, say) -> _Searches:
    r"""One search per condition, where no proof already decides.

    A drawn instance may satisfy more than its space requires, so a
    counterexample that satisfies a proved set of conditions contradicts the
    proof: the numeric code disagrees, and it refutes nothing.
    """
    counterexamples, notes = [], []
    disagreement = None
    examples, seconds = 0, 0.0
    for c in CONDITIONS:
        space = DROP_SPACES[c]
        where = f"without {c} ({space.describe()})"
        if proofs.cover(space.require):
            notes.append(f"{where}: covered by the proof")
            continue
        say(f"{claim.id}: searching for a counterexample without {c}")
        res = _run(claim, numerics, space, profile, seed)
        examples, seconds = examples + res.examples, seconds + res.seconds
        cx = res.counterexample
        if cx is None:
            notes.append(f"{where}: no counterexample in {res.examples} examples")
        elif proofs.cover(cx.satisfied):
            disagreement = disagreement or cx
            notes.append(f"{where}: an instance a proof covers fails after {res.examples} examples")
        else:
            counterexamples.append(cx)
            notes.append(f"{where}: counterexample after {res.examples} examples")
    return _Searches(tuple(counterexamples), disagreement, tuple(notes), examples, seconds)


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
    while True:
        candidates = minimal_unrefuted_sets([cx.satisfied for cx in counterexamples])
        if not candidates:
            return _Minimal(None, (), holds_run, tuple(counterexamples), disagreement)
        minimal = candidates[0]
        say(f"{claim.id}: property under {_names(minimal)}")
        holds_run = _run(claim, numerics, Space(frozenset(minimal)), profile, seed)
        cx = holds_run.counterexample
        if cx is None:
            break
        if proofs.cover(cx.satisfied):
            disagreement = disagreement or cx
            break
        counterexamples.append(cx)
    return _Minimal(minimal, tuple(candidates[1:]), holds_run, tuple(counterexamples), disagreement)


def _property_finding(found: _Minimal, paper: tuple, proofs: _Proofs) -> tuple[str, str]:
    """The status of the check under the minimal conditions, and what it found."""
    run, minimal, cx = found.holds_run, found.minimal, found.disagreement
    if cx is not None:
        return "disagrees", (f"the numeric code contradicts the proved statement on an instance satisfying "
                             f"{_names(cx.satisfied)}: {cx.short()}")  # fmt: skip
    if minimal is None:
        # the last run's counterexample satisfies every condition
        return "counterexamples", f"the numeric check fails under {ALL_CONDITIONS}: {run.counterexample.short()}"
    how = "a proof covers them" if proofs.cover(minimal) else "no proof covers them"
    text = (f"numeric check passed on {run.examples} instances satisfying {_names(minimal)} "
            f"and nothing else ({run.rejected} drawn instances rejected: outside the space or "
            f"not decided by the claim); {how}")  # fmt: skip
    left_out = ordered(set(paper) - set(minimal))
    if left_out:
        text += f"; so the claim holds without the paper's {_names(left_out)}"
    return "passed", text


def _property_evidence(claim: Claim, found: _Minimal, proofs: _Proofs, why: str) -> Evidence:
    paper = claim.paper_conditions
    status, text = _property_finding(found, paper, proofs)
    text += f". Paper's conditions: {_names(paper)} ({claim.paper_basis}). Verdict: {why}."
    if found.alternatives:
        text += " Other minimal sets: " + "; ".join(_names(a) for a in found.alternatives) + "."
    return Evidence("hypothesis", status, found.holds_run.examples, found.holds_run.seconds, text)


def _search_evidence(searches: _Searches, found: _Minimal) -> Evidence:
    return Evidence(
        "hypothesis",
        "counterexamples" if found.counterexamples else "no-counterexample",
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
    return Evidence("solver", "agrees" if s.agrees else "disagrees", s.examples, s.seconds, s.detail)


def _condition_results(found: _Minimal) -> tuple:
    """One line per condition: necessary (with the counterexample that drops it), superfluous, or not examined."""
    results = []
    for c in CONDITIONS:
        if found.minimal is None:
            results.append(ConditionResult(c, None, None))
        elif c in found.minimal:
            rest = set(found.minimal) - {c}
            witnesses = [cx for cx in found.counterexamples if rest <= cx.satisfied and c not in cx.satisfied]
            best = max(witnesses, key=lambda cx: len(cx.satisfied)) if witnesses else None
            results.append(ConditionResult(c, True if best is not None else None, best))
        else:
            results.append(ConditionResult(c, False, None))
    return tuple(results)


def examine_claim(
    claim: Claim,
    profile: Profile,
    seed: int = 0,
    numerics: Numerics = SOLVERS,
    progress: Callable[[str], None] | None = None,
) -> ClaimRecord:
    """Prove, property-test and stress-test one claim (see the module docstring)."""
    say = progress or (lambda message: None)
    proofs = _prove(claim, profile, say)
    searches = _necessity_searches(claim, numerics, profile, seed, proofs, say)
    found = _minimal_conditions(claim, numerics, profile, seed, proofs, searches, say)
    verdict, why = _verdict(claim.paper_conditions, found.minimal, [cx.satisfied for cx in found.counterexamples])
    evidence = list(proofs.evidence)
    if found.holds_run is not None:
        evidence.append(_property_evidence(claim, found, proofs, why))
    evidence.append(_search_evidence(searches, found))
    if claim.solver_evidence is not None:
        evidence.append(_solver_evidence(claim, numerics, profile, seed, found, say))
    return ClaimRecord(
        id=claim.id,
        statement=claim.statement,
        paper_conditions=claim.paper_conditions,
        minimal_conditions=None if found.minimal is None else ordered(found.minimal),
        verdict=verdict,
        conditions=_condition_results(found),
        evidence=tuple(evidence),
    )


def _check_profile(profile) -> Profile:
    from relurelax.solvers.errors import InvalidInputError

    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        raise InvalidInputError(f"profile must be one of {', '.join(PROFILES)}; got {profile!r}")
    return PROFILES[profile]


def build_ledger(
    profile="default",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    *,
    numerics: Numerics = SOLVERS,
    claims=CLAIMS,
) -> Ledger:
    r""":func:`run_ledger` with the numeric code and the claims exchangeable (for testing the checks)."""
    prof = _check_profile(profile)
    seed = check_positive_int(seed, "seed", minimum=0)
    claims = validate(claims)
    records = []
    for k, claim in enumerate(claims, 1):
        say = None
        if progress is not None:
            say = lambda message, k=k: progress(f"[{k}/{len(claims)}] {message}")  # noqa: E731
        records.append(examine_claim(claim, prof, seed, numerics, say))
    return Ledger(prof.name, seed, tuple(records), tuple(versions(VERSIONED_PACKAGES).items()))


def run_ledger(profile: str = "default", seed: int = 0, progress: Callable[[str], None] | None = None) -> Ledger:
    r"""Examine every claim of the paper and return the ledger.

    Parameters
    ----------
    profile : ``"quick"``, ``"default"`` or ``"thorough"`` (see :data:`PROFILES`).
    seed : integer >= 0; the same seed gives the same ledger (apart from ``seconds``).
    progress : called with a short message at each step.
    """
    return build_ledger(profile, seed, progress)
