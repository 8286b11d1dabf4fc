"""Word n-grams of normalised text hashed to 64 bits, and an index of benchmark items to find in documents.

It sits beside the MinHash shingles because it is the same measure of overlap: the words of `signals.text.normalize`
(ASCII punctuation deleted, lower case, white space collapsed, NFD), so case, punctuation and line breaks do not
hide an item. An n-gram's hash is a polynomial over its words' 64-bit BLAKE2b hashes (mod 2**64), seeded with
its length so that a short item's whole run of words never equals an n-gram of another length.

The index is a sorted array of unique hashes, looked up with `searchsorted`, and beside it a bitmask of the
benchmarks each n-gram comes from (at most 64 benchmarks). It is exact: a Bloom filter would take about 10 bits an
n-gram at a 1% false-positive rate instead of 16 bytes, but 100,000 items make a few million n-grams, tens of MB,
which an executor maps once from disk (docs/benchmarks.md has the figures); a false hit would flag a document.

Facts: GPT-3 decontaminated with 13-grams (arXiv 2005.14165, appendix C); datatrove's `NGramsDecontConfig`
defaults to 12-grams over the prompt and the answer joined (datatrove src/datatrove/pipeline/decont/n_grams.py)."""

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from signals.text import normalize

NGRAM = 13  # GPT-3, arXiv 2005.14165, appendix C
MIN_ITEM_WORDS = 8  # shorter items are too common to say a document holds a benchmark
MAX_BENCHMARKS = 64  # the bits of an owner mask
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd, so that each step of the polynomial is a bijection
_FILES = ("hashes.npy", "owners.npy", "index.json")


def word_hashes(words: list[str]) -> np.ndarray:
    """The 64-bit BLAKE2b of each word (uint64), each distinct word hashed once."""
    table = {word: int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
             for word in dict.fromkeys(words)}
    return np.fromiter((table[word] for word in words), dtype=np.uint64, count=len(words))


def gram_hashes(texts_words: list[list[str]], length: int) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of every run of `length` words inside each text's words, and the text each comes from."""
    sizes = np.array([len(words) for words in texts_words], dtype=np.int64)
    hashes = word_hashes([word for words in texts_words for word in words])
    count = len(hashes) - length + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    grams = np.full(count, length, dtype=np.uint64)
    for k in range(length):  # uint64 arrays wrap around: arithmetic mod 2**64
        grams = grams * _MULTIPLIER + hashes[k:k + count]
    ends = np.cumsum(sizes)
    text = np.searchsorted(ends, np.arange(count), side="right")
    inside = np.arange(count) + length <= ends[text]  # runs across two texts are not n-grams of either
    return grams[inside], text[inside]


def words(text: str | None) -> list[str]:
    """The normalised words, as the MinHash shingles take them."""
    return normalize(text or "").split()


@dataclass(frozen=True)
class BenchmarkCount:
    items: int  # rows read
    skipped_short: int  # items of fewer than min_item_words words, not indexed


@dataclass(frozen=True)
class NgramIndex:
    hashes: np.ndarray  # sorted, unique (uint64)
    owners: np.ndarray  # for each hash, a bit per benchmark it comes from (uint64), bit i: names[i]
    names: tuple[str, ...]  # sorted
    ngram: int
    lengths: tuple[int, ...]  # the run lengths looked up: ngram, and those of shorter items matched whole

    def matches(self, texts: list[str | None]) -> tuple[list[list[str]], np.ndarray]:
        """For each text: the benchmarks it holds n-grams of (sorted names) and how many of its n-grams match."""
        texts_words = [words(text) for text in texts]
        counts = np.zeros(len(texts), dtype=np.int64)
        masks = np.zeros(len(texts), dtype=np.uint64)
        for length in self.lengths:
            grams, text = gram_hashes(texts_words, length)
            where = np.minimum(np.searchsorted(self.hashes, grams), max(len(self.hashes) - 1, 0))
            found = self.hashes[where] == grams if len(self.hashes) else np.zeros(len(grams), dtype=bool)
            counts += np.bincount(text[found], minlength=len(texts))
            np.bitwise_or.at(masks, text[found], self.owners[where[found]])
        return [self.owner_names(int(mask)) for mask in masks.tolist()], counts

    def owner_names(self, mask: int) -> list[str]:
        return [name for bit, name in enumerate(self.names) if mask >> bit & 1]

    def save(self, folder: str) -> None:
        """hashes.npy, owners.npy (mapped on load) and index.json in `folder`."""
        np.save(os.path.join(folder, _FILES[0]), self.hashes)
        np.save(os.path.join(folder, _FILES[1]), self.owners)
        with open(os.path.join(folder, _FILES[2]), "w", encoding="utf-8") as handle:
            json.dump({"names": list(self.names), "ngram": self.ngram, "lengths": list(self.lengths)}, handle)

    @classmethod
    def load(cls, folder: str) -> "NgramIndex":
        """The index `save` wrote, its arrays mapped read-only: the executor's workers share one copy in memory."""
        with open(os.path.join(folder, _FILES[2]), encoding="utf-8") as handle:
            meta = json.load(handle)
        return cls(np.load(os.path.join(folder, _FILES[0]), mmap_mode="r"),
                   np.load(os.path.join(folder, _FILES[1]), mmap_mode="r"),
                   tuple(meta["names"]), meta["ngram"], tuple(meta["lengths"]))

    def digest(self) -> str:
        """SHA-256 of the index's content: a changed benchmark changes it."""
        digest = hashlib.sha256(json.dumps([self.names, self.ngram, self.lengths]).encode())
        digest.update(np.ascontiguousarray(self.hashes).tobytes())
        digest.update(np.ascontiguousarray(self.owners).tobytes())
        return digest.hexdigest()

    @property
    def nbytes(self) -> int:
        return int(self.hashes.nbytes + self.owners.nbytes)


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
    return NgramIndex(unique, merged, names, ngram, tuple(sorted(lengths))), counts
