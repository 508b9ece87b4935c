r"""The record every prover of :mod:`relurelax.proofs` returns.

Shared by the symbolic half (:mod:`.symbolic`, sympy; :mod:`.smt`, z3) and
the ledger; it imports nothing but the standard library, so the symbolic half
stays independent of :mod:`relurelax.solvers`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ProofResult"]


@dataclass(frozen=True)
class ProofResult:
    r"""The outcome of one prover on one claim.

    Attributes
    ----------
    method : ``"sympy"`` or ``"smt"``.
    proved : True only when every lemma was decided and every negative
        control behaved (a ``None`` or ``False`` from sympy, or ``unknown``
        from z3, is never taken as a verdict: it makes ``proved`` False).
    conditions : the named conditions (see :mod:`.conditions`) under which
        the claim's statement was proved.
    cases : how many cases were decided (sign patterns times m for sympy,
        solver calls for z3, negative controls included).
    seconds : wall time of the proof.
    detail : what was proved, for which m, and how it lifts to the claim.
    """

    method: str
    proved: bool
    conditions: frozenset
    cases: int
    seconds: float
    detail: str
