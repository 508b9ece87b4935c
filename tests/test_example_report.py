r"""The committed example report is what its own command prints today, apart from wall times.

``reports/example/results.json`` records the command that made it
(``settings.command``). Run again into a temporary folder with the same
package versions, it must give the same ``results.json`` except for the
``timings`` and ``seconds`` fields and the ``versions`` tables; and the
committed ``report.md`` and ``index.html`` must be exactly the pages of the
new results with the committed wall times and versions put back, with
figures equal byte for byte. With other package versions (a new hypothesis
draws other examples) the example is out of date, not wrong: the test says
so and skips.
"""

from __future__ import annotations

import json
import pathlib
import shlex
import subprocess
import sys

import pytest

from relurelax.reports.report import versions
from relurelax.reports.report_writers import render_html, render_markdown

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "reports" / "example"
#: the fields that hold wall times or package versions, wherever they are
VOLATILE = ("timings", "seconds", "versions")


def without_volatile(value):
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value


def with_volatile_from(value, source):
    """``value`` with every volatile field taken from ``source`` (the two have the same shape otherwise)."""
    if isinstance(value, dict):
        return {k: source[k] if k in VOLATILE else with_volatile_from(v, source[k]) for k, v in value.items()}
    if isinstance(value, list):
        return [with_volatile_from(v, s) for v, s in zip(value, source)]
    return value


def test_the_committed_pages_are_what_the_renderers_make_of_the_committed_results_and_figures():
    # the pages hold nothing that results.json does not: rendering it again gives them byte for byte
    results = json.loads((EXAMPLE / "results.json").read_text(encoding="utf-8"))
    images = {key: (EXAMPLE / figure["file"]).read_bytes() for key, figure in results["figures"].items()}
    assert render_markdown(results) == (EXAMPLE / "report.md").read_text(encoding="utf-8")
    assert render_html(results, images) == (EXAMPLE / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_committed_example_report_is_reproduced_by_its_command_apart_from_wall_times(tmp_path):
    committed = json.loads((EXAMPLE / "results.json").read_text(encoding="utf-8"))
    here = versions()
    if committed["versions"] != here:
        changed = {k: (v, here.get(k)) for k, v in committed["versions"].items() if here.get(k) != v}
        pytest.skip(f"the example was made with other package versions {changed}: regenerate it")
    argv = shlex.split(committed["settings"]["command"])
    assert argv[:2] == ["relurelax", "report"]
    out = tmp_path / "example"
    proc = subprocess.run([sys.executable, "-m", "relurelax.reports.cli", *argv[1:], "--out", str(out)],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-1000:]
    fresh = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert without_volatile(fresh) == without_volatile(committed)

    for key, figure in committed["figures"].items():
        assert (out / figure["file"]).read_bytes() == (EXAMPLE / figure["file"]).read_bytes(), key
    images = {key: (out / figure["file"]).read_bytes() for key, figure in fresh["figures"].items()}
    # the fresh pages are rendered from the fresh results.json ...
    assert (out / "report.md").read_text(encoding="utf-8") == render_markdown(fresh)
    assert (out / "index.html").read_text(encoding="utf-8") == render_html(fresh, images)
    # ... and, with the committed wall times and versions, they are the committed pages
    restored = with_volatile_from(fresh, committed)
    assert render_markdown(restored) == (EXAMPLE / "report.md").read_text(encoding="utf-8")
    assert render_html(restored, images) == (EXAMPLE / "index.html").read_text(encoding="utf-8")
