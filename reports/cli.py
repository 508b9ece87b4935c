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
from .errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CommandFailed, ResumableInterrupt, UsageError
from .errors import committed_outputs, interruption, raisable_interruption, record_interruption, reset_interruption

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
            "prove, property-test and stress-test every claim of the paper and two of relurelax's own (the claims ledger)"),
    Command("crosscheck", "crosscheck_command",
            "check GD, RGD and the exact Newton solver against CVXPY backends on planted instances"),
    Command("report", "report_command",
            "run the ledger, the cross-check and the reproduction of Figures 1-2; write a report"),
    Command("sweep", "sweep_command",
            "map where the claims hold: rates with confidence intervals over n/d, m, noise and lam"),
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


def _interrupt(signum, frame):
    # Ctrl-C and SIGTERM take one clean path: finally blocks remove temporary
    # output, and nothing half-written is left where results go. The signal is
    # recorded first, so that it still counts when a library swallows the
    # exception (errors.committing and _interrupted consult the record)
    if record_interruption(signum):
        raise KeyboardInterrupt(signal.Signals(signum).name)


def _on_unraisable(previous_hook):
    r"""An ``unraisablehook`` that raises again an interruption that a callback swallowed.

    A signal's ``KeyboardInterrupt`` raised while the interpreter runs a
    garbage collector callback (hypothesis installs one), a ``__del__`` or a
    weakref callback cannot propagate: Python reports it as "unraisable" and
    goes on. The record of the signal already makes the run end with 130
    and commit nothing; for the run to stop at once as well, this hook
    installs :func:`_raise_recorded_interruption` as the main thread's profile
    function, which raises the exception again at the next Python call or
    return after the hook: in ordinary code, or in the next callback, which
    swallows it and comes back here. No thread and no delay are involved.
    """

    def hook(unraisable):
        ours = isinstance(unraisable.exc_value, KeyboardInterrupt) and interruption() is not None
        if not ours or threading.current_thread() is not threading.main_thread():
            previous_hook(unraisable)
            return
        sys.setprofile(_raise_recorded_interruption)

    return hook


#: the code of the hook that arms :func:`_raise_recorded_interruption` (its own call and return do not fire it)
_HOOK_CODE = _on_unraisable(None).__code__


def _raise_recorded_interruption(frame, event, arg):
    """A profile function (``sys.setprofile``): raises the recorded interruption at the first event after the hook."""
    if frame.f_code is _HOOK_CODE:
        return
    sys.setprofile(None)
    signum = raisable_interruption()  # None inside a commit, which completes; the exit code is 130 all the same
    if signum is not None:
        raise KeyboardInterrupt(signum.name)


def _run(argv: list[str]) -> int:
    """Parse ``argv`` and run the command's handler; its exit code."""
    parser = build_parser(_requested(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    code = int(args.handler(args) or EXIT_OK)
    if interruption() is not None:
        # the signal's exception was swallowed, or the signal came during a commit: the run was interrupted all the same
        return _interrupted("")
    return code


def _interrupted(detail: str) -> int:
    r"""Exit code 130 after one line on stderr: what was written completely, or else how far the run got.

    ``detail`` is what an interrupted command says about itself (the text of
    its ``KeyboardInterrupt``); without one, the last recorded stage
    (:func:`.progress.describe`) speaks. A run that committed an output
    before the signal arrived says so, since its output is complete.
    """
    outputs = committed_outputs()
    if outputs:
        signum = interruption()
        name = f" ({signum.name})" if signum is not None else ""
        message = f"interrupted{name} as the run finished; its output was written completely: {', '.join(outputs)}"
    else:
        if detail in ("", "SIGINT", "SIGTERM"):
            detail = progress.describe()
        message = f"interrupted {detail}"
    print(f"relurelax: {message}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(message, file=sys.stderr)
    return code


def _exit_code(exc: BaseException, debug: bool) -> int:
    """The exit code of a command that raised ``exc``, after one line on stderr (and the traceback with --debug)."""
    if isinstance(exc, ResumableInterrupt):
        print(f"relurelax: interrupted {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, KeyboardInterrupt):
        return _interrupted(str(exc))
    if interruption() is not None:
        # a signal decides the exit code even when what reached here is another exception (a library
        # may turn the KeyboardInterrupt into one); --debug shows which
        if debug:
            traceback.print_exc()
        return _interrupted("")
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
    if isinstance(exc, MemoryError):
        # not a bug but a request too large for this machine; say where, as for an interruption
        return _fail(f"relurelax: failed: out of memory {progress.describe()} (try a smaller problem)", EXIT_FAILED,
                     debug)  # fmt: skip
    # an unexpected bug still gets one line, not a traceback
    return _fail(f"relurelax: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", EXIT_FAILED, debug)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    handlers = {}
    previous_hook = None
    if threading.current_thread() is threading.main_thread():
        reset_interruption()
        # SIGINT only where Python's own handler is in place: an ignored Ctrl-C (a background job) stays ignored
        ours = [signal.SIGTERM] + [signal.SIGINT] * (signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        for signum in ours:
            handlers[signum] = signal.signal(signum, _interrupt)
        previous_hook = sys.unraisablehook
        sys.unraisablehook = _on_unraisable(previous_hook)
    try:
        return _run(argv)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        return _exit_code(exc, debug)
    finally:
        if handlers:
            if sys.getprofile() is _raise_recorded_interruption:  # armed, but the command returned first
                sys.setprofile(None)
            for signum, previous in handlers.items():
                signal.signal(signum, previous)
            sys.unraisablehook = previous_hook
            reset_interruption()
            # A KeyboardInterrupt that once left an exec() or eval() of a string (sympy's parser and
            # dataclasses run them) leaves CPython's record of an unhandled interruption set, even
            # though it was handled here; under `python -m` the interpreter would then end by SIGINT
            # instead of with the exit code returned. Running a string clears that record.
            exec("")
        progress.reset()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
