r"""The validation report: claims ledger, cross-check and reproduction of Figures 1-2, in one folder.

Three layers. Computing: :func:`build_results` runs the three parts at a
:class:`Profile` and returns the results dictionary that becomes
``results.json`` (``schema, settings, versions, claims, crosscheck, figures,
paper_findings, timings``), with every verdict decided there: the ledger's
``claims.ok``, the cross-check's ``crosscheck.agree`` and each finding's
``reproduced``. Serialising: :func:`relurelax.reports._io.dumps_json`, the
one encoder, with the schema ``relurelax.report/4``
(``reports/schemas/report.schema.json``). Rendering: the pages
(:mod:`.report_writers`) and the figures (:mod:`.figures`) are drawn from the
serialised results alone. :func:`write_report` draws the figures and writes
``index.html``, ``report.md``, ``results.json`` and ``figures/*.png`` into a
temporary sibling folder that carries relurelax's marker file
``.relurelax-report`` from its first moment and is renamed into place only
when complete. An existing folder is replaced only when it is empty, or is a
relurelax report (the marker, and nothing else but what relurelax writes)
and ``force`` is given; anything else is refused (:func:`prepare_target`).

Same profile and seed give the same ``results.json`` apart from wall times,
which live in ``timings`` and in ``seconds`` fields only.
"""

from __future__ import annotations

import dataclasses
import enum
import errno
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable

from relurelax.solvers import installed_backends
from relurelax.solvers.validation import check_positive_int
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.provenance import versions as package_versions
from relurelax.solvers.tolerances import DESCENT_GTOL

from ._io import dumps_json, remove_dead_siblings, schema_for, starts_with_line, temp_sibling_name
from .crosscheck import DEFAULT_DS, DEFAULT_MAX_ITER, DEFAULT_NS, run_crosscheck
from .errors import committing
from .figures import draw_figures
from .ledger_section import run_ledger_section
from .progress import Progress, Stages
from .relaxation_gap import GAP_PROFILES, GapSettings, gap_finding, run_relaxation_gap
from .report_writers import render_html, render_markdown
from .reproduction import ReproductionSettings, choices, evaluate_findings, run_reproduction

__all__ = [
    "CrosscheckSettings",
    "Profile",
    "PROFILES",
    "RESULT_KEYS",
    "RESULTS_SCHEMA",
    "build_results",
    "write_report",
    "prepare_target",
    "classify_folder",
    "FolderKind",
    "FolderContents",
    "REPORT_MARKER",
    "REPORT_FILES",
    "remove_report_leftovers",
    "versions",
    "report_command_line",
    "load_sweep_section",
    "SWEEP_FIGURE_PREFIX",
]

#: the schema of results.json: its first key, and the ``$id`` of ``reports/schemas/report.schema.json``
RESULTS_SCHEMA = schema_for("report")
#: top-level keys of results.json, in order (``sweep``, before ``timings``, only in a report made with ``--sweep-from``)
RESULT_KEYS = ("schema", "settings", "versions", "claims", "crosscheck", "figures", "paper_findings", "relaxation_gap",
               "timings")  # fmt: skip
#: the sweep's figures are written to ``figures/`` under their sweep names with this prefix
SWEEP_FIGURE_PREFIX = "sweep_"
#: packages whose versions the report records
_PACKAGES = ("relurelax", "numpy", "scipy", "cvxpy", "clarabel", "scs", "osqp", "sympy", "z3-solver",
             "hypothesis", "matplotlib", "rich")  # fmt: skip


@dataclass(frozen=True)
class CrosscheckSettings:
    """What the report cross-checks: every m, n, d with ``trials`` instances each (instance k: ``derived_seed(S, "crosscheck", k)``)."""

    ns: tuple[int, ...] = DEFAULT_NS
    ds: tuple[int, ...] = DEFAULT_DS
    # a second grid small enough for the global method (few activation cells), so the certified
    # bounds (exact min f, P_+) and every solution's gap to them appear beside the paper's sizes
    small_ns: tuple[int, ...] = (8, 13)
    small_ds: tuple[int, ...] = (3,)
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
    ledger: str  # the profile of the claims ledger (relurelax.proofs.ledger.PROFILES)
    gap: GapSettings = GapSettings()  # the instances of the relaxation-gap section


