"""`relurelax report`: files, schema, the ledger slot, escaping, determinism, atomic writes and exit codes."""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
import re
import shutil
import sys
import types
from html.parser import HTMLParser

import pytest

from relurelax.reports import report as report_module
from relurelax.reports import report_command
from relurelax.reports.cli import main
from relurelax.reports.crosscheck import run_crosscheck
from relurelax.reports.ledger_section import run_ledger_section
from relurelax.reports.report import (
    PROFILES,
    RESULT_KEYS,
    CrosscheckSettings,
    Profile,
    write_report,
)
from relurelax.reports._io import dumps_json
from relurelax.reports.report_writers import count, render_html, render_markdown
from relurelax.reports.reproduction import FINDINGS, ReproductionSettings
from relurelax.solvers import solve_relaxation

from .jsonschemas import errors as schema_errors
from .test_determinism import without_wall_times

PNG = b"\x89PNG\r\n\x1a\n"

TINY = Profile(
    "quick",
    ReproductionSettings(d=12, ns=(6, 12, 48), trials=2, iterations=300, history_every=10, curve_points=16),
    CrosscheckSettings(ns=(8,), ds=(12,), small_ns=(8,), small_ds=(3,), ms=(1, 2), trials=1, max_iter=20_000,
                       backends=("CLARABEL",)),  # fmt: skip
    "quick",
)


#: a counterexample as the ledger writes one (a hostile sentence included)
COUNTEREXAMPLE = {
    "A": [[1, 2], [3, -4.5]],
    "y": [1, -1],
    "X": [[0.5], [2]],
    "m": 1,
    "minimiser": [[-2.124999999996895], [1.875]],
    "min f_r": 0.875,
    "satisfies": ["n-le-d", "full-row-rank"],
    "violates": ["planted", "labels-nonnegative", "no-zero-preactivation"],
    "why": "f_r(x) = -0.5 < f(x) = 0.5 <b>bold</b>",
}


def small_ledger(profile="quick", seed=0, progress=None):
    """A ledger JSON that follows the ledger's schema, with hostile strings."""
    return {
        "profile": profile,
        "seed": seed,
        "versions": {"sympy": "x"},
        "claims": [
            {
                "id": "thm1-global-min",
                "statement": "Theorem 1: every minimiser of f_r minimises f <script>alert(1)</script> | pipe",
                "paper_conditions": ["planted"],
                "minimal_conditions": ["labels-nonnegative"],
                "verdict": "holds-under-weaker-conditions",
                "conditions": [
                    {"name": "labels-nonnegative", "necessary": True, "counterexample": COUNTEREXAMPLE},
                    {"name": "planted", "necessary": False, "counterexample": None},
                ],
                "evidence": [
                    {"method": "sympy", "status": "proved", "examples": None, "seconds": 0.25, "detail": "per-sample <b>"},
                    {"method": "hypothesis", "status": "passed", "examples": 100, "seconds": 1.5, "detail": "no counterexample"},
                ],
            }
        ],
        "ok": True,
    }


# tiny_results, build_results(TINY, 0, ledger=small_ledger), is a session fixture of conftest.py: test_report_sweep.py
# reads the same results


# --- the quick profile, end to end ----------------------------------------------------


