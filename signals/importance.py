"""DSIR importance weights: how much likelier a document's hashed word 1- and 2-grams are under a
target corpus (Wikipedia, books, OpenWebText) than under the web sample (`ccnet`).

Features are counts over DSIR_BUCKETS buckets of `abs(hash(token)) % B` for each WordPunct token and of
`abs(hash((a, b))) % B` for each pair of consecutive tokens, with CPython 3.11's hash under PYTHONHASHSEED=42
(`signals.cpython_hash`), so the values match artifacts built by the reference.
Source: RedPajama-Data app/src/core/quality_signals/importance_weights.py and utils/dsir.py beside it (6d2cee9)."""

import math
from functools import cache

import numpy as np

from signals.artifacts import DSIR_BUCKETS, DSIR_SOURCE, Artifacts
from signals.cpython_hash import buckets, pair_hashes, str_hashes
from signals.document import Document, Spans, rounded

TARGETS = ("wikipedia", "books", "openwebtext")


def hash_features(raw_words: list[str], size: int = DSIR_BUCKETS) -> np.ndarray:
    """Counts of the hash buckets of the tokens and of the consecutive token pairs (int64, `size` long)."""
    hashes = str_hashes(raw_words)
    return np.bincount(buckets(np.concatenate([hashes, pair_hashes(hashes[:-1], hashes[1:])]), size), minlength=size)


def importance(doc: Document, artifacts: Artifacts, dataset: str) -> Spans:
    """Log-likelihood ratio of the document's features under `dataset` against the web sample."""
    log_ratio = _log_ratio(artifacts, doc.language, dataset)
    if log_ratio is None or not doc.raw:
        return doc.whole(None)
    return doc.whole(rounded(_score(doc, log_ratio)))


def importance_length_correction(doc: Document, artifacts: Artifacts, dataset: str) -> Spans:
    """The importance plus log(Poisson(L; lambda_target) / Poisson(L; lambda_web)).

    The reference's bug is kept: lambda is a mean count of tokens (app/src/artifacts/hash_dist.py) while L
    counts characters (`Base_Importance.__add_length_penalty`), so both probabilities underflow to 0 and the
    correction to exactly 0 unless L is close to lambda."""
    log_ratio = _log_ratio(artifacts, doc.language, dataset)
    if log_ratio is None or not doc.raw:
        return doc.whole(None)
    target_lambda = artifacts.dsir_lambda(doc.language, dataset)
    source_lambda = artifacts.dsir_lambda(doc.language, DSIR_SOURCE)
    if target_lambda is None or source_lambda is None:
        return doc.whole(None)
    length = len(doc.raw)
    correction = (np.log(_poisson_pmf(length, target_lambda) + 1e-8)
                  - np.log(_poisson_pmf(length, source_lambda) + 1e-8))
    return doc.whole(rounded(_score(doc, log_ratio) + float(correction)))


def _poisson_pmf(k: int, mu: float) -> float:
    """The Poisson pmf as scipy.stats.poisson computes it: exp(xlogy(k, mu) - gammaln(k + 1) - mu)."""
    if mu <= 0:
        return float(k == 0)
    return math.exp((k * math.log(mu) if k else 0.0) - math.lgamma(k + 1) - mu)


def _score(doc: Document, log_ratio: np.ndarray) -> float:
    if "dsir_features" not in doc.cache:
        doc.cache["dsir_features"] = hash_features(doc.raw_words)
    return float(np.inner(doc.cache["dsir_features"], log_ratio))


def _log_ratio(artifacts: Artifacts, language: str | None, dataset: str) -> np.ndarray | None:
    """ln(p_target + 1e-8) - ln(p_web + 1e-8) per bucket, or None when either count file is missing (looked up
    through `artifacts`, which notes which)."""
    target, source = artifacts.dsir_counts(language, dataset), artifacts.dsir_counts(language, DSIR_SOURCE)
    if target is None or source is None:
        return None
    return _cached_log_ratio(artifacts.directory, language, dataset)


@cache
def _cached_log_ratio(directory: str, language: str, dataset: str) -> np.ndarray:
    artifacts = Artifacts(directory)
    target, source = artifacts.dsir_counts(language, dataset), artifacts.dsir_counts(language, DSIR_SOURCE)
    return np.log(target / target.sum() + 1e-8) - np.log(source / source.sum() + 1e-8)
