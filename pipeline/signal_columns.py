"""Signals as typed Parquet columns beside the document columns.

Document-level signals are scalar columns under their RedPajama-V2 names (null where the reference gives None;
`rps_doc_word_count` is an integer); line-level signals are list columns aligned with one `line_spans` column;
the MinHash signatures are lists of band bytes.

`with_signals` computes the 28 model-free signals and MinHash for the whole batch in compiled loops
(pipeline/signal_arrays.py, signals/fast/); `signal_columns` computes the same document by document with the
readable signals, the reference the compiled path is tested against. Families the compiled path does not cover
are computed document by document through the registry (`PER_DOCUMENT`)."""

import pyarrow as pa

from dedup.minhash import SIGNATURE_COLUMNS, minhash_signatures
from pipeline.signal_arrays import model_free_arrays
from signals.artifacts import Artifacts
from signals.document import Document
from signals.registry import MODEL_FREE, Signal

INT_SIGNALS = {"rps_doc_word_count", "rps_lines_num_words"}
LINE_SIGNALS = [name for name in MODEL_FREE if name.startswith("rps_lines_")]
DOC_SIGNALS = [name for name in MODEL_FREE if not name.startswith("rps_lines_")]

SIGNAL_FIELDS = (
    [pa.field(name, pa.int64() if name in INT_SIGNALS else pa.float64()) for name in DOC_SIGNALS]
    + [pa.field("line_spans", pa.list_(pa.list_(pa.int64(), 2)))]
    + [pa.field(name, pa.list_(pa.int64() if name in INT_SIGNALS else pa.float64())) for name in LINE_SIGNALS]
    + [pa.field(name, pa.list_(pa.binary())) for name in SIGNATURE_COLUMNS]
)


# Document-level registry signals computed document by document, beside the compiled ones: name -> signal (their
# fields go into SIGNAL_FIELDS).
PER_DOCUMENT: dict[str, Signal] = {}


def signal_columns(texts: list[str | None], languages: list[str | None], artifacts: Artifacts) -> dict[str, list]:
    """Column name -> values for a batch of documents (a null text is scored as the empty text), document by
    document with the readable signals."""
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


def per_document_columns(texts: list[str | None], languages: list[str | None], artifacts: Artifacts,
                         signals: dict[str, Signal]) -> dict[str, list]:
    """Column name -> document-level values of registry signals, document by document (a null text as "")."""
    columns: dict[str, list] = {name: [] for name in signals}
    for text, language in zip(texts, languages, strict=True):
        document = Document(text or "", language)
        for name, signal in signals.items():
            columns[name].append(signal(document, artifacts)[0][2])
    return columns


def with_signals(batch: pa.RecordBatch, artifacts: Artifacts) -> pa.RecordBatch:
    """The batch with the signal columns appended."""
    texts = batch.column("text")
    languages = batch.column("language").to_pylist() if "language" in batch.schema.names else [None] * len(texts)
    columns: dict[str, pa.Array | list] = model_free_arrays(texts, languages, artifacts, INT_SIGNALS)
    if PER_DOCUMENT:
        columns.update(per_document_columns(texts.to_pylist(), languages, artifacts, PER_DOCUMENT))
    arrays = list(batch.columns) + [_as_array(columns[f.name], f.type) for f in SIGNAL_FIELDS]
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(list(batch.schema) + SIGNAL_FIELDS))


def _as_array(values: pa.Array | list, type_: pa.DataType) -> pa.Array:
    return values if isinstance(values, pa.Array) else pa.array(values, type=type_)
