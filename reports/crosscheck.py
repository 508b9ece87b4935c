r"""``relurelax crosscheck``: the cross-check of GD, RGD, Newton and CVXPY, run and serialised.

What is compared and when a pair agrees is decided in one place,
:mod:`relurelax.proofs.crosscheck` (:func:`~relurelax.proofs.crosscheck.judge`,
:func:`~relurelax.proofs.crosscheck.check_instance`), which the ledger's
solver evidence uses too. This module runs it over a grid of planted
instances (:func:`run_crosscheck`), turns the typed results into JSON
(:meth:`CrosscheckResult.to_json`, :func:`instance_json`,
:func:`tolerances_json`) and builds the table and the sentences the command
and the report render from that JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from relurelax.proofs.crosscheck import (
    DEFAULT_MAX_ITER,
    Candidate,
    Comparison,
    InstanceCheck,
    check_backends,
    crosscheck_instance,
    judge,
)
from relurelax.solvers import solve_cell, solve_relaxation
from relurelax.solvers.errors import InvalidInputError
from relurelax.solvers.registry import solvers_for
from relurelax.solvers.relaxation import KKTResiduals
from relurelax.solvers.seeds import derived_seed
from relurelax.solvers.solution import SolveStatus
from relurelax.solvers.tolerances import (
    DESCENT_GTOL,
    cell_kkt_rtol,
    conic_gradient_rtol,
    conic_kkt_rtol,
    conic_rtol,
    solver_rtol,
)

from .formatting import number
from .progress import Progress

__all__ = [
    "Candidate",
    "Comparison",
    "InstanceCheck",
    "CrosscheckResult",
    "judge",
    "crosscheck_instance",
    "run_crosscheck",
    "check_backends",
    "instance_json",
    "tolerances_json",
    "DEFAULT_NS",
    "DEFAULT_DS",
    "DEFAULT_MAX_ITER",
]

DEFAULT_NS = (50, 100, 200)
DEFAULT_DS = (100,)


@dataclass(frozen=True)
class CrosscheckResult:
    """A cross-check run; ``agree`` is True when every instance agrees."""

    instances: tuple[InstanceCheck, ...]
    backends: tuple[str, ...]
    max_iter: int

    @property
    def agree(self) -> bool:
        return all(inst.agree for inst in self.instances)

    def to_json(self) -> dict:
        """``{"instances": [...], "tolerances": {...}}`` (see :func:`instance_json`)."""
        ms = sorted({inst.m for inst in self.instances})
        return {
            "instances": [instance_json(inst) for inst in self.instances],
            "tolerances": tolerances_json(self.backends, self.max_iter, ms),
        }


def tolerances_json(backends: Sequence[str], max_iter: int, ms: Sequence[int] = (1,)) -> dict:
    """The named tolerances a cross-check over neuron counts ``ms`` applied, for its JSON."""
    # every solver that runs in process (descent, and Newton where m = 1), then the backends
    in_process = dict.fromkeys(e.name for m in ms for e in solvers_for(m) if e.family != "conic")
    return {
        "scale": "||y||^2",
        "agreement_rtol": {
            **{name: solver_rtol(name) for name in in_process},
            **{b: conic_rtol(b) for b in backends},
        },
        "pair_rule": "a pair agrees when |value_a - value_b| <= max(rtol_a, rtol_b) * ||y||^2",
        "certificate": {
            "gradient_rtol": {b: conic_gradient_rtol(b) for b in backends},
            "kkt_rtol": {b: conic_kkt_rtol(b) for b in backends},
            "cell_kkt_rtol": {b: cell_kkt_rtol(b) for b in backends},
            "rule": "a convex solve counts only when relurelax's certificate (relative gradient norm of f_r, "
                    "KKT residuals), computed in float64 at unit scale, is within these",
        },
        "descent_gtol": DESCENT_GTOL,
        "descent_max_iter": max_iter,
    }


def _kkt_json(kkt: KKTResiduals | None):
    if kkt is None:
        return None
    return {
        "primal_feasibility": kkt.primal_feasibility,
        "dual_feasibility": kkt.dual_feasibility,
        "complementarity": kkt.complementarity,
        "stationarity": kkt.stationarity,
        "worst": kkt.worst,
    }


def _solution_json(c: Candidate, gap: float | None) -> dict:
    s = c.solution
    return {
        "method": s.method,
        "solver": s.backend,
        "objective": s.objective,
        "relaxed_objective": s.relaxed_objective,
        "value": c.value,
        "train_error": s.train_error,
        "relative_recovery_error": s.relative_recovery_error,
        "iterations": s.iterations,
        "stop_reason": s.status.value,
        "gradient_norm": s.gradient_norm,
        "kkt": _kkt_json(s.kkt),
        # why a solution does not count (a failed certificate, a backend error), else empty
        "message": s.message if s.status in (SolveStatus.INACCURATE, SolveStatus.ERROR) else "",
        "gap": gap,
        "seconds": s.seconds,
    }


def instance_json(inst: InstanceCheck) -> dict:
    """One instance as a JSON object: ``n, d, m, seed, solutions, agree`` and the evidence behind ``agree``."""
    return {
        "n": inst.n,
        "d": inst.d,
        "m": inst.m,
        "seed": inst.seed,
        "y_norm_squared": inst.y_norm_squared,
        "solutions": [_solution_json(c, inst.gap(c)) for c in inst.solutions],
        "comparisons": [
            {"a": c.a, "b": c.b, "kind": c.kind, "difference": c.difference, "tolerance": c.tolerance, "agree": c.agree}
            for c in inst.comparisons
        ],
        "optimum": inst.optimum,
        "optimum_is_planted_zero": inst.optimum_is_planted_zero,
        "bound": inst.bound,
        "bound_name": inst.bound_name,
        "bound_skipped": inst.bound_skipped,
        "agree": inst.agree,
    }


def run_crosscheck(
    ns: Sequence[int] = DEFAULT_NS,
    ds: Sequence[int] = DEFAULT_DS,
    ms: Sequence[int] = (1,),
    *,
    trials: int = 5,
    backends: Sequence[str] = ("CLARABEL", "SCS", "OSQP"),
    seed: int = 0,
    max_iter: int = DEFAULT_MAX_ITER,
    progress: Progress | None = None,
    relax: Callable = solve_relaxation,
    cell: Callable = solve_cell,
) -> CrosscheckResult:
    """Cross-check ``trials`` instances for every m, n and d; instance k has seed ``derived_seed(seed, "crosscheck", k)``.

    ``progress(label, done, total)`` (:class:`~.progress.Progress`) is called after each instance.
    """
    backends = check_backends(backends)
    for name, values in (("n", ns), ("d", ds), ("m", ms)):
        if not values or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in values):
            raise InvalidInputError(f"{name} values must be integers >= 1; got {list(values)!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise InvalidInputError(f"trials must be an integer >= 1; got {trials!r}")
    seeds = [derived_seed(seed, "crosscheck", k) for k in range(trials)]  # child k of SeedSequence(seed)
    cases = [(m, n, d, seeds[k]) for m in ms for d in ds for n in ns for k in range(trials)]
    instances = []
    for i, (m, n, d, s) in enumerate(cases):
        instances.append(crosscheck_instance(int(n), int(d), int(m), s, backends, max_iter=max_iter,
                                             relax=relax, cell=cell))  # fmt: skip
        if progress is not None:
            progress(f"m={m} n={n} d={d} seed={s}", i + 1, len(cases))
    return CrosscheckResult(tuple(instances), backends, max_iter)


# --- presentation (from the JSON, so the CLI table and the report show the same numbers)

TABLE_HEADERS = (
    "instance", "solution", "value/||y||^2", "f/||y||^2", "f_r/||y||^2", "train err", "rel. recovery",
    "iters", "stop", "KKT worst", "gap to bound", "agrees", "instance agrees",
)  # fmt: skip
#: the columns of the 80-column terminal table, one table per instance (``crosscheck --wide`` shows them all)
#: ("gap", to the certified lower bound, only in the tables of instances that have one)
NARROW_HEADERS = ("solution", "value", "f", "gap", "train err", "iters", "stop", "agrees")
#: the columns of both tables that hold text, not numbers
TEXT_HEADERS = ("instance", "solution", "stop")


def instance_label(inst: dict) -> str:
    """``m=1 n=50 d=100 seed=S``: how tables and messages name an instance."""
    return f"m={inst['m']} n={inst['n']} d={inst['d']} seed={inst['seed']}"


def _planted(inst: dict) -> str:
    """Whether the instance's optimum is the planted value 0 (noise-free planted data), as a phrase."""
    return "optimum = planted 0" if inst["optimum_is_planted_zero"] else "optimum != planted 0"


