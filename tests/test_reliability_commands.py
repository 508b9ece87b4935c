"""Reliability of `verify`, `crosscheck`, `report` and `bench`: bad usage,
missing backends, interruption, determinism, escaping and argument fuzzing.

The numeric API and `solve` have their own matrix in
test_reliability_solve.py; this file extends it to the other commands.
"""

from __future__ import annotations

import gc
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
from .test_determinism import without_wall_times


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


def test_crosscheck_json_is_the_same_for_the_same_seed_apart_from_wall_times(tmp_path, capsys):
    texts = []
    for i in range(2):
        path = tmp_path / f"{i}.json"
        code, _, err = _cli(["crosscheck", "--n", "8", "20", "--d", "12", "--trials", "2", "--seed", "5",
                             "--solvers", "CLARABEL,OSQP", "--json", str(path)], capsys)  # fmt: skip
        assert code == 0, err
        texts.append(json.dumps(without_wall_times(json.loads(path.read_text())), sort_keys=True))
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


# --- a signal whose KeyboardInterrupt is swallowed ----------------------------------------
#
# The command line records a signal before it raises KeyboardInterrupt, so a signal
# still ends the run with 130, and commits nothing, when a library swallows the
# exception. The signal is raised with signal.raise_signal, whose handler runs before
# raise_signal returns: where the exception lands is fixed, not a matter of timing.


def _swallowed_by_a_broad_except(sig):
    """A library's ``except BaseException: pass`` around the moment the signal arrives."""
    caught = []
    try:
        signal.raise_signal(sig)
    except BaseException as exc:  # noqa: BLE001 - what the library does
        caught.append(exc)
    assert caught and isinstance(caught[0], KeyboardInterrupt)  # the handler ran, and its exception is gone


def _swallowed_by_a_gc_callback(sig):
    """The signal arrives inside a garbage collector callback (hypothesis keeps one), which cannot propagate it.

    Python reports the exception as unraisable and goes on; relurelax raises it
    again at the next call after the callback, so ``after`` stays empty.
    """
    fired, after = [], []

    def callback(phase, info):
        if not fired:
            fired.append(phase)
            signal.raise_signal(sig)

    gc.callbacks.append(callback)
    try:
        gc.collect()
        after.append("the run went on after the callback")
    finally:
        gc.callbacks.remove(callback)
    raise AssertionError(f"the interruption was not raised again after the callback ({fired}, {after})")


def _turned_into_another_exception(sig):
    """A library that turns the signal's KeyboardInterrupt into another exception.

    Hypothesis does: a KeyboardInterrupt that lands in its engine's bookkeeping
    can come out as ``AssertionError`` (``state._runner is not None``) or
    ``FlakyStrategyDefinition``.
    """
    try:
        signal.raise_signal(sig)
    except KeyboardInterrupt:
        raise AssertionError("an internal state the interruption left inconsistent") from None


SWALLOWERS = {"broad-except": _swallowed_by_a_broad_except, "gc-callback": _swallowed_by_a_gc_callback,
              "converted": _turned_into_another_exception}  # fmt: skip


def _swallowing(real, sig, swallow):
    """``real`` (a command's computation) with a signal swallowed before it runs."""

    def computation(*args, **kwargs):
        swallow(sig)
        return real(*args, **kwargs)

    return computation


def _empty_bench(profile, progress=None):
    progress("no case")  # as the real run reports each case
    return {"profile": profile, "machine": {"cpu": "test", "cpus": 1}, "ratios": {}, "cases": []}


def _empty_ledger(profile, seed, progress=None):
    from relurelax.proofs.ledger import Ledger

    progress("no claim")  # as the real run reports each claim
    return Ledger(profile, seed, ())


def _patch_command(command: str, sig, swallow, monkeypatch, tmp_path) -> list[str]:
    """Swallow ``sig`` where ``command``'s computation starts (a stand-in where the real one is long); its argv."""
    import relurelax.benchmarks as benchmarks
    from relurelax.reports import crosscheck_command, solve_command, verify_command

    from .test_report import TINY, small_ledger

    out = str(tmp_path / "out.json")
    if command == "solve":
        monkeypatch.setattr(solve_command, "descend", _swallowing(solve_command.descend, sig, swallow))
        return ["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--json", out]
    if command == "crosscheck":
        monkeypatch.setattr(crosscheck_command, "run_crosscheck",
                            _swallowing(crosscheck_command.run_crosscheck, sig, swallow))  # fmt: skip
        return ["crosscheck", "--n", "5", "--d", "8", "--trials", "1", "--solvers", "CLARABEL", "--json", out]
    if command == "verify":
        monkeypatch.setattr(verify_command, "run_ledger", _swallowing(_empty_ledger, sig, swallow))
        return ["verify", "--json", out]
    if command == "bench":
        monkeypatch.setattr(benchmarks, "run_benchmarks", _swallowing(_empty_bench, sig, swallow))
        return ["bench", "--json", out]
    from relurelax.reports import report as report_module
    from relurelax.reports import report_command

    monkeypatch.setattr(report_command, "PROFILES", {**report_command.PROFILES, "quick": TINY})
    monkeypatch.setattr(report_module, "run_ledger_section", _swallowing(small_ledger, sig, swallow))
    return ["report", "--profile", "quick", "--out", str(tmp_path / "report")]


COMMANDS_THAT_WRITE = ("solve", "crosscheck", "verify", "bench", "report")


