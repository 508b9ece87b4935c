"""Reproduction of Figures 1 and 2: the trial runner, the panels and the rules behind the paper findings."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from relurelax.reports.reproduction import (
    FINDINGS,
    FigureSpec,
    ReproductionSettings,
    evaluate_findings,
    run_reproduction,
)
from relurelax.solvers import RGD, descend, planted_problem, spectral_norm_squared
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.tolerances import ZERO_TRAIN_ERROR


def test_the_papers_steps_are_stable_under_the_chosen_row_scaling():
    # f_r is ||A||^2-smooth, so a gradient step mu is stable when mu ||A||_2^2 < 2; the figure's
    # largest panel (n = 4d) with rows scaled by 1/sqrt(d) stays well inside
    s = ReproductionSettings()
    for seed in range(3):
        P = planted_problem(max(s.ns), s.d, 1, seed=seed, scale=s.scale)
        assert 0.1 * spectral_norm_squared(P.A) < 1.0
        unscaled = planted_problem(min(s.ns), s.d, 1, seed=seed)
        assert 0.1 * spectral_norm_squared(unscaled.A) > 2.0  # the paper's N(0, I) rows: mu = 0.1 is unstable


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"ns": (10, 20, 30)}, "n < d, n = d, n > d"),
        ({"ns": (50, 100)}, "n < d, n = d, n > d"),
        ({"trials": 0}, "trials"),
        ({"iterations": 105, "history_every": 10}, "multiple"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_reproduction_settings_are_rejected(kwargs, fragment):
    with pytest.raises(InvalidInputError, match=fragment):
        ReproductionSettings(**kwargs)


@pytest.fixture(scope="module")
def tiny_figures():
    settings = ReproductionSettings(d=12, ns=(6, 12, 48), trials=2, iterations=400, history_every=10, curve_points=11)
    return settings, run_reproduction(settings)


def test_each_figure_has_three_panels_with_curves_on_one_grid(tiny_figures):
    settings, figures = tiny_figures
    assert list(figures) == ["fig1", "fig2"]
    assert figures["fig1"]["m"] == 1 and figures["fig1"]["step"] == 0.1
    assert figures["fig2"]["m"] == 3 and figures["fig2"]["step"] == 0.08
    assert figures["fig2"]["metrics"] == ["train_error", "test_error"]
    for fig in figures.values():
        assert [p["label"] for p in fig["panels"]] == ["n < d", "n = d", "n > d"]
        for panel in fig["panels"]:
            assert panel["iterations"][0] == 0 and panel["iterations"][-1] == settings.iterations
            assert len(panel["iterations"]) == settings.curve_points
            for method in ("gd", "rgd"):
                for metric in fig["metrics"]:
                    c = panel["curves"][method][metric]
                    assert len(c["median"]) == len(c["q25"]) == len(c["q75"]) == len(panel["iterations"])
                    assert all(lo <= mid <= hi for lo, mid, hi in zip(c["q25"], c["median"], c["q75"]))
                s = panel["summary"][method]
                assert s["trials"] == settings.trials
                assert s["reached_zero"] == sum(v <= ZERO_TRAIN_ERROR for v in s["final"]["train_error"])


def test_a_step_that_diverges_is_counted_as_stopped_early_and_never_reaches_zero():
    spec = FigureSpec("fig1", 1, 50.0, ("train_error", "test_error", "recovery_distance"), "too large a step")
    settings = ReproductionSettings(d=8, ns=(4, 8, 32), trials=2, iterations=200, history_every=10,
                                    curve_points=5, figures=(spec,))  # fmt: skip
    figures = run_reproduction(settings)
    panel = figures["fig1"]["panels"][2]
    for method in ("gd", "rgd"):
        s = panel["summary"][method]
        assert s["stopped_early"] == 2 and s["reached_zero"] == 0
    assert panel["step_times_norm_squared"]["median"] > 2  # the stability bound is violated, as recorded


def test_iterations_to_zero_are_the_first_record_at_or_below_the_threshold(tiny_figures):
    settings, figures = tiny_figures
    panel = figures["fig1"]["panels"][0]  # n < d: RGD reaches zero quickly
    s = panel["summary"]["rgd"]
    for seed, hit in zip(panel["seeds"], s["iterations_to_zero"]):
        P = planted_problem(panel["n"], panel["d"], 1, seed=seed, scale=settings.scale)
        r = descend(P.A, P.y, P.X0, RGD, step=0.1, max_iter=settings.iterations, history_every=settings.history_every,
                    gtol=0.0)  # fmt: skip
        first = [int(t) for t, e in zip(r.history.iterations, r.history.train_error) if e <= ZERO_TRAIN_ERROR]
        assert hit == (first[0] if first else None)


def test_findings_come_in_the_listed_order_with_a_verdict_and_evidence(tiny_figures):
    _, figures = tiny_figures
    findings = evaluate_findings(figures)
    assert [f["finding"] for f in findings] == [text for _, text in FINDINGS]
    for f in findings:
        assert set(f) == {"finding", "reproduced", "evidence"}
        assert isinstance(f["reproduced"], bool) and f["evidence"]


# --- the decision rules, on hand-made summaries --------------------------------


def _summary(trials, train, test, recovery=None, hits=None):
    final = {"train_error": train, "test_error": test}
    if recovery is not None:
        final["recovery_distance"] = recovery
    med = {k: float(np.median(v)) for k, v in final.items()}
    hits = hits if hits is not None else [10 if t <= ZERO_TRAIN_ERROR else None for t in train]
    ranked = sorted(math.inf if h is None else h for h in hits)
    middle = float(np.median(ranked))
    return {
        "trials": trials,
        "reached_zero": sum(t <= ZERO_TRAIN_ERROR for t in train),
        "iterations_to_zero": hits,
        "median_iterations_to_zero": middle if math.isfinite(middle) else None,
        "final": final,
        "median_final": med,
        "stopped_early": 0,
    }


def _panel(n, m, gd, rgd, inactive):
    return {"label": "", "n": n, "d": 100, "m": m, "history_every": 10, "all_inactive_fraction_at_init": inactive,
            "summary": {"gd": gd, "rgd": rgd}}  # fmt: skip


def _paperlike():
    z, big = 1e-15, 0.5
    fig1 = [
        _panel(50, 1, _summary(4, [big] * 4, [1.0] * 4, [12.0] * 4), _summary(4, [z] * 4, [0.9] * 4, [11.0] * 4), 0.5),
        _panel(100, 1, _summary(4, [big] * 4, [1.0] * 4, [12.0] * 4), _summary(4, [z] * 4, [0.8] * 4, [9.0] * 4), 0.5),
        _panel(400, 1, _summary(4, [z] * 4, [z] * 4, [z] * 4, hits=[600, 580, 620, 600]),
               _summary(4, [z] * 4, [z] * 4, [z] * 4, hits=[540, 560, 560, 550]), 0.5),
    ]  # fmt: skip
    fig2 = [
        _panel(50, 3, _summary(4, [0.2] * 4, [0.8] * 4), _summary(4, [z] * 4, [0.7] * 4), 0.125),
        _panel(100, 3, _summary(4, [0.1] * 4, [0.7] * 4), _summary(4, [z] * 4, [0.6] * 4), 0.125),
        _panel(400, 3, _summary(4, [0.09] * 4, [0.4] * 4), _summary(4, [z] * 4, [0.3] * 4), 0.125),
    ]
    return {
        "fig1": {"m": 1, "metrics": ["train_error", "test_error", "recovery_distance"], "panels": fig1},
        "fig2": {"m": 3, "metrics": ["train_error", "test_error"], "panels": fig2},
    }


def test_data_that_behave_as_the_paper_says_reproduce_every_finding():
    findings = evaluate_findings(_paperlike())
    assert [f["reproduced"] for f in findings] == [True] * len(FINDINGS)
    assert "m = 1, n = 50: 4/4" in findings[0]["evidence"]
    assert "median iterations to zero RGD 555 vs GD 600" in findings[3]["evidence"]


def _set_final(summary, metric, values):
    summary["final"][metric] = values
    summary["median_final"][metric] = float(np.median(values))


def test_each_finding_fails_when_its_own_evidence_contradicts_it():
    figs = _paperlike()
    # 1: one RGD trial of four stuck at m = 3, n = d
    s = figs["fig2"]["panels"][1]["summary"]["rgd"]
    s["reached_zero"] = 3
    assert [f["reproduced"] for f in evaluate_findings(figs)][0] is False

    figs = _paperlike()
    # 2: GD reaches zero in most trials at m = 3, n = 50
    s = figs["fig2"]["panels"][0]["summary"]["gd"]
    s["reached_zero"] = 3
    assert [f["reproduced"] for f in evaluate_findings(figs)][1] is False

    figs = _paperlike()
    # 3: RGD's recovery error is not lower at n = d
    _set_final(figs["fig1"]["panels"][1]["summary"]["rgd"], "recovery_distance", [13.0] * 4)
    assert [f["reproduced"] for f in evaluate_findings(figs)][2] is False

    figs = _paperlike()
    # 4: RGD is slower for n > d
    figs["fig1"]["panels"][2]["summary"]["rgd"]["median_iterations_to_zero"] = 700
    assert [f["reproduced"] for f in evaluate_findings(figs)][3] is False

    figs = _paperlike()
    # 5: the gap at m = 3 exceeds the gap at m = 1 for n = 100
    _set_final(figs["fig2"]["panels"][1]["summary"]["gd"], "train_error", [0.9] * 4)
    assert [f["reproduced"] for f in evaluate_findings(figs)][4] is False

    figs = _paperlike()
    # 6: with three neurons and n > d, RGD stalls where GD does (what this toolkit measures)
    stalled = figs["fig2"]["panels"][2]["summary"]["rgd"]
    stalled["reached_zero"] = 0
    _set_final(stalled, "train_error", [0.09] * 4)
    _set_final(stalled, "test_error", [0.4] * 4)
    f6 = evaluate_findings(figs)[5]
    assert f6["reproduced"] is False and "RGD reached zero in 0/4" in f6["evidence"]


def test_a_finding_whose_panels_were_not_run_is_not_reproduced():
    findings = evaluate_findings({"fig2": _paperlike()["fig2"]})  # no one-neuron figure
    assert findings[3]["reproduced"] is False and "No n > d panel with m = 1 was run" in findings[3]["evidence"]
    assert [f["reproduced"] for f in evaluate_findings({})] == [False] * len(FINDINGS)
    assert "No n <= d panel was run" in evaluate_findings({})[0]["evidence"]


def test_a_panel_where_no_run_reaches_zero_has_no_median_iterations():
    s = _summary(3, [0.1, 0.1, 1e-12], [0.5] * 3, hits=[None, None, 30])
    assert s["median_iterations_to_zero"] is None
    figs = _paperlike()
    figs["fig1"]["panels"][2]["summary"]["gd"] = copy.deepcopy(s)
    f4 = evaluate_findings(figs)[3]
    assert f4["reproduced"] is False and "GD 1/3" in f4["evidence"]
