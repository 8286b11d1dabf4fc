"""CCNet's document perplexity: CCNet normalisation, SentencePiece pieces, a KenLM model per language.

Source: facebookresearch/cc_net. In cc_net/mine.py the `sp` step (perplexity.MultiSentencePiece, normalize=True)
normalises the whole document and joins its pieces with spaces; the `lm` step (perplexity.DocLM, normalize=False)
scores each "\\n"-separated line of that with `model.score(line)` (sentence boundaries on), counts
`len(line.split()) + 1` tokens per line and gives `round(10 ** (-sum of scores / sum of counts), 1)`. The
normalisation deletes newlines, so the pieces make one line. A document whose pieces are empty gets no perplexity.
Models sit in one directory as CCNet's lm_sp: `{lang}.sp.model` and `{lang}.arpa.bin` (or `.arpa`, `.arpa.gz`)."""

import gzip
import os
from functools import cache

import sentencepiece

from signals.ccnet_text import normalize

LM_SUFFIXES = (".arpa.bin", ".arpa", ".arpa.gz")  # KenLM binary first (CCNet's), then ARPA, plain or gzipped
KENLM_BINARY = b"mmap lm http://kheafield.com/code"  # how KenLM's binary files begin (lm/binary_format.cc)


class LanguageModel:
    """One language's SentencePiece and KenLM models."""

    def __init__(self, pieces_path: str, lm_path: str):
        self.pieces = load_pieces(pieces_path)
        self.lm = load_kenlm(lm_path)

    def tokenize(self, text: str) -> str:
        """The CCNet-normalised text as SentencePiece pieces joined by spaces."""
        return " ".join(self.pieces.encode_as_pieces(normalize(text)))

    def perplexity(self, text: str) -> float | None:
        """CCNet's perplexity of a document, or None when it has no pieces."""
        return tokenized_perplexity(self.lm, self.tokenize(text))


def load_pieces(path: str):
    """A SentencePiece model (ValueError naming the file if it is none)."""
    try:
        return sentencepiece.SentencePieceProcessor(model_file=path)
    except (OSError, RuntimeError) as exc:
        raise ValueError(f"{path}: cannot be loaded as a SentencePiece model: {exc}") from exc


def load_kenlm(path: str, lazy: bool = False):
    """A KenLM model (ValueError naming the file if it is none). `lazy`: a binary one is mapped, not read, so
    loading it costs only KenLM's checks of its header and size."""
    # imported here: the other signals work where kenlm (built from source at install) could not be built
    import kenlm

    config = kenlm.Config()
    config.show_progress = False
    if lazy:
        config.load_method = kenlm.LoadMethod.LAZY
    try:
        return kenlm.Model(path, config)
    except (OSError, RuntimeError) as exc:
        raise ValueError(f"{path}: cannot be loaded as a KenLM model: {exc}") from exc


def check_kenlm(path: str) -> None:
    """Refuse a file that is no KenLM model, cheaply: a binary one by KenLM's own checks of its header and size
    (mapped, not read); an ARPA one by its `\\data\\` header and, uncompressed, its closing `\\end\\`
    (a gzipped one is not read through)."""
    with open(path, "rb") as handle:
        if handle.read(len(KENLM_BINARY)) == KENLM_BINARY:
            load_kenlm(path, lazy=True)
            return
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            first = next((line.strip() for line in handle if line.strip()), b"")
            counts = handle.readline().strip()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot be read: {exc}") from exc
    if first != b"\\data\\" or not counts.startswith(b"ngram 1="):
        raise ValueError(f"{path}: neither a KenLM binary nor an ARPA model (no \\data\\ header and n-gram "
                         "counts)")
    if not path.endswith(".gz") and _last_line(path) != b"\\end\\":
        raise ValueError(f"{path}: an ARPA model cut short (it does not end with \\end\\)")


def _last_line(path: str, tail: int = 4096) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(max(0, os.fstat(handle.fileno()).st_size - tail))
        lines = handle.read().split(b"\n")
    return next((line.strip() for line in reversed(lines) if line.strip()), b"")


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
