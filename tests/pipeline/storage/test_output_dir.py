"""The output commit protocol: a folder's `_SUCCESS` speaks for the job its `_job.json` records, and no other."""

import json
import os
import re
import socket
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.storage.output_dir import LOCK, ROW_GROUP_BYTES, ROW_GROUP_ROWS, OutputConflict, OutputDir, unit_id


def test_parquet_keeps_statistics_for_filtering_columns_and_writes_the_text_plain(tmp_path):
    table = pa.table({
        "id": ["b", "a", "c"],
        "text": ["first document", "second document", "first document"],
        "language": ["en", "de", "en"],
        "meta": pa.array([[("k", "v")], [], [("k", "w")]], pa.map_(pa.string(), pa.string())),
    })
    entry = OutputDir(str(tmp_path)).write_parquet("part-0.parquet", [table], table.schema)

    written = pq.ParquetFile(tmp_path / "part-0.parquet")
    assert written.read().equals(table) and entry["rows"] == 3
    columns = {written.metadata.row_group(0).column(i).path_in_schema: written.metadata.row_group(0).column(i)
               for i in range(written.metadata.num_columns)}
    assert columns["text"].statistics is None and not columns["text"].has_dictionary_page
    for path in ("id", "language", "meta.key_value.key", "meta.key_value.value"):
        assert columns[path].statistics.has_min_max and columns[path].has_dictionary_page, path
    assert columns["language"].statistics.min == "de"


SCHEMA = pa.schema([("id", pa.string())])


def sealed_output(path, job: dict) -> OutputDir:
    """A complete job output, as run_units and run_subset leave it."""
    out = OutputDir(str(path))
    out.claim(job)
    entry = out.write_parquet("part-a.parquet", [pa.table({"id": ["x", "y"]}, schema=SCHEMA)], SCHEMA)
    out.finish({"read": 2, "kept": 2, "dropped": {}, "errors": {}}, [entry])
    return out


def test_an_occupied_output_is_refused_naming_the_command_that_wrote_it(tmp_path):
    sealed_output(tmp_path / "docs", {"stage": "ingest-rpv2", "inputs": [], "root": "A"})
    with pytest.raises(OutputConflict) as other_stage:
        OutputDir(str(tmp_path / "docs")).claim({"stage": "signals", "inputs": []})
    assert str(other_stage.value) == (f"{tmp_path / 'docs'} holds the output of `curate ingest --rpv2`; "
                                      "use another --output, or --overwrite to replace it")
    with pytest.raises(OutputConflict, match=r"holds the output of a curate ingest --rpv2 job with other options "
                                             r"\(its _job.json differs in root\); "):
        OutputDir(str(tmp_path / "docs")).claim({"stage": "ingest-rpv2", "inputs": [], "root": "B"})


def test_a_conflict_names_the_nested_options_that_differ(tmp_path):
    options = {"extractor": "trafilatura", "languages": [], "min_chars": 1}
    sealed_output(tmp_path / "docs", {"stage": "ingest", "inputs": ["a.warc.gz"], "options": options})
    changed = {**options, "extractor": "resiliparse", "languages": ["en"]}
    with pytest.raises(OutputConflict, match=r"its _job.json differs in options.extractor, options.languages\)"):
        OutputDir(str(tmp_path / "docs")).claim({"stage": "ingest", "inputs": ["a.warc.gz"], "options": changed})


def test_a_released_claim_leaves_the_folder_as_before_and_one_with_work_keeps_it(tmp_path):
    """A run refused before it wrote anything gives its claim up: the corrected run may start there."""
    OutputDir(str(tmp_path / "docs")).claim({"stage": "signals", "inputs": ["bad.jsonl"]})
    OutputDir(str(tmp_path / "docs")).release()
    assert not (tmp_path / "docs").exists()
    OutputDir(str(tmp_path / "docs")).claim({"stage": "dedup", "inputs": ["a.jsonl"]})
    OutputDir(str(tmp_path / "docs")).write_json("_clusters/_summary.json", {"documents": 1})
    OutputDir(str(tmp_path / "docs")).release()
    assert OutputDir(str(tmp_path / "docs")).job() == {"stage": "dedup", "inputs": ["a.jsonl"], "sources": {}}


