"""The signal columns computed from Arrow buffers in compiled loops equal those of the readable signals."""

import json

import pyarrow as pa
import pytest

from pipeline.schema import FINEWEB_FIELDS, MODEL_FREE_FIELDS, SIGNAL_FIELDS
from pipeline.stages.signals.columns import registry_columns, signal_columns, with_signals
from signals.artifacts import Artifacts
from signals.document import Document
from signals.registry import CCNET, FINEWEB
from tests.helpers.paths import SHARED


@pytest.fixture(scope="module")
def batch():
    documents = SHARED / "parity" / "public.jsonl"
    if not documents.exists():
        pytest.skip(f"{documents} is absent (it ships beside the repository in CI)")
    rows = [json.loads(line) for line in documents.open()]
    rows += [{"id": "null", "text": None, "language": "en"}, {"id": "empty", "text": "", "language": None},
             {"id": "unlisted", "text": "Ein Satz.\n\nNoch einer", "language": "xx"}]
    scores = [None, 0.125, 0.5, 0.99999, 0.8765, 1.0]
    return pa.RecordBatch.from_pylist([{**{k: row[k] for k in ("id", "text", "language")},
                                        "language_score": scores[i % len(scores)]} for i, row in enumerate(rows)])


def assert_equal_to_readable(batch: pa.RecordBatch):
    artifacts = Artifacts(str(SHARED / "data" / "artifacts"))
    got = with_signals(batch, artifacts)
    assert got.schema == pa.schema(list(batch.schema) + SIGNAL_FIELDS)
    expected = signal_columns(batch.column("text").to_pylist(), batch.column("language").to_pylist(), artifacts)
    for field in MODEL_FREE_FIELDS:  # the compiled path's columns; the other families are the registry's
        assert got.column(field.name).equals(pa.array(expected[field.name], type=field.type)), field.name
    documents = [Document(text or "", language, language_score=score) for text, language, score in
                 zip(*(batch.column(name).to_pylist() for name in ("text", "language", "language_score")), strict=True)]
    for name, signal in CCNET.items():
        assert got.column(name).to_pylist() == [signal(doc, artifacts)[0][2] for doc in documents], name
    texts, unknown = batch.column("text").to_pylist(), [None] * len(batch)
    fineweb = registry_columns(texts, batch.column("language").to_pylist(), unknown, unknown, artifacts, FINEWEB)
    for field in FINEWEB_FIELDS:
        assert got.column(field.name).equals(pa.array(fineweb[field.name], type=field.type)), field.name


def test_a_batch_of_real_documents(batch):
    assert_equal_to_readable(batch)


def test_a_slice_of_a_batch(batch):
    assert_equal_to_readable(batch.slice(100, 80))  # Arrow offsets that do not start at 0


def test_large_string_text(batch):
    column = batch.schema.get_field_index("text")
    assert_equal_to_readable(batch.set_column(column, "text", batch.column("text").cast(pa.large_string())))

