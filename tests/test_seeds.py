r"""Seeds: any integer >= 0 is accepted by every command, and derived streams come from SeedSequence.

The streams a command derives from its seed S (trial k of a reproduction
panel, instance k of a cross-check, instance t of a ledger solver comparison)
used to be ``1000 S + k`` or ``S + k``: two different (S, k) gave the same
instance, and ``report --seed`` above about 9.2e15 overflowed int64 after the
ledger and the cross-check had run.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.crosscheck import _instance_seed
from relurelax.proofs.ledger import build_ledger
from relurelax.proofs.search import search_seed
from relurelax.reports import report_command, verify_command
from relurelax.reports import report as report_module
from relurelax.reports.cli import main
from relurelax.reports.reproduction import ReproductionSettings
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.seeds import SEED_BITS, derived_rng, derived_seed

from . import reliability

BIG = 10**30  # far above 2**63 ~ 9.2e18 and above 1000 * S overflowing int64 (S ~ 9.2e15)

#: (S, k), (S', k') with 1000 S + k == 1000 S' + k': the same instance under the old formula
OLD_COLLISIONS = [((1, 0), (0, 1000)), ((2, 5), (1, 1005)), ((7, 999), (6, 1999))]


@pytest.mark.parametrize("first, second", OLD_COLLISIONS)
def test_derived_streams_differ_where_1000_seed_plus_k_collided(first, second):
    assert 1000 * first[0] + first[1] == 1000 * second[0] + second[1]
    assert derived_seed(*first) != derived_seed(*second)
    assert not np.array_equal(derived_rng(*first).random(4), derived_rng(*second).random(4))
    # the ledger's solver comparisons draw their instances this way
    assert _instance_seed(*first) != _instance_seed(*second)


def test_the_cross_checks_seed_plus_k_no_longer_collides_between_neighbouring_seeds():
    # S + k: (S = 4, k = 1) and (S = 5, k = 0) were one instance
    assert derived_seed(4, "crosscheck", 1) != derived_seed(5, "crosscheck", 0)


def test_the_parts_of_a_report_draw_from_different_streams_of_one_seed():
    # old: reproduction trial 3 at seed 0 was 1000 * 0 + 3, cross-check instance 0 at seed 3 was 3 + 0
    repro = ReproductionSettings(trials=4, seed=0).seeds
    assert repro[3] != derived_seed(3, "crosscheck", 0)
    assert len({*repro, *(derived_seed(0, "crosscheck", k) for k in range(4)), *(_instance_seed(0, t) for t in range(4))}) == 12


@pytest.mark.parametrize("seed", [0, 1, 2**31, 2**63, BIG, 2**200])
def test_derived_seeds_are_reproducible_and_fit_a_signed_64_bit_integer(seed):
    s = derived_seed(seed, "reproduction", 3)
    assert s == derived_seed(seed, "reproduction", 3)
    assert 0 <= s < 2**SEED_BITS <= 2**63
    assert np.asarray([s], dtype=np.int64)[0] == s
    assert s != derived_seed(seed + 1, "reproduction", 3)
    assert 0 <= search_seed(seed, "thm1-global-min", "planted") < 2**32


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True, None])
def test_derived_seed_refuses_a_seed_that_is_not_an_integer_at_least_0(bad):
    with pytest.raises(InvalidInputError, match="seed"):
        derived_seed(bad, 0)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, None])
def test_derived_seed_refuses_a_key_that_is_not_a_string_or_a_32_bit_index(bad):
    with pytest.raises(InvalidInputError, match="key"):
        derived_seed(0, bad)


def _thm1_ledger(profile, seed, progress=None):
    return build_ledger(profile, seed, progress, claims=(claim_by_id("thm1-global-min"),))


def test_solve_and_crosscheck_accept_a_seed_of_10_to_the_30(tmp_path, capsys):
    reliability.tried("cli-big-seed", 2)
    assert main(["solve", "--planted", "--n", "6", "--d", "4", "--method", "rgd", "--seed", str(BIG)]) == 0
    path = tmp_path / "cc.json"
    code = main(["crosscheck", "--n", "6", "--d", "4", "--trials", "2", "--solvers", "CLARABEL", "--seed", str(BIG),
                 "--json", str(path)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    seeds = [inst["seed"] for inst in json.loads(path.read_text())["instances"]]
    assert seeds == [derived_seed(BIG, "crosscheck", 0), derived_seed(BIG, "crosscheck", 1)]


def test_verify_accepts_a_seed_of_10_to_the_30(tmp_path, monkeypatch, capsys):
    reliability.tried("cli-big-seed")
    monkeypatch.setattr(verify_command, "run_ledger", _thm1_ledger)  # one claim, with its solver comparison
    path = tmp_path / "ledger.json"
    assert main(["verify", "--profile", "quick", "--seed", str(BIG), "--json", str(path)]) == 0, capsys.readouterr().err
    doc = json.loads(path.read_text())
    assert doc["seed"] == BIG and {e["method"] for e in doc["claims"][0]["evidence"]} >= {"hypothesis", "solver"}


def test_report_accepts_a_seed_of_10_to_the_30(tmp_path, monkeypatch, capsys):
    from .test_report import TINY

    reliability.tried("cli-big-seed")

    def ledger(profile, seed, progress=None):
        led = _thm1_ledger(profile, seed, progress)
        return {**led.to_json(), "ok": led.ok}

    monkeypatch.setattr(report_command, "PROFILES", {**report_command.PROFILES, "quick": TINY})
    monkeypatch.setattr(report_module, "run_ledger_section", ledger)
    out = tmp_path / "r"
    assert main(["report", "--profile", "quick", "--seed", str(BIG), "--out", str(out)]) == 0, capsys.readouterr().err
    results = json.loads((out / "results.json").read_text())
    assert results["settings"]["seed"] == BIG and results["claims"]["seed"] == BIG
    assert results["settings"]["command"] == f"relurelax report --profile quick --seed {BIG}"
    panel = results["figures"]["fig1"]["panels"][0]
    assert panel["seeds"] == [derived_seed(BIG, "reproduction", k) for k in range(TINY.reproduction.trials)]
