"""A tally of what the reliability tests tried, printed at the end of the run.

Each reliability test calls :func:`tried` for the inputs it fed and
:func:`injected` for the faults it caused; the tally is printed by
``pytest_terminal_summary`` in conftest.py so that the figures can be read
from a CI log. A test that finds an unhandled input fails on its own; the
tally only counts.
"""

from __future__ import annotations

from collections import Counter

TALLY: Counter = Counter()


def tried(kind: str, count: int = 1) -> None:
    TALLY[f"inputs:{kind}"] += count


def injected(kind: str, count: int = 1) -> None:
    TALLY[f"faults:{kind}"] += count


def summary() -> list[str]:
    if not TALLY:
        return []
    inputs = sum(v for k, v in TALLY.items() if k.startswith("inputs:"))
    faults = sum(v for k, v in TALLY.items() if k.startswith("faults:"))
    lines = [f"reliability: {inputs} inputs tried, {faults} faults injected, all handled"]
    for key in sorted(TALLY):
        lines.append(f"  {key}: {TALLY[key]}")
    return lines
