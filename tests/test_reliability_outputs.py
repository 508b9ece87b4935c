r"""Reliability of what relurelax writes: nothing the user has is ever lost.

Every command that writes (``report --out``, ``--json`` of solve, crosscheck,
verify and bench) replaces only what relurelax wrote (a report folder with
its marker ``.relurelax-report`` and nothing else, a JSON file starting with
``{"schema": "relurelax.<command>/1"``) or an empty folder or file; refuses an
empty path, the working directory, its parents, the home folder and an output
that is an input, before any work; cleans up what a killed run left (only
what carries the marker); writes with the permissions of the umask; and says
"out of memory" rather than "internal error" when memory runs out.

The long computations are replaced by :class:`_Reached` where a refusal must
come first, so a refusal that comes too late shows up as exit 1, not 2.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relurelax.benchmarks as benchmarks
from relurelax.reports import _io
from relurelax.reports import report as report_module
from relurelax.reports import crosscheck_command, report_command, solve_command, verify_command
from relurelax.reports.cli import CommandFailed, main
from relurelax.reports.report import REPORT_MARKER, prepare_target, write_report

from . import reliability

PNG = b"\x89PNG\r\n\x1a\n"
SOLVE = ["solve", "--planted", "--n", "6", "--d", "3", "--method", "gd", "--iters", "5"]


class _Reached(CommandFailed):
    """Raised where a command would start its long computation (exit 1, never 2)."""


def _reached(*args, **kwargs):
    raise _Reached("reached the computation")


@pytest.fixture
def no_work(monkeypatch):
    """Every long computation of every command raises _Reached."""
    for module, name in ((verify_command, "run_ledger"), (crosscheck_command, "run_crosscheck"),
                         (report_command, "build_results"), (benchmarks, "run_benchmarks"),
                         (solve_command, "run_solve")):  # fmt: skip
        monkeypatch.setattr(module, name, _reached)


def _cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 1, err
    return code, err


def _snapshot(folder):
    """Every path under ``folder`` with its bytes (None for a folder), to show that nothing changed."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            out[os.path.relpath(os.path.join(root, name), folder)] = None
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, folder)] = fh.read()
    return out


def _fake_results(command="relurelax report --profile quick --seed 0"):
    return {"settings": {"command": command}, "figures": {"fig1": {"file": "figures/fig1.png"}}, "timings": {}}


@pytest.fixture
def fast_writers(monkeypatch):
    """write_report with its drawing and rendering replaced by tiny stand-ins (the writing path is real)."""

    def draw(figures, folder):
        os.makedirs(os.path.join(folder, "figures"), exist_ok=True)
        with open(os.path.join(folder, "figures", "fig1.png"), "wb") as fh:
            fh.write(PNG)
        return {"fig1": PNG}

    monkeypatch.setattr(report_module, "draw_figures", draw)
    monkeypatch.setattr(report_module, "render_markdown", lambda results: "# report\n")
    monkeypatch.setattr(report_module, "render_html", lambda results, images: "<html></html>\n")
    return draw


def _dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- report --out: only an empty folder or a relurelax report is replaced -----------------


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["no-force", "force"])
def test_a_folder_of_the_users_files_is_refused_naming_them_force_or_not(force, tmp_path, capsys, no_work):
    out = tmp_path / "mine"
    out.mkdir()
    for name in ("notes.txt", "data.csv", "a.py", "b.py", "c.py", "d.py", "e.py"):
        (out / name).write_text(name)
    before = _snapshot(out)
    reliability.tried("cli-destructive-out")
    code, err = _cli(["report", "--profile", "quick", "--out", str(out), *force], capsys)
    assert code == 2
    assert "a.py, b.py, c.py, d.py, data.csv (and 2 more) that relurelax did not write" in err
    assert "refusing to replace it" in err and "pass --force" not in err
    assert _snapshot(out) == before and sorted(os.listdir(tmp_path)) == ["mine"]


