"""Word lists the signals read, in the reference's artifact layout: `stop_words/{lang}.txt`, `bad_words/{lang}.txt`."""

import os
from functools import lru_cache


class Artifacts:
    """Looks word lists up under a directory; a missing list gives None (its signals are then null)."""

    def __init__(self, directory: str | None):
        self.directory = directory

    def stop_words(self, language: str | None) -> frozenset[str] | None:
        return _word_set(self.directory, "stop_words", language)

    def bad_words(self, language: str | None) -> frozenset[str] | None:
        return _word_set(self.directory, "bad_words", language)


@lru_cache(maxsize=64)
def _word_set(directory: str | None, kind: str, language: str | None) -> frozenset[str] | None:
    if not directory or not language:
        return None
    path = os.path.join(directory, kind, f"{language}.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle)
