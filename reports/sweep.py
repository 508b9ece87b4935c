r"""Phase diagrams of the paper's claims: the grid of a sweep, its execution, its folder, its summary and figures.

A sweep runs :func:`relurelax.solvers.sweep.run_cell` on every cell of a
:class:`Grid` (sample counts n or ratios n/d, dimensions d, neurons m, label
noise S, regulariser strength lam, clipped labels or not, methods) and
writes into one folder ``DIR``:

* ``cells/<key>.npz``: each finished cell, written atomically and fsynced
  (file and folder) as soon as it completes, so a killed run loses only the
  cells in flight and ``--resume`` recomputes nothing else;
* ``summary.json`` (schema ``relurelax.sweep/1``,
  ``reports/schemas/sweep.schema.json``): ``{"settings", "cells": [{"n",
  "d", "m", "noise", "lam", "clip", "method", "trials", rates...}],
  "timings"}``, rebuilt from ``cells/`` after every cell;
* ``trials.npz``: every trial of every cell, one array per column (the cell's
  n, d, m, noise, lam, clip, method, then the columns of
  :class:`~relurelax.solvers.sweep.CellRecords`). The format is numpy's
  ``.npz``: float64 columns are stored losslessly, it needs no dependency
  relurelax does not already have (pyarrow is not installed here), and
  ``np.load(path)`` reads it (``allow_pickle=False``: strings are fixed-width
  unicode arrays); its first member ``metadata`` carries relurelax's marker
  (:func:`~._io.write_npz`);
* ``figures/*.png``: the maps (:func:`draw_sweep_figures`);
* ``.relurelax-sweep``: the marker that says relurelax wrote the folder.

Rates. Per cell and method: ``success_rate`` (relative training error at
most :data:`~relurelax.solvers.tolerances.ZERO_TRAIN_ERROR`),
``global_rate`` (objective within
:data:`~relurelax.solvers.tolerances.DESCENT_OBJECTIVE_RTOL`
:math:`\|y\|^2` of the certified global value, over the trials where it was
computed), ``exact_recovery_rate`` (m = 1:
:math:`\|x - x^*\| \le 10^{-6}\|x^*\|`), ``diverged_share`` and
``unbounded_share``, each with its Wilson 95% interval

.. math::

    \frac{\hat p + \frac{z^2}{2K}}{1 + \frac{z^2}{K}} \pm
    \frac{z}{1 + \frac{z^2}{K}}\sqrt{\frac{\hat p(1 - \hat p)}{K} + \frac{z^2}{4K^2}},
    \qquad z = \Phi^{-1}(0.975),

which, unlike the normal interval, stays inside [0, 1] and is not empty at
0 or K successes; and the medians of the test error and of the iterations.

Execution goes through :class:`~.executor.CellExecutor` (this process, a
local process pool, or a Dask cluster), which yields ``(cell, records)`` in
completion order; the results do not depend on that order or on where a cell
ran (each trial's seed comes from its cell and index).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shutil
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.sweep import ONE_NEURON_METHODS, SWEEP_METHODS, Cell, CellRecords
from relurelax.solvers.tolerances import DESCENT_OBJECTIVE_RTOL, ZERO_TRAIN_ERROR

from .executor import CellExecutor
from ._io import (
    JSON,
    NPZ,
    NPZ_METADATA,
    OutputKind,
    leftover_pid,
    remove_leftovers,
    starts_with_line,
    write_json,
    write_npz,
)

__all__ = [
    "finished_cells",
    "Grid",
    "PROFILES",
    "MAX_CELLS",
    "RECOVERY_RTOL",
    "Rate",
    "CellSummary",
    "wilson_interval",
    "summarise",
    "SweepRun",
    "prepare_sweep_folder",
    "run_sweep",
    "load_cell_records",
    "draw_sweep_figures",
    "SWEEP_MARKER",
]

#: the most cells (grid points times methods) one sweep may have
MAX_CELLS = 5000
#: relative recovery error at or below which a trial recovered x* exactly
RECOVERY_RTOL = 1e-6
#: the normal quantile of a two-sided 95% interval
_Z95 = 1.959963984540054


# --- the grid -------------------------------------------------------------------------------


def _check_size(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidInputError(f"{name} must be an integer >= 1; got {value!r}")


def _check_methods(methods: tuple[str, ...], ms: tuple[int, ...]) -> None:
    for name in methods:
        if name not in SWEEP_METHODS:
            raise InvalidInputError(f"unknown method {name!r}; accepted: {', '.join(SWEEP_METHODS)}")
    one = [name for name in methods if name in ONE_NEURON_METHODS]
    if one and 1 not in ms:
        raise InvalidInputError(f"{', '.join(one)} run on one neuron only, and --m has no 1")


@dataclass(frozen=True)
class Grid:
    r"""The axes of a sweep; :meth:`cells` is its list of :class:`~relurelax.solvers.sweep.Cell`.

    ``ns`` (sample counts) or ``ratios`` (n/d, n = round(ratio d), at least
    1) gives n; ``clip`` clips every label at 0. ``gd`` runs once per
    (n, d, m, noise) at lam = 0, ``rgd`` at every ``lams``, ``newton``
    (lam = 1) and ``exact`` (lam = 0) on the m = 1 points only.
    """

    ds: tuple[int, ...]
    ms: tuple[int, ...]
    noises: tuple[float, ...]
    lams: tuple[float, ...]
    methods: tuple[str, ...]
    trials: int
    seed: int
    ns: tuple[int, ...] | None = None
    ratios: tuple[float, ...] | None = None
    clip: bool = False
    max_iter: int = 2000

    def __post_init__(self) -> None:
        if (self.ns is None) == (self.ratios is None):
            raise InvalidInputError("give the sample counts n or the ratios n/d, one of the two")
        axes = {"n": self.ns, "ratio": self.ratios, "d": self.ds, "m": self.ms, "noise": self.noises,
                "lam": self.lams, "methods": self.methods}  # fmt: skip
        for name, axis in axes.items():
            if axis is not None and len(axis) == 0:
                raise InvalidInputError(f"the grid is empty: no value of {name}")
        for name, axis in (("n", self.ns), ("d", self.ds), ("m", self.ms), ("trials", (self.trials,))):
            for v in axis or ():
                _check_size(v, name)
        for r in self.ratios or ():
            if not (isinstance(r, (int, float)) and math.isfinite(r) and r > 0):
                raise InvalidInputError(f"a ratio n/d must be a finite number > 0; got {r!r}")
        _check_methods(self.methods, self.ms)

    def sizes(self) -> list[tuple[int, int]]:
        """The (n, d) points, in the order of the axes, without repeats."""
        pairs: list[tuple[int, int]] = []
        for d in self.ds:
            ns = self.ns if self.ns is not None else [max(1, round(r * d)) for r in self.ratios or ()]
            for n in ns:
                if (n, d) not in pairs:
                    pairs.append((n, d))
        return pairs

    def count(self) -> int:
        """How many cells :meth:`cells` gives, counted without making them."""
        per_point = 0
        for m in self.ms:
            for name in self.methods:
                if name in ONE_NEURON_METHODS and m != 1:
                    continue
                per_point += len(set(self.lams)) if name == "rgd" else 1
        return len(self.sizes()) * len(set(self.noises)) * per_point

    def cells(self) -> tuple[Cell, ...]:
        r"""Every cell, in the order of the axes (d, n, m, noise, method, lam); validated (bad values raise)."""
        if self.count() > MAX_CELLS:
            raise InvalidInputError(f"the grid has {self.count()} cells ({len(self.sizes())} (n, d) points x "
                                    f"{len(self.ms)} m x {len(self.noises)} noise x methods and lam), over the "
                                    f"limit {MAX_CELLS}; make it smaller")  # fmt: skip
        out: dict[str, Cell] = {}
        for n, d in self.sizes():
            for m in self.ms:
                for noise in self.noises:
                    for name in self.methods:
                        if name in ONE_NEURON_METHODS and m != 1:
                            continue
                        lams = self.lams if name == "rgd" else ((1.0,) if name == "newton" else (0.0,))
                        for lam in lams:
                            c = Cell(n=n, d=d, m=m, noise=float(noise), lam=float(lam), clip=self.clip, method=name,
                                     trials=self.trials, seed=self.seed, max_iter=self.max_iter)  # fmt: skip
                            out.setdefault(c.key, c)
        return tuple(out.values())

    def to_json(self) -> dict[str, Any]:
        """The grid as JSON: what ``--resume`` compares."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}


