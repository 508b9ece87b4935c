r"""The validation report: claims ledger, cross-check and reproduction of Figures 1-2, in one folder.

:func:`build_results` runs the three parts at a :class:`Profile` and returns
the results dictionary that becomes ``results.json``
(``settings, versions, claims, crosscheck, figures, paper_findings,
timings``); :func:`write_report` draws the figures and writes
``index.html``, ``report.md``, ``results.json`` and ``figures/*.png`` into a
temporary sibling folder that is renamed into place only when complete. An
existing report folder is replaced only with ``force``.

Same profile and seed give the same ``results.json`` apart from wall times,
which live in ``timings`` and in ``seconds`` fields only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from types import MappingProxyType
from typing import Callable

from relurelax.solvers import installed_backends
from relurelax.solvers._validation import check_positive_int
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.tolerances import DESCENT_GTOL

from .crosscheck import DEFAULT_DS, DEFAULT_MAX_ITER, DEFAULT_NS, run_crosscheck
from .figures import draw_figures
from .ledger_section import LEDGER_PROFILES, run_ledger_section
from .report_writers import dumps_results, render_html, render_markdown
from .reproduction import ReproductionSettings, choices, evaluate_findings, run_reproduction

__all__ = [
    "CrosscheckSettings",
    "Profile",
    "PROFILES",
    "RESULT_KEYS",
    "build_results",
    "write_report",
    "prepare_target",
    "versions",
    "report_command_line",
]

#: top-level keys of results.json, in order
RESULT_KEYS = ("settings", "versions", "claims", "crosscheck", "figures", "paper_findings", "timings")
#: packages whose versions the report records
_PACKAGES = ("relurelax", "numpy", "scipy", "cvxpy", "clarabel", "scs", "osqp", "sympy", "z3-solver",
             "hypothesis", "matplotlib", "rich")  # fmt: skip


@dataclass(frozen=True)
class CrosscheckSettings:
    """What the report cross-checks: every m, n, d with ``trials`` instances each (instance k: ``derived_seed(S, "crosscheck", k)``)."""

    ns: tuple[int, ...] = DEFAULT_NS
    ds: tuple[int, ...] = DEFAULT_DS
    ms: tuple[int, ...] = (1, 3)
    trials: int = 3
    max_iter: int = DEFAULT_MAX_ITER
    backends: tuple[str, ...] | None = None  # None: every installed backend


@dataclass(frozen=True)
class Profile:
    """A named size of the whole report."""

    name: str
    reproduction: ReproductionSettings
    crosscheck: CrosscheckSettings
    ledger: str  # the report profile whose ledger profile is used (LEDGER_PROFILES)


PROFILES = MappingProxyType(
    {
        "quick": Profile("quick", ReproductionSettings(trials=3), CrosscheckSettings(trials=1), "quick"),
        "default": Profile("default", ReproductionSettings(trials=20), CrosscheckSettings(trials=3), "default"),
        "full": Profile("full", ReproductionSettings(trials=100), CrosscheckSettings(trials=10), "full"),
    }
)


def versions() -> dict:
    """Versions of Python and of the packages the results depend on."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def report_command_line(profile: str, seed: int) -> str:
    return f"relurelax report --profile {profile} --seed {seed}"


class _Stages:
    """Progress of the report, for the progress bar and for an interruption message."""

    def __init__(self, progress: Callable[[str, int | None, int | None], None] | None):
        self.progress = progress
        self.done: list[str] = []
        self.current: str | None = None

    def start(self, stage: str):
        self.current = stage
        self.update(0, None)

    def update(self, done, total):
        if self.progress is not None:
            self.progress(self.current, done, total)

    def finish(self):
        self.done.append(self.current)
        self.current = None


