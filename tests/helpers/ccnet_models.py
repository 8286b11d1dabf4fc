"""CCNet-style language models for the tests: a SentencePiece model trained on the Wikipedia sample in
../shared/data/corpus, the small ARPA models in ../shared/data/models/kenlm, and an ARPA scorer written from the
format's definition, to check KenLM's scores independently."""

import bz2
import gzip
import html
import re
from pathlib import Path

ENWIKI = "corpus/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
ENWIKI_ARPA = "models/kenlm/enwiki-sample.3gram.pruned.arpa.gz"
TEST_ARPA = "models/kenlm/kenlm-test.arpa"
SPECIAL = {"<s>", "</s>", "<unk>"}

_TEXT = re.compile(r"<text[^>]*>(.*?)</text>", re.DOTALL)
_MARKUP = [
    (re.compile(r"<ref[^>]*/>|<ref[^>]*>.*?</ref>|<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"\{\{[^{}]*\}\}"), ""),  # innermost templates; applied twice for one level of nesting
    (re.compile(r"\{\{[^{}]*\}\}"), ""),
    (re.compile(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]"), r"\1"),
    (re.compile(r"\[https?://\S+ ([^\]]*)\]"), r"\1"),
    (re.compile(r"'{2,}|<[^>]+>"), ""),
]


def wikipedia_paragraphs(path: Path, min_words: int = 20) -> list[str]:
    """Crude plain text of the articles of a MediaWiki XML dump: paragraphs of prose, markup mostly removed."""
    with bz2.open(path, "rt", encoding="utf-8") as handle:
        dump = handle.read()
    paragraphs = []
    for match in _TEXT.finditer(dump):
        text = html.unescape(match.group(1))
        for pattern, replacement in _MARKUP:
            text = pattern.sub(replacement, text)
        paragraphs += [line.strip() for line in text.split("\n")
                       if len(line.split()) >= min_words and not line.lstrip().startswith(("|", "{", "!", "*", "="))]
    return paragraphs


def train_sentencepiece(lines: list[str], prefix: Path, vocab_size: int = 2000) -> Path:
    """A unigram SentencePiece model trained on `lines`, written to `{prefix}.model` (returned)."""
    import sentencepiece

    corpus = Path(f"{prefix}.txt")
    corpus.write_text("\n".join(lines), encoding="utf-8")
    sentencepiece.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size,
                                             model_type="unigram", character_coverage=1.0, num_threads=1,
                                             minloglevel=2)
    corpus.unlink()
    Path(f"{prefix}.vocab").unlink()
    return Path(f"{prefix}.model")


def open_arpa(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def word_initial_arpa(source: Path, target: Path) -> Path:
    """`source` with "▁" before every word, as SentencePiece writes a word's first piece: a word-level model
    that scores SentencePiece pieces of whole words (the special tokens stay as they are)."""
    with open_arpa(source) as lines, target.open("w", encoding="utf-8") as out:
        ngrams = False
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("\\"):
                ngrams = line.strip().endswith("-grams:")
            elif ngrams and len(fields) >= 2:
                fields[1] = " ".join(w if w in SPECIAL else "▁" + w for w in fields[1].split(" "))
                line = "\t".join(fields) + "\n"
            out.write(line)
    return target


class Arpa:
    """An ARPA back-off model read from its text, scoring sentences by the format's definition."""

    def __init__(self, path: Path):
        self.prob: dict[tuple[str, ...], float] = {}
        self.backoff: dict[tuple[str, ...], float] = {}
        order = 0  # of the section being read: "\\3-grams:" starts the 3-grams, "\\data\\" has none
        with open_arpa(path) as lines:
            for line in lines:
                if line.startswith("\\"):
                    order = int(line[1]) if line.strip().endswith("-grams:") else 0
                    continue
                fields = line.split()
                if order and fields:
                    words = tuple(fields[1:1 + order])
                    self.prob[words] = float(fields[0])
                    if len(fields) > order + 1:
                        self.backoff[words] = float(fields[order + 1])
        self.order = max(map(len, self.prob))

    def conditional(self, history: tuple[str, ...], word: str) -> float:
        """log10 p(word | history): the longest n-gram listed, plus the back-off weights of the longer contexts."""
        if history + (word,) in self.prob:
            return self.prob[history + (word,)]
        if not history:
            return self.prob[("<unk>",)]
        return self.backoff.get(history, 0.0) + self.conditional(history[1:], word)

    def token_log10s(self, tokens: list[str]) -> list[float]:
        """log10 p of each token and of the final </s>, after <s>; unknown words read as <unk>."""
        words = [t if (t,) in self.prob else "<unk>" for t in tokens] + ["</s>"]
        history, scores = ("<s>",), []
        for word in words:
            scores.append(self.conditional(history[-(self.order - 1):], word))
            history += (word,)
        return scores


TRAINING_PARAGRAPHS = 1500  # the first ones train SentencePiece; the tests score the last ones, held out


def english_models(shared_data: Path, directory: Path) -> Path:
    """A CCNet lm_sp directory for "en": `en.sp.model` trained on CCNet-normalised paragraphs of the Wikipedia
    sample, and `en.arpa`, the sample's word 3-gram model with word-initial pieces."""
    from signals.ccnet_text import normalize

    paragraphs = wikipedia_paragraphs(shared_data / ENWIKI)[:TRAINING_PARAGRAPHS]
    train_sentencepiece([normalize(p) for p in paragraphs], directory / "en.sp", vocab_size=1000)
    word_initial_arpa(shared_data / ENWIKI_ARPA, directory / "en.arpa")
    return directory
