"""The one progress interface of relurelax.reports: progress(stage, done=None, total=None), and a run in stages."""

from __future__ import annotations

from relurelax.reports import progress
from relurelax.reports.progress import Stages
from relurelax.reports.reproduction import FigureSpec, ReproductionSettings, run_reproduction


def test_stages_pass_every_update_on_under_the_name_of_the_stage_under_way():
    seen = []
    stages = Stages(lambda stage, done=None, total=None: seen.append((stage, done, total)))
    within = stages.start("cross-check")
    assert stages.current == "cross-check" and stages.done == []
    within("m=1 n=8 d=12 seed=3", 1, 4)
    within("a message without counts")  # a callback of one text, like the ledger's, is served too
    stages.finish()
    stages.start("reproduction")
    assert seen == [("cross-check", 0, None), ("cross-check", 1, 4), ("cross-check", None, None),
                    ("reproduction", 0, None)]  # fmt: skip
    assert stages.done == ["cross-check"] and stages.current == "reproduction"


def test_stages_without_a_callback_still_know_how_far_the_run_got():
    stages = Stages()
    stages.start("claims ledger")("step 1 of 8")
    stages.finish()
    assert stages.done == ["claims ledger"] and stages.current is None


def test_the_process_wide_record_is_a_progress_callback_and_says_how_far_the_run_got():
    try:
        progress.stage("the cross-check", 2, 9)
        assert progress.describe() == "during the cross-check (2 of 9 done); no partial output was written in place of the result"
        progress.stage("the claims ledger: [1/8] prop1-convexity")
        assert progress.describe().startswith("during the claims ledger: [1/8] prop1-convexity;")
    finally:
        progress.reset()
    assert progress.describe() == "before any work was done; nothing was written"


def test_the_reproduction_reports_each_chunk_of_trials_once_with_its_figure_and_panel():
    spec = FigureSpec("fig1", 1, 0.1, ("train_error", "test_error"), "tiny")
    settings = ReproductionSettings(d=6, ns=(3, 6, 12), trials=12, iterations=20, history_every=10, curve_points=3,
                                    figures=(spec,))  # fmt: skip
    seen = []
    run_reproduction(settings, progress=lambda stage, done=None, total=None: seen.append((stage, done, total)))
    # 12 trials run in chunks of 10: two calls per panel, three panels
    assert [done for _, done, _ in seen] == list(range(1, 7)) and {total for _, _, total in seen} == {6}
    assert [stage for stage, _, _ in seen] == ["fig1, n = 3"] * 2 + ["fig1, n = 6"] * 2 + ["fig1, n = 12"] * 2


# --- what the user sees: progress on a terminal's stderr, nothing in a pipe or a file --------------


def _shown(terminal: bool) -> str:
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, width=80)
    try:
        with progress.display("relurelax solve", console) as show:
            show("the RGD descent (n=5, d=3, m=1)")
            assert progress.describe().startswith("during the RGD descent (n=5, d=3, m=1);")
            show("the next stage", 2, 9)
    finally:
        progress.reset()
    return buffer.getvalue()


def test_progress_is_shown_live_on_a_terminal_and_not_at_all_elsewhere():
    assert "relurelax solve" in _shown(terminal=True)
    assert _shown(terminal=False) == ""


def test_every_command_shows_progress_through_the_one_display_of_progress_py():
    import inspect

    from relurelax.reports import (
        bench_command,
        crosscheck_command,
        report_command,
        solve_command,
        verify_command,
    )

    # the report's bar is progress.py's, and the other commands open progress.display
    assert report_command.progress_bar is progress.progress_bar is crosscheck_command.progress_bar
    for module in (solve_command, crosscheck_command, bench_command, verify_command):
        source = inspect.getsource(module)
        assert "run_progress.display(" in source, module.__name__
        assert "sys.stderr" not in source, module.__name__  # no progress lines printed past the display


def test_solve_crosscheck_bench_and_verify_write_nothing_to_a_stderr_that_is_not_a_terminal(capsys, monkeypatch):
    from relurelax.proofs import ledger
    from relurelax.reports.cli import main

    for argv in (["solve", "--planted", "--n", "6", "--d", "3", "--method", "rgd"],
                 ["crosscheck", "--n", "6", "--d", "4", "--trials", "1", "--solvers", "OSQP"],
                 ["bench", "--smoke"]):  # fmt: skip
        assert main(argv) == 0
        assert capsys.readouterr().err == "", argv
    # verify: the ledger of one claim, so that the check stays short; its progress reaches the display
    one = {"claims": (ledger.CLAIMS[0],)}
    monkeypatch.setattr(ledger, "build_ledger", lambda *a, _b=ledger.build_ledger, **k: _b(*a, **{**k, **one}))
    assert main(["verify", "--profile", "quick"]) == 0
    assert capsys.readouterr().err == ""


def test_a_forced_colour_terminal_setting_does_not_put_progress_on_a_stderr_that_is_a_pipe(capsys, monkeypatch):
    from relurelax.reports.cli import main

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich would call the captured stderr a terminal
    assert main(["solve", "--planted", "--n", "6", "--d", "3", "--method", "rgd"]) == 0
    assert capsys.readouterr().err == ""
