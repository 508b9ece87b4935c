r"""Progress of a command: one callback signature, the stages of a run, and how far it got.

Every long computation of ``relurelax.reports`` reports progress through one
interface, :class:`Progress`: a callable ``progress(stage, done=None,
total=None)`` where ``stage`` is a short text saying what is being done and
``done`` / ``total`` count steps when the work can count them. A callable
that accepts one text (the ledger's ``progress(message)``) is served by any
:class:`Progress`, since ``done`` and ``total`` default to None.

:class:`Stages` divides a run into named stages (the report: the claims
ledger, the cross-check, the reproduction, the files) and hands each stage
its own :class:`Progress`. :func:`stage` records the current stage process-wide
(it is itself a :class:`Progress`); when a run is interrupted or runs out of
memory, the command line prints :func:`describe`, so the user learns how far
it got and that nothing was written in place of the result.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "Stages", "stage", "describe", "reset"]


class Progress(Protocol):
    """The one progress callback: ``stage`` says what is being done, ``done`` of ``total`` steps when known."""

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None: ...


_state = {"stage": None, "done": None, "total": None}


def stage(text: str, done: int | None = None, total: int | None = None) -> None:
    """Record the current stage (and optionally how many of how many steps are done); a :class:`Progress`."""
    _state.update(stage=text, done=done, total=total)


def describe() -> str:
    """A sentence saying how far the run got."""
    if _state["stage"] is None:
        return "before any work was done; nothing was written"
    where = _state["stage"]
    if _state["done"] is not None and _state["total"] is not None:
        where += f" ({_state['done']} of {_state['total']} done)"
    return f"during {where}; no partial output was written in place of the result"


def reset() -> None:
    _state.update(stage=None, done=None, total=None)


def _ignore(stage: str, done: int | None = None, total: int | None = None) -> None:
    return None


class Stages:
    r"""A run in named stages, for a progress display and for the message of an interruption.

    :meth:`start` begins a stage and returns the :class:`Progress` its work
    reports to; every update is passed on to ``progress`` under the stage's
    name (the work's own text is the stage's business, not the display's).
    ``current`` is the stage under way (None between stages) and ``done``
    the stages finished, in order.
    """

    def __init__(self, progress: Progress | None = None):
        self.progress: Progress = progress or _ignore
        self.done: list[str] = []
        self.current: str | None = None

    def start(self, name: str) -> Progress:
        self.current = name
        self.progress(name, 0, None)

        def within(stage: str, done: int | None = None, total: int | None = None) -> None:
            self.progress(name, done, total)

        return within

    def finish(self) -> None:
        self.done.append(self.current)
        self.current = None
