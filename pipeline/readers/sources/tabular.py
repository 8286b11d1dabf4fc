"""Tables of texts into documents: JSON lines (`jsonl`), Parquet (`parquet`) and Hugging Face datasets
(`hf_dataset`, a dataset folder or a dataset id on the Hub, streamed by `datasets`), their columns mapped by the
source file's `columns:` onto the document's."""

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time
from importlib.util import find_spec

import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from licenses.spdx import spdx_id
from pipeline.accounting import Stats
from pipeline.readers.documents import DOCUMENT_SUFFIXES
from pipeline.readers.sources.rows import document
from pipeline.readers.sources.spec import Piece, Source
from pipeline.storage.inputs import expand_inputs
from pipeline.storage.locations import BadInput, InputMissing, InputUnreachable, is_local, local_path
from pipeline.storage.sniff import decompressed

COLUMNS = ("id", "text", "url", "date", "language")  # the document columns `columns:` maps
PARQUET_MAGIC = b"PAR1"
BATCH_ROWS = 1000
HUB = "hf://datasets/"
HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")  # `wikitext` or `Salesforce/wikitext`


class Options(BaseModel):
    """For `hf_dataset`: which configuration and split of the dataset (the others take no options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    config: str | None = None  # the dataset's configuration (its `name` in datasets.load_dataset)
    split: str = "train"


def inputs(source: Source) -> list[str]:
    """jsonl and parquet: the files the paths name (in a folder, those named .jsonl, .json, .ndjson, compressed or
    not, or .parquet); hf_dataset: each path a dataset, a local folder (made absolute) or a Hub id."""
    if source.reader == "jsonl":
        return expand_inputs(source.paths, tuple(s for s in DOCUMENT_SUFFIXES if s != ".parquet"))
    if source.reader == "parquet":
        return expand_inputs(source.paths, (".parquet",))
    if find_spec("datasets") is None:
        raise ValueError("reader: hf_dataset reads with the `datasets` library: pip install 'curate[datasets]'")
    return [_dataset(path) for path in source.paths]


def _dataset(path: str) -> str:
    if not is_local(path) or os.path.exists(local_path(path)):
        return path if not is_local(path) else os.path.abspath(local_path(path))
    return f"{HUB}{path}" if HUB_ID.match(path) else path


def documents(piece: Piece, source: Source, stats: Stats) -> Iterator[dict]:
    """The rows of one file or dataset as documents; each row read is counted."""
    if source.reader == "hf_dataset":
        yield from _rows(_dataset_records(piece.location, source.options), piece, source, stats)
        return
    with piece.open() as raw:
        is_parquet, records = file_records(raw, piece, stats)
        if is_parquet != (source.reader == "parquet"):
            found, other = ("Parquet", "parquet") if is_parquet else ("not Parquet", "jsonl")
            raise BadInput(f"{piece.location}: the file is {found}: read it with `reader: {other}`")
        yield from _rows(records, piece, source, stats)


def file_records(raw, piece: Piece, stats: Stats, select: Callable[[list[str]], list[str]] | None = None,
                 batch_rows: int = BATCH_ROWS) -> tuple[bool, Iterator[tuple[dict, dict]]]:
    """Whether a file is Parquet (told from its first bytes), and its (record, provenance) pairs: Parquet's rows,
    `batch_rows` at a time, of the columns `select` names given the file's (all by default), or JSON lines (plain
    or compressed)."""
    is_parquet = raw.read(4) == PARQUET_MAGIC
    raw.seek(0)
    if is_parquet:
        return True, _parquet_records(raw, piece, select, batch_rows)
    return False, _json_records(decompressed(raw), piece, stats)


def _json_records(stream, piece: Piece, stats: Stats) -> Iterator[tuple[dict, dict]]:
    """(record, provenance) of each JSON line; a line that is no JSON object is an error naming it."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            stats.error("invalid_json", f"{piece.location}:{number}: not JSON ({exc})")
            continue
        if not isinstance(record, dict):
            stats.error("invalid_json", f"{piece.location}:{number}: not a JSON object")
            continue
        yield record, {"file": piece.name, "line": str(number)}


