"""Reading published RedPajama-V2: a shard's documents joined with its quality signals, MinHash and duplicate ids.

A shard `<snapshot>/<shard>/<lang>_<bucket>` has up to four files under a root (see `layout`): the CCNet documents
(JSON lines), and, for head and middle only, one signals line and one MinHash row per decodable document, in the
documents' order, under the document id `<shard>.json.gz/<line index>`, plus the ids of its exact duplicates.
The documents come out in our schema (`docs/schema.md`) with the signals as the typed columns `curate signals`
writes, so recipes treat both alike, and `is_duplicate`. Source: the published data (see `layout`) and
RedPajama-Data app/src/core/worker.py, app/src/bloomfilter.py (6d2cee9)."""

import gzip
import io
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from licenses.spdx import tier
from pipeline.accounting import Stats
from pipeline.readers.rpv2.layout import (
    BUCKETS,
    QUALITY_SIGNALS,
    SIGNALS_BUCKETS,
    document_id,
    listing_file,
    shard_file,
)
from pipeline.schema import DOCUMENT_SCHEMA, INT_SIGNALS, LINE_SIGNALS, SIGNAL_FIELDS
from pipeline.storage.locations import BadInput, InputMissing, RetryPolicy, open_input
from signals.ccnet import HEAD, MIDDLE, TAIL
from signals.minhash import SIGNATURE_COLUMNS

BATCH_ROWS = 1000
SOURCE = "rpv2"

_written = {field.name for field in SIGNAL_FIELDS}
# the signals `curate signals` writes, then RedPajama-V2's others (CCNet, UT1, classifiers, DSIR: all per document)
RPV2_SIGNAL_FIELDS = SIGNAL_FIELDS + [
    pa.field(name, pa.int64() if name in INT_SIGNALS else pa.float64()) for name in QUALITY_SIGNALS
    if name not in _written
]
RPV2_SCHEMA = pa.schema(list(DOCUMENT_SCHEMA) + RPV2_SIGNAL_FIELDS + [pa.field("is_duplicate", pa.bool_())])

_DOCUMENT_FIELDS = {"raw_content", "url", "date_download", "language", "language_score"}  # the rest goes to meta
_DOC_SIGNALS = {field.name for field in RPV2_SIGNAL_FIELDS} - set(LINE_SIGNALS) - {"line_spans", *SIGNATURE_COLUMNS}
_SPANS_OF_LINES = LINE_SIGNALS[0]  # every line signal has one span per line; the empty document's bullet has one
_json = msgspec.json.Encoder()
_CCNET_FIELDS = {"ccnet_length": "length", "ccnet_original_length": "original_length", "ccnet_nlines": "nlines",
                 "ccnet_original_nlines": "original_nlines", "ccnet_language_score": "language_score",
                 "ccnet_perplexity": "perplexity"}
_CCNET_BUCKETS = {"head": HEAD, "middle": MIDDLE, "tail": TAIL}  # "all" (no cutoffs) gives None (worker.py)


class BadShard(BadInput):
    """A file of a shard that cannot be read (corrupt gzip, records of another shard, out of order)."""


def select_shards(root: str, listing: str | None = None, snapshots: tuple[str, ...] = (),
                  languages: tuple[str, ...] = (), buckets: tuple[str, ...] = (),
                  retry: RetryPolicy = RetryPolicy()) -> list[str]:
    """Shards `<snapshot>/<shard>/<lang>_<bucket>` from a listing file, or from the root's `listings/` for the
    snapshots and languages (head and middle unless `buckets` says otherwise); filtered by all three."""
    if set(buckets) - set(BUCKETS):
        raise ValueError(f"RedPajama-V2 buckets are {', '.join(BUCKETS)}; not {', '.join(set(buckets) - set(BUCKETS))}")
    if listing:
        lines = _lines(listing, retry)
    else:
        if not snapshots or not languages:
            raise ValueError("RedPajama-V2: give a listing, or snapshots and languages to find in ROOT/listings/")
        partitions = sorted({"tail" if bucket == "tail" else "head_middle" for bucket in buckets or SIGNALS_BUCKETS})
        lines = [line for snapshot in snapshots for language in languages for partition in partitions
                 for line in _lines(listing_file(root, language, snapshot, partition), retry)]
    return [shard for shard in lines if _wanted(shard, snapshots, languages, buckets or (() if listing else BUCKETS))]


