"""The compiled batch path gives the readable signals' values, bit for bit, on real and on generated documents."""

import json
import random

import numpy as np
import pytest

from signals.document import Document
from signals.fast.batch import DOC_COLUMNS, LINE_COLUMNS, model_free_signals
from signals.fast.ccnet import CCNET_COLUMNS
from signals.fast.rounding import rounded
from signals.fast.word_sets import FNV_OFFSET, contains, extend_hash, word_set
from signals.minhash import minhash_signatures
from signals.registry import CCNET, MODEL_FREE
from tests.conftest import SHARED

LANGUAGES = ["en", "de", "fr", "es", "it", None, "xx"]  # None and "xx" have no word lists
EDGE_CASES = [
    "", " ", "   \n\n  \n", "\n", "x", "THE END.\r\nok\r\n", "no newline at the end", "Hello, world.",
    "one two three four five six seven eight nine ten eleven twelve",  # 12 words: no signature
    "one two three four five six seven eight nine ten eleven twelve thirteen",
    "“Hello” — World… ‘quoted’ «guillemets» ¡hola! ¿qué? · middle dot",  # Unicode punctuation survives
    "café naïve Ångström Ǆemal ﬁne İstanbul ß ẞ K Å",  # NFD, multi-character and odd lowercases
    "e\u0301\u0323 e\u0323\u0301 a\u0328\u0301\u0308 \u1e09 \u0344 \u0f73",  # combining marks to reorder
    "Wait... what…… really.... ##hash #tag ...", "Is this it… Yes”\n", "“Quote.”\nNo quote\"\n",
    "ΟΔΟΣ ΣΑΣ. Σ ΑΣ, Σ.Α ΑΣ' ὈΔΥΣΣΕΎΣ ΑΣ\u0345 ΑΣ\u00adΒ",  # the final-sigma rule of str.lower
    "\u2022 bullet\n\u2013 dash\n- hyphen\n   \u25b6 indented\n* star\n\u00b7 middle dot",
    "Numbers ½ ² 四 ١٢٣ 1,234.56 Ⅻ", "JavaScript. javascript:void javascript JAVASCRIPT\njavascript",
    "lorem ipsum dolor LOREM IPSUM lorem ıpsum Lorem, ipsum lorem ipſum",  # counted by Python's re.IGNORECASE
    "lorem ıpsum lorem ipſum", "lorem lorem ipsum ipsum", "lorem", "xlorem ipsumx",
    "tabs\tand\x0bvertical\x0cfeed\x1cfile\x1dgroup\x1erecord\x1funit\x85next\u2028line\u2029para\u00a0nbsp\u3000",
    "Привет мир, hello ΚΑΛΗΜΈΡΑ κόσμε 你好世界 こんにちは 안녕하세요 مرحبا שלום",
    "emoji 😀👍🏽 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 \U000e0041 tag",  # beyond the BMP
    "I A HTML5 NASA's U.S.A. ǅ Ǆ x²", "{curly} }{ {{}}", "e.g. Mr. Smith went to Washington. Did he? Yes!",
    "fuck shit the 2 girls 1 cup", "Scheiße Möse MILF arsch", "Cabrón gilipollas coño", "merde putain",
    "buy now " * 40, "a b " * 3000, ("the same sentence over and over again. " * 500) + "end",
    # CCNet's line dedup: keys ignore case, digits' values, edge white space, its punctuation and control characters
    "Page 1 of 9\nBody.\n  PAGE 2 OF 9 \t\nbody.\r\nΣΑΣ\nσας\n\x01x\nx\n\x01 y\ny\n１\n0\n“q”\nq\n\n\n",
    "ΑΣ'Β\nασ'β\nας'β\nİ\ni\u0307\ni\n\u2028\n\n",
]


def _documents() -> list[tuple[str, str | None]]:
    documents = [(text, language) for text in EDGE_CASES for language in ("en", "de", "xx", None)]
    for name in ("public.jsonl", "heldout.jsonl"):
        path = SHARED / "parity" / name
        if path.exists():
            documents += [(row["text"], row.get("language")) for row in map(json.loads, path.open())]
    return documents