def source_file(path, text: str = '{"id": "a", "text": "x"}\n'):
    path.write_text(text)
    return str(path)


def test_an_output_made_from_an_input_since_rewritten_is_refused(tmp_path):
    source = source_file(tmp_path / "docs.jsonl")
    job = {"stage": "signals", "inputs": [source]}
    sealed_output(tmp_path / "out", job)
    OutputDir(str(tmp_path / "out")).claim(job)  # unchanged: the same job
    os.utime(source, ns=(0, os.stat(source).st_mtime_ns + 1))
    with pytest.raises(OutputConflict, match=re.escape(f"was made from inputs that have changed since ({source}: "
                                                       "size or modification time); use --overwrite")):
        OutputDir(str(tmp_path / "out")).claim(job)
    OutputDir(str(tmp_path / "out")).claim(job, overwrite=True)
    assert not OutputDir(str(tmp_path / "out")).complete


def test_a_resume_may_find_inputs_not_read_yet_fixed_or_added(tmp_path):
    """Only an input the output already holds binds a rerun: one that failed, or was missing, may change."""
    read, failed, missing = (str(tmp_path / name) for name in ("read.jsonl", "failed.jsonl", "missing.jsonl"))
    source_file(tmp_path / "read.jsonl")
    source_file(tmp_path / "failed.jsonl", "not json\n")
    job = {"stage": "signals", "inputs": [read, failed, missing]}
    out = OutputDir(str(tmp_path / "out"))
    out.claim(job)
    out.commit_unit(unit_id(read), {"rows": 1})
    source_file(tmp_path / "failed.jsonl")
    source_file(tmp_path / "missing.jsonl")
    out.claim(job)  # resumes, and records the inputs as they are now
    assert sorted(out.job()["sources"]) == sorted([read, failed, missing])
    source_file(tmp_path / "read.jsonl", '{"id": "b", "text": "y"}\n')
    with pytest.raises(OutputConflict, match=re.escape(f"changed since ({read}: size or modification time)")):
        out.claim(job)


def test_an_output_recorded_before_sources_is_judged_by_its_options(tmp_path):
    source = source_file(tmp_path / "docs.jsonl")
    out = sealed_output(tmp_path / "out", {"stage": "signals", "inputs": [source]})
    (tmp_path / "out" / "_job.json").write_text(json.dumps({"stage": "signals", "inputs": [source]}))
    out.claim({"stage": "signals", "inputs": [source]})
    assert out.complete


def test_a_conflict_names_other_inputs_without_their_file_sizes(tmp_path):
    first, second = source_file(tmp_path / "a.jsonl"), source_file(tmp_path / "b.jsonl")
    sealed_output(tmp_path / "out", {"stage": "signals", "inputs": [first]})
    with pytest.raises(OutputConflict) as refused:
        OutputDir(str(tmp_path / "out")).claim({"stage": "signals", "inputs": [first, second]})
    assert "(its _job.json differs in inputs); use another --output" in str(refused.value)


def test_a_conflict_says_when_only_the_order_of_the_inputs_differs(tmp_path):
    sealed_output(tmp_path / "docs", {"stage": "ingest", "inputs": ["a.warc.gz", "b.warc.gz"]})
    with pytest.raises(OutputConflict, match=r"a curate ingest job with other options \(the same inputs in another "
                                             r"order\); use another --output, or --overwrite"):
        OutputDir(str(tmp_path / "docs")).claim({"stage": "ingest", "inputs": ["b.warc.gz", "a.warc.gz"]})


def test_a_finished_output_holds_no_staging_files(tmp_path):
    out = sealed_output(tmp_path / "out", {"stage": "signals", "inputs": []})
    out.write_text("report.html", "<html></html>")  # added after the job, as `curate report` does
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "_SUCCESS", "_job.json", "_manifest.json", "_stats.json", "part-a.parquet", "report.html"]