@pytest.mark.parametrize("swallow", SWALLOWERS, ids=list(SWALLOWERS))
@pytest.mark.parametrize("command", COMMANDS_THAT_WRITE)
def test_a_sigterm_whose_exception_is_swallowed_still_exits_130_and_writes_nothing(command, swallow, monkeypatch,
                                                                                     tmp_path, capsys):  # fmt: skip
    argv = _patch_command(command, signal.SIGTERM, SWALLOWERS[swallow], monkeypatch, tmp_path)
    reliability.injected(f"signal-swallowed-{swallow}")
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 130, err
    assert out == ""  # no result is shown either: the run stopped where the swallowed signal surfaced
    assert os.listdir(tmp_path) == []  # neither the output nor a temporary sibling
    last = err.strip().splitlines()[-1]
    assert last.startswith("relurelax: interrupted ")
    assert "nothing was written" in last or "no partial output was written" in last
    if command == "report":  # the report's own message, whatever exception the interruption became
        assert last.startswith("relurelax: interrupted during ") and "s (finished: " in last
        assert "nothing was written to" in last
    assert "Traceback" not in err and "AssertionError" not in err


@pytest.mark.parametrize("swallow", SWALLOWERS, ids=list(SWALLOWERS))
def test_a_ctrl_c_whose_exception_is_swallowed_still_exits_130_and_writes_nothing(swallow, monkeypatch, tmp_path,
                                                                                   capsys):  # fmt: skip
    argv = _patch_command("solve", signal.SIGINT, SWALLOWERS[swallow], monkeypatch, tmp_path)
    reliability.injected(f"signal-swallowed-{swallow}")
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 130, err
    assert os.listdir(tmp_path) == []
    assert err.strip().splitlines()[-1].startswith("relurelax: interrupted during the GD descent")


def test_a_swallowed_sigterm_is_raised_again_at_the_first_call_after_the_gc_callback(monkeypatch, capsys):
    from relurelax.reports import solve_command

    def descent(*args, **kwargs):
        _swallowed_by_a_gc_callback(signal.SIGTERM)  # raises KeyboardInterrupt, or AssertionError if it went on

    monkeypatch.setattr(solve_command, "descend", descent)
    reliability.injected("signal-in-gc-callback")
    code = main(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd"])
    err = capsys.readouterr().err
    assert code == 130, err
    assert "interrupted during the GD descent" in err and "went on" not in err
    _one_line(err)


def test_after_a_swallowed_signal_the_handlers_are_restored_and_no_profile_function_is_left(monkeypatch, capsys):
    import relurelax.benchmarks as benchmarks

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), sys.unraisablehook
    for swallow in SWALLOWERS.values():
        monkeypatch.setattr(benchmarks, "run_benchmarks", _swallowing(_empty_bench, signal.SIGTERM, swallow))
        assert main(["bench"]) == 130
    capsys.readouterr()
    assert sys.getprofile() is None
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), sys.unraisablehook) == before


def test_a_sigterm_during_the_commit_lets_the_commit_finish_and_says_the_output_is_complete(monkeypatch, tmp_path,
                                                                                            capsys):  # fmt: skip
    import types

    from relurelax.reports import _io

    real_replace = os.replace

    def replace_then_signal(src, dst):
        real_replace(src, dst)
        signal.raise_signal(signal.SIGTERM)  # inside the commit: recorded, not raised

    monkeypatch.setattr(_io, "os", types.SimpleNamespace(**{**vars(os), "replace": replace_then_signal}))
    out = tmp_path / "out.json"
    reliability.injected("signal-during-commit")
    code = main(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd", "--json", str(out)])
    err = capsys.readouterr().err
    assert code == 130, err
    assert json.loads(out.read_text())["method"] == "gd"  # complete, as the message says
    assert os.listdir(tmp_path) == ["out.json"]
    assert f"interrupted (SIGTERM) as the run finished; its output was written completely: {out}" in err
    _one_line(err)


def test_a_commit_after_a_recorded_signal_raises_and_a_signal_inside_one_is_deferred(tmp_path):
    from relurelax.reports import errors

    errors.reset_interruption()
    try:
        with errors.committing("a"):
            assert errors.record_interruption(signal.SIGTERM) is False  # inside: recorded, not raised
            assert errors.raisable_interruption() is None
        assert errors.committed_outputs() == ("a",)
        assert errors.raisable_interruption() is signal.SIGTERM
        body = []
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            with errors.committing("b"):
                body.append("committed")
        assert body == [] and errors.committed_outputs() == ("a",)
        assert errors.record_interruption(signal.SIGINT) is True and errors.interruption() is signal.SIGINT
    finally:
        errors.reset_interruption()


_INTERRUPTED_IN_EXEC = '''
import sys

from relurelax.reports import solve_command
from relurelax.reports.cli import main


def descend(*args, **kwargs):
    # the signal's KeyboardInterrupt leaves an exec() of a string, as it may inside sympy's parser
    exec("import signal\\nsignal.raise_signal(signal.SIGTERM)")


solve_command.descend = descend
sys.exit(main(["solve", "--planted", "--n", "5", "--d", "3", "--method", "gd"]))
'''


def _default_sigint():
    # the child ends by SIGINT where CPython thinks an interruption went unhandled: let it be seen
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interruption_that_left_an_exec_of_a_string_exits_130_under_python_m(tmp_path):
    (tmp_path / "interrupted_in_exec.py").write_text(_INTERRUPTED_IN_EXEC)
    reliability.injected("signal-in-exec")
    proc = subprocess.run([sys.executable, "-m", "interrupted_in_exec"], cwd=tmp_path, capture_output=True, text=True,
                          preexec_fn=_default_sigint, timeout=120)  # fmt: skip
    assert proc.returncode == 130, (proc.returncode, proc.stderr)  # not -2 (ended by SIGINT)
    assert proc.stderr.strip().splitlines()[-1].startswith("relurelax: interrupted during the GD descent")