def _solution_cells(inst: dict, s: dict) -> dict[str, str]:
    r"""The cells of one solution's row by header (:data:`TABLE_HEADERS`), numbers by :func:`~.formatting.number`."""
    yy = inst["y_norm_squared"] or 1.0
    label = s["method"] if s["solver"] is None else f"{s['method']}:{s['solver']}"
    mine = [c["agree"] for c in inst["comparisons"] if label in (c["a"], c["b"])]
    value, f, f_r = (None if s[key] is None else s[key] / yy for key in ("value", "objective", "relaxed_objective"))
    return {
        "solution": label,
        "value/||y||^2": number(value),
        "f/||y||^2": number(f),
        "f_r/||y||^2": number(f_r),
        "train err": number(s["train_error"]),
        "rel. recovery": number(s["relative_recovery_error"]),
        "iters": number(s["iterations"]),
        "stop": s["stop_reason"],
        "KKT worst": number(s["kkt"]["worst"]) if s["kkt"] else "-",
        "gap to bound": number(s["gap"]),
        "agrees": ("yes" if all(mine) else "NO") if mine else "-",
    }


def table_rows(crosscheck_json: dict) -> list[tuple[str, ...]]:
    r"""Rows of the cross-check table (columns :data:`TABLE_HEADERS`) from ``to_json()`` output.

    Values are divided by :math:`\|y\|^2`; ``f`` is :math:`f` or :math:`f_m`
    and ``f_r`` is :math:`f_r` or :math:`f_{mp}`. A solution ``agrees`` when
    every comparison it takes part in agrees (``-``: not compared).
    """
    rows = []
    for inst in crosscheck_json["instances"]:
        for k, s in enumerate(inst["solutions"]):
            first = k == 0
            cells = {
                **_solution_cells(inst, s),
                "instance": f"{instance_label(inst)}; {_planted(inst)}" if first else "",
                "instance agrees": ("yes" if inst["agree"] else "NO") if first else "",
            }
            rows.append(tuple(cells[h] for h in TABLE_HEADERS))
    return rows


