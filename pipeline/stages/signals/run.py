"""The signals stage on Spark: documents (ours, or any Parquet/jsonl with `id` and `text`) plus their signals."""

import json
import logging
import lzma
import os
import posixpath
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson
import pyarrow.parquet as pq

from pipeline.accounting import Stats
from pipeline.messages import shown
from pipeline.schema import signals_schema
from pipeline.spark.progress import UnitReport
from pipeline.spark.shipping import ship_directory
from pipeline.spark.stage import absolute_output, run_units
from pipeline.stages.signals.columns import with_signals
from pipeline.storage.locations import InputMissing, InputUnreachable, RetryPolicy, open_input
from pipeline.storage.output_dir import OutputDir
from pipeline.writers.rpv2_export import export_unit
from signals.artifacts import UT1_TABLE, Artifacts
from signals.fast.batch import compiled_pass_cached
from signals.registry import MODEL_FOLDERS, UT1_DOMAINS, artifact_folder

log = logging.getLogger(__name__)
BATCH_ROWS = 1000
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2", ".xz": "xz"}
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
# matched without regard to case; JSON files hold one document per line, plain or compressed
DOCUMENT_SUFFIXES = (".parquet", *(name + ext for name in JSON_SUFFIXES for ext in ("", *COMPRESSIONS)))


class BadDocuments(ValueError):
    """An input that is not a table of documents (no `text` column, unreadable)."""


_STATUS = {InputMissing: "missing", InputUnreachable: "unreachable", BadDocuments: "bad_input"}


@dataclass(frozen=True)
class SignalsJob:
    output: str
    artifacts: str | None  # the artifacts directory's name among SparkFiles
    export: str | None = None  # "rpv2": also write RedPajama-V2's published layout


class DocumentBatches:
    """The rows of a documents file in batches, knowing how many rows the file holds (`rows`)."""

    def __init__(self, batches: Iterator[pa.RecordBatch], rows: int):
        self._batches, self.rows = batches, rows

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self

    def __next__(self) -> pa.RecordBatch:
        return next(self._batches)


def open_documents(location: str, select: Callable[[list[str]], list[str]] | None = None
                   ) -> tuple[pa.Schema | None, DocumentBatches]:
    """The schema and the rows, in batches, of a Parquet or JSON-lines (optionally compressed) file.

    `select`, given the column names, names the columns to read (all by default; the schema stays whole).
    An empty JSON-lines file has no schema (None). JSON lines are parsed whole; Parquet is streamed."""
    stream = open_input(location, retry=RetryPolicy())
    try:
        if is_parquet(location):
            parquet = pq.ParquetFile(stream)
            columns = select(parquet.schema_arrow.names) if select else None
            batches = parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns)
            return parquet.schema_arrow, DocumentBatches(_closing(batches, stream, location), parquet.metadata.num_rows)
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


def signals_unit(location: str, unit: str, job: SignalsJob, artifacts_dir: str | None) -> dict:
    """Add the signals to one input file's documents; returns the unit's commit record."""
    out = OutputDir(job.output)
    done = out.unit_record(unit)
    if done is not None:
        return done
    artifacts, stats = Artifacts(artifacts_dir), Stats()
    try:
        schema, batches = open_documents(location)
        files = []
        if schema is not None:  # an empty JSON-lines file has nothing to write
            schema = documents_schema(location, schema)
            report = UnitReport(out, unit, stats)

            def tables():
                read = 0
                for batch in batches:
                    checked = checked_documents(batch, schema, location, read, stats)
                    read += batch.num_rows
                    stats.keep(checked.num_rows)
                    yield pa.Table.from_batches([with_signals(checked, artifacts)])
                    report.advance(read, batches.rows)

            entry = out.write_parquet(f"part-{unit}.parquet", tables(), signals_schema(schema))
            files = [entry]
            if job.export == "rpv2":
                files += export_unit(out, entry["file"], unit, posixpath.basename(location))
            files = [{**file, "input": location} for file in files]
    except (InputMissing, InputUnreachable, BadDocuments) as exc:
        return {"unit": unit, "input": location, "status": _STATUS[type(exc)], "message": str(exc)}
    stats.check(location)
    record = {"unit": unit, "input": location, "status": "ok", "files": files, "stats": stats.to_dict(),
              "missing_artifacts": artifacts.missing()}
    out.commit_unit(unit, record)
    return record


def _signals_on_executor(location: str, unit: str, job: SignalsJob) -> dict:
    from pyspark import SparkFiles

    artifacts = SparkFiles.get(job.artifacts) if job.artifacts else None
    return signals_unit(location, unit, job, artifacts)


def run_signals(spark, inputs: list[str], output: str, artifacts: str | None = None, overwrite: bool = False,
                progress: bool = True, export: str | None = None) -> dict:
    """Compute the signals of every document of `inputs` into `output`; returns the job's stats.

    `export="rpv2"` also writes each unit's signals and MinHash in RedPajama-V2's published format (`_rpv2/`)."""
    output = absolute_output(output)
    if artifacts:
        artifacts = os.path.abspath(artifacts)
    # the driver's cache is the executors' only in local mode; elsewhere the check would say nothing about them
    if progress and spark.sparkContext.master.startswith("local") and not compiled_pass_cached():
        print("[signals] compiling the signal kernels (once after an install or an update: half a minute of CPU "
              "or more, no records until then)...", file=sys.stderr)
    shipped = ship_directory(spark, artifacts) if artifacts else None  # word lists and models reach executors
    job = SignalsJob(output, shipped, export)
    stats = run_units(spark, OutputDir(output), "signals", inputs, {"artifacts": artifacts, "export": export},
                      partial(_signals_on_executor, job=job), overwrite=overwrite, progress=progress,
                      fail_on=("missing", "unreachable", "bad_input"), summarize=_missing_artifacts)
    # the rest is told once by the driver, after the units (the executors only note them): only the documents
    # show which languages need which models
    said = tuple(absent_artifacts(artifacts)) if artifacts else ()
    for name in stats.get("missing_artifacts", []):
        if not name.startswith(said):
            _warn_missing(artifacts, name)
    return stats


def absent_artifacts(artifacts: str) -> list[str]:
    """The model folders (and the UT1 table) --artifacts lacks whatever the documents' languages, relative to it."""
    names = [f"{kind}/" for kind in MODEL_FOLDERS if not os.path.isdir(os.path.join(artifacts, kind))]
    if "bad_urls/" not in names and not os.path.exists(os.path.join(artifacts, UT1_TABLE)):
        names.append(UT1_DOMAINS)
    return names


def warn_artifacts(artifacts: str | None) -> None:
    """Before the work: the signals that will be null for every document, for want of --artifacts or of a part
    of it."""
    if artifacts is None:
        log.warning("no --artifacts: the stop-word, LDNOOBW, UT1, classifier and DSIR signals will be null")
        return
    for name in absent_artifacts(artifacts):
        _warn_missing(artifacts, name)


def _warn_missing(artifacts: str, name: str) -> None:
    log.warning("--artifacts %s has no %s: null %s where it is needed", artifacts, name,
                ", ".join(MODEL_FOLDERS[artifact_folder(name)]))


def _missing_artifacts(records: list[dict]) -> dict:
    """`missing_artifacts`: the model artifacts some unit's documents needed and did not find, relative to
    --artifacts."""
    return {"missing_artifacts": sorted({name for record in records for name in record.get("missing_artifacts", [])})}
