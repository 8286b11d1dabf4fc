"""The stage outputs under a folder: found wherever they lie, linked by the inputs their `_job.json` records, upstream
first whatever their names."""

import pyarrow as pa

from pipeline.storage.output_dir import OutputDir
from pipeline.storage.stage_outputs import find_outputs

SCHEMA = pa.schema([("id", pa.string())])


def output(path, stage: str, inputs: list[str], rows: int) -> str:
    """A sealed output of one part file of `rows` rows, made from `inputs`; the part's path."""
    out = OutputDir(str(path))
    out.claim({"stage": stage, "inputs": inputs})
    entry = out.write_parquet("part-0.parquet", [pa.table({"id": [str(n) for n in range(rows)]})], SCHEMA)
    out.finish({"stage": stage, "read": rows, "kept": rows}, [entry])
    return str(path / "part-0.parquet")


def test_outputs_are_linked_by_their_inputs_and_ordered_upstream_first(tmp_path):
    source = tmp_path / "input.txt"
    source.write_text("x")
    first = output(tmp_path / "z-first", "ingest", [str(source)], 3)
    second = output(tmp_path / "deeper" / "a-second", "signals", [first], 3)
    third = output(tmp_path / "m-third", "dedup", [second, str(tmp_path / "z-first" / "part-gone.parquet")], 3)
    found = find_outputs(str(tmp_path))
    assert [o.stage for o in found] == ["ingest", "signals", "dedup"]
    ingest, signals, dedup = found
    assert ingest.links == {} and ingest.upstream == []
    assert signals.upstream == [ingest] and signals.links[first][1]["rows"] == 3
    assert dedup.upstream == [signals]
    # an input inside an output's folder that its manifest does not list is named with that output
    assert dedup.unlisted == [(str(tmp_path / "z-first" / "part-gone.parquet"), ingest)]
    assert third.startswith(dedup.path)


def test_a_folder_without_outputs_has_none(tmp_path):
    (tmp_path / "crawl").mkdir()
    assert find_outputs(str(tmp_path)) == []
