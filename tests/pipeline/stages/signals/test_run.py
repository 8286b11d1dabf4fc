"""`curate signals` on Spark: the parity documents get the reference's values as typed columns."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.schema import DOC_SIGNALS, LINE_SIGNALS
from pipeline.spark.stage import StageFailed
from pipeline.stages.dedup import run_dedup
from pipeline.stages.signals.run import run_signals
from tests.helpers.broken_files import broken_parquet
from tests.helpers.near_duplicates import CorpusShape, near_duplicate_corpus
from tests.helpers.paths import SHARED


@pytest.fixture
def parity_out(parity_signals):
    """The parity documents' signals (tests/pipeline/conftest.py, computed once a session) and their stats."""
    return parity_signals, json.loads((parity_signals / "_stats.json").read_text())


def test_signal_columns_carry_the_reference_values(parity_out):
    out, stats = parity_out
    assert stats["read"] == stats["kept"] == 274
    rows = {row["id"]: row for row in pq.read_table(str(out)).to_pylist()}
    expected = map(json.loads, (SHARED / "parity" / "public.expected.jsonl").open())
    for reference in expected:
        row, signals = rows[reference["id"]], reference["quality_signals"]
        for name in DOC_SIGNALS:
            assert row[name] == signals[name][0][2], (reference["id"], name)
        for name in LINE_SIGNALS:
            if not row["line_spans"] and signals[name] == [[0, 0, None]]:
                continue  # the reference's bullet entry for the empty document: no line to align it with
            assert row[name] == [score for _, _, score in signals[name]], (reference["id"], name)
        assert row["line_spans"] == [[s, e] for s, e, _ in signals["rps_lines_num_words"]]
        for column, bands in reference["minhash"].items():
            assert (row[column] and [band.hex() for band in row[column]]) == bands, (reference["id"], column)


def test_documents_keep_their_columns_and_types(parity_out):
    out, _ = parity_out
    schema = pq.read_schema(next(out.glob("part-*.parquet")))
    assert schema.names[:3] == ["id", "text", "language"]
    assert str(schema.field("rps_doc_word_count").type) == "int64"
    assert schema.field("rps_lines_num_words").type.value_type == pa.int64()


def test_input_without_text_is_named(spark, tmp_path):
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"id": "a", "body": "no text column"}\n')
    with pytest.raises(StageFailed, match=r"notes\.jsonl: no `text` column"):
        run_signals(spark, [str(bad)], str(tmp_path / "out"), progress=False)


def test_compressed_jsonl_from_another_pipeline(spark, shared_data, tmp_path):
    # dolma's cc_net output: documents with `id` and `text` but no `language`, gzipped JSON lines
    source = shared_data / "cc" / "dolma-cc_en_head-0091.jsonl.gz"
    stats = run_signals(spark, [str(source)], str(tmp_path / "out"), progress=False)
    assert stats["read"] == stats["kept"] == 10
    table = pq.read_table(str(tmp_path / "out"))
    assert {"added", "metadata", "source"} <= set(table.column_names)
    assert all(count > 0 for count in table.column("rps_doc_word_count").to_pylist())
    assert table.column("rps_doc_stop_word_fraction").null_count == 10  # no language, so no stop-word list


def test_signals_on_an_ingest_output_with_an_empty_part(spark, shared_data, tmp_path):
    # the WAT file has no documents, so its part file is empty: the stage must take it as zero documents
    from pipeline.readers.documents import DOCUMENT_SUFFIXES
    from pipeline.readers.langid import default_lid_model
    from pipeline.readers.warc.documents import IngestOptions
    from pipeline.stages.ingest import run_ingest
    from pipeline.storage.inputs import expand_inputs

    cc = shared_data / "cc"
    run_ingest(spark, [str(cc / "whirlwind.warc.wet.gz"), str(cc / "whirlwind.warc.wat.gz")], str(tmp_path / "docs"),
               IngestOptions(), default_lid_model(), progress=False)
    (tmp_path / "empty.jsonl").write_text("")
    inputs = expand_inputs([str(tmp_path / "docs")], DOCUMENT_SUFFIXES) + [str(tmp_path / "empty.jsonl")]
    assert len(inputs) == 3
    stats = run_signals(spark, inputs, str(tmp_path / "signals"), progress=False)
    assert stats["read"] == stats["kept"] == 1
    row = pq.read_table(str(tmp_path / "signals")).to_pylist()[0]
    assert row["url"] == "https://an.wikipedia.org/wiki/Escopete" and row["rps_doc_word_count"] > 100