def test_overwrite_killed_part_way_leaves_the_old_job_marked_and_unfinished(tmp_path):
    """`--overwrite` deletes `_SUCCESS` first and `_job.json` last: whatever a kill leaves is still the old
    job's and not complete, so another job neither resumes from it nor returns it as its own."""
    sealed_output(tmp_path, {"stage": "subset", "recipe": "A"})
    (tmp_path / "_SUCCESS").unlink()  # where a kill during the deletion can stop, at the earliest
    with pytest.raises(OutputConflict, match="other options"):
        OutputDir(str(tmp_path)).claim({"stage": "subset", "recipe": "B"})

    out = OutputDir(str(tmp_path))
    out.claim({"stage": "subset", "recipe": "B"}, overwrite=True)
    assert out.job() == {"stage": "subset", "recipe": "B", "sources": {}} and not out.complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_job.json", "_lock.json"]  # the lock: until the run ends


def test_a_folder_of_no_job_is_refused_and_kept_even_with_overwrite(tmp_path):
    """A folder with files but no `_job.json` (a clone of a dataset repository, or the old job's output after
    its `_job.json` was lost) is neither resumed nor deleted."""
    sealed_output(tmp_path / "old", {"stage": "subset", "recipe": "A"})
    (tmp_path / "old" / "_job.json").unlink()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    for folder in ("old", "mine"):
        for overwrite in (False, True):
            with pytest.raises(OutputConflict, match="holds files of no curate job"):
                OutputDir(str(tmp_path / folder)).claim({"stage": "subset", "recipe": "B"}, overwrite=overwrite)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "old" / "_SUCCESS").exists() and (tmp_path / "old" / "part-a.parquet").exists()


def test_an_output_holding_the_jobs_inputs_is_refused(tmp_path):
    (tmp_path / "docs").mkdir()
    part = tmp_path / "docs" / "part-0.parquet"
    pq.write_table(pa.table({"id": ["x"]}), part)
    (tmp_path / "link").symlink_to(tmp_path / "docs")  # resolves to the input folder, as `link2 -> docs2`
    (tmp_path / "up").symlink_to(tmp_path)  # resolves above it
    for output in (tmp_path / "docs", tmp_path, tmp_path / "link", tmp_path / "up"):
        with pytest.raises(OutputConflict, match="overlaps the input"):
            OutputDir(str(output)).claim({"stage": "signals", "inputs": [str(part)]}, overwrite=True)
        with pytest.raises(OutputConflict, match="overlaps the input"):
            OutputDir(str(output)).check_claim({"stage": "signals", "inputs": [str(part)]}, overwrite=True)
    assert part.exists() and sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["part-0.parquet"]


def write_lock(folder, pid: int, host: str | None = None, started: str = "2099-01-01T00:00:00+00:00") -> dict:
    """The lock another run left in `folder`, as curate writes it."""
    holder = {"host": host or socket.gethostname(), "pid": pid, "started": started}
    folder.mkdir(exist_ok=True)
    (folder / LOCK).write_text(json.dumps(holder))
    return holder


