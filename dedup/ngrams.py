"""Word n-grams of normalised text hashed to 64 bits, and an index of benchmark items to find in documents.

It sits beside the MinHash shingles because it is the same measure of overlap: the words of `signals.text.normalize`
(ASCII punctuation deleted, lower case, white space collapsed, NFD), so case, punctuation and line breaks do not
hide an item. A run of words hashes to a polynomial over its words' 64-bit BLAKE2b hashes (mod 2**64) plus a
multiple of its length, so that a short item's whole run never equals an n-gram of another length.

The index is a sorted array of unique hashes, looked up with `searchsorted`, and beside it a bitmask of the
benchmarks each n-gram comes from (at most 64 benchmarks; a byte for up to 8). It is exact, where a Bloom filter
alone (about 10 bits an n-gram at 1% false positives) would flag documents for nothing. In front of it sits a
one-hash Bloom filter of 32 to 64 bits an n-gram, so that only about 1 in 32 of a document's runs is looked up in
the sorted array: random reads into tens of MB cost more than the hashing. 100,000 items make about 2.3 million
n-grams, 36 MiB in all, which an executor maps once from disk (docs/benchmarks.md has the figures).

Facts: GPT-3 decontaminated with 13-grams (arXiv 2005.14165, appendix C); datatrove's `NGramsDecontConfig`
defaults to 12-grams over the prompt and the answer joined (datatrove src/datatrove/pipeline/decont/n_grams.py)."""

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from signals.text import normalized_words

NGRAM = 13  # GPT-3, arXiv 2005.14165, appendix C
MIN_ITEM_WORDS = 8  # shorter items are too common to say a document holds a benchmark
MAX_BENCHMARKS = 64  # the bits of an owner mask
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd, so that each step of the polynomial is a bijection
_LENGTH_SALT = np.uint64(0xC2B2AE3D27D4EB4F)  # odd: runs of different lengths hash apart
_FILTER_BITS = 32  # bits of the prefilter per indexed n-gram: about 1 in 32 runs that are not in it pass it
_FILES = ("hashes.npy", "owners.npy", "filter.npy", "index.json")


def word_hashes(words: list[str]) -> np.ndarray:
    """The 64-bit BLAKE2b of each word (uint64), each distinct word hashed once."""
    table = {word: int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
             for word in dict.fromkeys(words)}
    return np.fromiter(map(table.__getitem__, words), dtype=np.uint64, count=len(words))


def run_hashes(texts_words: list[list[str]], lengths: Iterable[int]) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each length, ascending: the hashes of every run of that many words inside one text, and the text each
    comes from. One pass of polynomial steps serves every length; the length is mixed in at the end."""
    wanted = sorted(set(lengths))
    hashes = word_hashes([word for words in texts_words for word in words])
    ends = np.cumsum([len(words) for words in texts_words], dtype=np.int64)
    total = len(hashes)
    text = np.searchsorted(ends, np.arange(total), side="right")
    room = ends[text] - np.arange(total)  # words from each position to its text's end: runs stay inside a text
    poly = np.zeros(total, dtype=np.uint64)
    for k in range(wanted[-1] if wanted and total else 0):
        count = total - k  # poly[:count]: the runs of k + 1 words (uint64 arithmetic wraps: mod 2**64)
        if count <= 0:
            break
        np.multiply(poly[:count], _MULTIPLIER, out=poly[:count])
        np.add(poly[:count], hashes[k:k + count], out=poly[:count])
        if k + 1 in wanted:
            inside = room[:count] >= k + 1
            yield k + 1, poly[:count][inside] + _LENGTH_SALT * np.arange(k + 1, k + 2, dtype=np.uint64), \
                text[:count][inside]


def gram_hashes(texts_words: list[list[str]], length: int) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of every run of `length` words inside each text's words, and the text each comes from."""
    for _, grams, text in run_hashes(texts_words, [length]):
        return grams, text
    return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)


def words(text: str | None) -> list[str]:
    """The normalised words, as the MinHash shingles take them."""
    return normalized_words(text or "")


@dataclass(frozen=True)
class BenchmarkCount:
    items: int  # rows read
    skipped_short: int  # items of fewer than min_item_words words, not indexed


