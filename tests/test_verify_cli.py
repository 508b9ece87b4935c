"""`relurelax verify` as a command: exit codes, JSON, progress, determinism of the ledger."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json

import pytest

from relurelax.proofs import ledger as ledger_module
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.ledger import Evidence, build_ledger, run_ledger
from relurelax.reports import verify_command
from relurelax.reports._io import dumps_json, schema_for
from relurelax.reports.cli import main
from relurelax.solvers.errors import InvalidInputError


@pytest.fixture(scope="module")
def small_ledger():
    return build_ledger("quick", 0, claims=(claim_by_id("bound-fr-ge-f"), claim_by_id("prop2-gradient")))


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_verify_writes_the_ledgers_json_exactly(monkeypatch, tmp_path, small_ledger):
    monkeypatch.setattr(verify_command, "run_ledger", lambda profile, seed, progress: small_ledger)
    path = tmp_path / "ledger.json"
    code, out, _ = _run(["verify", "--profile", "quick", "--json", str(path)])
    assert code == 0
    assert path.read_text() == dumps_json(small_ledger.to_json(), schema_for("verify"))
    assert "bound-fr-ge-f without labels-nonnegative" in out


def test_the_terminal_shows_what_the_json_holds(monkeypatch, tmp_path, small_ledger):
    from rich.console import Console

    monkeypatch.setattr(verify_command, "run_ledger", lambda profile, seed, progress: small_ledger)
    monkeypatch.setenv("COLUMNS", "100")  # the command prints at least 150 columns wide
    path = tmp_path / "ledger.json"
    code, out, _ = _run(["verify", "--profile", "quick", "--json", str(path)])
    assert code == 0
    shown = io.StringIO()
    verify_command.render(json.loads(path.read_text()), Console(file=shown, width=150))  # the file, read back
    assert out.startswith(shown.getvalue()) and "Counterexamples" in shown.getvalue()


def test_verify_exits_1_with_one_line_when_a_proof_fails(monkeypatch, small_ledger):
    claim = small_ledger.claims[0]
    broken = dataclasses.replace(
        claim, evidence=claim.evidence + (Evidence("sympy", "not-proved", 1, 0.0, "NOT PROVED (test)"),)
    )
    bad = dataclasses.replace(small_ledger, claims=(broken,) + small_ledger.claims[1:])
    assert not bad.ok and small_ledger.ok
    monkeypatch.setattr(verify_command, "run_ledger", lambda profile, seed, progress: bad)
    code, _, err = _run(["verify", "--profile", "quick"])
    assert code == 1
    assert err.count("\n") == 1 and "sympy not-proved" in err


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
