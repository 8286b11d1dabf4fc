"""Natural-language signals: sentences, words, symbols, ellipses, alphabetic and capital words.

Source: RedPajama-Data app/src/core/quality_signals/natural_language.py (6d2cee9)."""

import math
import re
from collections import Counter

from signals.artifacts import Artifacts
from signals.document import Document, Spans, rounded

_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")
_ASCII_LETTER = re.compile(r"[a-zA-Z]")


def num_sentences(doc: Document, artifacts: Artifacts) -> Spans:
    return doc.whole(float(len(_SENTENCE.findall(doc.raw))))


def word_count(doc: Document, artifacts: Artifacts) -> Spans:
    return doc.whole(len(doc.words))


def mean_word_length(doc: Document, artifacts: Artifacts) -> Spans:
    if not doc.words:
        return doc.whole(None)
    return doc.whole(rounded(sum(map(len, doc.words)) / len(doc.words)))


def symbol_to_word_ratio(doc: Document, artifacts: Artifacts) -> Spans:
    """(# + ... + …) per raw WordPunct token."""
    if not doc.raw_words:
        return doc.whole(None)
    symbols = doc.raw.count("#") + doc.raw.count("...") + doc.raw.count("…")
    return doc.whole(rounded(symbols / len(doc.raw_words)))


def frac_lines_end_with_ellipsis(doc: Document, artifacts: Artifacts) -> Spans:
    if not doc.lines:
        return doc.whole(None)
    ending = sum(doc.raw[start:end].rstrip().endswith(("...", "…")) for start, end in doc.lines)
    return doc.whole(rounded(ending / len(doc.lines)))


def frac_no_alph_words(doc: Document, artifacts: Artifacts) -> Spans:
    """Share of raw tokens without an ASCII letter."""
    if not doc.raw_words:
        return doc.whole(None)
    alphabetic = sum(_ASCII_LETTER.search(word) is not None for word in doc.raw_words)
    return doc.whole(rounded(1 - alphabetic / len(doc.raw_words)))


def frac_unique_words(doc: Document, artifacts: Artifacts) -> Spans:
    if not doc.words:
        return doc.whole(None)
    return doc.whole(rounded(len(set(doc.words)) / len(doc.words)))


def unigram_entropy(doc: Document, artifacts: Artifacts) -> Spans:
    """Natural-log entropy of the normalised word distribution."""
    if not doc.words:
        return doc.whole(None)
    total = len(doc.words)
    entropy = 0.0
    for count in Counter(doc.words).values():  # one by one, as sum() on the reference's Python 3.11 adds them
        entropy += -(count / total) * math.log(count / total)  # (sum() compensates the rounding from 3.12 on)
    return doc.whole(rounded(entropy))


def frac_all_caps_words(doc: Document, artifacts: Artifacts) -> Spans:
    if not doc.raw_words:
        return doc.whole(None)
    return doc.whole(rounded(sum(word.isupper() for word in doc.raw_words) / len(doc.raw_words)))
