r"""Reproduction of the paper's Figures 1 and 2 (Section III) and the table of paper findings.

Figure 1: one neuron (model (4)), GD (update (2)) against RGD (update (5)) at
the paper's step :math:`\mu = 0.1`; training, test and recovery error
against iterations, panels n < d, n = d, n > d. Figure 2: three neurons
(model (8)), GD on :math:`f_m` (9) against RGD (update (17), direction (13))
at :math:`\mu = 0.08`; training and test error, the same panels. Every trial
is a planted instance with Gaussian rows, planted point and initial point
and 100 noiseless test rows, as in Section III; every trial runs through
:func:`relurelax.solvers.batched.run_trials`, the batched engine (equal to one
:func:`~relurelax.solvers.descend` call per trial within 1e-10 relative, with the
same stop reasons and iteration counts on the tested seeds).

The paper gives no d, n, iteration count or data scaling: the choices made
here, and why, are returned by :func:`choices` and printed in every report.
The findings of Section III are then checked one by one
(:func:`evaluate_findings`) from the numbers of the reproduction alone, each
with its evidence and ``reproduced: true/false``. A finding that does not
reproduce is a result, reported as such.

Errors are as in :class:`relurelax.solvers.History`: training and test
errors relative, :math:`\|\sum_j g(Ax_j) - y\| / \|y\|`; the recovery error
is the paper's Euclidean distance :math:`\|x - x^*\|_2`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from relurelax.solvers import all_inactive_mask, planted_problem, spectral_norm_squared
from relurelax.solvers.validation import check_positive_int
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.seeds import derived_seed
from relurelax.solvers.tolerances import ZERO_TRAIN_ERROR

from relurelax.solvers import StopReason
from relurelax.solvers.batched import run_trials

from .formatting import count, number
from .progress import Progress

__all__ = [
    "FigureSpec",
    "FIGURES",
    "ReproductionSettings",
    "REACHES_ZERO_FRACTION",
    "FAILS_FRACTION",
    "choices",
    "run_reproduction",
    "evaluate_findings",
    "FINDINGS",
]

#: a method "reaches zero training error" on a panel when at least this fraction of its
#: trials ends at relative training error <= ZERO_TRAIN_ERROR
REACHES_ZERO_FRACTION = 0.9
#: a method "does not reach zero" on a panel when fewer than this fraction of its trials do
FAILS_FRACTION = 0.5
#: the namespace of the reproduction's trial seeds (see :func:`relurelax.solvers.seeds.derived_seed`)
SEED_NAMESPACE = "reproduction"
#: trials per call of run_trials, so that progress advances between calls
_CHUNK = 10

METRIC_LABELS = {
    "train_error": "training error",
    "test_error": "test error",
    "recovery_distance": "recovery error",
}


@dataclass(frozen=True)
class FigureSpec:
    """One of the paper's figures: neurons, the paper's step and the plotted errors."""

    key: str
    m: int
    step: float
    metrics: tuple[str, ...]
    caption: str


FIGURES = (
    FigureSpec(
        "fig1", 1, 0.1, ("train_error", "test_error", "recovery_distance"),
        "Figure 1 (m = 1, mu = 0.1): training, test and recovery error of GD (2) and RGD (5)",
    ),
    FigureSpec(
        "fig2", 3, 0.08, ("train_error", "test_error"),
        "Figure 2 (m = 3, mu = 0.08): training and test error of GD on f_m (9) and RGD (17)",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ReproductionSettings:
    r"""Sizes and budgets of the reproduction (see :func:`choices` for why).

    ``ns`` are the panels' sample counts, one below, one equal to and one
    above ``d``. Trial ``k`` of every panel uses the seed
    ``derived_seed(seed, "reproduction", k)`` (:mod:`relurelax.solvers.seeds`),
    for any ``seed`` >= 0.
    Rows of the data are scaled by :math:`1/\sqrt{d}`.
    """

    d: int = 100
    ns: tuple[int, int, int] = (50, 100, 400)
    trials: int = 20
    iterations: int = 10_000
    history_every: int = 10
    n_test: int = 100
    curve_points: int = 201
    seed: int = 0
    figures: tuple[FigureSpec, ...] = field(default=FIGURES)

    def __post_init__(self) -> None:
        ns = tuple(int(n) for n in self.ns)
        if len(ns) != 3 or not (ns[0] < self.d == ns[1] < ns[2]):
            raise InvalidInputError(
                f"ns must be three sample counts n < d, n = d, n > d for d = {self.d}; got {self.ns!r}"
            )
        if not 1 <= self.trials <= 1000:
            raise InvalidInputError(f"trials must be between 1 and 1000; got {self.trials}")
        if self.iterations < 1 or self.history_every < 1 or self.iterations % self.history_every:
            raise InvalidInputError(
                f"iterations ({self.iterations}) must be a positive multiple of history_every ({self.history_every})"
            )
        if self.curve_points < 2:
            raise InvalidInputError(f"curve_points must be >= 2; got {self.curve_points}")
        object.__setattr__(self, "seed", check_positive_int(self.seed, "seed", minimum=0))
        object.__setattr__(self, "ns", ns)

    @property
    def scale(self) -> float:
        return 1.0 / math.sqrt(self.d)

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(derived_seed(self.seed, SEED_NAMESPACE, k) for k in range(self.trials))


def _panel_label(n: int, d: int) -> str:
    return "n < d" if n < d else ("n = d" if n == d else "n > d")


def choices(settings: ReproductionSettings) -> list[dict]:
    """Every choice the paper leaves open, with its value and the reason for it."""
    d, (n_lo, _, n_hi) = settings.d, settings.ns
    return [
        {
            "name": "d",
            "value": d,
            "why": "The paper gives no dimension. d = 100 is also the cross-check's default, and a "
            "10000-iteration trial then takes well under a second.",
        },
        {
            "name": "n (panels n < d, n = d, n > d)",
            "value": list(settings.ns),
            "why": f"n = {n_lo} (d/2), n = d, and n = {n_hi}. The paper explains panel (c) by 'enough nonzero "
            "observations': about half the labels of model (4) are nonzero, so the active rows determine x* "
            "only once n/2 clearly exceeds d. At n = 2d the active rows form a nearly square Gaussian "
            "system, so badly conditioned that neither method gets near zero in 10^4 iterations; n = 4d "
            "is past that threshold. The same n are used for both figures so that the gap between the "
            "methods can be compared across m.",
        },
        {
            "name": "data scaling",
            "value": f"a_i ~ N(0, I_d / d) (rows scaled by 1/sqrt(d) = {settings.scale:.6g})",
            "why": "With the paper's unscaled a_i ~ N(0, I_d), ||A||_2^2 ~ (sqrt(n) + sqrt(d))^2 (about 290 to 900 "
            "here) and mu = 0.1 diverges (a gradient step on f_r is stable only for mu ||A||_2^2 < 2). "
            "Scaling rows by 1/sqrt(d) keeps every pre-activation a_i^T x* of unit variance and "
            "||A||_2^2 ~ (1 + sqrt(n/d))^2 <= 9, so the paper's steps are stable; the per-panel value of "
            "mu ||A||_2^2 is recorded with each panel.",
        },
        {
            "name": "step mu",
            "value": {spec.key: spec.step for spec in settings.figures},
            "why": "The paper's values, for both methods. relurelax halves every objective, so updates (2) "
            "and (5) are exactly gradient steps of size mu; for m = 3 both methods take step mu on "
            "relurelax's directions (the gradient of f_m for GD, (13)/2 for RGD). Reading (17) literally, "
            "with the factor 2 of (13), would give RGD alone the step 2 mu and an unequal comparison.",
        },
        {
            "name": "iterations",
            "value": settings.iterations,
            "why": "The paper does not say. RGD at n = d, m = 1 needs a few thousand iterations at mu = 0.1 "
            "to reach a relative training error of 1e-8; the budget leaves room for the slowest trials. "
            "Errors are recorded every history_every iterations and every method runs the whole budget "
            "(no early stop), so all trials share one iteration grid.",
        },
        {"name": "history_every", "value": settings.history_every,
         "why": "Resolution of the curves and of 'iterations to zero training error'."},  # fmt: skip
        {
            "name": "trials per panel",
            "value": settings.trials,
            "why": "Curves are medians over the trials with interquartile bands (25th to 75th percentile); "
            f"trial k uses the seed derived_seed({settings.seed}, '{SEED_NAMESPACE}', k) (child k of "
            "numpy.random.SeedSequence, relurelax.solvers.seeds) for its data, planted point, initial point "
            "and test set; the panels list these seeds, and relurelax solve --planted --seed SEED redraws an "
            "instance (with the panel's n, d, m and --scale 1/sqrt(d)).",
        },
        {
            "name": "initialisation and planted point",
            "value": "x_0 ~ N(0, I_d), x* ~ N(0, I_d), independent (one column per neuron)",
            "why": "As in Section III; the same initial point is used by GD and RGD in each trial.",
        },
        {"name": "test set", "value": f"{settings.n_test} noiseless rows from the training distribution",
         "why": "Section III: 100 test samples."},  # fmt: skip
        {
            "name": "errors",
            "value": "training and test: ||sum_j g(A x_j) - y|| / ||y||; recovery: ||x - x*||_2",
            "why": "The paper does not define its training and test errors; relative errors make panels "
            "comparable. The recovery error is the paper's Euclidean distance.",
        },
        {
            "name": "zero training error",
            "value": ZERO_TRAIN_ERROR,
            "why": "A run has reached zero training error when its relative training error is at or below this "
            "(relurelax.solvers.tolerances.ZERO_TRAIN_ERROR).",
        },
        {
            "name": "decision rules",
            "value": {"reaches zero": f">= {REACHES_ZERO_FRACTION:.0%} of trials",
                      "does not reach zero": f"< {FAILS_FRACTION:.0%} of trials", "lower, faster": "median over trials"},
            "why": "A finding about what a method does is read on the typical trial (fractions and medians), "
            "and the paired per-trial counts are given as evidence.",
        },  # fmt: skip
    ]


# --- running the panels ------------------------------------------------------


def _stack(batches):
    """Concatenate chunked TrialBatch results along the trial axis."""
    out = {
        name: {
            f: np.vstack([np.asarray(getattr(b[name], f)) for b in batches])
            for f in ("train_error", "test_error", "recovery_distance")
        }
        for name in ("gd", "rgd")
    }
    for name in ("gd", "rgd"):
        out[name]["stop_reasons"] = [r for b in batches for r in b[name].stop_reasons]
    return np.asarray(batches[0]["gd"].iterations), out


def _round(values) -> list:
    """Curve values at 6 significant digits (plot data; summaries keep full precision)."""
    return [None if not math.isfinite(v) else float(f"{v:.6g}") for v in np.asarray(values, dtype=float)]


def _quantiles(arr: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (m > 1 recovery) stay NaN
        return np.nanpercentile(arr, [25, 50, 75], axis=0)


def _median(values) -> float | None:
    arr = np.asarray([math.inf if v is None else v for v in values], dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return None
    med = float(np.median(arr))
    return med if math.isfinite(med) else None


def _panel(spec: FigureSpec, n: int, settings: ReproductionSettings, advance: Callable[[], None]) -> dict:
    d = settings.d
    seeds = settings.seeds
    batches = []
    for start in range(0, len(seeds), _CHUNK):
        batches.append(
            run_trials(
                n, d, spec.m, seeds[start : start + _CHUNK], methods=("gd", "rgd"), step=spec.step,
                max_iter=settings.iterations, history_every=settings.history_every,
                scale=settings.scale, n_test=settings.n_test, gtol=0.0,
            )  # fmt: skip
        )
        advance()
    iterations, runs = _stack(batches)
    step = spec.step

    # diagnostics of the instances themselves (cheap to redraw: same seeds, same draws)
    inactive, curvature = [], []
    for seed in seeds:
        P = planted_problem(n, d, spec.m, seed=seed, scale=settings.scale, n_test=settings.n_test)
        inactive.append(float(np.mean(all_inactive_mask(P.A @ P.X0))))
        curvature.append(step * spectral_norm_squared(P.A))

    keep = np.unique(np.linspace(0, iterations.size - 1, settings.curve_points).round().astype(int))
    curves, summary = {}, {}
    for name in ("gd", "rgd"):
        run = runs[name]
        curves[name] = {}
        for metric in spec.metrics:
            q25, q50, q75 = _quantiles(run[metric][:, keep])
            curves[name][metric] = {"median": _round(q50), "q25": _round(q25), "q75": _round(q75)}
        train = run["train_error"]
        reached = train <= ZERO_TRAIN_ERROR
        hit = [int(iterations[np.argmax(row)]) if row.any() else None for row in reached]
        final = {metric: [float(v) for v in run[metric][:, -1]] for metric in spec.metrics}
        summary[name] = {
            "trials": len(seeds),
            "reached_zero": int(sum(h is not None for h in hit)),
            "iterations_to_zero": hit,
            "median_iterations_to_zero": _median(hit),
            "final": final,
            "median_final": {metric: _median(values) for metric, values in final.items()},
            # diverged or unbounded before the budget; its last values are carried to the grid's end
            "stopped_early": sum(r in (StopReason.DIVERGED, StopReason.UNBOUNDED) for r in run["stop_reasons"]),
        }
    return {
        "label": _panel_label(n, d),
        "n": n,
        "d": d,
        "m": spec.m,
        "step": step,
        "history_every": settings.history_every,
        "seeds": list(seeds),
        "step_times_norm_squared": {"median": _median(curvature), "max": max(curvature)},
        "all_inactive_fraction_at_init": float(np.mean(inactive)),
        "iterations": [int(i) for i in iterations[keep]],
        "curves": curves,
        "summary": summary,
    }


def run_reproduction(settings: ReproductionSettings, *, progress: Progress | None = None) -> dict:
    r"""Run both figures; returns the ``figures`` section of ``results.json``.

    ``figures[key]`` holds ``m``, ``step``, ``metrics``, ``caption`` and
    ``panels`` (one per n, each with the curve grid ``iterations``, the
    median and interquartile ``curves`` per method and metric, and a
    ``summary`` per method with per-trial final errors and iterations to
    zero training error). ``progress`` (:class:`~.progress.Progress`) is
    called as each chunk of trials finishes, with the figure and panel.
    """
    chunks = -(-settings.trials // _CHUNK)
    total = len(settings.figures) * len(settings.ns) * chunks
    done = 0

    def advance(spec: FigureSpec, n: int) -> Callable[[], None]:
        def step() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(f"{spec.key}, n = {n}", done, total)

        return step

    figures = {}
    for spec in settings.figures:
        figures[spec.key] = {
            "caption": spec.caption,
            "m": spec.m,
            "step": spec.step,
            "metrics": list(spec.metrics),
            "file": f"figures/{spec.key}.png",
            "panels": [_panel(spec, n, settings, advance(spec, n)) for n in settings.ns],
        }
    return figures


# --- the findings of Section III --------------------------------------------

#: the findings of Section III that the report checks, in the order the report lists them
FINDINGS = (
    ("rgd-zero", "RGD reaches zero training error when n <= d (m = 1 and m = 3)"),
    ("gd-not-zero", "GD does not reach zero training error when n <= d (m = 1 and m = 3)"),
    ("rgd-lower-errors", "RGD's recovery and test errors are lower than GD's (n <= d)"),
    ("n-gt-d", "For n > d both reach zero training error and RGD converges faster (iterations to zero, m = 1)"),
    ("gap-shrinks", "The gap between RGD and GD shrinks as m grows (m = 1 vs m = 3, n <= d)"),
    ("multi-n-gt-d", "With several neurons RGD reaches zero training error and a lower test error in every case, "
                     "n > d included (Section III on Fig. 2)"),
)


def _num(value) -> str:
    """A number in a finding's evidence (``n/a`` when there is none)."""
    return number(value, missing="n/a")


