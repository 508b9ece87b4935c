r"""How far a command got: one process-wide record of the current stage.

Long commands call :func:`stage` as they move on ("cross-check: instance 3
of 9"); when a run is interrupted, the command line prints
:func:`describe`, so the user learns how far it got and that nothing was
written in place of the result.
"""

from __future__ import annotations

__all__ = ["stage", "describe", "reset"]

_state = {"stage": None, "done": None, "total": None}


def stage(text: str, done: int | None = None, total: int | None = None) -> None:
    """Record the current stage (and optionally how many of how many steps are done)."""
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
