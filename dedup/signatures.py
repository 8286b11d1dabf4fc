"""MinHash signatures of a batch of documents at once, equal value for value to `dedup.minhash`'s
(`signature(shingle_hashes(text))`, itself datasketch's legacy scheme as RedPajama-V2 uses it).

One compiled loop (numba) takes the batch's normalised texts as UTF-8 bytes, finds the word 13-grams, hashes
each with SHA-1 (the first 4 digest bytes, little-endian) and keeps the minimum of each of the 128 permutations,
so no shingle or hash array is ever built in Python. Signatures that `curate signals` wrote (or RedPajama-V2
published) are read back from their band bytes instead of being computed again."""

import numba
import numpy as np

from dedup.minhash import NGRAM, permutations

_A, _B = permutations()
_P = np.uint64((1 << 61) - 1)
_LOW32 = np.uint64(0xFFFFFFFF)
_SPACE = 0x20
# SHA-1 (FIPS 180-4 §5.3.1, §6.1): initial state and round constants
_H = np.array([0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0], dtype=np.uint64)
_K = np.array([0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6], dtype=np.uint64)


@numba.njit(inline="always")
def _rotl(x, n):  # pragma: no cover - compiled
    return ((x << np.uint64(n)) | (x >> np.uint64(32 - n))) & _LOW32


@numba.njit(nogil=True, cache=True)
def _sha1_prefix(data, start, end, w):  # pragma: no cover - compiled
    """The first 4 bytes of SHA-1(data[start:end]) read as a little-endian uint32; `w` is scratch (80 uint64)."""
    length = end - start
    padded = ((length + 8) // 64 + 1) * 64
    bits = np.uint64(length) * np.uint64(8)
    h0, h1, h2, h3, h4 = _H[0], _H[1], _H[2], _H[3], _H[4]
    for block in range(0, padded, 64):
        for t in range(16):
            p = block + 4 * t
            if p + 4 <= length:  # a whole word of the message
                q = start + p
                w[t] = ((np.uint64(data[q]) << np.uint64(24)) | (np.uint64(data[q + 1]) << np.uint64(16))
                        | (np.uint64(data[q + 2]) << np.uint64(8)) | np.uint64(data[q + 3]))
                continue
            word = np.uint64(0)
            for k in range(4):  # the end of the message, the 0x80 marker, zeros and the length in bits
                p = block + 4 * t + k
                if p < length:
                    byte = np.uint64(data[start + p])
                elif p == length:
                    byte = np.uint64(0x80)
                elif p >= padded - 8:
                    byte = (bits >> np.uint64(8 * (padded - 1 - p))) & np.uint64(0xFF)
                else:
                    byte = np.uint64(0)
                word = (word << np.uint64(8)) | byte
            w[t] = word
        for t in range(16, 80):
            w[t] = _rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1)
        a, b, c, d, e = h0, h1, h2, h3, h4
        for t in range(80):
            if t < 20:
                f = (b & c) | ((~b) & d)
            elif t < 40 or t >= 60:
                f = b ^ c ^ d
            else:
                f = (b & c) | (b & d) | (c & d)
            temp = (_rotl(a, 5) + (f & _LOW32) + e + _K[t // 20] + w[t]) & _LOW32
            e, d, c, b, a = d, c, _rotl(b, 30), a, temp
        h0, h1 = (h0 + a) & _LOW32, (h1 + b) & _LOW32
        h2, h3, h4 = (h2 + c) & _LOW32, (h3 + d) & _LOW32, (h4 + e) & _LOW32
    # h0 holds the digest's first 4 bytes big-endian; the reference reads them little-endian
    return (((h0 & np.uint64(0xFF)) << np.uint64(24)) | ((h0 & np.uint64(0xFF00)) << np.uint64(8))
            | ((h0 >> np.uint64(8)) & np.uint64(0xFF00)) | (h0 >> np.uint64(24)))


@numba.njit(nogil=True, cache=True)
def _signatures(data, offsets, a, b):  # pragma: no cover - compiled
    """Per document data[offsets[d]:offsets[d + 1]]: the minimum over its 13-grams of
    ((h * a + b) mod 2^64 mod (2^61 - 1)) & 0xFFFFFFFF for each (a, b), and whether it has a 13-gram."""
    count = len(offsets) - 1
    out = np.zeros((count, len(a)), dtype=np.uint32)
    present = np.zeros(count, dtype=np.bool_)
    w = np.empty(80, dtype=np.uint64)
    lowest = np.empty(len(a), dtype=np.uint64)
    for doc in range(count):
        lo, hi = offsets[doc], offsets[doc + 1]
        if hi <= lo:
            continue
        words = 1
        for i in range(lo, hi):
            if data[i] == _SPACE:
                words += 1
        if words < NGRAM:
            continue
        present[doc] = True
        starts, ends = np.empty(words, dtype=np.int64), np.empty(words, dtype=np.int64)
        starts[0], j = lo, 0
        for i in range(lo, hi):
            if data[i] == _SPACE:
                ends[j] = i
                j += 1
                starts[j] = i + 1
        ends[words - 1] = hi
        lowest[:] = _LOW32
        for s in range(words - NGRAM + 1):
            h = _sha1_prefix(data, starts[s], ends[s + NGRAM - 1], w)
            for k in range(len(a)):
                x = h * a[k] + b[k]  # wraps around at 2^64, as datasketch's uint64 arithmetic does
                x = (x & _P) + (x >> np.uint64(61))  # x mod (2^61 - 1) without a division: 2^61 = 1 (mod P)
                if x >= _P:
                    x -= _P
                x &= _LOW32
                if x < lowest[k]:
                    lowest[k] = x
        out[doc] = lowest
    return out, present


def signatures(normalized: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(signatures as an (n, 128) uint32 array, which documents have one): none below 13 normalised words."""
    encoded = [text.encode("utf-8") for text in normalized]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(text) for text in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return _signatures(data, offsets, _A, _B)


def signature_from_bands(bands: list[bytes] | None) -> np.ndarray | None:
    """The signature held by a `signature_sim{t}` value (its bands' big-endian uint32s in order), or None."""
    if not bands:
        return None
    return np.frombuffer(b"".join(bands), dtype=">u4").astype(np.uint32)
