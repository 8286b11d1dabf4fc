"""MinHash signatures and LSH band keys exactly as RedPajama-V2 computes them, the readable version.

Word 13-grams of the normalised words, a 32-bit SHA-1 prefix per shingle, 128 permutations drawn with
numpy's RandomState(42): bit-identical to datasketch.MinHash(num_perm=128, seed=42, scheme="legacy").
`signals.fast.minhash` computes the same values in compiled code, for the signals' batch pass and for dedup.
Source: RedPajama-Data app/src/dedupe/minhash.py, app/src/dedupe/utils.py (6d2cee9)."""

import hashlib

import numpy as np

NGRAM = 13
NUM_PERM = 128
SEED = 42
MERSENNE_PRIME = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)

# (bands, rows) per similarity threshold: datasketch's _optimal_param(t, 128) with equal false-positive and
# false-negative weights, as RedPajama-V2 uses them (RedPajama-Data app/src/dedupe/utils.py, `optimal_param`).
BANDS = {"1.0": (1, 128), "0.9": (5, 25), "0.8": (9, 13), "0.7": (14, 9)}
SIGNATURE_COLUMNS = tuple(f"signature_sim{threshold}" for threshold in BANDS)


def permutations(num_perm: int = NUM_PERM, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) permutation parameters, drawn interleaved as datasketch's legacy scheme draws them."""
    generator = np.random.RandomState(seed)
    pairs = np.array(
        [(generator.randint(1, MERSENNE_PRIME, dtype=np.uint64), generator.randint(0, MERSENNE_PRIME, dtype=np.uint64))
         for _ in range(num_perm)],
        dtype=np.uint64,
    )
    return pairs[:, 0].copy(), pairs[:, 1].copy()


PERMUTATIONS = permutations()


def shingle_hashes(normalized: str) -> np.ndarray:
    """32-bit SHA-1 prefixes (little-endian) of the word 13-grams of a normalised text.

    The normalised text has exactly one space between words, so each shingle is a slice of its UTF-8 bytes.
    Repeated shingles are kept: they cannot change a minimum."""
    data = normalized.encode("utf-8")
    spaces = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x20)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [len(data)]))
    count = len(starts) - NGRAM + 1
    if not data or count <= 0:
        return np.empty(0, dtype=np.uint64)
    sha1 = hashlib.sha1
    digests = b"".join([sha1(data[s:e]).digest()
                        for s, e in zip(starts[:count].tolist(), ends[NGRAM - 1:].tolist(), strict=True)])
    # the first 4 of each 20 digest bytes, read as little-endian uint32 all at once
    prefixes = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 20)[:, :4].copy()
    return prefixes.view("<u4").reshape(-1).astype(np.uint64)


def signature(hashes: np.ndarray) -> np.ndarray:
    """The 128 minimum permuted hashes (uint32); uint64 products wrap around as in datasketch."""
    a, b = PERMUTATIONS
    permuted = ((hashes[:, None] * a[None, :] + b[None, :]) % MERSENNE_PRIME) & MAX_HASH
    return permuted.min(axis=0).astype(np.uint32)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """Each band's `rows` values as big-endian uint32 bytes, bands in order."""
    return [sig[i * rows:(i + 1) * rows].astype(">u4").tobytes() for i in range(bands)]


def minhash_signatures(normalized: str) -> dict[str, list[bytes] | None]:
    """The four `signature_sim{t}` columns of a document; all None below 13 normalised words."""
    hashes = shingle_hashes(normalized)
    if len(hashes) == 0:
        return dict.fromkeys(SIGNATURE_COLUMNS)
    sig = signature(hashes)
    return {f"signature_sim{t}": band_keys(sig, b, r) for t, (b, r) in BANDS.items()}
