"""The compiled fastText prediction gives the fasttext library's labels and probabilities, float for float."""

import json
import random
import struct

import fasttext
import numpy as np
import pytest

from pipeline.readers.langid import LanguageIdentifier, default_lid_model
from signals.fasttext_model import DICTIONARY_OFFSET, FASTTEXT_MAGIC, NotAFastTextModel, check_model, load_compiled

ODD_LINES = [
    "", " ", "x", "é" * 50, "__label__en hello world", "__label__de", "hello </s> world after", "</s>",
    "a\x00b c", "日本語のテキストです", "emoji 😀 text", "Ελληνικά κείμενα και λέξεις", "word " * 3000,
]


def random_lines(rng: random.Random, count: int, vocabulary: list[str] = ()) -> list[str]:
    """Lines of made-up words over several scripts, NUL bytes, known words, labels and the end-of-line token."""
    def character() -> str:
        return chr(rng.choice([rng.randint(33, 126), rng.randint(160, 0x2FFF), rng.randint(0x4E00, 0x9FFF), 0]))

    def word() -> str:
        pick = rng.random()
        if vocabulary and pick < 0.4:
            return rng.choice(vocabulary)
        if pick < 0.43:
            return rng.choice(["</s>", "__label__a", "__label__zz"])
        return "".join(character() for _ in range(rng.randint(1, 9)))

    return [" ".join(word() for _ in range(rng.randint(0, 40))) for _ in range(count)]


def library_top(model, lines: list[str]) -> list[tuple[str | None, np.float32]]:
    tops = [model.f.predict(line + "\n", 1, 0.0, "replace") for line in lines]
    return [(top[0][1].removeprefix("__label__"), np.float32(top[0][0])) if top else (None, np.float32(0))
            for top in tops]


def compiled_top(path: str, lines: list[str]) -> list[tuple[str | None, np.float32]]:
    model = load_compiled(path)
    labels, probabilities = model.predict([(line + "\n").encode() for line in lines])
    return [(model.labels[i] if i >= 0 else None, p) for i, p in zip(labels.tolist(), probabilities, strict=True)]


def test_lid176_labels_and_probabilities_equal_the_librarys(shared_data):
    """On real texts in five languages, whole and cut to 1,000 characters, and on odd and random lines."""
    path = default_lid_model()
    texts = [json.loads(line)["text"] for name in ("public.jsonl", "heldout.jsonl")
             for line in (shared_data.parent / "parity" / name).read_text().split("\n") if line]
    lines = [" ".join(t.split()) for t in texts] + [" ".join(t[:1000].split()) for t in texts] + ODD_LINES
    lines += random_lines(random.Random(7), 400, vocabulary=["the", "und", "le", "de", "of", "и"])
    expected = library_top(fasttext.load_model(path), lines)
    assert compiled_top(path, lines) == expected
    assert len({label for label, _ in expected}) > 20  # the random lines reach many of the 176 labels


def test_languageidentifier_runs_lid176_compiled():
    lid = LanguageIdentifier(default_lid_model(), max_chars=20)
    assert lid.compiled is not None
    languages, scores = lid.predict(["Ceci est une phrase en français.", "This is an English sentence. Il ne "
                                                                           "la reconnaît qu'à ses vingt premiers"])
    assert languages == ["fr", "en"] and min(scores) > 0.5


# --- models written by the test: dense and quantized matrices, pruned n-grams, other losses ---------------

