"""FineWeb's three line heuristics as document-level signals: our addition beyond RedPajama-V2 (docs/signals.md).

Source of the formulas: HuggingFace datatrove, `FineWebQualityFilter`
(src/datatrove/pipeline/filters/fineweb_quality_filter.py at commit 05194d3960741e7d5c0bd0d6dd69d44514622549,
the version examples/fineweb.py of that commit names as "the code used to process and create the FineWeb
dataset"), and its `find_duplicates` (gopher_repetition_filter.py). Lines are the text split on "\\n" alone: a
"\\r" stays part of its line, a trailing "\\n" leaves an empty last line, and blank lines count in the
punctuation and short-line fractions; only the duplicate-line fraction leaves out lines that are blank after
str.strip(). Lengths are in code points."""

from signals.artifacts import Artifacts
from signals.document import Document, Spans

# datatrove's `stop_chars` of that version
STOP_CHARS = (".", "'", '"', "!", "?")
# datatrove's `short_line_length`: a line of at most this many characters is short
SHORT_LINE_LENGTH = 30


def _lines(doc: Document) -> list[str]:
    return doc.raw.split("\n")


def frac_lines_end_with_punctuation(doc: Document, artifacts: Artifacts) -> Spans:
    """Fraction of lines whose last character is one of STOP_CHARS (no stripping)."""
    lines = _lines(doc)
    return doc.whole(sum(line.endswith(STOP_CHARS) for line in lines) / len(lines))


def frac_short_lines(doc: Document, artifacts: Artifacts) -> Spans:
    """Fraction of lines of at most SHORT_LINE_LENGTH characters."""
    lines = _lines(doc)
    return doc.whole(sum(len(line) <= SHORT_LINE_LENGTH for line in lines) / len(lines))


def frac_chars_duplicate_lines(doc: Document, artifacts: Artifacts) -> Spans:
    """Characters of the non-blank lines that repeat an earlier line, over the characters that are not "\\n";
    None for a text of newlines only (datatrove divides by zero there)."""
    seen, duplicate_chars = set(), 0
    for line in _lines(doc):
        if not line.strip():
            continue
        if line in seen:
            duplicate_chars += len(line)
        else:
            seen.add(line)
    characters = len(doc.raw) - doc.raw.count("\n")
    return doc.whole(duplicate_chars / characters if characters else None)
