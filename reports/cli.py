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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return int(args.handler(args) or EXIT_OK)
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
            signal.signal(signal.SIGTERM, previous)
        progress.reset()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