def test_a_report_folder_with_one_foreign_file_is_refused_even_with_force(tmp_path, capsys, fast_writers, no_work):
    out = tmp_path / "r"
    write_report(_fake_results(), str(out))
    assert sorted(os.listdir(out)) == sorted([REPORT_MARKER, "figures", "index.html", "report.md", "results.json"])
    cases = {"notes.txt": out / "notes.txt", "figures/plot.svg": out / "figures" / "plot.svg"}
    for shown, path in cases.items():
        path.write_text("mine")
        before = _snapshot(out)
        reliability.tried("cli-destructive-out")
        code, err = _cli(["report", "--profile", "quick", "--out", str(out), "--force"], capsys)
        assert code == 2 and f"holds {shown} that relurelax did not write" in err
        assert _snapshot(out) == before
        path.unlink()


def test_an_unmarked_folder_that_looks_like_a_report_is_refused_even_with_force(tmp_path, capsys, no_work):
    out = tmp_path / "old-report"
    (out / "figures").mkdir(parents=True)
    (out / "index.html").write_text("<html>mine</html>")
    (out / "figures" / "fig1.png").write_bytes(PNG)
    (out / REPORT_MARKER).write_text("not relurelax's first line\n")  # a marker file must say relurelax wrote it
    before = _snapshot(out)
    reliability.tried("cli-destructive-out")
    code, err = _cli(["report", "--profile", "quick", "--out", str(out), "--force"], capsys)
    assert code == 2 and f"{REPORT_MARKER} that relurelax did not write" in err
    (out / REPORT_MARKER).unlink()
    code, err = _cli(["report", "--profile", "quick", "--out", str(out), "--force"], capsys)
    assert code == 2 and f"no {REPORT_MARKER} marker" in err and "cannot tell" in err
    del before[REPORT_MARKER]
    assert _snapshot(out) == before


def test_a_relurelax_report_is_replaced_with_force_and_an_empty_folder_without(tmp_path, fast_writers):
    empty = tmp_path / "empty"
    empty.mkdir()
    reliability.tried("cli-destructive-out", 3)
    assert write_report(_fake_results(), str(empty)) == str(empty)
    marker = (empty / REPORT_MARKER).read_text()
    assert marker.startswith("This folder is a relurelax report") and "--profile quick --seed 0" in marker
    (empty / "results.json").write_text("stale")
    with pytest.raises(report_module.InvalidInputError, match="pass --force"):
        write_report(_fake_results(), str(empty))
    assert (empty / "results.json").read_text() == "stale"
    write_report(_fake_results("relurelax report --profile quick --seed 7"), str(empty), force=True)
    assert json.loads((empty / "results.json").read_text())["settings"]["command"].endswith("--seed 7")
    assert sorted(os.listdir(tmp_path)) == ["empty"]  # no temporary or old folder left


def test_a_folder_that_gains_a_foreign_file_during_the_run_is_put_back_and_refused(tmp_path, fast_writers, monkeypatch):
    out = tmp_path / "r"
    write_report(_fake_results(), str(out))

    def draw_while_the_user_writes(figures, folder):
        (out / "notes.txt").write_text("written while the report ran")
        return fast_writers(figures, folder)

    monkeypatch.setattr(report_module, "draw_figures", draw_while_the_user_writes)
    reliability.tried("cli-destructive-out")
    with pytest.raises(report_module.InvalidInputError, match="notes.txt that relurelax did not write"):
        write_report(_fake_results(), str(out), force=True)
    assert (out / "notes.txt").read_text() == "written while the report ran"
    assert (out / "results.json").exists() and sorted(os.listdir(tmp_path)) == ["r"]


@pytest.mark.parametrize("where", ["dot", "dot-slash", "parent", "root"])
def test_the_working_directory_and_every_folder_above_it_are_refused(where, tmp_path, capsys, monkeypatch, no_work):
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.tex").write_text("mine")
    monkeypatch.chdir(work)
    out = {"dot": ".", "dot-slash": "./", "parent": "..", "root": "/"}[where]
    reliability.tried("cli-destructive-out")
    code, err = _cli(["report", "--profile", "quick", "--out", out, "--force"], capsys)
    assert code == 2
    assert ("is the working directory" if where.startswith("dot") else "is a parent of the working directory") in err
    assert (work / "thesis.tex").read_text() == "mine" and sorted(os.listdir(tmp_path)) == ["work"]


