"""The self-checks of the numeric code: each passes on relurelax's code, each fails on the mistake it
targets, a failure makes `relurelax verify` exit 1 and shows its numbers, and the JSON follows its schema."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json

import numpy as np
import pytest
from rich.console import Console

from relurelax import solvers
from relurelax.proofs import selfchecks
from relurelax.proofs.checks import SOLVERS
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.ledger import build_ledger
from relurelax.proofs.selfchecks import SELFCHECKS, SelfCheck, expect, run_selfcheck, run_selfchecks
from relurelax.reports import verify_command
from relurelax.reports._io import dumps_json, schema_for
from relurelax.reports.cli import main
from relurelax.solvers import batched, descent, exact, newton, relaxation
from relurelax.solvers.descent import Direction

from .jsonschemas import errors as schema_errors

CHECK = {c.name: c for c in SELFCHECKS}


@pytest.fixture(scope="module")
def results():
    return {r.name: r for r in run_selfchecks()}


def test_every_self_check_passes_on_relurelaxs_own_code(results):
    failed = {name: r.detail for name, r in results.items() if not r.passed}
    assert failed == {}
    assert len(results) >= 11 and all(r.detail and r.seconds >= 0 for r in results.values())


def test_self_check_names_are_unique_and_each_states_what_it_asserts():
    assert len({c.name for c in SELFCHECKS}) == len(SELFCHECKS)
    assert all(c.statement and "\n" not in c.statement for c in SELFCHECKS)
    with pytest.raises(ValueError, match="registered already"):
        selfchecks.selfcheck(SELFCHECKS[0].name, "again")(lambda nx, rounds: "")


# --- each check against the mistake it targets -------------------------------------------------


def _swapped_neurons(function):
    """``function`` with its gradient's neuron columns reversed (a wrong neuron order)."""
    return lambda A, y, X: np.asarray(function(A, y, X))[..., ::-1]


def _strict_mask(Z):
    return np.asarray(Z) > 0.0  # the wrong convention: a tie counts as inactive


def _wrong_gd_order():
    return dataclasses.replace(SOLVERS, gd=Direction("gd", lambda Z, y: solvers.GD.weights(Z, y)[..., ::-1], solvers.GD.objective))


def _loose_newton(monkeypatch):
    solve = solvers.solve_relaxation_newton
    monkeypatch.setattr(solvers, "solve_relaxation_newton", lambda A, y, **k: solve(A, y, gtol=1e-4))


def _maskless_cells(monkeypatch):
    solve = solvers.solve_cell
    monkeypatch.setattr(solvers, "solve_cell", lambda A, y, masks, **k: solve(A, y, np.ones_like(masks), **k))


def _last_cell_dropped(monkeypatch):
    enumerate_cells = solvers.enumerate_cells

    def dropping(A, **k):
        arr = enumerate_cells(A, **k)
        return dataclasses.replace(arr, patterns=arr.patterns[:-1], witnesses=arr.witnesses[:-1], margins=arr.margins[:-1])

    monkeypatch.setattr(solvers, "enumerate_cells", dropping)


def _best_cell_dropped(monkeypatch):
    exact_min = exact.exact_min_over_patterns

    def without_best(A, y, patterns, **k):
        best = exact_min(A, y, patterns, **k).pattern
        return exact_min(A, y, np.array([p for p in patterns if not np.array_equal(p, best)]), **k)

    monkeypatch.setattr(exact, "exact_min_over_patterns", without_best)


def _doubled_batched_step(monkeypatch):
    monkeypatch.setitem(batched.METHODS, "gd", Direction("gd", lambda Z, y: 2.0 * solvers.GD.weights(Z, y), solvers.GD.objective))


def _certificate_always_passing(monkeypatch):
    monkeypatch.setattr(relaxation.Certificate, "passed", property(lambda self: True))


def _no_blowup_test(monkeypatch):
    from relurelax.solvers import descent

    monkeypatch.setattr(descent, "BLOWUP_FACTOR", np.inf)


