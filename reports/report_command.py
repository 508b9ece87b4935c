r"""``relurelax report``: the claims ledger, the cross-check and Figures 1-2 in one report folder.

Writes ``index.html`` (self-contained), ``report.md``, ``results.json`` and
``figures/*.png`` (and the marker ``.relurelax-report``) to ``--out``
(default ``reports/latest``) through a temporary sibling folder. An empty
folder is replaced; an existing relurelax report only with ``--force``;
anything else (a folder holding files relurelax did not write, the working
directory or a folder above it, the home folder, an empty path) is refused
with exit 2, ``--force`` or not (:func:`.report.prepare_target`). Exit 0
when the report is written and every check passed, 1 when it is written but
the cross-check disagreed or the ledger is not ok (a paper finding that does
not reproduce is a result, not a failure), 2 for bad usage. The ledger runs
strict by default (``--no-strict`` turns it off): a minimal set that rests on
searches, not on a proof, makes it not ok; the report is written all the
same and says that it is strict (``claims.strict`` in ``results.json``, the
verdict summary of the pages and of the terminal). An interruption (Ctrl-C,
SIGTERM) leaves nothing behind and says how far the run got. With
``--sweep-from DIR`` (a folder written by ``relurelax sweep``) the report
gains a sweep section: the sweep's settings, its m = 1 exact-recovery rates
with their Wilson intervals beside P[Bin(n, 1/2) >= d], and its figures
(:func:`.report.load_sweep_section`); the folder is read, not changed, and
checked before any computation.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time

from . import progress as run_progress
from . import report as report_module
from ._args import HelpFormatter, add_profile_and_seed
from .crosscheck import disagreements
from .crosscheck_command import progress_bar
from .errors import CommandFailed, interruption
from .formatting import number, text
from .ledger_section import searched_summary
from .progress import Stages
from .report import PROFILES, build_results, prepare_target, write_report
from .report_writers import verdicts

__all__ = ["register"]

DEFAULT_OUT = "reports/latest"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        description=(
            "Run the claims ledger, the cross-check against CVXPY and the reproduction of the paper's Figures 1 "
            "and 2, and write DIR/index.html (self-contained), DIR/report.md, DIR/results.json (schema "
            "relurelax.report/4: settings, versions, claims, crosscheck, figures, paper_findings, relaxation_gap, [sweep,] "
            "timings) and DIR/figures/*.png. Profiles: "
            "quick (about half a minute), default (a few minutes), thorough (100 trials per panel). Exit 0 written and "
            "every check passed, 1 written but the cross-check disagreed or the ledger is not ok (strict by default: a minimal "
            "set that rests on searches, not a proof, makes it not ok), 2 bad usage. An existing "
            "DIR is replaced only when it is empty, or is a relurelax report (it holds the .relurelax-report marker "
            "and nothing but what relurelax writes) and --force is given; anything else is refused."
        ),
        formatter_class=HelpFormatter,
    )
    add_profile_and_seed(p, profile_help="size of the run", seed_help="seed of every random draw")
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT, help="report folder")
    p.add_argument("--force", action="store_true",
                   help="replace an existing relurelax report (a folder holding relurelax's .relurelax-report marker "
                        "and only the files relurelax writes); any other folder is refused, --force or not")  # fmt: skip
    p.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True,
                   help="run the claims ledger strict: a minimal set graded searched (no proof covers it) makes the "
                        "ledger not ok and the command exit 1; the report is written either way (on unless --no-strict)")  # fmt: skip
    p.add_argument("--sweep-from", metavar="SWEEP_DIR",
                   help="add a section on the sweep in SWEEP_DIR (written by relurelax sweep, finished or not): its "
                        "settings, the m = 1 exact-recovery rates with Wilson 95%% intervals beside P[Bin(n, 1/2) >= d], "
                        "its figures; the folder is only read")  # fmt: skip
    p.set_defaults(handler=_handle)


def _print_summary(results: dict, out: str) -> None:
    """The terminal's view of the serialised results: verdicts, findings, choices, timings."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    summary = Table(title="relurelax report: verdict summary", show_header=False)
    summary.add_column("section", style="bold")
    summary.add_column("verdict")
    for section, sentence in verdicts(results):
        summary.add_row(section, sentence)
    console.print(summary)
    findings = Table(title="paper findings", show_header=True)
    for header in ("#", "finding", "reproduced"):
        findings.add_column(header)
    for i, f in enumerate(results["paper_findings"], 1):
        findings.add_row(str(i), f["finding"], text(f["reproduced"]))
    console.print(findings)
    console.print("Choices the paper leaves open (all recorded under Settings in the report):")
    for c in results["settings"]["reproduction"]["choices"]:
        console.print(f"  {c['name']}: {c['value']}", markup=False, highlight=False)
    if "sweep" in results:
        sw = results["sweep"]
        console.print(f"Sweep from {sw['source']}: {len(sw['summary']['cells'])} of {sw['summary']['settings']['cells']} "
                      f"cells, {len(sw['recovery'])} m = 1 recovery rates beside P[Bin(n, 1/2) >= d] (section "
                      f"'Phase diagram' of the report)", markup=False, highlight=False)  # fmt: skip
    timings = ", ".join(f"{k} {number(v, '.1f')} s" for k, v in results["timings"].items())
    console.print(f"Timings: {timings}", markup=False, highlight=False)
    console.print(f"Report written to {out} (index.html, report.md, results.json, figures/)", markup=False,
                  highlight=False)  # fmt: skip


