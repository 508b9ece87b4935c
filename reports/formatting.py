r"""How relurelax writes a value of the serialised results as text: one formatter for every renderer.

The Markdown and HTML pages, the terminal tables and the evidence sentences
of the paper findings all show numbers through :func:`number` (counts that
may be fractional, such as medians of iteration counts, through
:func:`count`) and every other JSON value through :func:`text`, so a value
reads the same wherever it appears. Numbers are rounded, never cut: the
terminal tables (:mod:`.terminal`) never shorten a cell. Both take values as ``results.json`` holds them (``None`` for a
missing number, never NaN); a non-finite float that reaches them anyway is
shown as ``nan``.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import SupportsFloat

__all__ = ["MISSING", "COUNTEREXAMPLE_DIGITS", "number", "count", "counterexample_number", "text"]

#: how a missing value (JSON null) is shown in tables
MISSING = "-"


def number(value: object, spec: str = ".3g", missing: str = MISSING) -> str:
    r"""A number as text: a float rounded to the format ``spec`` (three significant digits by default), an
    integer exactly; ``missing`` for None.

    An integer is a count or a size (iterations, n, d, examples): it is written
    in full, never ``4.64e+03``. A float is rounded, never cut: the text
    parses back (``float(number(v))``) to ``v`` rounded to ``spec``.
    """
    if value is None:
        return missing
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and not math.isfinite(value):
        return "nan"
    return format(value, spec)


def count(value: SupportsFloat | None, missing: str = MISSING) -> str:
    r"""A count that may arrive as a float (a median of iteration counts): an integer in full, never
    ``2.2e+03``; a non-integral value (the median of an even number of counts) with one decimal."""
    if value is None:
        return missing
    if isinstance(value, float) and not math.isfinite(value):
        return "nan"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


#: significant digits of a counterexample's numbers where people read them (terminal, report); the JSON is exact
COUNTEREXAMPLE_DIGITS = 6


def counterexample_number(value: object) -> str:
    """A number of a counterexample as shown: integers exactly, other values rounded to
    :data:`COUNTEREXAMPLE_DIGITS` significant digits (never truncated)."""
    return text(value) if isinstance(value, int) else number(value, f".{COUNTEREXAMPLE_DIGITS}g")


def text(value: object) -> str:
    r"""Any JSON value as display text.

    Strings as they are; integers exactly; floats by :func:`number`;
    booleans as JSON writes them (``true``, ``false``); None as
    :data:`MISSING`; a list of strings joined by commas (``(none)`` when
    empty); any other list or object as compact JSON, keys in the order
    ``results.json`` holds them.
    """
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "(none)"
    return json.dumps(value, separators=(", ", ": "))
