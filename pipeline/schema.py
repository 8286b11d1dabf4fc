"""The data contracts: the document schema every stage reads and writes, and the signal columns `curate signals`
adds beside it (their names, levels and types come from signals/registry.py)."""

import hashlib

import pyarrow as pa

from licenses.spdx import tier
from signals.minhash import SIGNATURE_COLUMNS
from signals.registry import CCNET, FINEWEB, MODEL_FREE, SIGNALS, WITH_MODELS, Entry

DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("source", pa.string()),
        pa.field("date", pa.timestamp("us", tz="UTC")),
        pa.field("crawl", pa.string()),
        pa.field("warc_record_id", pa.string()),
        pa.field("language", pa.string()),
        pa.field("language_score", pa.float32()),
        pa.field("license", pa.string()),
        pa.field("license_tier", pa.string()),
        pa.field("tdm_reserved", pa.bool_()),
        pa.field("meta", pa.map_(pa.string(), pa.string())),
    ]
)

DOCUMENT_COLUMNS = DOCUMENT_SCHEMA.names


def stable_id(*parts: str) -> str:
    """A document's `id` from what names it in its source (a file and a record, a source and a page), never from
    the order of a run: the first 32 hex digits of SHA-1 over the parts, one a line (docs/schema.md)."""
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:32]
# A column some sources' readers add beside the documents' (docs/schema.md): a scanned book's OCR quality
OCR_SCORE = pa.field("ocr_score", pa.float32())


def documents_table(rows: list[dict], extra: tuple[pa.Field, ...] = ()) -> pa.Table:
    """Build a document table from row dicts (missing columns are null, meta as a dict; the tier from the
    licence), with the `extra` columns after the documents'."""
    columns = {name: [row.get(name) for row in rows] for name in [*DOCUMENT_COLUMNS, *(f.name for f in extra)]}
    columns["license_tier"] = [tier(license) for license in columns["license"]]
    columns["meta"] = [sorted(m.items()) if m else None for m in columns["meta"]]
    return pa.Table.from_pydict(columns, schema=pa.schema([*DOCUMENT_SCHEMA, *extra]))


INT_SIGNALS = {name for name, entry in SIGNALS.items() if entry.type == "int64"}
LINE_SIGNALS = [name for name, entry in MODEL_FREE.items() if entry.level == "line"]
DOC_SIGNALS = [name for name, entry in MODEL_FREE.items() if entry.level == "document"]


def signal_field(entry: Entry) -> pa.Field:
    """The column of a signal: its type, or for a line signal a list of it."""
    type_ = pa.type_for_alias(entry.type)
    return pa.field(entry.name, pa.list_(type_) if entry.level == "line" else type_)


MODEL_FREE_FIELDS = (
    [signal_field(MODEL_FREE[name]) for name in DOC_SIGNALS]
    + [pa.field("line_spans", pa.list_(pa.list_(pa.int64(), 2)))]
    + [signal_field(MODEL_FREE[name]) for name in LINE_SIGNALS]
    + [pa.field(name, pa.list_(pa.binary())) for name in SIGNATURE_COLUMNS]
)
MODEL_SIGNAL_FIELDS = [signal_field(entry) for entry in WITH_MODELS.values()]
CCNET_FIELDS = [signal_field(entry) for entry in CCNET.values()]
FINEWEB_FIELDS = [signal_field(entry) for entry in FINEWEB.values()]  # computed in the compiled pass too
SIGNAL_FIELDS = MODEL_FREE_FIELDS + MODEL_SIGNAL_FIELDS + CCNET_FIELDS + FINEWEB_FIELDS
SIGNAL_NAMES = {field.name for field in SIGNAL_FIELDS}


def signals_schema(schema: pa.Schema) -> pa.Schema:
    """The input's columns, less those the signals replace (an input that has signals already), then the signals."""
    return pa.schema([f for f in schema if f.name not in SIGNAL_NAMES] + SIGNAL_FIELDS)
