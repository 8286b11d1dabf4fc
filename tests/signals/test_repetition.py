"""The compiled repetition signals give exactly the readable version's values."""

import json
import random

import numpy as np

import signals.repetition as readable
from signals.document import Document
from signals.fast.repetition import repetition_signals
from tests.helpers.paths import SHARED


def texts() -> list[str]:
    rng = random.Random(7)
    vocabulary = ["buy", "now", "cheap", "the", "a", "of", "café", "x"]
    made = ["", "x", "a a a a a a a a a a a a a", "buy now buy now buy now buy now", "a b a b a b a b c"]
    made += [" ".join(rng.choice(vocabulary[:k]) for _ in range(rng.randint(1, 300))) for k in range(2, 9)
             for _ in range(20)]
    for name in ("public.jsonl", "heldout.jsonl"):
        path = SHARED / "parity" / name
        if path.exists():
            made += [json.loads(line)["text"] for line in path.open()]
    return made


def compiled_values(doc: Document) -> list[float]:
    """frac_chars_top_{2,3,4}gram and frac_chars_dupe_{5..10}grams from the compiled kernel, as the batch calls it:
    word ids numbered in order of first appearance, lengths in characters."""
    index: dict[str, int] = {}
    ids = np.array([index.setdefault(word, len(index)) for word in doc.words], dtype=np.int64)
    lengths = np.array([len(word) for word in doc.words], dtype=np.int64)
    return repetition_signals(ids, len(index), lengths).tolist()


def test_compiled_equals_readable():
    signals = [*readable.TOP_NGRAM_SIGNALS.values(), *readable.DUPE_NGRAM_SIGNALS.values()]
    for text in texts():
        doc = Document(text)
        assert compiled_values(doc) == [signal(doc, None)[0][2] for signal in signals], text[:80]
