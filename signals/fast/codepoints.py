"""What the compiled loops need to know of each code point, read off the engines the readable signals use.

Every property is asked of the running Python (`str` methods, `re`, `unicodedata`) or of the `regex` module, one
code point at a time, so the compiled path agrees with the readable one by construction, whatever Unicode version
each engine carries. A code point is learnt the first time a batch contains it (a corpus uses a few thousand of
the 1.1 million), which keeps start-up short."""

import re
import string
import unicodedata
from typing import NamedTuple

import numpy as np
import regex

from signals.ccnet_text import NON_PRINTING, UNICODE_PUNCT

SIZE = 0x110000
CAPITAL_SIGMA, SMALL_SIGMA, FINAL_SIGMA = 0x3A3, 0x3C3, 0x3C2

# flag bits
KNOWN = 1 << 0
SPACE = 1 << 1  # str.isspace, which is also `re`'s \s (checked when learnt): strip, split and the collapse of \s+
ASCII_PUNCTUATION = 1 << 2  # string.punctuation, deleted by the normalisation
RE_WORD = 1 << 3  # `re`'s \w, which decides `re`'s \b (sentences)
TOKEN_WORD = 1 << 4  # `regex`'s \w (WordPunct tokens \w+)
TOKEN_PUNCT = 1 << 5  # `regex`'s [^\w\s] (WordPunct tokens [^\w\s]+)
UPPER = 1 << 6  # str.isupper of the code point alone
LOWER_OR_TITLE = 1 << 7  # makes a string's isupper() false: ("A" + c).isupper() is false
NUMERIC = 1 << 8  # str.isnumeric
CASED = 1 << 9  # ends the search of str.lower's final-sigma rule as a cased letter
CASE_IGNORABLE = 1 << 10  # skipped by that search
DIGIT = 1 << 11  # `re`'s \d: CCNet's dedup keys make it 0
CCNET_DELETE = 1 << 12  # deleted from CCNet's dedup keys: its UNICODE_PUNCT and the C0 and C1 control characters
LOREM_IPSUM = "lorem ipsum"  # the `lorem_ipsum` table: bit k, the code point matches LOREM_IPSUM[k] under re.I

_TOKEN_WORD = regex.compile(r"\w")
_TOKEN_PUNCT = regex.compile(r"[^\w\s]")
_RE_WORD = re.compile(r"\w")
_RE_SPACE = re.compile(r"\s")
_RE_DIGIT = re.compile(r"\d")


class Tables(NamedTuple):
    """Per code point: flag bits, the characters of LOREM_IPSUM it matches ignoring case, canonical combining
    class, where its folding (NFD of its lowercase) lies in `fold_data` (-1: it folds to itself), and where its
    lowercase lies in `lower_data` (-1: it is its own)."""

    flags: np.ndarray  # uint16[SIZE]
    lorem_ipsum: np.ndarray  # uint16[SIZE]
    combining: np.ndarray  # uint8[SIZE]
    fold_start: np.ndarray  # int32[SIZE]
    fold_length: np.ndarray  # uint8[SIZE]
    fold_data: np.ndarray  # int32[...]
    lower_start: np.ndarray  # int32[SIZE]
    lower_length: np.ndarray  # uint8[SIZE]
    lower_data: np.ndarray  # int32[...]


class Codepoints:
    """The tables, growing as code points are learnt."""

    def __init__(self):
        self._flags = np.zeros(SIZE, dtype=np.uint16)
        self._lorem_ipsum = np.zeros(SIZE, dtype=np.uint16)
        self._combining = np.zeros(SIZE, dtype=np.uint8)
        self._fold_start = np.full(SIZE, -1, dtype=np.int32)
        self._fold_length = np.zeros(SIZE, dtype=np.uint8)
        self._fold_data: list[int] = []
        self._lower_start = np.full(SIZE, -1, dtype=np.int32)
        self._lower_length = np.zeros(SIZE, dtype=np.uint8)
        self._lower_data: list[int] = []
        self.tables = self._freeze()
        self.learn(range(128))

    def learn(self, codepoints) -> None:
        """Learn the code points not known yet, and those their foldings produce."""
        pending = [int(c) for c in codepoints if not self._flags[c] & KNOWN]
        if not pending:
            return
        while pending:
            code = pending.pop()
            if self._flags[code] & KNOWN:
                continue
            folded = self._learn_one(code)
            pending.extend(ord(c) for c in folded if not self._flags[ord(c)] & KNOWN)
        self.tables = self._freeze()

    def _learn_one(self, code: int) -> str:
        """Set the code point's entries; returns what it can fold or lowercase to."""
        char = chr(code)
        if char.isspace() != bool(_RE_SPACE.match(char)):
            raise AssertionError(f"U+{code:04X}: str.isspace and re's \\s disagree; the normalisation needs both")
        flags = KNOWN
        flags |= SPACE if char.isspace() else 0
        flags |= ASCII_PUNCTUATION if char in string.punctuation else 0
        flags |= RE_WORD if _RE_WORD.match(char) else 0
        flags |= TOKEN_WORD if _TOKEN_WORD.match(char) else 0
        flags |= TOKEN_PUNCT if _TOKEN_PUNCT.match(char) else 0
        flags |= UPPER if char.isupper() else 0
        flags |= LOWER_OR_TITLE if not ("A" + char).isupper() else 0
        flags |= NUMERIC if char.isnumeric() else 0
        flags |= DIGIT if _RE_DIGIT.match(char) else 0
        flags |= CCNET_DELETE if char in UNICODE_PUNCT or char in NON_PRINTING else 0
        # str.lower's final-sigma rule (CPython's handle_capital_sigma) as seen from the letters around a sigma:
        # a cased letter after it keeps the sigma medial, a case-ignorable one is looked through
        after = ("A\u03a3" + char).lower()[1]
        after_then_cased = ("A\u03a3" + char + "B").lower()[1]
        flags |= CASED if after == chr(SMALL_SIGMA) else 0
        flags |= CASE_IGNORABLE if after == chr(FINAL_SIGMA) and after_then_cased == chr(SMALL_SIGMA) else 0
        self._flags[code] = flags
        self._lorem_ipsum[code] = sum(1 << k for k, letter in enumerate(LOREM_IPSUM)
                                      if re.fullmatch(re.escape(letter), char, re.IGNORECASE))
        self._combining[code] = unicodedata.combining(char)
        if code == CAPITAL_SIGMA:  # its lowercase depends on its neighbours: the compiled loop picks one of two
            return chr(SMALL_SIGMA) + chr(FINAL_SIGMA)
        lower = char.lower()
        folded = unicodedata.normalize("NFD", lower)
        _map(code, folded, self._fold_start, self._fold_length, self._fold_data)
        _map(code, lower, self._lower_start, self._lower_length, self._lower_data)
        return folded + lower

    def _freeze(self) -> Tables:
        return Tables(self._flags, self._lorem_ipsum, self._combining, self._fold_start, self._fold_length,
                      np.array(self._fold_data or [0], dtype=np.int32), self._lower_start, self._lower_length,
                      np.array(self._lower_data or [0], dtype=np.int32))


def _map(code: int, to: str, starts: np.ndarray, lengths: np.ndarray, data: list[int]) -> None:
    """Record that the code point maps to `to`, unless that is itself."""
    if to != chr(code):
        starts[code] = len(data)
        lengths[code] = len(to)
        data.extend(map(ord, to))
