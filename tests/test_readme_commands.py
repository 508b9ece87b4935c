"""Every ``relurelax ...`` command in the README's code blocks runs as written, at the sizes of a test.

The commands are taken from the README itself (every line of a fenced code
block, and every part of a line joined by ``&&``, that starts with
``relurelax``), in the README's order, and each runs in a subprocess in a
fresh temporary folder that holds the files the earlier commands wrote that
it names, so that a later example finds them (``--x0 solution.npz`` after
``--save solution.npz``) while a report folder of one example does not stand
in the way of the next. Two commands run at a time (CI has two cores), a
command after the earlier ones whose files it reads. Nothing else is changed
than what these tables say:

* :data:`SMALL`: the sizes and profiles a test runs instead of the README's,
  per command: a flag of the table is given the table's values (added when
  the README's command does not give it), or removed where the value is None.
  The README's sizes are for a reader's machine; these keep each command to
  seconds.
* :data:`FILES`: the files the README names as the reader's own
  (``mydata.npz``), written into the folder before the commands run.
* :data:`EXIT_CODES`: a command the README documents with another exit code
  than 0.
* :data:`LONG`: the commands that take more than a few seconds even at the
  sizes of :data:`SMALL`, with the reason; they run with ``-m slow`` only.
"""

from __future__ import annotations

import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: per command, the flags a test sets (values; [] for a bare flag) or removes (None)
SMALL = {
    "solve": {},  # the README's solves are small already
    "crosscheck": {"--n": ["12"], "--d": ["20"], "--trials": ["1"]},
    "verify": {"--profile": ["quick"]},
    "report": {"--profile": ["quick"]},
    "bench": {"--quick": None, "--smoke": []},
    "sweep": {"--trials": ["2"], "--iters": ["200"]},  # the README's grids at two trials of 200 iterations  # --smoke: the tiny sizes of tests/test_bench_smoke.py
}
#: the reader's own files the README's examples name
FILES = {
    "mydata.npz": ("train", 200, 20),
    "mytest.npz": ("test", 200, 20),
}
#: commands documented to exit with another code than 0 (none at present)
EXIT_CODES: dict[str, int] = {}
#: the commands that stay long at the sizes above, and why
LONG = {
    "verify": "the claims ledger takes about 20 s of CPU even at the quick profile (sympy, z3 and hypothesis); "
              "tests/test_verify_cli.py runs the command in the normal suite",
    "report": "a report runs the claims ledger, the cross-check and the reproduction: about 25 s at the quick "
              "profile; tests/test_report.py builds one in the normal suite",
}  # fmt: skip


def readme_commands(text: str) -> list[str]:
    """The ``relurelax ...`` commands of the fenced code blocks of ``text``, in order, without repeats."""
    commands = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.strip()
                if re.match(r"relurelax(\s|$)", part):
                    command = shlex.join(shlex.split(part, comments=True))
                    if command not in commands:
                        commands.append(command)
    return commands


def small(command: str) -> list[str]:
    """The arguments of ``command`` (without ``relurelax``) after :data:`SMALL`'s substitutions."""
    args = shlex.split(command)[1:]
    for flag, values in SMALL.get(args[0], {}).items():
        if flag in args:  # drop the flag and the values that follow it
            i = args.index(flag)
            j = i + 1
            while j < len(args) and not args[j].startswith("--"):
                j += 1
            del args[i:j]
        if values is not None:
            args += [flag, *values]
    return args


def _write_files(folder: pathlib.Path) -> None:
    from relurelax.solvers import planted_problem

    for name, (part, n, d) in FILES.items():
        P = planted_problem(n, d, 1, seed=0)
        A, y = (P.A, P.y) if part == "train" else (P.A_test, P.y_test)
        np.savez(folder / name, A=A, y=y)


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def _copy_files(source: pathlib.Path, target: pathlib.Path) -> None:
    for item in source.iterdir():
        if item.is_file():
            shutil.copyfile(item, target / item.name)