#: the report's profiles; their names are those of every command (quick, default, thorough), and each
#: runs the claims ledger at the ledger's profile of the same name
PROFILES = MappingProxyType(
    {
        "quick": Profile("quick", ReproductionSettings(trials=3), CrosscheckSettings(trials=1), "quick",
                         GAP_PROFILES["quick"]),
        "default": Profile("default", ReproductionSettings(trials=20), CrosscheckSettings(trials=3), "default",
                           GAP_PROFILES["default"]),
        "thorough": Profile("thorough", ReproductionSettings(trials=100), CrosscheckSettings(trials=10), "thorough",
                            GAP_PROFILES["thorough"]),
    }
)


def versions() -> dict:
    """Versions of Python and of the packages the results depend on."""
    return package_versions(_PACKAGES)


def report_command_line(profile: str, seed: int, sweep_from: str | None = None) -> str:
    import shlex

    line = f"relurelax report --profile {profile} --seed {seed}"
    return line if sweep_from is None else f"{line} --sweep-from {shlex.quote(sweep_from)}"


def _recovery_rows(cells: list[dict]) -> list[dict]:
    r"""The m = 1 exact-recovery rates of a sweep without noise or clipping, beside :math:`P[\mathrm{Bin}(n, 1/2) \ge d]`.

    Under the planted model (4) with Gaussian rows the relaxation recovers
    :math:`x^*` exactly when the rows with :math:`a_i^T x^* > 0` span
    :math:`\mathbb{R}^d`; each row is such a row with probability 1/2, so the
    chance is :math:`P[\mathrm{Bin}(n, 1/2) \ge d] = \sum_{k \ge d}
    \binom{n}{k} 2^{-n}` (``scipy.stats.binom.sf(d - 1, n, 1/2)``). One row
    per (d, n, method, lam), in that order; the rate, its count and its
    Wilson 95% interval are the sweep's.
    """
    from scipy.stats import binom

    from .sweep import SWEEP_METHODS

    chosen = [c for c in cells if c["m"] == 1 and c["noise"] == 0.0 and not c["clip"]
              and c["exact_recovery_rate"] is not None]  # fmt: skip
    chosen.sort(key=lambda c: (c["d"], c["n"], SWEEP_METHODS.index(c["method"]), c["lam"]))
    return [{"d": c["d"], "n": c["n"], "method": c["method"], "lam": c["lam"], "trials": c["trials"],
             "exact_recovery_rate": c["exact_recovery_rate"],
             "binomial": float(binom.sf(c["d"] - 1, c["n"], 0.5))} for c in chosen]  # fmt: skip


def load_sweep_section(folder: str) -> dict:
    r"""The report's sweep section from the sweep folder ``folder`` (written by ``relurelax sweep``).

    Reads ``folder/summary.json`` (schema ``relurelax.sweep/1``); refuses
    (:class:`InvalidInputError`) a path that is not a folder, a folder
    without the sweep marker, and a summary that cannot be read or names
    another schema. Returns ``{"source", "summary", "recovery"}``:
    ``source`` the folder as given, ``summary`` the summary without its
    schema key (settings, every finished cell, timings), ``recovery`` the
    m = 1 exact-recovery rates beside :math:`P[\mathrm{Bin}(n, 1/2) \ge d]`
    (:func:`_recovery_rows`). A sweep that is not finished is reported as
    far as it got (``summary.settings.cells`` says how many cells the grid
    has). The figures are drawn when the report is written.
    """
    from ._io import schema_for
    from .sweep import SUMMARY, SWEEP_MARKER

    given = os.fspath(folder)
    if given == "":
        raise InvalidInputError("--sweep-from '': the path is empty; give a folder written by relurelax sweep")
    if not os.path.isdir(given):
        raise InvalidInputError(f"--sweep-from {given}: not a folder; give a folder written by relurelax sweep")
    if not os.path.isfile(os.path.join(given, SWEEP_MARKER)):
        raise InvalidInputError(f"--sweep-from {given}: has no {SWEEP_MARKER} marker, so it is not a folder "
                                "written by relurelax sweep")  # fmt: skip
    path = os.path.join(given, SUMMARY)
    try:
        with open(path, encoding="utf-8") as fh:
            summary = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"--sweep-from {given}: cannot read its {SUMMARY} ({exc})") from None
    expected = schema_for("sweep")
    if not isinstance(summary, dict) or summary.get("schema") != expected:
        found = summary.get("schema") if isinstance(summary, dict) else None
        raise InvalidInputError(f"--sweep-from {given}: its {SUMMARY} has schema {found!r}, not {expected!r}")
    if not all(isinstance(summary.get(k), t) for k, t in (("settings", dict), ("cells", list), ("timings", dict))):
        raise InvalidInputError(f"--sweep-from {given}: its {SUMMARY} lacks settings, cells or timings")
    if not summary["cells"]:
        raise InvalidInputError(f"--sweep-from {given}: the sweep has no finished cell yet")
    body = {k: v for k, v in summary.items() if k != "schema"}
    return {"source": given, "summary": body, "recovery": _recovery_rows(body["cells"])}