def _product_quantizer(rng: np.random.Generator, dim: int, dsub: int) -> bytes:
    nsubq = -(-dim // dsub)
    lastdsub = dim - dsub * (nsubq - 1)
    return struct.pack("<4i", dim, nsubq, dsub, lastdsub) + rng.normal(size=dim * 256).astype("<f4").tobytes()


def _matrix(rng: np.random.Generator, rows: int, dim: int, quantized: bool, qnorm: bool) -> bytes:
    """A DenseMatrix or a QuantMatrix (sub-vectors of 2, optionally quantized norms) as fastText saves them."""
    if not quantized:
        return struct.pack("<qq", rows, dim) + rng.normal(size=rows * dim).astype("<f4").tobytes()
    nsubq = -(-dim // 2)
    codes = rng.integers(0, 256, rows * nsubq, dtype=np.uint8).tobytes()
    saved = struct.pack("<?qqi", qnorm, rows, dim, len(codes)) + codes + _product_quantizer(rng, dim, 2)
    if qnorm:
        saved += rng.integers(0, 256, rows, dtype=np.uint8).tobytes() + _product_quantizer(rng, 1, 1)
    return saved


def write_model(path, rng: np.random.Generator, words: list[str], labels: int, *, quantized: bool = False,
                qnorm: bool = False, qout: bool = False, pruned: int = -1, loss: int = 1, minn: int = 2,
                maxn: int = 4, word_ngrams: int = 1, dim: int = 8, bucket: int = 500) -> None:
    """A supervised fastText model file (version 12) with random weights and labels of falling counts."""
    entries = [(w, int(rng.integers(1, 1000)), 0) for w in ["</s>", *words]]
    entries += [(f"__label__l{i}", 10_000 - 37 * i, 1) for i in range(labels)]
    saved = struct.pack("<ii", FASTTEXT_MAGIC, 12)
    saved += struct.pack("<12id", dim, 5, 5, 1, 5, word_ngrams, loss, 3, bucket, minn, maxn, 100, 1e-4)
    saved += struct.pack("<iiiqq", len(entries), len(words) + 1, labels, 10**6, pruned)
    saved += b"".join(w.encode() + b"\0" + struct.pack("<qb", count, kind) for w, count, kind in entries)
    kept = sorted(rng.choice(bucket, pruned, replace=False).tolist()) if pruned > 0 else []
    saved += b"".join(struct.pack("<ii", b, row) for row, b in enumerate(kept))
    rows = len(words) + 1 + (bucket if pruned < 0 else pruned)
    saved += struct.pack("<?", quantized) + _matrix(rng, rows, dim, quantized, qnorm)
    saved += struct.pack("<?", qout) + _matrix(rng, labels, dim, quantized and qout, qnorm)
    path.write_bytes(saved)


WORDS = ["alpha", "beta", "gamma", "délta", "эпсилон", "ζήτα", "眼睛", "x"]


@pytest.mark.parametrize("kind", [
    {},  # dense, every n-gram bucket
    {"minn": 1, "maxn": 3},  # one-character n-grams, which skip the word's first and last
    {"quantized": True, "pruned": 120},
    {"quantized": True, "qnorm": True, "qout": True, "pruned": 200},
    {"quantized": True, "qnorm": True, "pruned": 0},  # every n-gram pruned: words alone
    {"maxn": 0},  # no n-grams at all
])
def test_written_models_predict_as_the_library(tmp_path, kind):
    rng = np.random.default_rng(len(kind))
    path = tmp_path / "model.bin"
    write_model(path, rng, WORDS, labels=13, **kind)
    lines = random_lines(random.Random(3), 300, vocabulary=WORDS) + ODD_LINES
    expected = library_top(fasttext.load_model(str(path)), lines)
    assert compiled_top(str(path), lines) == expected
    assert len({label for label, _ in expected}) > 3


@pytest.mark.parametrize("kind", [{"loss": 3}, {"word_ngrams": 2}])  # softmax loss; word bigrams
def test_other_models_run_in_the_library(tmp_path, kind):
    path = tmp_path / "model.bin"
    write_model(path, np.random.default_rng(0), WORDS, labels=5, **kind)
    assert load_compiled(str(path)) is None
    lid = LanguageIdentifier(str(path), max_chars=0)
    lines = [" ".join(line.split()) for line in random_lines(random.Random(5), 50, vocabulary=WORDS)]
    languages, scores = lid.predict(lines)
    assert list(zip(languages, scores, strict=True)) == [
        (label or "unknown", score) for label, score in library_top(fasttext.load_model(str(path)), lines)]


def test_a_cut_model_is_refused_by_name(tmp_path):
    path = tmp_path / "model.ftz"
    write_model(path, np.random.default_rng(0), WORDS, labels=5, quantized=True, pruned=50)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(NotAFastTextModel, match="model.ftz: not a fastText model"):
        load_compiled(str(path))


@pytest.mark.parametrize("kind", [{}, {"quantized": True, "pruned": 120}, {"quantized": True, "qnorm": True,
                                                                          "qout": True, "pruned": 200},
                                  {"loss": 3, "word_ngrams": 2}])
def test_check_model_passes_whole_models_and_refuses_any_cut(tmp_path, kind):
    path = tmp_path / "model.bin"
    write_model(path, np.random.default_rng(1), WORDS, labels=7, **kind)
    check_model(str(path))
    fasttext.load_model(str(path))  # what the check passes, the library loads
    whole = path.read_bytes()
    for end in [*range(0, len(whole), max(1, len(whole) // 40)), len(whole) - 1]:
        path.write_bytes(whole[:end])
        with pytest.raises(NotAFastTextModel, match="model.bin: not a fastText model"):
            check_model(str(path))
    path.write_bytes(whole + b"\0")
    with pytest.raises(NotAFastTextModel, match=r"\(1 bytes after its end\)"):
        check_model(str(path))


def test_check_model_passes_lid176_and_refuses_a_cut_copy_without_reading_its_sizes(tmp_path):
    check_model(default_lid_model())
    whole = open(default_lid_model(), "rb").read()
    cut = tmp_path / "lid.176.ftz"
    cut.write_bytes(whole[:100_000])
    with pytest.raises(NotAFastTextModel, match="lid.176.ftz: not a fastText model"):
        check_model(str(cut))
    # a dictionary that claims 2**31 - 1 entries: refused from the file's size, nothing allocated for them
    claims = bytearray(whole)
    claims[DICTIONARY_OFFSET:DICTIONARY_OFFSET + 4] = struct.pack("<i", 2**31 - 1)
    cut.write_bytes(bytes(claims))
    with pytest.raises(NotAFastTextModel, match="a dictionary of 2147483647 entries"):
        check_model(str(cut))
