"""Documents files, whatever stage reads them: Parquet, or JSON lines (plain or compressed) with one document per
line, read in batches; a document has an `id` and a `text` (docs/schema.md)."""

import json
import lzma
import re
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson
import pyarrow.parquet as pq

from pipeline.accounting import Stats
from pipeline.messages import shown
from pipeline.storage.locations import BadInput, InputMissing, InputUnreachable, RetryPolicy, open_input

BATCH_ROWS = 1000
# a slice of a Parquet input (a unit of its own): runs of row groups up to this many compressed bytes, so that one
# large file keeps every core busy while a slice stays long enough to pay for its task
SLICE_BYTES = 32 * 2**20
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2", ".xz": "xz"}
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
# matched without regard to case; JSON files hold one document per line, plain or compressed
DOCUMENT_SUFFIXES = (".parquet", *(name + ext for name in JSON_SUFFIXES for ext in ("", *COMPRESSIONS)))


class BadDocuments(BadInput):
    """An input that is not a table of documents (no `text` column, unreadable)."""


class DocumentBatches:
    """The rows of a documents file (or of a slice of it) in batches, knowing how many rows they are (`rows`) and
    how many rows of the file come before them (`first`)."""

    def __init__(self, batches: Iterator[pa.RecordBatch], rows: int, first: int = 0):
        self._batches, self.rows, self.first = batches, rows, first

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self

    def __next__(self) -> pa.RecordBatch:
        return next(self._batches)


def open_documents(location: str, select: Callable[[list[str]], list[str]] | None = None,
                   span: tuple[int, int] | None = None) -> tuple[pa.Schema | None, DocumentBatches]:
    """The schema and the rows, in batches, of a Parquet or JSON-lines (optionally compressed) file.

    `select`, given the column names, names the columns to read (all by default; the schema stays whole); `span`,
    the row groups [start, end) of a Parquet file to read (`row_group_slices`; all by default).
    An empty JSON-lines file has no schema (None). JSON lines are parsed whole; Parquet is streamed."""
    stream = open_input(location, retry=RetryPolicy())
    try:
        if is_parquet(location):
            parquet = pq.ParquetFile(stream)
            columns = select(parquet.schema_arrow.names) if select else None
            groups = range(*span) if span else range(parquet.metadata.num_row_groups)
            batches = parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=groups, columns=columns)
            sizes = [parquet.metadata.row_group(group).num_rows for group in range(groups.stop)]
            return parquet.schema_arrow, DocumentBatches(_closing(batches, stream, location), sum(sizes[groups.start:]),
                                                         sum(sizes[:groups.start]))
        data = decompressed(stream, location).read()
        stream.close()
        if not data.strip():
            return None, DocumentBatches(iter(()), 0)
        try:
            table = pajson.read_json(pa.BufferReader(data))
        except pa.ArrowInvalid as exc:
            raise BadDocuments(f"{location}: cannot be read as documents: {_bad_json_line(data, exc)}") from exc
        selected = table.select(select(table.schema.names)) if select else table
        return table.schema, DocumentBatches(iter(selected.to_batches(max_chunksize=BATCH_ROWS)), table.num_rows)
    except (pa.ArrowInvalid, OSError, EOFError, lzma.LZMAError) as exc:
        stream.close()
        raise BadDocuments(f"{location}: cannot be read as documents: {exc}") from exc


def row_group_slices(location: str, limit: int = SLICE_BYTES) -> list[tuple[int, int]] | None:
    """The slices of a Parquet file, each a run [start, end) of its row groups of at most `limit` compressed bytes
    (or one row group), from its footer; None for a file read whole: one slice, JSON lines, or an input the driver
    cannot read (its unit says why)."""
    if not is_parquet(location):
        return None
    try:
        with open_input(location, retry=RetryPolicy()) as stream:
            meta = pq.ParquetFile(stream).metadata
    except (BadInput, InputMissing, InputUnreachable, pa.ArrowInvalid, OSError):
        return None
    slices, start, size = [], 0, 0
    for group in range(meta.num_row_groups):
        chunks = meta.row_group(group)
        bytes_ = sum(chunks.column(i).total_compressed_size for i in range(chunks.num_columns))
        if group > start and size + bytes_ > limit:
            slices.append((start, group))
            start, size = group, 0
        size += bytes_
    slices.append((start, meta.num_row_groups))
    return slices if len(slices) > 1 else None


