r"""The registry of claims: every :class:`~.claims.Claim`, validated when this module is imported.

:mod:`.claims` lists the claims with their parts as lazy
:class:`~.claims.Part` references; this module resolves every part and
refuses an incomplete or inconsistent claim with an
:class:`IncompleteClaimError` that names the claim and the part. The ledger
imports :data:`CLAIMS` from here, so a claim that is missing its z3 proof,
whose check does not exist, or whose z3 proof declares no negative control
stops ``relurelax verify`` (and every test that imports the ledger) at once
instead of silently counting as "not proved".

The rules, checked by :func:`validate`:

* ids are unique, non-empty strings;
* ``paper_conditions`` are names of :data:`~.conditions.CONDITIONS`;
* ``neurons`` is (lo, hi) with 1 <= lo <= hi;
* ``sympy_proof`` lives in :mod:`.symbolic` and ``smt_proof`` in :mod:`.smt`
  (the symbolic half, which the import-linter contract keeps free of numeric
  code); each resolves to a callable that takes no argument for a one-neuron
  claim and ``m_max`` for a multi-neuron one;
* the z3 proof is built by :func:`.smt.z3_proof` and declares at least one
  negative control: built so, every lemma it proves runs through the
  mechanical guards of :func:`.smt.lemma_guards` (satisfiable hypotheses, a
  perturbed conclusion z3 refutes), which a hand-made prover would skip;
* ``check`` resolves to a callable ``(numerics, instance)``;
* ``solver_evidence`` is None or resolves to a callable ``(numerics,
  instances, seed, counterexamples)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from .claims import CLAIMS as _DECLARED
from .claims import Claim, Part
from .conditions import CONDITIONS

__all__ = ["IncompleteClaimError", "validate", "CLAIMS", "claim_ids"]


class IncompleteClaimError(ValueError):
    """A claim is missing a part, or a part is not what the ledger can call."""


#: the module a proof must live in, by field (the symbolic half of :mod:`relurelax.proofs`)
PROOF_MODULES = {"sympy_proof": "symbolic", "smt_proof": "smt"}

#: how many positional arguments the ledger passes to the check and to the solver evidence
CHECK_ARGUMENTS = ("numerics", "instance")
SOLVER_ARGUMENTS = ("numerics", "instances", "seed", "counterexamples")


def _resolve(claim: Claim, field: str, part) -> tuple[object | None, list[str]]:
    """The function a part names, or None and the problems that prevent resolving it."""
    where = f"claim {claim.id!r}: {field}"
    if part is None:
        return None, [f"{where} is missing"]
    if not isinstance(part, Part):
        return None, [f"{where} must be a Part(module, name); got {part!r}"]
    try:
        fn = part.load()
    except ImportError as e:
        return None, [f"{where} {part.path}: module relurelax.proofs.{part.module} cannot be imported ({e})"]
    except AttributeError:
        return None, [f"{where} {part.path}: relurelax.proofs.{part.module} has no {part.name!r}"]
    if not callable(fn):
        return None, [f"{where} {part.path} is not callable"]
    return fn, []


def _accepts(fn, arguments: tuple) -> bool:
    try:
        inspect.signature(fn).bind(*arguments)
    except TypeError:
        return False
    return True


def _check_proof(claim: Claim, field: str) -> list[str]:
    part = getattr(claim, field)
    fn, problems = _resolve(claim, field, part)
    if fn is None:
        return problems
    where = f"claim {claim.id!r}: {field} {part.path}"
    if part.module != PROOF_MODULES[field]:
        problems.append(f"{where} must live in relurelax.proofs.{PROOF_MODULES[field]} (the symbolic half)")
    if claim.multi_neuron and not _accepts(fn, (1,)):
        problems.append(f"{where} must take m_max: the claim is multi-neuron (neurons = {claim.neurons})")
    if not claim.multi_neuron and not (_accepts(fn, ()) and not _accepts(fn, (1,))):
        problems.append(f"{where} must take no argument: the claim is one-neuron (neurons = {claim.neurons})")
    if field == "smt_proof" and not getattr(fn, "negative_controls", ()):
        problems.append(
            f"{where} declares no negative control; a z3 proof without one proves nothing "
            "(declare its controls with @z3_proof('name of the wrong lemma', ...))"
        )
    elif field == "smt_proof" and getattr(fn, "guarded", False) is not True:
        problems.append(
            f"{where} is not built by @z3_proof(...): its lemmas would skip the mechanical guards "
            "(satisfiable hypotheses, a perturbed conclusion z3 refutes)"
        )
    return problems


def _check_callable(claim: Claim, field: str, arguments: tuple) -> list[str]:
    part = getattr(claim, field)
    fn, problems = _resolve(claim, field, part)
    if fn is not None and not _accepts(fn, arguments):
        problems.append(f"claim {claim.id!r}: {field} {part.path} must accept ({', '.join(arguments)})")
    return problems


def _check_fields(claim: Claim) -> list[str]:
    problems = []
    if not isinstance(claim.id, str) or not claim.id:
        problems.append(f"a claim has the id {claim.id!r}; ids are non-empty strings")
    unknown = sorted(set(claim.paper_conditions) - set(CONDITIONS))
    if unknown:
        problems.append(f"claim {claim.id!r}: unknown paper_conditions {unknown}; known: {', '.join(CONDITIONS)}")
    lo, hi = claim.neurons if len(claim.neurons) == 2 else (0, 0)
    if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi):
        problems.append(f"claim {claim.id!r}: neurons must be (lo, hi) with 1 <= lo <= hi; got {claim.neurons!r}")
    return problems


def _problems(claim: Claim) -> list[str]:
    problems = _check_fields(claim)
    if problems:  # the parts' rules depend on a sound id and neuron range
        return problems
    problems += _check_proof(claim, "sympy_proof") + _check_proof(claim, "smt_proof")
    problems += _check_callable(claim, "check", CHECK_ARGUMENTS)
    if claim.solver_evidence is not None:
        problems += _check_callable(claim, "solver_evidence", SOLVER_ARGUMENTS)
    return problems


def validate(claims: Iterable[Claim]) -> tuple[Claim, ...]:
    r"""The claims, unchanged, once every part of every claim is present, resolvable and consistent.

    Raises :class:`IncompleteClaimError` listing every problem found (each
    naming the claim and the part); see the module docstring for the rules.
    """
    claims = tuple(claims)
    if not claims:
        raise IncompleteClaimError("no claims to examine")
    problems = []
    seen = set()
    for claim in claims:
        if not isinstance(claim, Claim):
            problems.append(f"{claim!r} is not a Claim")
            continue
        if claim.id in seen:
            problems.append(f"claim {claim.id!r} is registered twice; ids are unique")
        seen.add(claim.id)
        problems += _problems(claim)
    if problems:
        raise IncompleteClaimError(f"{len(problems)} problem(s) in the claims: " + "; ".join(problems))
    return claims


#: every claim, the paper's and relurelax's, validated (the order of the ledger)
CLAIMS = validate(_DECLARED)


def claim_ids() -> tuple[str, ...]:
    """The ids of :data:`CLAIMS`, in ledger order."""
    return tuple(c.id for c in CLAIMS)
