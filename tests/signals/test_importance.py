"""DSIR importance weights: features, counts and scores as the reference computes them (RedPajama-Data
app/src/core/quality_signals/importance_weights.py, app/src/artifacts/hash_dist.py, 6d2cee9)."""

import gzip
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from signals.artifacts import DSIR_BUCKETS, DSIR_COUNTS, DSIR_LAMBDA, Artifacts
from signals.importance import hash_features
from signals.registry import IMPORTANCE, compute_signals
from signals.text import raw_words
from signals.training.dsir_counts import dsir_counts

# the reference's hash_dist.py / dsir.py loop, run by an interpreter with the seed the reference ran with
REFERENCE_FEATURES = textwrap.dedent("""
    import json, sys
    import numpy as np
    documents = json.load(sys.stdin)
    features = []
    for tokens in documents:
        counts = np.zeros(10000, dtype=np.int64)
        for unigram in tokens:
            counts[int(abs(hash(unigram)) % 10000)] += 1
        for bigram in zip(tokens, tokens[1:]):
            counts[int(abs(hash(bigram)) % 10000)] += 1
        features.append({int(i): int(counts[i]) for i in np.flatnonzero(counts)})
    print(json.dumps(features))
""")


def reference_features(token_lists: list[list[str]]) -> list[np.ndarray]:
    done = subprocess.run([sys.executable, "-c", REFERENCE_FEATURES], input=json.dumps(token_lists), text=True,
                          capture_output=True, env={**os.environ, "PYTHONHASHSEED": "42"}, check=True)
    dense = []
    for sparse in json.loads(done.stdout):
        counts = np.zeros(DSIR_BUCKETS, np.int64)
        counts[[int(i) for i in sparse]] = list(sparse.values())
        dense.append(counts)
    return dense


@pytest.fixture(scope="module")
def web_texts(shared_data) -> list[str]:
    path = shared_data / "cc" / "dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    return [json.loads(line)["text"] for line in gzip.open(path, "rt", encoding="utf-8")]


def write_dsir(directory, language: str, dataset: str, counts: np.ndarray, mean_words: float) -> None:
    counts_path = directory / DSIR_COUNTS.format(language=language, dataset=dataset, buckets=DSIR_BUCKETS)
    counts_path.parent.mkdir(parents=True, exist_ok=True)
    np.save(counts_path, counts)
    np.save(directory / DSIR_LAMBDA.format(language=language, dataset=dataset), np.float64(mean_words))


def test_features_and_counts_equal_the_reference_under_seed_42(web_texts):
    texts = web_texts[:60] + ["", "one", "Hello, world.", "Привет мир, hello"]
    tokens = [raw_words(text) for text in texts]
    expected = reference_features(tokens)
    for text_tokens, reference in zip(tokens, expected, strict=True):
        assert np.array_equal(hash_features(text_tokens), reference)
    counts, mean_words, documents = dsir_counts(texts)
    assert np.array_equal(counts, np.sum(expected, axis=0))
    assert (mean_words, documents) == (sum(map(len, tokens)) / len(texts), len(texts))


@pytest.fixture
def dsir_artifacts(tmp_path, web_texts):
    """Counts for `ccnet` (half the web sample) and `wikipedia` (the other half, standing in for a target)."""
    for dataset, texts in (("ccnet", web_texts[::2]), ("wikipedia", web_texts[1::2])):
        counts, mean_words, _ = dsir_counts(texts)
        write_dsir(tmp_path, "en", dataset, counts, mean_words)
    return tmp_path


