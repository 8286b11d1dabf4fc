"""Word lists the signals read, in the reference's artifact layout: `stop_words/{lang}.txt`, `bad_words/{lang}.txt`.

The model artifacts (spec §4.2) sit beside them: the UT1 domain table, fastText classifiers and DSIR counts."""

import json
import logging
import os
from collections.abc import Callable
from functools import cache, lru_cache

import numpy as np

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