def build_results(
    profile: Profile,
    seed: int = 0,
    *,
    progress: Progress | None = None,
    ledger: Callable | None = None,
    stages: Stages | None = None,
    sweep: dict | None = None,
) -> dict:
    r"""Run the ledger, the cross-check and the reproduction; return the results dictionary.

    ``progress(stage, done, total)`` (:class:`~.progress.Progress`) is called
    as each part advances, under the part's name (``total`` is None when a
    part does not count); or pass ``stages`` (:class:`~.progress.Stages`) to
    learn which parts finished. ``ledger`` is the one call into the claims
    ledger (default :func:`.ledger_section.run_ledger_section`). ``sweep``,
    a section from :func:`load_sweep_section`, becomes the key ``sweep``
    (before ``timings``) and its folder part of ``settings.command``; without
    it the results are what they were before sweeps existed.
    """
    ledger = ledger or run_ledger_section
    seed = check_positive_int(seed, "seed", minimum=0)
    stages = stages or Stages(progress)
    repro = dataclasses.replace(profile.reproduction, seed=seed)
    ccs = profile.crosscheck
    backends = ccs.backends or installed_backends()
    timings = {}

    start = time.perf_counter()
    claims = ledger(profile.ledger, seed, stages.start("claims ledger"))
    timings["ledger"] = time.perf_counter() - start
    stages.finish()

    start = time.perf_counter()
    within = stages.start("cross-check")
    grids = [(ccs.ns, ccs.ds)] + ([(ccs.small_ns, ccs.small_ds)] if ccs.small_ns and ccs.small_ds else [])
    runs = [run_crosscheck(ns, ds, ccs.ms, trials=ccs.trials, backends=backends, seed=seed, max_iter=ccs.max_iter,
                           progress=within) for ns, ds in grids]  # fmt: skip
    checked = dataclasses.replace(runs[0], instances=tuple(i for run in runs for i in run.instances))
    crosscheck = {**checked.to_json(), "agree": checked.agree}
    timings["crosscheck"] = time.perf_counter() - start
    stages.finish()

    start = time.perf_counter()
    figures = run_reproduction(repro, progress=stages.start("reproduction of Figures 1 and 2"))
    findings = evaluate_findings(figures)
    timings["reproduction"] = time.perf_counter() - start
    stages.finish()

    start = time.perf_counter()
    gap = run_relaxation_gap(profile.gap, seed, progress=stages.start("relaxation gap"))
    gap["finding"] = gap_finding(gap)
    timings["relaxation_gap"] = time.perf_counter() - start
    stages.finish()

    settings = {
        "profile": profile.name,
        "seed": seed,
        "command": report_command_line(profile.name, seed, None if sweep is None else sweep["source"]),
        "ledger_profile": profile.ledger,
        "crosscheck": {
            "ms": list(ccs.ms),
            "ns": list(ccs.ns),
            "ds": list(ccs.ds),
            "small_ns": list(ccs.small_ns),
            "small_ds": list(ccs.small_ds),
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
        "schema": RESULTS_SCHEMA,
        "settings": settings,
        "versions": versions(),
        "claims": claims,
        "crosscheck": crosscheck,
        "figures": figures,
        "paper_findings": findings,
        "relaxation_gap": gap,
        **({} if sweep is None else {"sweep": sweep}),
        "timings": timings,
    }


# --- the report folder: what may be replaced, and how it is written ------------------------

#: the marker file relurelax writes into every report folder (and into its temporary folder first of all)
REPORT_MARKER = ".relurelax-report"
#: the first line of the marker; a file of that name without it is not relurelax's marker
_MARKER_FIRST_LINE = "This folder is a relurelax report: relurelax wrote it and may replace it."
#: the files relurelax writes at the top of a report folder, besides the marker and figures/*.png
REPORT_FILES = ("index.html", "report.md", "results.json")
_FIGURES = "figures"
#: how many foreign names a refusal message lists before "(and N more)"
_NAMES_SHOWN = 5


class FolderKind(enum.Enum):
    """What an existing report target holds (:func:`classify_folder`)."""

    EMPTY = "empty"
    REPORT = "relurelax report"  # the marker, and nothing but what relurelax writes
    UNMARKED = "unmarked"  # only names relurelax writes, but no marker: relurelax cannot tell it wrote it
    FOREIGN = "foreign"  # something relurelax does not write


@dataclass(frozen=True)
class FolderContents:
    """The verdict on a folder: its kind and the entries relurelax did not write (relative paths, sorted)."""

    kind: FolderKind
    foreign: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


def _marker_text(command: str) -> str:
    return (
        f"{_MARKER_FIRST_LINE}\n"
        f"Written by relurelax {versions().get('relurelax')} for: {command}\n"
        f"relurelax report --force replaces this folder only while it holds nothing but this file, "
        f"{', '.join(REPORT_FILES)} and {_FIGURES}/*.png; anything else you put here makes it refuse.\n"
    )


def _is_marker(path: str) -> bool:
    return starts_with_line(path, _MARKER_FIRST_LINE)


def classify_folder(folder: str) -> FolderContents:
    r"""Say whether the folder ``folder`` is empty, a relurelax report, or holds something else.

    A relurelax report holds a regular file :data:`REPORT_MARKER` whose first
    line is relurelax's, and besides it only the regular files
    :data:`REPORT_FILES` and a folder ``figures`` of regular ``*.png`` files
    (a subset of them, for a folder a killed run left half-written). Links,
    other names, and other types under those names are foreign.
    """
    foreign, names, marked = [], [], False
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        names.append(entry.name)
        if entry.name == REPORT_MARKER and entry.is_file(follow_symlinks=False) and _is_marker(entry.path):
            marked = True
        elif entry.name in REPORT_FILES and entry.is_file(follow_symlinks=False):
            pass
        elif entry.name == _FIGURES and entry.is_dir(follow_symlinks=False):
            for fig in sorted(os.scandir(entry.path), key=lambda e: e.name):
                if not (fig.name.endswith(".png") and fig.is_file(follow_symlinks=False)):
                    foreign.append(f"{_FIGURES}/{fig.name}")
        else:
            foreign.append(entry.name)
    if foreign:
        kind = FolderKind.FOREIGN
    elif not names:
        kind = FolderKind.EMPTY
    else:
        kind = FolderKind.REPORT if marked else FolderKind.UNMARKED
    return FolderContents(kind, tuple(foreign), tuple(names))


def _listing(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown + (f" (and {len(names) - _NAMES_SHOWN} more)" if len(names) > _NAMES_SHOWN else "")


def _refusal(out: str, contents: FolderContents, force: bool) -> str | None:
    """The message refusing to replace ``out``, or None when it may be replaced."""
    if contents.kind is FolderKind.FOREIGN:
        return (f"{out} holds {_listing(contents.foreign)} that relurelax did not write; refusing to replace it, "
                f"--force or not (it replaces only an empty folder or a report it wrote); choose another --out")  # fmt: skip
    if contents.kind is FolderKind.UNMARKED:
        return (f"{out} holds {_listing(contents.names)} but no {REPORT_MARKER} marker, so relurelax cannot tell "
                f"that it wrote it; refusing to replace it, --force or not; remove it yourself or choose another --out")  # fmt: skip
    if contents.kind is FolderKind.REPORT and not force:
        return f"{out} holds a relurelax report already; pass --force to replace it"
    return None


def _refuse_special(out: str) -> None:
    """Refuse the working directory, any folder above it (/ included) and the home folder."""
    real = os.path.realpath(out)
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed
        cwd = None
    home = os.path.realpath(os.path.expanduser("~"))
    if cwd is not None and (real == cwd or os.path.samefile(out, cwd)):
        raise InvalidInputError(f"{out}: is the working directory; give a new or report folder for --out")
    if cwd is not None and cwd.startswith(real.rstrip(os.sep) + os.sep):
        raise InvalidInputError(f"{out}: is a parent of the working directory; give a new or report folder for --out")
    if real == home:
        raise InvalidInputError(f"{out}: is the home folder; give a new or report folder for --out")


def prepare_target(out: str, force: bool) -> str:
    r"""Check, before any computation, that the report folder ``out`` may be written; returns its absolute path.

    Refused (InvalidInputError, exit 2): an empty path; the working
    directory, any folder above it and the home folder; a link or a file in
    place of the folder; an existing folder that holds anything relurelax did
    not write or lacks its marker (:func:`classify_folder`), ``force`` or not;
    an existing relurelax report without ``force``. An empty folder may be
    replaced. The parent folder is created if missing, and the temporary
    folders a killed run left beside ``out`` are removed (:func:`remove_report_leftovers`).
    """
    out = os.fspath(out)
    if out == "":
        raise InvalidInputError("--out '': the path is empty (an unset shell variable?); give a folder path for the report")
    out = os.path.abspath(out)
    if os.path.islink(out):
        raise InvalidInputError(f"{out}: is a symbolic link; give the report folder itself")
    if os.path.exists(out):
        _refuse_special(out)
        if not os.path.isdir(out):
            raise InvalidInputError(f"{out}: exists and is not a folder; give a folder path for the report")
        try:
            contents = classify_folder(out)
        except OSError as exc:
            raise InvalidInputError(f"{out}: cannot read the folder ({exc.strerror or exc})") from None
        refusal = _refusal(out, contents, force)
        if refusal is not None:
            raise InvalidInputError(refusal)
    parent = os.path.dirname(out)
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"{out}: cannot create the folder {parent} ({exc.strerror or exc})") from None
    if not os.access(parent, os.W_OK):
        raise InvalidInputError(f"{out}: the folder {parent} is not writable")
    remove_report_leftovers(out)
    return out


def remove_report_leftovers(out: str) -> list[str]:
    r"""Remove the temporary folders a killed run of ``report --out out`` left beside it; returns their paths.

    A sibling ``.NAME.relurelax-[old-]<pid>-<hex>.tmp`` is removed only when
    its process no longer exists, it is a real folder (not a link), and it is
    a relurelax report by :func:`classify_folder` (the marker, and nothing
    else but what relurelax writes), or holds nothing at all (empty, or only an
    empty marker file: a run killed as it made the folder). Errors are ignored.
    """

    def remove_if_ours(entry: os.DirEntry) -> bool:
        if not entry.is_dir(follow_symlinks=False):
            return False
        contents = classify_folder(entry.path)
        if not (contents.kind in (FolderKind.REPORT, FolderKind.EMPTY) or _only_an_empty_marker(entry.path, contents)):
            return False
        _remove_report_folder(entry.path)
        return True

    return remove_dead_siblings(out, remove_if_ours)


def _only_an_empty_marker(folder: str, contents: FolderContents) -> bool:
    """A run killed between creating the marker file and writing it: the folder holds one empty marker, nothing else."""
    if contents.names != (REPORT_MARKER,):
        return False
    info = os.lstat(os.path.join(folder, REPORT_MARKER))
    return stat.S_ISREG(info.st_mode) and info.st_size == 0


def _remove_report_folder(folder: str) -> None:
    """Remove a folder of relurelax's, the marker last, so that a removal cut short still carries the marker."""
    for entry in os.scandir(folder):
        if entry.name == REPORT_MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    marker = os.path.join(folder, REPORT_MARKER)
    if os.path.lexists(marker):
        os.unlink(marker)
    os.rmdir(folder)


def _make_temp_folder(parent: str, base: str, command: str) -> str:
    """A new temporary sibling folder (permissions from the umask) holding the marker before anything else."""
    for _ in range(100):
        tmp = os.path.join(parent, temp_sibling_name(base))
        try:
            os.mkdir(tmp, 0o777)
        except FileExistsError:
            continue
        fd = os.open(os.path.join(tmp, REPORT_MARKER), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            os.write(fd, _marker_text(command).encode("utf-8"))  # one write: the marker is empty or whole
        finally:
            os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", os.path.join(parent, f".{base}.*.tmp"))


def write_report(results: dict, out: str, *, force: bool = False) -> str:
    r"""Draw the figures and write the report folder ``out`` atomically; returns its absolute path.

    ``results`` is not changed: the wall time of the figures and the total
    are added to the copy that is written. ``out`` must pass :func:`prepare_target`. Everything is written into a
    temporary sibling of ``out`` that carries the marker :data:`REPORT_MARKER`
    from its first moment, and renamed into place at the end; on any error (or
    an interruption) the temporary folder is removed and ``out`` is left as it
    was. Files and folders get the permissions of the umask.
    """
    out = prepare_target(out, force)
    parent, base = os.path.split(out)
    command = results.get("settings", {}).get("command", "relurelax report")
    tmp = _make_temp_folder(parent, base, command)
    try:
        start = time.perf_counter()
        images = draw_figures(results["figures"], tmp)
        written = dict(results)
        if "sweep" in results:
            files = _draw_sweep_figures(results["sweep"]["summary"], tmp)
            written["sweep"] = {**results["sweep"], "figures": sorted(files)}
            images.update(files)
        timings = {k: v for k, v in results["timings"].items() if k != "total"}
        timings["figures"] = time.perf_counter() - start
        timings["total"] = sum(timings.values())
        written.pop("timings")
        text = dumps_json({**written, "timings": timings}, RESULTS_SCHEMA)
        saved = json.loads(text)  # the pages show what results.json holds (a NaN there is null, shown as "-")
        for name, content in (
            ("results.json", text),
            ("report.md", render_markdown(saved)),
            ("index.html", render_html(saved, images)),
        ):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write(content)
        with committing(out):  # after a signal (even one whose exception was swallowed) nothing is committed
            _swap_into_place(tmp, out, force)
    except BaseException:
        try:
            _remove_report_folder(tmp)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _draw_sweep_figures(summary: dict, folder: str) -> dict[str, bytes]:
    r"""Draw a sweep's figures (:func:`.sweep.draw_sweep_figures`) into ``folder/figures`` as ``sweep_<name>``.

    Returns ``{"figures/sweep_<name>": png bytes}``: the key is the file's
    path in the report folder, which ``results.json`` lists under
    ``sweep.figures`` and the pages embed or link.
    """
    import tempfile

    from .sweep import draw_sweep_figures

    figures = os.path.join(folder, _FIGURES)
    os.makedirs(figures, exist_ok=True)
    out = {}
    with tempfile.TemporaryDirectory(dir=folder, prefix=".sweep-figures-") as drawn:
        for name, path in sorted(draw_sweep_figures(summary, drawn).items()):
            target = f"{_FIGURES}/{SWEEP_FIGURE_PREFIX}{name}"
            os.replace(path, os.path.join(folder, target))
            with open(os.path.join(folder, target), "rb") as fh:
                out[target] = fh.read()
    return out


def _swap_into_place(tmp: str, out: str, force: bool) -> None:
    r"""Rename the finished folder ``tmp`` to ``out``, replacing only an empty folder or a relurelax report.

    ``out`` absent or empty: one rename. Otherwise ``out`` is moved aside
    first (to ``.NAME.relurelax-old-<pid>-<hex>.tmp``) and judged again there,
    where nothing else writes to it: anything but a relurelax report (with
    ``force``) is moved back and refused.
    """
    try:
        os.rename(tmp, out)  # POSIX rename replaces an empty folder
        return
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
            raise
    if os.path.islink(out) or not os.path.isdir(out):
        raise InvalidInputError(f"{out}: something that is not a folder appeared there while the report was "
                                f"running; refusing to replace it")  # fmt: skip
    parent, base = os.path.split(out)
    old = os.path.join(parent, temp_sibling_name(base, old=True))
    os.rename(out, old)
    try:
        refusal = _refusal(out, classify_folder(old), force)
    except BaseException:
        os.rename(old, out)
        raise
    if refusal is not None:
        os.rename(old, out)
        raise InvalidInputError(f"{refusal} (it changed while the report was running)")
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    try:
        _remove_report_folder(old)
    except OSError:  # the report is in place; the next run removes what is left (remove_report_leftovers)
        pass
