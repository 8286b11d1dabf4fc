"""A job killed with SIGKILL at any moment and rerun loses and doubles nothing: it equals a clean run. A second
run into a folder another run is writing is refused, and the lock a killed run left is taken over."""

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.cli.main import main
from tests.helpers.output_files import outputs
from tests.helpers.processes import CURATE, committed_units, kill_when, start_until
from tests.helpers.warc_fixtures import good_records, members, page_record


def make_inputs(directory: Path, files: int = 5, pages: int = 120) -> list[str]:
    paths = []
    for f in range(files):
        records = good_records(0) + [page_record(f * 1000 + n) for n in range(pages)]
        path = directory / f"CC-MAIN-2099-01-{f:05d}.warc.gz"
        path.write_bytes(b"".join(members(records)))
        paths.append(str(path))
    return paths


def ingest_arguments(inputs: list[str], out: Path) -> list[str]:
    return ["ingest", *inputs, "--output", str(out), "--master", "local[1]", "--quiet"]


def ingest_command(inputs: list[str], out: Path) -> list[str]:
    return CURATE + ingest_arguments(inputs, out)


# The clean runs and the reruns run in this process, on the suite's Spark session (a JVM fewer each); only the
# runs that are killed, interrupted or held need a process of their own.
@pytest.fixture(scope="module")
def clean_run(spark, tmp_path_factory):
    directory = tmp_path_factory.mktemp("crash")
    inputs = make_inputs(directory)
    out = directory / "clean"
    assert main(ingest_arguments(inputs, out)) == 0
    return inputs, outputs(out)


@pytest.mark.parametrize(
    "moment",
    ["before_any_commit", "while_writing", "after_two_units"],
)
def test_killed_and_rerun_equals_a_clean_run(tmp_path, clean_run, capsys, moment):
    inputs, clean = clean_run
    out = tmp_path / "out"
    ready = {
        "before_any_commit": lambda: (out / "_job.json").exists(),
        "while_writing": lambda: (out / "_tmp").exists() and any((out / "_tmp").iterdir()),
        "after_two_units": lambda: committed_units(out) >= 2,
    }[moment]
    killed = kill_when(ingest_command(inputs, out), ready)
    assert not (out / "_SUCCESS").exists()
    left = json.loads((out / "_lock.json").read_text())
    assert (left["host"], left["pid"]) == (socket.gethostname(), killed)
    assert main(ingest_arguments(inputs, out)) == 0
    assert (f"curate: {out}: taking over the lock of a run that is gone (host {socket.gethostname()}, pid {killed}, "
            f"started {left['started']})") in capsys.readouterr().err.splitlines()
    assert outputs(out) == clean  # the lock too is gone


def test_a_second_run_into_a_folder_being_written_is_refused_naming_the_first(tmp_path, clean_run):
    """Even with --overwrite: without the lock it removed the first run's staged files and committed units."""
    inputs, clean = clean_run
    out = tmp_path / "out"
    first = start_until(ingest_command(inputs, out), lambda: committed_units(out) >= 1)
    os.killpg(first.pid, signal.SIGSTOP)  # held mid-job, so that it is surely still running
    try:
        holder = json.loads((out / "_lock.json").read_text())
        second = subprocess.run(ingest_command(inputs, out) + ["--overwrite"], capture_output=True, text=True)
        committed = committed_units(out)
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert second.returncode == 2 and committed >= 1
    assert second.stderr == (f"curate ingest: error: {out} is being written by another run (host "
                             f"{socket.gethostname()}, pid {first.pid}, started {holder['started']}); wait for it "
                             "to end or choose another output\n")
    assert first.wait(timeout=240) == 0
    assert outputs(out) == clean


REAL_WARCS = ("dolma-sample-0000.warc.gz", "dolma-sample-0001.warc.gz", "resiliparse-warcfile.warc.gz",
              "resiliparse-clueweb-quirk.warc.gz")


def interrupt_when(command: list[str], ready, times: int = 1, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run `command` as a terminal would, and press Ctrl-C `times` once `ready()`: SIGINT to its whole process
    group (driver, JVM, Python workers)."""
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + timeout
    try:
        while not ready() and process.poll() is None:
            if time.monotonic() > deadline:
                pytest.fail("the job never reached the moment to interrupt it")
            time.sleep(0.05)
        for _ in range(times):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(0.2)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def test_ctrl_c_ends_in_one_line_and_a_rerun_resumes(spark, shared_data, tmp_path):
    """Ctrl-C in the middle of an ingest of real WARCs: exit status 130, one line saying what is committed and
    what to do, none of py4j's, Python's or Java's stacks; the rerun reads only the files not committed."""
    inputs = [str(shared_data / "cc" / name) for name in REAL_WARCS]
    out = tmp_path / "out"
    command = CURATE + ["ingest", *inputs, "--output", str(out), "--master", "local[1]"]
    done = interrupt_when(command, lambda: committed_units(out) >= 1)
    assert done.returncode == 130, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    said = re.fullmatch(r"curate ingest: interrupted: (\d) of 4 units committed; rerun the same command to resume",
                        lines[-1])
    assert said and 1 <= int(said.group(1)) <= committed_units(out) < len(inputs), done.stderr[-3000:]
    assert all(line.startswith(("[ingest] files", "WARNING: Using incubator modules")) for line in lines[:-1]), \
        done.stderr[-3000:]
    units = {path: path.stat().st_mtime_ns for path in (out / "_units").glob("*.json")}
    assert main(command[len(CURATE):] + ["--quiet"]) == 0
    assert {path: path.stat().st_mtime_ns for path in units} == units  # the committed units were not redone
    assert (out / "_SUCCESS").exists() and committed_units(out) == len(inputs)


def test_a_second_ctrl_c_ends_the_process_at_once(shared_data, tmp_path):
    out = tmp_path / "out"
    command = CURATE + ["ingest", str(shared_data / "cc" / REAL_WARCS[0]), "--output", str(out),
                        "--master", "local[1]", "--quiet"]
    done = interrupt_when(command, lambda: (out / "_tmp").exists(), times=2)
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.stderr.splitlines()[-1].startswith(("curate ingest: interrupted", "curate: interrupted again")), \
        done.stderr[-3000:]  # the second press (or the first, if the job had ended by then) says it too
    assert not (out / "_SUCCESS").exists()
