"""Line-level signals: one [start, end, score] per line, with the raw line's offsets.

Source: RedPajama-Data app/src/core/quality_signals/lines.py (6d2cee9)."""

from signals.artifacts import Artifacts
from signals.document import Document, Spans, rounded

_TERMINAL = (".", "!", "?", "”")
_BULLETS = ("\u2022", "\u2023", "\u25B6", "\u25C0", "\u25E6", "\u25A0", "\u25A1", "\u25AA", "\u25AB", "\u2013")


def ending_with_terminal_punctuation_mark(doc: Document, artifacts: Artifacts) -> Spans:
    return [[s, e, float(text.rstrip().endswith(_TERMINAL))] for s, e, text in doc.raw_lines]


def javascript_counts(doc: Document, artifacts: Artifacts) -> Spans:
    return [[s, e, float(text.split().count("javascript")) if text else 0.0] for s, e, text in doc.normalized_lines]


def num_words(doc: Document, artifacts: Artifacts) -> Spans:
    return [[s, e, len(text.split())] for s, e, text in doc.normalized_lines]


def numerical_chars_fraction(doc: Document, artifacts: Artifacts) -> Spans:
    return [[s, e, rounded(sum(map(str.isnumeric, text)) / len(text)) if text else 0.0]
            for s, e, text in doc.normalized_lines]


def start_with_bulletpoint(doc: Document, artifacts: Artifacts) -> Spans:
    if not doc.raw:
        return [[0, 0, None]]  # the reference's value for the empty document
    return [[s, e, float(text.lstrip().startswith(_BULLETS))] for s, e, text in doc.raw_lines]


def uppercase_letter_fraction(doc: Document, artifacts: Artifacts) -> Spans:
    return [[s, e, rounded(sum(map(str.isupper, text)) / len(text)) if text else 0.0]
            for s, e, text in doc.raw_lines]
