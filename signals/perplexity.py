"""CCNet's document perplexity: CCNet normalisation, SentencePiece pieces, a KenLM model per language.

Source: facebookresearch/cc_net. In cc_net/mine.py the `sp` step (perplexity.MultiSentencePiece, normalize=True)
normalises the whole document and joins its pieces with spaces; the `lm` step (perplexity.DocLM, normalize=False)
scores each "\\n"-separated line of that with `model.score(line)` (sentence boundaries on), counts
`len(line.split()) + 1` tokens per line and gives `round(10 ** (-sum of scores / sum of counts), 1)`. The
normalisation deletes newlines, so the pieces make one line. A document whose pieces are empty gets no perplexity.
Models sit in one directory as CCNet's lm_sp: `{lang}.sp.model` and `{lang}.arpa.bin` (or `.arpa`, `.arpa.gz`)."""

import os
from functools import cache

from signals.ccnet_text import normalize

LM_SUFFIXES = (".arpa.bin", ".arpa", ".arpa.gz")  # KenLM binary first (CCNet's), then ARPA, plain or gzipped


class LanguageModel:
    """One language's SentencePiece and KenLM models."""

    def __init__(self, pieces_path: str, lm_path: str):
        # imported here: the other signals work where kenlm (built from source at install) could not be built
        import kenlm
        import sentencepiece

        try:
            self.pieces = sentencepiece.SentencePieceProcessor(model_file=pieces_path)
        except (OSError, RuntimeError) as exc:
            raise ValueError(f"{pieces_path}: cannot be loaded as a SentencePiece model: {exc}") from exc
        config = kenlm.Config()
        config.show_progress = False
        try:
            self.lm = kenlm.Model(lm_path, config)
        except (OSError, RuntimeError) as exc:
            raise ValueError(f"{lm_path}: cannot be loaded as a KenLM model: {exc}") from exc

    def tokenize(self, text: str) -> str:
        """The CCNet-normalised text as SentencePiece pieces joined by spaces."""
        return " ".join(self.pieces.encode_as_pieces(normalize(text)))

    def perplexity(self, text: str) -> float | None:
        """CCNet's perplexity of a document, or None when it has no pieces."""
        return tokenized_perplexity(self.lm, self.tokenize(text))


def tokenized_perplexity(lm, tokenized: str) -> float | None:
    """CCNet DocLM's perplexity of a line of space-separated tokens under a KenLM model (None for no tokens)."""
    if not tokenized:
        return None
    return round(10.0 ** (-lm.score(tokenized) / (len(tokenized.split()) + 1)), 1)


def model_files(directory: str, language: str) -> tuple[str | None, str | None]:
    """The SentencePiece model and the KenLM model of `language` in `directory` (None where absent).

    A language is a file name's stem: one with a path separator or a leading dot (from the input's data) has none."""
    if not _is_file_stem(language):
        return None, None
    pieces = os.path.join(directory, f"{language}.sp.model")
    lms = (os.path.join(directory, language + suffix) for suffix in LM_SUFFIXES)
    return (pieces if os.path.isfile(pieces) else None), next((p for p in lms if os.path.isfile(p)), None)


def _is_file_stem(language: str) -> bool:
    return os.path.basename(language) == language and not language.startswith(".")


@cache
def load_language_model(directory: str, language: str) -> LanguageModel | None:
    """The language's models from `directory`, loaded once per process; None when either is absent."""
    pieces, lm = model_files(directory, language)
    if pieces is None or lm is None:
        return None
    return LanguageModel(pieces, lm)


@cache
def missing_model_files(directory: str, language: str) -> tuple[str, ...]:
    """The names of `language`'s model files that `directory` lacks (none for a language that names no file)."""
    if not _is_file_stem(language):
        return ()
    pieces, lm = model_files(directory, language)
    return tuple(name for name, path in ((f"{language}.sp.model", pieces), (language + "|".join(LM_SUFFIXES), lm))
                 if path is None)