def test_quick_profile_writes_every_file_with_the_documented_schema(tmp_path, capsys, monkeypatch, quick_verify_run):
    from relurelax.proofs import ledger as ledger_module

    asked = []

    def run_ledger(profile="default", seed=0, progress=None):
        # the quick ledger at seed 0 is the one `relurelax verify --profile quick --seed 0` of this session ran
        # (conftest.py); run_ledger(profile, seed) is deterministic (tests/test_determinism.py), so the report gets
        # what its own call would compute, and the cross-check, reproduction and writing all run here
        asked.append((profile, seed))
        return quick_verify_run[4]

    monkeypatch.setattr(ledger_module, "run_ledger", run_ledger)
    out = tmp_path / "r"
    code = main(["report", "--profile", "quick", "--out", str(out)])
    assert asked == [("quick", 0)]
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert sorted(os.listdir(out)) == [".relurelax-report", "figures", "index.html", "report.md", "results.json"]
    marker = (out / ".relurelax-report").read_text()  # what lets a later --force replace this folder
    assert marker.startswith("This folder is a relurelax report") and "relurelax report --profile quick --seed 0" in marker
    assert sorted(os.listdir(out / "figures")) == ["fig1.png", "fig2.png"]
    assert all((out / "figures" / f).read_bytes().startswith(PNG) for f in ("fig1.png", "fig2.png"))
    assert [p for p in os.listdir(tmp_path) if p != "r"] == []  # no temporary sibling left

    results = json.loads((out / "results.json").read_text())
    assert tuple(results) == RESULT_KEYS
    assert results["schema"] == "relurelax.report/4" and schema_errors(results) == []
    assert results["crosscheck"]["agree"] is True and results["claims"]["ok"] is True
    assert results["settings"]["profile"] == "quick"
    assert results["settings"]["command"] == "relurelax report --profile quick --seed 0"
    assert [f["file"] for f in results["figures"].values()] == ["figures/fig1.png", "figures/fig2.png"]
    assert len(results["paper_findings"]) == len(FINDINGS)
    assert all(set(f) == {"finding", "reproduced", "evidence"} for f in results["paper_findings"])
    assert {i["m"] for i in results["crosscheck"]["instances"]} == {1, 3}
    assert all(i["agree"] for i in results["crosscheck"]["instances"])
    assert set(results["timings"]) == {"ledger", "crosscheck", "reproduction", "relaxation_gap", "figures", "total"}

    page = (out / "index.html").read_text()
    md = (out / "report.md").read_text()
    assert "src=\"figures/" not in page and page.count("data:image/png;base64,") == 2
    embedded = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert base64.b64decode(embedded[0]) == (out / "figures" / "fig1.png").read_bytes()
    assert "![" in md and "(figures/fig1.png)" in md
    shown = page_text(page)
    for f in results["paper_findings"]:
        assert f["evidence"] in shown and f["evidence"] in md
    assert results["claims"]["claims"] and "ok" in results["claims"]
    assert "Report written to" in stdout


# --- rendering from the results dict ---------------------------------------------------------


