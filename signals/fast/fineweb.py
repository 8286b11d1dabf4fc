"""FineWeb's three line heuristics (signals/fineweb.py) in one compiled loop over a document's code points.

Duplicate lines are found by sorting the non-blank lines on a 64-bit FNV hash of their code points (a stable
sort, so equal hashes stay in line order); lines with equal hashes are compared code point by code point, so a
hash collision costs time, never a wrong answer."""

import numpy as np

from signals.fast.codepoints import SPACE
from signals.fast.lines import among
from signals.fast.word_sets import FNV_OFFSET, FNV_PRIME, equal
from signals.fineweb import SHORT_LINE_LENGTH, STOP_CHARS
from signals.jit import compiled

# positions in the output row, in the order of signals.registry.FINEWEB
PUNCTUATION, DUPLICATE_CHARS, SHORT = range(3)
_STOP_CHARS = np.array([ord(c) for c in STOP_CHARS], dtype=np.int32)
_NEWLINE = 10


@compiled
def fineweb_signals(raw: np.ndarray, flags: np.ndarray, out: np.ndarray, nulls: np.ndarray) -> None:
    """The three values of the text `raw` (code points) into out[0:3], nulls[0:3]."""
    newlines = 0
    for c in raw:
        if c == _NEWLINE:
            newlines += 1
    count = newlines + 1  # str.split("\n") gives one line more than there are newlines
    starts = np.empty(count, dtype=np.int64)
    ends = np.empty(count, dtype=np.int64)
    hashes = np.empty(count, dtype=np.uint64)
    kept_lines = np.empty(count, dtype=np.int64)
    punctuated, short, kept = 0, 0, 0
    line, start, h, blank = 0, 0, FNV_OFFSET, True
    for i in range(len(raw) + 1):
        c = raw[i] if i < len(raw) else _NEWLINE
        if c != _NEWLINE:
            h = (h ^ np.uint64(c)) * FNV_PRIME
            blank = blank and flags[c] & SPACE != 0
            continue
        starts[line], ends[line] = start, i
        if i > start and among(raw[i - 1], _STOP_CHARS):
            punctuated += 1
        if i - start <= SHORT_LINE_LENGTH:
            short += 1
        if not blank:  # blank: nothing left after str.strip()
            hashes[kept] = h
            kept_lines[kept] = line
            kept += 1
        line, start, h, blank = line + 1, i + 1, FNV_OFFSET, True
    out[PUNCTUATION] = punctuated / count
    out[SHORT] = short / count

    order = np.argsort(hashes[:kept], kind="mergesort")
    duplicate_chars = 0
    run = 0
    while run < kept:
        after = run + 1
        while after < kept and hashes[order[after]] == hashes[order[run]]:
            after += 1
        for k in range(run + 1, after):  # the run's first line is the first of its text
            line = kept_lines[order[k]]
            for j in range(run, k):
                other = kept_lines[order[j]]
                if equal(raw, starts[line], ends[line], raw, starts[other], ends[other]):
                    duplicate_chars += ends[line] - starts[line]
                    break
        run = after
    characters = len(raw) - newlines
    if characters:
        out[DUPLICATE_CHARS] = duplicate_chars / characters
    else:
        nulls[DUPLICATE_CHARS] = True
