"""`relurelax report --sweep-from DIR`: the sweep section of results.json, report.md and index.html."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shlex

import pytest

from relurelax.reports.cli import main
from relurelax.reports.report import build_results, load_sweep_section, report_command_line, write_report
from relurelax.reports.report_writers import SWEEP_TITLE, render_html, render_markdown
from relurelax.reports.sweep import Grid, load_cell_records, prepare_sweep_folder, run_sweep

from .jsonschemas import errors as schema_errors
from .test_report import PNG, TINY, page_text, small_ledger

#: d = 3, n from 2 to 12: below, at and above the transition n = 2d; m = 1 and 2
GRID = Grid(ds=(3,), ns=(2, 6, 12), ms=(1, 2), noises=(0.0,), lams=(1.0,), methods=("gd", "rgd", "newton"),
            trials=6, seed=0, max_iter=400)  # fmt: skip


def binomial_tail(n: int, d: int) -> float:
    """P[Bin(n, 1/2) >= d], summed exactly in integers."""
    return sum(math.comb(n, k) for k in range(d, n + 1)) / 2**n


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    out = prepare_sweep_folder(str(tmp_path_factory.mktemp("sweeps") / "map"), GRID, resume=False, force=False)
    run_sweep(GRID, out, profile=None, figures=False)
    return out


@pytest.fixture(scope="module")
def sweep_results(sweep_folder):
    return build_results(TINY, 0, ledger=small_ledger, sweep=load_sweep_section(sweep_folder))


@pytest.fixture(scope="module")
def written(sweep_results, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "r"
    write_report(sweep_results, str(out))
    return out


def test_the_recovery_rows_are_the_cells_counts_beside_the_binomial_tail(sweep_folder):
    section = load_sweep_section(sweep_folder)
    rows = section["recovery"]
    # every m = 1 cell without noise, one row each: (n, method) for n in 2, 6, 12 and gd, rgd, newton
    assert [(r["n"], r["method"]) for r in rows] == [(n, m) for n in (2, 6, 12) for m in ("gd", "rgd", "newton")]
    for r in rows:
        assert r["binomial"] == pytest.approx(binomial_tail(r["n"], r["d"]), rel=1e-12)
        key = next(c["key"] for c in section["summary"]["cells"]
                   if (c["n"], c["m"], c["method"]) == (r["n"], 1, r["method"]))  # fmt: skip
        records = load_cell_records(os.path.join(sweep_folder, "cells", f"{key}.npz"))
        recovered = int((records.recovery_error <= 1e-6).sum())
        assert (r["exact_recovery_rate"]["count"], r["exact_recovery_rate"]["of"]) == (recovered, 6)
        low, high = r["exact_recovery_rate"]["ci95"]
        assert 0 <= low <= recovered / 6 <= high <= 1
    # n = 2 < d = 3: A_S never has rank 3, so nothing recovers x*; the tail is 0 there
    assert all(r["exact_recovery_rate"]["count"] == 0 and r["binomial"] == 0 for r in rows if r["n"] == 2)


def test_a_report_with_a_sweep_writes_its_section_to_results_json_and_both_pages(written):
    results = json.loads((written / "results.json").read_text())
    assert results["schema"] == "relurelax.report/4"
    # the ledger of these results is a stand-in (small_ledger) that does not follow the ledger's schema
    assert [e for e in schema_errors(results) if not e.startswith("$.claims")] == []
    broken = json.loads(json.dumps(results))
    broken["sweep"]["recovery"][0]["binomial"] = 1.5  # a probability
    del broken["sweep"]["recovery"][1]["exact_recovery_rate"]["ci95"]
    assert len([e for e in schema_errors(broken) if e.startswith("$.sweep")]) == 2
    assert list(results)[-2:] == ["sweep", "timings"]
    sweep = results["sweep"]
    assert results["settings"]["command"] == report_command_line("quick", 0, sweep["source"])
    assert sweep["figures"] == ["figures/sweep_recovery_m1.png", "figures/sweep_success_m.png",
                                "figures/sweep_success_m_rgd_minus_gd.png"]  # fmt: skip
    for file in sweep["figures"]:
        assert (written / file).read_bytes().startswith(PNG)
    page = (written / "index.html").read_text()
    md = (written / "report.md").read_text()
    embedded = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert len(embedded) == len(results["figures"]) + len(sweep["figures"])
    assert {base64.b64decode(e) for e in embedded[-3:]} == {(written / f).read_bytes() for f in sweep["figures"]}
    assert all(f"]({file})" in md for file in sweep["figures"])
    assert SWEEP_TITLE in page_text(page) and f"## {SWEEP_TITLE}" in md
    # the n = 12 newton row: the count of the cell and P[Bin(12, 1/2) >= 3] = 1 - 79/4096 to three decimals
    row = next(r for r in sweep["recovery"] if (r["n"], r["method"]) == (12, "newton"))
    rate = row["exact_recovery_rate"]
    expected = f"| 3 | 12 | 4 | newton | 1 | {rate['count']}/6 | {rate['rate']:.2f} |"
    assert expected in md and "| 0.981 |" in md
    assert f"{rate['count']}/6" in page_text(page)


def test_the_pages_with_a_sweep_are_a_function_of_results_json_alone(written):
    results = json.loads((written / "results.json").read_text())
    images = {key: (written / f["file"]).read_bytes() for key, f in results["figures"].items()}
    images.update({file: (written / file).read_bytes() for file in results["sweep"]["figures"]})
    assert render_markdown(results) == (written / "report.md").read_text()
    assert render_html(results, images) == (written / "index.html").read_text()


def test_a_report_without_the_flag_has_no_sweep_section(sweep_results, tiny_results):
    plain = tiny_results  # build_results(TINY, 0, ledger=small_ledger), shared with test_report.py (conftest.py)
    assert "sweep" not in plain and "--sweep-from" not in plain["settings"]["command"]
    assert SWEEP_TITLE not in render_markdown(json.loads(json.dumps(plain)))
    assert set(sweep_results) - set(plain) == {"sweep"}


def test_a_report_with_a_sweep_is_replaced_with_force(written, sweep_results):
    write_report(sweep_results, str(written), force=True)  # figures/sweep_*.png are files relurelax writes
    assert sorted(os.listdir(written / "figures")) == ["fig1.png", "fig2.png", "sweep_recovery_m1.png",
                                                       "sweep_success_m.png", "sweep_success_m_rgd_minus_gd.png"]  # fmt: skip
    assert [p for p in os.listdir(written.parent) if p != written.name] == []


def test_the_command_line_quotes_the_sweep_folder():
    line = report_command_line("default", 3, "my sweeps/d 10")
    assert shlex.split(line)[-2:] == ["--sweep-from", "my sweeps/d 10"]


def _files(folder, **files):
    for name, content in files.items():
        (folder / name.replace("marker", ".relurelax-sweep").replace("_json", ".json")).write_text(content)
    return folder


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p / "missing", "not a folder"),
        (lambda p: p, "has no .relurelax-sweep marker"),
        (lambda p: _files(p, marker="x"), "cannot read its summary.json"),
        (lambda p: _files(p, marker="x", summary_json='{"schema": "relurelax.report/4"}'),
         "has schema 'relurelax.report/4', not 'relurelax.sweep/1'"),
    ],
)  # fmt: skip
def test_a_folder_that_is_not_a_sweep_is_refused_with_exit_2_before_any_work(tmp_path, capsys, make, words):
    source = tmp_path / "source"
    source.mkdir()
    code = main(["report", "--profile", "quick", "--sweep-from", str(make(source)), "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and words in err
    assert not (tmp_path / "r").exists()