def test_an_empty_working_directory_is_refused_too(tmp_path, capsys, monkeypatch, no_work):
    monkeypatch.chdir(tmp_path)
    reliability.tried("cli-destructive-out")
    code, err = _cli(["report", "--out", ".", "--force"], capsys)
    assert code == 2 and "is the working directory" in err


def test_the_home_folder_is_refused_even_when_it_is_empty(tmp_path, capsys, monkeypatch, no_work):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    reliability.tried("cli-destructive-out", 2)
    for out in (str(home), "~"):
        code, err = _cli(["report", "--out", os.path.expanduser(out), "--force"], capsys)
        assert code == 2 and "is the home folder" in err
    assert home.is_dir() and os.listdir(home) == []


def test_an_empty_out_is_refused_before_any_work(tmp_path, capsys, monkeypatch, no_work):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    reliability.tried("cli-empty-path", 2)
    for force in ([], ["--force"]):
        code, err = _cli(["report", "--out", "", *force], capsys)
        assert code == 2 and "--out '': the path is empty" in err
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_a_symbolic_link_in_place_of_the_report_folder_is_refused(tmp_path, capsys, fast_writers, no_work):
    real = tmp_path / "real"
    write_report(_fake_results(), str(real))
    link = tmp_path / "link"
    link.symlink_to(real)
    reliability.tried("cli-destructive-out")
    code, err = _cli(["report", "--out", str(link), "--force"], capsys)
    assert code == 2 and "symbolic link" in err
    assert link.is_symlink() and (real / REPORT_MARKER).exists()


_ENTRY_NAMES = st.sampled_from([REPORT_MARKER, "index.html", "report.md", "results.json", "figures", "figures/fig1.png",
                                 "figures/notes.txt", "notes.txt", ".git", "index.htm", "results.json.bak"])  # fmt: skip
_ALLOWED = {REPORT_MARKER, "index.html", "report.md", "results.json", "figures", "figures/fig1.png"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(_ENTRY_NAMES, st.sampled_from(["file", "dir", "link", "marker"]), max_size=6))
def test_a_folder_with_any_entry_relurelax_does_not_write_is_never_replaced(entries, tmp_path_factory):
    r"""Property: a folder holding a name relurelax does not write, a link, a wrong type under one of
    its names, or no valid marker (while not empty) is refused with --force, and is left byte for byte as it was."""
    out = tmp_path_factory.mktemp("prop") / "r"
    out.mkdir()
    for name, kind in sorted(entries.items(), key=lambda kv: kv[0].count("/")):
        path = out / name
        path.parent.mkdir(exist_ok=True)
        if path.exists():
            continue  # "figures" made as a file, then "figures/x" cannot exist: skip
        if kind == "dir":
            path.mkdir()
        elif kind == "link":
            path.symlink_to(out.parent)
        else:
            path.write_text(report_module._MARKER_FIRST_LINE + "\n" if kind == "marker" else "mine")
    made = {os.path.relpath(os.path.join(root, n), out) for root, dirs, files in os.walk(out) for n in dirs + files}
    unsafe = (
        made - _ALLOWED
        or any(os.path.islink(out / n) for n in made)
        or any(os.path.isdir(out / n) != (n == "figures") for n in made)
        or (made and not (os.path.isfile(out / REPORT_MARKER) and entries.get(REPORT_MARKER) == "marker"))
    )
    reliability.tried("fuzz-report-folder")
    before = _snapshot(out)
    if unsafe:
        with pytest.raises(report_module.InvalidInputError, match="refusing to replace it"):
            prepare_target(str(out), force=True)
    else:
        prepare_target(str(out), force=True)
    assert _snapshot(out) == before


