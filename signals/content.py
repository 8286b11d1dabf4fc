"""Content signals: curly brackets, lorem ipsum, stop words, LDNOOBW words.

Source: RedPajama-Data app/src/core/quality_signals/content.py (6d2cee9)."""

import re
from functools import lru_cache

from signals.artifacts import Artifacts
from signals.document import Document, Spans, rounded

_LOREM = re.compile("lorem ipsum", re.IGNORECASE)


def curly_bracket(doc: Document, artifacts: Artifacts) -> Spans:
    """Share of `{` and `}` among the raw characters."""
    if not doc.raw or ("{" not in doc.raw and "}" not in doc.raw):
        return doc.whole(0.0)
    return doc.whole(rounded((doc.raw.count("{") + doc.raw.count("}")) / len(doc.raw)))


def lorem_ipsum(doc: Document, artifacts: Artifacts) -> Spans:
    """Occurrences of "lorem ipsum" per normalised character."""
    text = doc.normalized
    if not text or "lorem ipsum" not in text:
        return doc.whole(0.0)
    return doc.whole(rounded(len(_LOREM.findall(text)) / len(text)))


def stop_word_fraction(doc: Document, artifacts: Artifacts) -> Spans:
    """Share of raw WordPunct tokens (case-sensitive, punctuation included) that are stop words."""
    stop_words = artifacts.stop_words(doc.language)
    if stop_words is None:
        return doc.whole(None)
    if not doc.words:
        return doc.whole(0.0)
    return doc.whole(rounded(sum(word in stop_words for word in doc.raw_words) / len(doc.raw_words)))


def ldnoobw_words(doc: Document, artifacts: Artifacts) -> Spans:
    """Count of normalised word n-grams that are on the LDNOOBW list (entries are matched unnormalised)."""
    bad_words = artifacts.bad_words(doc.language)
    if bad_words is None:  # the reference gives 0.0 without a list; we do not claim a count we did not make
        return doc.whole(None)
    if not doc.normalized:
        return doc.whole(0.0)
    words, count = doc.words, 0
    for n, (entries, first_words) in _by_length(bad_words).items():
        if n == 1:
            count += sum(word in entries for word in words)
            continue
        # join only the n-grams that start like an entry: the same count, far fewer joins
        count += sum(" ".join(words[i:i + n]) in entries
                     for i in range(len(words) - n + 1) if words[i] in first_words)
    return doc.whole(float(count))


@lru_cache(maxsize=64)
def _by_length(bad_words: frozenset[str]) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    """Entries grouped by their number of space-separated parts, with the set of their first parts."""
    groups: dict[int, set[str]] = {}
    for entry in bad_words:
        groups.setdefault(1 + entry.count(" "), set()).add(entry)
    return {n: (frozenset(entries), frozenset(e.split(" ")[0] for e in entries)) for n, entries in groups.items()}
