r"""Helpers for the frozen result records of relurelax.

Records are frozen dataclasses whose array fields are exposed read-only, so a
result cannot be changed after the fact through the record.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["freeze_arrays", "FrozenProblem"]


def freeze_arrays(record: DataclassInstance) -> None:
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


class FrozenProblem:
    r"""Base of the frozen problem records that hold a data matrix ``A`` (n x d).

    Freezes every array field after construction and gives the sizes
    :attr:`n` and :attr:`d` from ``A``; a subclass says what its ``m`` is.
    """

    # declared for the type checker, not fields of this class: every subclass is a dataclass with a field A
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    A: NDArray[np.float64]

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def n(self) -> int:
        """Number of samples, the rows of A."""
        return self.A.shape[0]

    @property
    def d(self) -> int:
        """Number of features, the columns of A."""
        return self.A.shape[1]