# --- --json: only an empty file or one relurelax wrote is replaced -----------------------

JSON_COMMANDS = {
    "solve": SOLVE,
    "crosscheck": ["crosscheck", "--n", "5", "--d", "3", "--trials", "1", "--solvers", "CLARABEL"],
    "verify": ["verify", "--profile", "quick"],
    "bench": ["bench", "--smoke"],
}


@pytest.mark.parametrize("command", list(JSON_COMMANDS))
def test_a_json_path_holding_the_users_file_is_refused_before_any_work(command, tmp_path, capsys, no_work):
    path = tmp_path / "results.json"
    path.write_text('{"my": "own results"}\n')
    reliability.tried("cli-destructive-out")
    code, err = _cli([*JSON_COMMANDS[command], "--json", str(path)], capsys)
    assert code == 2 and f"{path}: exists and relurelax did not write it" in err
    assert path.read_text() == '{"my": "own results"}\n' and os.listdir(tmp_path) == ["results.json"]


@pytest.mark.parametrize("command", list(JSON_COMMANDS))
def test_an_empty_json_path_is_an_error_in_every_command(command, tmp_path, capsys, monkeypatch, no_work):
    monkeypatch.chdir(tmp_path)
    reliability.tried("cli-empty-path")
    code, err = _cli([*JSON_COMMANDS[command], "--json", ""], capsys)
    assert code == 2 and "--json '': the path is empty" in err
    assert os.listdir(tmp_path) == []


def test_a_json_that_relurelax_wrote_or_an_empty_file_is_replaced(tmp_path, capsys):
    path = tmp_path / "o.json"
    reliability.tried("cli-destructive-out", 3)
    assert _cli([*SOLVE, "--json", str(path)], capsys)[0] == 0
    assert path.read_text().startswith('{\n  "schema": "relurelax.solve/2",\n')
    path.write_text('{"schema": "relurelax.crosscheck/1", "instances": []}')  # another command's JSON is relurelax's too
    assert _cli([*SOLVE, "--seed", "4", "--json", str(path)], capsys)[0] == 0
    assert json.loads(path.read_text())["method"] == "gd"
    path.write_text("")
    assert _cli([*SOLVE, "--json", str(path)], capsys)[0] == 0
    assert json.loads(path.read_text())["schema"] == "relurelax.solve/2"


@pytest.mark.parametrize("content", ['{"schema": "mine/1"}', ' {"note": "relurelax.solve/1"}', "relurelax", "\n"])
def test_a_file_that_merely_mentions_relurelax_is_not_replaced(content, tmp_path, capsys):
    path = tmp_path / "o.json"
    path.write_text(content)
    reliability.tried("cli-destructive-out")
    code, err = _cli([*SOLVE, "--json", str(path)], capsys)
    assert code == 2 and "relurelax did not write it" in err
    assert path.read_text() == content


def test_a_symbolic_link_or_a_fifo_at_the_json_path_is_refused(tmp_path, capsys, no_work):
    target = tmp_path / "target.json"
    target.write_text('{"schema": "relurelax.solve/1"}')
    link = tmp_path / "link.json"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    reliability.tried("cli-destructive-out", 2)
    code, err = _cli([*SOLVE, "--json", str(link)], capsys)
    assert code == 2 and "symbolic link" in err and link.is_symlink()
    code, err = _cli([*SOLVE, "--json", str(fifo)], capsys)
    assert code == 2 and "not a regular file" in err


# --- an output that is an input -----------------------------------------------------------


