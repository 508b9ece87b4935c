"""Test-wide set-up: headless plotting, seeded RNGs, hypothesis profiles."""

from __future__ import annotations

import os
import random

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch):
    # the tests read what the commands print; a developer's FORCE_COLOR or TTY_COMPATIBLE would make rich
    # write colour codes into it (and call a pipe a terminal), so every test runs without them
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from . import reliability

    lines = reliability.summary()
    if lines:
        if exitstatus != 0:
            lines[0] = lines[0].replace("all handled", "see failures above")
        terminalreporter.section("reliability summary")
        for line in lines:
            terminalreporter.write_line(line)
