r"""relurelax.proofs: every claim of the paper as a :class:`~.claims.Claim`, and the ledger.

The symbolic half (:mod:`.symbolic` with sympy, :mod:`.smt` with z3) imports
nothing from :mod:`relurelax.solvers`; the numeric half (:mod:`.checks`,
:mod:`.strategies`, :mod:`.search`, :mod:`.ledger`) holds the numeric code
against the claims. Attributes are loaded lazily so that importing the
symbolic half never pulls in the numeric one.
"""

from __future__ import annotations

import importlib

__all__ = ["run_ledger", "Ledger", "ClaimRecord", "Evidence", "ConditionResult", "CLAIMS", "PROFILES", "strategies"]

_LAZY = {
    "run_ledger": "ledger",
    "Ledger": "ledger",
    "ClaimRecord": "ledger",
    "Evidence": "ledger",
    "ConditionResult": "ledger",
    "PROFILES": "ledger",
    "CLAIMS": "registry",
}


def __getattr__(name):
    if name == "strategies":
        return importlib.import_module(".strategies", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