@pytest.fixture
def data_file(tmp_path):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((12, 3))
    path = tmp_path / "d.npz"
    np.savez(path, A=A, y=np.maximum(A @ np.ones(3), 0))
    return path


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "symlink", "hard-link", "via-parent"])
def test_solve_refuses_a_json_path_that_is_its_data_file(spelling, data_file, tmp_path, capsys, monkeypatch, no_work):
    monkeypatch.chdir(tmp_path)
    data, out = "d.npz", {"same": "d.npz", "dot-slash": "./d.npz", "via-parent": "../" + tmp_path.name + "/d.npz"}.get(spelling)  # fmt: skip
    if spelling == "symlink":
        os.symlink("d.npz", tmp_path / "link.npz")
        data, out = "link.npz", "d.npz"
    if spelling == "hard-link":
        os.link(tmp_path / "d.npz", tmp_path / "hard.npz")
        data, out = "d.npz", "hard.npz"
    before = data_file.read_bytes()
    reliability.tried("cli-alias")
    code, err = _cli(["solve", "--data", data, "--method", "gd", "--json", out], capsys)
    assert code == 2 and "is the input --data" in err and "would destroy the input" in err
    assert data_file.read_bytes() == before


def test_the_alias_check_sees_an_input_inside_an_output_folder(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "d.csv").write_text("a,y\n1,1\n")
    reliability.tried("cli-alias", 2)
    with pytest.raises(_io.InvalidInputError, match="is the input --data"):
        _io.refuse_aliases({"--data": str(folder / "d.csv")}, {"--out": str(folder)})
    _io.refuse_aliases({"--data": str(folder / "d.csv")}, {"--json": str(tmp_path / "other.json")})  # no alias: no error
    _io.refuse_aliases({"--data": None}, {"--json": str(folder / "d.csv")})  # no input given


# --- leftovers of a killed run ------------------------------------------------------------

_KILLED_JSON_WRITE = textwrap.dedent(r"""
    import os, sys, time
    from relurelax.reports import _io
    def stuck(src, dst):  # the temporary file is complete: die before the rename
        open(sys.argv[2], "w").write("ready")
        time.sleep(600)
    os.replace = stuck
    _io.write_json(sys.argv[1], {"a": 1}, "solve")
""")

_KILLED_REPORT = textwrap.dedent(r"""
    import os, sys, time
    from relurelax.reports import report as R
    real_rename = os.rename
    def stuck(src, dst):  # the first rename of the swap moves the old report aside: die right after it
        real_rename(src, dst)
        if ".relurelax-old-" in os.path.basename(dst):
            open(sys.argv[2], "w").write("ready")
            time.sleep(600)
    os.rename = stuck
    def draw(figures, folder):
        os.makedirs(os.path.join(folder, "figures"))
        open(os.path.join(folder, "figures", "fig1.png"), "wb").write(b"\x89PNG")
        if sys.argv[3] == "draw":  # die while the figures are drawn
            open(sys.argv[2], "w").write("ready")
            time.sleep(600)
        return {"fig1": b"\x89PNG"}
    R.draw_figures = draw
    R.render_markdown = lambda results: "# report\n"
    R.render_html = lambda results, images: "<html></html>\n"
    results = {"settings": {"command": "relurelax report"}, "figures": {}, "timings": {}}
    R.write_report(results, sys.argv[1], force=True)
""")


def _kill_mid_run(script, *args, ready):
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not os.path.exists(ready) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert os.path.exists(ready), proc.communicate(timeout=10)[1].decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    os.unlink(ready)
    return proc.pid


def test_a_json_temp_file_left_by_a_sigkill_is_removed_by_the_next_run_and_look_alikes_are_kept(tmp_path, capsys):
    out = tmp_path / "o.json"
    pid = _kill_mid_run(_KILLED_JSON_WRITE, str(out), str(tmp_path / "ready"), ready=tmp_path / "ready")
    left = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert len(left) == 1 and left[0].startswith(f".o.json.relurelax-{pid}-"), left
    assert (tmp_path / left[0]).read_text().startswith('{\n  "schema": "relurelax.solve/2"')
    look_alikes = {
        f".o.json.relurelax-{pid}-0123abcd.tmp": "my own notes",  # the name, but not the content
        ".o.json.ab12cd34.tmp": '{"schema": "relurelax.solve/1"}',  # the content, but not the name
        f".o.json.relurelax-{os.getpid()}-0123abcd.tmp": '{"schema": "relurelax.solve/1"}',  # a run still alive
        f".other.json.relurelax-{pid}-0123abcd.tmp": '{"schema": "relurelax.solve/1"}',  # another target
    }
    for name, text in look_alikes.items():
        (tmp_path / name).write_text(text)
    empty = tmp_path / f".o.json.relurelax-{pid}-feedbeef.tmp"  # killed between creating and writing: holds nothing
    empty.write_text("")
    reliability.injected("sigkill-json-write")
    reliability.tried("cli-leftover-tmp", 2 + len(look_alikes))
    assert _cli([*SOLVE, "--json", str(out)], capsys)[0] == 0
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith(".tmp")) == sorted(look_alikes)
    for name, text in look_alikes.items():
        assert (tmp_path / name).read_text() == text
    assert json.loads(out.read_text())["schema"] == "relurelax.solve/2"


