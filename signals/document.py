"""A document as the signals see it: its raw text and the shared pieces computed once.

Source: RedPajama-Data app/src/core/document.py, `Document` (6d2cee9)."""

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlparse

from signals.text import line_spans, normalize, raw_words

PRECISION = 8
Spans = list[list]  # [[start, end, score], ...]


@dataclass
class Document:
    raw: str
    language: str | None = None
    language_score: float | None = None  # the language ID's probability for `language`, where the input has it
    url: str | None = None
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # per-document memos of signal families

    @cached_property
    def normalized(self) -> str:
        return normalize(self.raw)

    @cached_property
    def words(self) -> list[str]:
        """NW: the normalised words."""
        return self.normalized.split()

    @cached_property
    def raw_words(self) -> list[str]:
        """RW: WordPunct tokens of the raw text."""
        return raw_words(self.raw)

    @cached_property
    def lines(self) -> list[tuple[int, int]]:
        return line_spans(self.raw)

    @cached_property
    def raw_lines(self) -> list[tuple[int, int, str]]:
        """(start, end, text) of each line; the text includes its newline."""
        return [(start, end, self.raw[start:end]) for start, end in self.lines]

    @cached_property
    def normalized_lines(self) -> list[tuple[int, int, str]]:
        """(start, end, normalised text) of each line, with the raw line's offsets."""
        return [(start, end, normalize(text)) for start, end, text in self.raw_lines]

    @cached_property
    def domain(self) -> str | None:
        """CCNet's `source_domain`: the URL's netloc, `www.` and any port kept (cc_net/process_wet_file.py)."""
        if not self.url:
            return None
        try:
            return urlparse(self.url).netloc
        except ValueError:  # e.g. a malformed IPv6 host: no domain to look up
            return None

    def whole(self, score) -> Spans:
        """A document-level signal: one span over the whole raw text."""
        return [[0, len(self.raw), score]]


def rounded(value: float) -> float:
    return round(value, PRECISION)
