r"""Argument types shared by the subcommands: each converts one string and
raises ``argparse.ArgumentTypeError`` with what would have been accepted."""

from __future__ import annotations

import argparse
import math

__all__ = ["positive_int", "nonnegative_int", "nonnegative_float", "step_size"]


def _number(convert, minimum, *, strict: bool, what: str):
    def parse(text: str):
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


def step_size(text: str):
    """``auto`` or a positive finite float."""
    return "auto" if text == "auto" else _positive_float(text)
