"""LSH banding and candidate verification as pure functions: which bands, the bands' bucket keys, and the
similarity an edge must show to be kept."""

import numpy as np

from signals.minhash import BANDS, NGRAM, NUM_PERM

CANDIDATE_RECALL = 0.99
_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """P(two documents of this Jaccard share at least one band): 1 - (1 - s^r)^b (Leskovec et al., MMDS §3.4)."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def candidate_banding(threshold: float, num_perm: int = NUM_PERM, recall: float = CANDIDATE_RECALL) -> tuple[int, int]:
    """(bands, rows) that make a pair at the threshold a candidate with probability >= `recall`, with the most
    rows per band (so the fewest candidates far below it) that reach it."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold {threshold} is not in (0, 1]")
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall:
            return bands, rows
    return num_perm, 1


def rpv2_banding(threshold: float) -> tuple[int, int]:
    """RedPajama-V2's (bands, rows) for its four thresholds (RedPajama-Data app/src/dedupe/utils.py `optimal_param`)."""
    banding = BANDS.get(f"{threshold:.1f}") if round(threshold, 1) == threshold else None
    if banding is None:
        raise ValueError(f"RedPajama-V2 bands exist only for thresholds {', '.join(BANDS)}, not {threshold}")
    return banding


def band_buckets(signatures: np.ndarray, bands: int, rows: int, salt: int = 0) -> np.ndarray:
    """(n, bands) int64 bucket keys: a 64-bit hash of (salt, band index, the band's values).

    Two documents share a bucket exactly when they have the same values in that band, up to 64-bit hash
    collisions (about n * bands / 2^64 false candidates in all)."""
    n = signatures.shape[0]
    values = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    seeds = (np.arange(bands, dtype=np.uint64) + np.uint64(salt) * np.uint64(1 << 20)) * _FNV_PRIME
    keys = np.broadcast_to(_FNV_OFFSET ^ seeds, (n, bands)).copy()
    for j in range(rows):  # FNV-1a over the band's 32-bit words
        keys ^= values[:, :, j]
        keys *= _FNV_PRIME
    return _mix(keys).view(np.int64)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole key."""
    x = x ^ (x >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row by row, the share of equal signature values: an unbiased estimate of the pair's Jaccard similarity."""
    return (a == b).mean(axis=1)


def shingles(normalized: str) -> set[tuple[str, ...]]:
    """The word 13-grams of a normalised text, the set MinHash estimates Jaccard on."""
    words = normalized.split()
    return set(zip(*(words[i:] for i in range(NGRAM)), strict=False))


def jaccard(normalized_a: str, normalized_b: str) -> float:
    """Exact Jaccard similarity of two normalised texts' 13-gram sets (0.0 when either has none)."""
    a, b = shingles(normalized_a), shingles(normalized_b)
    return len(a & b) / len(a | b) if a and b else 0.0
