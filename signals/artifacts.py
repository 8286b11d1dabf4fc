"""Word lists the signals read, in the reference's artifact layout: `stop_words/{lang}.txt`, `bad_words/{lang}.txt`.

CCNet's language models sit in `lm/` as CCNet's lm_sp directory has them (`{lang}.sp.model` and `{lang}.arpa.bin`,
`.arpa` or `.arpa.gz`), with an optional `lm/cutoff.csv` in the format of CCNet's perplexity cutoffs."""

import csv
import os
from functools import lru_cache

from signals.perplexity import LanguageModel, load_language_model


class Artifacts:
    """Looks word lists up under a directory; a missing list gives None (its signals are then null)."""

    def __init__(self, directory: str | None):
        self.directory = directory

    def stop_words(self, language: str | None) -> frozenset[str] | None:
        return _word_set(self.directory, "stop_words", language)

    def bad_words(self, language: str | None) -> frozenset[str] | None:
        return _word_set(self.directory, "bad_words", language)

    def language_model(self, language: str | None) -> LanguageModel | None:
        """The language's CCNet SentencePiece + KenLM models (None, with one warning per language, if absent)."""
        if not self.directory or not language:
            return None
        return load_language_model(os.path.join(self.directory, "lm"), language)

    def perplexity_cutoffs(self) -> dict[str, tuple[float, float]]:
        """Per-language (head, tail) perplexity cutoffs from `lm/cutoff.csv`, if there is one."""
        return _cutoffs(os.path.join(self.directory, "lm", "cutoff.csv")) if self.directory else {}


@lru_cache(maxsize=64)
def _word_set(directory: str | None, kind: str, language: str | None) -> frozenset[str] | None:
    if not directory or not language:
        return None
    path = os.path.join(directory, kind, f"{language}.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle)


@lru_cache(maxsize=8)
def _cutoffs(path: str) -> dict[str, tuple[float, float]]:
    """Rows 30 and 60 of a table in CCNet's cutoff.csv format: a header of languages after an empty first cell,
    then one row per percentile (the percentile first, then each language's perplexity at it)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    try:
        languages, by_percentile = rows[0][1:], {int(row[0]): row[1:] for row in rows[1:] if row}
        head, tail = by_percentile[30], by_percentile[60]
        return {language: (float(h), float(t)) for language, h, t in zip(languages, head, tail, strict=True)}
    except (IndexError, KeyError, ValueError) as exc:
        raise ValueError(f"{path}: not a CCNet cutoff table (a header of languages, rows 30 and 60 of "
                         f"percentile,perplexity...): {exc!r}") from exc
