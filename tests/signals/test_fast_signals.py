"""The compiled batch path gives the readable signals' values, bit for bit, on real and on generated documents."""

import random

import numpy as np
import pytest

from signals.document import Document
from signals.fast.batch import DOC_COLUMNS, LINE_COLUMNS, model_free_signals
from signals.fast.ccnet import CCNET_COLUMNS
from signals.fast.rounding import rounded
from signals.fast.word_sets import FNV_OFFSET, contains, extend_hash, word_set
from signals.minhash import minhash_signatures
from signals.registry import CCNET, MODEL_FREE
from tests.helpers.signal_documents import generated_documents, parity_and_edge_documents, text_batch


def _mismatches(documents, artifacts) -> list:
    """Every value where the compiled batch and the readable signals differ."""
    got = model_free_signals(*text_batch(documents), artifacts)
    found = []
    for i, (text, language) in enumerate(documents):
        doc = Document(text, language)
        for column, name in enumerate(CCNET_COLUMNS):
            if float(got.ccnet[i, column]) != CCNET[name](doc, artifacts)[0][2]:
                found.append((text[:40], language, name, got.ccnet[i, column], CCNET[name](doc, artifacts)[0][2]))
        for column, name in enumerate(DOC_COLUMNS):
            value = None if got.nulls[i, column] else float(got.values[i, column])
            expected = MODEL_FREE[name](doc, artifacts)[0][2]
            if value != expected or (value is None) != (expected is None):
                found.append((text[:40], language, name, value, expected))
        first, last = got.line_offsets[i], got.line_offsets[i + 1]
        starts = [0, *got.line_ends[first:last - 1]] if last > first else []
        if list(zip(starts, got.line_ends[first:last], strict=True)) != doc.lines:
            found.append((text[:40], language, "line_spans"))
        for row, name in enumerate(LINE_COLUMNS):
            expected = [score for _, _, score in MODEL_FREE[name](doc, artifacts)] if doc.lines else []
            if got.line_values[row, first:last].tolist() != expected:
                found.append((text[:40], language, name))
        bands = minhash_signatures(doc.normalized)["signature_sim1.0"]
        signature = got.signatures[i].astype(">u4").tobytes() if got.has_signature[i] else None
        if signature != (bands and bands[0]):
            found.append((text[:40], language, "minhash"))
    return found


def test_real_documents_and_edge_cases(artifacts):
    assert _mismatches(parity_and_edge_documents(), artifacts) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_documents(artifacts, seed):
    assert _mismatches(generated_documents(150, seed), artifacts) == []


def test_one_huge_document(artifacts):
    text = "spam eggs and more spam, " * 20000 + "\n".join(f"line {i} of {i * 7}" for i in range(20000))
    assert _mismatches([(text, "en")], artifacts) == []


def test_columns_are_the_registry_signals():
    assert sorted(DOC_COLUMNS + LINE_COLUMNS) == sorted(MODEL_FREE)
    assert set(CCNET_COLUMNS) <= set(CCNET)


def test_rounding_equals_python_round():
    rng = random.Random(5)
    values = [rng.random() * scale for scale in (1, 30, 4e7, 1e8, 1e300) for _ in range(30000)]
    values += [a / b for b in range(1, 300) for a in range(b + 1)]
    ties = [(k + 0.5) / 1e8 for k in range(0, 10 ** 8, 997)]  # and, above 2**52 / 10**8, exact halves:
    ties += [rng.randint(45035997, 2 ** 26 - 1) + rng.randrange(1, 512, 2) / 512 for _ in range(30000)]
    values += ties + [float(np.nextafter(t, 1e9)) for t in ties] + [float(np.nextafter(t, 0.0)) for t in ties]
    values += [-value for value in values] + [0.0, -0.0, 5e-324]
    assert [v for v in values if repr(rounded(v)) != repr(round(v, 8))] == []


def test_a_hash_collision_is_no_match():
    stop_words = word_set(["the", "and"])
    codes = np.array([ord(c) for c in "thy"], dtype=np.int32)
    the = extend_hash(FNV_OFFSET, np.array([ord(c) for c in "the"], dtype=np.int32), 0, 3)
    assert contains(stop_words, the, np.array([ord(c) for c in "the"], dtype=np.int32), 0, 3)
    assert not contains(stop_words, the, codes, 0, 3)  # same hash, other text
