r"""The claims-ledger section of the report: the one call into the ledger.

:func:`run_ledger_section` is the only place the report calls the ledger
(``relurelax.proofs.ledger.run_ledger``, the claims of Propositions 1-2,
Theorems 1-2 and Corollary 1 with their symbolic, SMT, property and solver
evidence). It returns the ledger's JSON (``profile, seed, versions, claims``,
the document of ``relurelax verify --json``) plus ``ok``, the ledger's own
verdict on itself (:attr:`Ledger.ok`), decided here once and read by every
renderer (:mod:`.report_writers`) and by the exit code of ``relurelax report``.
"""

from __future__ import annotations

from .progress import Progress

__all__ = ["run_ledger_section"]


def run_ledger_section(profile: str, seed: int, progress: Progress | None = None) -> dict:
    """Run the claims ledger at its profile ``profile`` (``quick``, ``default`` or ``thorough``).

    Returns ``{**ledger.to_json(), "ok": ledger.ok}``. The ledger is imported
    here, not at module level, so that loading the report modules does not
    load sympy, z3 and hypothesis.
    """
    from relurelax.proofs.ledger import run_ledger

    ledger = run_ledger(profile=profile, seed=seed, progress=progress)
    data = dict(ledger.to_json())
    data["ok"] = bool(ledger.ok)
    return data
