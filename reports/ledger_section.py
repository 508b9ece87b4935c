r"""The claims ledger on the reports side: the report's one call into the ledger, and how its grades read.

:func:`run_ledger_section` is the only place the report calls the ledger
(``relurelax.proofs.ledger.run_ledger``, the claims of Propositions 1-2,
Theorems 1-2 and Corollary 1 with their symbolic, SMT, property and solver
evidence, and the self-checks of the numeric code). It returns the ledger's JSON (``profile, seed, strict, ok,
consistent, versions, selfchecks, claims``, the document of ``relurelax verify --json``); ``ok`` is
the ledger's own verdict on itself (:attr:`Ledger.ok`), decided there once
and read by every renderer (:mod:`.report_writers`) and by the exit code of
``relurelax report``. The report runs the ledger strict by default: a minimal
set that rests on searches, not on a proof, makes it not ok.

The other functions read that JSON for the renderers (the verify terminal,
the report's pages), so that a grade reads the same everywhere:
:func:`grade_text`, :func:`searched_sets`, :func:`searched_summary`,
:func:`ledger_state`, :func:`failed_selfchecks`, :func:`selfcheck_summary`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .progress import Progress

__all__ = [
    "run_ledger_section",
    "grade_text",
    "searched_sets",
    "searched_summary",
    "ledger_state",
    "condition_names",
    "failed_selfchecks",
    "selfcheck_summary",
]


def run_ledger_section(profile: str, seed: int, progress: Progress | None = None, strict: bool = True) -> dict:
    """Run the claims ledger at its profile ``profile`` (``quick``, ``default`` or ``thorough``).

    Returns ``ledger.to_json()``, which carries ``strict`` and ``ok``. With
    ``strict`` (the report's default) a minimal set graded ``searched`` makes
    the ledger not ok. The ledger is imported here, not at module level, so
    that loading the report modules does not load sympy, z3 and hypothesis.
    """
    from relurelax.proofs.ledger import run_ledger

    ledger = run_ledger(profile=profile, seed=seed, progress=progress)
    return ledger.judged(strict).to_json()


def condition_names(names: Iterable[str] | None) -> str:
    """A list of condition names as text: comma-separated, ``none`` when empty, ``-`` when null."""
    if names is None:
        return "-"
    return ", ".join(names) or "none"


def grade_text(grade: dict | None) -> str:
    r"""A grade of the ledger's JSON in a few words: its ``summary`` (``proved``, ``proved for m <= 4``,
    ``refuted``, ``searched, 60 examples``, ``searched, only 0 of 30 examples``); ``-`` for null (not
    examined, or a document without grades)."""
    return "-" if grade is None else grade["summary"]


def _minimal_sets(claim: dict) -> list[tuple[list, dict]]:
    """``(conditions, grade)`` of the claim's minimal set and of every other minimal set."""
    sets = []
    if claim["minimal_conditions"] is not None and claim.get("minimal_grade") is not None:
        sets.append((claim["minimal_conditions"], claim["minimal_grade"]))
    # .get: a document without grades (the reports' test fixtures) has no other sets to read
    sets += [(s["conditions"], s["grade"]) for s in claim.get("other_minimal_sets", ())]
    return sets


def searched_sets(ledger: dict) -> list[tuple[str, list, dict]]:
    """``(claim id, conditions, grade)`` for every minimal set of the ledger's JSON that rests on searches only."""
    return [
        (c["id"], conditions, grade)
        for c in ledger["claims"]
        for conditions, grade in _minimal_sets(c)
        if grade["grade"] == "searched"
    ]


def _scoped(ledger: dict) -> dict[str, list[str]]:
    """``proved_for -> claim ids`` for the verdicts proved for m <= M only."""
    out: dict[str, list[str]] = {}
    for c in ledger["claims"]:
        grade = c.get("verdict_grade")
        if grade is not None and grade["grade"] == "proved" and grade["proved_for"] != "every m":
            out.setdefault(grade["proved_for"], []).append(c["id"])
    return out


def _incomplete(ledger: dict) -> list[str]:
    return [c["id"] for c in ledger["claims"] if any(e["status"] == "incomplete" for e in c["evidence"])]


def searched_summary(ledger: dict) -> str:
    """The minimal sets that rest on searches, by claim: ``cor1-stationary-global (planted, n-le-d | ...)``; empty if none."""
    by_claim: dict[str, list[str]] = {}
    for claim_id, conditions, _ in searched_sets(ledger):
        by_claim.setdefault(claim_id, []).append(condition_names(conditions))
    return "; ".join(f"{claim_id} ({' | '.join(sets)})" for claim_id, sets in by_claim.items())


def failed_selfchecks(ledger: dict) -> list[dict]:
    """The self-checks of the numeric code that failed, from the ledger's JSON (none in a document without them)."""
    return [r for r in ledger.get("selfchecks", ()) if not r["passed"]]


def selfcheck_summary(ledger: dict) -> str:
    """The self-checks in one sentence: ``All 11 self-checks of the numeric code passed.``, or which failed."""
    results = ledger.get("selfchecks", ())
    failed = failed_selfchecks(ledger)
    if not results:
        return "No self-check of the numeric code ran."
    if not failed:
        return f"All {len(results)} self-checks of the numeric code passed."
    return f"{len(failed)} of {len(results)} self-checks of the numeric code failed: {', '.join(r['name'] for r in failed)}."


def ledger_state(ledger: dict) -> str:
    r"""What the ledger establishes, in one or two sentences, from its JSON.

    Never says that every proof went through while a minimal set rests on
    searches only: it names those claims and sets instead. A failed
    self-check of the numeric code is said first (the claims' evidence rests
    on that code). Names the verdicts proved only for m <= M, and the claims
    whose solver runs did not converge (evidence ``incomplete``, which is not
    agreement).
    """
    # "consistent" is the ledger's own verdict without strictness; a document without grades has only "ok"
    consistent = ledger.get("consistent", ledger["ok"])
    searched = searched_summary(ledger)
    failed = failed_selfchecks(ledger)
    if failed:
        text = (f"A self-check of the numeric code failed ({', '.join(r['name'] for r in failed)}): the claims' "
                "evidence rests on that code.")  # fmt: skip
        if not consistent:
            text += " A proof failed or the numeric code disagrees with a proved statement (see the evidence)."
    elif not consistent:
        text = "A proof failed or the numeric code disagrees with a proved statement (see the evidence)."
    elif searched:
        text = "The numeric code agrees with every proved statement, but not every minimal set is proved."
    else:
        refuted = [c["id"] for c in ledger["claims"] if (c.get("verdict_grade") or {}).get("grade") == "refuted"]
        verdicts = f"verdict is proved or refuted (refuted: {', '.join(refuted)})" if refuted else "verdict"
        text = ("Every proof went through, the numeric code agrees with every proved statement, and every "
                f"{verdicts} and minimal set is proved")  # fmt: skip
        scoped = _scoped(ledger)
        if scoped:
            text += " (" + "; ".join(f"{k} only: {', '.join(v)}" for k, v in scoped.items()) + ")"
        text += "."
    if searched:
        text += f" Minimal sets that rest on searches, not proofs: {searched}."
    incomplete = _incomplete(ledger)
    if incomplete:
        text += f" Solver runs that did not converge (incomplete, not agreement): {', '.join(incomplete)}."
    return text