#: the standard maps: quick (CI, seconds), default (a few minutes on two cores), thorough (a cluster)
PROFILES = {
    "quick": dict(ds=(4,), ratios=(0.5, 1.0, 2.0, 4.0), ms=(1, 2), noises=(0.0,), lams=(1.0,),
                  methods=("gd", "rgd", "newton"), trials=6, max_iter=1500),
    "default": dict(ds=(10,), ratios=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0), ms=(1, 2, 3), noises=(0.0, 0.1),
                    lams=(1.0,), methods=("gd", "rgd", "newton"), trials=40, max_iter=8000),
    "thorough": dict(ds=(10, 20), ratios=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0), ms=(1, 2, 3, 5),
                     noises=(0.0, 0.1, 0.3), lams=(0.25, 0.5, 1.0), methods=("gd", "rgd", "newton"), trials=100,
                     max_iter=5000),
}  # fmt: skip


# --- rates and the summary of a cell ----------------------------------------------------------


def wilson_interval(successes: int, trials: int) -> tuple[float, float]:
    r"""The Wilson score 95% interval of a binomial proportion (module docstring); (nan, nan) for 0 trials."""
    if trials == 0:
        return math.nan, math.nan
    p = successes / trials
    z2 = _Z95 * _Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = _Z95 / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    """``count`` of ``of`` trials, their share ``rate`` and its Wilson 95% interval (NaN when ``of`` is 0)."""

    count: int
    of: int
    rate: float
    low: float
    high: float

    @classmethod
    def of_mask(cls, mask: np.ndarray, where: np.ndarray | None = None) -> Rate:
        considered = np.ones(mask.shape, dtype=bool) if where is None else where
        count, of = int(np.count_nonzero(mask & considered)), int(np.count_nonzero(considered))
        low, high = wilson_interval(count, of)
        return cls(count, of, count / of if of else math.nan, low, high)

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.rate, "count": self.count, "of": self.of, "ci95": [self.low, self.high]}


