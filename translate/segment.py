"""A document cut into the pieces a model translates, and the skeleton that holds them.

The contract with the stage: `segment(text, language, max_tokens, count_tokens)` gives a `Segmented` whose
`segments` are the pieces to translate (sentences of each line, split by sentencex; a sentence over `max_tokens`
split at clause punctuation, then between words, then between characters) and whose skeleton is everything else:
line breaks, blank lines, indentation, list markers, table pipes, the spaces between sentences and the pieces
without letters (numbers, formulas) or that are a bare URL or e-mail address. `Segmented.rebuild(outputs)` puts
outputs back into the skeleton, so that `segment(text, ...).rebuild(segments) == text` for any text.
`SEGMENTER_VERSION` changes whenever the segmentation does (the stage's fingerprint holds it).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version

import sentencex

# ours, then the splitter's release: a new sentencex may move sentence boundaries
SEGMENTER_VERSION = f"1+sentencex-{version('sentencex')}"

# indentation, then a list marker (bullet, `1.`, `1)`, `(1)`, a Markdown heading) with the spaces after it
_LINE_HEAD = re.compile(r"\s*(?:(?:[-*+•·▪‣◦►–—]|\d{1,3}[.)]|\(\d{1,3}\)|#{1,6})\s+)?")
_TABLE_PIPE = re.compile(r"(\|)")
# a clause ends after a comma, semicolon, colon or dash before spaces, or after a full-width one
_CLAUSE = re.compile(r"\S.*?(?:[,;:—–](?=\s)|[，；：、]|\Z)", re.S)
_WORD = re.compile(r"\S+")
_BARE_ADDRESS = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.)\S+|[^\s@]+@[^\s@]+\.\w+")
_LETTER = re.compile(r"[^\W\d_]")

CountTokens = Callable[[str], int]


@dataclass(frozen=True)
class Segmented:
    segments: list[str]
    skeleton: list[str]  # len(segments) + 1 pieces: skeleton[0] segments[0] skeleton[1] ... skeleton[-1]

    def rebuild(self, outputs: list[str]) -> str:
        """The document with `outputs` (one per segment, in order) in place of the segments."""
        if len(outputs) != len(self.segments):
            raise ValueError(f"{len(outputs)} outputs for {len(self.segments)} segments")
        parts = [self.skeleton[0]]
        for output, between in zip(outputs, self.skeleton[1:], strict=True):
            parts += (output, between)
        return "".join(parts)


class _Builder:
    def __init__(self, language: str, max_tokens: int, count_tokens: CountTokens):
        self.language, self.max_tokens, self.count_tokens = language, max_tokens, count_tokens
        self.segments: list[str] = []
        self.skeleton = [""]

    def keep(self, text: str) -> None:
        self.skeleton[-1] += text

    def add(self, text: str) -> None:
        """A piece of a line: its outer spaces, and all of it when it has nothing to translate, go to the skeleton."""
        core = text.strip()
        if not core:
            self.keep(text)
            return
        start = len(text) - len(text.lstrip())
        self.keep(text[:start])
        if _LETTER.search(core) is None or _BARE_ADDRESS.fullmatch(core):
            self.keep(core)
        else:
            self.segments.append(core)
            self.skeleton.append("")
        self.keep(text[start + len(core):])

    def line(self, line: str) -> None:
        body = line.rstrip()
        head = _LINE_HEAD.match(body).group()
        self.keep(head)
        for cell in _TABLE_PIPE.split(body[len(head):]):
            if cell == "|":
                self.keep(cell)
            else:
                for sentence in _sentences(cell, self.language):
                    self.fitted(sentence, 0)
        self.keep(line[len(body):])

    def fitted(self, text: str, level: int) -> None:
        """`text`, split at the coarsest level (clauses, words, characters) that brings each piece under the limit."""
        if self.count_tokens(text) <= self.max_tokens or not text.strip():
            self.add(text)
            return
        if level == len(_FINER):
            for piece in _cut_characters(text, self.max_tokens, self.count_tokens):
                self.add(piece)
            return
        spans = [match.span() for match in _FINER[level].finditer(text)]
        end = 0
        for start, stop in _pack(text, spans, lambda piece: self.count_tokens(piece) <= self.max_tokens):
            self.keep(text[end:start])
            self.fitted(text[start:stop], level + 1)
            end = stop
        self.keep(text[end:])


_FINER = (_CLAUSE, _WORD)


def _sentences(text: str, language: str) -> list[str]:
    """The sentences of `text`, which concatenate to it; all of it as one when the splitter's pieces do not."""
    if not text.strip():
        return [text]
    pieces = list(sentencex.segment(language, text))
    return pieces if "".join(pieces) == text else [text]


def _pack(text: str, spans: list[tuple[int, int]], fits: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Neighbouring spans merged greedily while the text they cover fits."""
    packed: list[tuple[int, int]] = []
    for start, stop in spans:
        if packed and fits(text[packed[-1][0]:stop]):
            packed[-1] = (packed[-1][0], stop)
        else:
            packed.append((start, stop))
    return packed


def _cut_characters(text: str, max_tokens: int, count_tokens: CountTokens) -> list[str]:
    """`text` cut into the longest prefixes that fit (at least one character each: a character over the limit
    goes alone)."""
    pieces = []
    while text:
        low, high = 1, len(text)
        while low < high:  # the longest prefix that fits, by bisection
            middle = (low + high + 1) // 2
            if count_tokens(text[:middle]) <= max_tokens:
                low = middle
            else:
                high = middle - 1
        pieces.append(text[:low])
        text = text[low:]
    return pieces


def segment(text: str, language: str, max_tokens: int, count_tokens: CountTokens) -> Segmented:
    """`text` in `language` (ISO 639-1) cut into segments of at most `max_tokens` (by `count_tokens`) and a skeleton."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
    builder = _Builder(language, max_tokens, count_tokens)
    for line in text.splitlines(keepends=True):
        builder.line(line)
    return Segmented(builder.segments, builder.skeleton)
