"""Word lists the signals read, in the reference's artifact layout: `stop_words/{lang}.txt`, `bad_words/{lang}.txt`.

CCNet's language models sit in `lm/` as CCNet's lm_sp directory has them (`{lang}.sp.model` and `{lang}.arpa.bin`,
`.arpa` or `.arpa.gz`), with an optional `lm/cutoff.csv` in the format of CCNet's perplexity cutoffs.
The model artifacts sit beside them: the UT1 domain table, fastText classifiers and DSIR counts, where
RedPajama-Data app/src/pipeline.py (`RPSignalJob`, 6d2cee9) reads them under its --artifacts_dir."""

import csv
import glob
import json
import os
from collections.abc import Callable
from functools import cache, lru_cache

import fasttext
import numpy as np

from signals.fasttext_model import check_model
from signals.perplexity import (
    LM_SUFFIXES,
    LanguageModel,
    check_kenlm,
    load_language_model,
    load_pieces,
    missing_model_files,
)

UT1_TABLE = os.path.join("bad_urls", "domain_to_category_id.json")
UT1_CATEGORY_INDEX = os.path.join("bad_urls", "category_index.json")
CLASSIFIER = os.path.join("classifiers", "{language}", "{name}.model.bin")
DSIR_BUCKETS = 10000  # the reference's DSIR_FEATURE_DIM
DSIR_COUNTS = os.path.join("dsir", "{language}", "{dataset}.{language}.{buckets}.counts.npy")
DSIR_LAMBDA = os.path.join("dsir", "{language}", "{dataset}.{language}.lambda.npy")
NPY_MAGIC = b"\x93NUMPY"  # numpy.lib.format.MAGIC_PREFIX
DSIR_SOURCE = "ccnet"  # the dataset name of the web sample the targets are compared with
# The models RedPajama-V2 has per language (RedPajama-Data app/src/prep_artifacts.py and its downloaders, the
# README for wikiref): palm and wikiref for English, wikipedia for the others;
# DSIR counts of books and OpenWebText for English only; classifiers and DSIR for its five languages only.
# One it never has is not reported missing.
ENGLISH_CLASSIFIERS, OTHER_CLASSIFIERS = ("palm", "wikiref"), ("wikipedia",)
ENGLISH_ONLY_DSIR = ("books", "openwebtext")
RPV2_MODEL_LANGUAGES = ("en", "de", "fr", "es", "it")


class BrokenArtifact(ValueError):
    """An artifact file that is there and cannot be read."""



class Artifacts:
    """Looks word lists and model artifacts up under a directory; a missing one gives None (its signals are
    then null) and is remembered, for the caller to report once (`missing`)."""

    def __init__(self, directory: str | None):
        self.directory = directory
        self._missed: set[str] = set()  # paths relative to the directory, looked up and absent

    def missing(self) -> list[str]:
        """The model artifacts looked up and absent, relative to the directory: the file, or its first absent
        folder (`dsir/de/`), sorted. Word lists are not reported (a language without them is common)."""
        return sorted({_absent_part(self.directory, relative) for relative in self._missed})

    def stop_words(self, language: str | None) -> frozenset[str] | None:
        return _word_set(self.directory, "stop_words", language)

    def bad_words(self, language: str | None) -> frozenset[str] | None:
        return _word_set(self.directory, "bad_words", language)

    def language_model(self, language: str | None) -> LanguageModel | None:
        """The language's CCNet SentencePiece + KenLM models (None if absent)."""
        if not self.directory or not language:
            return None
        model = load_language_model(os.path.join(self.directory, "lm"), language)
        if model is None:
            self._missed.update(os.path.join("lm", name)
                                for name in missing_model_files(os.path.join(self.directory, "lm"), language))
        return model

    def perplexity_cutoffs(self) -> dict[str, tuple[float, float]]:
        """Per-language (head, tail) perplexity cutoffs from `lm/cutoff.csv`, if there is one."""
        return _cutoffs(os.path.join(self.directory, "lm", "cutoff.csv")) if self.directory else {}

    def domain_categories(self) -> dict[str, int] | None:
        """UT1: domain -> id of its combination of categories."""
        return self._model(UT1_TABLE, _read_domain_table)

    def classifier(self, language: str | None, name: str):
        """The fastText model `classifiers/{language}/{name}.model.bin`, loaded with fasttext(-predict)."""
        if not language:
            return None
        reference_has = language in RPV2_MODEL_LANGUAGES and name in (
            ENGLISH_CLASSIFIERS if language == "en" else OTHER_CLASSIFIERS)
        return self._model(CLASSIFIER.format(language=language, name=name), _read_fasttext, reference_has)

    def dsir_counts(self, language: str | None, dataset: str) -> np.ndarray | None:
        """The hashed 1- and 2-gram counts of a corpus (DSIR_BUCKETS long)."""
        if not language:
            return None
        relative = DSIR_COUNTS.format(language=language, dataset=dataset, buckets=DSIR_BUCKETS)
        return self._model(relative, _read_counts, _reference_has_dsir(language, dataset))

    def dsir_lambda(self, language: str | None, dataset: str) -> float | None:
        """The mean number of WordPunct tokens of a corpus's documents."""
        if not language:
            return None
        relative = DSIR_LAMBDA.format(language=language, dataset=dataset)
        return self._model(relative, _read_scalar, _reference_has_dsir(language, dataset))

    def _model(self, relative: str, read: Callable, reference_has: bool = True):
        """The artifact at `relative`, or None; a missing one is remembered unless the reference never has it."""
        if not self.directory:
            return None
        found = _artifact(self.directory, relative, read)
        if found is None and reference_has:
            self._missed.add(relative)
        return found


