"""The shared text pieces of the signals as code point arrays, in compiled loops.

Same results as `signals.text` (the readable version): the normalisation deletes ASCII punctuation, lowercases
(with str.lower's final-sigma rule), strips and collapses white space, then decomposes (NFD) and orders combining
marks canonically; words are the runs between its single spaces; lines end after each \\n."""

import numpy as np

from signals.fast.codepoints import (
    ASCII_PUNCTUATION,
    CAPITAL_SIGMA,
    CASE_IGNORABLE,
    CASED,
    FINAL_SIGMA,
    KNOWN,
    LOWER_OR_TITLE,
    SIZE,
    SMALL_SIGMA,
    SPACE,
    TOKEN_PUNCT,
    TOKEN_WORD,
    UPPER,
)
from signals.fast.word_sets import FNV_OFFSET, FNV_PRIME
from signals.jit import compiled

NEWLINE, BLANK = 10, 32


@compiled
def _decode_one(data: np.ndarray, i: int) -> tuple[int, int]:
    """The code point of valid UTF-8 starting at data[i], and its length in bytes."""
    b = np.int32(data[i])
    if b < 0x80:
        return b, 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.int32(data[i + 1]) & 0x3F), 2
    if b < 0xF0:
        return ((b & 0x0F) << 12) | ((np.int32(data[i + 1]) & 0x3F) << 6) | (np.int32(data[i + 2]) & 0x3F), 3
    return (((b & 0x07) << 18) | ((np.int32(data[i + 1]) & 0x3F) << 12) | ((np.int32(data[i + 2]) & 0x3F) << 6)
            | (np.int32(data[i + 3]) & 0x3F)), 4


@compiled
def decode_utf8(data: np.ndarray, start: int, end: int) -> np.ndarray:
    """The code points of valid UTF-8 bytes (Arrow validates its strings)."""
    out = np.empty(end - start, dtype=np.int32)
    n, i = 0, start
    while i < end:
        out[n], size = _decode_one(data, i)
        i += size
        n += 1
    return out[:n]


