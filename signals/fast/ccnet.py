"""CCNet's length signals (signals.ccnet) in a compiled loop: the text's lines and what its in-document line dedup
keeps, with each line's `normalize_for_dedup` key hashed as it is built instead of made into a string.

A key is the stripped line, lowercased (str.lower, final sigma included), its digits made 0, CCNet's typographic
punctuation and control characters deleted (signals.ccnet_text.dedup_keys). Keys are compared by a 64-bit FNV-1a
hash of their code points, as CCNet itself compares 64-bit SHA-1 prefixes of them."""

import numpy as np

from signals.fast.codepoints import CAPITAL_SIGMA, CCNET_DELETE, DIGIT, FINAL_SIGMA, SMALL_SIGMA, SPACE
from signals.fast.text import NEWLINE, sigma_is_final
from signals.fast.word_sets import FNV_OFFSET, FNV_PRIME
from signals.jit import compiled

ZERO = 0x30
# the columns of ccnet_lengths' result, as signals.registry names them
CCNET_COLUMNS = ("ccnet_original_length", "ccnet_original_nlines", "ccnet_length", "ccnet_nlines")


@compiled
def _extend(h: np.uint64, c: int, flags: np.ndarray) -> np.uint64:
    """The key's hash extended by one code point of the lowercased line: a digit as 0, a deleted one not at all."""
    if flags[c] & DIGIT:
        return (h ^ np.uint64(ZERO)) * FNV_PRIME
    if flags[c] & CCNET_DELETE:
        return h
    return (h ^ np.uint64(c)) * FNV_PRIME


@compiled
def _key_hash(raw: np.ndarray, start: int, end: int, flags: np.ndarray, lower_start: np.ndarray,
              lower_length: np.ndarray, lower_data: np.ndarray) -> np.uint64:
    """The hash of `normalize_for_dedup(raw[start:end])`."""
    while start < end and flags[raw[start]] & SPACE:
        start += 1
    while end > start and flags[raw[end - 1]] & SPACE:
        end -= 1
    h = FNV_OFFSET
    for i in range(start, end):
        c = raw[i]
        if c == CAPITAL_SIGMA:
            h = _extend(h, FINAL_SIGMA if sigma_is_final(raw, i, start, end, flags, 0) else SMALL_SIGMA, flags)
        elif lower_start[c] < 0:
            h = _extend(h, c, flags)
        else:
            for k in range(lower_start[c], lower_start[c] + lower_length[c]):
                h = _extend(h, lower_data[k], flags)
    return h


@compiled
def ccnet_lengths(raw: np.ndarray, flags: np.ndarray, lower_start: np.ndarray, lower_length: np.ndarray,
                  lower_data: np.ndarray, out: np.ndarray) -> None:
    """CCNET_COLUMNS of the text into `out`: characters and "\\n"-separated lines, before and after the dedup."""
    if len(raw) == 0:
        out[:] = 0.0
        return
    count = 1
    for c in raw:
        if c == NEWLINE:
            count += 1
    hashes = np.empty(count, dtype=np.uint64)
    lengths = np.empty(count, dtype=np.int64)
    start = line = 0
    for i in range(len(raw) + 1):
        if i == len(raw) or raw[i] == NEWLINE:
            hashes[line] = _key_hash(raw, start, i, flags, lower_start, lower_length, lower_data)
            lengths[line] = i - start
            line += 1
            start = i + 1
    # a line is kept if no earlier line has its key: the first of each run of equal hashes in a stable sort
    order = np.argsort(hashes, kind="mergesort")
    kept = np.ones(count, dtype=np.bool_)
    for k in range(1, count):
        if hashes[order[k]] == hashes[order[k - 1]]:
            kept[order[k]] = False
    characters = kept_lines = 0
    for line in range(count):
        if kept[line]:
            characters += lengths[line]
            kept_lines += 1
    out[0], out[1] = len(raw), count
    out[2], out[3] = characters + kept_lines - 1, kept_lines  # the kept lines joined by "\n"
