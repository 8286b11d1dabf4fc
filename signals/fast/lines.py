"""Line-level signals in compiled loops; the same values as `signals.lines`.

The normalised text of a line is the run of the document's normalised words that started in it (white space,
lowercasing and NFD never join words across a \\n), single-spaced."""

import numpy as np

from signals.fast.codepoints import NUMERIC, SPACE, UPPER
from signals.fast.rounding import rounded
from signals.fast.word_sets import equal
from signals.jit import compiled

# rows of `out`, in the reference's order
TERMINAL, JAVASCRIPT, NUM_WORDS, NUMERICAL, BULLET, UPPERCASE = range(6)
_TERMINAL = np.array([ord(c) for c in ".!?\u201d"], dtype=np.int32)
_BULLETS = np.array([0x2022, 0x2023, 0x25B6, 0x25C0, 0x25E6, 0x25A0, 0x25A1, 0x25AA, 0x25AB, 0x2013], dtype=np.int32)
_JAVASCRIPT = np.array([ord(c) for c in "javascript"], dtype=np.int32)


@compiled
def among(c: int, codes: np.ndarray) -> bool:
    for code in codes:
        if c == code:
            return True
    return False


@compiled
def line_signals(raw: np.ndarray, line_ends: np.ndarray, flags: np.ndarray, normalized: np.ndarray,
                 word_starts: np.ndarray, word_ends: np.ndarray, word_lines: np.ndarray, out: np.ndarray) -> None:
    """The six values of every line into out[signal, line]."""
    start = 0
    for line in range(len(line_ends)):
        end = line_ends[line]
        last = end
        while last > start and flags[raw[last - 1]] & SPACE:  # rstrip()
            last -= 1
        out[TERMINAL, line] = 1.0 if last > start and among(raw[last - 1], _TERMINAL) else 0.0
        first = start
        while first < end and flags[raw[first]] & SPACE:  # lstrip()
            first += 1
        out[BULLET, line] = 1.0 if first < end and among(raw[first], _BULLETS) else 0.0
        upper = 0
        for i in range(start, end):
            if flags[raw[i]] & UPPER:
                upper += 1
        out[UPPERCASE, line] = rounded(upper / (end - start))  # a line has at least one character
        out[JAVASCRIPT, line] = 0.0
        out[NUM_WORDS, line] = 0.0
        out[NUMERICAL, line] = 0.0
        start = end
    characters = np.zeros(len(line_ends), dtype=np.int64)  # of the normalised line, single spaces included
    numeric = np.zeros(len(line_ends), dtype=np.int64)
    for w in range(len(word_starts)):
        line = word_lines[w]
        characters[line] += word_ends[w] - word_starts[w] + (1 if out[NUM_WORDS, line] > 0 else 0)
        out[NUM_WORDS, line] += 1
        if equal(normalized, word_starts[w], word_ends[w], _JAVASCRIPT, 0, len(_JAVASCRIPT)):
            out[JAVASCRIPT, line] += 1
        for i in range(word_starts[w], word_ends[w]):
            if flags[normalized[i]] & NUMERIC:
                numeric[line] += 1
    for line in range(len(line_ends)):
        if characters[line]:
            out[NUMERICAL, line] = rounded(numeric[line] / characters[line])
