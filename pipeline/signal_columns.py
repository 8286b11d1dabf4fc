"""Signals as typed Parquet columns beside the document columns.

Document-level signals are scalar columns under their RedPajama-V2 names (null where the reference gives None;
`rps_doc_word_count` is an integer); line-level signals are list columns aligned with one `line_spans` column;
the MinHash signatures are lists of band bytes."""

import pyarrow as pa

from dedup.minhash import SIGNATURE_COLUMNS, minhash_signatures
from pipeline.model_signal_columns import MODEL_SIGNAL_FIELDS, model_signal_columns
from signals.artifacts import Artifacts
from signals.document import Document
from signals.registry import MODEL_FREE

INT_SIGNALS = {"rps_doc_word_count", "rps_lines_num_words"}
LINE_SIGNALS = [name for name in MODEL_FREE if name.startswith("rps_lines_")]
DOC_SIGNALS = [name for name in MODEL_FREE if not name.startswith("rps_lines_")]

SIGNAL_FIELDS = (
    [pa.field(name, pa.int64() if name in INT_SIGNALS else pa.float64()) for name in DOC_SIGNALS]
    + [pa.field("line_spans", pa.list_(pa.list_(pa.int64(), 2)))]
    + [pa.field(name, pa.list_(pa.int64() if name in INT_SIGNALS else pa.float64())) for name in LINE_SIGNALS]
    + [pa.field(name, pa.list_(pa.binary())) for name in SIGNATURE_COLUMNS]
    + MODEL_SIGNAL_FIELDS
)


def signal_columns(texts: list[str | None], languages: list[str | None], artifacts: Artifacts) -> dict[str, list]:
    """Column name -> values for a batch of documents (a null text is scored as the empty text)."""
    columns: dict[str, list] = {field.name: [] for field in SIGNAL_FIELDS}
    for text, language in zip(texts, languages, strict=True):
        document = Document(text or "", language)
        for name in DOC_SIGNALS:
            columns[name].append(MODEL_FREE[name](document, artifacts)[0][2])
        columns["line_spans"].append([[start, end] for start, end in document.lines])
        for name in LINE_SIGNALS:
            # the empty document has no lines; the reference's [[0, 0, None]] bullet entry belongs to its export
            spans = MODEL_FREE[name](document, artifacts) if document.lines else []
            columns[name].append([score for _, _, score in spans])
        for name, bands in minhash_signatures(document.normalized).items():
            columns[name].append(bands)
    return columns


def with_signals(batch: pa.RecordBatch, artifacts: Artifacts) -> pa.RecordBatch:
    """The batch with the signal columns appended."""
    texts = batch.column("text").to_pylist()
    languages = batch.column("language").to_pylist() if "language" in batch.schema.names else [None] * len(texts)
    urls = batch.column("url").to_pylist() if "url" in batch.schema.names else [None] * len(texts)
    columns = {**signal_columns(texts, languages, artifacts), **model_signal_columns(texts, languages, urls, artifacts)}
    arrays = list(batch.columns) + [pa.array(columns[f.name], type=f.type) for f in SIGNAL_FIELDS]
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(list(batch.schema) + SIGNAL_FIELDS))