def is_parquet(location: str) -> bool:
    return location.lower().endswith(".parquet")


def decompressed(stream, location: str):
    """`stream` read through the decompression its file name says (.gz, .zst, .bz2, .xz), if any."""
    codec = next((codec for ext, codec in COMPRESSIONS.items() if location.lower().endswith(ext)), None)
    if codec == "xz":
        return lzma.open(stream)
    return pa.input_stream(stream, compression=codec) if codec else stream


def _bad_json_line(data: bytes, error: Exception) -> str:
    """Where JSON lines go wrong, in words: the first line that is no JSON object, else Arrow's `error` with its
    0-based row as a document counted from 1."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            return f"line {number} is not JSON ({exc})"
        if not isinstance(value, dict):
            return f"line {number} is not a JSON object"
    changed = re.search(r"Column\((.*)\) changed from (\w+) to (\w+) in row (\d+)", str(error))
    if changed:
        column, before, after, row = changed.groups()
        return (f"the `{column.lstrip('/')}` field is a {before} before document {int(row) + 1} (counting from 1) "
                f"and a {after} there; a field keeps one type in a file")
    return str(error)


def document_columns(location: str) -> list[str] | None:
    """The column names of a documents file, read cheaply (on the driver, before any Spark job): a Parquet
    footer, or the keys of the first JSON line. None for an empty JSON-lines file."""
    stream = open_input(location, retry=RetryPolicy())
    try:
        if is_parquet(location):
            return pq.ParquetFile(stream).schema_arrow.names
        line = _first_line(decompressed(stream, location))
        if not line.strip():
            return None
        first = json.loads(line)
        if not isinstance(first, dict):
            raise ValueError("the first line is not a JSON object")
        return list(first)
    except (pa.ArrowInvalid, OSError, ValueError, EOFError, lzma.LZMAError) as exc:
        raise BadDocuments(f"{location}: cannot be read as documents: {exc}") from exc
    finally:
        stream.close()


def _first_line(stream, chunk: int = 1 << 16) -> bytes:
    data = b""
    while b"\n" not in data:
        more = stream.read(chunk)
        if not more:
            break
        data += more
    return data.split(b"\n", 1)[0]


def documents_schema(location: str, schema: pa.Schema) -> pa.Schema:
    """The input's schema with `id` and `text` as text (docs/schema.md): integer ids become their decimal text;
    BadDocuments for a missing column or one of another type."""
    for column, allowed in (("id", (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer)),
                            ("text", (pa.types.is_string, pa.types.is_large_string))):
        if column not in schema.names:
            raise BadDocuments(f"{location}: no `{column}` column (has: {shown(schema.names, 10)})")
        type_ = schema.field(column).type
        if not (pa.types.is_null(type_) or any(test(type_) for test in allowed)):
            raise BadDocuments(f"{location}: the `{column}` column holds {type_}, not text")
        if not (pa.types.is_string(type_) or pa.types.is_large_string(type_)):
            schema = schema.set(schema.get_field_index(column), pa.field(column, pa.string()))
    return schema


def checked_documents(batch: pa.RecordBatch, schema: pa.Schema, location: str, first: int,
                      stats: Stats) -> pa.RecordBatch:
    """The batch's documents that have an id and a text, as `schema` types them; each other one is an error
    (`no_id`, `no_text`) naming the file and its place there (`first`: the documents before the batch)."""
    ids, texts = batch.column("id"), batch.column("text")
    valid = pc.and_(ids.is_valid(), texts.is_valid())
    if valid.false_count:
        for i in np.flatnonzero(~valid.to_numpy(zero_copy_only=False)).tolist():
            kind = "no_id" if not ids[i].is_valid else "no_text"
            stats.error(kind, f"{location}: document {first + i + 1} (counting from 1) has no "
                              f"{'id' if kind == 'no_id' else 'text'}")
        batch = batch.filter(valid)
    return pa.RecordBatch.from_arrays([column.cast(field.type) for column, field in zip(batch.columns, schema,
                                                                                         strict=True)], schema=schema)


def _closing(batches: Iterator[pa.RecordBatch], stream, location: str) -> Iterator[pa.RecordBatch]:
    try:
        yield from batches
    except (pa.ArrowInvalid, OSError) as exc:
        raise BadDocuments(f"{location}: cannot be read as documents: {exc}") from exc
    finally:
        stream.close()

