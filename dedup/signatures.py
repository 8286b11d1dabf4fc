"""The MinHash signatures dedup works on: computed a batch at once by the signals' compiled MinHash
(`signals.fast.minhash`, equal value for value to `signals.minhash`, RedPajama-V2's), or read back from the band
bytes that `curate signals` wrote (or RedPajama-V2 published) instead of being computed again."""

import numpy as np

from signals.fast import minhash
from signals.minhash import PERMUTATIONS


def signatures(normalized: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(signatures as an (n, 128) uint32 array, which documents have one): none below 13 normalised words."""
    encoded = [text.encode("utf-8") for text in normalized]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(text) for text in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return minhash.signatures(data, offsets, *PERMUTATIONS)


def signature_from_bands(bands: list[bytes] | None) -> np.ndarray | None:
    """The signature held by a `signature_sim{t}` value (its bands' big-endian uint32s in order), or None."""
    if not bands:
        return None
    return np.frombuffer(b"".join(bands), dtype=">u4").astype(np.uint32)
