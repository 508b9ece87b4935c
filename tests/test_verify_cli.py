"""`relurelax verify` as a command: exit codes (with and without --strict), JSON, the 80-column table,
progress, determinism of the ledger."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re

import pytest
from rich.console import Console

from relurelax.proofs import ledger as ledger_module
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, PLANTED
from relurelax.proofs.ledger import Evidence, build_ledger, run_ledger
from relurelax.reports import verify_command
from relurelax.reports._io import dumps_json, schema_for
from relurelax.reports.cli import main
from relurelax.reports.formatting import number
from relurelax.solvers.errors import InvalidInputError, SolveError, SolverUnavailableError

from .jsonschemas import errors as schema_errors
from .test_verify_ledger import proof, stub_ledger


@pytest.fixture(scope="module")
def small_ledger():
    return build_ledger("quick", 0, claims=(claim_by_id("bound-fr-ge-f"), claim_by_id("prop2-gradient")))


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _serve(monkeypatch, ledger):
    """Make ``relurelax verify`` examine nothing and return ``ledger`` (at the profile asked; the command judges it)."""

    def run(profile, seed, progress):
        return dataclasses.replace(ledger, profile=profile)

    monkeypatch.setattr(verify_command, "run_ledger", run)


def test_verify_writes_the_ledgers_json_exactly(monkeypatch, tmp_path, small_ledger):
    _serve(monkeypatch, small_ledger)
    path = tmp_path / "ledger.json"
    code, out, _ = _run(["verify", "--profile", "quick", "--json", str(path)])
    assert code == 0
    assert path.read_text() == dumps_json(small_ledger.to_json(), schema_for("verify"))
    assert "bound-fr-ge-f without labels-nonnegative" in out


def test_the_terminal_shows_what_the_json_holds(monkeypatch, tmp_path, small_ledger):
    _serve(monkeypatch, small_ledger)
    monkeypatch.setenv("COLUMNS", "100")  # the command prints at the terminal's width
    path = tmp_path / "ledger.json"
    code, out, _ = _run(["verify", "--profile", "quick", "--json", str(path)])
    assert code == 0
    shown = io.StringIO()
    verify_command.render(json.loads(path.read_text()), Console(file=shown, width=100))  # the file, read back
    assert out.startswith(shown.getvalue()) and "Counterexamples" in shown.getvalue()


def test_verify_exits_1_with_one_line_when_a_proof_fails(monkeypatch, small_ledger):
    claim = small_ledger.claims[0]
    broken = dataclasses.replace(
        claim, evidence=claim.evidence + (Evidence("sympy", "not-proved", 1, 0.0, "NOT PROVED (test)"),)
    )
    bad = dataclasses.replace(small_ledger, claims=(broken,) + small_ledger.claims[1:])
    assert not bad.ok and small_ledger.ok
    _serve(monkeypatch, bad)
    code, _, err = _run(["verify", "--profile", "quick"])
    assert code == 1
    assert err.count("\n") == 1 and "sympy not-proved" in err


@pytest.mark.parametrize("error", [InvalidInputError("A is zero"), SolveError("the certificate fails")])
def test_an_error_of_the_numeric_code_inside_the_ledger_exits_1_not_as_bad_usage(monkeypatch, tmp_path, error):
    def run(profile, seed, progress):
        raise error  # what a wrong solvers function raises on an instance the ledger built

    monkeypatch.setattr(verify_command, "run_ledger", run)
    path = tmp_path / "ledger.json"
    code, _, err = _run(["verify", "--profile", "quick", "--json", str(path)])
    assert code == 1 and err.count("\n") == 1
    assert "numeric code under examination failed" in err and str(error) in err and "no ledger was written" in err
    assert not path.exists()


def test_a_backend_this_machine_lacks_is_not_blamed_on_the_numeric_code(monkeypatch):
    def run(profile, seed, progress):
        raise SolverUnavailableError("CVXPY backend 'CLARABEL' is not installed")

    monkeypatch.setattr(verify_command, "run_ledger", run)
    code, _, err = _run(["verify", "--profile", "quick"])
    assert code == 2 and "not installed" in err and "numeric code" not in err


def test_strict_exits_1_naming_the_claim_and_the_set_when_a_minimal_set_is_only_searched(monkeypatch, tmp_path):
    stronger = {PLANTED, FULL_ROW_RANK}  # the proofs cover neither minimal set: only searches back them
    _serve(monkeypatch, stub_ledger(monkeypatch, "searched", (proof("sympy", stronger), proof("smt", stronger))))
    path = tmp_path / "ledger.json"
    code, out, err = _run(["verify", "--profile", "quick", "--strict", "--json", str(path)])
    assert code == 1 and err.count("\n") == 1
    assert "--strict: 2 minimal set(s) rest on searches only" in err
    assert "stub-searched: minimal set labels-nonnegative is not proved (searched, " in err
    assert "stub-searched: minimal set planted is not proved (searched, " in err
    doc = json.loads(path.read_text())  # written all the same, and saying why it is not ok
    assert (doc["strict"], doc["ok"], doc["consistent"]) == (True, False, True) and schema_errors(doc) == []

    code, out, err = _run(["verify", "--profile", "quick"])
    assert code == 0 and err == ""
    closing = " ".join(out.split("Counterexamples")[-1].split())
    assert "Every proof went through" not in out
    assert "not every minimal set is proved" in closing
    assert "rest on searches, not proofs: stub-searched (labels-nonnegative | planted)" in closing
    assert "Minimal sets that rest on searches, not proofs:" in out  # with the spaces and counts searched
    assert re.search(r"no counterexample in \d+ examples \(\d+ constructed, 20 random\) of \(labels-nonnegative\)",
                     " ".join(out.split()))


def test_strict_exits_0_when_every_minimal_set_is_proved(monkeypatch, tmp_path):
    both = (proof("sympy", {LABELS_NONNEGATIVE}), proof("smt", {LABELS_NONNEGATIVE}))
    _serve(monkeypatch, stub_ledger(monkeypatch, "proved", both))
    path = tmp_path / "ledger.json"
    code, out, err = _run(["verify", "--profile", "quick", "--strict", "--json", str(path)])
    assert code == 0, err
    assert "Every proof went through, the numeric code agrees with every proved statement, and every verdict " \
           "and minimal set is proved." in " ".join(out.split())  # fmt: skip
    doc = json.loads(path.read_text())
    assert (doc["strict"], doc["ok"]) == (True, True) and schema_errors(doc) == []
    claim = doc["claims"][0]
    assert claim["verdict_grade"]["grade"] == claim["minimal_grade"]["grade"] == "proved"
    assert [s["grade"]["grade"] for s in claim["other_minimal_sets"]] == ["proved"]
    assert {c["name"]: c["grade"]["grade"] for c in claim["conditions"]}[LABELS_NONNEGATIVE] == "refuted"


def _crowded(ledger: dict) -> dict:
    """The ledger's JSON with numbers that would overflow a naive 80-column table."""
    doc = json.loads(json.dumps(ledger))
    claim = doc["claims"][0]
    claim["evidence"][0].update(examples=1234567, seconds=98765.4321)
    grade = {"grade": "searched", "summary": "searched, 10000 examples", "proved_for": None, "basis": "constructed",
             "searches": [{"space": "planted", "examples": 10000, "budget": 10000, "constructed": 0,
                           "rejected": 0, "short": False}]}  # fmt: skip
    claim["other_minimal_sets"].append({"conditions": ["planted", "no-zero-preactivation"], "grade": grade})
    cx = next(c["counterexample"] for c in claim["conditions"] if c["counterexample"])
    cx["minimiser"] = [[0.1 + 0.2, -123456.789012345, 2.0**-40] * 3]
    return doc