@pytest.mark.parametrize("phase", ["draw", "swap"])
def test_report_folders_left_by_a_sigkill_are_removed_by_the_next_run_and_look_alikes_are_kept(phase, tmp_path,
                                                                                                 fast_writers):
    out = tmp_path / "r"
    if phase == "swap":  # an earlier report that the killed run was replacing
        write_report(_fake_results(), str(out))
    pid = _kill_mid_run(_KILLED_REPORT, str(out), str(tmp_path / "ready"), phase, ready=tmp_path / "ready")
    left = sorted(p for p in os.listdir(tmp_path) if p.endswith(".tmp"))
    assert len(left) == (2 if phase == "swap" else 1), left
    assert all(p.startswith((f".r.relurelax-{pid}-", f".r.relurelax-old-{pid}-")) for p in left)
    assert all((tmp_path / p / REPORT_MARKER).is_file() for p in left)  # the marker from the first moment
    kept = {
        f".r.relurelax-{pid}-0123abcd.tmp": {"notes.txt": "mine"},  # the name, but no marker
        f".r.relurelax-old-{pid}-0123abcd.tmp": {REPORT_MARKER: "x", "index.html": "y"},  # a marker that is not ours
        ".r.ab12cd34.tmp": None,  # a relurelax report under a name that is not relurelax's
        f".r.relurelax-{pid}-4567abcd.tmp": "marked-with-extra",  # marked, but holds a file of the user's
        f".r.relurelax-{pid}-89abcdef.tmp": {REPORT_MARKER: "", "notes.txt": "mine"},  # an empty marker and a file
    }
    holding_nothing = {f".r.relurelax-{pid}-cdef0123.tmp": {}, f".r.relurelax-{pid}-fedc3210.tmp": {REPORT_MARKER: ""}}
    for name, files in holding_nothing.items():  # killed as it made the folder (before or while writing the marker)
        (tmp_path / name).mkdir()
        for fname, text in files.items():
            (tmp_path / name / fname).write_text(text)
    for name, files in kept.items():
        if files is None or files == "marked-with-extra":
            write_report(_fake_results(), str(tmp_path / "src"))
            os.rename(tmp_path / "src", tmp_path / name)
            if files == "marked-with-extra":
                (tmp_path / name / "notes.txt").write_text("mine")
            continue
        (tmp_path / name).mkdir()
        for fname, text in files.items():
            (tmp_path / name / fname).write_text(text)
    before = {name: _snapshot(tmp_path / name) for name in kept}
    reliability.injected(f"sigkill-report-{phase}")
    reliability.tried("cli-leftover-tmp", len(left) + len(kept) + len(holding_nothing))
    assert prepare_target(str(out), force=True) == str(out)  # what the next run does before any work
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith(".tmp")) == sorted(kept)
    assert {name: _snapshot(tmp_path / name) for name in kept} == before


