r"""The ``relurelax`` command line.

The subcommands are registered lazily, like pip's: :data:`COMMANDS` is one
table of (name, module, one-line summary). ``relurelax --help`` lists the
summaries without importing any command module, and ``relurelax COMMAND ...``
imports that command's module only; the module exposes ``register(sub)``,
which adds its parser (the summary is filled in from the table) and sets
``handler``. So a light command never pays for what a heavy one imports
(sympy, z3 and hypothesis for the ledger, CVXPY for the conic solves).

Exit codes are the same for every command (:mod:`.errors`): 0 done, 1 the
solve or check failed (and out of memory), 2 bad usage or bad input, 130
interrupted. Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
import traceback
from collections.abc import Iterable
from typing import NamedTuple

from . import progress
from .errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CommandFailed, UsageError

__all__ = ["main", "build_parser", "COMMANDS", "Command", "CommandFailed", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE"]


class Command(NamedTuple):
    """One subcommand: its name, its module in ``relurelax.reports`` and the summary ``--help`` lists."""

    name: str
    module: str
    summary: str


#: every subcommand, in the order ``relurelax --help`` lists them; a new command is one entry here
COMMANDS = (
    Command("solve", "solve_command",
            "solve one instance with GD, RGD, the CVXPY relaxation or exact Newton steps"),
    Command("verify", "verify_command",
            "prove, property-test and stress-test every claim of the paper (the claims ledger)"),
    Command("crosscheck", "crosscheck_command",
            "check GD, RGD and the exact Newton solver against CVXPY backends on planted instances"),
    Command("report", "report_command",
            "run the ledger, the cross-check and the reproduction of Figures 1-2; write a report"),
    Command("bench", "bench_command",
            "measure the performance ratios (exact solver, batched engine, RGD iteration, memory)"),
)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump: the brief asks for one-line errors
        # an argument may hold a line break or a carriage return: escape control characters so the error stays one line
        one_line = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in message)
        raise UsageError(f"{self.prog}: {one_line} (see '{self.prog} --help')")


class _Version(argparse.Action):
    r"""``--version``: print the installed version, :data:`relurelax.__version__`, and exit 0.

    The version is read only when asked for (reading package metadata costs an
    import that no other option needs).
    """

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        import relurelax

        line = f"{parser.prog} {relurelax.__version__}"
        if relurelax.__version__ == relurelax.UNKNOWN_VERSION:
            line += (" (the relurelax distribution is not installed, so its version cannot be read; "
                     "install it with `pip install .`)")  # fmt: skip
        sys.stdout.write(line + "\n")  # on stdout, as argparse's own version action and --help print
        parser.exit()


class _Registration:
    r"""What a command module's ``register`` receives: ``add_parser`` of the subcommands, for its own name only.

    The parser gets the command's summary from :data:`COMMANDS` as its
    ``help``, so the summary is written once.
    """

    def __init__(self, sub, command: Command):
        self._sub, self._command = sub, command

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        if name != self._command.name:
            raise ValueError(f"module {self._command.module} registered {name!r}, expected {self._command.name!r}")
        return self._sub.add_parser(name, help=self._command.summary, **kwargs)


def _requested(argv: list[str]) -> set[str]:
    """The command named on the command line (the first argument that is not an option), as a set of at most one."""
    names = {c.name for c in COMMANDS}
    for arg in argv:
        if not arg.startswith("-"):
            return {arg} & names
    return set()


def build_parser(load: Iterable[str] | None = None) -> argparse.ArgumentParser:
    r"""The ``relurelax`` parser with every subcommand of :data:`COMMANDS`.

    The commands named in ``load`` (all of them when None) are registered by
    their modules, which are imported here; every other command gets a
    placeholder parser with its summary, which is all ``relurelax --help``
    and an invalid-choice message need, and imports nothing.
    """
    load = {c.name for c in COMMANDS} if load is None else set(load)
    parser = _Parser(
        prog="relurelax",
        description=(
            "Verify, solve and reproduce 'Convex Optimization for Shallow Neural Networks' "
            "(Ergen & Pilanci, 2019). Exit codes: 0 done, 1 the solve or check failed, 2 bad usage or input."
        ),
    )
    parser.add_argument("--version", action=_Version, help="print the version of relurelax and exit")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        if command.name in load:
            importlib.import_module(f"relurelax.reports.{command.module}").register(_Registration(sub, command))
        else:
            sub.add_parser(command.name, help=command.summary)
    return parser


def _terminate(signum, frame):
    # SIGTERM takes the same clean path as Ctrl-C: finally blocks remove
    # temporary output, and nothing half-written is left where results go
    raise KeyboardInterrupt(signal.Signals(signum).name)


#: the interruption that a callback swallowed and that is being delivered again (None when there is none)
_swallowed: dict = {"signal": None, "timer": None}
#: how long the re-delivery waits, so that the main thread has left the callback that swallowed the signal
REDELIVERY_DELAY = 0.05


def _redeliver_swallowed_interrupt(previous_hook):
    r"""An ``unraisablehook`` that delivers again an interruption that a callback swallowed.

    A signal's ``KeyboardInterrupt`` raised while the interpreter runs a garbage
    collector callback (hypothesis installs one), a ``__del__`` or a weakref
    callback cannot propagate: Python reports it as "unraisable" and the run
    goes on, so a SIGTERM would be lost and the command would exit 0. This hook
    sends the signal again from a helper thread a moment later, when the main
    thread is back in ordinary code, and repeats whenever it is swallowed
    again; ``main`` clears the record when the interruption arrives.
    """

    def hook(unraisable):
        exc = unraisable.exc_value
        if not isinstance(exc, KeyboardInterrupt):
            previous_hook(unraisable)
            return
        signum = signal.SIGTERM if str(exc) == "SIGTERM" else signal.SIGINT
        _swallowed["signal"] = signum
        main_id = threading.main_thread().ident
        timer = threading.Timer(REDELIVERY_DELAY, signal.pthread_kill, (main_id, signum))
        timer.daemon = True
        _swallowed["timer"] = timer
        timer.start()

    return hook


def _run(argv: list[str]) -> int:
    """Parse ``argv`` and run the command's handler; its exit code."""
    parser = build_parser(_requested(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    code = int(args.handler(args) or EXIT_OK)
    if _swallowed["signal"] is not None:
        # the signal came back only after the command had finished: its output is complete
        name = signal.Signals(_swallowed["signal"]).name
        print(f"relurelax: interrupted ({name}) as the run finished; its output was written completely",
              file=sys.stderr)  # fmt: skip
        return EXIT_INTERRUPTED
    return code


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(message, file=sys.stderr)
    return code


def _exit_code(exc: BaseException, debug: bool) -> int:
    """The exit code of a command that raised ``exc``, after one line on stderr (and the traceback with --debug)."""
    if isinstance(exc, SystemExit):  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if isinstance(exc, UsageError):
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    from relurelax.solvers.errors import InvalidInputError, SolveError  # here: the solvers package loads numpy

    if isinstance(exc, InvalidInputError):
        return _fail(f"relurelax: error: {exc}", EXIT_USAGE, debug)
    if isinstance(exc, (SolveError, CommandFailed)):
        return _fail(f"relurelax: failed: {exc}", EXIT_FAILED, debug)
    if isinstance(exc, KeyboardInterrupt):
        _swallowed["signal"] = None
        # a command that knows how far it got says so in the exception; otherwise the last recorded stage does
        detail = str(exc)
        if detail in ("", "SIGINT", "SIGTERM"):
            detail = progress.describe()
        print(f"relurelax: interrupted {detail}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, MemoryError):
        # not a bug but a request too large for this machine; say where, as for an interruption
        return _fail(f"relurelax: failed: out of memory {progress.describe()} (try a smaller problem)", EXIT_FAILED,
                     debug)  # fmt: skip
    # an unexpected bug still gets one line, not a traceback
    return _fail(f"relurelax: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", EXIT_FAILED, debug)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    previous = previous_hook = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
        previous_hook = sys.unraisablehook
        sys.unraisablehook = _redeliver_swallowed_interrupt(previous_hook)
        _swallowed["signal"] = None
    try:
        return _run(argv)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        return _exit_code(exc, debug)
    finally:
        if previous is not None:
            if _swallowed["timer"] is not None:  # no re-delivery after the command has returned
                _swallowed["timer"].cancel()
            _swallowed.update(signal=None, timer=None)
            signal.signal(signal.SIGTERM, previous)
            sys.unraisablehook = previous_hook
        progress.reset()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
