"""The MinHash signature datasketch gives for a text, the reference the tests check ours against (RedPajama-Data
app/src/dedupe/utils.py adapts datasketch's)."""

import numpy as np
import pytest

from signals.minhash import NGRAM
from signals.text import normalized_words


def datasketch_signature(text: str) -> np.ndarray:
    """datasketch's legacy MinHash (128 permutations, seed 42) of the text's normalised-word 13-grams."""
    datasketch = pytest.importorskip("datasketch")
    words = normalized_words(text)
    reference = datasketch.MinHash(num_perm=128, seed=42, scheme="legacy")
    for i in range(len(words) - NGRAM + 1):
        reference.update(" ".join(words[i:i + NGRAM]).encode("utf-8"))
    return reference.hashvalues.astype(np.uint32)
