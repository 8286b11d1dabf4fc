"""Synthetic corpora with a known near-duplicate structure, for the dedup tests and `make bench-dedup`.

A family is a base document and copies of it, each carrying 0 to `max_edits` word edits (a word replaced,
inserted or deleted); unrelated documents are drawn alone. Words come from a vocabulary of made-up words, so
two documents share 13-word shingles only by being in one family (or by a block they were both given)."""

import hashlib
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["qu", "th", "sh", "ch"]


@dataclass(frozen=True)
class CorpusShape:
    families: int = 100
    copies: int = 6  # per family, besides the base
    unrelated: int = 1000
    words: int = 200  # mean document length in words (+-30%)
    max_edits: int = 40
    vocabulary: int = 20_000
    seed: int = 0


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct made-up words of two to four syllables."""
    words: dict[str, None] = {}
    while len(words) < size:
        count = rng.integers(2, 5)
        words["".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), count))] = None
    return list(words)


def edited(tokens: np.ndarray, edits: int, rng: np.random.Generator, vocabulary_size: int) -> np.ndarray:
    """`tokens` with `edits` random edits, each a replacement, an insertion or a deletion of one word."""
    tokens = tokens.tolist()
    for kind in rng.integers(0, 3, edits):
        position = int(rng.integers(0, len(tokens)))
        if kind == 0:
            tokens[position] = int(rng.integers(0, vocabulary_size))
        elif kind == 1:
            tokens.insert(position, int(rng.integers(0, vocabulary_size)))
        elif len(tokens) > 1:
            del tokens[position]
    return np.array(tokens)


def document_id(seed: int, number: int) -> str:
    """A 32-hex-digit id that says nothing about the document's family or position."""
    return hashlib.sha1(f"{seed}/{number}".encode()).hexdigest()[:32]


def near_duplicate_corpus(shape: CorpusShape = CorpusShape()) -> list[dict]:
    """Documents {id, text, family (None when unrelated), edits (copies: edits from the base; base: 0)}, shuffled."""
    rng = np.random.default_rng(shape.seed)
    words = vocabulary(shape.vocabulary, rng)
    def text(tokens: np.ndarray) -> str:
        picked = itemgetter(*tokens.tolist())(words)
        return picked if isinstance(picked, str) else " ".join(picked)

    def fresh() -> np.ndarray:
        low, high = int(shape.words * 0.7), int(shape.words * 1.3)
        return rng.integers(0, len(words), int(rng.integers(low, high + 1)))

    documents = []
    for family in range(shape.families):
        base = fresh()
        documents.append({"text": text(base), "family": family, "edits": 0})
        for _ in range(shape.copies):
            edits = int(rng.integers(0, shape.max_edits + 1))
            documents.append({"text": text(edited(base, edits, rng, len(words))), "family": family, "edits": edits})
    documents += [{"text": text(fresh()), "family": None, "edits": 0} for _ in range(shape.unrelated)]
    order = rng.permutation(len(documents))
    return [{"id": document_id(shape.seed, int(n)), **documents[i]} for n, i in enumerate(order)]


def shingle_sets(texts: list[str]) -> list[set[int]]:
    """Each text's word 13-grams (the texts are already normalised: lower-case words and single spaces)."""
    sets = []
    for text in texts:
        words = text.split(" ")
        sets.append({hash(gram) for gram in zip(*(words[i:] for i in range(13)), strict=False)})
    return sets
