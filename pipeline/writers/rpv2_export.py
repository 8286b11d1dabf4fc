"""`--export rpv2`: signal columns back into RedPajama-V2's published records.

One `*.signals.json.gz` line per document, `{id, id_int, metadata, quality_signals: {name: [[start, end, score],
...]}}` with the 45 signals in the reference's order, serialised as the reference does (msgspec: compact, floats
in their shortest round-trip form such as `0.0000723`), and one `*.minhash.parquet` row per document.
A signal without a column here (the models' and CCNet's, until they are computed) is written as the reference
writes a signal whose artifact is missing: `[[0, L, null]]`. Source: RedPajama-Data app/src/core/worker.py,
app/src/core/schema/rp.py, app/src/utilities/io/writer.py and the signals' classes in app/src/core/quality_signals/
(6d2cee9).
"""

import posixpath
import zlib
from collections.abc import Iterable, Iterator
from urllib.parse import urlparse

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.readers.rpv2.layout import MINHASH_SCHEMA, QUALITY_SIGNALS, id_int, snapshot_id
from pipeline.schema import LINE_SIGNALS
from pipeline.storage.output_dir import OutputDir
from signals.minhash import SIGNATURE_COLUMNS

BATCH_ROWS = 1000
EXPORT_FOLDER = "_rpv2"
# the one line-level signal that the reference gives a span, [[0, 0, null]], for a document without lines
# (RedPajama-Data app/src/core/quality_signals/lines.py, `RPS_Lines_Start_With_Bulletpoint`)
SPAN_WITHOUT_LINES = "rps_lines_start_with_bulletpoint"
_LINE_SIGNALS = set(LINE_SIGNALS)
_encoder = msgspec.json.Encoder()


def _meta(row: dict) -> dict:
    meta = row.get("meta")
    if isinstance(meta, dict):
        return meta
    return dict(meta) if isinstance(meta, list) else {}  # a map column reads as (key, value) pairs


def quality_signals(row: dict) -> dict[str, list]:
    """A row's signal columns as the reference's spans: `[[0, L, value]]` per document, one span per line."""
    length = len(row.get("text") or "")
    lines = row.get("line_spans") or []
    signals = {}
    for name in QUALITY_SIGNALS:
        value = row.get(name)
        if name in _LINE_SIGNALS and value is not None:
            if lines:
                signals[name] = [[start, end, score] for (start, end), score in zip(lines, value, strict=True)]
            else:
                signals[name] = [[0, length, None]] if name == SPAN_WITHOUT_LINES else []
        else:
            signals[name] = [[0, length, value]]
    return signals


def source_of(row: dict, default: str) -> str:
    """The CCNet file a document came from (`cc_net_source`, the MinHash `shard_id`): kept from RedPajama-V2
    input, else `default` (the name of the file the signals stage read)."""
    return _meta(row).get("cc_net_source") or default


def signals_record(row: dict, source: str) -> dict:
    """One line of a `*.signals.json.gz` file, keys in the reference's order."""
    meta, url = _meta(row), row.get("url")
    return {
        "id": row["id"],
        "id_int": id_int(row["id"]),
        "metadata": {
            "cc_segment": meta.get("cc_segment"),
            "cc_net_source": source_of(row, source),
            "url": url,
            "source_domain": meta.get("source_domain") or (urlparse(url).netloc if url else None),
            "language": row.get("language"),
            "snapshot_id": snapshot_id(row.get("crawl")),
        },
        "quality_signals": quality_signals(row),
    }


def signals_line(row: dict, source: str) -> bytes:
    return _encoder.encode(signals_record(row, source)) + b"\n"


def minhash_table(rows: list[dict], source: str) -> pa.Table:
    """The rows of a `*.minhash.parquet` file."""
    return pa.Table.from_pylist(
        [{"shard_id": source_of(row, source), "id": row["id"], "id_int": id_int(row["id"]),
          **{name: row.get(name) for name in SIGNATURE_COLUMNS}} for row in rows],
        schema=MINHASH_SCHEMA,
    )


def gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A gzip stream of the chunks, with no name and no time in its header (a rerun gives the same bytes)."""
    compressor = zlib.compressobj(wbits=31)
    for chunk in chunks:
        yield compressor.compress(chunk)
    yield compressor.flush()


def export_unit(out: OutputDir, part: str, unit: str, source: str) -> list[dict]:
    """Write a unit's `_rpv2/{unit}.signals.json.gz` and `_rpv2/{unit}.minhash.parquet` from its Parquet part;
    returns their manifest entries. `source` names the documents' file where they do not say (see source_of)."""
    path = out.join(part)
    with out.fs.open(path, "rb") as handle:
        names = pq.read_schema(handle).names

    def rows(columns: list[str]) -> Iterator[list[dict]]:
        with out.fs.open(path, "rb") as handle:
            wanted = [name for name in names if name in columns]
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=BATCH_ROWS, columns=wanted):
                yield batch.to_pylist()

    base = posixpath.join(EXPORT_FOLDER, unit)
    not_signatures = [name for name in names if name not in SIGNATURE_COLUMNS]
    signals = out.write_file(f"{base}.signals.json.gz",
                             gzipped(signals_line(row, source) for batch in rows(not_signatures) for row in batch))
    minhash = out.write_parquet(f"{base}.minhash.parquet",
                                (minhash_table(batch, source) for batch in rows(["id", "meta", *SIGNATURE_COLUMNS])),
                                MINHASH_SCHEMA)
    return [{**signals, "rows": minhash["rows"], "export": "rpv2"}, {**minhash, "export": "rpv2"}]
