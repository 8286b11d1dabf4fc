"""The stage base on Spark local mode, through the smallest whole stage (tests/helpers/word_counts.py, the example
of docs/architecture.md): it claims the output, names a missing input, resumes without redoing committed units,
seals, and refuses other options."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.spark.session import task_attempts
from pipeline.spark.stage import StageFailed, Unit, process_unit
from pipeline.storage.output_dir import OutputConflict, OutputDir
from tests.helpers import word_counts
from tests.helpers.failing_stage import run_failing
from tests.helpers.paths import REPO
from tests.helpers.word_counts import WordCounts, run_word_counts

DOCS = REPO / "docs" / "architecture.md"


def test_the_page_shows_the_example_as_it_is():
    """docs/architecture.md's code under "Adding a stage" is tests/helpers/word_counts.py, line for line."""
    [section] = re.findall(r"^## Adding a stage\n(.*?)(?=^## |\Z)", DOCS.read_text(), re.DOTALL | re.MULTILINE)
    [shown] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert shown == Path(word_counts.__file__).read_text()
    assert len(shown.splitlines()) < 40


def test_a_missing_input_is_a_unit_of_status_missing_left_uncommitted(tmp_path):
    out, gone = OutputDir(str(tmp_path / "out")), str(tmp_path / "gone.txt")
    record = process_unit(WordCounts(), Unit(gone, "gone", 0, out))
    assert (record["status"], record["message"]) == ("missing", f"{gone}: no such file")
    assert out.unit_record("gone") is None


def test_a_stage_names_a_missing_input_then_resumes_and_seals(spark, tmp_path, capsys):
    here, later, out = tmp_path / "here.txt", tmp_path / "later.txt", tmp_path / "counts"
    here.write_text("one two three\n\nfour\n")
    inputs = [str(here), str(later)]
    with pytest.raises(StageFailed) as failed:
        run_word_counts(spark, inputs, str(out), progress=False)
    assert str(failed.value) == ("1 of 2 inputs could not be read (the other is committed; rerun to resume):\n"
                                 f"  {later}: no such file")
    assert json.loads((out / "_job.json").read_text())["stage"] == "word-counts"  # claimed: the job is recorded
    assert not (out / "_SUCCESS").exists() and not (out / "_lock.json").exists()
    [committed] = (out / "_units").iterdir()
    written = {path: path.stat().st_mtime_ns for path in (committed, out / f"part-{committed.stem}.parquet")}

    later.write_text("five six\n")
    stats = run_word_counts(spark, inputs, str(out), progress=False)
    assert {path: path.stat().st_mtime_ns for path in written} == written  # resumed: the committed unit not redone
    assert (stats["stage"], stats["read"], stats["kept"], stats["dropped"]) == ("word-counts", 4, 3,
                                                                               {"too_few_words": 1})
    assert stats["inputs"] == {"files": 2, "skipped": []}
    assert (out / "_SUCCESS").exists() and json.loads((out / "_stats.json").read_text()) == stats
    manifest = json.loads((out / "_manifest.json").read_text())
    assert sorted(entry["input"] for entry in manifest["files"]) == inputs
    assert sorted((row["line"], row["words"]) for row in pq.read_table(str(out)).to_pylist()) == [(1, 2), (1, 3),
                                                                                                    (3, 1)]

    capsys.readouterr()
    assert run_word_counts(spark, inputs, str(out), progress=False) == stats
    assert capsys.readouterr().err == f"{out} is already complete; nothing to do\n"
    with pytest.raises(OutputConflict, match=r"a curate word-counts job with other options \(its _job.json "
                                             r"differs in min_words\)"):
        run_word_counts(spark, inputs, str(out), min_words=2, progress=False)


def test_a_task_that_raises_fails_the_job_and_with_on_error_skip_is_reported_and_the_rest_sealed(spark, tmp_path):
    good, boom, out = tmp_path / "good.txt", tmp_path / "boom.txt", tmp_path / "counts"
    good.write_text("one two\nthree\n")
    boom.write_text("boom\nfour five\n")
    inputs = [str(good), str(boom)]
    with pytest.raises(Exception, match="boom in the worker"):  # local[2]: one attempt, then the job fails
        run_failing(spark, inputs, str(out))
    assert not (out / "_SUCCESS").exists() and not (out / "_lock.json").exists()

    stats = run_failing(spark, inputs, str(out), on_error="skip")  # the same job, resumed
    assert stats["inputs"] == {"files": 2, "skipped": [str(boom)]}
    assert (stats["read"], stats["kept"], stats["errors"]) == (3, 2, {"task_error": 1})
    assert stats["error_examples"]["task_error"] == [f"{boom}: RuntimeError: boom in the worker"]
    record = json.loads((out / "_units" / f"{[u for u in (out / '_units').iterdir() if 'boom' in u.name][0].name}")
                        .read_text())
    assert (record["status"], record["files"]) == ("failed", [])
    assert (out / "_SUCCESS").exists()
    assert sorted(pq.read_table(str(out)).column("words").to_pylist()) == [1, 2]


def test_attempts_per_task_follow_the_master():
    """Spark's docs/configuration.md: spark.task.maxFailures (default 4), which local mode ignores for the N of
    local[threads, N]."""
    assert [task_attempts(master, None) for master in ("local", "local[2]", "local[*]", "local[2,3]",
                                                       "local[*, 2]", "spark://h:7077")] == [1, 1, 1, 3, 2, 4]
    assert task_attempts("yarn", "8") == 8 and task_attempts("local[2]", "8") == 1


def test_local_n_attempts_retries_a_task_that_fails_once(tmp_path):
    """A task failing on its first attempt only: local[2] fails the job (the shared session shows it), a
    local[1,2] master runs the task again and the job seals."""
    flaky = tmp_path / "flaky.txt"
    flaky.write_text("flaky\nsix seven\n")
    script = ("import sys, json\nfrom pipeline.spark.session import get_session\n"
              "from tests.helpers.failing_stage import run_failing\n"
              "print(json.dumps(run_failing(get_session('local[1,2]'), [sys.argv[1]], sys.argv[2])))")
    done = subprocess.run([sys.executable, "-c", script, str(flaky), str(tmp_path / "out")], capture_output=True,
                          text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    assert (stats["read"], stats["kept"], stats["inputs"]["skipped"]) == (2, 2, [])


def test_without_retries_the_flaky_task_fails(spark, tmp_path):
    flaky = tmp_path / "flaky.txt"
    flaky.write_text("flaky\nsix seven\n")
    with pytest.raises(Exception, match="flaky in the worker"):
        run_failing(spark, [str(flaky)], str(tmp_path / "out"))