def build_results(
    profile: Profile,
    seed: int = 0,
    *,
    progress: Callable[[str, int | None, int | None], None] | None = None,
    ledger: Callable | None = None,
    stages: _Stages | None = None,
) -> dict:
    r"""Run the ledger, the cross-check and the reproduction; return the results dictionary.

    ``progress(stage, done, total)`` is called as each part advances
    (``total`` may be None when a part does not say). ``ledger`` is the one
    call into the claims ledger (default :func:`.ledger_section.run_ledger_section`).
    """
    ledger = ledger or run_ledger_section
    seed = check_positive_int(seed, "seed", minimum=0)
    stages = stages or _Stages(progress)
    repro = dataclasses.replace(profile.reproduction, seed=seed)
    ccs = profile.crosscheck
    backends = ccs.backends or installed_backends()
    timings = {}

    stages.start("claims ledger")
    start = time.perf_counter()

    def ledger_progress(message: str) -> None:
        stages.update(None, None)  # the ledger reports its steps as text, not as counts

    claims = ledger(profile.ledger, seed, ledger_progress)
    timings["ledger"] = time.perf_counter() - start
    stages.finish()

    stages.start("cross-check")
    start = time.perf_counter()
    crosscheck = run_crosscheck(
        ccs.ns, ccs.ds, ccs.ms, trials=ccs.trials, backends=backends, seed=seed, max_iter=ccs.max_iter,
        progress=lambda done, total, label: stages.update(done, total),
    ).to_json()  # fmt: skip
    timings["crosscheck"] = time.perf_counter() - start
    stages.finish()

    stages.start("reproduction of Figures 1 and 2")
    start = time.perf_counter()
    figures = run_reproduction(repro, progress=stages.update)
    findings = evaluate_findings(figures)
    timings["reproduction"] = time.perf_counter() - start
    stages.finish()

    settings = {
        "profile": profile.name,
        "seed": seed,
        "command": report_command_line(profile.name, seed),
        "ledger_profile": LEDGER_PROFILES[profile.ledger],
        "crosscheck": {
            "ms": list(ccs.ms),
            "ns": list(ccs.ns),
            "ds": list(ccs.ds),
            "trials": ccs.trials,
            "seeds": f"instance k = 0 .. {ccs.trials - 1} of every (m, n, d) has seed derived_seed({seed}, "
            "'crosscheck', k) (child k of numpy.random.SeedSequence, relurelax.solvers.seeds); each instance "
            "lists its seed",
            "data": "planted_problem(n, d, m, seed): a_i ~ N(0, I_d) unscaled, x* and x_0 ~ N(0, I_d), no noise",
            "backends": list(backends),
            "descent": f"step auto = 1/(m ||A||_2^2) (invariant to the scale of A), stop at ||direction|| <= "
            f"{DESCENT_GTOL:g} ||A^T y|| or after {ccs.max_iter} iterations",
            "max_iter": ccs.max_iter,
        },
        "reproduction": {
            "d": repro.d,
            "ns": list(repro.ns),
            "trials": repro.trials,
            "iterations": repro.iterations,
            "history_every": repro.history_every,
            "n_test": repro.n_test,
            "scale": repro.scale,
            "curve_points": repro.curve_points,
            "seeds": list(repro.seeds),
            "choices": choices(repro),
        },
    }
    return {
        "settings": settings,
        "versions": versions(),
        "claims": claims,
        "crosscheck": crosscheck,
        "figures": figures,
        "paper_findings": findings,
        "timings": timings,
    }


def prepare_target(out: str, force: bool) -> str:
    """Check, before any computation, that the report folder ``out`` may be written.

    The parent folder is created if missing. An existing ``out`` is refused
    unless ``force``; a file in its place is always refused.
    """
    out = os.path.abspath(os.fspath(out))
    if os.path.exists(out) and not os.path.isdir(out):
        raise InvalidInputError(f"{out}: exists and is not a folder; give a folder path for the report")
    if os.path.exists(out) and not force:
        raise InvalidInputError(f"{out}: a report folder already exists; pass --force to replace it")
    parent = os.path.dirname(out)
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"{out}: cannot create the folder {parent} ({exc.strerror or exc})") from None
    if not os.access(parent, os.W_OK):
        raise InvalidInputError(f"{out}: the folder {parent} is not writable")
    return out


def write_report(results: dict, out: str, *, force: bool = False) -> str:
    """Draw the figures and write the report folder ``out`` atomically; returns its absolute path.

    Everything is written into a temporary sibling of ``out`` and renamed
    into place at the end; on any error (or an interruption) the temporary
    folder is removed and ``out`` is left as it was.
    """
    out = prepare_target(out, force)
    parent, base = os.path.split(out)
    tmp = tempfile.mkdtemp(prefix=f".{base}.", suffix=".tmp", dir=parent)
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; a report folder is as readable as any other
        start = time.perf_counter()
        images = draw_figures(results["figures"], tmp)
        results["timings"]["figures"] = time.perf_counter() - start
        results["timings"]["total"] = sum(v for k, v in results["timings"].items() if k != "total")
        text = dumps_results(results)
        saved = json.loads(text)  # the pages show what results.json holds (a NaN there is null, shown as "-")
        for name, text in (
            ("results.json", text),
            ("report.md", render_markdown(saved)),
            ("index.html", render_html(saved, images)),
        ):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        _swap_into_place(tmp, out, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap_into_place(tmp: str, out: str, force: bool) -> None:
    if not os.path.exists(out):
        os.rename(tmp, out)
        return
    if not force:
        raise InvalidInputError(f"{out}: a report folder appeared while the report was running; pass --force to replace it")
    old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old.", suffix=".tmp", dir=os.path.dirname(out))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
