r"""How relurelax writes a value of the serialised results as text: one formatter for every renderer.

The Markdown and HTML pages, the terminal tables and the evidence sentences
of the paper findings all show numbers through :func:`number` and every other
JSON value through :func:`text`, so a value reads the same wherever it
appears. Both take values as ``results.json`` holds them (``None`` for a
missing number, never NaN); a non-finite float that reaches them anyway is
shown as ``nan``.
"""

from __future__ import annotations

import json
import math

__all__ = ["MISSING", "number", "text"]

#: how a missing value (JSON null) is shown in tables
MISSING = "-"


def number(value, spec: str = ".3g", missing: str = MISSING) -> str:
    """A number in the format ``spec`` (three significant digits by default); ``missing`` for None."""
    if value is None:
        return missing
    if isinstance(value, float) and not math.isfinite(value):
        return "nan"
    return format(value, spec)


def text(value) -> str:
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
