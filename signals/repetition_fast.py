"""The repetition signals vectorised: n-grams as rows of word ids, counted with numpy.

Same values as `signals.repetition` (the readable version, which the tests compare this with): n-grams are
compared exactly (integer class keys, no hashing), ties of the top n-gram go to the first seen, and each
character covered by a duplicated n-gram counts once."""

import numpy as np

from signals.document import Document, Spans, rounded
from signals.repetition import named_signals


def _word_ids_and_lengths(doc: Document) -> tuple[np.ndarray, np.ndarray]:
    if "word_ids" not in doc.cache:
        index: dict[str, int] = {}
        count = len(doc.words)
        doc.cache["word_ids"] = np.fromiter((index.setdefault(w, len(index)) for w in doc.words), np.int64, count)
        doc.cache["word_lengths"] = np.fromiter(map(len, doc.words), np.int64, count)
    return doc.cache["word_ids"], doc.cache["word_lengths"]


def _ngram_classes(doc: Document, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the n-grams in order: the first position of each distinct n-gram, which one each is, and counts.

    Built up from (n-1)-grams: an n-gram is its (n-1)-gram's class and its last word, one exact integer key."""
    cache = doc.cache.setdefault("ngram_classes", {})
    if n not in cache:
        ids, _ = _word_ids_and_lengths(doc)
        if n == 1:
            cache[1] = np.unique(ids, return_index=True, return_inverse=True, return_counts=True)[1:]
        else:
            _, previous, _ = _ngram_classes(doc, n - 1)
            keys = previous[:-1] * (len(ids) + 1) + ids[n - 1:]
            cache[n] = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)[1:]
    return cache[n]


def frac_chars_top_ngram(doc: Document, n: int) -> Spans:
    ids, lengths = _word_ids_and_lengths(doc)
    if len(ids) < n:
        return doc.whole(0.0)
    first, _, counts = _ngram_classes(doc, n)
    best = counts.max()
    if best <= 1:
        return doc.whole(0.0)
    start = first[counts == best].min()  # ties: the first seen
    return doc.whole(rounded(int(lengths[start:start + n].sum()) * int(best) / int(lengths.sum())))


def frac_chars_dupe_ngrams(doc: Document, n: int) -> Spans:
    ids, lengths = _word_ids_and_lengths(doc)
    if len(ids) < n:
        return doc.whole(0.0)
    total = int(lengths.sum())
    if total == 0:
        return doc.whole(0.0)
    _, inverse, counts = _ngram_classes(doc, n)
    starts = np.flatnonzero(counts[inverse] > 1)
    cover = np.zeros(len(ids) + 1, dtype=np.int64)
    cover[starts] += 1  # starts are distinct, so plain fancy indexing adds once each
    cover[starts + n] -= 1
    covered = np.cumsum(cover[:-1]) > 0
    return doc.whole(rounded(int(lengths[covered].sum()) / total))


TOP_NGRAM_SIGNALS, DUPE_NGRAM_SIGNALS = named_signals(frac_chars_top_ngram, frac_chars_dupe_ngrams)
