"""Hugging Face dataset shards: a Spark DataFrame's partitions written, in order and without a shuffle, as
Parquet files of about a shard's size each, then placed as data/{config}/train-XXXXX-of-YYYYY.parquet."""

import json
import math
import posixpath
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.accounting import Stats
from pipeline.schema import DOCUMENT_SCHEMA
from pipeline.storage.output_dir import ROW_GROUP_ROWS, OutputDir

SHARD_RECORD = pa.schema([("part", pa.int64()), ("piece", pa.int64()), ("file", pa.string()), ("rows", pa.int64()),
                          ("bytes", pa.int64()), ("chars", pa.int64()), ("counts", pa.string())])
SHARD_DDL = ", ".join(f"{field.name} long" if pa.types.is_integer(field.type) else f"{field.name} string"
                      for field in SHARD_RECORD)


def shard_schema(schema: pa.Schema, columns: list[str]) -> pa.Schema:
    """The output `columns` of `schema` as the shards hold them: a map column (`meta`) as JSON text, which
    `datasets` reads (it has no map type); `id` and `text` not null, as the document schema has them, the others
    nullable."""
    not_null = not_null_columns(columns)
    return pa.schema([pa.field(field.name, pa.string() if pa.types.is_map(field.type) else field.type,
                               nullable=field.name not in not_null)
                      for field in (schema.field(name) for name in columns)])


def not_null_columns(columns: list[str]) -> tuple[str, ...]:
    """The output columns the document schema has not null."""
    return tuple(name for name in columns if name in DOCUMENT_SCHEMA.names
                 and not DOCUMENT_SCHEMA.field(name).nullable)