def test_the_table_fits_80_columns_and_cuts_no_number(small_ledger):
    doc = _crowded(small_ledger.to_json())
    shown = io.StringIO()
    verify_command.render(doc, Console(file=shown, width=80))
    text = shown.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\u2026" not in text  # rich's ellipsis: a cell cut short
    tokens = set(text.replace("│", " ").split())
    assert {"1234567,", "98765.43", "10000"} <= tokens  # rounded (seconds to 2 decimals), never cut
    for claim in doc["claims"]:
        for e in claim["evidence"]:
            assert f"{e['examples']}," in tokens and number(e["seconds"], ".2f") in tokens
    # a counterexample's numbers: rounded to 6 significant digits, each whole on one line
    assert all(v in tokens or v + "," in tokens or v + "]," in tokens or v + "]]" in tokens
               for v in ("0.3", "-123457", "9.09495e-13"))  # fmt: skip
    assert "0.30000000000000004" not in text and "-123456.789" not in text


def test_no_verdict_or_grade_prints_as_an_enum_repr(monkeypatch, small_ledger):
    _serve(monkeypatch, small_ledger)
    code, out, _ = _run(["verify", "--profile", "quick"])
    assert code == 0
    text = out + json.dumps(small_ledger.to_json())
    assert not re.search(r"<(Verdict|Grade)\.|\b(Verdict|Grade)\.[A-Z]", text)


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--profile", "fast"],
        ["verify", "--seed", "-1"],
        ["verify", "--seed", "one"],
        ["verify", "--json", "/nonexistent-folder/ledger.json"],
    ],
)
def test_bad_usage_exits_2_before_any_work(monkeypatch, argv):
    def refuse(*args):
        raise AssertionError("run_ledger must not run on bad usage")

    monkeypatch.setattr(verify_command, "run_ledger", refuse)
    code, _, err = _run(argv)
    assert code == 2
    assert err.count("\n") == 1


