"""CPython 3.11's `hash()` of str and of str pairs under a fixed PYTHONHASHSEED, whatever this process's seed.

RedPajama-V2's DSIR features bucket tokens with the salted builtin `hash` run under PYTHONHASHSEED=42 on
CPython 3.11 (RedPajama-Data app/src/core/quality_signals/utils/dsir.py, `compute_hash`, run in the image of
app/Dockerfile: python:3.11.5 with PYTHONHASHSEED 42; 6d2cee9). A process cannot change its own seed, so this
module recomputes that hash:
- the key: `lcg_urandom(seed)` fills the 24-byte `_Py_HashSecret`; SipHash's k0, k1 are its first 16 bytes
  (CPython Python/bootstrap_hash.c, Include/pyhash.h);
- str: SipHash-1-3 (the default from CPython 3.11 on; 2-4 before) of the string's internal buffer, which is
  Latin-1, UCS-2 or UCS-4 little-endian depending on the widest code point; the empty string hashes to 0 and
  -1 becomes -2 (Python/pyhash.c `_Py_HashBytes`, Objects/unicodeobject.c `unicode_hash`);
- tuple: the xxHash-style combination of its items' hashes (Objects/tupleobject.c `tuplehash`, 3.8+).
The tests compare it with a child interpreter started with PYTHONHASHSEED=42."""

import numpy as np

MASK = (1 << 64) - 1
RPV2_HASH_SEED = 42
# Objects/tupleobject.c, 64-bit build
_XXPRIME_1 = np.uint64(11400714785074694791)
_XXPRIME_2 = np.uint64(14029467366897019727)
_XXPRIME_5 = np.uint64(2870177450012600261)


def siphash_key(seed: int) -> tuple[int, int]:
    """(k0, k1) that CPython derives from PYTHONHASHSEED=seed (seed 0 disables randomisation: a zero key)."""
    secret, x = bytearray(24), seed
    if seed:
        for i in range(24):
            x = (x * 214013 + 2531011) & 0xFFFFFFFF
            secret[i] = (x >> 16) & 0xFF
    return int.from_bytes(secret[:8], "little"), int.from_bytes(secret[8:16], "little")


def _rotl(x: np.ndarray, b: int) -> np.ndarray:
    return (x << np.uint64(b)) | (x >> np.uint64(64 - b))


def _sip_round(v: list[np.ndarray]) -> None:
    """One SipRound on the four state lanes, each an array (one entry per string); uint64 arithmetic wraps."""
    v[0] += v[1]
    v[2] += v[3]
    v[1] = _rotl(v[1], 13) ^ v[0]
    v[3] = _rotl(v[3], 16) ^ v[2]
    v[0] = _rotl(v[0], 32)
    v[2] += v[1]
    v[0] += v[3]
    v[1] = _rotl(v[1], 17) ^ v[2]
    v[3] = _rotl(v[3], 21) ^ v[0]
    v[2] = _rotl(v[2], 32)


def siphash13(key: tuple[int, int], data: list[bytes]) -> np.ndarray:
    """SipHash-1-3 as CPython 3.11 implements it, of many byte strings at once (uint64 results).

    Strings with the same number of 8-byte words go through the rounds together as numpy lanes."""
    out = np.empty(len(data), np.uint64)
    lengths = np.fromiter(map(len, data), np.int64, len(data))
    words_per_string = lengths // 8 + 1  # the last word holds the tail bytes and the length
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    for count in np.unique(words_per_string):
        rows = np.flatnonzero(words_per_string == count)
        padded = b"".join(data[i].ljust(count * 8, b"\0") for i in rows)
        words = np.frombuffer(padded, "<u8").reshape(len(rows), count).copy()
        words[:, -1] |= (lengths[rows] & 0xFF).astype(np.uint64) << np.uint64(56)
        v = [np.full(len(rows), k ^ np.uint64(constant)) for k, constant in
             ((k0, 0x736F6D6570736575), (k1, 0x646F72616E646F6D), (k0, 0x6C7967656E657261), (k1, 0x7465646279746573))]
        for j in range(count):
            v[3] ^= words[:, j]
            _sip_round(v)
            v[0] ^= words[:, j]
        v[2] ^= np.uint64(0xFF)
        for _ in range(3):
            _sip_round(v)
        out[rows] = v[0] ^ v[1] ^ v[2] ^ v[3]
    return out


def _internal_buffer(text: str) -> bytes:
    """The bytes CPython hashes for a str: its compact representation (PEP 393)."""
    widest = max(map(ord, text))
    if widest < 0x100:
        return text.encode("latin-1")
    # lone surrogates are legal in str and stored as such
    return text.encode("utf-16-le" if widest < 0x10000 else "utf-32-le", "surrogatepass")


_KEY = siphash_key(RPV2_HASH_SEED)
_CACHE: dict[str, int] = {}
CACHE_LIMIT = 1 << 20  # distinct tokens kept (about 150 MB of short tokens); beyond, the cache starts over


def str_hashes(tokens: list[str]) -> np.ndarray:
    """`hash(token)` of CPython 3.11 with PYTHONHASHSEED=42 for each token, as uint64 (Py_uhash_t).

    Each distinct token is hashed once per process; the new ones of a call are hashed together."""
    missing = [token for token in dict.fromkeys(tokens) if token not in _CACHE]
    if missing:
        if len(_CACHE) + len(missing) > CACHE_LIMIT:
            _CACHE.clear()
        nonempty = [token for token in missing if token]
        values = siphash13(_KEY, [_internal_buffer(token) for token in nonempty])
        # -1 is CPython's error value: a hash of -1 becomes -2
        values = np.where(values == np.uint64(MASK), np.uint64(MASK - 1), values)
        _CACHE.update(zip(nonempty, values.tolist(), strict=True))
        _CACHE.update((token, 0) for token in missing if not token)  # hash("") is 0
    return np.fromiter(map(_CACHE.__getitem__, tokens), np.uint64, len(tokens))


def pair_hashes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """`hash((a, b))` for the item hashes `first` and `second` (uint64 arrays), as uint64."""
    with np.errstate(over="ignore"):
        acc = np.full(len(first), _XXPRIME_5, np.uint64)
        for lane in (first, second):
            acc = acc + lane * _XXPRIME_2
            acc = (acc << np.uint64(31)) | (acc >> np.uint64(33))
            acc = acc * _XXPRIME_1
        acc = acc + (np.uint64(2) ^ (_XXPRIME_5 ^ np.uint64(3527539)))
    return np.where(acc == np.uint64(MASK), np.uint64(1546275796), acc)


def buckets(hashes: np.ndarray, size: int) -> np.ndarray:
    """`abs(h) % size` of the signed 64-bit hashes given as uint64, as Python computes it."""
    negative = hashes >= np.uint64(1 << 63)
    magnitude = np.where(negative, ~hashes + np.uint64(1), hashes)  # two's complement; -2**63 stays 2**63
    return (magnitude % np.uint64(size)).astype(np.int64)
