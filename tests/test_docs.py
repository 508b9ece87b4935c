r"""The documentation builds with warnings as errors, its tutorials run, and its references match the code.

One Sphinx build (``python -m sphinx -W --keep-going -j auto -b html docs <tmp>``,
what ``docs/README.md`` tells a developer to run; ``-j auto`` reads and writes
the pages in one process per core, so two tutorials execute at once) serves every test of the
built pages: the build must succeed, each tutorial's output cells must hold
what the tutorial computes (so they were executed, against this code), the
API pages must document every public module and name, the CLI page must show
every option of every command, and the paper-to-code page must carry the
README's table. The build writes nothing into the source tree.
"""

from __future__ import annotations

import argparse
import ast
import html
import importlib
import inspect
import json
import os
import pkgutil
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGES = ("relurelax.solvers", "relurelax.proofs", "relurelax.reports")
API_PAGES = {"relurelax.solvers": "api/solvers.html", "relurelax.proofs": "api/proofs.html",
             "relurelax.reports": "api/reports.html"}  # fmt: skip


def _source_files() -> set[str]:
    return {str(p.relative_to(DOCS)) for p in DOCS.rglob("*") if "__pycache__" not in p.parts}


class Built:
    """The result of one build: its exit code, its log, where the pages are, and how long it took."""

    def __init__(self, proc: subprocess.CompletedProcess, out: Path, seconds: float, before: set, after: set):
        self.returncode, self.log, self.out, self.seconds = proc.returncode, proc.stdout + proc.stderr, out, seconds
        self.added_to_sources = sorted(after - before)

    def page(self, name: str) -> str:
        return (self.out / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("docs") / "html"
    before = _source_files()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-j", "auto", "-b", "html", str(DOCS), str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    result = Built(proc, out, time.perf_counter() - start, before, _source_files())
    print(f"\nthe docs built in {result.seconds:.1f} s")  # shown with -s; never asserted
    return result


class _CellOutputs(HTMLParser):
    """The text of every ``cell_output`` block of a myst-nb page (what the executed cells printed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.outputs: list[str] = []
        self._depth = 0  # div depth inside the current output block, 0 outside

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        if self._depth:
            self._depth += 1
        elif "cell_output" in (dict(attrs).get("class") or "").split():
            self._depth = 1
            self.outputs.append("")

    def handle_endtag(self, tag):
        if tag == "div" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.outputs[-1] += data


def cell_outputs(page: str) -> str:
    parser = _CellOutputs()
    parser.feed(page)
    return "\n".join(parser.outputs)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_docs_build_with_warnings_as_errors_and_write_nothing_into_the_sources(built):
    assert built.returncode == 0, built.log[-6000:]
    assert "build succeeded" in built.log
    assert built.added_to_sources == []


def test_the_ledger_tutorial_ran_the_quick_ledger_and_shows_its_table(built):
    from relurelax.proofs import CLAIMS

    out = cell_outputs(built.page("tutorials/verify-in-five-minutes.html"))
    assert f"{len(CLAIMS)} of {len(CLAIMS)} claims examined; ledger ok: True" in out
    assert "relurelax claims ledger (profile quick, seed 0)" in out
    assert "Counterexamples (each condition of the minimal set, dropped; numbers rounded" in out
    for claim in CLAIMS:
        assert claim.id in out, claim.id
    assert "paper's conditions: ('planted',)" in out  # Theorem 1's record, field by field


def test_the_property_test_tutorial_shrinks_the_wrong_relaxation_to_one_sample(built):
    out = cell_outputs(built.page("tutorials/property-test-your-code.html"))
    assert "both properties hold on 150 instances each" in out
    assert "both claims hold for my_relaxed_objective" in out
    # hypothesis notes "Falsifying example: ..." (older releases) or "Failing test case: ...", then the shrunk instance
    assert re.search(r"(Falsifying example|Failing test case): test_wrong_relaxed_objective_matches_relurelax\(", out)
    assert "inst=Instance(A=array([[0.]])" in out
    assert "no ties:   None" in out and "with ties: Instance(" in out


def test_the_solve_tutorial_ran_every_one_neuron_method_and_checked_its_certificates(built):
    from relurelax.solvers import SolveStatus
    from relurelax.solvers.registry import solvers_for

    out = cell_outputs(built.page("tutorials/solve-your-data.html"))
    statuses = "|".join(s.value for s in SolveStatus)
    for entry in solvers_for(1):
        assert re.search(rf"^{entry.name}(:CLARABEL)? +({statuses}) ", out, re.M), entry.name
    assert "passed: True" in out  # the conic certificate
    assert len(re.findall(r"<= [0-9.e-]+: True", out)) == 3  # RGD, Newton and CVXPY agree pairwise
    assert "relurelax.solve/2 converged" in out


def test_the_report_tutorial_read_and_validated_the_committed_example(built):
    results = json.loads((ROOT / "reports" / "example" / "results.json").read_text(encoding="utf-8"))
    out = cell_outputs(built.page("tutorials/read-a-report.html"))
    assert f"{results['schema']} is valid against {results['schema']}" in out
    reproduced = sum(f["reproduced"] for f in results["paper_findings"])
    assert f"paper findings: {reproduced} of {len(results['paper_findings'])} reproduced" in out
    assert f"claims ledger: ok = {results['claims']['ok']}" in out


def _public_modules(package: str) -> list[str]:
    path = importlib.import_module(package).__path__
    return sorted(f"{package}.{m.name}" for m in pkgutil.iter_modules(path) if not m.name.startswith("_"))


def _defined_here(module) -> list[str]:
    """The names of ``module.__all__`` that the module defines: its classes and functions, and the constants
    its source assigns (a re-exported name is documented where it is defined)."""
    tree = ast.parse(inspect.getsource(module))
    assigned = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
    names = []
    for name in module.__all__:
        value = getattr(module, name)
        if (callable(value) and getattr(value, "__module__", None) == module.__name__) or name in assigned:
            names.append(name)
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_the_api_page_documents_every_public_module_and_name(built, package):
    page = built.page(API_PAGES[package])
    missing = []
    for name in _public_modules(package):
        if f'id="module-{name}"' not in page:
            missing.append(name)
            continue
        module = importlib.import_module(name)
        missing += [f"{name}.{n}" for n in _defined_here(module) if f'id="{name}.{n}"' not in page]
    assert missing == []


def test_the_api_pages_name_the_strategies_and_the_records_a_user_needs(built):
    proofs, solvers = built.page("api/proofs.html"), built.page("api/solvers.html")
    for name in ("relurelax.proofs.strategies.instances", "relurelax.proofs.strategies.Instance",
                 "relurelax.proofs.conditions.Space", "relurelax.proofs.ledger.run_ledger"):  # fmt: skip
        assert f'id="{name}"' in proofs, name
    for name in ("relurelax.solvers.solution.Solution", "relurelax.solvers.solution.evaluate_point",
                 "relurelax.solvers.registry.SOLVERS", "relurelax.solvers.objectives.relaxed_objective"):  # fmt: skip
        assert f'id="{name}"' in solvers, name


def test_the_cli_page_shows_every_option_of_every_command(built):
    from relurelax.reports.cli import COMMANDS, build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    page = text_of(built.page("cli.html"))
    # the text from each "usage: relurelax NAME" to the next usage line, by NAME
    sections = dict(chunk.split(" ", 1) for chunk in page.split("usage: relurelax ")[1:])
    for command in COMMANDS:
        assert command.name in sections, command.name
        for action in sub.choices[command.name]._actions:
            if action.help == argparse.SUPPRESS:  # a hidden option (for the tests) is in no --help either
                continue
            for option in action.option_strings:
                assert re.search(rf"{re.escape(option)}\b", sections[command.name]), (command.name, option)


def test_the_paper_to_code_page_carries_every_row_of_the_readme_table(built):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## From the paper to the code", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| paper ")]
    page = text_of(built.page("paper-to-code.html"))
    assert len(rows) >= 10
    for row in rows:
        first_name = re.search(r"`([^`]+)`", row.split("|")[2]).group(1)
        assert first_name in page, row


def test_the_strategies_space_and_the_condition_names_import_together_from_relurelax_proofs():
    import relurelax.proofs as proofs
    from relurelax.proofs import conditions, strategies

    for name in strategies.__all__:
        assert getattr(proofs, name) is getattr(strategies, name), name
        assert name in proofs.__all__, name
    assert proofs.Space is conditions.Space
    assert (proofs.PLANTED, proofs.LABELS_NONNEGATIVE, proofs.N_LE_D, proofs.FULL_ROW_RANK,
            proofs.NO_ZERO_PREACTIVATION) == proofs.CONDITIONS == conditions.CONDITIONS  # fmt: skip


def test_importing_the_condition_names_from_relurelax_proofs_loads_no_numeric_code():
    code = ("import sys; from relurelax.proofs import PLANTED, Space; Space(frozenset({PLANTED})); "
            "print(sorted(m for m in ('numpy', 'hypothesis', 'relurelax.solvers') if m in sys.modules))")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
