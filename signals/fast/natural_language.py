"""Natural-language signals in compiled loops; the same values as `signals.natural_language`.

A null (the reference's None) is NaN here."""

import math

import numpy as np

from signals.fast.codepoints import RE_WORD, SPACE
from signals.fast.rounding import rounded
from signals.jit import compiled

_FULL_STOP, _EXCLAMATION, _QUESTION, _HASH, _ELLIPSIS = 0x2E, 0x21, 0x3F, 0x23, 0x2026


@compiled
def _ends_sentence(c: int) -> bool:
    return c == _FULL_STOP or c == _EXCLAMATION or c == _QUESTION


@compiled
def num_sentences(raw: np.ndarray, flags: np.ndarray) -> float:
    r"""How many times re.findall(r"\b[^.!?]+[.!?]*", raw) matches: at a word boundary (of `re`'s \w) before a
    character that is not . ! ?, a match takes the run of such characters and then the run of . ! ? after it."""
    count, i = 0, 0
    while i < len(raw):
        word_before = i > 0 and flags[raw[i - 1]] & RE_WORD != 0
        if _ends_sentence(raw[i]) or word_before == (flags[raw[i]] & RE_WORD != 0):
            i += 1
            continue
        count += 1
        while i < len(raw) and not _ends_sentence(raw[i]):
            i += 1
        while i < len(raw) and _ends_sentence(raw[i]):
            i += 1
    return float(count)


@compiled
def symbol_to_word_ratio(raw: np.ndarray, tokens: int) -> float:
    """(# + ... + …) per raw token; "..." counted without overlap, as str.count does."""
    if tokens == 0:
        return math.nan
    symbols, i = 0, 0
    while i < len(raw):
        if raw[i] == _HASH or raw[i] == _ELLIPSIS:
            symbols += 1
        elif raw[i] == _FULL_STOP and i + 2 < len(raw) and raw[i + 1] == _FULL_STOP and raw[i + 2] == _FULL_STOP:
            symbols += 1
            i += 2
        i += 1
    return rounded(symbols / tokens)


@compiled
def frac_lines_end_with_ellipsis(raw: np.ndarray, line_ends: np.ndarray, flags: np.ndarray) -> float:
    if len(line_ends) == 0:
        return math.nan
    ending, start = 0, 0
    for end in line_ends:
        last = end
        while last > start and flags[raw[last - 1]] & SPACE:  # rstrip()
            last -= 1
        if last > start and raw[last - 1] == _ELLIPSIS:
            ending += 1
        elif last - start >= 3 and raw[last - 1] == _FULL_STOP and raw[last - 2] == _FULL_STOP \
                and raw[last - 3] == _FULL_STOP:
            ending += 1
        start = end
    return rounded(ending / len(line_ends))


@compiled
def token_fractions(letters: np.ndarray, uppers: np.ndarray) -> tuple[float, float]:
    """frac_no_alph_words and frac_all_caps_words from whether each raw token has an ASCII letter, is upper."""
    if len(letters) == 0:
        return math.nan, math.nan
    return rounded(1 - letters.sum() / len(letters)), rounded(uppers.sum() / len(uppers))


@compiled
def word_statistics(word_ids: np.ndarray, distinct: int, lengths: np.ndarray) -> tuple[float, float, float]:
    """mean_word_length, frac_unique_words, unigram_entropy of the normalised words.

    The entropy adds the terms in the order of the words' first appearance, as the reference's Counter does, one
    after the other as its sum() on Python 3.11 does."""
    total = len(word_ids)
    if total == 0:
        return math.nan, math.nan, math.nan
    counts = np.zeros(distinct, dtype=np.int64)
    for w in word_ids:
        counts[w] += 1
    entropy = 0.0
    for count in counts:
        entropy += -(count / total) * math.log(count / total)
    return rounded(lengths.sum() / total), rounded(distinct / total), rounded(entropy)
