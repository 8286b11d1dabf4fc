"""Word lists the signals read, in the reference's artifact layout: `stop_words/{lang}.txt`, `bad_words/{lang}.txt`.

CCNet's language models sit in `lm/` as CCNet's lm_sp directory has them (`{lang}.sp.model` and `{lang}.arpa.bin`,
`.arpa` or `.arpa.gz`), with an optional `lm/cutoff.csv` in the format of CCNet's perplexity cutoffs.
The model artifacts (spec §4.2) sit beside them: the UT1 domain table, fastText classifiers and DSIR counts."""

import csv
import json
import logging
import os
from collections.abc import Callable
from functools import cache, lru_cache

import numpy as np

from signals.perplexity import LanguageModel, load_language_model

log = logging.getLogger(__name__)

UT1_TABLE = os.path.join("bad_urls", "domain_to_category_id.json")
UT1_CATEGORY_INDEX = os.path.join("bad_urls", "category_index.json")
CLASSIFIER = os.path.join("classifiers", "{language}", "{name}.model.bin")
DSIR_BUCKETS = 10000  # the reference's DSIR_FEATURE_DIM
DSIR_COUNTS = os.path.join("dsir", "{language}", "{dataset}.{language}.{buckets}.counts.npy")
DSIR_LAMBDA = os.path.join("dsir", "{language}", "{dataset}.{language}.lambda.npy")
DSIR_SOURCE = "ccnet"  # the dataset name of the web sample the targets are compared with



class Artifacts:
    """Looks word lists and model artifacts up under a directory; a missing one gives None (its signals are
    then null)."""

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

    def domain_categories(self) -> dict[str, int] | None:
        """UT1: domain -> id of its combination of categories."""
        return _artifact(self.directory, UT1_TABLE, _read_json)

    def classifier(self, language: str | None, name: str):
        """The fastText model `classifiers/{language}/{name}.model.bin`, loaded with fasttext(-predict)."""
        if not language:
            return None
        return _artifact(self.directory, CLASSIFIER.format(language=language, name=name), _read_fasttext)

    def dsir_counts(self, language: str | None, dataset: str) -> np.ndarray | None:
        """The hashed 1- and 2-gram counts of a corpus (DSIR_BUCKETS long)."""
        if not language:
            return None
        relative = DSIR_COUNTS.format(language=language, dataset=dataset, buckets=DSIR_BUCKETS)
        return _artifact(self.directory, relative, _read_counts)

    def dsir_lambda(self, language: str | None, dataset: str) -> float | None:
        """The mean number of WordPunct tokens of a corpus's documents."""
        if not language:
            return None
        return _artifact(self.directory, DSIR_LAMBDA.format(language=language, dataset=dataset), _read_scalar)


@cache
def _artifact(directory: str | None, relative: str, read: Callable):
    """A model artifact read once per process; a missing one is None, with one warning."""
    if not directory:
        return None
    path = os.path.join(directory, relative)
    if not os.path.exists(path):
        log.warning("artifact %s is missing: the signals that need it are null", path)
        return None
    try:
        return read(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"artifact {path} cannot be read: {exc}") from exc


def _read_json(path: str):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _read_fasttext(path: str):
    import fasttext

    return fasttext.load_model(path)


def _read_counts(path: str) -> np.ndarray:
    counts = np.load(path)
    if counts.shape != (DSIR_BUCKETS,):
        raise ValueError(f"expected {DSIR_BUCKETS} counts, found shape {counts.shape}")
    return counts


def _read_scalar(path: str) -> float:
    return float(np.load(path))


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
