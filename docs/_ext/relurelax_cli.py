r"""The ``relurelax-cli`` directive: the help of ``relurelax`` and of each command, from the real parser.

It calls :func:`relurelax.reports.cli.build_parser` (every command's module
registers its own arguments, as ``relurelax COMMAND --help`` does) and
writes one section per command, in the order of
:data:`relurelax.reports.cli.COMMANDS`: the command's summary, then the text
``relurelax COMMAND --help`` prints, at a fixed width of :data:`WIDTH`
columns. The help is shown as printed (a literal block), not parsed as
markup, so the page says exactly what the terminal says.
"""

from __future__ import annotations

import argparse
import os
from contextlib import contextmanager

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

#: the terminal width the help is formatted for
WIDTH = 88


@contextmanager
def _columns(width: int):
    """argparse formats for the width in ``COLUMNS``; set it for the duration."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def command_helps(width: int = WIDTH) -> list[tuple[str, str, str]]:
    """``(prog, summary, help text)`` for ``relurelax`` and then each command, in the table's order."""
    from relurelax.reports.cli import COMMANDS, build_parser

    with _columns(width):
        parser = build_parser()
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        out = [(parser.prog, parser.description or "", parser.format_help())]
        for command in COMMANDS:
            child = sub.choices[command.name]
            out.append((child.prog, command.summary, child.format_help()))
    return out


class RelurelaxCli(SphinxDirective):
    """One section per command: its summary and its ``--help``."""

    def run(self):
        sections = []
        for prog, summary, text in command_helps():
            section = nodes.section(ids=[nodes.make_id(prog)], names=[nodes.fully_normalize_name(prog)])
            section += nodes.title("", "", nodes.literal(prog, prog))
            if " " in prog:  # the main parser's description is in its help already
                section += nodes.paragraph(summary, summary[:1].upper() + summary[1:] + ".")
            section += nodes.literal_block(text, text, language="text")
            self.state.document.note_implicit_target(section, section)
            sections.append(section)
        return sections


def setup(app):
    app.add_directive("relurelax-cli", RelurelaxCli)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