def _failures(results: dict) -> list[str]:
    """Why the command exits 1, read from the results (``crosscheck.agree``, ``claims.ok``); empty when it exits 0."""
    why = []
    if not results["crosscheck"]["agree"]:
        problems = disagreements(results["crosscheck"])
        why.append(f"the cross-check disagreed ({problems[0]})" if problems else "the cross-check disagreed")
    claims = results["claims"]
    if not claims["ok"]:
        unproved = searched_summary(claims) if claims.get("strict") else ""  # .get: a ledger document without grades
        if claims.get("consistent") and unproved:
            why.append(f"the claims ledger is not ok (strict): minimal sets rest on searches, not proofs: {unproved}")
        else:
            why.append("the claims ledger is not ok")
    return why


def _handle(args) -> int:
    profile = PROFILES[args.profile]
    out = prepare_target(args.out, args.force)  # refuse early, before any computation
    sweep = None if args.sweep_from is None else report_module.load_sweep_section(args.sweep_from)
    stages = Stages()
    # SIGTERM arrives here as KeyboardInterrupt (installed by cli.main)
    started = time.perf_counter()
    try:
        with progress_bar() as bar:
            tasks = {}

            def progress(stage: str, done: int | None = None, total: int | None = None) -> None:
                run_progress.stage(f"the report's {stage}", done, total)  # for an out-of-memory message
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done or 0, total=total)

            stages.progress = progress
            # the report's ledger section is strict by default; --no-strict passes the section that is not
            ledger = None if args.strict else functools.partial(report_module.run_ledger_section, strict=False)
            results = build_results(profile, args.seed, stages=stages, ledger=ledger, sweep=sweep)
            stages.start("figures and report files")
            write_report(results, out, force=args.force)
            stages.finish()
    except BaseException as exc:
        # after a signal any exception is the interruption: a library may have turned its KeyboardInterrupt
        # into another one (hypothesis raises AssertionError or FlakyStrategyDefinition when one lands inside it)
        if not isinstance(exc, KeyboardInterrupt) and interruption() is None:
            raise
        done = ", ".join(stages.done) or "nothing"
        raise KeyboardInterrupt(
            f"during {stages.current or 'start-up'} after {time.perf_counter() - started:.0f} s "
            f"(finished: {done}); nothing was written to {out}"
        ) from None

    with open(os.path.join(out, "results.json"), encoding="utf-8") as fh:
        saved = json.load(fh)  # the terminal, like the pages, shows what results.json holds
    _print_summary(saved, out)
    why = _failures(saved)
    if why:
        raise CommandFailed(f"report written to {out}, but " + " and ".join(why))
    return 0