def _where(fig: dict, panel: dict) -> str:
    return f"m = {fig['m']}, n = {panel['n']}"


def _low_panels(figures: dict):
    """The panels with n <= d, with their figure."""
    for fig in figures.values():
        for panel in fig["panels"]:
            if panel["n"] <= panel["d"]:
                yield fig, panel


def _high_panels(figures: dict, *, several_neurons: bool):
    """The panels with n > d of the figures with m > 1 (``several_neurons``) or m = 1, with their figure."""
    for fig in figures.values():
        if (fig["m"] > 1) != several_neurons:
            continue
        for panel in fig["panels"]:
            if panel["n"] > panel["d"]:
                yield fig, panel


def _reaches_zero(summary: dict) -> bool:
    return summary["reached_zero"] >= REACHES_ZERO_FRACTION * summary["trials"]


def _lower(a, b) -> bool:
    return a is not None and b is not None and a < b


_ZERO = f"relative training error <= {ZERO_TRAIN_ERROR:g}"
_NO_LOW_PANEL = "No n <= d panel was run."


def _judge_panels(pairs, judge, *, none: str, before: str = "", after: str = ".") -> tuple[bool, str]:
    r"""A finding judged panel by panel: ``judge(fig, panel) -> (holds, evidence lines)`` on every (figure, panel) pair.

    Returns whether it holds on every panel, and the evidence of all of them
    joined by ``; `` between ``before`` and ``after``; ``(False, none)`` when
    there is no panel to judge.
    """
    holds, evidence = True, []
    for fig, panel in pairs:
        ok, lines = judge(fig, panel)
        holds &= ok
        evidence += lines
    if not evidence:
        return False, none
    return holds, before + "; ".join(evidence) + after


