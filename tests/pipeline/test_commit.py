import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.commit import OutputDir


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
