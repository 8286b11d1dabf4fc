"""MinHash as RedPajama-V2 computes it: datasketch's legacy scheme, and the reference's output on real documents."""

import hashlib
import json

import numpy as np
import pytest

from signals.minhash import band_keys, minhash_signatures, permutations, shingle_hashes, signature
from signals.text import normalize
from tests.helpers.minhash_reference import datasketch_signature
from tests.helpers.paths import SHARED


def test_permutations_match_the_reference_checksum():
    a, b = permutations()
    checksum = hashlib.sha256(np.stack([a, b]).tobytes()).hexdigest()  # the reference's (2, 128) array
    # the checksum RedPajama-Data app/src/dedupe/minhash.py computes for seed 42 (`MinHash.checksum`)
    assert checksum == "6a5665743fa1884640a8eb3543348255a90b4dbd55b093f39e3d61ac90eac9e1"


@pytest.mark.parametrize("text", [
    "The quick brown fox jumps over the lazy dog " * 5,
    "“Hello” — World… café naïve don't e-mail " * 6,
    " ".join(f"w{i}" for i in range(400)),
])
def test_signature_equals_datasketch_legacy(text):
    assert np.array_equal(signature(shingle_hashes(normalize(text))), datasketch_signature(text))


def test_fewer_than_13_words_have_no_signature():
    assert minhash_signatures(normalize("one two three four five six seven eight nine ten eleven twelve")) == {
        "signature_sim1.0": None, "signature_sim0.9": None, "signature_sim0.8": None, "signature_sim0.7": None}
    assert all(v is None for v in minhash_signatures("").values())
    assert all(len(v) for v in minhash_signatures(normalize("a b c d e f g h i j k l m")).values())


def test_band_layout():
    sig = np.arange(128, dtype=np.uint32)
    keys = band_keys(sig, 9, 13)
    assert len(keys) == 9 and keys[0] == np.arange(13, dtype=">u4").tobytes() and len(keys[0]) == 52


def test_parity_with_the_reference_output():
    documents = SHARED / "parity" / "public.jsonl"
    if not documents.exists():
        pytest.skip(f"{documents} is absent (it ships beside the repository in CI)")
    expected = {row["id"]: row for row in map(json.loads, (SHARED / "parity" / "public.expected.jsonl").open())}
    for document in map(json.loads, documents.open()):
        got = minhash_signatures(normalize(document["text"]))
        want = expected[document["id"]]["minhash"]
        for column, bands in want.items():
            assert (got[column] is None) == (bands is None), (document["id"], column)
            if bands is not None:
                assert [band.hex() for band in got[column]] == bands, (document["id"], column)
