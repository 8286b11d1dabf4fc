"""Banding, bucket keys, batch signatures and the similarity a verified edge must show."""

import json

import numpy as np
import pytest

from dedup.lsh import band_buckets, candidate_banding, candidate_probability, estimated_jaccard, jaccard, rpv2_banding
from dedup.signatures import signature_from_bands, signatures
from signals.minhash import minhash_signatures, shingle_hashes, signature
from signals.text import normalize
from tests.helpers.near_duplicates import CorpusShape, near_duplicate_corpus
from tests.helpers.paths import SHARED


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9, 0.95])
def test_candidate_banding_finds_pairs_at_the_threshold(threshold):
    bands, rows = candidate_banding(threshold)
    assert bands * rows <= 128
    assert candidate_probability(threshold, bands, rows) >= 0.99
    # one row more per band would miss the recall target: the banding admits no more candidates than it must
    assert rows == 128 or candidate_probability(threshold, 128 // (rows + 1), rows + 1) < 0.99


def test_candidate_banding_beats_redpajama_bands_on_recall():
    # RedPajama-V2's 9 bands of 13 rows find a pair at Jaccard 0.85 only about 69% of the time
    assert candidate_probability(0.85, *rpv2_banding(0.8)) < 0.7
    assert candidate_probability(0.85, *candidate_banding(0.8)) > 0.999


def test_rpv2_banding_exists_only_for_its_four_thresholds():
    assert [rpv2_banding(t) for t in (1.0, 0.9, 0.8, 0.7)] == [(1, 128), (5, 25), (9, 13), (14, 9)]
    with pytest.raises(ValueError, match="0.85"):
        rpv2_banding(0.85)
    with pytest.raises(ValueError):
        candidate_banding(0.0)


def test_band_buckets_are_equal_exactly_when_the_band_is():
    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, size=(4, 128), dtype=np.uint64).astype(np.uint32)
    sigs[1] = sigs[0]
    sigs[2, :6] = sigs[0, :6]  # shares only the first band of 6 rows
    buckets = band_buckets(sigs, 21, 6)
    assert buckets.shape == (4, 21) and buckets.dtype == np.int64
    assert (buckets[0] == buckets[1]).all()
    assert buckets[0, 0] == buckets[2, 0] and not (buckets[0, 1:] == buckets[2, 1:]).any()
    assert len(set(buckets[3].tolist()) | set(buckets[0].tolist())) == 42  # no collisions between bands
    assert (band_buckets(sigs, 21, 6, salt=1) != buckets).all()  # another scheme, other buckets


def test_batch_signatures_equal_the_reference_signatures():
    texts = [normalize(doc["text"]) for doc in near_duplicate_corpus(CorpusShape(families=5, unrelated=20))]
    texts += ["", "one two three", " ".join(f"w{i}" for i in range(13)), normalize("“Hello” — World… café naïve " * 9),
              normalize("東京 の 天気 は 晴れ です " * 4 + "😀 " * 70)]  # multi-byte UTF-8, shingles over 64 bytes
    computed, present = signatures(texts)
    for text, row, ok in zip(texts, computed, present, strict=True):
        hashes = shingle_hashes(text)
        assert ok == (len(hashes) > 0)
        if ok:
            assert np.array_equal(row, signature(hashes))
            assert np.array_equal(signature_from_bands(minhash_signatures(text)["signature_sim1.0"]), row)
    assert signature_from_bands(None) is None


def test_estimated_jaccard_is_close_to_the_exact_one():
    documents = near_duplicate_corpus(CorpusShape(families=20, copies=3, unrelated=0, words=1000))
    texts = [normalize(doc["text"]) for doc in documents]
    sigs, _ = signatures(texts)
    errors = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if documents[i]["family"] == documents[j]["family"]:
                errors.append(estimated_jaccard(sigs[i:i + 1], sigs[j:j + 1])[0] - jaccard(texts[i], texts[j]))
    # 128 permutations: standard error at most 0.5 / sqrt(128) = 0.044
    assert abs(np.mean(errors)) < 0.02 and np.std(errors) < 0.045


def test_exact_jaccard_of_13_gram_sets():
    words = [f"w{i}" for i in range(26)]
    assert jaccard(" ".join(words), " ".join(words)) == 1.0
    assert jaccard(" ".join(words), " ".join(words[:13] + ["x"] + words[14:])) == pytest.approx(1 / 27)
    assert jaccard(" ".join(words), " ".join(words[:-1] + ["x"])) == pytest.approx(13 / 15)
    assert jaccard("too short", "too short") == 0.0


def test_batch_signatures_equal_the_reference_output_on_real_documents():
    documents = SHARED / "parity" / "public.jsonl"
    if not documents.exists():
        pytest.skip(f"{documents} is absent (it ships beside the repository in CI)")
    expected = {row["id"]: row["minhash"]["signature_sim1.0"]
                for row in map(json.loads, (SHARED / "parity" / "public.expected.jsonl").open())}
    rows = [json.loads(line) for line in documents.open()]
    computed, present = signatures([normalize(row["text"]) for row in rows])
    for row, values, ok in zip(rows, computed, present, strict=True):
        want = expected[row["id"]]
        assert ok == (want is not None), row["id"]
        if ok:
            assert values.astype(">u4").tobytes().hex() == want[0], row["id"]
