"""The document schema: the one Arrow schema every stage reads and writes."""

import pyarrow as pa

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
        pa.field("meta", pa.map_(pa.string(), pa.string())),
    ]
)

DOCUMENT_COLUMNS = DOCUMENT_SCHEMA.names


def documents_table(rows: list[dict]) -> pa.Table:
    """Build a document table from row dicts (missing columns are null, meta as a dict)."""
    columns = {name: [row.get(name) for row in rows] for name in DOCUMENT_COLUMNS}
    columns["meta"] = [sorted(m.items()) if m else None for m in columns["meta"]]
    return pa.Table.from_pydict(columns, schema=DOCUMENT_SCHEMA)