def _reference_has_dsir(language: str, dataset: str) -> bool:
    return language == "en" or (language in RPV2_MODEL_LANGUAGES and dataset not in ENGLISH_ONLY_DSIR)


@cache
def _artifact(directory: str, relative: str, read: Callable):
    """A model artifact read once per process; None if it is missing."""
    path = os.path.join(directory, relative)
    if not os.path.exists(path):
        return None
    try:
        return read(path)
    except (OSError, ValueError) as exc:
        raise BrokenArtifact(f"artifact {path} cannot be read: {_reason(exc, path)}") from exc


@cache
def _absent_part(directory: str, relative: str) -> str:
    """`relative` itself, or its first folder that `directory` lacks (with a trailing /)."""
    parts = relative.split(os.sep)
    for end in range(1, len(parts)):
        if not os.path.isdir(os.path.join(directory, *parts[:end])):
            return "/".join(parts[:end]) + "/"
    return "/".join(parts)


def _read_domain_table(path: str) -> dict[str, int]:
    with open(path, encoding="utf-8") as handle:
        table = json.load(handle)
    if not isinstance(table, dict) or not all(isinstance(value, int) for value in table.values()):
        raise ValueError("not a JSON object of domains and category ids")
    return table


def _read_fasttext(path: str):
    check_model(path)  # a cut or garbage file makes the library allocate what its sizes say, or hang
    return fasttext.load_model(path)


def _read_npy(path: str) -> np.ndarray:
    with open(path, "rb") as handle:
        if handle.read(len(NPY_MAGIC)) != NPY_MAGIC:
            raise ValueError("not a numpy .npy file")
    return np.load(path, allow_pickle=False)


def _read_counts(path: str) -> np.ndarray:
    counts = _read_npy(path)
    if counts.shape != (DSIR_BUCKETS,):
        raise ValueError(f"expected {DSIR_BUCKETS} counts, found shape {counts.shape}")
    return counts


def _read_scalar(path: str) -> float:
    value = _read_npy(path)
    if value.size != 1 or value.dtype.kind not in "iuf":
        raise ValueError(f"expected one number, found shape {value.shape} of {value.dtype}")
    return float(value)


@lru_cache(maxsize=64)
def _word_set(directory: str | None, kind: str, language: str | None) -> frozenset[str] | None:
    if not directory or not language:
        return None
    path = os.path.join(directory, kind, f"{language}.txt")
    return _read_words(path) if os.path.exists(path) else None


def _read_words(path: str) -> frozenset[str]:
    """A word list: one entry a line, UTF-8."""
    try:
        with open(path, encoding="utf-8") as handle:
            return frozenset(line.strip() for line in handle)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc})") from None


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


# what the driver checks before a job: each file of the layout that is there, with what reads it (cheaply for
# the models: fastText's and KenLM's by their structure, SentencePiece's by loading it, which is small)
_CHECKS = (
    (os.path.join("stop_words", "*.txt"), _read_words),
    (os.path.join("bad_words", "*.txt"), _read_words),
    (UT1_TABLE, _read_domain_table),
    (CLASSIFIER.format(language="*", name="*"), check_model),
    (DSIR_COUNTS.format(language="*", dataset="*", buckets=DSIR_BUCKETS), _read_counts),
    (DSIR_LAMBDA.format(language="*", dataset="*"), _read_scalar),
    (os.path.join("lm", "*.sp.model"), load_pieces),
    *((os.path.join("lm", "*" + suffix), check_kenlm) for suffix in LM_SUFFIXES),
    (os.path.join("lm", "cutoff.csv"), _cutoffs),
)


def check_artifacts(directory: str) -> None:
    """Refuse a broken artifacts directory before any work: every file of the layout that is there is read or
    checked as the signals would read it. Raises BrokenArtifact naming the first broken file under `directory`
    as given, and what is wrong with it."""
    if not os.path.isdir(directory):
        raise BrokenArtifact(f"--artifacts {directory}: no such directory")
    for pattern, check in _CHECKS:
        for path in sorted(glob.glob(os.path.join(glob.escape(directory), pattern))):
            try:
                check(path)
            except (OSError, ValueError) as exc:
                raise BrokenArtifact(f"--artifacts {directory}: {os.path.relpath(path, directory)}: "
                                     f"{_reason(exc, path)}") from None


def _reason(exc: Exception, path: str) -> str:
    """What an error says is wrong with `path`, on one line and without the path."""
    return " ".join(str(exc).removeprefix(f"{path}: ").split())
