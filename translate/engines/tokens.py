"""SentencePiece models: text to pieces and back, and a token counter, shared by the engines."""

from collections.abc import Callable
from pathlib import Path

import sentencepiece

from translate.engines.base import EngineError


def load_spm(path: str) -> sentencepiece.SentencePieceProcessor:
    if not Path(path).is_file():
        raise EngineError(f"{path}: no SentencePiece model there")
    try:
        return sentencepiece.SentencePieceProcessor(model_file=str(path))
    except (OSError, RuntimeError) as exc:
        raise EngineError(f"{path}: not a SentencePiece model ({exc})") from None


def piece_counter(path: str) -> Callable[[str], int]:
    """The number of pieces the SentencePiece model at `path` cuts a text into."""
    processor = load_spm(path)
    return lambda text: len(processor.encode(text))
