"""Documents files read in slices: a Parquet file's runs of row groups, each read alone with its place in the file."""

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.readers.documents import open_documents, row_group_slices


def write_groups(path, groups: int, rows: int) -> pa.Table:
    table = pa.table({"id": [str(i) for i in range(groups * rows)],
                      "text": [f"text {i} " * (1 + i % 7) for i in range(groups * rows)]})
    pq.write_table(table, path, row_group_size=rows)
    return table


def group_bytes(path, group: int) -> int:
    chunks = pq.ParquetFile(path).metadata.row_group(group)
    return sum(chunks.column(i).total_compressed_size for i in range(chunks.num_columns))


def test_slices_are_runs_of_row_groups_up_to_the_limit(tmp_path):
    path = tmp_path / "docs.parquet"
    write_groups(path, groups=7, rows=50)
    limit = 2 * group_bytes(path, 0) + 1  # room for about two groups of this file
    slices = row_group_slices(str(path), limit)
    assert slices[0][0] == 0 and slices[-1][1] == 7
    assert all(end == start for (_, end), (start, _) in zip(slices, slices[1:], strict=False))  # contiguous
    for start, end in slices:
        size = sum(group_bytes(path, g) for g in range(start, end))
        assert size <= limit or end - start == 1
    # a slice ends only where the next group would not fit
    assert all(sum(group_bytes(path, g) for g in range(start, end + 1)) > limit for (start, end), _ in
               zip(slices, slices[1:], strict=False))


def test_a_file_of_one_slice_json_lines_and_a_missing_file_are_read_whole(tmp_path):
    path = tmp_path / "docs.parquet"
    write_groups(path, groups=3, rows=10)
    (tmp_path / "docs.jsonl").write_text('{"id": "a", "text": "b"}\n')
    assert row_group_slices(str(path), 1 << 30) is None
    assert row_group_slices(str(tmp_path / "docs.jsonl"), 1) is None
    assert row_group_slices(str(tmp_path / "gone.parquet"), 1) is None  # its unit says it is missing


def test_a_slice_reads_its_rows_and_knows_where_they_start(tmp_path):
    path = tmp_path / "docs.parquet"
    table = write_groups(path, groups=5, rows=30)
    schema, batches = open_documents(str(path), span=(2, 4))
    assert schema == table.schema and (batches.first, batches.rows) == (60, 60)
    assert pa.Table.from_batches(list(batches)) == table.slice(60, 60)
    slices = row_group_slices(str(path), 1)
    assert pa.concat_tables(pa.Table.from_batches(list(open_documents(str(path), span=span)[1]))
                            for span in slices) == table
