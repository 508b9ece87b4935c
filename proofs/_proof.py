r"""The record every prover of :mod:`relurelax.proofs` returns.

Shared by the symbolic half (:mod:`.symbolic`, sympy; :mod:`.smt`, z3) and
the ledger; it imports nothing but the standard library, so the symbolic half
stays independent of :mod:`relurelax.solvers`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ProofResult", "check_m_max", "no_m_to_prove"]


@dataclass(frozen=True)
class ProofResult:
    r"""The outcome of one prover on one claim.

    Attributes
    ----------
    method : ``"sympy"`` or ``"smt"``.
    proved : True only when every lemma was decided, every guard passed
        (sympy: every case inside its region and non-empty; z3: every
        lemma's hypotheses satisfiable and its conclusion not trivially
        true) and every negative control behaved (a ``None`` or ``False``
        from sympy, or ``unknown`` from z3, is never taken as a verdict: it
        makes ``proved`` False).
    conditions : the named conditions (see :mod:`.conditions`) under which
        the claim's statement was proved.
    cases : how many cases were decided (for sympy the facts decided and
        the cases checked, lift included; for z3 the solver calls and
        evaluations, guards, lift and negative controls included).
    seconds : wall time of the proof.
    detail : what was proved, for which m, and how it lifts to the claim.
    m_max : None for a one-neuron statement (no m); for a multi-neuron one, the
        largest m its per-neuron lemmas were decided for (m = 1..m_max; 0 when
        there was no m to prove, and then ``proved`` is False).
    lifted : for a multi-neuron statement, True when a checked argument (not
        only prose) carries the lemmas from m <= m_max to every m, and that
        argument was checked in this run; never True unless ``proved``.
    """

    method: str
    proved: bool
    conditions: frozenset
    cases: int
    seconds: float
    detail: str
    m_max: int | None = None
    lifted: bool = False

    def __post_init__(self):
        if self.lifted and (self.m_max is None or not self.proved):
            raise ValueError(
                "lifted=True needs a proved multi-neuron result (m_max set): a lift carries proved lemmas to every m; "
                f"got proved={self.proved}, m_max={self.m_max!r}"
            )

    @property
    def every_m(self) -> bool:
        """Does the proof cover every m (a one-neuron statement, or a multi-neuron one whose lift is checked)?"""
        return self.m_max is None or self.lifted

    @property
    def scope(self) -> str:
        """``"every m"``, or ``"m <= M"`` when the lemmas were decided only up to M."""
        return "every m" if self.every_m else f"m <= {self.m_max}"


def check_m_max(m_max: object) -> int:
    r"""The largest m of a multi-neuron proof: an integer >= 0 (ValueError otherwise).

    A multi-neuron prover decides its lemmas for :math:`m = 1, \dots, m_{max}`.
    ``m_max = 0`` is an empty range, which the provers answer with
    :func:`no_m_to_prove` (not proved: zero lemmas are no proof); a negative
    number, a bool or a non-integer names no range of m and is refused.
    """
    if isinstance(m_max, bool) or not isinstance(m_max, int) or m_max < 0:
        raise ValueError(
            f"m_max must be an integer >= 0 (the proof covers m = 1..m_max; 0 proves nothing); got {m_max!r}"
        )
    return m_max


def no_m_to_prove(method: str, conditions: Iterable[str]) -> ProofResult:
    r"""The result of a multi-neuron prover asked for :math:`m = 1..0`: not proved, no case decided."""
    return ProofResult(
        method,
        False,
        frozenset(conditions),
        0,
        0.0,
        "not proved: no m to prove (m_max = 0, the range m = 1..m_max is empty; zero lemmas are no proof)",
        m_max=0,
        lifted=False,
    )
