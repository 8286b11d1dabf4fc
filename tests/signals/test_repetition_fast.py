"""The vectorised repetition signals give exactly the readable version's values."""

import json
import random

import pytest

import signals.repetition as readable
import signals.repetition_fast as fast
from signals.document import Document
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


@pytest.mark.parametrize("table", ["TOP_NGRAM_SIGNALS", "DUPE_NGRAM_SIGNALS"])
def test_fast_equals_readable(table):
    for text in texts():
        slow_doc, fast_doc = Document(text), Document(text)
        for name, signal in getattr(readable, table).items():
            assert getattr(fast, table)[name](fast_doc, None) == signal(slow_doc, None), (name, text[:80])
