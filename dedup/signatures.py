"""MinHash signatures of a batch of documents at once, equal to `dedup.minhash.signature` value for value.

The 128 permutations of every shingle run in one compiled loop over the whole batch (numba); the shingle hashes
are `dedup.minhash.shingle_hashes`. Signatures that `curate signals` wrote (or RedPajama-V2 published) are read
back from their band bytes instead of being computed again."""

import numba
import numpy as np

from dedup.minhash import permutations, shingle_hashes

_A, _B = permutations()
_P = np.uint64((1 << 61) - 1)
_LOW32 = np.uint64((1 << 32) - 1)
_SHIFT = np.uint64(61)


@numba.njit(nogil=True, cache=False)
def _minimum_permuted(hashes, offsets, a, b):  # pragma: no cover - compiled
    """Per document (hashes[offsets[d]:offsets[d + 1]]) the minimum of ((h * a + b) mod 2^64 mod P) & 0xFFFFFFFF."""
    out = np.empty((len(offsets) - 1, len(a)), dtype=np.uint32)
    for d in range(len(offsets) - 1):
        for k in range(len(a)):
            lowest = _LOW32
            for i in range(offsets[d], offsets[d + 1]):
                x = hashes[i] * a[k] + b[k]  # wraps around at 2^64, as datasketch's uint64 arithmetic does
                x = (x & _P) + (x >> _SHIFT)  # x mod (2^61 - 1) without a division: 2^61 = 1 (mod P)
                if x >= _P:
                    x -= _P
                x &= _LOW32
                if x < lowest:
                    lowest = x
            out[d, k] = lowest
    return out


def signatures(normalized: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(signatures as an (n, 128) uint32 array, which documents have one): none below 13 normalised words."""
    hashes = [shingle_hashes(text) for text in normalized]
    present = np.array([len(h) > 0 for h in hashes], dtype=bool)
    offsets = np.zeros(len(hashes) + 1, dtype=np.int64)
    np.cumsum([len(h) for h in hashes], out=offsets[1:])
    flat = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64)
    computed = _minimum_permuted(flat, offsets, _A, _B)
    computed[~present] = 0
    return computed, present


def signature_from_bands(bands: list[bytes] | None) -> np.ndarray | None:
    """The signature held by a `signature_sim{t}` value (its bands' big-endian uint32s in order), or None."""
    if not bands:
        return None
    return np.frombuffer(b"".join(bands), dtype=">u4").astype(np.uint32)