def _rgd_zero(figures: dict) -> tuple[bool, str]:
    """Finding 1: RGD reaches zero training error on every n <= d panel."""

    def judge(fig, panel):
        s = panel["summary"]["rgd"]
        return _reaches_zero(s), [f"{_where(fig, panel)}: {s['reached_zero']}/{s['trials']}"]

    beyond = [
        f"m = {fig['m']}, n = {panel['n']}: RGD {panel['summary']['rgd']['reached_zero']}/{panel['summary']['rgd']['trials']}, "
        f"GD {panel['summary']['gd']['reached_zero']}/{panel['summary']['gd']['trials']}"
        for fig, panel in _high_panels(figures, several_neurons=True)
    ]  # fmt: skip
    note = (
        " Outside this finding, for n > d with several neurons (the paper's Fig. 2 text says RGD reaches zero "
        "training error 'for each case'): " + "; ".join(beyond) + "."
        if beyond
        else ""
    )
    return _judge_panels(_low_panels(figures), judge, none=_NO_LOW_PANEL, before=f"RGD trials ending at {_ZERO}: ",
                         after=f" (rule: >= {REACHES_ZERO_FRACTION:.0%})." + note)  # fmt: skip


def _gd_not_zero(figures: dict) -> tuple[bool, str]:
    """Finding 2: GD does not reach zero training error on any n <= d panel."""

    def judge(fig, panel):
        s = panel["summary"]["gd"]
        med = s["median_final"]["train_error"]
        ok = s["reached_zero"] < FAILS_FRACTION * s["trials"] and med is not None and med > ZERO_TRAIN_ERROR
        return ok, [f"{_where(fig, panel)}: {s['reached_zero']}/{s['trials']}, median final training error {_num(med)}"]

    return _judge_panels(_low_panels(figures), judge, none=_NO_LOW_PANEL, before=f"GD trials ending at {_ZERO}: ",
                         after=f" (rule: < {FAILS_FRACTION:.0%} and a median above zero).")  # fmt: skip


