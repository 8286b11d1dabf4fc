"""Input files the driver's checks accept and a worker cannot read."""

import pyarrow as pa
import pyarrow.parquet as pq


def broken_parquet(path, rows: int = 200) -> None:
    """A zstd Parquet file of `id` and `text` whose footer reads (its schema, its row groups) and whose `text`
    pages fail to decompress: every byte of their compressed data after the first 40 flipped."""
    table = pa.table({"id": [f"b{i}" for i in range(rows)],
                      "text": [f"broken document {i} " * 20 for i in range(rows)]})
    pq.write_table(table, path, compression="zstd")
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(1)
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(open(path, "rb").read())
    for i in range(start + 40, start + chunk.total_compressed_size - 10):
        data[i] ^= 0x5A
    open(path, "wb").write(data)