def test_importance_is_the_rounded_log_likelihood_ratio(dsir_artifacts, web_texts):
    target = np.load(dsir_artifacts / "dsir/en/wikipedia.en.10000.counts.npy")
    source = np.load(dsir_artifacts / "dsir/en/ccnet.en.10000.counts.npy")
    log_ratio = np.log(target / target.sum() + 1e-8) - np.log(source / source.sum() + 1e-8)
    artifacts = Artifacts(str(dsir_artifacts))
    texts = web_texts[100:110]
    for text, features in zip(texts, reference_features([raw_words(t) for t in texts]), strict=True):
        got = compute_signals(text, "en", artifacts, IMPORTANCE)
        assert got["rps_doc_wikipedia_importance"] == [[0, len(text), round(float(np.inner(features, log_ratio)), 8)]]


def test_length_correction_is_scipys_poisson_term(dsir_artifacts, web_texts):
    poisson = pytest.importorskip("scipy.stats").poisson
    artifacts = Artifacts(str(dsir_artifacts))
    target_lambda = float(np.load(dsir_artifacts / "dsir/en/wikipedia.en.lambda.npy"))
    source_lambda = float(np.load(dsir_artifacts / "dsir/en/ccnet.en.lambda.npy"))
    # lengths around the lambdas, where the (unit-mixing) correction is not 0
    for length in (1, 300, int(target_lambda), int(source_lambda) + 7, 2000):
        text = (" ".join(web_texts) * 2)[:length]
        got = compute_signals(text, "en", artifacts, IMPORTANCE)
        plain = got["rps_doc_wikipedia_importance"][0][2]
        corrected = got["rps_doc_wikipedia_importance_length_correction"][0][2]
        correction = (np.log(poisson.pmf(length, target_lambda) + 1e-8)
                      - np.log(poisson.pmf(length, source_lambda) + 1e-8))
        assert corrected == pytest.approx(plain + correction, abs=2e-8)


def test_length_correction_mixes_units_as_the_reference(tmp_path, web_texts):
    # the reference's `Base_Importance.__add_length_penalty` run with lambda_t = 600, lambda_s = 450 tokens:
    # L = 3000 characters gives 0.0, L = 700 gives +6.3
    counts, _, _ = dsir_counts(web_texts[:50])
    write_dsir(tmp_path, "en", "books", counts, 600.0)
    write_dsir(tmp_path, "en", "ccnet", counts, 450.0)
    artifacts = Artifacts(str(tmp_path))
    text = " ".join(web_texts)
    for length, correction in ((3000, 0.0), (700, 6.3)):
        got = compute_signals(text[:length], "en", artifacts, IMPORTANCE)
        plain = got["rps_doc_books_importance"][0][2]
        assert got["rps_doc_books_importance_length_correction"][0][2] - plain == pytest.approx(correction, abs=0.05)


def test_missing_counts_empty_documents_and_other_languages_are_null(dsir_artifacts):
    artifacts = Artifacts(str(dsir_artifacts))
    for _ in range(3):
        got = compute_signals("Some text here.", "en", artifacts, IMPORTANCE)
    assert got["rps_doc_wikipedia_importance"][0][2] is not None
    for name in ("rps_doc_books_importance", "rps_doc_openwebtext_importance_length_correction"):
        assert got[name] == [[0, 15, None]]  # no books or OpenWebText counts were built
    assert artifacts.missing() == ["dsir/en/books.en.10000.counts.npy", "dsir/en/openwebtext.en.10000.counts.npy"]
    assert all(spans == [[0, 0, None]] for spans in compute_signals("", "en", artifacts, IMPORTANCE).values())
    (dsir_artifacts / "dsir" / "fr").mkdir()
    assert all(spans[0][2] is None for spans in compute_signals("Du texte.", "fr", artifacts, IMPORTANCE).values())
    # French has wikipedia counts in RedPajama-V2, not books or OpenWebText ones (their downloaders skip it)
    assert [name for name in artifacts.missing() if "/fr/" in name] == [
        "dsir/fr/ccnet.fr.10000.counts.npy", "dsir/fr/wikipedia.fr.10000.counts.npy"]
    assert all(spans[0][2] is None for spans in compute_signals("Text.", "en", Artifacts(None), IMPORTANCE).values())