def _rgd_lower_errors(figures: dict) -> tuple[bool, str]:
    """Finding 3: RGD's median final recovery and test errors are below GD's on every n <= d panel."""

    def judge(fig, panel):
        gd, rgd = panel["summary"]["gd"], panel["summary"]["rgd"]
        ok, lines = True, []
        for metric in ("recovery_distance", "test_error"):
            if metric not in fig["metrics"]:
                continue
            a, b = rgd["median_final"][metric], gd["median_final"][metric]
            wins = sum(r < g for r, g in zip(rgd["final"][metric], gd["final"][metric]))
            ok &= _lower(a, b)
            lines.append(f"{_where(fig, panel)}, {METRIC_LABELS[metric]}: RGD {_num(a)} vs GD {_num(b)} "
                         f"(RGD lower in {wins}/{rgd['trials']} trials)")  # fmt: skip
        return ok, lines

    return _judge_panels(_low_panels(figures), judge, none=_NO_LOW_PANEL, before="Median final errors: ")


def _n_gt_d(figures: dict) -> tuple[bool, str]:
    """Finding 4: for n > d and one neuron both reach zero and RGD needs fewer iterations (medians)."""

    def judge(fig, panel):
        gd, rgd = panel["summary"]["gd"], panel["summary"]["rgd"]
        a, b = rgd["median_iterations_to_zero"], gd["median_iterations_to_zero"]
        pairs = [(r, g) for r, g in zip(rgd["iterations_to_zero"], gd["iterations_to_zero"]) if r is not None]
        wins = sum(g is None or r < g for r, g in pairs)
        ties = sum(g is not None and r == g for r, g in pairs)
        return _reaches_zero(gd) and _reaches_zero(rgd) and _lower(a, b), [
            f"{_where(fig, panel)}: reached zero RGD {rgd['reached_zero']}/{rgd['trials']}, "
            f"GD {gd['reached_zero']}/{gd['trials']}; median iterations to zero RGD {count(a)} vs GD {count(b)} "
            f"(RGD first in {wins}, tied in {ties} of {rgd['trials']} trials; resolution "
            f"{panel['history_every']} iterations); median final test error RGD "
            f"{_num(rgd['median_final']['test_error'])}, GD {_num(gd['median_final']['test_error'])}"
        ]

    return _judge_panels(_high_panels(figures, several_neurons=False), judge, none="No n > d panel with m = 1 was run.")