def _tie_as_inactive(monkeypatch):
    from relurelax.solvers import activation, objectives

    for module in (solvers, activation, objectives):
        monkeypatch.setattr(module, "activation_mask", _strict_mask)


def _halved_fm(monkeypatch):
    return dataclasses.replace(SOLVERS, multi_neuron_objective=lambda A, y, X: 0.5 * solvers.multi_neuron_objective(A, y, X))


def _swapped_fm_gradient(monkeypatch):
    monkeypatch.setattr(solvers, "multi_neuron_objective_gradient", _swapped_neurons(solvers.multi_neuron_objective_gradient))


def _halved_pplus(monkeypatch):
    solve = solvers.solve_pplus
    monkeypatch.setattr(solvers, "solve_pplus", lambda A, y, **k: dataclasses.replace(
        solve(A, y, **k), lower_bound=0.5 * solve(A, y, **k).lower_bound))  # fmt: skip


MISTAKES = {
    "objective-values": _halved_fm,
    "gradients-finite-differences": _swapped_fm_gradient,
    "tie-convention": _tie_as_inactive,
    "descent-step": lambda mp: _wrong_gd_order(),
    "batched-engine": _doubled_batched_step,
    "descent-stops": _no_blowup_test,
    "newton-certificate": _loose_newton,
    "relaxation-certificate": _certificate_always_passing,
    "cell-qp": _maskless_cells,
    "arrangement-enumeration": _last_cell_dropped,
    "exact-minimum": _best_cell_dropped,
    "exact-solvers": _halved_pplus,
}


def test_every_registered_check_has_a_mistake_it_is_tested_against():
    assert set(MISTAKES) == set(CHECK)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_self_check_fails_on_the_mistake_it_targets(monkeypatch, name):
    numerics = MISTAKES[name](monkeypatch) or SOLVERS
    result = run_selfcheck(CHECK[name], numerics)
    assert not result.passed, result.detail
    assert not result.detail.startswith("raised"), result.detail  # an assertion of the check, with its numbers
    assert any(ch.isdigit() for ch in result.detail)


def test_the_tie_convention_is_seen_by_the_objective_and_step_checks_too(monkeypatch):
    _tie_as_inactive(monkeypatch)
    failed = {r.name for r in run_selfchecks(checks=[CHECK["objective-values"], CHECK["descent-step"]]) if not r.passed}
    assert failed == {"objective-values", "descent-step"}


def test_a_check_that_raises_is_a_failure_naming_the_exception():
    def broken(A, y, x):
        raise FloatingPointError("boom")

    result = run_selfcheck(CHECK["objective-values"], dataclasses.replace(SOLVERS, objective=broken))
    assert not result.passed and result.detail == "raised FloatingPointError: boom"


# --- the ledger and the command ------------------------------------------------------------------


def _failing(monkeypatch=None) -> SelfCheck:
    def run(nx, rounds):
        expect(1.5 == 2.5, "f(x) = 1.5 but a plain loop gives 2.5")
        return "never"

    return SelfCheck("always-fails", "a check that fails, for the tests", run)


@pytest.fixture(scope="module")
def ledgers():
    claims = (claim_by_id("bound-fr-ge-f"),)
    good = build_ledger("quick", 0, claims=claims, selfchecks=[CHECK["tie-convention"]])
    bad = build_ledger("quick", 0, claims=claims, selfchecks=[CHECK["tie-convention"], _failing()])
    return good, bad


def test_a_failed_self_check_makes_a_consistent_ledger_not_ok(ledgers):
    good, bad = ledgers
    assert good.ok and good.consistent and good.failed_selfchecks == ()
    assert bad.consistent and not bad.ok and [r.name for r in bad.failed_selfchecks] == ["always-fails"]


def _run(monkeypatch, ledger, argv):
    monkeypatch.setattr(verify_command, "run_ledger", lambda profile, seed, progress: ledger)
    monkeypatch.setenv("COLUMNS", "80")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["verify", "--profile", "quick", *argv])
    return code, out.getvalue(), err.getvalue()


