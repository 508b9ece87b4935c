r"""The record every prover of :mod:`relurelax.proofs` returns.

Shared by the symbolic half (:mod:`.symbolic`, sympy; :mod:`.smt`, z3) and
the ledger; it imports nothing but the standard library, so the symbolic half
stays independent of :mod:`relurelax.solvers`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ProofResult", "check_m_max"]


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


def check_m_max(m_max) -> int:
    r"""The largest m of a multi-neuron proof, an integer >= 1 (ValueError otherwise).

    A multi-neuron prover proves its lemmas for :math:`m = 1, \dots, m_{max}`;
    an empty range would "prove" the claim with zero lemmas, so it is refused.
    """
    if isinstance(m_max, bool) or not isinstance(m_max, int) or m_max < 1:
        raise ValueError(
            f"m_max must be an integer >= 1 (the proof covers m = 1..m_max); got {m_max!r}, "
            "which would prove nothing"
        )
    return m_max
