"""A sweep's grid, rates, folder and --resume (relurelax.reports.sweep)."""

from __future__ import annotations

import json
import os

import jsonschema
import numpy as np
import pytest

from relurelax.reports._io import is_relurelax_npz, load_schema, schema_for
from relurelax.reports.sweep import (
    MAX_CELLS,
    PROFILES,
    TRIALS,
    Grid,
    load_cell_records,
    prepare_sweep_folder,
    run_sweep,
    wilson_interval,
)
from relurelax.solvers import InvalidInputError


def small_grid(**changes):
    fields = dict(ds=(3,), ns=(3, 6), ms=(1,), noises=(0.0,), lams=(1.0,), methods=("gd", "rgd", "newton"),
                  trials=3, seed=1, max_iter=300)  # fmt: skip
    fields.update(changes)
    return Grid(**fields)


def sweep(folder, grid, *, resume=False, force=False, figures=False):
    out = prepare_sweep_folder(str(folder), grid, resume=resume, force=force)
    return run_sweep(grid, out, figures=figures)


def without_times(summary):
    cells = [{k: v for k, v in c.items() if k != "seconds"} for c in summary["cells"]]
    return {"settings": summary["settings"], "cells": cells}


def test_the_wilson_interval_matches_its_closed_form_at_the_edges_and_a_table_value():
    z2 = 1.959963984540054**2
    assert wilson_interval(0, 10) == pytest.approx((0.0, z2 / (10 + z2)))
    assert wilson_interval(10, 10) == pytest.approx((10 / (10 + z2), 1.0))
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)  # the textbook value


def test_ratios_give_the_sample_counts_and_methods_their_cells():
    grid = small_grid(ns=None, ratios=(0.5, 2.0), ds=(4,), ms=(1, 2), lams=(0.5, 1.0))
    cells = grid.cells()
    assert grid.sizes() == [(2, 4), (8, 4)]
    assert len(cells) == grid.count() == 2 * (1 + 2 + 1 + 1 + 2)  # m = 1: gd, rgd x 2 lam, newton; m = 2: no newton
    assert {c.lam for c in cells if c.method == "gd"} == {0.0}
    assert not [c for c in cells if c.method == "newton" and c.m != 1]


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(ds=()), "the grid is empty: no value of d"),
        (dict(ns=(0,)), "n must be an integer >= 1"),
        (dict(ms=(0,)), "m must be an integer >= 1"),
        (dict(trials=0), "trials must be"),
        (dict(ns=None), "give the sample counts n or the ratios n/d"),
        (dict(ratios=(1.0,)), "give the sample counts n or the ratios n/d"),
        (dict(methods=("newton",), ms=(2,)), "newton run on one neuron only"),
    ],
)
def test_a_bad_grid_is_refused_naming_the_problem(changes, words):
    with pytest.raises(InvalidInputError) as info:
        small_grid(**changes).cells()
    assert words in str(info.value)


def test_a_grid_with_too_many_cells_is_refused_with_its_count():
    grid = small_grid(ns=tuple(range(1, 2000)), methods=("gd", "rgd", "newton"))
    with pytest.raises(InvalidInputError, match=f"the grid has {grid.count()} cells .* over the limit {MAX_CELLS}"):
        grid.cells()


def test_every_profile_is_a_valid_grid():
    for profile in PROFILES.values():
        assert Grid(seed=0, **profile).cells()


def test_a_sweep_writes_its_summary_by_its_schema_and_every_trial_in_one_columnar_file(tmp_path):
    grid = small_grid()
    run = sweep(tmp_path / "s", grid)
    with open(tmp_path / "s" / "summary.json", encoding="utf-8") as fh:
        summary = json.load(fh)
    schema = load_schema("sweep")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == schema_for("sweep") == summary["schema"]
    jsonschema.Draft202012Validator(schema).validate(summary)
    assert len(summary["cells"]) == len(grid.cells()) == run.computed
    path = str(tmp_path / "s" / "trials.npz")
    assert is_relurelax_npz(path)
    with np.load(path, allow_pickle=False) as data:
        assert len(data["train_error"]) == len(grid.cells()) * grid.trials
        assert set(data["method"].tolist()) == {"gd", "rgd", "newton"}
        newton = data["method"] == "newton"
        # noiseless labels, m = 1: the relaxation's minimiser interpolates them (Newton is exact)
        assert (data["train_error"][newton] <= 1e-8).all()
    for cell in summary["cells"]:
        rate = cell["success_rate"]
        assert rate["ci95"][0] <= rate["rate"] <= rate["ci95"][1]