def _training_gap(panel: dict):
    """GD's median final training error minus RGD's on a panel (None when either is missing)."""
    g, r = (panel["summary"][method]["median_final"]["train_error"] for method in ("gd", "rgd"))
    return None if g is None or r is None else g - r


def _gap_shrinks(figures: dict) -> tuple[bool, str]:
    """Finding 5: on every n <= d panel run at several m, the GD-RGD gap falls as m grows."""
    by_n: dict[int, dict[int, dict]] = {}
    for fig, panel in _low_panels(figures):
        by_n.setdefault(panel["n"], {})[fig["m"]] = panel
    ok, ev = bool(by_n), []
    for n, panels in sorted(by_n.items()):
        ms = sorted(panels)
        if len(ms) < 2:
            continue
        gaps = {m: _training_gap(panels[m]) for m in ms}
        for lo, hi in zip(ms, ms[1:]):
            ok &= _lower(gaps[hi], gaps[lo])
        ev.append(
            f"n = {n}: GD minus RGD median final training error "
            + ", ".join(f"{_num(gaps[m])} (m = {m})" for m in ms)
            + "; share of samples with every neuron inactive at x_0, the rows that RGD's extra term acts on: "
            + ", ".join(f"{panels[m]['all_inactive_fraction_at_init']:.3g} (m = {m})" for m in ms)
        )
    if not ev:
        return False, "Needs the same n <= d panel at two values of m."
    return ok, "; ".join(ev) + "."


