"""Reliability of `verify`, `crosscheck`, `report` and `bench`: bad usage,
missing backends, interruption, determinism, escaping and argument fuzzing.

The numeric API and `solve` have their own matrix in
test_reliability_solve.py; this file extends it to the other commands.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relurelax.reports.cli import CommandFailed, main

from . import reliability


def _cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


BAD_USAGE = [
    (["verify", "--profile", "bogus"], "invalid choice"),
    (["verify", "--seed", "-1"], "integer >= 0"),
    (["verify", "--seed", "x"], "integer >= 0"),
    (["verify", "--json", "/no/such/dir/l.json"], "does not exist"),
    (["crosscheck", "--n", "0"], "positive integer"),
    (["crosscheck", "--d", "-3"], "positive integer"),
    (["crosscheck", "--trials", "0"], "positive integer"),
    (["crosscheck", "--m", "0"], "positive integer"),
    (["crosscheck", "--solvers", "FOO"], "FOO"),
    (["crosscheck", "--json", "/no/such/dir/c.json"], "does not exist"),
    (["report", "--profile", "bogus"], "invalid choice"),
    (["report", "--seed", "-2"], "integer >= 0"),
    (["bench", "--json", "/no/such/dir/b.json"], "does not exist"),
    (["bench", "--bogus"], "unrecognized"),
    (["nosuchcommand"], "invalid choice"),
]


@pytest.mark.parametrize("argv, fragment", BAD_USAGE, ids=[" ".join(a) for a, _ in BAD_USAGE])
def test_bad_usage_of_every_command_exits_2_with_one_line(argv, fragment, capsys):
    reliability.tried("cli-bad-usage")
    code, _, err = _cli(argv, capsys)
    assert code == 2
    assert fragment in err
    _one_line(err)


def test_a_json_path_that_is_a_folder_is_refused_before_any_work(tmp_path, capsys):
    for argv in (["verify", "--json", str(tmp_path)], ["crosscheck", "--json", str(tmp_path)],
                 ["bench", "--json", str(tmp_path)]):  # fmt: skip
        reliability.tried("cli-bad-path")
        code, _, err = _cli(argv, capsys)
        assert code == 2 and "directory" in err
        _one_line(err)


def test_a_report_folder_in_place_of_a_file_or_an_existing_report_is_refused(tmp_path, capsys):
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "index.html").write_text("keep me")
    reliability.tried("cli-keep-output", 3)
    for force in ([], ["--force"]):  # a report folder without relurelax's marker is not replaced, --force or not
        code, _, err = _cli(["report", "--out", str(existing), *force], capsys)
        assert code == 2 and "no .relurelax-report marker" in err and "pass --force" not in err
        assert (existing / "index.html").read_text() == "keep me"
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, _, err = _cli(["report", "--out", str(afile)], capsys)
    assert code == 2 and "not a folder" in err
    _one_line(err)


def test_crosscheck_with_a_backend_that_is_not_installed_lists_the_installed_ones(monkeypatch, capsys):
    import relurelax.solvers.relaxation as R

    monkeypatch.setattr(R, "installed_backends", lambda: ("CLARABEL",))
    reliability.injected("backend-missing")
    code, _, err = _cli(["crosscheck", "--n", "5", "--d", "8", "--trials", "1", "--solvers", "SCS"], capsys)
    assert code == 2
    assert "SCS" in err and "CLARABEL" in err
    _one_line(err)


def _without_seconds(obj):
    if isinstance(obj, dict):
        return {k: _without_seconds(v) for k, v in obj.items() if k not in ("seconds", "timings")}
    if isinstance(obj, list):
        return [_without_seconds(v) for v in obj]
    return obj


def test_crosscheck_json_is_the_same_for_the_same_seed_apart_from_wall_times(tmp_path, capsys):
    texts = []
    for i in range(2):
        path = tmp_path / f"{i}.json"
        code, _, err = _cli(["crosscheck", "--n", "8", "20", "--d", "12", "--trials", "2", "--seed", "5",
                             "--solvers", "CLARABEL,OSQP", "--json", str(path)], capsys)  # fmt: skip
        assert code == 0, err
        texts.append(json.dumps(_without_seconds(json.loads(path.read_text())), sort_keys=True))
    reliability.tried("determinism", 2)
    assert texts[0] == texts[1]


def _start(argv, tmp_path):
    return subprocess.Popen(
        [sys.executable, "-m", "relurelax.reports.cli", *argv],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_crosscheck_leaves_no_json_and_says_how_far_it_got(sig, tmp_path):
    out = tmp_path / "cc.json"
    # CLARABEL only: SCS and OSQP take a Ctrl-C that lands inside their solve for themselves
    # (README, "Errors and exit codes"), which would make this test depend on timing
    proc = _start(["crosscheck", "--n", "200", "--d", "100", "--trials", "30", "--solvers", "CLARABEL",
                   "--json", str(out)], tmp_path)  # fmt: skip
    deadline = time.time() + 90
    # wait until the imports are done and the run is under way, then interrupt (again if it goes on)
    time.sleep(5.0)
    while proc.poll() is None and time.time() < deadline:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
    _, err = proc.communicate(timeout=30)
    reliability.injected(f"signal-{sig.name}")
    assert proc.returncode == 130, err
    last = err.strip().splitlines()[-1]
    assert "interrupted during the cross-check" in last and " of 30 done" in last
    assert "no partial output" in last
    assert not out.exists()
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_every_string_that_reaches_the_html_report_is_escaped():
    from relurelax.reports.report_writers import render_html

    hostile = "<script>alert('x')</script>"

    def poison(obj):
        if isinstance(obj, dict):
            return {k: poison(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [poison(v) for v in obj]
        return hostile if isinstance(obj, str) else obj

    here = os.path.dirname(__file__)
    with open(os.path.join(here, "..", "reports", "example", "results.json")) as fh:
        results = json.load(fh)
    poisoned = dict(poison(results))
    poisoned["figures"] = results["figures"]  # file names keep their structure; labels are poisoned below
    for fig in poisoned["figures"].values():
        fig["caption"] = hostile
        for panel in fig["panels"]:
            panel["label"] = hostile
    reliability.tried("html-escaping")
    page = render_html(poisoned, {"fig1": b"\x89PNG", "fig2": b"\x89PNG"})
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page


_WORDS = ["verify", "crosscheck", "report", "bench", "solve", "--profile", "quick", "default", "full", "thorough",
          "--seed", "--json", "--out", "--force", "--n", "--d", "--m", "--trials", "--solvers", "CLARABEL",
          "SCS,OSQP", "--iters", "--quick", "--help", "-1", "0", "3", "x", "", "--", "nan", "1e400"]


class _Reached(CommandFailed):
    """Raised where a command would start its long computation."""


def _stop(*args, **kwargs):
    raise _Reached("reached the computation")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), max_size=9))
def test_arbitrary_argument_lists_for_every_command_never_escape_as_a_traceback(argv, capsys, tmp_path_factory,
                                                                                  monkeypatch):  # fmt: skip
    import relurelax.benchmarks as benchmarks
    from relurelax.reports import crosscheck_command, report_command, solve_command, verify_command

    # parsing and validation run for real; the long computations are replaced where they would start
    for module, name in ((verify_command, "run_ledger"), (crosscheck_command, "run_crosscheck"),
                         (report_command, "build_results"), (benchmarks, "run_benchmarks"),
                         (solve_command, "descend"), (solve_command, "solve_relaxation")):  # fmt: skip
        monkeypatch.setattr(module, name, _stop)
    monkeypatch.chdir(tmp_path_factory.mktemp("fuzz"))
    reliability.tried("fuzz-argv-all-commands")
    code = main(argv)
    _, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 1


def _sigterm_swallowed_by_a_gc_callback(*args, **kwargs):
    """Stand-in for a long solve: a SIGTERM lands inside a garbage collector callback (where
    hypothesis keeps one), which cannot propagate it; then the solve works on for 5 s."""
    import gc
    import os
    import signal
    import time

    fired = []

    def callback(phase, info):
        if not fired:
            fired.append(phase)
            os.kill(os.getpid(), signal.SIGTERM)  # handled at once, inside this callback
            for _ in range(1000):  # give the handler its bytecode boundary inside the callback
                pass

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    assert fired
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        time.sleep(0.01)
    raise AssertionError("the swallowed SIGTERM was never delivered again")


def test_a_sigterm_swallowed_by_a_gc_callback_still_ends_the_run_with_130(monkeypatch, capsys):
    import time

    from relurelax.reports import solve_command

    monkeypatch.setattr(solve_command, "descend", _sigterm_swallowed_by_a_gc_callback)
    reliability.injected("signal-in-gc-callback")
    start = time.monotonic()
    code = main(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd"])
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 130, err
    assert "interrupted during the GD descent" in err
    assert elapsed < 4.0  # re-delivered within moments, not after the 5 s of work
