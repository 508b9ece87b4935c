r"""relurelax.proofs: every claim of the paper (and relurelax's beyond it) as a :class:`~.claims.Claim`, and the ledger.

The symbolic half (:mod:`.symbolic` with sympy, :mod:`.smt` with z3) imports
nothing from :mod:`relurelax.solvers`; the numeric half (:mod:`.checks`,
:mod:`.strategies`, :mod:`.search`, :mod:`.ledger`) holds the numeric code
against the claims. Attributes are loaded lazily so that importing the
symbolic half never pulls in the numeric one.

What a test of your own needs comes from here in one import: the hypothesis
strategies of :mod:`.strategies` (:func:`~.strategies.instances`,
:func:`~.strategies.planted_instances`, ...), the :class:`~.conditions.Space`
they draw from and the names of the five conditions of :mod:`.conditions`::

    from relurelax.proofs import PLANTED, N_LE_D, Space, instances

    small_planted = instances(Space(require=frozenset({PLANTED, N_LE_D})))
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the submodule that defines it (imported on first use)
_LAZY = {
    "run_ledger": "ledger",
    "Ledger": "ledger",
    "ClaimRecord": "ledger",
    "Evidence": "ledger",
    "ConditionResult": "ledger",
    "PROFILES": "ledger",
    "CLAIMS": "registry",
    # the conditions (plain Python, no numerics)
    "Space": "conditions",
    "CONDITIONS": "conditions",
    "PLANTED": "conditions",
    "LABELS_NONNEGATIVE": "conditions",
    "N_LE_D": "conditions",
    "FULL_ROW_RANK": "conditions",
    "NO_ZERO_PREACTIVATION": "conditions",
    # the hypothesis strategies (numpy and hypothesis)
    "Instance": "strategies",
    "instances": "strategies",
    "planted_instances": "strategies",
    "nonnegative_label_instances": "strategies",
    "tie_instances": "strategies",
    "convexity_instances": "strategies",
    "MAX_SIZE": "strategies",
    "ENTRY_BOUND": "strategies",
}

__all__ = [*_LAZY, "strategies"]


def __getattr__(name: str) -> Any:
    if name == "strategies":
        return importlib.import_module(".strategies", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
