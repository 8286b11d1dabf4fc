"""The stage base on Spark local mode, through the smallest whole stage (tests/helpers/word_counts.py, the example
of docs/architecture.md): it claims the output, names a missing input, resumes without redoing committed units,
seals, and refuses other options."""

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.spark.stage import StageFailed, Unit, process_unit
from pipeline.storage.output_dir import OutputConflict, OutputDir
from tests.helpers import word_counts
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