def test_verify_exits_1_and_prints_the_failed_checks_numbers(monkeypatch, ledgers, tmp_path):
    good, bad = ledgers
    code, out, _ = _run(monkeypatch, good, [])
    assert code == 0 and "All 1 self-checks of the numeric code passed." in out
    path = tmp_path / "ledger.json"
    code, out, err = _run(monkeypatch, bad, ["--json", str(path)])
    assert code == 1
    assert "1 of 2 self-checks of the numeric code failed: always-fails." in out
    assert "FAILED always-fails: a check that fails, for the tests" in out and "plain loop gives 2.5" in out
    assert "self-check always-fails: f(x) = 1.5 but a plain loop gives 2.5" in err
    assert path.read_text() == dumps_json(bad.to_json(), schema_for("verify"))


def test_the_self_check_section_fits_80_columns(ledgers):
    long = dataclasses.replace(ledgers[1].selfchecks[1], detail="x = " + ", ".join(f"{v:.6g}" for v in np.linspace(0, 1, 40)))
    doc = dataclasses.replace(ledgers[1], selfchecks=(ledgers[1].selfchecks[0], long)).to_json()
    shown = io.StringIO()
    verify_command.render_selfchecks(doc, Console(file=shown, width=80))
    lines = shown.getvalue().splitlines()
    assert len(lines) > 3 and max(map(len, lines)) <= 80
    assert "0.512821" in shown.getvalue()  # wrapped at spaces, no number cut


def test_the_ledger_json_with_self_checks_follows_the_verify_schema(ledgers):
    for ledger in ledgers:
        doc = json.loads(dumps_json(ledger.to_json(), schema_for("verify")))
        assert schema_errors(doc) == []
        assert [r["name"] for r in doc["selfchecks"]] == [r.name for r in ledger.selfchecks]
    doc = json.loads(dumps_json(ledgers[0].to_json(), schema_for("verify")))
    del doc["selfchecks"][0]["passed"]
    assert schema_errors(doc) != []


# --- further mistakes the checks added for the mutation measurement must see -------------------------


def _last_ray_cell_dropped(monkeypatch):
    enumerate_rays = exact.enumerate_rays

    def dropping(A, **k):
        arr = enumerate_rays(A, **k)
        return dataclasses.replace(arr, patterns=arr.patterns[:-1])

    monkeypatch.setattr(exact, "enumerate_rays", dropping)


def _clipped_least_squares(G, y):
    return np.maximum(np.linalg.lstsq(G, y, rcond=None)[0], 0.0)  # not NNLS: optimal only by luck


@pytest.mark.parametrize("name, mistake", [
    ("exact-solvers", lambda mp: mp.setattr(exact, "_nnls", _clipped_least_squares)),
    ("exact-solvers", lambda mp: mp.setattr(exact, "caratheodory", lambda W, t: np.array(t, dtype=float))),
    ("exact-solvers", lambda mp: _last_ray_cell_dropped(mp)),
    ("arrangement-enumeration", lambda mp: mp.setattr(solvers, "cover_bound", lambda n, d: 2 * sum(
        __import__("math").comb(n - 1, k) for k in range(d - 1)))),
    ("descent-stops", lambda mp: mp.setattr(newton, "_is_certificate", lambda A, y, v, slack=0.0: True)),
    ("descent-stops", lambda mp: mp.setattr(descent, "stopping_tests", lambda g, g0, gs, gtol: (
        (g - g != 0) | ((g <= descent.BLOWUP_FACTOR * g0) == False), g <= gtol * g0))),  # noqa: E712
])  # fmt: skip
def test_the_checks_see_the_mistakes_the_mutation_measurement_found_unseen(monkeypatch, name, mistake):
    # NNLS replaced by clipped least squares, a Caratheodory step that keeps every weight, a dropped cell,
    # Cover's bound off by one, an unboundedness test that accepts any direction, and a stopping test
    # relative to the start instead of ||A^T y||
    mistake(monkeypatch)
    result = run_selfcheck(CHECK[name])
    assert not result.passed, result.detail
    assert any(ch.isdigit() for ch in result.detail)