def _lines(location: str, retry: RetryPolicy) -> list[str]:
    with open_input(location, retry=retry) as stream:
        text = stream.read().decode("utf-8")
    return [line.strip().removesuffix(".json.gz") for line in text.splitlines() if line.strip()]


def _wanted(shard: str, snapshots: tuple[str, ...], languages: tuple[str, ...], buckets: tuple[str, ...]) -> bool:
    language, _, bucket = shard.rpartition("/")[2].partition("_")
    return ((not snapshots or shard.split("/")[0] in snapshots) and (not languages or language in languages)
            and (not buckets or bucket in buckets))


def read_shard(root: str, shard: str, stats: Stats, counts: Counter, retry: RetryPolicy = RetryPolicy(),
               limit: int | None = None) -> Iterator[pa.Table]:
    """The shard's documents with their signals, in tables of RPV2_SCHEMA.

    Every line of the documents file is counted in `stats` (kept, or a `bad_json`/`bad_record` error, which
    still takes its line index); a missing signals, MinHash or duplicates file of a head or middle shard, and
    each document left without signals or MinHash, are counted in `counts`."""
    published = shard.rpartition("_")[2] in SIGNALS_BUCKETS
    signals = _ByIndex(shard, _signal_records(root, shard, retry, counts) if published else iter(()))
    minhash = _ByIndex(shard, _minhash_records(root, shard, retry, counts) if published else iter(()))
    duplicates = _duplicate_ids(root, shard, retry, counts) if published else None
    location = shard_file(root, "documents", shard)
    rows = []
    for index, line in enumerate(_gzip_lines(location, open_input(location, retry=retry))):
        if limit is not None and index >= limit:
            break
        try:
            record = msgspec.json.decode(line)
        except msgspec.DecodeError as exc:
            stats.error("bad_json", f"{location} line {index + 1}: {exc}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("raw_content"), str):
            stats.error("bad_record", f"{location} line {index + 1}: no raw_content")
            continue
        doc_id = document_id(shard, index)
        row = _document(record, shard, doc_id)
        quality_signals, signatures = signals.take(index), minhash.take(index)
        if published:
            counts["documents_without_quality_signals"] += quality_signals is None
            counts["documents_without_minhash"] += signatures is None
        row.update(_typed(quality_signals) if quality_signals is not None else {})
        row.update(signatures or {})
        row["is_duplicate"] = None if duplicates is None else doc_id in duplicates
        rows.append(row)
        stats.keep()
        if len(rows) == BATCH_ROWS:
            yield pa.Table.from_pylist(rows, schema=RPV2_SCHEMA)
            rows = []
    if rows:
        yield pa.Table.from_pylist(rows, schema=RPV2_SCHEMA)


def _document(record: dict, shard: str, doc_id: str) -> dict:
    """A CCNet record in our document schema; its other fields go to `meta` (non-strings as JSON). Its CCNet fields
    also fill the `ccnet_*` signals as RedPajama-V2's worker copies them (RedPajama-Data app/src/core/worker.py) for the
    documents without a signals record (every tail shard); a signals record, where there is one, takes precedence."""
    meta = {key: value if isinstance(value, str) else _json.encode(value).decode()
            for key, value in record.items() if key not in _DOCUMENT_FIELDS and value is not None}
    meta["cc_net_source"] = f"{shard}.json.gz"
    return {
        **{signal: _number(record.get(field)) for signal, field in _CCNET_FIELDS.items()},
        "ccnet_bucket": _CCNET_BUCKETS.get(record.get("bucket")),
        "id": doc_id,
        "text": record["raw_content"],
        "url": record.get("url"),
        "source": SOURCE,
        "date": _date(record.get("date_download")),
        "crawl": shard.split("/")[0],
        "language": record.get("language"),
        "language_score": record.get("language_score"),
        "license_tier": tier(None),  # RedPajama-V2 states no licence
        "meta": sorted(meta.items()),
    }


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _date(text) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _typed(quality_signals: dict) -> dict:
    """A published `quality_signals` record as our columns (the inverse of rpv2_export.quality_signals)."""
    lines = [[start, end] for start, end, _ in quality_signals.get(_SPANS_OF_LINES, [])]
    columns: dict = {"line_spans": lines}
    for name, spans in quality_signals.items():
        if name in _DOC_SIGNALS:
            columns[name] = spans[0][2] if spans else None
        elif name in LINE_SIGNALS:
            columns[name] = [score for _, _, score in spans] if lines else []
    return columns


class _ByIndex:
    """Records of a companion file, (line index, value) in ascending order, taken as the documents go by."""

    def __init__(self, shard: str, records: Iterator[tuple[int, dict]]):
        self.shard, self.records = shard, records
        self.head = next(records, None)

    def take(self, index: int) -> dict | None:
        while self.head is not None and self.head[0] < index:
            self._advance()
        if self.head is None or self.head[0] != index:
            return None
        value = self.head[1]
        self._advance()
        return value

    def _advance(self) -> None:
        previous = self.head[0]
        self.head = next(self.records, None)
        if self.head is not None and self.head[0] <= previous:
            raise BadShard(f"{self.shard}: companion records out of the documents' order at line {self.head[0]}")


def _line_index(doc_id: str, shard: str, location: str) -> int:
    prefix, _, index = doc_id.rpartition("/")
    if prefix != f"{shard}.json.gz" or not index.isdigit():
        raise BadShard(f"{location}: id {doc_id!r} is not a document of {shard}")
    return int(index)


def _signal_records(root: str, shard: str, retry: RetryPolicy, counts: Counter) -> Iterator[tuple[int, dict]]:
    location = shard_file(root, "quality_signals", shard)
    data = _fetch(location, retry, counts, "quality_signals")
    if data is None:
        return
    for number, line in enumerate(_gzip_lines(location, io.BytesIO(data)), start=1):
        try:
            record = msgspec.json.decode(line)
            yield _line_index(record["id"], shard, location), record["quality_signals"]
        except (msgspec.DecodeError, KeyError, TypeError) as exc:
            raise BadShard(f"{location} line {number}: not a signals record ({exc})") from exc


def _minhash_records(root: str, shard: str, retry: RetryPolicy, counts: Counter) -> Iterator[tuple[int, dict]]:
    location = shard_file(root, "minhash", shard)
    data = _fetch(location, retry, counts, "minhash")
    if data is None:
        return
    table = _parquet(location, data)
    columns = [name for name in SIGNATURE_COLUMNS if name in table.column_names]
    for batch in table.select(["id", *columns]).to_batches(BATCH_ROWS):
        for row in batch.to_pylist():
            yield _line_index(row.pop("id"), shard, location), row


def _duplicate_ids(root: str, shard: str, retry: RetryPolicy, counts: Counter) -> set[str] | None:
    location = shard_file(root, "duplicates", shard)
    data = _fetch(location, retry, counts, "duplicates")
    return None if data is None else set(_parquet(location, data).column("doc_id").to_pylist())


def _fetch(location: str, retry: RetryPolicy, counts: Counter, kind: str) -> bytes | None:
    """A companion file's bytes (a shard's are a few MB), or None, counted, when it is missing."""
    try:
        with open_input(location, retry=retry) as stream:
            return stream.read()
    except InputMissing:
        counts[f"{kind}_files_missing"] += 1
        return None


def _parquet(location: str, data: bytes) -> pa.Table:
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise BadShard(f"{location}: not a Parquet file ({exc})") from exc


def _gzip_lines(location: str, stream) -> Iterator[bytes]:
    """The lines of a gzipped stream, which is closed at the end."""
    try:
        yield from gzip.GzipFile(fileobj=stream)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise BadShard(f"{location}: corrupt gzip ({exc})") from exc
    finally:
        stream.close()
