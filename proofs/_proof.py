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
    m_max : None for a one-neuron statement (no m); for a multi-neuron one, the
        largest m its per-neuron lemmas were decided for (m = 1..m_max).
    lifted : for a multi-neuron statement, True when a checked argument (not
        only prose) carries the lemmas from m <= m_max to every m.
    """

    method: str
    proved: bool
    conditions: frozenset
    cases: int
    seconds: float
    detail: str
    m_max: int | None = None
    lifted: bool = False

    @property
    def every_m(self) -> bool:
        """Does the proof cover every m (a one-neuron statement, or a multi-neuron one whose lift is checked)?"""
        return self.m_max is None or self.lifted

    @property
    def scope(self) -> str:
        """``"every m"``, or ``"m <= M"`` when the lemmas were decided only up to M."""
        return "every m" if self.every_m else f"m <= {self.m_max}"


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