@pytest.fixture
def other_process():
    """A live process of this host that is not this one (the run that holds a lock)."""
    process = subprocess.Popen(["sleep", "60"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_folder_another_run_writes_is_refused_naming_that_run(tmp_path, other_process):
    """A second run neither clears the first one's staging nor, with --overwrite, its committed units."""
    job = {"stage": "signals", "inputs": []}
    first = OutputDir(str(tmp_path / "out"))
    first.claim(job)
    first.commit_unit("a", {"rows": 1})
    write_lock(tmp_path / "out", other_process)
    (tmp_path / "out" / "_tmp" / "part-b.parquet.staged").write_bytes(b"being written")
    held = (f"{tmp_path / 'out'} is being written by another run (host {socket.gethostname()}, pid {other_process}, "
            "started 2099-01-01T00:00:00+00:00); wait for it to end or choose another output")
    for overwrite in (False, True):
        for attempt in (OutputDir.claim, OutputDir.check_claim):
            with pytest.raises(OutputConflict) as refused:
                attempt(OutputDir(str(tmp_path / "out")), {**job, "options": "other"}, overwrite=overwrite)
            assert str(refused.value) == held
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["_job.json", LOCK, "_tmp", "_units"]
    assert (tmp_path / "out" / "_tmp" / "part-b.parquet.staged").exists() and first.unit_record("a") == {"rows": 1}
    assert json.loads((tmp_path / "out" / LOCK).read_text())["pid"] == other_process


def test_a_lock_of_another_host_is_refused_with_what_to_do_and_a_foreign_file_too(tmp_path):
    write_lock(tmp_path / "out", 1, host="elsewhere.example")
    with pytest.raises(OutputConflict, match=re.escape(
            "another run (host elsewhere.example, pid 1, started 2099-01-01T00:00:00+00:00); wait for it to end or "
            "choose another output; curate cannot look into another host: if that run is gone, delete "
            f"{tmp_path / 'out' / LOCK}")):
        OutputDir(str(tmp_path / "out")).claim({"stage": "signals", "inputs": []})
    (tmp_path / "out" / LOCK).write_text("{}")
    with pytest.raises(OutputConflict, match=re.escape(f"{tmp_path / 'out' / LOCK} is not a lock curate wrote")):
        OutputDir(str(tmp_path / "out")).check_claim({"stage": "signals", "inputs": []})


def test_the_lock_of_a_run_that_is_gone_is_taken_over_saying_so(tmp_path, capsys):
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid is free, as a killed run's
    write_lock(tmp_path / "out", gone.pid)
    out = OutputDir(str(tmp_path / "out"))
    out.check_claim({"stage": "signals", "inputs": []})  # not a refusal
    out.claim({"stage": "signals", "inputs": []})
    assert capsys.readouterr().err == (f"curate: {tmp_path / 'out'}: taking over the lock of a run that is gone (host "
                                       f"{socket.gethostname()}, pid {gone.pid}, started 2099-01-01T00:00:00+00:00)\n")
    assert json.loads((tmp_path / "out" / LOCK).read_text())["pid"] == os.getpid()
    out.finish({"read": 0, "kept": 0, "dropped": {}, "errors": {}}, [])
    assert not (tmp_path / "out" / LOCK).exists()


def test_a_lock_whose_pid_now_names_a_younger_process_is_taken_over(tmp_path, capsys, other_process):
    """After a restart the pid of a killed run may be another process's: one that started after the lock was
    taken cannot be the run that took it (it kept the folder locked for ever)."""
    write_lock(tmp_path / "out", other_process, started="2001-01-01T00:00:00+00:00")
    OutputDir(str(tmp_path / "out")).claim({"stage": "signals", "inputs": []})
    assert "taking over the lock of a run that is gone" in capsys.readouterr().err
    assert json.loads((tmp_path / "out" / LOCK).read_text())["pid"] == os.getpid()


def test_the_lock_is_released_however_the_run_ends(tmp_path):
    out = OutputDir(str(tmp_path / "out"))
    with pytest.raises(RuntimeError), out.claimed({"stage": "signals", "inputs": []}):
        assert (tmp_path / "out" / LOCK).exists()
        raise RuntimeError("the job failed")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["_job.json"]  # resumable, not locked
    with pytest.raises(OutputConflict, match="other options"):  # refused by the claim itself: nothing left behind
        out.claim({"stage": "signals", "inputs": [], "options": "other"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["_job.json"]


def test_an_object_store_lock_is_a_conditional_create(other_process):
    """fsspec's `pipe_file(mode="create")` (a conditional PUT on stores that offer one; memory:// here)."""
    import fsspec

    memory, folder = fsspec.filesystem("memory"), f"/locks-{other_process}/out"
    out = OutputDir(f"memory://{folder}")
    out.claim({"stage": "signals", "inputs": []})
    assert json.loads(memory.cat_file(f"{folder}/{LOCK}"))["pid"] == os.getpid()
    out.unlock()
    memory.pipe_file(f"{folder}/{LOCK}", json.dumps(
        {"host": socket.gethostname(), "pid": other_process, "started": "2099-01-01T00:00:00+00:00"}).encode())
    with pytest.raises(OutputConflict, match=f"is being written by another run .*pid {other_process}"):
        OutputDir(f"memory://{folder}").claim({"stage": "signals", "inputs": []})
    memory.rm(f"/locks-{other_process}", recursive=True)


@pytest.mark.parametrize(("name", "stem"), [
    # Common Crawl's three files of a segment, the inputs of `curate signals` and plain text
    ("CC-MAIN-20240517233122-20240518023122-00000.warc.gz", "CC-MAIN-20240517233122-20240518023122-00000"),
    ("whirlwind.warc.wet.gz", "whirlwind"), ("whirlwind.warc.wat.gz", "whirlwind"), ("page.wet", "page"),
    ("old.arc.gz", "old"), ("docs.jsonl.gz", "docs"), ("docs.jsonl.zst", "docs"), ("docs.parquet", "docs"),
    ("notes.txt", "notes"), ("notes.txt.gz", "notes"), ("ccnet-sample.warc.wet.txt", "ccnet-sample"),
    ("v1.2.jsonl", "v1.2"), ("backup.tar.gz", "backup.tar"),  # not an extension: kept
    # a stage's output part keeps its input's name, also one written before `.warc.wet.gz` lost all three
    ("part-whirlwind-0123456789.parquet", "whirlwind"), ("part-whirlwind.warc-0123456789.parquet", "whirlwind.warc"),
])
def test_a_units_name_is_its_inputs_without_extensions(name, stem):
    unit = unit_id(f"/data/{name}")
    assert re.fullmatch(rf"{re.escape(stem)}-[0-9a-f]{{10}}", unit)
    assert unit == unit_id(f"/data/{name}") != unit_id(f"/other/{name}")  # the location's hash tells them apart


def test_an_input_that_changed_after_one_of_its_parts_was_committed_binds_a_rerun(tmp_path):
    """A stage of several units per input (translate: one per language) holds an input once one part is in."""
    read, other = (str(tmp_path / name) for name in ("read.jsonl", "other.jsonl"))
    source_file(tmp_path / "read.jsonl")
    source_file(tmp_path / "other.jsonl")
    job = {"stage": "translate", "inputs": [read, other]}
    out = OutputDir(str(tmp_path / "out"))
    out.claim(job)
    out.commit_unit(unit_id(read, "fr"), {"input": read, "rows": 1})
    source_file(tmp_path / "other.jsonl", '{"id": "c", "text": "z"}\n')
    out.claim(job)  # no part of `other` is in: it may change
    source_file(tmp_path / "read.jsonl", '{"id": "b", "text": "y"}\n')
    with pytest.raises(OutputConflict, match=re.escape(f"changed since ({read}: size or modification time)")):
        out.claim(job)


def test_the_units_of_one_input_are_named_by_their_part():
    """A stage of several units per input (translate: one per language) names each apart, readably."""
    whole, french, german = (unit_id("/data/docs.parquet", part) for part in ("", "fr", "de"))
    assert re.fullmatch(r"docs\.fr-[0-9a-f]{10}", french) and re.fullmatch(r"docs\.de-[0-9a-f]{10}", german)
    assert len({whole, french, german}) == 3


def test_small_batches_are_written_as_whole_row_groups(tmp_path):
    """Stages hand over batches of a few hundred rows; readers get row groups of ROW_GROUP_ROWS, in order."""
    batches = [pa.table({"id": [f"{i}-{j}" for j in range(300)]}) for i in range(40)]
    entry = OutputDir(str(tmp_path)).write_parquet("part-0.parquet", batches, batches[0].schema)
    written = pq.ParquetFile(tmp_path / "part-0.parquet")
    sizes = [written.metadata.row_group(i).num_rows for i in range(written.metadata.num_row_groups)]
    assert entry["rows"] == 12_000 and sizes == [ROW_GROUP_ROWS, 12_000 - ROW_GROUP_ROWS]
    assert written.read().column("id").to_pylist() == [f"{i}-{j}" for i in range(40) for j in range(300)]
    big = pa.table({"text": ["x" * (ROW_GROUP_BYTES // 4)]})  # four such rows fill a row group's memory
    OutputDir(str(tmp_path)).write_parquet("part-1.parquet", [big] * 6, big.schema)
    metadata = pq.ParquetFile(tmp_path / "part-1.parquet").metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [4, 2]
