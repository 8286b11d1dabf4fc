"""Generated benchmark items and the documents they are planted in: two made-up vocabularies that share no word,
so that a document's only n-grams in common with a benchmark are those of the items planted in it."""

import random

COMMON_PHRASE = "one of the most important"  # a phrase many items and documents share, not contamination
_ITEM_SOUNDS = ("ka", "zo", "ri", "vu", "pe", "xa", "lo", "gi")  # item words: these syllables only
_FILLER_SOUNDS = ("ba", "de", "mi", "no", "tu", "sa", "fe", "hy")  # filler words: none of the item syllables


def _word(rng: random.Random, sounds: tuple[str, ...]) -> str:
    return "".join(rng.choice(sounds) for _ in range(rng.randint(2, 4)))


def item_words(count: int, seed: int) -> list[str]:
    """`count` words of a benchmark item."""
    rng = random.Random(seed)
    return [_word(rng, _ITEM_SOUNDS) for _ in range(count)]


def filler(count: int, seed: int) -> str:
    """`count` words of text that shares no word with any item, as sentences."""
    rng = random.Random(-seed - 1)
    words = [_word(rng, _FILLER_SOUNDS) for _ in range(count)]
    return " ".join(f"{word.capitalize()}." if i % 12 == 11 else word for i, word in enumerate(words))


def items(count: int, seed: int, min_words: int = 10, max_words: int = 60) -> list[str]:
    """`count` items of a generated benchmark, each of `min_words` to `max_words` words."""
    rng = random.Random(seed)
    return [" ".join(item_words(rng.randint(min_words, max_words), rng.getrandbits(48))) for _ in range(count)]
