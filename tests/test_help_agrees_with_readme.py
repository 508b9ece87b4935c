"""What ``relurelax --help`` and ``relurelax COMMAND --help`` say agrees with the README."""

from __future__ import annotations

import argparse
import pathlib
import re

import pytest

from relurelax.reports.cli import COMMANDS, build_parser

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
#: the README section of each command whose help and options are held against it here
SECTIONS = {"solve": "## `relurelax solve`", "crosscheck": "## `relurelax crosscheck`", "bench": "## Performance",
            "verify": "## The claims ledger", "report": "## `relurelax report`",
            "sweep": "## `relurelax sweep`"}


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


PARSERS = _subparsers()


def _options(name: str) -> set[str]:
    """The options a user can give ``relurelax NAME`` (hidden ones and --help left out)."""
    return {opt for a in PARSERS[name]._actions if a.help != argparse.SUPPRESS for opt in a.option_strings
            if opt.startswith("--") and opt != "--help"}  # fmt: skip


def _section(name: str) -> str:
    start = README.index(SECTIONS[name])
    following = README.find("\n## ", start + 1)
    return README[start : None if following < 0 else following]


def _help(name: str) -> str:
    return " ".join(PARSERS[name].format_help().split())


def test_each_commands_summary_in_relurelax_help_is_its_line_in_the_readmes_command_table():
    table = dict(re.findall(r"^\| `relurelax (\w+)` \| (.+?) \|$", README, flags=re.M))
    assert table == {c.name: c.summary for c in COMMANDS}


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_every_option_of_the_command_is_described_in_its_readme_section(name):
    section = _section(name)
    missing = sorted(opt for opt in _options(name) if not re.search(rf"{re.escape(opt)}(?![\w-])", section))
    assert not missing, f"relurelax {name} options not in the README's section: {missing}"


def test_every_relurelax_command_the_readme_shows_uses_options_the_command_has():
    wrong = []
    for name, rest in re.findall(r"relurelax (solve|verify|crosscheck|report|bench|sweep)\b([^`\n]*)", README):
        wrong += [(name, opt) for opt in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", rest.split("#")[0])
                  if opt not in _options(name) | {"--help"}]  # fmt: skip
    assert not wrong


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_no_help_shows_a_default_as_python_code(name):
    text = PARSERS[name].format_help()
    assert not re.search(r"\[\s*'|\(default: None\)|\(default: False\)", text), text


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_the_run_times_that_help_states_are_the_readmes(name):
    for phrase in re.findall(r"about (?:a|\d+) (?:minute|minutes|s)\b", _help(name)):
        assert phrase in _section(name), (name, phrase)


def test_help_and_readme_say_alike_what_the_crosscheck_compares():
    help_text, section = _help("crosscheck"), " ".join(_section("crosscheck").split())
    assert "Recovery errors are shown, not compared" in help_text and "shown but not compared" in section
    for solver in ("GD", "RGD", "Newton"):
        assert solver in help_text and solver in section
    summary = {c.name: c.summary for c in COMMANDS}
    assert "Newton" in summary["crosscheck"] and "Newton" in summary["solve"]