def instance_tables(crosscheck_json: dict) -> list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]]:
    r"""The narrow terminal layout: per instance, a heading, its columns and its rows.

    The columns are :data:`NARROW_HEADERS`, less ``gap`` when the instance has
    no certified lower bound. ``value`` (what is compared), ``f`` and ``gap``
    are divided by :math:`\|y\|^2`, as in :func:`table_rows`; the heading
    says whether the instance agrees, whether its optimum is the planted
    value 0, and the bound.
    """
    out = []
    narrow = {"value": "value/||y||^2", "f": "f/||y||^2", "gap": "gap to bound"}
    for inst in crosscheck_json["instances"]:
        verdict = "agrees" if inst["agree"] else "DISAGREES"
        heading = f"{instance_label(inst)}: {verdict}; {_planted(inst)}"
        headers = NARROW_HEADERS
        if inst["bound"] is not None:
            bound = number(inst["bound"] / (inst["y_norm_squared"] or 1.0))
            heading += f"; certified lower bound {inst['bound_name']} = {bound} ||y||^2"
        else:
            headers = tuple(h for h in NARROW_HEADERS if h != "gap")
            if inst["bound_skipped"]:
                heading += "; no certified bound (too many cells)"
        rows = []
        for s in inst["solutions"]:
            cells = _solution_cells(inst, s)
            rows.append(tuple(cells[narrow.get(h, h)] for h in headers))
        out.append((heading, headers, rows))
    return out


def disagreements(crosscheck_json: dict) -> list[str]:
    """One sentence per failed comparison, for messages and reports."""
    out = []
    for inst in crosscheck_json["instances"]:
        where = instance_label(inst)
        for c in inst["comparisons"]:
            if c["agree"]:
                continue
            if c["kind"] == "certificate":
                out.append(f"{where}: {c['a']} is inaccurate: its {c['b']} is {number(c['difference'])} "
                           f"(tolerance {number(c['tolerance'])}); the backend's 'optimal' was not accepted")  # fmt: skip
            elif c["kind"] == "certified_bound":
                out.append(f"{where}: the loss at {c['a']} lies {number(-c['difference'])} ||y||^2 below the "
                           f"certified lower bound of {c['b']} (tolerance {number(c['tolerance'])}): the bound or "
                           "the loss is wrong")  # fmt: skip
            elif c["kind"] == "equal":
                out.append(f"{where}: {c['a']} and {c['b']} differ by {number(c['difference'])} ||y||^2 "
                           f"(tolerance {number(c['tolerance'])})")  # fmt: skip
            else:
                out.append(f"{where}: f at {c['a']} lies {number(-c['difference'] if c['difference'] is not None else None)} "
                           f"||y||^2 below the optimum of {c['b']} (tolerance {number(c['tolerance'])})")  # fmt: skip
        for s in inst["solutions"]:
            if s["stop_reason"] == "error":
                out.append(f"{where}: {s['method']}:{s['solver']} failed: {s['message']}")
    return out