@dataclass(frozen=True)
class CellSummary:
    """The rates and medians of one cell (module docstring); ``exact_recovery_rate`` is None for m > 1."""

    cell: Cell
    success_rate: Rate
    global_rate: Rate
    exact_recovery_rate: Rate | None
    diverged_share: Rate
    unbounded_share: Rate
    median_test_error: float
    median_iterations: float
    seconds: float

    def to_json(self) -> dict[str, Any]:
        c = self.cell
        return {
            "n": c.n, "d": c.d, "m": c.m, "noise": c.noise, "lam": c.lam, "clip": c.clip, "method": c.method,
            "trials": c.trials, "key": c.key,
            "success_rate": self.success_rate.to_json(),
            "global_rate": self.global_rate.to_json(),
            "exact_recovery_rate": None if self.exact_recovery_rate is None else self.exact_recovery_rate.to_json(),
            "diverged_share": self.diverged_share.to_json(),
            "unbounded_share": self.unbounded_share.to_json(),
            "median_test_error": self.median_test_error,
            "median_iterations": self.median_iterations,
            "seconds": self.seconds,
        }  # fmt: skip


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else math.nan


def summarise(records: CellRecords) -> CellSummary:
    """The rates and medians of one cell's trials."""
    with np.errstate(invalid="ignore"):
        success = records.train_error <= ZERO_TRAIN_ERROR
        certified = np.isfinite(records.global_gap)
        reached = records.global_gap <= DESCENT_OBJECTIVE_RTOL
        recovered = records.recovery_error <= RECOVERY_RTOL
    reasons = records.stop_reason
    return CellSummary(
        cell=records.cell,
        success_rate=Rate.of_mask(success),
        global_rate=Rate.of_mask(reached, certified),
        exact_recovery_rate=Rate.of_mask(recovered) if records.cell.m == 1 else None,
        diverged_share=Rate.of_mask(reasons == "diverged"),
        unbounded_share=Rate.of_mask(reasons == "unbounded"),
        median_test_error=_median(records.test_error),
        median_iterations=_median(records.iterations.astype(np.float64)),
        seconds=records.seconds,
    )


# --- execution -------------------------------------------------------------------------------


# --- the folder --------------------------------------------------------------------------------

#: the marker file of a sweep folder
SWEEP_MARKER = ".relurelax-sweep"
_MARKER_FIRST_LINE = "This folder is a relurelax sweep: relurelax wrote it and may add to it or replace it."
_CELLS, _FIGURES = "cells", "figures"
SUMMARY, TRIALS = "summary.json", "trials.npz"
#: the figures' kind: any file in figures/ is ours, since the folder was vetted with its sweep folder
_PNG = OutputKind(lambda path: True, "a PNG relurelax drew")
_TEMP = re.compile(r"\.(?P<base>.+)\.relurelax-(?:old-)?[0-9]{1,10}-[0-9a-f]{8}\.tmp")


