r"""The same bytes on every run: the ledger's searches depend on counts, never on wall time or the machine's load.

Two ways a run could differ: a budget measured in seconds (hypothesis stops
shrinking after five minutes of wall time), and a machine so loaded that
such a budget runs out. The first test makes the clock race (every reading
an hour after the last), which on a budget in seconds ends the shrinking at
once; the others keep both cores busy with other processes while the ledger
runs. The JSON documents must be equal apart from the ``seconds`` fields.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import time

import pytest

from relurelax.proofs.checks import SOLVERS
from relurelax.proofs.claims import claim_by_id
from relurelax.proofs.conditions import DROP_SPACES, LABELS_NONNEGATIVE, PLANTED
from relurelax.proofs.ledger import build_ledger
from relurelax.proofs.registry import CLAIMS
from relurelax.proofs.search import search

from . import reliability


def without_wall_times(value):
    """A JSON document without its ``seconds`` and ``timings`` fields (the only wall times it holds)."""
    if isinstance(value, dict):
        return {k: without_wall_times(v) for k, v in value.items() if k not in ("seconds", "timings")}
    if isinstance(value, list):
        return [without_wall_times(v) for v in value]
    return value


@contextlib.contextmanager
def busy_cores(count: int | None = None):
    """``count`` (default: every core) CPU-bound processes for the duration of the block, killed afterwards."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count or os.cpu_count() or 2)]
    try:
        time.sleep(0.3)  # let them start spinning
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def _search_json(claim_id: str, condition: str, examples: int = 30, seed: int = 0) -> dict:
    claim = claim_by_id(claim_id)
    res = search(claim.id, claim.check.load(), SOLVERS, DROP_SPACES[condition], max_examples=examples, seed=seed,
                 neurons=claim.neurons, second_point=claim.second_point,
                 point_is_claim_point=claim.point_is_claim_point,
                 use_constructions=False)  # fmt: skip  # hypothesis's draws and shrinking are what is under test
    cx = None if res.counterexample is None else res.counterexample.to_json()
    return {"examples": res.examples, "rejected": res.rejected, "counterexample": cx}


@pytest.mark.parametrize(
    "claim_id, condition",
    [("bound-fr-ge-f", LABELS_NONNEGATIVE), ("thm1-global-min", PLANTED), ("bound-fmp-ge-fm", LABELS_NONNEGATIVE)],
)
def test_a_search_gives_the_same_counterexample_and_counts_when_the_clock_races(monkeypatch, claim_id, condition):
    reliability.tried("determinism-clock")
    calm = _search_json(claim_id, condition)
    assert calm["counterexample"] is not None  # a search that shrinks: the case a time budget would cut short
    ticks = itertools.count(1)
    real_perf, real_mono = time.perf_counter, time.monotonic
    monkeypatch.setattr(time, "perf_counter", lambda: real_perf() + 3600.0 * next(ticks))
    monkeypatch.setattr(time, "monotonic", lambda: real_mono() + 3600.0 * next(ticks))
    raced = _search_json(claim_id, condition)
    monkeypatch.undo()
    assert raced == calm


def _ledger_json(claims) -> dict:
    return without_wall_times(build_ledger("quick", 0, claims=claims).to_json())


def test_one_claim_of_the_quick_ledger_is_the_same_with_both_cores_busy():
    reliability.tried("determinism-loaded")
    claims = (claim_by_id("thm1-global-min"),)  # searches, CVXPY and RGD
    idle = _ledger_json(claims)
    with busy_cores():
        loaded = _ledger_json(claims)
    assert loaded == idle


@pytest.mark.slow
def test_the_quick_ledger_is_the_same_in_another_process_with_both_cores_busy(tmp_path):
    reliability.tried("determinism-loaded")
    idle = _ledger_json(CLAIMS)
    path = tmp_path / "ledger.json"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # another process, another string hash
    with busy_cores():
        proc = subprocess.run([sys.executable, "-m", "relurelax.reports.cli", "verify", "--profile", "quick",
                               "--seed", "0", "--json", str(path)], env=env, capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    written = json.loads(path.read_text())
    assert written.pop("schema") == "relurelax.verify/3"  # the file's marker, not part of the ledger
    assert without_wall_times(written) == idle
