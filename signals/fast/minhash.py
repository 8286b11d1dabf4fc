"""MinHash signatures in compiled loops: the same values as `signals.minhash`, for the signals' batch
pass and for dedup, whichever permutations (a, b) the caller passes.

Each shingle (13 words of the normalised text, a slice of its UTF-8 bytes) is hashed with SHA-1, written out here
after FIPS 180-4 §6.1 and run on 64 shingles side by side so that the compiler turns each step into vector
instructions (one hashlib call per shingle costs more than the hashing itself); the digest's first 4 bytes are
read little-endian. The 128 permutations reduce modulo the Mersenne prime 2**61 - 1 with shifts and masks."""

import numpy as np

from signals.jit import compiled
from signals.minhash import MAX_HASH, MERSENNE_PRIME, NGRAM

LANES = 64
_SPACE = 0x20
_START = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)


@compiled
def _big_endian_words(data: np.ndarray) -> np.ndarray:
    """words[i]: the bytes data[i:i + 4] as a big-endian integer (zeros past the end)."""
    words = np.zeros(len(data) + 4, dtype=np.uint32)
    for i in range(len(data)):
        byte = np.uint32(data[i])
        words[i] |= byte << 24
        if i >= 1:
            words[i - 1] |= byte << 16
        if i >= 2:
            words[i - 2] |= byte << 8
        if i >= 3:
            words[i - 3] |= byte
    return words


