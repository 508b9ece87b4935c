r"""``relurelax verify``: the claims ledger on the command line.

Runs :func:`relurelax.proofs.ledger.run_ledger`, serialises the ledger
(:meth:`Ledger.to_json`, schema ``relurelax.verify/3``,
``reports/schemas/verify.schema.json``), renders that document on the
terminal and with ``--json`` writes it atomically. The table fits 80 columns:
one row per claim, its id, verdict and the verdict's grade stacked on the
left; the paper's conditions, the minimal set and every other minimal set
with their grades, and the evidence (method: status, examples, seconds) on
the right. Below it: the minimal sets that rest on searches (with the spaces
and counts searched), one block per counterexample (numbers rounded to six
significant digits; ``--json`` holds them exactly), the self-checks of the
numeric code (one line when all pass; each failure with its numbers), and a
closing line that says what is established (:func:`.ledger_section.ledger_state`).

Exit 0 when the ledger is ok (:attr:`Ledger.ok`: every proof went through,
the numeric code agrees with every proved statement, every self-check of
the numeric code (:mod:`relurelax.proofs.selfchecks`) passed, and with ``--strict``
no minimal set rests on searches only; findings about the paper's conditions
are results), 1 otherwise (also when the numeric code raises on an instance the
ledger built: that is a fault of the code under examination), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

from relurelax.proofs.claims import CLAIMS, count_in_words
from relurelax.proofs.ledger import FAILING_STATUSES, run_ledger
from relurelax.solvers.errors import InvalidInputError, SolveError, SolverUnavailableError

from . import progress as run_progress
from ._args import HelpFormatter, add_json_option, add_profile_and_seed
from ._io import prepare_output_file, write_json
from .errors import CommandFailed
from .formatting import COUNTEREXAMPLE_DIGITS, counterexample_number, number
from .ledger_section import (
    condition_names,
    failed_selfchecks,
    grade_text,
    ledger_state,
    searched_sets,
    selfcheck_summary,
)

if TYPE_CHECKING:  # rich is imported where a console is made, not with the module
    from rich.console import Console

__all__ = ["register", "render", "render_selfchecks", "failures", "strict_failures"]

def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "verify",
        description=(
            f"Examine the {count_in_words(len(CLAIMS))} claims (the paper's, and relurelax's beyond it) with sympy and z3 proofs, hypothesis "
            "property checks of the numeric code and CVXPY/RGD comparisons; report, per claim, the verdict, the "
            "minimal conditions and the counterexamples, each graded proved, refuted or searched; self-check the "
            "numeric code (gradients, the tie convention, the descent loop, the solvers and their certificates). "
            "Exit 0 when the implementation agrees with the mathematics everywhere, 1 when a proof fails, the "
            "numeric code disagrees with a proved statement or fails a self-check (or, with --strict, when a "
            "minimal set rests on searches only), 2 for bad usage."
        ),
        formatter_class=HelpFormatter,
    )
    add_profile_and_seed(p, profile_help="how hard to look", seed_help="seed of every search (same seed, same ledger)")
    add_json_option(p, "the ledger")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when a minimal set (the chosen one or another) is graded searched: no proof covers "
                        "it, only a search found no counterexample")  # fmt: skip
    p.set_defaults(handler=_handle)


def failures(ledger: dict) -> list[str]:
    """One line per failed self-check, failed proof or disagreement between the numeric code and a proved
    statement, from the ledger's JSON."""
    return [f"self-check {r['name']}: {r['detail'][:200]}" for r in failed_selfchecks(ledger)] + [
        f"{c['id']}: {e['method']} {e['status']}: {e['detail'][:200]}"
        for c in ledger["claims"]
        for e in c["evidence"]
        if e["status"] in FAILING_STATUSES
    ]


def strict_failures(ledger: dict) -> list[str]:
    """With ``strict``, one line per minimal set that rests on searches only (claim, set, grade); else none."""
    if not ledger["strict"]:
        return []
    return [
        f"{claim_id}: minimal set {condition_names(conditions)} is not proved ({grade_text(grade)})"
        for claim_id, conditions, grade in searched_sets(ledger)
    ]


def _claim_cell(claim: dict) -> str:
    return f"{claim['id']}\n{claim['verdict']}\n({grade_text(claim['verdict_grade'])})"


def _conditions_cell(claim: dict) -> str:
    lines = [f"paper: {condition_names(claim['paper_conditions'])}"]
    minimal = condition_names(claim["minimal_conditions"])
    lines.append(f"minimal: {minimal} ({grade_text(claim['minimal_grade'])})")
    for other in claim["other_minimal_sets"]:
        lines.append(f"other minimal: {condition_names(other['conditions'])} ({grade_text(other['grade'])})")
    lines.append("")
    lines += [f"{e['method']}: {e['status']}, {e['examples']}, {number(e['seconds'], '.2f')} s" for e in claim["evidence"]]
    return "\n".join(lines)


