r"""``relurelax verify``: the claims ledger on the command line.

Runs :func:`relurelax.proofs.ledger.run_ledger`, serialises the ledger
(:meth:`Ledger.to_json`, schema ``relurelax.verify/1``,
``reports/schemas/verify.schema.json``), renders that document on the
terminal (one row per claim: verdict, the paper's and the minimal conditions,
the evidence with counts and seconds; one line per counterexample) and with
``--json`` writes it atomically. Exit 0 when the ledger is ok
(:attr:`Ledger.ok`: every proof went through and the numeric code agrees with
every proved statement; findings about the paper's conditions are results),
1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from relurelax.proofs.claims import CLAIMS, count_in_words
from relurelax.proofs.ledger import FAILING_STATUSES, run_ledger

from . import progress as run_progress
from ._args import add_json_option, add_profile_and_seed
from ._io import prepare_output_file, write_json
from .errors import CommandFailed
from .formatting import number
from .progress import Progress

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
    add_profile_and_seed(p, profile_help="how hard to look", seed_help="seed of every search (same seed, same ledger)")
    add_json_option(p, "the ledger")
    p.set_defaults(handler=_handle)


def failures(ledger: dict) -> list[str]:
    """One line per failed proof or disagreement between the numeric code and a proved statement, from the ledger's JSON."""
    return [
        f"{c['id']}: {e['method']} {e['status']}: {e['detail'][:200]}"
        for c in ledger["claims"]
        for e in c["evidence"]
        if e["status"] in FAILING_STATUSES
    ]


def _counterexample_line(claim: dict, condition: dict) -> str:
    """``CLAIM without CONDITION (still: ...): A=... y=... X=...: why [points the check reached]``."""
    cx = condition["counterexample"]
    kept = ", ".join(sorted(cx["satisfies"])) or "no condition"

    def compact(value) -> str:
        return json.dumps(value, separators=(",", ":"))

    data = f"A={compact(cx['A'])} y={compact(cx['y'])} X={compact(cx['X'])}"
    if "V" in cx:
        data += f" V={compact(cx['V'])} alpha={cx['alpha']}"
    reached = [f"{k}={compact(v)}" for k, v in cx.items() if k not in _COUNTEREXAMPLE_KEYS and isinstance(v, list)]
    tail = f" [{'; '.join(reached)}]" if reached else ""
    return f"  {claim['id']} without {condition['name']} (still: {kept}): {data}: {cx['why']}{tail}"


#: the keys of a counterexample's JSON besides the points its check reached (which are listed after ``why``)
_COUNTEREXAMPLE_KEYS = frozenset({"A", "y", "X", "m", "X_star", "V", "alpha", "satisfies", "violates", "why"})


def render(ledger: dict, console) -> None:
    """Print the ledger table and the counterexample lines of the ledger's JSON on a rich console."""
    from rich.table import Table

    table = Table(title=f"relurelax claims ledger (profile {ledger['profile']}, seed {ledger['seed']})", show_lines=True)
    table.add_column("claim", no_wrap=True)
    table.add_column("verdict")
    table.add_column("paper's conditions")
    table.add_column("minimal conditions")
    table.add_column("evidence (method: status, examples, seconds)")
    for c in ledger["claims"]:
        minimal = "-" if c["minimal_conditions"] is None else (", ".join(c["minimal_conditions"]) or "none")
        evidence = "\n".join(f"{e['method']}: {e['status']}, {e['examples']}, {number(e['seconds'], '.2f')} s"
                             for e in c["evidence"])  # fmt: skip
        table.add_row(c["id"], c["verdict"], ", ".join(c["paper_conditions"]) or "none", minimal, evidence)
    console.print(table)
    console.print("Counterexamples (each condition of the minimal set, dropped):")
    lines = [_counterexample_line(c, k) for c in ledger["claims"] for k in c["conditions"] if k["counterexample"]]
    for line in lines or ["  none"]:
        console.print(line, markup=False, soft_wrap=True)


def _progress(console) -> tuple[Progress, Callable[[], None]]:
    """A :class:`~.progress.Progress`: a live status line on a terminal, plain lines on stderr otherwise; and its stop."""
    start = time.perf_counter()
    if console.is_terminal:
        status = console.status("relurelax verify: starting")
        status.start()

        def update(stage: str, done: int | None = None, total: int | None = None) -> None:
            run_progress.stage(f"the claims ledger: {stage}", done, total)
            status.update(f"relurelax verify: {stage} ({time.perf_counter() - start:.0f} s)")

        return update, status.stop

    def line(stage: str, done: int | None = None, total: int | None = None) -> None:
        run_progress.stage(f"the claims ledger: {stage}", done, total)
        print(f"relurelax verify: {stage} ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)

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
    doc = ledger.to_json()  # what --json holds, and all the terminal shows
    out = Console(width=max(Console().width, 150))
    render(doc, out)
    if args.json is not None:
        write_json(args.json, doc, "verify")
    if not ledger.ok:
        bad = failures(doc)
        raise CommandFailed(f"{len(bad)} check(s) failed: " + " | ".join(bad))
    out.print("Every proof went through and the numeric code agrees with every proved statement.")
    return 0
