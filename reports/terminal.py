r"""Terminal tables that never cut a number: the one table printer of ``solve``, ``crosscheck`` and ``bench``.

A rich table that is wider than the terminal shrinks its columns, and a cell
that no longer fits is cut with an ellipsis: ``3.03e…`` could be
:math:`3 \times 10^{-17}` or :math:`3 \times 10^{5}`. :func:`print_table`
therefore renders a table first into a plain console of the target width and
prints it only when no cell was cut and no line is too long; otherwise it
prints each row as ``header: value`` pairs, packed into lines of the
console's width and never split. With ``wide=True`` the table is printed at its natural
width, however wide (the terminal may wrap the lines, but nothing is cut).

The cells are text already: numbers are formatted (rounded, never cut) by
:func:`relurelax.reports.formatting.number` before they get here.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # rich is imported where a table is printed, not with the module
    from rich.console import Console, RenderableType

__all__ = ["print_table", "render_text", "ELLIPSIS"]

#: what rich puts where it cut a cell
ELLIPSIS = "…"


#: the spaces between columns, widest first: the first layout that fits is printed
GAPS = (2, 1)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: frozenset, gap: int):
    from rich import box
    from rich.table import Table

    # no outer frame, a rule under the header, and gap spaces between columns (the box's one-space divider
    # and gap - 1 of right padding): a table of seven numeric columns fits 80 columns with one space
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, gap - 1, 0, 0), pad_edge=False,
                  header_style="bold")  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header in left else "right")
    for row in rows:
        table.add_row(*row)
    return table


def render_text(renderable: RenderableType, width: int) -> str:
    """``renderable`` as plain text at ``width`` columns (no colour, no markup), as a terminal of that width shows it."""
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False, soft_wrap=False).print(renderable)
    return buffer.getvalue()


def _natural_width(table) -> int:
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(file=io.StringIO(), width=10_000)
    return Measurement.get(console, console.options, table).maximum


def _fits(table, width: int) -> bool:
    """Whether ``table`` shows every cell whole at ``width`` columns."""
    text = render_text(table, width)
    return ELLIPSIS not in text and all(len(line) <= width for line in text.splitlines())


def _print_records(console, headers, rows) -> None:
    """Each row as ``header: value`` pairs, packed into lines of the console's width; a pair is never split."""
    for row in rows:
        pairs = [f"{h}: {v}" for h, v in zip(headers, row) if v != ""]
        lines = ["  " + pairs[0]]
        for pair in pairs[1:]:
            if len(lines[-1]) + 2 + len(pair) <= console.width:
                lines[-1] += "; " + pair
            else:
                lines.append("    " + pair)
        for line in lines:
            console.print(line, markup=False, highlight=False)


def print_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]], *, left: Sequence[str] = (),
                title: str | None = None, wide: bool = False) -> None:  # fmt: skip
    r"""Print ``rows`` (text cells) under ``headers`` on ``console`` without cutting any cell.

    ``left`` names the columns justified left (text); the others are
    right-justified (numbers). ``title`` is a line printed above the table,
    wrapped at the console's width. ``wide``: print the table at its natural
    width whatever the console's. Otherwise the first layout of
    :data:`GAPS` that shows every cell whole at the console's width is
    printed, and when none does, each row as one line of ``header: value``
    pairs.
    """
    from rich.console import Console

    left = frozenset(left)
    if wide:
        table = _table(headers, rows, left, GAPS[0])
        console = Console(file=console.file, width=max(console.width, _natural_width(table)),
                          color_system="auto" if console.color_system else None,
                          force_terminal=console.is_terminal)  # fmt: skip
    if title:
        console.print(title, markup=False, highlight=False)
    if wide:
        console.print(table)
        return
    for gap in GAPS:
        table = _table(headers, rows, left, gap)
        if _fits(table, console.width):
            console.print(table)
            return
    _print_records(console, headers, rows)
