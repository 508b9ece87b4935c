r"""Helpers for the frozen result records of relurelax.

Records are frozen dataclasses whose array fields are exposed read-only, so a
result cannot be changed after the fact through the record.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["freeze_arrays"]


def freeze_arrays(record) -> None:
    """Replace every ndarray field of a frozen dataclass by a read-only view.

    A view (not a copy) keeps memory flat for large data matrices; the
    caller's own array stays writeable.
    """
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, np.ndarray):
            view = value.view()
            view.flags.writeable = False
            object.__setattr__(record, field.name, view)
