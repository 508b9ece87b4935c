r"""Exceptions raised by relurelax.

Bad input is a :class:`InvalidInputError` (a ``ValueError``) whose message
names the offending value and what would be accepted. A solve that runs but
cannot produce a minimiser (divergence, an unbounded relaxation, a conic
solver failure) is a :class:`SolveError`; the command line maps the first to
exit code 2 and the second to exit code 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the records an InaccurateSolutionError carries (their modules import this one)
    from .cell import CellResult
    from .relaxation import RelaxationResult

__all__ = [
    "InvalidInputError",
    "DataFileError",
    "SolveError",
    "UnboundedRelaxationError",
    "InaccurateSolutionError",
    "SolverUnavailableError",
]


class InvalidInputError(ValueError):
    """An argument has the wrong shape, dtype, value or type."""


class DataFileError(InvalidInputError):
    """A data file is missing, unreadable, malformed or unsafe to load."""


class SolveError(RuntimeError):
    """A well-posed call whose solve failed (diverged, unbounded, solver error)."""


class UnboundedRelaxationError(SolveError):
    r"""The relaxation :math:`f_r` is unbounded below on the given data.

    :math:`f_r(tv) \to -\infty` along any :math:`v` with :math:`Av \le 0` and
    :math:`y^T A v > 0`; such a direction exists, for instance, when a label is
    negative and :math:`A` has full row rank.
    """


class InaccurateSolutionError(SolveError):
    r"""A backend said "optimal" but relurelax's own certificate at the returned point fails.

    ``result`` is the full result record (status ``"inaccurate"``), so a caller
    can show what the backend returned; the message names the backend and the
    failing residual. :func:`~.relaxation.solve_relaxation` and
    :func:`~.cell.solve_cell` raise it unless called with
    ``accept_inaccurate=True``, in which case they return that record.
    """

    def __init__(self, message: str, result: RelaxationResult | CellResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class SolverUnavailableError(InvalidInputError):
    """A conic backend was requested that is unknown or not installed."""
