"""Repetition signals (spec §2.4) in compiled loops; the same values as `signals.repetition`.

An n-gram is numbered by the pair (number of its (n-1)-gram prefix, id of its last word): exact integer keys in a
hash table, so no n-gram is ever confused with another. Numbers go in order of first appearance, which settles a
tie for the most frequent n-gram as the reference's Counter does (the first seen wins)."""

import numpy as np

from signals.fast.jit import compiled
from signals.fast.rounding import rounded

TOP_SIZES = (2, 3, 4)
DUPE_SIZES = (5, 6, 7, 8, 9, 10)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


@compiled
def _renumber(keys: np.ndarray, bits: int, slots: np.ndarray, slot_keys: np.ndarray, classes: np.ndarray,
              counts: np.ndarray, firsts: np.ndarray) -> int:
    """classes[i] := number of keys[i] among the distinct keys in order of first appearance; with each number's
    count and first position. Returns how many distinct keys there are. The table has 2**bits slots."""
    slots[:] = -1
    shift = np.uint64(64 - bits)
    mask = len(slots) - 1
    distinct = 0
    for i in range(len(keys)):
        key = keys[i]
        s = np.int64((np.uint64(key) * _GOLDEN) >> shift)
        while slots[s] != -1 and slot_keys[s] != key:
            s = (s + 1) & mask
        if slots[s] == -1:
            slots[s] = distinct
            slot_keys[s] = key
            counts[distinct] = 0
            firsts[distinct] = i
            distinct += 1
        classes[i] = slots[s]
        counts[slots[s]] += 1
    return distinct


@compiled
def repetition_signals(word_ids: np.ndarray, distinct_words: int, lengths: np.ndarray) -> np.ndarray:
    """frac_chars_top_{2,3,4}gram and frac_chars_dupe_{5..10}grams, in that order."""
    out = np.zeros(len(TOP_SIZES) + len(DUPE_SIZES))
    words = len(word_ids)
    if words < 2:
        return out
    total = lengths.sum()
    bits = 4
    while 1 << bits < 2 * words:
        bits += 1
    size = 1 << bits
    slots = np.empty(size, dtype=np.int64)
    slot_keys = np.empty(size, dtype=np.int64)
    classes = word_ids.copy()  # the 1-grams' numbers are the word ids
    counts = np.empty(words, dtype=np.int64)
    firsts = np.empty(words, dtype=np.int64)
    covered = np.empty(words + 1, dtype=np.int64)
    for n in range(2, DUPE_SIZES[-1] + 1):
        grams = words - n + 1
        if grams <= 0:
            break
        keys = classes[:grams] * distinct_words + word_ids[n - 1:]
        distinct = _renumber(keys, bits, slots, slot_keys, classes[:grams], counts, firsts)
        if n <= TOP_SIZES[-1]:
            best = counts[:distinct].max()
            if best > 1:
                winner = np.argmax(counts[:distinct])  # the first number with the highest count
                start = firsts[winner]
                out[n - TOP_SIZES[0]] = rounded(lengths[start:start + n].sum() * best / total)
        if n >= DUPE_SIZES[0]:
            covered[:] = 0
            for i in range(grams):
                if counts[classes[i]] > 1:
                    covered[i] += 1
                    covered[i + n] -= 1
            chars, depth = 0, 0
            for i in range(words):
                depth += covered[i]
                if depth > 0:
                    chars += lengths[i]
            out[len(TOP_SIZES) + n - DUPE_SIZES[0]] = rounded(chars / total)
    return out