def _rounded(value) -> str:
    """A JSON value of a counterexample as text: lists with ", ", floats rounded (never truncated)."""
    if isinstance(value, list):
        return "[" + ", ".join(_rounded(v) for v in value) + "]"
    return counterexample_number(value)


#: the keys of a counterexample's JSON besides the points its check reached (which are listed after ``why``)
_COUNTEREXAMPLE_KEYS = frozenset({"A", "y", "X", "m", "X_star", "V", "alpha", "satisfies", "violates", "why"})


def _counterexample_lines(claim: dict, condition: dict) -> list[str]:
    """``CLAIM without CONDITION (still: ...):``, then the data, why it fails and the points the check reached."""
    cx = condition["counterexample"]
    data = [f"{k} = {_rounded(cx[k])}" for k in ("A", "y", "X", "V", "alpha") if k in cx]
    reached = [f"{k} = {_rounded(v)}" for k, v in cx.items() if k not in _COUNTEREXAMPLE_KEYS and isinstance(v, list)]
    return [
        f"{claim['id']} without {condition['name']} (still: {condition_names(cx['satisfies'])}):",
        ", ".join(data),
        cx["why"],
        *reached,
    ]


def _wrapped(console, lines: list[str], indent: str) -> None:
    """Print ``lines`` wrapped to the console's width at spaces only, so no number or name is ever cut."""
    for k, line in enumerate(lines):
        first = indent if k == 0 else indent + "  "
        for part in textwrap.wrap(line, width=console.width, initial_indent=first, subsequent_indent=first + "  ",
                                  break_long_words=False, break_on_hyphens=False):  # fmt: skip
            console.print(part, markup=False, highlight=False, soft_wrap=True)


def render(ledger: dict, console: Console) -> None:
    """Print the ledger of the ledger's JSON on a rich console: the table, the searched sets, the counterexamples."""
    from rich.table import Table

    strict = ", strict" if ledger["strict"] else ""
    table = Table(title=f"relurelax claims ledger (profile {ledger['profile']}, seed {ledger['seed']}{strict})",
                  show_lines=True)  # fmt: skip
    table.add_column("claim, verdict (grade)")
    table.add_column("conditions (grade); evidence (method: status, examples, seconds)")
    for c in ledger["claims"]:
        table.add_row(_claim_cell(c), _conditions_cell(c))
    console.print(table)
    searched = searched_sets(ledger)
    if searched:
        console.print("Minimal sets that rest on searches, not proofs:")
        for claim_id, conditions, grade in searched:
            _wrapped(console, [f"{claim_id}: {condition_names(conditions)}: {grade['basis']}"], "  ")
    console.print(f"Counterexamples (each condition of the minimal set, dropped; numbers rounded to "
                  f"{COUNTEREXAMPLE_DIGITS} significant digits, exact in --json):", markup=False)  # fmt: skip
    blocks = [_counterexample_lines(c, k) for c in ledger["claims"] for k in c["conditions"] if k["counterexample"]]
    for block in blocks or [["none"]]:
        _wrapped(console, block, "  ")
    render_selfchecks(ledger, console)


def render_selfchecks(ledger: dict, console: Console) -> None:
    """One line when every self-check of the numeric code passed; otherwise each failure, its assertion and numbers."""
    _wrapped(console, [selfcheck_summary(ledger)], "")
    for r in failed_selfchecks(ledger):
        _wrapped(console, [f"FAILED {r['name']}: {r['statement']}", r["detail"]], "  ")


def _handle(args) -> int:
    from rich.console import Console

    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json)
    with run_progress.display("relurelax verify") as show:

        def progress(stage: str, done: int | None = None, total: int | None = None) -> None:
            show(f"the claims ledger: {stage}", done, total)

        try:
            ledger = run_ledger(args.profile, args.seed, progress).judged(args.strict)
        except SolverUnavailableError:
            raise  # a backend this machine lacks: the environment, not the code under examination
        except (InvalidInputError, SolveError) as e:
            # the arguments were checked by the parser: an error from the numeric code on an instance the
            # ledger built is a fault of the code under examination (exit 1), not bad usage (exit 2)
            raise CommandFailed(f"the numeric code under examination failed on an instance of the ledger "
                                f"({type(e).__name__}: {e}); no ledger was written") from e  # fmt: skip
    doc = ledger.to_json()  # what --json holds, and all the terminal shows
    out = Console()
    render(doc, out)
    if args.json is not None:
        write_json(args.json, doc, "verify")
    if not doc["ok"]:
        bad, unproved = failures(doc), strict_failures(doc)
        why = [f"{len(bad)} check(s) failed: " + " | ".join(bad)] if bad else []
        if unproved:
            why.append(f"--strict: {len(unproved)} minimal set(s) rest on searches only: " + " | ".join(unproved))
        raise CommandFailed("; ".join(why))
    out.print(ledger_state(doc), markup=False, highlight=False)
    return 0