@compiled
def shingle_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The first 4 bytes of SHA-1(data[starts[i]:ends[i]]), read little-endian, for every i (uint32)."""
    count = len(starts)
    words = _big_endian_words(data)
    blocks = np.zeros(LANES, dtype=np.int64)
    w = np.zeros((80, LANES), dtype=np.uint32)
    state = np.empty((5, LANES), dtype=np.uint32)
    a, b, c = np.empty(LANES, dtype=np.uint32), np.empty(LANES, dtype=np.uint32), np.empty(LANES, dtype=np.uint32)
    d, e = np.empty(LANES, dtype=np.uint32), np.empty(LANES, dtype=np.uint32)
    out = np.empty(count, dtype=np.uint32)
    for first in range(0, count, LANES):
        lanes = min(LANES, count - first)
        most = 0
        for lane in range(LANES):
            blocks[lane] = (ends[first + lane] - starts[first + lane] + 8) // 64 + 1 if lane < lanes else 0
            most = max(most, blocks[lane])
        for i in range(5):
            state[i, :] = _START[i]
        for j in range(most):
            for lane in range(lanes):  # the padded message (FIPS 180-4 §5.1.1): data, a 1 bit, 0s, length in bits
                start, length, last = starts[first + lane], ends[first + lane] - starts[first + lane], blocks[lane]
                for t in range(16):
                    q = 64 * j + 4 * t
                    if q + 4 <= length:
                        word = words[start + q]
                    elif q == 64 * last - 4:
                        word = np.uint32((length * 8) & 0xFFFFFFFF)
                    elif q == 64 * last - 8:
                        word = np.uint32((length * 8) >> 32)
                    elif q > length:
                        word = np.uint32(0)
                    else:  # 0 to 3 bytes of data, then the 1 bit
                        rest = length - q
                        word = np.uint32(0x80) << np.uint32(24 - 8 * rest)
                        if rest:
                            word |= words[start + q] & ~(np.uint32(0xFFFFFFFF) >> np.uint32(8 * rest))
                    w[t, lane] = word
            for t in range(16, 80):
                for lane in range(LANES):
                    x = w[t - 3, lane] ^ w[t - 8, lane] ^ w[t - 14, lane] ^ w[t - 16, lane]
                    w[t, lane] = (x << 1) | (x >> 31)
            a[:], b[:], c[:], d[:], e[:] = state[0], state[1], state[2], state[3], state[4]
            # 80 rounds (FIPS 180-4 §6.1.2 step 3; constants §4.2.1, written out in each branch, which the compiler
            # vectorises better than a constant picked from a tuple). Rather than moving five registers along each
            # round, the arrays change roles: the new `a` is written over `e`, `b` is rotated in place into `c`
            for t in range(80):
                if t < 20:
                    k = np.uint32(0x5A827999)
                    for lane in range(LANES):  # Ch
                        f = d[lane] ^ (b[lane] & (c[lane] ^ d[lane]))
                        e[lane] = ((a[lane] << 5) | (a[lane] >> 27)) + f + e[lane] + k + w[t, lane]
                        b[lane] = (b[lane] << 30) | (b[lane] >> 2)
                elif t < 40 or t >= 60:
                    k = np.uint32(0x6ED9EBA1) if t < 40 else np.uint32(0xCA62C1D6)
                    for lane in range(LANES):  # Parity
                        f = b[lane] ^ c[lane] ^ d[lane]
                        e[lane] = ((a[lane] << 5) | (a[lane] >> 27)) + f + e[lane] + k + w[t, lane]
                        b[lane] = (b[lane] << 30) | (b[lane] >> 2)
                else:
                    k = np.uint32(0x8F1BBCDC)
                    for lane in range(LANES):  # Maj
                        f = (b[lane] & c[lane]) | (d[lane] & (b[lane] | c[lane]))
                        e[lane] = ((a[lane] << 5) | (a[lane] >> 27)) + f + e[lane] + k + w[t, lane]
                        b[lane] = (b[lane] << 30) | (b[lane] >> 2)
                a, b, c, d, e = e, a, b, c, d
            for lane in range(lanes):
                if j < blocks[lane]:  # a shorter message is complete: its state stays
                    state[0, lane] += a[lane]
                    state[1, lane] += b[lane]
                    state[2, lane] += c[lane]
                    state[3, lane] += d[lane]
                    state[4, lane] += e[lane]
        for lane in range(lanes):
            h = state[0, lane]
            out[first + lane] = (h << 24) | ((h << 8) & 0xFF0000) | ((h >> 8) & 0xFF00) | (h >> 24)
    return out


@compiled
def signature(utf8: np.ndarray, word_starts: np.ndarray, word_ends: np.ndarray, a: np.ndarray, b: np.ndarray,
              out: np.ndarray) -> bool:
    """The 128 minimum permuted shingle hashes into `out` (uint32); False, with `out` untouched, below 13 words.

    word_starts and word_ends are byte offsets into `utf8`."""
    shingles = len(word_starts) - NGRAM + 1
    if shingles <= 0:
        return False
    hashes = shingle_hashes(utf8, word_starts[:shingles], word_ends[NGRAM - 1:])
    minimum = np.full(len(a), MAX_HASH, dtype=np.uint32)
    for s in range(shingles):
        h = np.uint64(hashes[s])
        for k in range(len(a)):
            v = h * a[k] + b[k]  # wraps around in uint64, as in datasketch
            # v mod 2**61 - 1 without a division or a branch: 2**61 is 1 there, so fold the top bits down once,
            # then once more the carry of (v + 1) past 2**61 (v is then 2**61 - 1 + r, r < 8: r is the rest)
            v = (v & MERSENNE_PRIME) + (v >> np.uint64(61))
            v = (v + ((v + np.uint64(1)) >> np.uint64(61))) & MERSENNE_PRIME
            minimum[k] = min(minimum[k], np.uint32(v & MAX_HASH))
    out[:] = minimum
    return True


@compiled
def signatures(data: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The signatures of the normalised texts data[offsets[d]:offsets[d + 1]] (UTF-8, one space between words) as a
    (documents, len(a)) uint32 array, and which documents have one (none below 13 words: that row stays 0)."""
    count = len(offsets) - 1
    out = np.zeros((count, len(a)), dtype=np.uint32)
    present = np.zeros(count, dtype=np.bool_)
    for d in range(count):
        text = data[offsets[d]:offsets[d + 1]]
        spaces = np.flatnonzero(text == _SPACE)
        starts = np.zeros(len(spaces) + 1, dtype=np.int64)
        starts[1:] = spaces + 1
        ends = np.full(len(spaces) + 1, len(text), dtype=np.int64)
        ends[:-1] = spaces
        present[d] = signature(text, starts, ends, a, b, out[d])
    return out, present