def test_a_sweep_draws_its_maps_and_the_recovery_curve_as_png_files(tmp_path):
    grid = small_grid(ms=(1, 2), noises=(0.0, 0.1), trials=2)
    run = sweep(tmp_path / "s", grid, figures=True)
    names = sorted(os.listdir(tmp_path / "s" / "figures"))
    assert names == ["recovery_m1.png", "success_m.png", "success_m_rgd_minus_gd.png", "success_noise.png",
                     "success_noise_rgd_minus_gd.png"]  # fmt: skip
    for name in names:
        assert (tmp_path / "s" / "figures" / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert run.computed == len(grid.cells())


def test_resume_of_a_finished_sweep_computes_nothing_and_of_a_cut_one_only_the_missing_cell(tmp_path):
    grid = small_grid()
    first = sweep(tmp_path / "s", grid)
    again = sweep(tmp_path / "s", grid, resume=True)
    assert (again.computed, again.reused) == (0, len(grid.cells()))
    assert without_times(again.summary) == without_times(first.summary)
    cells = sorted(os.listdir(tmp_path / "s" / "cells"))
    victim = tmp_path / "s" / "cells" / cells[1]
    before = load_cell_records(str(victim))
    victim.unlink()
    resumed = sweep(tmp_path / "s", grid, resume=True)
    assert (resumed.computed, resumed.reused) == (1, len(grid.cells()) - 1)
    after = load_cell_records(str(victim))
    assert after.cell == before.cell
    for name, column in before.columns().items():
        np.testing.assert_array_equal(getattr(after, name), column)
    assert without_times(resumed.summary) == without_times(first.summary)


def test_resume_refuses_a_folder_of_another_grid_naming_the_difference(tmp_path):
    sweep(tmp_path / "s", small_grid())
    with pytest.raises(InvalidInputError, match=r"another grid \(trials: 3 there, 4 now\)"):
        prepare_sweep_folder(str(tmp_path / "s"), small_grid(trials=4), resume=True, force=False)


def test_a_folder_is_replaced_only_when_it_is_a_sweep_and_force_is_given(tmp_path):
    sweep(tmp_path / "s", small_grid(methods=("newton",)))
    with pytest.raises(InvalidInputError, match="holds a relurelax sweep already; pass --resume"):
        prepare_sweep_folder(str(tmp_path / "s"), small_grid(), resume=False, force=False)
    prepare_sweep_folder(str(tmp_path / "s"), small_grid(), resume=False, force=True)
    assert os.listdir(tmp_path / "s" / "cells") == []
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for force in (False, True):
        with pytest.raises(InvalidInputError, match="notes.txt that relurelax did not write"):
            prepare_sweep_folder(str(mine), small_grid(), resume=False, force=force)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_a_sweep_on_a_local_pool_of_two_processes_equals_the_sweep_in_one_process(tmp_path):
    from relurelax.reports.executor import CellExecutor

    grid = small_grid()
    runs = {}
    for name, processes in (("one", 1), ("pool", 2)):
        with CellExecutor(processes=processes) as executor:
            out = prepare_sweep_folder(str(tmp_path / name), grid, resume=False, force=False)
            runs[name] = run_sweep(grid, out, executor=executor)
    assert without_times(runs["pool"].summary) == without_times(runs["one"].summary)
    assert runs["pool"].summary["timings"]["execution"] == "local pool of 2 processes"
    with np.load(tmp_path / "one" / TRIALS) as one, np.load(tmp_path / "pool" / TRIALS) as pool:
        assert sorted(one.files) == sorted(pool.files)
        for key in one.files:
            np.testing.assert_array_equal(pool[key], one[key])
