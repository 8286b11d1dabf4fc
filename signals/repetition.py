"""Repetition signals on the normalised words: top n-gram and duplicate n-gram character shares.

Source: RedPajama-Data app/src/core/quality_signals/repetitions.py (6d2cee9)."""

from collections import Counter
from functools import wraps

from signals.artifacts import Artifacts
from signals.document import Document, Spans, rounded


def _ngrams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return list(zip(*(words[i:] for i in range(n)), strict=False))


def frac_chars_top_ngram(doc: Document, n: int) -> Spans:
    """Characters of the most frequent n-gram times its count, over all word characters (can exceed 1)."""
    grams = _ngrams(doc.words, n)
    if not grams:
        return doc.whole(0.0)
    gram, count = Counter(grams).most_common(1)[0]  # ties: the first seen, as the reference
    if count <= 1:
        return doc.whole(0.0)
    return doc.whole(rounded(sum(map(len, gram)) * count / sum(map(len, doc.words))))


def frac_chars_dupe_ngrams(doc: Document, n: int) -> Spans:
    """Share of word characters covered by n-grams that occur more than once (each character counted once)."""
    words = doc.words
    if len(words) < n:
        return doc.whole(0.0)
    grams = _ngrams(words, n)
    counts = Counter(grams)
    covered = [False] * len(words)
    for i, gram in enumerate(grams):
        if counts[gram] > 1:
            covered[i:i + n] = [True] * n
    total = sum(map(len, words))
    if total == 0:
        return doc.whole(0.0)
    return doc.whole(rounded(sum(len(w) for w, c in zip(words, covered, strict=True) if c) / total))


def named_signals(top, dupe) -> tuple[dict, dict]:
    """The nine repetition signals under their RedPajama-V2 names, from a top- and a duplicate-n-gram function."""
    def bind(function, n: int):
        @wraps(function)  # named as the function it binds (signals.registry's docs table)
        def signal(doc: Document, artifacts: Artifacts) -> Spans:
            return function(doc, n)
        return signal

    return ({f"rps_doc_frac_chars_top_{n}gram": bind(top, n) for n in (2, 3, 4)},
            {f"rps_doc_frac_chars_dupe_{n}grams": bind(dupe, n) for n in range(5, 11)})


TOP_NGRAM_SIGNALS, DUPE_NGRAM_SIGNALS = named_signals(frac_chars_top_ngram, frac_chars_dupe_ngrams)
