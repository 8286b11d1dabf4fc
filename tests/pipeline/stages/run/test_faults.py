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


# Each later in the run than the one before, so the run killed at it has resumed what the last one left.
MOMENTS = [
    ("documents", lambda root: claimed(root, "documents")),
    ("signals", lambda root: claimed(root, "signals")),
    ("dedup", lambda root: claimed(root, "dedup")),
    ("subset", lambda root: claimed(root, "subset")),
    (None, lambda root: sealed(root, "subset")),  # the report's turn
]


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
    for stage, reached in MOMENTS:
        delay = wait.uniform(0, 0.5)  # a moment at random soon after the stage starts
        kill_when(CURATE + ["run", pipeline, "--quiet"], soon_after(reached, root, delay))
        if stage is not None:
            assert not sealed(root, stage), f"{stage} ended before the kill"
    capsys.readouterr()
    assert main(["run", pipeline, "--quiet"]) == 0  # its exit status is the audit's
    assert capsys.readouterr().out.rstrip().endswith("audit passed")
    assert shards(root) == shards(tmp_path / "clean") != {}
