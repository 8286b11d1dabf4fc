"""Exact sets of strings for compiled loops: open addressing on a 64-bit hash, every hit checked code point by
code point (a hash collision can cost time, never a wrong answer). Also numbers the distinct words of a text."""

from typing import NamedTuple

import numpy as np

from signals.jit import compiled

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


class WordSet(NamedTuple):
    slots: np.ndarray  # int64[power of two]: entry index, or -1
    hashes: np.ndarray  # uint64[entries]
    data: np.ndarray  # int32: the entries' code points, one after the other
    offsets: np.ndarray  # int64[entries + 1]


@compiled
def extend_hash(h: np.uint64, codes: np.ndarray, start: int, end: int) -> np.uint64:
    """FNV-1a over code points, continued from `h` (start from FNV_OFFSET)."""
    for i in range(start, end):
        h = (h ^ np.uint64(codes[i])) * FNV_PRIME
    return h


@compiled
def equal(a: np.ndarray, a_start: int, a_end: int, b: np.ndarray, b_start: int, b_end: int) -> bool:
    """Whether a[a_start:a_end] and b[b_start:b_end] hold the same code points."""
    if a_end - a_start != b_end - b_start:
        return False
    for k in range(a_end - a_start):
        if a[a_start + k] != b[b_start + k]:
            return False
    return True


@compiled
def table_bits(count: int) -> int:
    """log2 of the slots of an open-addressing table for `count` keys: at least 16, at most half full."""
    bits = 4
    while 1 << bits < 2 * count:
        bits += 1
    return bits


@compiled
def _fill(slots: np.ndarray, hashes: np.ndarray, data: np.ndarray, offsets: np.ndarray) -> None:
    mask = np.uint64(len(slots) - 1)
    for e in range(len(hashes)):
        hashes[e] = extend_hash(FNV_OFFSET, data, offsets[e], offsets[e + 1])
        i = hashes[e] & mask
        while slots[i] != -1:
            i = (i + np.uint64(1)) & mask
        slots[i] = e


def word_set(words) -> WordSet:
    """A WordSet of Python strings (duplicates are harmless)."""
    words = sorted(words)
    codes = [np.frombuffer(w.encode("utf-32-le"), dtype=np.uint32).astype(np.int32) for w in words]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(c) for c in codes])
    data = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32)
    found = WordSet(np.full(1 << table_bits(len(words)), -1, dtype=np.int64), np.zeros(len(words), dtype=np.uint64),
                    data, offsets)
    _fill(*found)
    return found


@compiled
def contains(words: WordSet, h: np.uint64, codes: np.ndarray, start: int, end: int) -> bool:
    """Whether codes[start:end], whose hash is `h`, is in the set."""
    mask = np.uint64(len(words.slots) - 1)
    i = h & mask
    while words.slots[i] != -1:
        e = words.slots[i]
        if words.hashes[e] == h and equal(words.data, words.offsets[e], words.offsets[e + 1], codes, start, end):
            return True
        i = (i + np.uint64(1)) & mask
    return False


@compiled
def word_ids(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, hashes: np.ndarray):
    """Each word's number, the distinct words numbered in order of first appearance; and how many there are."""
    count = len(starts)
    size = 1 << table_bits(count)
    mask = np.uint64(size - 1)
    slots = np.full(size, -1, dtype=np.int64)  # index of the word that first had the slot's text
    ids = np.empty(count, dtype=np.int64)
    distinct = 0
    for w in range(count):
        h = hashes[w]
        i = h & mask
        while True:
            first = slots[i]
            if first == -1:
                slots[i] = w
                ids[w] = distinct
                distinct += 1
                break
            if hashes[first] == h and equal(codes, starts[first], ends[first], codes, starts[w], ends[w]):
                ids[w] = ids[first]
                break
            i = (i + np.uint64(1)) & mask
    return ids, distinct


@compiled
def slice_hashes(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The hash of each slice codes[starts[i]:ends[i]]."""
    out = np.empty(len(starts), dtype=np.uint64)
    for i in range(len(starts)):
        out[i] = extend_hash(FNV_OFFSET, codes, starts[i], ends[i])
    return out
