"""Signals as typed Parquet columns beside the document columns.

Document-level signals are scalar columns under their RedPajama-V2 names, of the type signals/registry.py gives
(null where the reference gives None); line-level signals are list columns aligned with one `line_spans` column;
the MinHash signatures are lists of band bytes; the signals of model artifacts and CCNet's come after them,
then FineWeb's three (`fw_*`, our addition beyond RedPajama-V2).

`with_signals` computes the 28 model-free signals, MinHash, CCNet's length signals and FineWeb's for the whole
batch in compiled loops (pipeline/stages/signals/arrays.py, signals/fast/); `signal_columns` computes the same
document by document with the readable signals, the reference the compiled path is tested against. The families that
need artifacts (UT1, classifiers, DSIR, CCNet's perplexity) are computed document by document through the registry."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.schema import (
    DOC_SIGNALS,
    INT_SIGNALS,
    LINE_SIGNALS,
    MODEL_FREE_FIELDS,
    SIGNAL_FIELDS,
    SIGNAL_NAMES,
    signals_schema,
)
from pipeline.stages.signals.arrays import model_free_arrays
from signals.artifacts import Artifacts
from signals.document import Document
from signals.minhash import minhash_signatures
from signals.registry import CCNET, MODEL_FREE, SIGNALS, Signal

# the signals computed document by document: those of model artifacts (none without the artifacts); CCNet's
# language score, the input's `language_score` rounded, is computed for the whole batch (_language_scores)
PER_DOCUMENT: dict[str, Signal] = {name: entry for name, entry in SIGNALS.items()
                                   if entry.compiled is None and name != "ccnet_language_score"}


def signal_columns(texts: list[str | None], languages: list[str | None], artifacts: Artifacts) -> dict[str, list]:
    """Column name -> values of the model-free signals and MinHash for a batch of documents (a null text is scored
    as the empty text), document by document with the readable signals."""
    columns: dict[str, list] = {field.name: [] for field in MODEL_FREE_FIELDS}
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


def registry_columns(texts: list[str | None], languages: list[str | None], urls: list[str | None],
                     language_scores: list[float | None], artifacts: Artifacts,
                     signals: dict[str, Signal]) -> dict[str, list]:
    """Column name -> document-level values of registry signals, one Document per text (a null text as "")."""
    columns: dict[str, list] = {name: [] for name in signals}
    for text, language, url, score in zip(texts, languages, urls, language_scores, strict=True):
        document = Document(text or "", language, language_score=score, url=url)
        for name, signal in signals.items():
            columns[name].append(signal(document, artifacts)[0][2])
    return columns


def with_signals(batch: pa.RecordBatch, artifacts: Artifacts) -> pa.RecordBatch:
    """The batch with the signal columns appended (replacing input columns of the same names).

    CCNet's fields are the exception: RedPajama-V2 copies them from CCNet's output, so an input that has them
    (CCNet or RedPajama-V2 documents) keeps its values; only the missing ones (absent or null) are computed."""
    names = batch.schema.names
    texts = batch.column("text")

    def column(name: str) -> list:
        return batch.column(name).to_pylist() if name in names else [None] * len(texts)

    languages = column("language")
    columns: dict[str, pa.Array | list] = model_free_arrays(texts, languages, artifacts, INT_SIGNALS)
    columns["ccnet_language_score"] = _language_scores(batch.column("language_score") if "language_score" in names
                                                       else pa.nulls(len(texts), pa.float64()))
    given = {name: batch.column(name).cast(pa.float64()) for name in CCNET if name in names}
    whole = {name for name, values in given.items() if values.null_count == 0}
    per_document = {name: signal for name, signal in PER_DOCUMENT.items() if name not in whole}
    columns.update(registry_columns(texts.to_pylist(), languages, column("url"), column("language_score"),
                                    artifacts, per_document))
    columns.update({name: values if name in whole else pc.coalesce(values, _as_array(columns[name], pa.float64()))
                    for name, values in given.items()})
    kept = [batch.column(i) for i, name in enumerate(names) if name not in SIGNAL_NAMES]
    arrays = kept + [_as_array(columns[f.name], f.type) for f in SIGNAL_FIELDS]
    return pa.RecordBatch.from_arrays(arrays, schema=signals_schema(batch.schema))


def _language_scores(scores: pa.Array) -> pa.Array:
    """signals.ccnet.language_score of a column of scores: numpy's round to 2 decimals, null where null."""
    scores = scores.cast(pa.float64())
    values = np.round(scores.to_numpy(zero_copy_only=False), 2)
    return pa.array(values, mask=scores.is_null().to_numpy(zero_copy_only=False))


def _as_array(values: pa.Array | list, type_: pa.DataType) -> pa.Array:
    return values if isinstance(values, pa.Array) else pa.array(values, type=type_)
