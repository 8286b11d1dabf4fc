"""DSIR artifacts of a corpus: summed hash features and lambda.

Source: RedPajama-Data app/src/artifacts/hash_dist.py, `HashDist` (6d2cee9)."""

from collections.abc import Iterable

import numpy as np

from signals.artifacts import DSIR_BUCKETS
from signals.importance import hash_features
from signals.text import raw_words


def dsir_counts(texts: Iterable[str], size: int = DSIR_BUCKETS) -> tuple[np.ndarray, float, int]:
    """The hash-feature counts summed over the documents, lambda (their mean number of WordPunct tokens, the
    Poisson mean of the length correction) and the number of documents."""
    counts = np.zeros(size, np.int64)
    tokens = documents = 0
    for text in texts:
        words = raw_words(text)
        counts += hash_features(words, size)
        tokens += len(words)
        documents += 1
    if not documents:
        raise ValueError("no documents to count")
    return counts, tokens / documents, documents