def _parquet_records(raw, piece: Piece, select: Callable[[list[str]], list[str]] | None,
                     batch_rows: int) -> Iterator[tuple[dict, dict]]:
    parquet = pq.ParquetFile(raw)
    columns = select(parquet.schema_arrow.names) if select else None
    row = 0
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
        for record in batch.to_pylist():
            yield record, {"file": piece.name, "row": str(row)}
            row += 1


def _dataset_records(location: str, options: Options) -> Iterator[tuple[dict, dict]]:
    """The rows of a dataset, streamed by `datasets` (from a local folder, or the Hub when the network is there)."""
    import datasets  # late: an optional dependency (`curate[datasets]`), and seconds to import

    name = location.removeprefix(HUB)
    try:
        rows = datasets.load_dataset(name, options.config, split=options.split, streaming=True)
        iterator = iter(rows)
    except FileNotFoundError as exc:  # datasets' DatasetNotFoundError is one
        raise InputMissing(f"{location}: no such dataset ({exc})") from exc
    except ValueError as exc:  # an unknown split or configuration
        raise BadInput(f"{location}: {exc}") from exc
    except (ConnectionError, OSError) as exc:
        raise InputUnreachable(f"{location}: {exc}") from exc
    for row, record in enumerate(iterator):
        yield record, {"dataset": name, "split": options.split, "row": str(row),
                       **({"config": options.config} if options.config else {})}


def _rows(records: Iterable[tuple[dict, dict]], piece: Piece, source: Source, stats: Stats) -> Iterator[dict]:
    """Each record as a document through the column mapping, or counted: no text, a date that is none."""
    column = {name: source.columns.get(name, name) for name in COLUMNS}
    for record, provenance in records:
        where = f"{piece.location}: {', '.join(f'{k} {v}' for k, v in provenance.items() if k != 'file')}"
        text = field_value(record, column["text"])
        if not isinstance(text, str):
            stats.error("no_text", f"{where}: `{column['text']}` is {'missing' if text is None else 'no text'}")
            continue
        if not text.strip():
            stats.drop("empty_text")
            continue
        try:
            when = as_utc(field_value(record, column["date"]))
        except ValueError as exc:
            stats.error("bad_date", f"{where}: `{column['date']}`: {exc}")
            continue
        meta = dict(provenance)
        given = field_value(record, column["id"])
        key = (str(given),) if given is not None else tuple(provenance.values())
        if given is not None:
            meta["source_id"] = str(given)
        license = source.license
        if source.license_column is not None:
            license, written = row_license(field_value(record, source.license_column))
            if license is None and written:
                meta["license_as_written"] = written
        url, language = field_value(record, column["url"]), field_value(record, column["language"])
        yield document(source, key, text, meta, url=str(url) if url is not None else None, date=when,
                       license=license, language=str(language) if language else None)


def field_value(record: dict, column: str) -> object:
    """A record's value of a column, `metadata.url` a field inside one (JSON objects, Parquet structs)."""
    if column in record or "." not in column:
        return record.get(column)
    found: object = record
    for part in column.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return found


def row_license(written: object) -> tuple[str | None, str]:
    """A row's SPDX id from its licence column, and the column as written: a list of one licence is that licence;
    a list of several says no one licence (left null, as is a name the SPDX table does not know)."""
    if isinstance(written, list):
        names = [str(name) for name in written]
        return (spdx_id(names[0]) if len(names) == 1 else None), ", ".join(names)
    return (spdx_id(str(written)), str(written)) if written is not None else (None, "")


def as_utc(value: object) -> datetime | None:
    """A date as the schema's UTC timestamp: a datetime or date (naive ones taken as UTC), ISO 8601 text, or
    seconds since 1970; ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is no ISO 8601 date") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is no date")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