class _Collector(HTMLParser):
    """The tags of a page, and its text, each piece with the tags open around it (``(data, [(tag, class)])``)."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.tags, self.text, self.pieces, self.open = [], [], [], []
        self.tables = []  # (the tags open around each table)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "table":
            self.tables.append(list(self.open))
        if tag not in self.VOID:
            self.open.append((tag, dict(attrs).get("class")))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1][0] == tag, (tag, self.open[-3:])
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)
        self.pieces.append((data, list(self.open)))


def page_text(page: str) -> str:
    """The text a browser shows of ``page`` (entities decoded, tags dropped)."""
    parser = _Collector()
    parser.feed(page)
    return "".join(parser.text)


def test_the_ledger_is_rendered_and_every_string_is_escaped(tiny_results):
    page = render_html(tiny_results, {"fig1": PNG, "fig2": PNG})
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and "b" not in parser.tags
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text  # shown as text, not run
    assert "thm1-global-min" in text and "holds-under-weaker-conditions" in text
    assert "f_r(x) = -0.5 < f(x) = 0.5 <b>bold</b>" in text  # the counterexample's sentence, as text
    md = render_markdown(tiny_results)
    assert "&lt;script>alert(1)&lt;/script>" in md and "<script>" not in md and "<b>" not in md
    assert "\\| pipe" in md


def _matrices(page: str) -> list[list[list[str]]]:
    """The small matrices of a page (``<table class="matrix">``), as rows of cell texts."""
    found = re.findall(r'<table class="matrix"><tbody>(.*?)</tbody></table>', page)
    return [[re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", m)] for m in found]


def test_a_counterexample_is_shown_as_its_sentence_its_conditions_and_its_matrices(tiny_results):
    page = render_html(tiny_results, {"fig1": PNG, "fig2": PNG})
    cells = [[[page_text(v) for v in row] for row in m] for m in _matrices(page)]
    assert cells == [
        [["1", "2"], ["3", "-4.5"]],  # A
        [["1"], ["-1"]],  # y, a column
        [["0.5"], ["2"]],  # X
        [["-2.125"], ["1.875"]],  # the minimiser the check reached, to six digits
    ]
    shown = page_text(page)
    assert "f_r(x) = -0.5 < f(x) = 0.5 <b>bold</b>" in shown
    assert "satisfies: n-le-d, full-row-rank; violates: planted, labels-nonnegative, no-zero-preactivation" in shown
    assert "min f_r = 0.875" in shown and "m = 1" in shown
    assert '"A": [[' not in shown and '"why"' not in shown  # no raw JSON
    md = render_markdown(tiny_results)
    assert "| labels-nonnegative | true | - | f_r(x) = -0.5 < f(x) = 0.5 &lt;b>bold&lt;/b> (values below) |" in md  # no grade in this fixture: "-"
    assert ("Counterexample when `labels-nonnegative` is dropped: f_r(x) = -0.5 < f(x) = 0.5 &lt;b>bold&lt;/b>. It "
            "satisfies n-le-d, full-row-rank; it violates planted, labels-nonnegative, no-zero-preactivation.") in md
    for row in ("| A | [[1, 2], [3, -4.5]] |", "| y | [1, -1] |", "| m | 1 |", "| minimiser | [[-2.125], [1.875]] |",
                "| min f_r | 0.875 |"):
        assert row in md


def test_report_md_writes_comparisons_as_characters_not_html_entities(tiny_results):
    results = json.loads(dumps_json(tiny_results))
    claim = results["claims"]["claims"][0]
    claim["statement"] = "f_r(x) >= f(x) when y >= 0 & u <= 0; a <tag>, a </close>, an <!-- x -->, an &amp; and a <= b"
    md = render_markdown(results)
    assert ("f_r(x) >= f(x) when y >= 0 & u <= 0; a &lt;tag>, a &lt;/close>, an &lt;!-- x -->, an &amp;amp; and "
            "a <= b") in md
    assert "&gt;" not in md and "&#x27;" not in md and "&quot;" not in md
    assert "<=" in render_markdown(tiny_results) and "&lt;=" not in render_markdown(tiny_results)


def test_iteration_counts_are_written_as_integers_on_both_pages(tiny_results):
    assert [count(v) for v in (4640.0, 7, 2195.5, None, 0.0)] == ["4640", "7", "2195.5", "-", "0"]
    results = json.loads(dumps_json(tiny_results))
    panels = results["figures"]["fig1"]["panels"]
    panels[0]["summary"]["rgd"]["median_iterations_to_zero"] = 4640.0  # a median of iteration counts is a float
    panels[1]["summary"]["rgd"]["median_iterations_to_zero"] = 2195.5  # halfway between two counts
    md, page = render_markdown(results), render_html(results, {"fig1": PNG, "fig2": PNG})
    for shown in (md, page):
        assert "4.64e+03" not in shown and "2.2e+03" not in shown
    assert "| RGD | 0/2 | 4640 |" in md and "| RGD | 0/2 | 2195.5 |" in md
    assert '<span class="num">4640</span>' in page and '<span class="num">2195.5</span>' in page


def test_every_number_on_the_page_stays_on_one_line_and_every_table_scrolls_in_its_own_box(tiny_results):
    # the browser test (test_report_browser.py) measures this in Chromium; this is the static half, without one
    results = json.loads(dumps_json(tiny_results))
    results["timings"]["crosscheck"] = 2.18e-20  # a number with a hyphen, where a browser may break a line
    page = render_html(results, {"fig1": PNG, "fig2": PNG})
    assert re.search(r"\.num\{[^}]*white-space:nowrap", page) and re.search(r"\.scroll\{[^}]*overflow-x:auto", page)
    parser = _Collector()
    parser.feed(page)
    assert parser.open == []
    breakable = re.compile(r"\d(?:\.\d+)?e[-+]\d|(?<![\w.])[-+]\d")  # an exponent or a sign: a line can break there
    loose = [data for data, around in parser.pieces
             if breakable.search(data) and ("span", "num") not in around and around[-1][0] not in ("style", "code")]
    assert loose == []
    assert '<span class="num">2.18e-20</span>' in page
    outer = [around for around in parser.tables if "table" not in [tag for tag, _ in around]]
    assert len(outer) >= 10 and all(around[-1] == ("div", "scroll") for around in outer)


def test_the_page_is_a_function_of_the_results_alone(tiny_results):
    results = json.loads(dumps_json(tiny_results))
    first = render_html(results, {"fig1": PNG, "fig2": PNG})
    assert first == render_html(json.loads(dumps_json(results)), {"fig1": PNG, "fig2": PNG})
    results["paper_findings"][0]["evidence"] = "EVIDENCE-MARKER 12345"
    results["timings"]["crosscheck"] = 98765.0
    second = render_html(results, {"fig1": PNG, "fig2": PNG})
    assert "EVIDENCE-MARKER 12345" in page_text(second) and "9.88e+04" in page_text(second)
    assert "EVIDENCE-MARKER" not in first


def test_the_written_pages_show_what_results_json_holds_for_a_missing_number(tmp_path, tiny_results):
    results = json.loads(dumps_json(tiny_results))
    results["crosscheck"]["instances"][0]["solutions"][0]["train_error"] = float("nan")  # a failed solve
    out = write_report(results, str(tmp_path / "r"))
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert saved["crosscheck"]["instances"][0]["solutions"][0]["train_error"] is None
    page = (tmp_path / "r" / "index.html").read_text()
    md = (tmp_path / "r" / "report.md").read_text()
    assert ">nan<" not in page and "| nan |" not in md
    assert page == render_html(saved, {k: (tmp_path / "r" / f["file"]).read_bytes() for k, f in saved["figures"].items()})
    assert md == render_markdown(saved) and out == str(tmp_path / "r")


def test_write_report_leaves_the_results_it_is_given_unchanged(tmp_path, tiny_results):
    results = json.loads(dumps_json(tiny_results))
    before = copy.deepcopy(results)
    write_report(results, str(tmp_path / "r"))
    assert results == before
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert set(saved["timings"]) == set(before["timings"]) | {"figures", "total"}
    assert saved["timings"]["total"] == pytest.approx(sum(v for k, v in saved["timings"].items() if k != "total"))


def test_the_verdicts_on_the_page_are_the_ones_the_results_carry(tiny_results):
    results = json.loads(dumps_json(tiny_results))
    assert results["claims"]["ok"] is True and results["crosscheck"]["agree"] is True
    assert "Ledger consistent (ok)." in render_markdown(results)
    results["claims"]["ok"] = False  # nothing else changes: the renderer does not judge the evidence itself
    md, page = render_markdown(results), render_html(results, {"fig1": PNG, "fig2": PNG})
    assert "Ledger NOT ok" in md and "Ledger NOT ok" in page and "Ledger consistent" not in md


def test_the_crosschecks_verdict_is_decided_with_the_results(tiny_results):
    instances = tiny_results["crosscheck"]["instances"]
    # the paper's grid (n = 8, d = 12) and the small grid (n = 8, d = 3), each for m = 1 and 2
    assert sorted((i["d"], i["m"]) for i in instances) == [(3, 1), (3, 2), (12, 1), (12, 2)]
    assert tiny_results["crosscheck"]["agree"] is all(i["agree"] for i in instances)
    small = [i for i in instances if i["d"] == 3]
    assert [i["bound_name"] for i in sorted(small, key=lambda i: i["m"])] == ["min f", "P_+"]


def test_every_command_with_profiles_names_them_quick_default_thorough():
    from relurelax.proofs.ledger import PROFILES as LEDGER_PROFILES
    from relurelax.reports._args import PROFILE_NAMES

    assert PROFILE_NAMES == ("quick", "default", "thorough")
    assert tuple(PROFILES) == tuple(LEDGER_PROFILES) == PROFILE_NAMES
    assert all(PROFILES[name].ledger == name for name in PROFILE_NAMES)


def test_results_json_is_strict_and_keeps_number_lists_on_one_line(tiny_results):
    text = dumps_json(dict(tiny_results, timings={"x": float("nan")}))
    assert json.loads(text)["timings"]["x"] is None
    assert "NaN" not in text
    assert re.search(r'"iterations": \[0, \d+, \d+', text)


# --- the ledger slot -------------------------------------------------------------------------


def test_the_ledger_section_calls_run_ledger_once_with_its_profile_and_carries_ok(monkeypatch):
    calls = []

    class FakeLedger:
        ok = False

        def judged(self, strict):
            calls.append(("judged", strict))
            return self

        def to_json(self):
            return {"profile": "thorough", "seed": 7, "versions": {}, "claims": [], "ok": False}

    def run_ledger(profile="default", seed=0, progress=None):
        calls.append((profile, seed))
        return FakeLedger()

    fake = types.ModuleType("relurelax.proofs.ledger")
    fake.run_ledger = run_ledger
    monkeypatch.setitem(sys.modules, "relurelax.proofs.ledger", fake)
    data = run_ledger_section("thorough", 7)
    assert calls == [("thorough", 7), ("judged", True)]
    assert data["ok"] is False and data["claims"] == []


# --- writing: determinism, atomicity, --force, interruption, exit codes ------------------------


def _tiny_cli(monkeypatch, ledger=small_ledger, crosscheck=None):
    monkeypatch.setattr(report_command, "PROFILES", {**PROFILES, "quick": TINY})
    monkeypatch.setattr(report_module, "run_ledger_section", ledger)
    if crosscheck is not None:
        monkeypatch.setattr(report_module, "run_crosscheck", crosscheck)


def _tiny_report(out: str, seed: int) -> int:
    """``relurelax report --profile quick --seed SEED --out OUT`` at TINY's sizes with small_ledger; its exit code."""
    with pytest.MonkeyPatch.context() as mp:
        _tiny_cli(mp)
        return main(["report", "--profile", "quick", "--seed", str(seed), "--out", out])