def test_a_temp_folder_of_a_run_still_alive_is_not_touched(tmp_path, fast_writers):
    out = tmp_path / "r"
    live = tmp_path / f".r.relurelax-{os.getpid()}-0123abcd.tmp"
    write_report(_fake_results(), str(tmp_path / "src"))
    os.rename(tmp_path / "src", live)
    reliability.tried("cli-leftover-tmp")
    prepare_target(str(out), force=False)
    assert (live / REPORT_MARKER).is_file() and (live / "results.json").is_file()


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)])
def test_outputs_get_the_permissions_of_the_umask(umask, file_mode, dir_mode, tmp_path, capsys, fast_writers):
    previous = os.umask(umask)
    try:
        reliability.tried("cli-permissions", 2)
        path = tmp_path / "o.json"
        assert _cli([*SOLVE, "--json", str(path)], capsys)[0] == 0
        out = tmp_path / "r"
        write_report(_fake_results(), str(out))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(path).st_mode) == file_mode
    assert stat.S_IMODE(os.stat(out).st_mode) == dir_mode
    assert stat.S_IMODE(os.stat(out / "figures").st_mode) == dir_mode
    for name in (REPORT_MARKER, "index.html", "report.md", "results.json", "figures/fig1.png"):
        assert stat.S_IMODE(os.stat(out / name).st_mode) == file_mode, name


# --- out of memory ----------------------------------------------------------------------------


def test_a_memory_error_in_a_solve_is_out_of_memory_with_its_stage_not_an_internal_error(monkeypatch, capsys):
    def too_big(*args, **kwargs):
        return np.empty((2**25, 2**25))  # 8 PiB, beyond any address space: a real MemoryError that uses no memory

    monkeypatch.setattr(solve_command, "descend", too_big)
    reliability.injected("memory-error", 2)
    code, err = _cli(SOLVE, capsys)
    assert code == 1 and err.startswith("relurelax: failed: out of memory during the GD descent")
    assert "internal error" not in err
    assert main(["--debug", *SOLVE]) == 1
    assert "Traceback" in capsys.readouterr().err  # --debug shows where it happened


def test_a_memory_error_in_the_crosscheck_says_how_far_it_got(monkeypatch, capsys):
    def runs_out(ns, ds, ms, *, progress, **kwargs):
        progress("n=8 d=12", 2, 9)  # the one progress signature: (stage, done, total)
        raise MemoryError

    monkeypatch.setattr(crosscheck_command, "run_crosscheck", runs_out)
    reliability.injected("memory-error")
    code, err = _cli(["crosscheck", "--solvers", "CLARABEL"], capsys)
    assert code == 1 and "out of memory during the cross-check (n=8 d=12) (2 of 9 done)" in err
    assert "internal error" not in err


def test_a_memory_error_in_the_report_names_the_part_it_was_in_and_writes_nothing(tmp_path, monkeypatch, capsys):
    def runs_out(profile, seed, progress):
        raise MemoryError

    monkeypatch.setattr(report_module, "run_ledger_section", runs_out)
    reliability.injected("memory-error")
    code, err = _cli(["report", "--profile", "quick", "--out", str(tmp_path / "r")], capsys)
    assert code == 1 and "out of memory during the report's claims ledger" in err
    assert "internal error" not in err and os.listdir(tmp_path) == []


@pytest.mark.slow
def test_a_report_killed_by_sigkill_while_writing_leaves_a_marked_folder_that_the_next_run_removes(tmp_path, capsys,
                                                                                                     no_work):
    out = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "relurelax.reports.cli", "report", "--profile", "quick",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.time() + 300
    left = []
    while proc.poll() is None and time.time() < deadline:  # the temporary folder exists only while the files are written
        left = [p for p in os.listdir(tmp_path) if p.startswith(".r.relurelax-") and p.endswith(".tmp")]
        if left:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert left and proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    assert not out.exists() and (tmp_path / left[0] / REPORT_MARKER).is_file()
    reliability.injected("sigkill-report-cli")
    reliability.tried("cli-leftover-tmp")
    code, err = _cli(["report", "--profile", "quick", "--out", str(out)], capsys)  # the next run, stopped before work
    assert code == 1 and "reached the computation" in err
    assert os.listdir(tmp_path) == []