@dataclass(frozen=True)
class NgramIndex:
    hashes: np.ndarray  # sorted, unique (uint64)
    owners: np.ndarray  # for each hash, a bit per benchmark it comes from, bit i: names[i] (uint8 to uint64)
    prefilter: np.ndarray  # uint8, a bit per slot of the hashes' top bits: a run whose bit is clear is not indexed
    names: tuple[str, ...]  # sorted
    ngram: int
    lengths: tuple[int, ...]  # the run lengths looked up: ngram, and those of shorter items matched whole

    def matches(self, texts: list[str | None]) -> tuple[list[list[str]], np.ndarray]:
        """For each text: the benchmarks it holds n-grams of (sorted names) and how many of its n-grams match."""
        texts_words = [words(text) for text in texts]
        counts = np.zeros(len(texts), dtype=np.int64)
        masks = np.zeros(len(texts), dtype=np.uint64)
        for _, grams, text in run_hashes(texts_words, self.lengths):
            passed = filter_bits(self.prefilter, grams).astype(bool)  # the few that may be indexed, looked up
            grams, text = grams[passed], text[passed]
            where = np.minimum(np.searchsorted(self.hashes, grams), max(len(self.hashes) - 1, 0))
            found = self.hashes[where] == grams
            counts += np.bincount(text[found], minlength=len(texts))
            np.bitwise_or.at(masks, text[found], self.owners[where[found]].astype(np.uint64))
        return [self.owner_names(int(mask)) for mask in masks.tolist()], counts

    def owner_names(self, mask: int) -> list[str]:
        return [name for bit, name in enumerate(self.names) if mask >> bit & 1]

    def save(self, folder: str) -> None:
        """hashes.npy, owners.npy, filter.npy (mapped on load) and index.json in `folder`."""
        for name, array in zip(_FILES, (self.hashes, self.owners, self.prefilter), strict=False):
            np.save(os.path.join(folder, name), array)
        with open(os.path.join(folder, _FILES[3]), "w", encoding="utf-8") as handle:
            json.dump({"names": list(self.names), "ngram": self.ngram, "lengths": list(self.lengths)}, handle)

    @classmethod
    def load(cls, folder: str) -> "NgramIndex":
        """The index `save` wrote, its arrays mapped read-only: the executor's workers share one copy in memory."""
        with open(os.path.join(folder, _FILES[3]), encoding="utf-8") as handle:
            meta = json.load(handle)
        arrays = [np.load(os.path.join(folder, name), mmap_mode="r") for name in _FILES[:3]]
        return cls(*arrays, tuple(meta["names"]), meta["ngram"], tuple(meta["lengths"]))

    def digest(self) -> str:
        """SHA-256 of the index's content: a changed benchmark changes it."""
        digest = hashlib.sha256(json.dumps([self.names, self.ngram, self.lengths]).encode())
        digest.update(np.ascontiguousarray(self.hashes).tobytes())
        digest.update(np.ascontiguousarray(self.owners).tobytes())
        return digest.hexdigest()

    @property
    def nbytes(self) -> int:
        return int(self.hashes.nbytes + self.owners.nbytes + self.prefilter.nbytes)


def build_index(benchmarks: dict[str, Iterable[str | None]], ngram: int = NGRAM,
                min_item_words: int = MIN_ITEM_WORDS) -> tuple[NgramIndex, dict[str, BenchmarkCount]]:
    """The index of the items of each benchmark (name -> item texts), and each benchmark's counts. An item of at
    least `ngram` words gives its n-grams; a shorter one of at least `min_item_words` words is matched whole."""
    if len(benchmarks) > MAX_BENCHMARKS:
        raise ValueError(f"{len(benchmarks)} benchmarks: at most {MAX_BENCHMARKS} in one run")
    names = tuple(sorted(benchmarks))
    hashes, owners, lengths, counts = [], [], {ngram}, {}
    for bit, name in enumerate(names):
        by_length: dict[int, list[list[str]]] = {}
        items = skipped = 0
        for text in benchmarks[name]:
            items += 1
            item = words(text)
            if len(item) < min_item_words:
                skipped += 1
            else:
                by_length.setdefault(min(len(item), ngram), []).append(item)
        for length, group in by_length.items():
            grams = np.unique(gram_hashes(group, length)[0])
            hashes.append(grams)
            owners.append(np.full(len(grams), np.uint64(1) << np.uint64(bit), dtype=np.uint64))
        lengths.update(by_length)
        counts[name] = BenchmarkCount(items, skipped)
    every = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64)
    unique, inverse = np.unique(every, return_inverse=True)
    merged = np.zeros(len(unique), dtype=np.uint64)
    np.bitwise_or.at(merged, inverse, np.concatenate(owners) if owners else merged)
    bits = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(t).bits >= len(names))
    merged = merged.astype(bits)  # a byte an n-gram for up to 8 benchmarks
    prefilter = np.zeros(max(1 << 13, 1 << int(np.ceil(np.log2(max(len(unique), 1) * _FILTER_BITS / 8)))), np.uint8)
    slots = _slots(prefilter, unique)
    np.bitwise_or.at(prefilter, slots >> np.uint64(3), (np.uint64(1) << (slots & np.uint64(7))).astype(np.uint8))
    return NgramIndex(unique, merged, prefilter, names, ngram, tuple(sorted(lengths))), counts


def _slots(prefilter: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """The prefilter's bit of each hash: its top bits (the filter holds a power of two of bits)."""
    return hashes >> np.uint64(64 - int(np.log2(len(prefilter) * 8)))


def filter_bits(prefilter: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """1 where a hash's bit is set in the prefilter (every indexed hash's is), else 0 (uint8)."""
    slots = _slots(prefilter, hashes)
    return (prefilter[slots >> np.uint64(3)] >> (slots & np.uint64(7)).astype(np.uint8)) & np.uint8(1)