@pytest.fixture(scope="module")
def two_reports_at_seed_2(tmp_path_factory):
    """Two folders, ``a`` and ``b``, each written by ``relurelax report --profile quick --seed 2`` (TINY's sizes)."""
    root = tmp_path_factory.mktemp("seed2")
    for name in ("a", "b"):
        assert _tiny_report(str(root / name), 2) == 0
    return root


def test_the_same_seed_gives_the_same_results_and_figures_apart_from_wall_times(two_reports_at_seed_2):
    root = two_reports_at_seed_2
    a, b = (json.loads((root / n / "results.json").read_text()) for n in ("a", "b"))
    assert without_wall_times(a) == without_wall_times(b)
    assert a["settings"]["seed"] == 2
    for fig in ("fig1.png", "fig2.png"):
        assert (root / "a" / "figures" / fig).read_bytes() == (root / "b" / "figures" / fig).read_bytes()


def test_an_existing_report_is_kept_without_force_and_replaced_with_it(tmp_path, monkeypatch, capsys,
                                                                       two_reports_at_seed_2):
    _tiny_cli(monkeypatch)
    out = tmp_path / "rep"
    # the existing report: a copy of one `relurelax report` wrote (its marker included), not a second run of it
    shutil.copytree(two_reports_at_seed_2 / "a", out)
    (out / "results.json").write_text("an older report")
    assert main(["report", "--profile", "quick", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "relurelax report already" in err and "--force" in err and len(err.strip().splitlines()) == 1
    assert (out / "results.json").read_text() == "an older report"
    assert main(["report", "--profile", "quick", "--out", str(out), "--force"]) == 0
    capsys.readouterr()
    settings = json.loads((out / "results.json").read_text())["settings"]
    assert (settings["profile"], settings["seed"]) == ("quick", 0)  # this run's, not the copied report's seed 2
    assert sorted(os.listdir(tmp_path)) == ["rep"]


def test_a_folder_with_files_relurelax_did_not_write_is_refused_even_with_force(tmp_path, monkeypatch, capsys):
    _tiny_cli(monkeypatch)
    out = tmp_path / "rep"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for argv in ([], ["--force"]):
        assert main(["report", "--profile", "quick", "--out", str(out), *argv]) == 2
        err = capsys.readouterr().err
        assert "keep.txt" in err and "did not write" in err and len(err.strip().splitlines()) == 1
        assert "pass --force" not in err  # the message no longer teaches the flag for a folder that is not ours
    assert os.listdir(out) == ["keep.txt"] and (out / "keep.txt").read_text() == "mine"
    assert sorted(os.listdir(tmp_path)) == ["rep"]


def test_a_file_in_place_of_the_report_folder_is_refused(tmp_path, capsys):
    path = tmp_path / "file"
    path.write_text("x")
    assert main(["report", "--profile", "quick", "--out", str(path), "--force"]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_an_interrupted_report_leaves_nothing_and_says_how_far_it_got(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    _tiny_cli(monkeypatch)
    monkeypatch.setattr(report_module, "run_reproduction", interrupted)
    code = main(["report", "--profile", "quick", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 130
    assert "during reproduction of Figures 1 and 2" in err and "claims ledger, cross-check" in err
    assert "nothing was written" in err and len(err.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_sigterm_during_a_report_leaves_nothing_and_exits_130(tmp_path):
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "relurelax.reports.cli", "report", "--profile", "quick", "--out", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(8.0)  # imports done even on a loaded machine, well inside the run (the quick profile takes about 22 s)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted during" in err and "nothing was written" in err
    assert os.listdir(tmp_path) == []


def test_a_failure_while_writing_removes_the_temporary_folder(tmp_path, tiny_results, monkeypatch):
    def broken(results, images):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(report_module, "render_html", broken)
    with pytest.raises(RuntimeError):
        write_report(json.loads(dumps_json(tiny_results)), str(tmp_path / "r"))
    assert os.listdir(tmp_path) == []


def test_a_crosscheck_disagreement_is_written_and_exits_1(tmp_path, monkeypatch, capsys):
    def wrong(A, y, **kwargs):
        import dataclasses

        res = solve_relaxation(A, y, **kwargs)
        return dataclasses.replace(res, x=res.x + 1.0)

    _tiny_cli(monkeypatch, crosscheck=functools.partial(run_crosscheck, relax=wrong))
    out = tmp_path / "r"
    code = main(["report", "--profile", "quick", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "report written to" in err and "cross-check disagreed" in err
    page = (out / "index.html").read_text()
    assert "Disagreements" in page
    assert json.loads((out / "results.json").read_text())["crosscheck"]["instances"][0]["agree"] is False


def test_a_ledger_that_is_not_ok_exits_1(tmp_path, monkeypatch, capsys):
    def not_ok(profile, seed, progress=None):
        return dict(small_ledger(profile, seed), ok=False)

    _tiny_cli(monkeypatch, ledger=not_ok)
    assert main(["report", "--profile", "quick", "--out", str(tmp_path / "r")]) == 1
    assert "claims ledger is not ok" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["report", "--profile", "huge"], "invalid choice"),
        (["report", "--profile", "full"], "invalid choice"),  # the largest profile is called thorough everywhere
        (["report", "--seed", "-1"], "integer >= 0"),
    ],
)
def test_bad_usage_exits_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