def _declared(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table in `schema`, which declares some of its columns not null (Spark's Arrow batches declare every
    column nullable); a null in one of those is an input that breaks the document schema: named, not written."""
    for field in schema:
        if not field.nullable and table.column(field.name).null_count:
            raise ValueError(f"a kept document has no `{field.name}` (null); the document schema requires one "
                             "(docs/schema.md): fix the inputs, or drop such documents with a rule "
                             f"`{field.name} IS NOT NULL`")
    return table.cast(schema)


def _row_bytes(batch: pa.RecordBatch, ratio: float) -> np.ndarray:
    """Each row's estimated bytes in a shard: its strings' own lengths plus an even share of the rest of the
    batch, times the compression ratio."""
    strings = [column for column in batch.columns if any(
        kind(column.type) for kind in (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary))]
    own = sum((pc.binary_length(column).fill_null(0).to_numpy() for column in strings), np.zeros(batch.num_rows))
    return (own + (batch.nbytes - own.sum()) / batch.num_rows) * ratio


# A part holds a little less than a shard (its kept bytes are an estimate), and a shard may take up to a quarter
# more to end with its part: neither leaves a shard of a few rows behind.
PART_OF_SHARD = 0.8
TAIL_OF_SHARD = 0.25


class _Batches:
    """Arrow batches handed out a number of bytes at a time: a partition splits into shards while streaming."""

    def __init__(self, batches, ratio: float):
        self._rest = (batch for batch in batches if batch.num_rows)
        self.head = next(self._rest, None)
        self._after = next(self._rest, None)
        self.ratio = ratio
        self.chars = 0

    def take(self, budget: float, slack: float = 0.0):
        """Tables, in order, of at most `budget` estimated bytes in all but at least one row, or up to `slack`
        more when that takes the partition's last rows (rather than leave them a shard of a few rows); counts
        the characters of their text."""
        first = True
        while self.head is not None:
            spent = np.cumsum(_row_bytes(self.head, self.ratio))
            rows = max(int(np.searchsorted(spent, budget, side="right")), int(first))
            if self._after is None and spent[-1] <= budget + slack:
                rows = self.head.num_rows
            if not rows:
                return
            whole = rows == self.head.num_rows
            batch, first, budget = self.head.slice(0, rows), False, budget - spent[rows - 1]
            if whole:
                self.head, self._after = self._after, next(self._rest, None)
            else:
                self.head = self.head.slice(rows)
            if "text" in batch.schema.names:
                self.chars += pc.sum(pc.utf8_length(batch.column("text"))).as_py() or 0
            yield pa.Table.from_batches([batch])
            if not whole:
                return


Transform = Callable[[pa.RecordBatch], tuple[pa.RecordBatch, dict[str, int]]]


def _transformed(batches, transform: Transform | None, counts: Counter):
    """The batches through `transform`, its counts added up in `counts`."""
    for batch in batches:
        if transform is not None:
            batch, made = transform(batch)
            counts.update(made)
        yield batch


def write_shards(batches, output: str, compression: str, shard_size: int, ratio: float,
                 not_null: tuple[str, ...], transform: Transform | None = None):
    """Executor side: one partition's rows, in order, into staged Parquet files of about `shard_size` bytes
    at most (`ratio`: the compressed bytes of the output columns per uncompressed byte, from the inputs), the
    `not_null` columns declared not null, each batch through `transform` first.

    Streams: a shard is never held in memory whole. Yields each file's manifest entry, with the counts the
    transform gave since the last (JSON; summed over a partition's entries, they are the partition's)."""
    from pyspark import TaskContext  # late: `curate subset` imports this writer, and checks a recipe, before Spark

    part = TaskContext.get().partitionId()
    counts = Counter()
    stream = _Batches(_transformed(batches, transform, counts), ratio)
    piece = 0
    while stream.head is not None:
        schema = pa.schema([field.with_nullable(field.name not in not_null) for field in stream.head.schema])
        chars = stream.chars
        tables = (_declared(table, schema) for table in stream.take(shard_size, shard_size * TAIL_OF_SHARD))
        entry = OutputDir(output).write_parquet(f"_shards/part-{part:05d}-{piece:05d}.parquet", tables, schema,
                                                compression=compression)
        yield pa.RecordBatch.from_pylist([{"part": part, "piece": piece, **entry, "chars": stream.chars - chars,
                                           "counts": json.dumps(counts)}], schema=SHARD_RECORD)
        counts.clear()
        piece += 1


@dataclass(frozen=True)
class InputBytes:
    files: int
    compressed: int  # of the output columns (a JSON lines file: all of it)
    uncompressed: int


def shard_layout(sizes: InputBytes, stats: Stats, shard_size: int) -> tuple[float, dict[str, str]]:
    """The compression ratio of the output columns, and the read options that give each input partition
    about PART_OF_SHARD of a shard of kept documents (`stats`: the books of read and kept documents).

    Both follow from the inputs' sizes and the kept share alone (never from the cores or the session's own
    options), so the same inputs and recipe always make the same partitions, hence the same shards."""
    kept = sizes.compressed * stats.kept / max(stats.read, 1)
    part = shard_size * PART_OF_SHARD
    split = max(1, min(sizes.files, math.floor(part * sizes.files / max(kept, 1))))
    return sizes.compressed / max(sizes.uncompressed, 1), {
        "spark.sql.files.maxPartitionBytes": str(split), "spark.sql.files.openCostInBytes": "0",
        "spark.sql.files.minPartitionNum": "1", "spark.sql.files.maxPartitionNum": str(2**31 - 1),
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(ROW_GROUP_ROWS)}


def place_shards(out: OutputDir, config: str, written: list) -> list[dict]:
    """Move the staged shards to data/{config}/train-XXXXX-of-YYYYY.parquet, in input order."""
    folder = posixpath.join("data", config)
    if out.fs.exists(out.join("data")):  # left by a run that died while placing shards
        out.fs.rm(out.join("data"), recursive=True)
    out.fs.makedirs(out.join(folder), exist_ok=True)
    files = []
    for index, record in enumerate(written):
        name = posixpath.join(folder, f"train-{index:05d}-of-{len(written):05d}.parquet")
        out.fs.mv(out.join(record["file"]), out.join(name))
        files.append({"file": name, "rows": record["rows"], "bytes": record["bytes"]})
    out.fs.rm(out.join("_shards"), recursive=True)
    return files