def _multi_n_gt_d(figures: dict) -> tuple[bool, str]:
    """Finding 6: with several neurons and n > d, RGD reaches zero and its median test error is below GD's."""

    def judge(fig, panel):
        gd, rgd = panel["summary"]["gd"], panel["summary"]["rgd"]
        a, b = rgd["median_final"]["test_error"], gd["median_final"]["test_error"]
        return _reaches_zero(rgd) and _lower(a, b), [
            f"{_where(fig, panel)}: RGD reached zero in {rgd['reached_zero']}/{rgd['trials']} "
            f"(median final training error {_num(rgd['median_final']['train_error'])}, GD "
            f"{_num(gd['median_final']['train_error'])}); median final test error RGD {_num(a)} vs GD {_num(b)}"
        ]

    return _judge_panels(_high_panels(figures, several_neurons=True), judge, none="No n > d panel with m > 1 was run.")


#: the rule behind each finding of :data:`FINDINGS`: ``figures -> (reproduced, evidence)``
_RULES = {
    "rgd-zero": _rgd_zero,
    "gd-not-zero": _gd_not_zero,
    "rgd-lower-errors": _rgd_lower_errors,
    "n-gt-d": _n_gt_d,
    "gap-shrinks": _gap_shrinks,
    "multi-n-gt-d": _multi_n_gt_d,
}


def evaluate_findings(figures: dict) -> list[dict]:
    r"""Check each finding of :data:`FINDINGS` on the ``figures`` section of the results.

    Returns ``[{"finding", "reproduced", "evidence"}]`` in the order of
    :data:`FINDINGS`; every number in the evidence is read from ``figures``.
    A finding whose panels were not run is not reproduced.
    """
    out = []
    for key, text in FINDINGS:
        ok, evidence = _RULES[key](figures)
        out.append({"finding": text, "reproduced": bool(ok), "evidence": evidence})
    return out
