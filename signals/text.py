"""The shared text primitives of the RedPajama-V2 signals: normalisation, word lists, lines.

Source: RedPajama-Data app/src/utilities/text/normalization.py (`normalize`), app/src/core/document.py
(`Document`, `split_paragraphs`) (6d2cee9)."""

import re
import string
import unicodedata

import regex

_ASCII_PUNCTUATION = str.maketrans("", "", string.punctuation)
_WHITESPACE = re.compile(r"\s+")
# NLTK's WordPunctTokenizer pattern, run by the `regex` engine as NLTK runs it: its \w is Unicode's word class,
# so "km²" gives ["km", "²"] where the `re` module would keep one token (the reference output agrees with `regex`).
_WORD_PUNCT = regex.compile(r"\w+|[^\w\s]+")
_LINE = re.compile(r"([^\n]*\n|[^\n]+$)")


def normalize(text: str) -> str:
    """Delete ASCII punctuation, lowercase, strip, collapse white space to one space, then NFD (in that order)."""
    text = text.translate(_ASCII_PUNCTUATION).lower().strip()
    return unicodedata.normalize("NFD", _WHITESPACE.sub(" ", text))


def normalized_words(text: str) -> list[str]:
    """NW: the words of the normalised text."""
    return normalize(text).split()


def raw_words(text: str) -> list[str]:
    """RW: NLTK's WordPunct tokens of the raw text (punctuation runs are tokens, case kept)."""
    return _WORD_PUNCT.findall(text)


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line; a line includes its trailing newline, empty lines count, only \\n splits."""
    return [match.span() for match in _LINE.finditer(text)]