def test_run_ledger_refuses_an_unknown_profile_or_a_negative_seed():
    with pytest.raises(InvalidInputError, match="profile must be one of quick, default, thorough"):
        run_ledger("fast")
    with pytest.raises(InvalidInputError, match="seed must be an integer >= 0"):
        run_ledger("quick", -1)


def _without_seconds(doc):
    if isinstance(doc, dict):
        return {k: _without_seconds(v) for k, v in doc.items() if k != "seconds"}
    if isinstance(doc, list):
        return [_without_seconds(v) for v in doc]
    return doc


def test_the_same_seed_gives_the_same_ledger_apart_from_seconds():
    claims = (claim_by_id("thm1-global-min"), claim_by_id("cor1-stationary-global"))
    first = build_ledger("quick", 3, claims=claims)
    second = build_ledger("quick", 3, claims=claims)
    assert json.dumps(_without_seconds(first.to_json())) == json.dumps(_without_seconds(second.to_json()))
    assert first.to_json()["claims"][1]["minimal_grade"]["basis"]  # the grades are part of what repeats
    assert [c.verdict for c in first.claims] == ["holds", "holds-with-fewer-conditions"]


def test_progress_is_reported_for_every_claim():
    seen = []
    build_ledger("quick", 0, seen.append, claims=(claim_by_id("rgd-direction"),))
    assert seen[0].startswith("[1/1] rgd-direction: sympy proof")
    assert any("property under no condition" in s for s in seen)


def test_profiles_meet_the_issues_example_counts():
    assert ledger_module.PROFILES["default"].examples >= 200
    assert ledger_module.PROFILES["thorough"].examples >= 10_000
    assert ledger_module.PROFILES["default"].sympy_m >= 4 and ledger_module.PROFILES["default"].smt_m == 8


@pytest.mark.slow
def test_the_thorough_profile_agrees_with_the_mathematics_and_gives_the_default_verdicts():
    ledger = run_ledger("thorough", 0)
    assert ledger.ok
    assert all(e.examples >= 10_000 for c in ledger.claims for e in c.evidence if e.status == "passed")
    default = {c.id: (c.verdict, c.minimal_conditions) for c in build_ledger("quick", 0).claims}
    assert {c.id: (c.verdict, c.minimal_conditions) for c in ledger.claims} == default


# --- the report runs the ledger strict unless told otherwise ------------------------------------


def test_the_report_runs_the_ledger_strict_by_default_writes_everything_and_says_so(monkeypatch, tmp_path, capsys):
    from relurelax.reports import report as report_module
    from relurelax.reports import report_command

    from .test_report import TINY

    stronger = {PLANTED, FULL_ROW_RANK}
    ledger = stub_ledger(monkeypatch, "searched", (proof("sympy", stronger), proof("smt", stronger)))
    asked = []

    def section(profile, seed, progress=None, strict=True):
        asked.append(strict)
        return dataclasses.replace(ledger, profile=profile, seed=seed).judged(strict).to_json()

    monkeypatch.setattr(report_command, "PROFILES", {**report_command.PROFILES, "quick": TINY})
    monkeypatch.setattr(report_module, "run_ledger_section", section)
    strict_out, lenient_out = tmp_path / "strict", tmp_path / "lenient"
    assert main(["report", "--profile", "quick", "--out", str(strict_out)]) == 1
    err = capsys.readouterr().err
    assert "the claims ledger is not ok (strict): minimal sets rest on searches, not proofs: stub-searched " \
           "(labels-nonnegative | planted)" in err  # fmt: skip
    results = json.loads((strict_out / "results.json").read_text())
    assert (results["claims"]["strict"], results["claims"]["ok"]) == (True, False) and schema_errors(results) == []
    for page in ("report.md", "index.html"):
        assert "profile quick (strict: a minimal set that rests on searches makes it not ok)" \
            in (strict_out / page).read_text()  # fmt: skip

    assert main(["report", "--profile", "quick", "--no-strict", "--out", str(lenient_out)]) == 0, capsys.readouterr().err
    results = json.loads((lenient_out / "results.json").read_text())
    assert (results["claims"]["strict"], results["claims"]["ok"]) == (False, True)
    assert asked == [True, False]


def test_the_closing_line_never_calls_a_refuted_verdict_proved():
    from relurelax.reports.ledger_section import ledger_state

    proved = {"grade": "proved", "summary": "proved", "proved_for": "every m", "searches": [], "basis": "a proof"}
    refuted = {"grade": "refuted", "summary": "refuted", "proved_for": None, "searches": [], "basis": "a counterexample"}
    claim = {"id": "c1", "verdict": "needs-extra-condition", "verdict_grade": refuted, "minimal_grade": proved,
             "minimal_conditions": ["planted"],
             "other_minimal_sets": [], "conditions": [], "evidence": []}  # fmt: skip
    text = ledger_state({"ok": True, "consistent": True, "claims": [claim]})
    assert "every verdict and minimal set is proved" not in text
    assert "every verdict is proved or refuted (refuted: c1) and minimal set is proved" in text
