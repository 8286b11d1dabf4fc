"""The n-gram index of benchmark items: what it finds in documents, on generated items planted in generated text."""

import random
import unicodedata

import numpy as np

from dedup.ngrams import NGRAM, build_index, gram_hashes, run_hashes, words
from tests.helpers.contamination import COMMON_PHRASE, filler, item_words


def planted(item: str, seed: int, before: int = 40, after: int = 40) -> str:
    return f"{filler(before, seed)} {item} {filler(after, seed + 1)}"


def test_an_item_is_found_verbatim_in_other_case_and_punctuation_and_across_lines():
    item = " ".join(item_words(30, seed=1))
    index, counts = build_index({"quiz": [item]})
    shouted = item.upper().replace(" ", ", ", 5)
    parts = item.split(" ")
    broken = "\n".join(" ".join(parts[i:i + 7]) for i in range(0, 30, 7))
    names, found = index.matches([planted(item, 2), planted(shouted + "!", 3), planted(broken, 4), filler(80, 5)])
    assert names == [["quiz"], ["quiz"], ["quiz"], []]
    # the filler shares no word with the item, so only the item's own n-grams match
    assert found.tolist() == [30 - NGRAM + 1] * 3 + [0]
    assert counts["quiz"].items == 1 and counts["quiz"].skipped_short == 0


def test_a_common_short_phrase_alone_is_not_contamination():
    items = [f"{COMMON_PHRASE} {' '.join(item_words(20, seed=s))}" for s in range(5)]
    index, _ = build_index({"quiz": items})
    names, found = index.matches([planted(COMMON_PHRASE, 9), f"{COMMON_PHRASE} {filler(50, 10)}"])
    assert names == [[], []] and found.tolist() == [0, 0]


def test_documents_in_other_languages_and_unicode_forms():
    russian = "Какой город является столицей Австралии и почему его выбрали вместо Сиднея или Мельбурна тогда"
    greek = "Ποια είναι η πρωτεύουσα της Ελλάδας και πότε έγινε πρωτεύουσα του νέου κράτους μετά την επανάσταση"
    index, _ = build_index({"ru": [russian], "el": [unicodedata.normalize("NFC", greek)]})
    documents = [f"Вступление. {russian.upper()} Конец.", unicodedata.normalize("NFD", greek),
                 "Ein ganz anderer deutscher Text, der keine Frage aus einem Test enthält, nur Wörter."]
    names, found = index.matches(documents)
    assert names == [["ru"], ["el"], []]
    assert found.tolist() == [len(russian.split()) - NGRAM + 1, len(greek.split()) - NGRAM + 1, 0]


def test_short_items_are_matched_whole_or_skipped_and_counted():
    nine = " ".join(item_words(9, seed=20))
    five = " ".join(item_words(5, seed=21))
    index, counts = build_index({"short": [nine, five, ""]}, min_item_words=8)
    assert (counts["short"].items, counts["short"].skipped_short) == (3, 2)
    part_of_nine = " ".join(nine.split()[:8])
    names, found = index.matches([planted(nine, 22), planted(five, 23), planted(part_of_nine, 24)])
    assert names == [["short"], [], []] and found.tolist() == [1, 0, 0]


def test_names_are_sorted_and_unique_per_document():
    first, second = (" ".join(item_words(15, seed=s)) for s in (30, 31))
    index, _ = build_index({"zeta": [first], "alpha": [second, first]})
    names, found = index.matches([f"{first} {filler(5, 32)} {first} {second}"])
    assert names == [["alpha", "zeta"]]
    assert found.tolist() == [3 * (15 - NGRAM + 1)]


def test_runs_across_two_documents_of_a_batch_are_not_found():
    item = item_words(20, seed=40)
    index, _ = build_index({"quiz": [" ".join(item)]})
    names, found = index.matches([f"{filler(10, 41)} {' '.join(item[:10])}", f"{' '.join(item[10:])} {filler(10, 42)}"])
    assert names == [[], []] and found.tolist() == [0, 0]


def test_gram_hashes_equal_for_equal_runs_only():
    rng = random.Random(50)
    vocabulary = words(filler(200, 51))
    texts = [[rng.choice(vocabulary) for _ in range(rng.randint(0, 40))] for _ in range(30)]
    grams, text = gram_hashes(texts, 5)
    runs = [tuple(t[i:i + 5]) for t in texts for i in range(len(t) - 4)]
    assert len(grams) == len(runs) and text.tolist() == [n for n, t in enumerate(texts) for _ in range(len(t) - 4)]
    by_run: dict[tuple, int] = {}
    for run, gram in zip(runs, grams.tolist(), strict=True):
        assert by_run.setdefault(run, gram) == gram
    assert len(set(by_run.values())) == len(by_run)  # no two different runs share a hash


def test_the_saved_index_finds_the_same_and_its_digest_follows_the_items(tmp_path):
    items = [" ".join(item_words(25, seed=s)) for s in range(60, 70)]
    index, _ = build_index({"quiz": items})
    index.save(str(tmp_path))
    loaded = type(index).load(str(tmp_path))
    documents = [planted(item, s) for s, item in enumerate(items)] + [filler(60, 99)]
    assert loaded.matches(documents)[0] == index.matches(documents)[0]
    assert np.array_equal(loaded.matches(documents)[1], index.matches(documents)[1])
    assert loaded.digest() == index.digest() != build_index({"quiz": items[:-1]})[0].digest()


def test_one_pass_gives_each_length_as_alone_and_lengths_hash_apart():
    texts = [words(filler(n, n)) for n in (3, 9, 30, 0, 14)]
    together = {length: (grams.tolist(), text.tolist()) for length, grams, text in run_hashes(texts, [13, 5, 8])}
    alone = {length: tuple(part.tolist() for part in gram_hashes(texts, length)) for length in (5, 8, 13)}
    assert together == alone and list(together) == [5, 8, 13]
    assert not set(together[5][0]) & set(together[8][0])


def test_more_benchmarks_than_a_byte_holds():
    texts = {f"b{n:02d}": " ".join(item_words(14, seed=80 + n)) for n in range(12)}
    index, _ = build_index({name: [text] for name, text in texts.items()})
    names, _ = index.matches([f"{texts['b00']} {filler(3, 90)} {texts['b11']}", texts["b09"]])
    assert names == [["b00", "b11"], ["b09"]]
