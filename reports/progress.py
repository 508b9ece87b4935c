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

What the user sees of it is the same for every command: :func:`progress_bar`
and :func:`display` show progress live on stderr when stderr is a terminal,
and nothing at all when it is a pipe or a file (a log gets the results, not
a trail of progress lines).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Protocol

from .errors import stop_if_interrupted

if TYPE_CHECKING:  # rich is imported when a display is made, not with the module
    from rich.console import Console
    from rich.progress import Progress as RichProgress

__all__ = ["Progress", "Stages", "stage", "describe", "reset", "progress_bar", "display"]


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

    def __init__(self, progress: Progress | None = None) -> None:
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


def progress_bar(console: Console | None = None) -> RichProgress:
    r"""A transient rich progress bar on stderr, live only when stderr is a terminal (else it prints nothing).

    Use it as a context manager and add one task per stage; :func:`display`
    is the one-task form every command uses.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    if console is None:
        # stderr's own isatty decides: FORCE_COLOR or TTY_COMPATIBLE make rich call a pipe a terminal,
        # and the progress lines would then land in a log
        console, live = Console(stderr=True), sys.stderr.isatty()
    else:
        live = console.is_terminal  # a console made for the purpose (force_terminal) says so itself
    return RichProgress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not live,
    )


@contextmanager
def display(command: str, console: Console | None = None) -> Iterator[Progress]:
    r"""The :class:`Progress` of a command's run: it records each update (:func:`stage`) and shows it live.

    ``command`` names the run on the display (``"relurelax solve"``). The
    display is :func:`progress_bar`'s: on stderr when stderr is a terminal,
    nothing otherwise; it disappears when the run ends.
    """
    with progress_bar(console) as bar:
        task = bar.add_task(command, total=None)

        def update(text: str, done: int | None = None, total: int | None = None) -> None:
            stage(text, done, total)
            bar.update(task, description=f"{command}: {text}", completed=done or 0, total=total)

        yield update
    # a signal whose KeyboardInterrupt a library swallowed during the run: stop before any result is shown
    stop_if_interrupted()
