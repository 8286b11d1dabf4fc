"""Repetition signals in compiled loops; the same values as `signals.repetition`.

An n-gram is numbered by the pair (number of its (n-1)-gram prefix, id of its last word): exact integer keys in a
hash table, so no n-gram is ever confused with another. Numbers go in order of first appearance, which settles a
tie for the most frequent n-gram as the reference's Counter does (the first seen wins). Only n-grams whose
(n-1)-gram prefix repeats can repeat, so only those are looked up, and the sizes stop when nothing repeats."""

import numpy as np

from signals.fast.rounding import rounded
from signals.fast.word_sets import table_bits
from signals.jit import compiled

TOP_SIZES = (2, 3, 4)
DUPE_SIZES = (5, 6, 7, 8, 9, 10)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


@compiled
def _renumber(classes: np.ndarray, counts: np.ndarray, word_ids: np.ndarray, n: int, distinct_words: int, bits: int,
              slots: np.ndarray, slot_keys: np.ndarray, new_counts: np.ndarray, firsts: np.ndarray) -> int:
    """From the numbers of the (n-1)-grams (`classes`, with their `counts`), those of the n-grams, in place, with
    their counts and first positions; returns how many distinct n-grams there are. An n-gram whose (n-1)-gram
    prefix occurs once occurs once too: it gets a new number without a look-up in the table (2**bits slots)."""
    slots[:] = -1
    shift = np.uint64(64 - bits)
    mask = len(slots) - 1
    distinct = 0
    for i in range(len(word_ids) - n + 1):
        prefix = classes[i]
        if counts[prefix] == 1:
            number = distinct
        else:
            key = prefix * distinct_words + word_ids[i + n - 1]
            s = np.int64((np.uint64(key) * _GOLDEN) >> shift)
            while slots[s] != -1 and slot_keys[s] != key:
                s = (s + 1) & mask
            if slots[s] == -1:
                slots[s] = distinct
                slot_keys[s] = key
            number = slots[s]
        if number == distinct:
            new_counts[distinct] = 0
            firsts[distinct] = i
            distinct += 1
        classes[i] = number
        new_counts[number] += 1
    return distinct


@compiled
def repetition_signals(word_ids: np.ndarray, distinct_words: int, lengths: np.ndarray) -> np.ndarray:
    """frac_chars_top_{2,3,4}gram and frac_chars_dupe_{5..10}grams, in that order."""
    out = np.zeros(len(TOP_SIZES) + len(DUPE_SIZES))
    words = len(word_ids)
    total = lengths.sum()
    bits = table_bits(words)
    slots = np.empty(1 << bits, dtype=np.int64)
    slot_keys = np.empty(1 << bits, dtype=np.int64)
    classes = word_ids.copy()  # the 1-grams' numbers are the word ids
    counts = np.zeros(max(words, 1), dtype=np.int64)
    for w in word_ids:
        counts[w] += 1
    new_counts = np.empty_like(counts)
    firsts = np.empty_like(counts)
    covered = np.empty(words + 1, dtype=np.int64)
    for n in range(2, DUPE_SIZES[-1] + 1):
        if n > words or counts.max() <= 1:  # no repeated (n-1)-gram, so no repeated n-gram: the rest stays 0
            break
        distinct = _renumber(classes, counts, word_ids, n, distinct_words, bits, slots, slot_keys, new_counts,
                             firsts)
        counts, new_counts = new_counts, counts
        counts[distinct:] = 0
        if n <= TOP_SIZES[-1]:
            best = counts[:distinct].max()
            if best > 1:
                winner = np.argmax(counts[:distinct])  # the first number with the highest count
                start = firsts[winner]
                out[n - TOP_SIZES[0]] = rounded(lengths[start:start + n].sum() * best / total)
        if n >= DUPE_SIZES[0]:
            covered[:] = 0
            for i in range(words - n + 1):
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
