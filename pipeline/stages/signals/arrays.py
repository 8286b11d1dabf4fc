"""The compiled batch signals (signals.fast) as Arrow columns, read from and built on Arrow buffers directly."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from signals.artifacts import Artifacts
from signals.fast.batch import DOC_COLUMNS, FINEWEB_COLUMNS, LINE_COLUMNS, BatchSignals, model_free_signals
from signals.fast.ccnet import CCNET_COLUMNS
from signals.minhash import BANDS


def utf8_buffers(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes and the offsets (int64) of a string column, without copying the text (nulls read as "")."""
    if texts.null_count:
        texts = pc.fill_null(texts, "")  # offsets of null slots may span bytes
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    _, offsets, data = texts.buffers()
    width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    offsets = np.frombuffer(offsets, dtype=width)[texts.offset:texts.offset + len(texts) + 1].astype(np.int64)
    return (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)), offsets


def model_free_arrays(texts: pa.Array, languages: list[str | None], artifacts: Artifacts,
                      int_signals: set[str]) -> dict[str, pa.Array]:
    """Column name -> Arrow array: the 28 model-free signals, `line_spans`, the MinHash signatures, CCNet's four
    length signals and FineWeb's three signals."""
    data, offsets = utf8_buffers(texts)
    computed = model_free_signals(data, offsets, languages, artifacts)
    columns = {}
    for column, name in enumerate(DOC_COLUMNS):
        values = computed.values[:, column]
        columns[name] = pa.array(values.astype(np.int64) if name in int_signals else values,
                                 mask=computed.nulls[:, column])
    line_offsets = pa.array(computed.line_offsets.astype(np.int32))
    spans = np.column_stack((_line_starts(computed), computed.line_ends)).reshape(-1)
    columns["line_spans"] = pa.ListArray.from_arrays(line_offsets, pa.FixedSizeListArray.from_arrays(spans, 2))
    for row, name in enumerate(LINE_COLUMNS):
        values = computed.line_values[row]
        columns[name] = pa.ListArray.from_arrays(
            line_offsets, pa.array(values.astype(np.int64) if name in int_signals else values))
    columns.update(_signature_columns(computed))
    columns.update({name: pa.array(computed.ccnet[:, column]) for column, name in enumerate(CCNET_COLUMNS)})
    for column, name in enumerate(FINEWEB_COLUMNS):
        columns[name] = pa.array(computed.fineweb[:, column], mask=computed.fineweb_nulls[:, column])
    return columns


def _line_starts(computed: BatchSignals) -> np.ndarray:
    starts = np.concatenate(([0], computed.line_ends[:-1]))
    firsts = computed.line_offsets[:-1]
    starts[firsts[firsts < len(starts)]] = 0  # each document's first line starts at 0
    return starts


def _signature_columns(computed: BatchSignals) -> dict[str, pa.Array]:
    """signature_sim{t}: the bands of each signature as big-endian bytes (null below 13 words), as RedPajama-Data
    app/src/dedupe/minhash.py (`compute_banded_signatures`) writes them."""
    signed = computed.signatures[computed.has_signature].astype(">u4")
    columns = {}
    for threshold, (bands, rows) in BANDS.items():
        data = np.ascontiguousarray(signed[:, :bands * rows]).tobytes()
        band_offsets = np.arange(len(signed) * bands + 1, dtype=np.int32) * (rows * 4)
        values = pa.BinaryArray.from_buffers(pa.binary(), len(signed) * bands,
                                             [None, pa.py_buffer(band_offsets), pa.py_buffer(data)])
        list_offsets = np.concatenate(([0], np.cumsum(computed.has_signature * bands))).astype(np.int32)
        columns[f"signature_sim{threshold}"] = pa.ListArray.from_arrays(
            pa.array(list_offsets), values, mask=pa.array(~computed.has_signature))
    return columns