def test_two_artifact_folders_of_the_same_name_in_one_session(spark, shared_data, tmp_path):
    """A user who rebuilds or swaps `artifacts/` and runs again in the same Spark session gets the new lists."""
    import shutil

    outputs = []
    for index, lists in enumerate((["stop_words"], ["stop_words", "bad_words"])):
        artifacts = tmp_path / f"v{index}" / "artifacts"
        for name in lists:
            shutil.copytree(shared_data / "artifacts" / name, artifacts / name)
        outputs.append(tmp_path / f"out{index}")
        run_signals(spark, [str(SHARED / "parity" / "public.jsonl")], str(outputs[-1]), str(artifacts),
                    progress=False)
    ldnoobw = [pq.read_table(next(out.glob("part-*.parquet")), columns=["rps_doc_ldnoobw_words"]).column(0)
               for out in outputs]
    assert ldnoobw[0].null_count > 0  # no bad_words/: null, as the reference gives for a missing list
    assert ldnoobw[1].null_count == 0


def _parity_lines(count: int) -> list[str]:
    documents = SHARED / "parity" / "public.jsonl"
    if not documents.exists():
        pytest.skip(f"{documents} is absent (it ships beside the repository in CI)")
    return documents.read_text().split("\n")[:count]


def test_a_folder_of_documents_in_every_named_format_is_read_whole(spark, tmp_path, caplog):
    """JSON lines under .jsonl, .ndjson and .json, plain or compressed any supported way, names in any case, and
    Parquet; a file named otherwise is named in a warning, not silently left out."""
    import bz2
    import gzip
    import lzma

    import pyarrow.json as pajson

    lines = _parity_lines(24)
    folder = tmp_path / "in"
    folder.mkdir()
    chunks = [("\n".join(lines[i:i + 3]) + "\n").encode() for i in range(0, 24, 3)]
    (folder / "a.jsonl").write_bytes(chunks[0])
    (folder / "b.ndjson").write_bytes(chunks[1])
    (folder / "c.json").write_bytes(chunks[2])
    (folder / "D.JSONL.GZ").write_bytes(gzip.compress(chunks[3]))
    (folder / "e.jsonl.bz2").write_bytes(bz2.compress(chunks[4]))
    (folder / "f.jsonl.xz").write_bytes(lzma.compress(chunks[5]))
    with pa.output_stream(str(folder / "g.jsonl.zst"), compression="zstd") as stream:
        stream.write(chunks[6])
    pq.write_table(pajson.read_json(pa.BufferReader(chunks[7])), folder / "h.parquet")
    (folder / "notes.txt").write_text("not documents")
    from pipeline.readers.documents import DOCUMENT_SUFFIXES
    from pipeline.storage.inputs import expand_inputs

    with caplog.at_level("WARNING"):
        files = expand_inputs([str(folder)], DOCUMENT_SUFFIXES)
    assert len(files) == 8 and "notes.txt" in caplog.text
    stats = run_signals(spark, files, str(tmp_path / "out"), progress=False)
    assert stats["read"] == stats["kept"] == 24
    ids = {json.loads(line)["id"] for line in lines}
    assert set(pq.read_table(str(tmp_path / "out"), columns=["id"]).column("id").to_pylist()) == ids


def test_a_wet_file_under_another_name_is_refused_as_a_crawl_file(shared_data):
    from pipeline.readers.documents import DOCUMENT_SUFFIXES
    from pipeline.storage.inputs import expand_inputs

    with pytest.raises(ValueError, match=r"ccnet-sample\.warc\.wet\.txt is a WARC/WET file, not documents"):
        expand_inputs([str(shared_data / "cc" / "ccnet-sample.warc.wet.txt")], DOCUMENT_SUFFIXES)