def _named_files(args: list[str]) -> set[str]:
    """The file names among ``args`` (the values that name a file: ``solution.npz``, ``cc.json``)."""
    return {a for a in args if not a.startswith("-") and re.search(r"\.[a-z]+$", a)} - set(FILES)


def _earlier_writers(commands: list[str]) -> dict[str, list[str]]:
    """Per command, the earlier commands that name a file it names: the only ones whose files it can read.

    A command writes only files it names (``--save solution.npz``, ``--json cc.json``), so a command that names no
    file an earlier one names reads nothing that one wrote; it can run beside it.
    """
    return {c: [e for e in commands[:i] if _named_files(small(e)) & _named_files(small(c))]
            for i, c in enumerate(commands)}  # fmt: skip


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Command -> (completed process, seconds) for every command selected below, two at a time (the cores).

    Each runs in a folder of its own holding :data:`FILES` and the files of every earlier command that names a file
    it names (:func:`_earlier_writers`), copied after that command ended: what it finds is what it found when the
    commands ran one after another in README order.
    """
    name = "test_the_readme_command_runs_as_written"
    selected = [item.callspec.params["command"] for item in request.session.items if item.originalname == name]
    selected = [c for c in COMMANDS if c in selected]  # README order
    writers = _earlier_writers(selected)
    root = tmp_path_factory.mktemp("readme")
    folders = {c: root / str(i) for i, c in enumerate(selected)}
    done = {c: threading.Event() for c in selected}
    results = {}

    def run(command):
        folder = folders[command]
        folder.mkdir()
        _write_files(folder)
        for earlier in writers[command]:
            done[earlier].wait()
            _copy_files(folders[earlier], folder)
        try:
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "relurelax.reports.cli", *small(command)], cwd=folder,
                                  capture_output=True, text=True, timeout=600)  # fmt: skip
            results[command] = (proc, time.perf_counter() - start)
        finally:
            done[command].set()

    # README order: a command waits only for earlier ones, which have started before it, so none waits for ever
    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(run, c) for c in selected]:
            future.result()
    return results


def _case(command: str):
    name = shlex.split(command)[1]
    marks = [pytest.mark.slow] if name in LONG else []
    return pytest.param(command, marks=marks, id=command[len("relurelax ") :][:80])


@pytest.mark.parametrize("command", [_case(c) for c in COMMANDS])
def test_the_readme_command_runs_as_written(command, runs):
    args = small(command)
    proc, seconds = runs[command]
    assert proc.returncode == EXIT_CODES.get(command, 0), (args, proc.stderr[-2000:])
    print(f"{shlex.join(args)}: {seconds:.1f} s")  # pytest -s shows what each takes (no timing is asserted)


def test_the_readme_has_a_command_of_every_kind_and_the_tables_name_only_real_ones():
    from relurelax.reports.cli import COMMANDS as CLI_COMMANDS

    names = {c.name for c in CLI_COMMANDS}
    found = {shlex.split(c)[1] for c in COMMANDS}
    assert found == names  # every command has an example, and no example names an unknown one
    assert set(SMALL) <= names and set(LONG) <= names and set(EXIT_CODES) <= set(COMMANDS)
    assert all(any(name in c for c in COMMANDS) for name in FILES)


def test_the_substitutions_change_only_the_flags_of_the_table():
    assert small("relurelax crosscheck --n 50 100 --d 100 --m 3 --json cc.json") == [
        "crosscheck", "--m", "3", "--json", "cc.json", "--n", "12", "--d", "20", "--trials", "1"]  # fmt: skip
    assert small("relurelax bench --quick") == ["bench", "--smoke"]
    assert small("relurelax solve --planted --n 50 --d 100 --method rgd") == shlex.split(
        "solve --planted --n 50 --d 100 --method rgd")
    assert readme_commands("```bash\npip install . && relurelax verify   # note\nrelurelax verify\n```\n") == [
        "relurelax verify"]  # fmt: skip