def _is_marker(path: str) -> bool:
    return starts_with_line(path, _MARKER_FIRST_LINE)


def _foreign_inside(folder: str, name: str, suffix: str) -> list[str]:
    """Entries of ``cells/`` or ``figures/`` that are not regular ``suffix`` files or temporary siblings."""
    return [f"{name}/{inner.name}" for inner in os.scandir(folder)
            if not (inner.is_file(follow_symlinks=False) and (inner.name.endswith(suffix) or _TEMP.fullmatch(inner.name)))]  # fmt: skip


def _foreign_entries(folder: str) -> tuple[list[str], bool]:
    """Entries of a sweep folder relurelax does not write, and whether the marker is there."""
    foreign, marked = [], False
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name == SWEEP_MARKER and entry.is_file(follow_symlinks=False) and _is_marker(entry.path):
            marked = True
        elif entry.name in (SUMMARY, TRIALS) and entry.is_file(follow_symlinks=False):
            pass
        elif _TEMP.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            pass
        elif entry.name in (_CELLS, _FIGURES) and entry.is_dir(follow_symlinks=False):
            foreign.extend(_foreign_inside(entry.path, entry.name, ".npz" if entry.name == _CELLS else ".png"))
        else:
            foreign.append(entry.name)
    return foreign, marked


def _grid_difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    diffs = [f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in new if old.get(k) != new.get(k)]
    return "; ".join(diffs)


def prepare_sweep_folder(out: str, grid: Grid, *, resume: bool, force: bool) -> str:
    r"""Check ``out`` before any work and make it a sweep folder of ``grid``; returns its absolute path.

    A missing or empty folder is made a sweep folder (the marker first). An
    existing sweep folder (the marker, and nothing but what a sweep writes)
    is continued with ``resume`` when its ``summary.json`` names the same
    grid (else refused, naming the difference), and started again with
    ``force``; anything else is refused, ``force`` or not.
    """
    if out == "":
        raise InvalidInputError("--out '': the path is empty (an unset shell variable?); give a folder for the sweep")
    out = os.path.abspath(out)
    if os.path.islink(out) or (os.path.exists(out) and not os.path.isdir(out)):
        raise InvalidInputError(f"{out}: exists and is not a folder; give a folder for the sweep")
    if os.path.isdir(out) and os.listdir(out):
        foreign, marked = _foreign_entries(out)
        if foreign or not marked:
            what = f"holds {', '.join(foreign[:5])} that relurelax did not write" if foreign else \
                f"has no {SWEEP_MARKER} marker, so relurelax cannot tell that it wrote it"  # fmt: skip
            raise InvalidInputError(f"{out} {what}; refusing to write a sweep there; choose another --out")
        if resume:
            summary = os.path.join(out, SUMMARY)
            try:
                with open(summary, encoding="utf-8") as fh:
                    old = json.load(fh)["settings"]["grid"]
            except (OSError, ValueError, KeyError, TypeError):
                raise InvalidInputError(f"{out}: its {SUMMARY} cannot be read, so its grid is unknown; "
                                        "run again with --force to start it again") from None  # fmt: skip
            difference = _grid_difference(old, grid.to_json())
            if difference:
                raise InvalidInputError(f"{out} holds a sweep of another grid ({difference}); --resume continues "
                                        "the same grid only: choose another --out")  # fmt: skip
        elif force:
            for name in (_CELLS, _FIGURES):
                shutil.rmtree(os.path.join(out, name), ignore_errors=True)
            for name in (SUMMARY, TRIALS):
                if os.path.exists(os.path.join(out, name)):
                    os.unlink(os.path.join(out, name))
        else:
            raise InvalidInputError(f"{out} holds a relurelax sweep already; pass --resume to finish it or --force "
                                    "to start it again")  # fmt: skip
    os.makedirs(os.path.join(out, _CELLS), exist_ok=True)
    marker = os.path.join(out, SWEEP_MARKER)
    if not _is_marker(marker):
        with open(marker, "w", encoding="utf-8") as fh:
            fh.write(f"{_MARKER_FIRST_LINE}\nrelurelax sweep --resume continues it; --force starts it again. "
                     f"Anything else you put here makes relurelax refuse it.\n")  # fmt: skip
            fh.flush()
            os.fsync(fh.fileno())
    _remove_leftovers(out)
    return out


