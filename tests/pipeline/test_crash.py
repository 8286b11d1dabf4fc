"""A job killed with SIGKILL at any moment and rerun loses and doubles nothing: it equals a clean run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.warc_fixtures import good_records, members, page_record

CURATE = [sys.executable, "-m", "pipeline.cli"]


def make_inputs(directory: Path, files: int = 5, pages: int = 120) -> list[str]:
    paths = []
    for f in range(files):
        records = good_records(0) + [page_record(f * 1000 + n) for n in range(pages)]
        path = directory / f"CC-MAIN-2099-01-{f:05d}.warc.gz"
        path.write_bytes(b"".join(members(records)))
        paths.append(str(path))
    return paths


def ingest_command(inputs: list[str], out: Path) -> list[str]:
    return CURATE + ["ingest", *inputs, "--output", str(out), "--master", "local[1]", "--quiet"]


def outputs(out: Path) -> dict[str, bytes]:
    """Everything a reader sees: data files, stats, manifest, unit records."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return {name: data for name, data in files.items() if not name.startswith("_tmp")}


def kill_when(command: list[str], ready, timeout: float = 240) -> None:
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while not ready() and process.poll() is None:
            if time.monotonic() > deadline:
                pytest.fail("the job never reached the moment to kill it")
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # driver, JVM and Python workers at once
        process.wait()


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("crash")
    inputs = make_inputs(directory)
    out = directory / "clean"
    subprocess.run(ingest_command(inputs, out), check=True, capture_output=True)
    return inputs, outputs(out)


def committed_units(out: Path) -> int:
    units = out / "_units"
    return len(list(units.glob("*.json"))) if units.exists() else 0


@pytest.mark.parametrize(
    "moment",
    ["before_any_commit", "while_writing", "after_two_units"],
)
def test_killed_and_rerun_equals_a_clean_run(tmp_path, clean_run, moment):
    inputs, clean = clean_run
    out = tmp_path / "out"
    ready = {
        "before_any_commit": lambda: (out / "_job.json").exists(),
        "while_writing": lambda: (out / "_tmp").exists() and any((out / "_tmp").iterdir()),
        "after_two_units": lambda: committed_units(out) >= 2,
    }[moment]
    kill_when(ingest_command(inputs, out), ready)
    assert not (out / "_SUCCESS").exists()
    subprocess.run(ingest_command(inputs, out), check=True, capture_output=True)
    assert outputs(out) == clean
