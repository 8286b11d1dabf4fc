"""Content signals (spec §2.2) in compiled loops; the same values as `signals.content`."""

import numpy as np

from signals.fast.jit import compiled
from signals.fast.rounding import rounded
from signals.fast.word_sets import FNV_OFFSET, WordSet, contains, extend_hash

_LOREM_IPSUM = np.array([ord(c) for c in "lorem ipsum"], dtype=np.int32)


@compiled
def curly_bracket(raw: np.ndarray) -> float:
    count = 0
    for c in raw:
        if c == 0x7B or c == 0x7D:
            count += 1
    return 0.0 if count == 0 else rounded(count / len(raw))


@compiled
def has_lorem_ipsum(normalized: np.ndarray) -> bool:
    """Whether "lorem ipsum" occurs literally; if so, the count (re.IGNORECASE, so also "lorem ıpsum") is left to
    Python's own engine."""
    for i in range(len(normalized) - len(_LOREM_IPSUM) + 1):
        if normalized[i] == _LOREM_IPSUM[0]:
            k = 1
            while k < len(_LOREM_IPSUM) and normalized[i + k] == _LOREM_IPSUM[k]:
                k += 1
            if k == len(_LOREM_IPSUM):
                return True
    return False


@compiled
def stop_word_fraction(raw: np.ndarray, token_starts: np.ndarray, token_ends: np.ndarray, words: int,
                       stop_words: WordSet) -> float:
    """Share of raw WordPunct tokens (case-sensitive, punctuation included) that are in the stop-word set."""
    if words == 0:
        return 0.0
    stop = 0
    for t in range(len(token_starts)):
        h = extend_hash(FNV_OFFSET, raw, token_starts[t], token_ends[t])
        if contains(stop_words, h, raw, token_starts[t], token_ends[t]):
            stop += 1
    return rounded(stop / len(token_starts))


@compiled
def ldnoobw_words(normalized: np.ndarray, word_starts: np.ndarray, word_ends: np.ndarray, word_hashes: np.ndarray,
                  sizes: np.ndarray, entries: WordSet, first_words: WordSet) -> float:
    """Count of word n-grams (n: each entry's number of space-separated parts) that are entries; the joined n-gram
    is a slice of the normalised text. Only n-grams whose first word starts an entry are looked up."""
    count = 0
    for n in sizes:
        for i in range(len(word_starts) - n + 1):
            if n == 1:
                h = word_hashes[i]
            elif contains(first_words, word_hashes[i], normalized, word_starts[i], word_ends[i]):
                h = extend_hash(FNV_OFFSET, normalized, word_starts[i], word_ends[i + n - 1])
            else:
                continue
            if contains(entries, h, normalized, word_starts[i], word_ends[i + n - 1]):
                count += 1
    return float(count)