def _remove_leftovers(out: str) -> None:
    r"""Remove what a killed sweep left half-written: temporary siblings of its cells, summary, trials and figures.

    :func:`~._io.remove_leftovers` removes only files of dead processes that
    are empty or carry relurelax's marker for their kind.
    """
    kinds = {_CELLS: lambda base: NPZ, "": lambda base: NPZ if base == TRIALS else JSON, _FIGURES: lambda base: _PNG}
    for folder, kind in kinds.items():
        path = os.path.join(out, folder)
        if os.path.isdir(path):
            for base in {m.group("base") for name in os.listdir(path) if (m := _TEMP.fullmatch(name))}:
                remove_leftovers(os.path.join(path, base), kind(base))


def _fsync_folder(folder: str) -> None:
    # the rename of a finished cell reaches the disk with its folder's entry
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cell_path(out: str, cell: Cell) -> str:
    return os.path.join(out, _CELLS, f"{cell.key}.npz")


def _write_cell(out: str, records: CellRecords) -> None:
    metadata = {"cell": dataclasses.asdict(records.cell), "seconds": records.seconds}
    write_npz(_cell_path(out, records.cell), records.columns(), metadata, "sweep", flag="--out")
    _fsync_folder(os.path.join(out, _CELLS))


def load_cell_records(path: str) -> CellRecords:
    """A cell file written by a sweep, read back (``np.load``, no pickle)."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(data[NPZ_METADATA].item())
        columns = {name: np.array(data[name]) for name in CellRecords.COLUMNS}
    return CellRecords(cell=Cell(**meta["cell"]), seconds=float(meta["seconds"]), **columns)


def finished_cells(out: str, cells: Iterable[Cell]) -> dict[str, CellRecords]:
    done = {}
    for cell in cells:
        path = _cell_path(out, cell)
        if os.path.exists(path):
            try:
                records = load_cell_records(path)
            except (OSError, ValueError, KeyError, TypeError):
                continue  # unreadable: computed again
            if records.cell == cell:
                done[cell.key] = records
    return done


# --- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepRun:
    """What :func:`run_sweep` did: the summary as written, how many cells it computed and reused, the wall time."""

    folder: str
    summary: dict[str, Any]
    computed: int
    reused: int
    seconds: float


def _summary_json(grid: Grid, profile: str | None, cells: tuple[Cell, ...], done: dict[str, CellRecords],
                  timings: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    return {
        "settings": {"grid": grid.to_json(), "profile": profile, "cells": len(cells),
                     "success_train_error": ZERO_TRAIN_ERROR, "global_rtol": DESCENT_OBJECTIVE_RTOL,
                     "recovery_rtol": RECOVERY_RTOL, "interval": "Wilson 95%"},
        "cells": [summarise(done[c.key]).to_json() for c in cells if c.key in done],
        "timings": timings,
    }  # fmt: skip


def _trial_columns(cells: tuple[Cell, ...], done: dict[str, CellRecords]) -> dict[str, np.ndarray]:
    parts = [done[c.key] for c in cells if c.key in done]
    sizes = [p.cell.trials for p in parts]
    columns: dict[str, np.ndarray] = {}
    for name in ("n", "d", "m", "noise", "lam", "clip", "method"):
        columns[name] = np.repeat(np.asarray([getattr(p.cell, name) for p in parts]), sizes)
    columns["trial"] = np.concatenate([np.arange(s) for s in sizes]) if parts else np.zeros(0, dtype=np.int64)
    for name in CellRecords.COLUMNS:
        columns[name] = np.concatenate([getattr(p, name) for p in parts])
    return columns


def _cost(cell: Cell) -> float:
    r"""A cell's relative cost: trials times the work of one (the descent's budget of products with A)."""
    per_trial = cell.max_iter if cell.method in ("gd", "rgd") else 20  # newton and exact: a few factorisations
    return float(cell.trials) * cell.n * cell.d * cell.m * per_trial


def run_sweep(
    grid: Grid,
    out: str,
    *,
    profile: str | None = None,
    progress: Callable[[str, int | None, int | None], None] | None = None,
    executor: CellExecutor | None = None,
    figures: bool = True,
) -> SweepRun:
    r"""Run the cells of ``grid`` that ``out`` (prepared by :func:`prepare_sweep_folder`) lacks; write everything.

    Each finished cell is written at once; ``summary.json`` is rebuilt after
    each; ``trials.npz`` and the figures at the end. ``progress(text, done,
    total)`` gets the cells done and a text with trials per second and the
    estimated time left. ``executor`` (:class:`~.executor.CellExecutor`,
    entered) runs the cells: a local process pool, or a Dask cluster; by
    default this process. Trials are seeded by their cell and index, so the
    results are the same whichever runs them and in whatever order they
    finish.
    """
    start = time.perf_counter()
    executor = CellExecutor(processes=1) if executor is None else executor
    cells = grid.cells()
    done = finished_cells(out, cells)
    reused = len(done)
    # the costliest cells first, so a pool does not wait on one long cell at the end (the order changes no result)
    todo = sorted((c for c in cells if c.key not in done), key=_cost, reverse=True)
    trials_done = 0
    execution = executor.info.describe()  # once: on a Dask cluster each look asks the scheduler

    def timings() -> dict[str, Any]:
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "cells_computed": len(done) - reused, "cells_reused": reused,
                "trials_per_second": trials_done / seconds if seconds > 0 else None,
                "execution": execution}  # fmt: skip

    summary = _summary_json(grid, profile, cells, done, timings())
    write_json(os.path.join(out, SUMMARY), summary, "sweep", flag="--out")
    from relurelax.solvers.sweep import run_cell

    for cell, records in executor.map(run_cell, todo):
        _write_cell(out, records)
        done[cell.key] = records
        trials_done += cell.trials
        summary = _summary_json(grid, profile, cells, done, timings())
        write_json(os.path.join(out, SUMMARY), summary, "sweep", flag="--out")
        if progress is not None:
            elapsed = time.perf_counter() - start
            rate = trials_done / elapsed if elapsed > 0 else math.inf
            left = sum(c.trials for c in todo) - trials_done
            progress(f"{rate:.0f} trials/s, about {left / rate:.0f} s left" if rate > 0 else "", len(done), len(cells))
    write_npz(os.path.join(out, TRIALS), _trial_columns(cells, done), {"settings": summary["settings"]}, "sweep",
              flag="--out")  # fmt: skip
    if figures:
        draw_sweep_figures(summary, os.path.join(out, _FIGURES))
    return SweepRun(out, summary, len(done) - reused, reused, time.perf_counter() - start)


# --- figures ---------------------------------------------------------------------------------


def _png(fig) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    return buffer.getvalue()


def _new_figure(panels: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.0 * panels, 3.4), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, panels, squeeze=False)[0]


def _rate(cell: dict[str, Any], metric: str) -> float:
    value = cell.get(metric)
    return math.nan if value is None or value["rate"] is None else float(value["rate"])


def _heat_map(cells: list[dict[str, Any]], methods: list[str], axis: str, metric: str, *,
              difference: bool = False) -> bytes:  # fmt: skip
    r"""Rates over (n/d, ``axis``), one panel per method (or the one panel RGD - GD with ``difference``)."""
    ratios = sorted({c["n"] / c["d"] for c in cells})
    values = sorted({c[axis] for c in cells})
    panels = ["rgd - gd"] if difference else methods
    fig, axes = _new_figure(len(panels))
    for ax, name in zip(axes, panels):
        grid = np.full((len(values), len(ratios)), math.nan)
        for i, v in enumerate(values):
            for j, r in enumerate(ratios):
                def rate(method: str) -> float:
                    found = [_rate(c, metric) for c in cells if c["method"] == method and c[axis] == v
                             and c["n"] / c["d"] == r and (method != "rgd" or c["lam"] == 1.0)]  # fmt: skip
                    return float(np.nanmean(found)) if found and not all(map(math.isnan, found)) else math.nan
                grid[i, j] = rate("rgd") - rate("gd") if difference else rate(name)
        image = ax.imshow(grid, origin="lower", aspect="auto", vmin=-1 if difference else 0, vmax=1,
                          cmap="RdBu" if difference else "viridis")  # fmt: skip
        ax.set_xticks(range(len(ratios)), [f"{r:.3g}" for r in ratios], fontsize=8)
        ax.set_yticks(range(len(values)), [f"{v:.3g}" for v in values], fontsize=8)
        ax.set_xlabel("n / d", fontsize=9)
        ax.set_ylabel(axis, fontsize=9)
        ax.set_title(f"{name.upper()}: {metric.replace('_', ' ')}", fontsize=10)
        fig.colorbar(image, ax=ax, shrink=0.85)
    return _png(fig)


def _recovery_points(ax, cells: list[dict[str, Any]], method: str) -> None:
    """One method's exact-recovery rates against n with their Wilson intervals as error bars."""
    rows = sorted((c for c in cells if c["method"] == method and (method != "rgd" or c["lam"] == 1.0)),
                  key=lambda c: c["n"])  # fmt: skip
    if not rows:
        return
    rates = [c["exact_recovery_rate"] for c in rows]
    y = [r["rate"] for r in rates]
    errors = [[r["rate"] - r["ci95"][0] for r in rates], [r["ci95"][1] - r["rate"] for r in rates]]
    ax.errorbar([c["n"] for c in rows], y, yerr=errors, marker="o", markersize=3, capsize=2, linewidth=1,
                label=method)  # fmt: skip


