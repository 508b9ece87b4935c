r"""Arguments shared by the subcommands: the types, each of which converts one
string and raises ``argparse.ArgumentTypeError`` with what would have been
accepted, and the options that several commands take (``--profile`` with the
one set of profile names, ``--seed``, ``--json``), declared here once."""

from __future__ import annotations

import argparse
import math
from typing import Callable, TypeVar

__all__ = [
    "positive_int",
    "nonnegative_int",
    "nonnegative_float",
    "step_size",
    "PROFILE_NAMES",
    "add_profile_and_seed",
    "add_json_option",
    "HelpFormatter",
]

class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    r"""Help that shows an option's default only when it says something: a value, never
    ``(default: None)`` for an option that is off unless given, nor ``(default: False)`` for a flag."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "%(default)" in text or action.default is None or isinstance(action.default, bool):
            return text
        return super()._get_help_string(action)


#: the profile names of every command that runs at a size (verify, report), smallest first
PROFILE_NAMES = ("quick", "default", "thorough")


#: int or float: what an argument type made by :func:`_number` converts its string to
_N = TypeVar("_N", int, float)


def _number(convert: Callable[[str], _N], minimum: _N, *, strict: bool, what: str) -> Callable[[str], _N]:
    def parse(text: str) -> _N:
        try:
            value = convert(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        if value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    parse.__name__ = what
    return parse


positive_int = _number(int, 0, strict=True, what="a positive integer")
nonnegative_int = _number(int, 0, strict=False, what="an integer >= 0")
nonnegative_float = _number(float, 0.0, strict=False, what="a finite number >= 0")
_positive_float = _number(float, 0.0, strict=True, what="'auto' or a positive finite number")


def step_size(text: str) -> str | float:
    """``auto`` or a positive finite float."""
    return "auto" if text == "auto" else _positive_float(text)


def add_profile_and_seed(parser: argparse.ArgumentParser, *, profile_help: str, seed_help: str) -> None:
    """``--profile`` (one of :data:`PROFILE_NAMES`, default ``default``) and ``--seed`` (an integer >= 0, default 0)."""
    parser.add_argument("--profile", choices=PROFILE_NAMES, default="default", help=profile_help)
    parser.add_argument("--seed", type=nonnegative_int, default=0, help=seed_help)


def add_json_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--json PATH``: write ``what`` as JSON (through :func:`relurelax.reports._io.write_json`)."""
    parser.add_argument("--json", metavar="PATH", help=f"write {what} as JSON")
