r"""The ``relurelax`` command line.

Each subcommand lives in its own module that exposes ``register(subparsers)``
(adding its parser and setting ``handler``). Exit codes are the same for
every command: 0 done, 1 the solve or check failed (and out of memory), 2 bad
usage or bad input, 130 interrupted. Errors are one line on stderr;
``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
import traceback

from relurelax.solvers.errors import InvalidInputError, SolveError

from . import progress

__all__ = ["main", "build_parser", "CommandFailed", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: modules (in relurelax.reports) that each register one subcommand
COMMAND_MODULES = ("solve_command", "verify_command", "crosscheck_command", "report_command", "bench_command")


class CommandFailed(Exception):
    """A command ran but its result is a failure (exit 1); the message is printed."""


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump: the brief asks for one-line errors
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="relurelax",
        description=(
            "Verify, solve and reproduce 'Convex Optimization for Shallow Neural Networks' "
            "(Ergen & Pilanci, 2019). Exit codes: 0 done, 1 the solve or check failed, 2 bad usage or input."
        ),
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"relurelax.reports.{name}").register(sub)
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
        parser = build_parser()
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
            return 130
        return code
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except InvalidInputError as exc:
        if debug:
            traceback.print_exc()
        print(f"relurelax: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (SolveError, CommandFailed) as exc:
        if debug:
            traceback.print_exc()
        print(f"relurelax: failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as exc:
        _swallowed["signal"] = None
        # a command that knows how far it got says so in the exception;
        # otherwise the last recorded stage does
        detail = str(exc)
        if detail in ("", "SIGINT", "SIGTERM"):
            detail = progress.describe()
        print(f"relurelax: interrupted {detail}", file=sys.stderr)
        return 130
    except MemoryError:
        # not a bug but a request too large for this machine; say where, as for an interruption
        if debug:
            traceback.print_exc()
        print(f"relurelax: failed: out of memory {progress.describe()} (try a smaller problem)", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # an unexpected bug still gets one line, not a traceback
        if debug:
            traceback.print_exc()
        print(f"relurelax: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", file=sys.stderr)
        return EXIT_FAILED
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
