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