@compiled
def unknown_codepoints(data: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """The distinct code points of UTF-8 `data` that the tables do not know yet."""
    seen = np.zeros(SIZE, dtype=np.bool_)
    unknown = []
    i = 0
    while i < len(data):
        c, size = _decode_one(data, i)
        if not flags[c] & KNOWN and not seen[c]:
            seen[c] = True
            unknown.append(c)
        i += size
    return np.array(unknown, dtype=np.int32)


@compiled
def sigma_is_final(raw: np.ndarray, i: int, start: int, end: int, flags: np.ndarray, skipped: int) -> bool:
    """str.lower's Final_Sigma context for the capital sigma at raw[i] in the string raw[start:end], where the
    code points with a flag of `skipped` are not there (case-ignorable ones are looked through anyway)."""
    looked_through = CASE_IGNORABLE | skipped
    j = i - 1
    while j >= start and flags[raw[j]] & looked_through:
        j -= 1
    if j < start or not flags[raw[j]] & CASED:
        return False
    j = i + 1
    while j < end and flags[raw[j]] & looked_through:
        j += 1
    return j == end or not flags[raw[j]] & CASED


@compiled
def normalize(raw: np.ndarray, flags: np.ndarray, combining: np.ndarray, fold_start: np.ndarray,
              fold_length: np.ndarray, fold_data: np.ndarray):
    """The normalised text's code points, and each word's start, end and line (the raw line of its first letter)."""
    size = 0
    for c in raw:
        size += 1 if fold_start[c] < 0 else fold_length[c]
    out = np.empty(size, dtype=np.int32)
    starts = np.empty(len(raw) // 2 + 1, dtype=np.int64)
    ends = np.empty(len(raw) // 2 + 1, dtype=np.int64)
    lines = np.empty(len(raw) // 2 + 1, dtype=np.int32)
    n = words = line = 0
    in_word = False
    for i in range(len(raw)):
        c = raw[i]
        f = flags[c]
        if f & ASCII_PUNCTUATION:
            continue
        if f & SPACE:
            if in_word:
                ends[words - 1] = n
                in_word = False
            if c == NEWLINE:
                line += 1
            continue
        if not in_word:
            if words > 0:
                out[n] = BLANK
                n += 1
            starts[words] = n
            lines[words] = line
            words += 1
            in_word = True
        if c == CAPITAL_SIGMA:
            final = sigma_is_final(raw, i, 0, len(raw), flags, ASCII_PUNCTUATION)
            out[n] = FINAL_SIGMA if final else SMALL_SIGMA
            n += 1
        elif fold_start[c] < 0:
            out[n] = c
            n += 1
        else:
            for k in range(fold_start[c], fold_start[c] + fold_length[c]):
                out[n] = fold_data[k]
                n += 1
    if in_word:
        ends[words - 1] = n
    # canonical ordering of combining marks (a stable insertion sort by combining class, as unicodedata does)
    for i in range(1, n):
        c = out[i]
        cc = combining[c]
        if cc == 0:
            continue
        j = i
        while j > 0 and combining[out[j - 1]] > cc:
            out[j] = out[j - 1]
            j -= 1
        out[j] = c
    return out[:n], starts[:words], ends[:words], lines[:words]


@compiled
def line_ends(raw: np.ndarray) -> np.ndarray:
    """The end of each line (its start is the previous end, or 0); a line includes its \\n."""
    ends = np.empty(len(raw) + 1, dtype=np.int64)
    n = 0
    for i in range(len(raw)):
        if raw[i] == NEWLINE:
            ends[n] = i + 1
            n += 1
    if len(raw) and raw[len(raw) - 1] != NEWLINE:
        ends[n] = len(raw)
        n += 1
    return ends[:n]


@compiled
def encode_utf8(codes: np.ndarray):
    """UTF-8 bytes of code points, and the byte offset of each code point (one more for the end)."""
    out = np.empty(len(codes) * 4, dtype=np.uint8)
    offsets = np.empty(len(codes) + 1, dtype=np.int64)
    n = 0
    for i in range(len(codes)):
        offsets[i] = n
        c = codes[i]
        if c < 0x80:
            out[n] = c
            n += 1
        elif c < 0x800:
            out[n] = 0xC0 | (c >> 6)
            out[n + 1] = 0x80 | (c & 0x3F)
            n += 2
        elif c < 0x10000:
            out[n] = 0xE0 | (c >> 12)
            out[n + 1] = 0x80 | ((c >> 6) & 0x3F)
            out[n + 2] = 0x80 | (c & 0x3F)
            n += 3
        else:
            out[n] = 0xF0 | (c >> 18)
            out[n + 1] = 0x80 | ((c >> 12) & 0x3F)
            out[n + 2] = 0x80 | ((c >> 6) & 0x3F)
            out[n + 3] = 0x80 | (c & 0x3F)
            n += 4
    offsets[len(codes)] = n
    return out[:n], offsets


@compiled
def raw_tokens(raw: np.ndarray, flags: np.ndarray):
    r"""RW: each WordPunct token (a maximal run of \w, or of [^\w\s], as `regex` sees them) with what the signals
    ask of it: start, end, hash (word_sets.extend_hash), whether it has an ASCII letter, whether str.isupper."""
    starts = np.empty(len(raw), dtype=np.int64)
    ends = np.empty(len(raw), dtype=np.int64)
    hashes = np.empty(len(raw), dtype=np.uint64)
    letters = np.empty(len(raw), dtype=np.bool_)
    uppers = np.empty(len(raw), dtype=np.bool_)
    n = 0
    i = 0
    while i < len(raw):
        kind = flags[raw[i]] & (TOKEN_WORD | TOKEN_PUNCT)
        if kind == 0:
            i += 1
            continue
        starts[n] = i
        h = FNV_OFFSET
        letter = cased = uncased = False
        while i < len(raw) and flags[raw[i]] & (TOKEN_WORD | TOKEN_PUNCT) == kind:
            c = raw[i]
            h = (h ^ np.uint64(c)) * FNV_PRIME
            letter |= (0x41 <= c <= 0x5A) or (0x61 <= c <= 0x7A)
            cased |= flags[c] & UPPER != 0
            uncased |= flags[c] & LOWER_OR_TITLE != 0
            i += 1
        ends[n], hashes[n], letters[n], uppers[n] = i, h, letter, cased and not uncased
        n += 1
    return starts[:n], ends[:n], hashes[:n], letters[:n], uppers[:n]