def test_documents_without_id_or_text_are_errors_and_the_rest_kept(spark, tmp_path):
    lines = _parity_lines(3)
    rows = [json.loads(line) for line in lines]
    rows[1]["id"], rows[2]["text"] = None, None
    source, numbered = tmp_path / "docs.jsonl", tmp_path / "numbered.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    numbered.write_text(json.dumps({**rows[0], "id": 7}) + "\n")  # integer ids become their decimal text
    stats = run_signals(spark, [str(source), str(numbered)], str(tmp_path / "out"), progress=False)
    assert (stats["read"], stats["kept"], stats["errors"]) == (4, 2, {"no_id": 1, "no_text": 1})
    assert "docs.jsonl: document 2 (counting from 1) has no id" in json.dumps(stats)
    table = pq.read_table(str(tmp_path / "out"))
    assert table.schema.field("id").type == pa.string()
    assert sorted(table.column("id").to_pylist()) == sorted([rows[0]["id"], "7"])


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "text": 5}\n', r"docs\.jsonl: the `text` column holds int64, not text"),
    ('{"id": "a", "text": "x"}\n{"id": "b", "text": "y"\n',
     r"docs\.jsonl: cannot be read as documents: line 2 is not JSON"),
    ('{"id": "a", "text": "x"}\n\n{"id": 5, "text": "y"}\n',
     r"docs\.jsonl: .*the `id` field is a string before document 2 \(counting from 1\) and a number there"),
])
def test_bad_documents_are_named(spark, tmp_path, content, message):
    source = tmp_path / "docs.jsonl"
    source.write_text(content)
    with pytest.raises(StageFailed, match=message):
        run_signals(spark, [str(source)], str(tmp_path / "out"), progress=False)


def manifest_rows(out) -> pa.Table:
    files = json.loads((out / "_manifest.json").read_text())["files"]
    return pa.concat_tables(pq.read_table(out / entry["file"]) for entry in files)


def test_one_file_in_slices_gives_the_rows_and_books_of_one_unit(spark, tmp_path):
    documents = near_duplicate_corpus(CorpusShape(families=5, copies=3, unrelated=150, words=60, seed=3))
    rows = [{"id": d["id"], "text": None if i == 130 else d["text"]} for i, d in enumerate(documents)]
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=40)
    whole = run_signals(spark, [str(path)], str(tmp_path / "whole"), progress=False)
    sliced = run_signals(spark, [str(path)], str(tmp_path / "sliced"), progress=False, slice_bytes=1)
    assert len(list((tmp_path / "sliced" / "_units").iterdir())) == pq.ParquetFile(path).metadata.num_row_groups
    assert manifest_rows(tmp_path / "sliced") == manifest_rows(tmp_path / "whole")
    assert sliced["error_examples"]["no_text"] == [f"{path}: document 131 (counting from 1) has no text"]
    assert sliced == whole


def test_an_input_that_breaks_a_worker_is_skipped_with_on_error_skip(spark, tmp_path):
    good, broken = tmp_path / "good.jsonl", tmp_path / "broken.parquet"
    good.write_text('{"id": "a", "text": "one line of text"}\n')
    broken_parquet(broken)
    with pytest.raises(StageFailed, match=r"broken\.parquet: cannot be read as documents"):
        run_signals(spark, [str(good), str(broken)], str(tmp_path / "out"), progress=False)
    stats = run_signals(spark, [str(good), str(broken)], str(tmp_path / "out"), progress=False, on_error="skip")
    assert stats["inputs"] == {"files": 2, "skipped": [str(broken)]}
    assert (stats["read"], stats["kept"], stats["errors"]) == (2, 1, {"bad_input_input": 1})
    assert pq.read_table(tmp_path / "out").column("id").to_pylist() == ["a"]
    # the next stage reads what was sealed, and names the file skipped before it
    parts = [str(path) for path in (tmp_path / "out").glob("part-*.parquet")]
    later = run_dedup(spark, parts, str(tmp_path / "dedup"), progress=False)
    assert later["inputs"] == {"files": 1, "skipped": [], "skipped_upstream": [str(broken)]}
