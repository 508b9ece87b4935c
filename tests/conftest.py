"""Test-wide set-up: headless plotting, seeded RNGs, hypothesis profiles, Ctrl-C deliverable, no leaked processes."""

from __future__ import annotations

import faulthandler
import os
import random
import signal
import threading
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch):
    # the tests read what the commands print; a developer's FORCE_COLOR or TTY_COMPATIBLE would make rich
    # write colour codes into it (and call a pipe a terminal), so every test runs without them
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)


def pytest_configure(config):
    # a script that starts a command in the background (`cmd &`, no job control) starts it with SIGINT ignored,
    # and Python then leaves it ignored: every test of Ctrl-C (_thread.interrupt_main, or a SIGINT to a child,
    # which inherits the disposition) would wait for an interruption that never comes
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    config.stash[_STARTED_BEFORE] = set(_processes_of_this_run())


#: processes of a test run that live as long as it does, by design: multiprocessing's resource tracker and the
#: conic solver's worker (relurelax.solvers._worker); both end with the pytest process
_LONG_LIVED = ("multiprocessing.resource_tracker", "relurelax.solvers._worker")
#: how long (seconds) a process a test started may take to end after the test
_LEAK_GRACE_SECONDS = 5.0
#: how long (seconds) the interpreter may take to exit after the run before every thread's stack is printed
#: and the run ends with the tests' exit status
_EXIT_WATCHDOG_SECONDS = 120
_STARTED_BEFORE = pytest.StashKey[set]()
_EXIT_STATUS = pytest.StashKey[int]()


def _processes_of_this_run() -> dict[int, str]:
    r"""Processes (pid -> command line) that are children of this process or in its process group.

    An orphan (whose parent was killed) is no longer a child, but keeps the group: such a process may
    hold the run's output pipe open, and a CI job that reads it would wait for ever. (Not the session:
    other jobs of the same terminal share it.)
    """
    me = os.getpid()
    pgid = os.getpgid(0)
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            ppid, group = int(fields[1]), int(fields[2])
            if fields[0] == b"Z" or not (ppid == me or group == pgid):
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                found[int(entry)] = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError, ValueError):  # ended meanwhile
            continue
    return found


def _new_processes(before: set[int]) -> dict[int, str]:
    return {pid: cmd for pid, cmd in _processes_of_this_run().items()
            if pid not in before and not any(name in cmd for name in _LONG_LIVED)}  # fmt: skip


def pytest_sessionfinish(session, exitstatus):
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


def pytest_unconfigure(config):
    # what the summary listed as still running ends now: a process that holds the run's output open would
    # keep a CI job reading it waiting until its time-out, long after the tests passed
    for pid in _new_processes(config.stash.get(_STARTED_BEFORE, set())):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    # and an interpreter that cannot exit (a thread it joins, an exit handler, that never ends) prints every
    # thread's stack (faulthandler's own thread, which needs no lock of the interpreter) and then ends with
    # the tests' verdict, which the summary has already printed, instead of waiting for ever
    faulthandler.dump_traceback_later(_EXIT_WATCHDOG_SECONDS)
    status = config.stash.get(_EXIT_STATUS, 1)

    def leave() -> None:
        time.sleep(_EXIT_WATCHDOG_SECONDS + 5)
        os.write(2, f"\nthe test run did not exit {_EXIT_WATCHDOG_SECONDS} s after its summary (the stacks above say "
                    f"where it waits); it ends now with the tests' exit status {status}\n".encode())
        os._exit(status)

    threading.Thread(target=leave, name="exit watchdog", daemon=True).start()


@pytest.fixture(autouse=True)
def _no_leaked_processes():
    # a process a test started must end with it: one left running can keep CI waiting until its time-out
    before = set(_processes_of_this_run())
    yield
    deadline = time.monotonic() + _LEAK_GRACE_SECONDS
    while (left := _new_processes(before)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        pytest.fail(f"the test left {len(left)} process(es) running {_LEAK_GRACE_SECONDS:g} s after it ended "
                    f"(killed now): " + "; ".join(f"{pid}: {cmd[:200]}" for pid, cmd in left.items()))


@pytest.fixture(scope="session")
def quick_verify_run(tmp_path_factory):
    """``relurelax verify --profile quick --seed 0 --json FILE``, run once for every test module that reads it.

    Returns ``(exit code, stdout, stderr, the JSON file's text, the Ledger run_ledger returned)``; each module
    parses the text itself, so no test sees another's changes (a Ledger is frozen). The run takes about 10 s of
    CPU (sympy, z3, hypothesis), which ``test_verify_ledger.py``, ``test_schemas.py`` and the quick report of
    ``test_report.py`` paid once each before they shared it.
    """
    import contextlib
    import io

    from relurelax.reports import verify_command
    from relurelax.reports.cli import main

    path = tmp_path_factory.mktemp("verify") / "ledger.json"
    out, err = io.StringIO(), io.StringIO()
    returned = []

    def run_ledger(*args, **kwargs):  # the command's own call, unchanged; its result is kept
        returned.append(real(*args, **kwargs))
        return returned[-1]

    real = verify_command.run_ledger
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        mp.setattr(verify_command, "run_ledger", run_ledger)
        code = main(["verify", "--profile", "quick", "--seed", "0", "--json", str(path)])
    (ledger,) = returned
    return code, out.getvalue(), err.getvalue(), path.read_text(encoding="utf-8"), ledger


@pytest.fixture(scope="session")
def tiny_results():
    """``build_results(TINY, 0, ledger=small_ledger)`` (tests/test_report.py), built once for every module that
    reads it; a test that changes the results changes a copy (``json.loads(dumps_json(...))``)."""
    from relurelax.reports.report import build_results

    from .test_report import TINY, small_ledger

    return build_results(TINY, 0, ledger=small_ledger)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from . import reliability

    # what would keep the run from ending after this summary: processes it started, threads it must join
    left = _new_processes(config.stash.get(_STARTED_BEFORE, set()))
    threads = [t.name for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    if left or threads:
        terminalreporter.section("still running at the end of the tests")
        for pid, cmd in left.items():
            terminalreporter.write_line(f"process {pid}: {cmd[:300]}")
        for name in threads:
            terminalreporter.write_line(f"non-daemon thread: {name}")
    lines = reliability.summary()
    if lines:
        if exitstatus != 0:
            lines[0] = lines[0].replace("all handled", "see failures above")
        terminalreporter.section("reliability summary")
        for line in lines:
            terminalreporter.write_line(line)
