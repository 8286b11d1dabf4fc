"""MinHash signatures in compiled loops: the same values as `dedup.minhash` (spec §3).

Each shingle (13 words of the normalised text, a slice of its UTF-8 bytes) is hashed with SHA-1, written out here
after FIPS 180-4 §6.1 and run on 64 shingles side by side so that the compiler turns each step into vector
instructions (one hashlib call per shingle costs more than the hashing itself); the digest's first 4 bytes are
read little-endian. The 128 permutations reduce modulo the Mersenne prime 2**61 - 1 with shifts."""

import numpy as np

from dedup.minhash import MAX_HASH, MERSENNE_PRIME, NGRAM
from signals.fast.jit import compiled

LANES = 64
_START = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)


@compiled
def _pad(data: np.ndarray, start: int, end: int, row: np.ndarray) -> int:
    """The SHA-1 message data[start:end] with its padding (FIPS 180-4 §5.1.1) in `row`; returns its blocks."""
    length = end - start
    blocks = (length + 8) // 64 + 1
    row[:64 * blocks] = 0
    row[:length] = data[start:end]
    row[length] = 0x80
    bits = length * 8
    for i in range(8):
        row[64 * blocks - 1 - i] = (bits >> (8 * i)) & 0xFF
    return blocks


@compiled
def shingle_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The first 4 bytes of SHA-1(data[starts[i]:ends[i]]), read little-endian, for every i (uint32)."""
    count = len(starts)
    longest = 0
    for s in range(count):
        longest = max(longest, ends[s] - starts[s])
    padded = np.empty((LANES, 64 * ((longest + 8) // 64 + 1)), dtype=np.uint8)
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
            blocks[lane] = _pad(data, starts[first + lane], ends[first + lane], padded[lane]) if lane < lanes else 0
            most = max(most, blocks[lane])
        for i in range(5):
            state[i, :] = _START[i]
        for j in range(most):
            for lane in range(lanes):
                for t in range(16):  # big-endian words
                    p = 64 * j + 4 * t
                    w[t, lane] = ((np.uint32(padded[lane, p]) << 24) | (np.uint32(padded[lane, p + 1]) << 16)
                                  | (np.uint32(padded[lane, p + 2]) << 8) | np.uint32(padded[lane, p + 3]))
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

    word_starts and word_ends are byte offsets into `utf8`. The products wrap around in uint64 as in datasketch."""
    shingles = len(word_starts) - NGRAM + 1
    if shingles <= 0:
        return False
    hashes = shingle_hashes(utf8, word_starts[:shingles], word_ends[NGRAM - 1:])
    minimum = np.full(len(a), MAX_HASH, dtype=np.uint64)
    for s in range(shingles):
        h = np.uint64(hashes[s])
        for k in range(len(a)):
            v = h * a[k] + b[k]
            v = (v & MERSENNE_PRIME) + (v >> np.uint64(61))  # v mod 2**61 - 1, as 2**61 = 1 there
            if v >= MERSENNE_PRIME:
                v -= MERSENNE_PRIME
            v &= MAX_HASH
            if v < minimum[k]:
                minimum[k] = v
    for k in range(len(a)):
        out[k] = minimum[k]
    return True
