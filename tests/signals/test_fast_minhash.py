"""The compiled MinHash: SHA-1 prefixes as hashlib gives them, signatures as datasketch's legacy scheme gives them."""

import hashlib
import random
import struct

import numpy as np
import pytest

from signals.fast.minhash import LANES, shingle_hashes, signature
from signals.minhash import PERMUTATIONS
from signals.text import normalize, normalized_words
from tests.helpers.minhash_reference import datasketch_signature


def test_sha1_prefixes_equal_hashlib_across_block_boundaries():
    rng = random.Random(11)
    # every length up to three blocks (padding fits at 55, not at 56), and more messages than lanes
    messages = [bytes(rng.randrange(256) for _ in range(length)) for length in range(200)]
    messages += [rng.randbytes(rng.randrange(2000)) for _ in range(3 * LANES)]
    data = np.frombuffer(b"".join(messages), dtype=np.uint8)
    ends = np.cumsum([len(m) for m in messages]).astype(np.int64)
    got = shingle_hashes(data, ends - [len(m) for m in messages], ends)
    assert got.tolist() == [struct.unpack("<I", hashlib.sha1(m).digest()[:4])[0] for m in messages]


@pytest.mark.parametrize("text", [
    "The quick brown fox jumps over the lazy dog " * 5,
    "“Hello” — World… café naïve don't e-mail " * 6,
    " ".join(f"w{i}" for i in range(400)),
    "Ελληνικά ΟΔΟΣ κείμενο 😀 " * 10,
])
def test_signature_equals_datasketch_legacy(text):
    reference = datasketch_signature(text)
    words = normalized_words(text)
    utf8 = normalize(text).encode("utf-8")
    starts = np.cumsum([0] + [len(w.encode("utf-8")) + 1 for w in words[:-1]]).astype(np.int64)
    ends = starts + [len(w.encode("utf-8")) for w in words]
    out = np.zeros(128, dtype=np.uint32)
    assert signature(np.frombuffer(utf8, dtype=np.uint8), starts, ends, *PERMUTATIONS, out)
    assert np.array_equal(out, reference)


def test_fewer_than_13_words_have_no_signature():
    out = np.zeros(128, dtype=np.uint32)
    words = np.arange(12, dtype=np.int64) * 2
    assert not signature(np.full(24, ord("a"), dtype=np.uint8), words, words + 1, *PERMUTATIONS, out)
    assert not out.any()
