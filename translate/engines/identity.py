"""The identity engine: every segment comes back as it went in. It checks the plumbing (the output equals the input
byte for byte) and counts tokens for cost estimates: words, or a SentencePiece model's pieces with `spm=PATH`."""

from dataclasses import dataclass, field
from typing import ClassVar

from translate.engines.base import Engine, EngineError, Translation, take_options, whitespace_tokens
from translate.engines.tokens import piece_counter

DEFAULTS = {"spm": None, "max_segment_tokens": 256}


@dataclass
class IdentityEngine(Engine):
    name: ClassVar[str] = "identity"
    translates: ClassVar[bool] = False
    options: dict
    counter: object = field(default=whitespace_tokens, repr=False)

    def settings(self) -> dict:
        return dict(self.options)

    def count_tokens(self, text: str) -> int:
        return self.counter(text)

    def translate(self, segments: list[str], source: str, target: str) -> list[Translation]:
        return [Translation(text, "ok", self.count_tokens(text)) for text in segments]


def load(model: str | None, options: dict) -> IdentityEngine:
    if model is not None:
        raise EngineError(f"engine identity takes no model (got {model!r})")
    options = take_options(options, DEFAULTS, "identity")
    counter = whitespace_tokens if options["spm"] is None else piece_counter(options["spm"])
    return IdentityEngine(options, counter)
