"""A whole `curate run` killed with SIGKILL at moments spread over its stages, and run again after each, ends with
the subset of an uninterrupted run, byte for byte, and an audit that passes."""

import random
import time
from pathlib import Path

from pipeline.cli.main import main
from pipeline.demo.run import write_demo
from tests.helpers.processes import CURATE, kill_when


def claimed(root: Path, name: str) -> bool:
    return (root / name / "_job.json").exists()


def sealed(root: Path, name: str) -> bool:
    return (root / name / "_SUCCESS").exists()


STAGES = ("documents", "signals", "dedup", "subset")
# Each later in the run than the one before, so the run killed at it has resumed what the last one left.
MOMENTS = [lambda root, stage=stage: claimed(root, stage) for stage in STAGES] + [
    lambda root: sealed(root, "subset")]  # the report's turn


def state(root: Path) -> tuple:
    """Which stages a kill left sealed, and which claimed but unfinished."""
    return (tuple(stage for stage in STAGES if sealed(root, stage)),
            tuple(stage for stage in STAGES if claimed(root, stage) and not sealed(root, stage)))


def soon_after(reached, root: Path, delay: float):
    """A moment `delay` seconds after `reached(root)` first holds."""
    return lambda: reached(root) and time.sleep(delay) is None


def shards(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted((root / "subset" / "data").rglob("*.parquet"))}


def test_a_run_killed_at_five_moments_and_run_again_equals_an_uninterrupted_one(spark, tmp_path, capsys):
    assert main(["run", write_demo(str(tmp_path / "clean")), "--quiet"]) == 0
    root = tmp_path / "killed"
    pipeline = write_demo(str(root))
    wait = random.Random(19)
    states = []
    for reached in MOMENTS:
        delay = wait.uniform(0, 0.2)  # a moment at random soon after the stage starts
        kill_when(CURATE + ["run", pipeline, "--quiet"], soon_after(reached, root, delay))
        states.append(state(root))
    # five different moments, none after the run's end (a fast stage may end before its kill lands)
    assert len(set(states)) == len(MOMENTS) and not (root / "subset" / "report.html").exists(), states
    capsys.readouterr()
    assert main(["run", pipeline, "--quiet"]) == 0  # its exit status is the audit's
    assert capsys.readouterr().out.rstrip().endswith("audit passed")
    assert shards(root) == shards(tmp_path / "clean") != {}