def _generated(count: int, seed: int) -> list[tuple[str, str | None]]:
    """Texts of words from a tricky alphabet: every plane, combining marks, spaces and punctuation of all kinds."""
    rng = random.Random(seed)
    alphabet = (list("abcXYZ019 .!?,'\"-…”“#{}\n\r\t\x01１") + ["\u03a3", "\u0301", "\u0323", "\u0345", "\u00ad",
                "\u2022", "\u2013", "\u00a0", "\x1c", "\u0130", "\u1e9e", "\u00bd", "...", "lorem ipsum",
                "LOREM", "ıpsum", "ipſum", "javascript"])
    documents = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 60)):
            if rng.random() < 0.1:
                code = rng.randint(0x80, 0x10FFFF)
                parts.append(chr(code) if not 0xD800 <= code < 0xE000 else "?")
            else:
                parts.append(rng.choice(alphabet))
            if rng.random() < 0.4:
                parts.append(rng.choice([" ", "\n", "  "]))
        documents.append(("".join(parts), rng.choice(LANGUAGES)))
    # few distinct words: repeated n-grams, ties for the most frequent one
    documents += [(" ".join(rng.choice(["buy", "now", "cheap", "café"][:k]) for _ in range(rng.randint(1, 300))), "en")
                  for k in range(1, 5) for _ in range(10)]
    # lines from a small pool that differ in what CCNet's dedup keys ignore: lines with equal keys
    pool = ["Page 1", "page 7", " PAGE 3\t", "ΑΣ Σ", "ας σ", "“x”", "x", "\x01y", "y", "\u0130", "i\u0307", "", " "]
    documents += [("\n".join(rng.choice(pool) for _ in range(rng.randint(1, 20))), "en") for _ in range(30)]
    return documents


def _batch(documents):
    encoded = [text.encode("utf-8") for text, _ in documents]
    offsets = np.concatenate(([0], np.cumsum([len(e) for e in encoded]))).astype(np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets, [language for _, language in documents]


def _mismatches(documents, artifacts) -> list:
    """Every value where the compiled batch and the readable signals differ."""
    got = model_free_signals(*_batch(documents), artifacts)
    found = []
    for i, (text, language) in enumerate(documents):
        doc = Document(text, language)
        for column, name in enumerate(CCNET_COLUMNS):
            if float(got.ccnet[i, column]) != CCNET[name](doc, artifacts)[0][2]:
                found.append((text[:40], language, name, got.ccnet[i, column], CCNET[name](doc, artifacts)[0][2]))
        for column, name in enumerate(DOC_COLUMNS):
            value = None if got.nulls[i, column] else float(got.values[i, column])
            expected = MODEL_FREE[name](doc, artifacts)[0][2]
            if value != expected or (value is None) != (expected is None):
                found.append((text[:40], language, name, value, expected))
        first, last = got.line_offsets[i], got.line_offsets[i + 1]
        starts = [0, *got.line_ends[first:last - 1]] if last > first else []
        if list(zip(starts, got.line_ends[first:last], strict=True)) != doc.lines:
            found.append((text[:40], language, "line_spans"))
        for row, name in enumerate(LINE_COLUMNS):
            expected = [score for _, _, score in MODEL_FREE[name](doc, artifacts)] if doc.lines else []
            if got.line_values[row, first:last].tolist() != expected:
                found.append((text[:40], language, name))
        bands = minhash_signatures(doc.normalized)["signature_sim1.0"]
        signature = got.signatures[i].astype(">u4").tobytes() if got.has_signature[i] else None
        if signature != (bands and bands[0]):
            found.append((text[:40], language, "minhash"))
    return found


def test_real_documents_and_edge_cases(artifacts):
    assert _mismatches(_documents(), artifacts) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_documents(artifacts, seed):
    assert _mismatches(_generated(150, seed), artifacts) == []


def test_one_huge_document(artifacts):
    text = "spam eggs and more spam, " * 20000 + "\n".join(f"line {i} of {i * 7}" for i in range(20000))
    assert _mismatches([(text, "en")], artifacts) == []


def test_columns_are_the_registry_signals():
    assert sorted(DOC_COLUMNS + LINE_COLUMNS) == sorted(MODEL_FREE)
    assert set(CCNET_COLUMNS) <= set(CCNET)


def test_rounding_equals_python_round():
    rng = random.Random(5)
    values = [rng.random() * scale for scale in (1, 30, 4e7, 1e8, 1e300) for _ in range(30000)]
    values += [a / b for b in range(1, 300) for a in range(b + 1)]
    ties = [(k + 0.5) / 1e8 for k in range(0, 10 ** 8, 997)]  # and, above 2**52 / 10**8, exact halves:
    ties += [rng.randint(45035997, 2 ** 26 - 1) + rng.randrange(1, 512, 2) / 512 for _ in range(30000)]
    values += ties + [float(np.nextafter(t, 1e9)) for t in ties] + [float(np.nextafter(t, 0.0)) for t in ties]
    values += [-value for value in values] + [0.0, -0.0, 5e-324]
    assert [v for v in values if repr(rounded(v)) != repr(round(v, 8))] == []


def test_a_hash_collision_is_no_match():
    stop_words = word_set(["the", "and"])
    codes = np.array([ord(c) for c in "thy"], dtype=np.int32)
    the = extend_hash(FNV_OFFSET, np.array([ord(c) for c in "the"], dtype=np.int32), 0, 3)
    assert contains(stop_words, the, np.array([ord(c) for c in "the"], dtype=np.int32), 0, 3)
    assert not contains(stop_words, the, codes, 0, 3)  # same hash, other text
