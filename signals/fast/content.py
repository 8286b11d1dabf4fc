"""Content signals in compiled loops; the same values as `signals.content`."""

import numpy as np

from signals.fast.codepoints import LOREM_IPSUM
from signals.fast.rounding import rounded
from signals.fast.word_sets import FNV_OFFSET, WordSet, contains, equal, extend_hash
from signals.jit import compiled

_LOREM_IPSUM = np.array([ord(c) for c in LOREM_IPSUM], dtype=np.int32)


@compiled
def curly_bracket(raw: np.ndarray) -> float:
    count = 0
    for c in raw:
        if c == 0x7B or c == 0x7D:
            count += 1
    return 0.0 if count == 0 else rounded(count / len(raw))


@compiled
def lorem_ipsum(normalized: np.ndarray, matches: np.ndarray) -> float:
    """Occurrences of "lorem ipsum" per normalised character, counted as re.findall with re.IGNORECASE counts
    them (so "lorem ıpsum" too) once the literal is there. matches[c] bit k: c matches LOREM_IPSUM[k]. No
    match can overlap another ("l" begins the pattern and occurs nowhere else in it), so the scan meets every
    literal occurrence."""
    literal = count = 0
    i = 0
    while i <= len(normalized) - len(LOREM_IPSUM):
        k = 0
        while k < len(LOREM_IPSUM) and matches[normalized[i + k]] >> k & 1:
            k += 1
        if k == len(LOREM_IPSUM):
            count += 1
            literal += equal(normalized, i, i + len(_LOREM_IPSUM), _LOREM_IPSUM, 0, len(_LOREM_IPSUM))
            i += len(LOREM_IPSUM)
        else:
            i += 1
    return 0.0 if literal == 0 else rounded(count / len(normalized))


@compiled
def stop_word_fraction(raw: np.ndarray, token_starts: np.ndarray, token_ends: np.ndarray, token_hashes: np.ndarray,
                       words: int, stop_words: WordSet) -> float:
    """Share of raw WordPunct tokens (case-sensitive, punctuation included) that are in the stop-word set."""
    if words == 0:
        return 0.0
    stop = 0
    for t in range(len(token_starts)):
        if contains(stop_words, token_hashes[t], raw, token_starts[t], token_ends[t]):
            stop += 1
    return rounded(stop / len(token_starts))


@compiled
def ldnoobw_words(normalized: np.ndarray, word_starts: np.ndarray, word_ends: np.ndarray, word_hashes: np.ndarray,
                  sizes: np.ndarray, entries: WordSet, first_words: WordSet) -> float:
    """Count of word n-grams (n: each entry's number of space-separated parts) that are entries; the joined n-gram
    is a slice of the normalised text. Only n-grams whose first word starts an entry are looked up."""
    count = 0
    single = len(sizes) > 0 and sizes[0] == 1
    for i in range(len(word_starts)):
        if single and contains(entries, word_hashes[i], normalized, word_starts[i], word_ends[i]):
            count += 1
        if not contains(first_words, word_hashes[i], normalized, word_starts[i], word_ends[i]):
            continue
        for n in sizes:
            if n > 1 and i + n <= len(word_starts):
                end = word_ends[i + n - 1]
                if contains(entries, extend_hash(FNV_OFFSET, normalized, word_starts[i], end), normalized,
                            word_starts[i], end):
                    count += 1
    return float(count)
