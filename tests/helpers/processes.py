"""Commands run as processes of their own, to be killed or held at a moment a test chooses."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CURATE = [sys.executable, "-m", "pipeline.cli"]


def committed_units(out: Path) -> int:
    units = out / "_units"
    return len(list(units.glob("*.json"))) if units.exists() else 0


def start_until(command: list[str], ready, timeout: float = 240) -> subprocess.Popen:
    """The command started in a session of its own, once `ready()` (the job must not end before)."""
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("the job never reached the moment wanted")
        time.sleep(0.05)
    return process


def kill_when(command: list[str], ready, timeout: float = 240) -> int:
    """The pid of the command, killed once `ready()`."""
    process = start_until(command, ready, timeout)
    os.killpg(process.pid, signal.SIGKILL)  # driver, JVM and Python workers at once
    process.wait()
    return process.pid