def _recovery_curve(cells: list[dict[str, Any]], methods: list[str]) -> bytes:
    r"""Exact recovery against n for m = 1, noise 0, per d, with :math:`P[\mathrm{Bin}(n, 1/2) \ge d]` over it."""
    from scipy.stats import binom

    ds = sorted({c["d"] for c in cells})
    fig, axes = _new_figure(len(ds))
    for ax, d in zip(axes, ds):
        ns = sorted({c["n"] for c in cells if c["d"] == d})
        fine = np.arange(1, max(ns) + 1)
        ax.plot(fine, binom.sf(d - 1, fine, 0.5), color="black", linewidth=1.2, label="P[Bin(n, 1/2) >= d]")
        for method in methods:
            _recovery_points(ax, [c for c in cells if c["d"] == d], method)
        ax.axvline(2 * d, color="grey", linestyle=":", linewidth=1)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("n", fontsize=9)
        ax.set_ylabel("exact recovery rate", fontsize=9)
        ax.set_title(f"m = 1, noise 0, d = {d} (dotted: n = 2d)", fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def draw_sweep_figures(summary: dict[str, Any], folder: str) -> dict[str, str]:
    r"""The maps of a sweep, from ``summary.json`` alone, as PNG files in ``folder``; returns ``{name: path}``.

    ``success_<axis>.png``: the success rate per method over (n/d, m) at the
    smallest noise and over (n/d, noise) at m = 1 (rgd at lam = 1; rates
    averaged over the other axes); ``success_<axis>_rgd_minus_gd.png``: the
    difference of the two; ``recovery_m1.png``: the exact-recovery rate
    against n at m = 1 without noise, with :math:`P[\mathrm{Bin}(n, 1/2) \ge d]`
    drawn over it. A figure whose axis has one value is left out. Each file
    is written atomically.
    """
    from ._io import atomic_write_bytes

    images = _sweep_images([c for c in summary["cells"] if not c["clip"]] or list(summary["cells"]))
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for name, data in images.items():
        path = os.path.join(folder, name)
        atomic_write_bytes(path, data, "--out", _PNG)
        paths[name] = path
    return paths


def _methods_in(cells: list[dict[str, Any]]) -> list[str]:
    return [m for m in SWEEP_METHODS if any(c["method"] == m for c in cells)]


def _sweep_images(cells: list[dict[str, Any]]) -> dict[str, bytes]:
    """The PNG bytes of every figure of :func:`draw_sweep_figures`, by file name."""
    if not cells:
        return {}
    images: dict[str, bytes] = {}
    low_noise = min(c["noise"] for c in cells)
    plans = (("m", [c for c in cells if c["noise"] == low_noise]), ("noise", [c for c in cells if c["m"] == 1]))
    for axis, chosen in plans:
        if axis == "noise" and len({c[axis] for c in chosen}) < 2:
            continue
        descent = _methods_in(chosen)
        images[f"success_{axis}.png"] = _heat_map(chosen, descent, axis, "success_rate")
        if "gd" in descent and "rgd" in descent:
            images[f"success_{axis}_rgd_minus_gd.png"] = _heat_map(chosen, descent, axis, "success_rate",
                                                                   difference=True)  # fmt: skip
    one = [c for c in cells if c["m"] == 1 and c["noise"] == 0.0 and c["exact_recovery_rate"] is not None]
    if one:
        images["recovery_m1.png"] = _recovery_curve(one, _methods_in(one))
    return images
