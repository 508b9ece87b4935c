r"""The HTML report as a reader sees it: ``index.html`` laid out by a real, headless Chromium.

A small report (the quick profile at the sizes of ``tests/test_report.py``,
with the claims ledger of the committed example, so that real
counterexamples are on the page) is written into a temporary folder and
opened in Chromium at a desktop width (1400 px) and a phone width (400 px),
with every ``<details>`` opened. The page must load without console errors;
every figure must decode; nothing may stick out to the right of the window
(tables scroll inside their own box); and no number may break across two
lines. A full-page screenshot of each width is saved under
``.ci/artifacts/report-browser/`` (or ``$RELURELAX_ARTIFACTS``) and its path
printed. A page made to fail every check shows that the measurements can
fail.

Chromium is driven over its DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands on file descriptor 3, replies and
events on 4, each a JSON message ended by a NUL byte), with the standard
library only. Without Chromium the tests skip, unless
``RELURELAX_REQUIRE_BROWSER=1`` (CI sets it), when they fail.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import pathlib
import select
import shutil
import subprocess
import time

import pytest

from relurelax.reports import report as report_module
from relurelax.reports import report_command
from relurelax.reports.cli import main

from .test_report import TINY

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "reports" / "example" / "results.json"
WIDTHS = (1400, 400)
#: flags for a headless Chromium on a machine without network or display; without the background-networking
#: ones it keeps trying to reach its update and sync services
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
)  # fmt: skip
#: seconds to wait for one reply of the browser (a loaded CI machine starts Chromium in a few seconds)
TIMEOUT = 60.0


def chromium_path() -> str | None:
    """The Chromium to drive: ``$RELURELAX_CHROMIUM`` or ``chromium`` on the PATH; None when it is not there."""
    return shutil.which(os.environ.get("RELURELAX_CHROMIUM") or "chromium")


def artifacts_folder() -> pathlib.Path:
    """Where the screenshots go: ``$RELURELAX_ARTIFACTS`` or ``.ci/artifacts/report-browser`` (git ignores it)."""
    folder = pathlib.Path(os.environ.get("RELURELAX_ARTIFACTS") or ROOT / ".ci" / "artifacts") / "report-browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the DevTools protocol on a pipe ----------------------------------------------------


def _high_fd(fd: int) -> int:
    """``fd`` moved to a number >= 10, so that the child's dup2 onto 3 and 4 cannot overwrite it."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Browser:
    """A headless Chromium and one page in it, driven over the DevTools protocol.

    :meth:`call` sends a command and returns its result; every event that
    arrives meanwhile is kept in :attr:`events` in arrival order.
    """

    def __init__(self, executable: str, folder: pathlib.Path) -> None:
        """Start ``executable`` with a fresh profile in ``folder``, which also receives its output (chromium.log)."""
        commands_read, self._commands = map(_high_fd, os.pipe())
        self._replies, replies_write = map(_high_fd, os.pipe())

        def child_fds():  # runs in the child before exec: the pipe's ends become its fds 3 and 4
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self._log = open(folder / "chromium.log", "wb")  # noqa: SIM115 (closed by close())
        # close_fds=False: Python's own descriptors are not inheritable (PEP 446); 3 and 4 are, after dup2
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={folder / 'profile'}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, preexec_fn=child_fds, close_fds=False,
        )  # fmt: skip
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = None
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
        except BaseException:
            self.close()
            raise

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise TimeoutError(f"Chromium did not answer within {TIMEOUT} s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed its DevTools pipe (exit code {self.process.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method: str, **params) -> dict:
        """Send ``method`` to the page (to the browser before the page exists) and return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self.session is not None:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._message(deadline)
            if reply.get("id") != self._next_id:
                self.events.append(reply)
            elif "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            else:
                return reply["result"]

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable values only)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"the page's JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, width: int) -> None:
        """Load ``url`` in a window ``width`` CSS pixels wide (900 high, scale 1, not a mobile device)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + TIMEOUT
        ready = f"document.readyState === 'complete' && location.href === {json.dumps(url)}"
        while not self.evaluate(ready):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading within {TIMEOUT} s")
            time.sleep(0.05)

    def screenshot(self, path: pathlib.Path) -> None:
        """A PNG of the whole page (beyond the window's height) at ``path``."""
        width, height = self.evaluate("[document.documentElement.clientWidth, document.documentElement.scrollHeight]")
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)["data"]
        path.write_bytes(base64.b64decode(data))

    def console_errors(self) -> list[str]:
        """Errors the page reported so far: console.error and console.assert calls, uncaught exceptions, log errors."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                out.append(params["exceptionDetails"].get("exception", {}).get("description", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                out.append(f"{params['entry']['source']}: {params['entry']['text']}")
        return out

    def close(self) -> None:
        """Close the browser (kill it when it does not exit within 10 s) and the pipes and log."""
        if self.process.poll() is None:
            try:
                self.call("Browser.close")
            except (RuntimeError, TimeoutError, OSError):
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._commands, self._replies):
            os.close(fd)
        self._log.close()


#: What the tests measure, in one pass over the laid-out page (every <details> opened first). A number is a
#: run of digits with an optional sign, decimals, exponent or "/count"; it breaks across lines when its text
#: range has client rectangles on more than one line.
MEASURE = r"""
(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const root = document.documentElement;
  const number = /(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?:\/\d+)?(?![\w]|\.\d)/gi;
  const lines = rects => new Set(Array.from(rects, r => Math.round(r.top))).size;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const wrapped = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(number)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (lines(range.getClientRects()) > 1) wrapped.push(match[0]);
    }
  }
  const marked = Array.from(document.querySelectorAll('.num'));
  const outer = Array.from(document.querySelectorAll('table')).filter(t => !t.parentElement.closest('table'));
  const box = t => t.parentElement;
  return {
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    images: Array.from(document.images, i => [i.alt.slice(0, 60), i.complete, i.naturalWidth]),
    wrapped: wrapped,
    markedNumbers: marked.length,
    markedOnManyLines: marked.filter(e => lines(e.getClientRects()) > 1).map(e => e.textContent),
    markedWrappable: marked.filter(e => getComputedStyle(e).whiteSpace !== 'nowrap').map(e => e.textContent),
    tables: outer.length,
    tablesWithoutScrollBox: outer.filter(t => getComputedStyle(box(t)).overflowX !== 'auto')
                                 .map(t => t.textContent.slice(0, 60)),
    boxesPastTheEdge: outer.filter(t => box(t).getBoundingClientRect().right > root.clientWidth + 0.5)
                           .map(t => t.textContent.slice(0, 60)),
    widerThanTheirBox: outer.filter(t => t.scrollWidth > box(t).clientWidth).length,
    proseOutOfView: Array.from(document.querySelectorAll('td.prose'))
                         .filter(td => td.getBoundingClientRect().right > root.clientWidth + 0.5)
                         .map(td => td.textContent.slice(0, 60)),
    prose: document.querySelectorAll('td.prose').length,
  };
})()
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile; a skip without one (a failure when the browser is required)."""
    executable = chromium_path()
    if executable is None:
        reason = f"Chromium is not installed ({os.environ.get('RELURELAX_CHROMIUM') or 'apt-get install chromium'})"
        if os.environ.get("RELURELAX_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and RELURELAX_REQUIRE_BROWSER=1 requires the browser test to run")
        pytest.skip(f"{reason}; set RELURELAX_REQUIRE_BROWSER=1 to make this a failure")
    b = Browser(executable, tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


def _example_ledger(profile="quick", seed=0, progress=None):
    """The claims section of the committed example (real counterexamples), for the report being built."""
    claims = json.loads(EXAMPLE.read_text(encoding="utf-8"))["claims"]
    return dict(claims, profile=profile, seed=seed)


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "report"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report_command, "PROFILES", {**report_command.PROFILES, "quick": TINY})
        mp.setattr(report_module, "run_ledger_section", _example_ledger)
        assert main(["report", "--profile", "quick", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def pages(browser, report_folder, pytestconfig):
    """The measurements of the report at each width (the screenshots are saved on the way, their paths printed)."""
    saved, measured = [], {}
    for width in WIDTHS:
        browser.open((report_folder / "index.html").as_uri(), width)
        measured[width] = browser.evaluate(MEASURE)
        path = artifacts_folder() / f"report-{width}px.png"
        browser.screenshot(path)
        saved.append(str(path))
    measured["console"] = browser.console_errors()
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print("\nscreenshots of the report in Chromium: " + ", ".join(saved), flush=True)
    return measured


def test_the_report_loads_in_chromium_without_console_errors(pages):
    assert pages["console"] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_every_figure_of_the_report_decodes(pages, width):
    images = pages[width]["images"]
    assert len(images) == 2
    assert [alt for alt, complete, natural_width in images if not complete or natural_width == 0] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_sticks_out_of_the_window_and_tables_scroll_in_their_own_box(pages, width):
    page = pages[width]
    assert page["clientWidth"] == width and page["scrollWidth"] <= page["clientWidth"]
    assert page["tables"] >= 10
    assert page["tablesWithoutScrollBox"] == [] and page["boxesPastTheEdge"] == []


def test_on_a_desktop_every_table_fits_and_on_a_phone_wide_tables_scroll_inside_their_box(pages):
    assert pages[1400]["widerThanTheirBox"] == 0
    assert pages[400]["widerThanTheirBox"] >= 1  # the scroll boxes are not vacuous: at 400 px some table needs one


@pytest.mark.parametrize("width", WIDTHS)
def test_long_text_in_tables_is_read_without_scrolling_sideways(pages, width):
    # on a phone a table with prose cells (the ledger's evidence, the findings, the settings) is one card per row
    assert pages[width]["prose"] >= 10 and pages[width]["proseOutOfView"] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_no_number_on_the_report_breaks_across_lines(pages, width):
    page = pages[width]
    assert page["wrapped"] == []
    assert page["markedNumbers"] > 100
    assert page["markedOnManyLines"] == [] and page["markedWrappable"] == []


BROKEN_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<p style="width:1px">2.18e-20</p>
<table><tr><td style="min-width:2000px">a table wider than the window</td></tr></table>
<img alt="not a png" src="data:image/png;base64,AAAA">
<script>console.error("a deliberate error");</script>
</body></html>
"""


def test_the_measurements_fail_on_a_page_that_breaks_every_rule(browser, tmp_path):
    # the negative control: a number that wraps, a table with no scroll box, a figure that does not decode
    # and a console error are all seen
    page = tmp_path / "broken.html"
    page.write_text(BROKEN_PAGE, encoding="utf-8")
    browser.open(page.as_uri(), 400)
    seen = browser.evaluate(MEASURE)
    assert seen["scrollWidth"] > seen["clientWidth"]
    assert seen["tablesWithoutScrollBox"] == ["a table wider than the window"]
    assert seen["wrapped"] == ["2.18e-20"]
    assert [natural_width for _, _, natural_width in seen["images"]] == [0]
    assert any("a deliberate error" in e for e in browser.console_errors())
