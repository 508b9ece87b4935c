r"""``relurelax verify``: the claims ledger on the command line.

Runs :func:`relurelax.proofs.ledger.run_ledger`, prints one row per claim
(verdict, the paper's and the minimal conditions, the evidence with counts
and seconds) and one line per counterexample, and with ``--json`` writes
:meth:`Ledger.to_json` atomically. Exit 0 when every proof went through and
the numeric code agrees with every proved statement (findings about the
paper's conditions are results), 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
import time

from relurelax.proofs.claims import CLAIMS, count_in_words
from relurelax.proofs.ledger import FAILING_STATUSES, PROFILES, Ledger, Verdict, run_ledger

from . import progress as run_progress
from ._args import nonnegative_int
from ._io import prepare_output_file, write_json
from .errors import CommandFailed

__all__ = ["register", "render", "failures"]


def register(sub) -> None:
    p = sub.add_parser(
        "verify",
        description=(
            f"Examine the {count_in_words(len(CLAIMS))} claims of the paper with sympy and z3 proofs, hypothesis "
            "property checks of the numeric code and CVXPY/RGD comparisons; report, per claim, the verdict, the "
            "minimal conditions and "
            "the counterexamples. Exit 0 when the implementation agrees with the mathematics everywhere, 1 when "
            "a proof fails or the numeric code disagrees with a proved statement, 2 for bad usage."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--profile", choices=tuple(PROFILES), default="default", help="how hard to look")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of every search (same seed, same ledger)")
    p.add_argument("--json", metavar="PATH", help="write the ledger as JSON")
    p.set_defaults(handler=_handle)


def failures(ledger: Ledger) -> list[str]:
    """One line per failed proof or disagreement between the numeric code and a proved statement."""
    return [
        f"{c.id}: {e.method} {e.status}: {e.detail[:200]}"
        for c in ledger.claims
        for e in c.evidence
        if e.status in FAILING_STATUSES
    ]


def render(ledger: Ledger, console) -> None:
    """Print the ledger table and the counterexample lines on a rich console."""
    from rich.table import Table

    table = Table(title=f"relurelax claims ledger (profile {ledger.profile}, seed {ledger.seed})", show_lines=True)
    table.add_column("claim", no_wrap=True)
    table.add_column("verdict")
    table.add_column("paper's conditions")
    table.add_column("minimal conditions")
    table.add_column("evidence (method: status, examples, seconds)")
    for c in ledger.claims:
        minimal = "-" if c.minimal_conditions is None else (", ".join(c.minimal_conditions) or "none")
        evidence = "\n".join(f"{e.method}: {e.status}, {e.examples}, {e.seconds:.2f} s" for e in c.evidence)
        table.add_row(c.id, Verdict(c.verdict).value, ", ".join(c.paper_conditions) or "none", minimal, evidence)
    console.print(table)
    console.print("Counterexamples (each condition of the minimal set, dropped):")
    any_line = False
    for c in ledger.claims:
        for cond in c.conditions:
            if cond.counterexample is not None:
                any_line = True
                cx = cond.counterexample
                kept = ", ".join(sorted(cx.satisfied)) or "no condition"
                console.print(f"  {c.id} without {cond.name} (still: {kept}): {cx.short()}", markup=False, soft_wrap=True)
    if not any_line:
        console.print("  none")


def _progress(console):
    """A progress callback: a live status line on a terminal, plain lines on stderr otherwise."""
    start = time.perf_counter()
    if console.is_terminal:
        status = console.status("relurelax verify: starting")
        status.start()

        def update(message: str) -> None:
            run_progress.stage(f"the claims ledger: {message}")
            status.update(f"relurelax verify: {message} ({time.perf_counter() - start:.0f} s)")

        return update, status.stop

    def line(message: str) -> None:
        run_progress.stage(f"the claims ledger: {message}")
        print(f"relurelax verify: {message} ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)

    return line, lambda: None


def _handle(args) -> int:
    from rich.console import Console

    if args.json is not None:  # "--json ''" is refused, not ignored
        prepare_output_file(args.json)
    err = Console(stderr=True)
    progress, stop = _progress(err)
    try:
        ledger = run_ledger(args.profile, args.seed, progress)
    finally:
        stop()
    out = Console(width=max(Console().width, 150))
    render(ledger, out)
    if args.json is not None:
        write_json(args.json, ledger.to_json(), "verify")
    bad = failures(ledger)
    if bad:
        raise CommandFailed(f"{len(bad)} check(s) failed: " + " | ".join(bad))
    out.print("Every proof went through and the numeric code agrees with every proved statement.")
    return 0
